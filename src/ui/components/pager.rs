//! Newest/older page links for keyset-paginated tables.

use crate::ui::href;
use leptos::prelude::*;

/// `params` are the list's other query parameters (filters), kept on every link.
#[component]
pub fn Pager(
    path: String,
    params: Vec<(&'static str, String)>,
    total: i64,
    shown: usize,
    has_newer: bool,
    has_older: bool,
    newest_id: Option<i64>,
    oldest_id: Option<i64>,
) -> impl IntoView {
    let link = |extra: Option<(&'static str, String)>| {
        let mut all = params.clone();
        all.extend(extra);
        href(&path, &all)
    };
    let first = link(None);
    let newer = newest_id.map(|id| link(Some(("before", id.to_string()))));
    let older = oldest_id.map(|id| link(Some(("after", id.to_string()))));
    let last = link(Some(("last", "1".to_string())));
    view! {
        <nav class="pager" aria-label="pages">
            <span class="muted">{format!("{shown} shown of {total}")}</span>
            {has_newer.then(|| view! {
                <a href=first class="btn">"« Newest"</a>
                <a href=newer.unwrap_or_default() class="btn" rel="prev">"‹ Newer"</a>
            })}
            {has_older.then(|| view! {
                <a href=older.unwrap_or_default() class="btn" rel="next">"Older ›"</a>
                <a href=last class="btn">"Oldest »"</a>
            })}
        </nav>
    }
}
