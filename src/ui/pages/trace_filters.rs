//! The traces explorer's state, kept whole in the URL's query string so a link
//! shares a view: the filter bar is a GET form, the pager links carry every
//! filter, and [`TraceFilters::query`] turns the text into a `TraceQuery`.

use crate::model::explorer::{TraceQuery, TraceSort};
use crate::model::stats::{format_timestamp_ms, parse_timestamp_ms};
use crate::ui::components::GetForm;
use crate::ui::href;
use leptos::prelude::*;

/// Time range presets: (URL value, label, milliseconds back from now).
pub const RANGES: [(&str, &str, i64); 4] = [
    ("1h", "Last 1 h", 3_600_000),
    ("24h", "Last 24 h", 86_400_000),
    ("7d", "Last 7 d", 7 * 86_400_000),
    ("30d", "Last 30 d", 30 * 86_400_000),
];

/// Every filter as the URL spells it (empty: not set).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TraceFilters {
    pub name: String,
    pub user_id: String,
    pub session_id: String,
    pub run_id: String,
    pub tags: String,
    pub environment: String,
    pub release: String,
    pub model: String,
    /// `true`, `false` or empty (any).
    pub has_error: String,
    /// One of [`RANGES`]; wins over `from`.
    pub range: String,
    /// `YYYY-MM-DDTHH:MM` (a `datetime-local` input, read as UTC) or RFC 3339.
    pub from: String,
    pub to: String,
    pub min_cost: String,
    pub min_latency_ms: String,
    pub search: String,
    pub sort: String,
}

/// `2026-03-01T09:30` (UTC) or an RFC 3339 time in Observ's form → `…:00.000Z`.
pub fn utc_time(text: &str) -> Option<String> {
    let text = text.trim();
    let full = match text.len() {
        16 => format!("{text}:00Z"),
        19 if !text.ends_with('Z') => format!("{text}Z"),
        _ => text.to_string(),
    };
    parse_timestamp_ms(&full).map(format_timestamp_ms)
}

/// What a `datetime-local` input can show of a URL time (its first 16 characters).
fn local_input(text: &str) -> String {
    utc_time(text).map(|t| t[..16].to_string()).unwrap_or_default()
}

impl TraceFilters {
    pub fn from_query(get: impl Fn(&str) -> Option<String>) -> TraceFilters {
        let v = |k: &str| get(k).map(|s| s.trim().to_string()).unwrap_or_default();
        TraceFilters {
            name: v("name"),
            user_id: v("user_id"),
            session_id: v("session_id"),
            run_id: v("run_id"),
            tags: v("tags"),
            environment: v("environment"),
            release: v("release"),
            model: v("model"),
            has_error: v("has_error"),
            range: v("range"),
            from: v("from"),
            to: v("to"),
            min_cost: v("min_cost"),
            min_latency_ms: v("min_latency_ms"),
            search: v("search"),
            sort: v("sort"),
        }
    }

    /// The query-string pairs (empty ones are dropped by `href`).
    pub fn params(&self) -> Vec<(&'static str, String)> {
        vec![
            ("search", self.search.clone()),
            ("name", self.name.clone()),
            ("user_id", self.user_id.clone()),
            ("session_id", self.session_id.clone()),
            ("run_id", self.run_id.clone()),
            ("tags", self.tags.clone()),
            ("environment", self.environment.clone()),
            ("release", self.release.clone()),
            ("model", self.model.clone()),
            ("has_error", self.has_error.clone()),
            ("range", self.range.clone()),
            ("from", self.from.clone()),
            ("to", self.to.clone()),
            ("min_cost", self.min_cost.clone()),
            ("min_latency_ms", self.min_latency_ms.clone()),
            ("sort", self.sort.clone()),
        ]
    }

    /// `/traces?…` for this view, on the page after `cursor` when given.
    pub fn href(&self, cursor: Option<&str>) -> String {
        let mut params = self.params();
        params.push(("cursor", cursor.unwrap_or_default().to_string()));
        href("/traces", &params)
    }

    /// Whether anything narrows the list (the sort does not).
    pub fn narrows(&self) -> bool {
        self.params().iter().any(|(k, v)| *k != "sort" && !v.is_empty())
    }

    /// The explorer query at `now_ms` (a range preset counts back from it).
    /// Unreadable numbers and times are left out, as an unset field is.
    pub fn query(&self, now_ms: i64, cursor: &str) -> TraceQuery {
        let text = |s: &str| Some(s.to_string()).filter(|s| !s.is_empty());
        let number = |s: &str| crate::model::stats::parse_number(s).filter(|n| n.is_finite() && *n >= 0.0);
        let preset = RANGES.iter().find(|(value, _, _)| *value == self.range);
        TraceQuery {
            name: text(&self.name),
            user_id: text(&self.user_id),
            session_id: text(&self.session_id),
            run_id: self.run_id.parse().ok(),
            tags: self.tags.split(',').map(str::trim).filter(|t| !t.is_empty()).map(String::from).collect(),
            environment: text(&self.environment),
            release: text(&self.release),
            model: text(&self.model),
            has_error: match self.has_error.as_str() {
                "true" => Some(true),
                "false" => Some(false),
                _ => None,
            },
            from: match preset {
                Some((_, _, back)) => Some(format_timestamp_ms(now_ms - back)),
                None => utc_time(&self.from),
            },
            to: utc_time(&self.to),
            min_cost: number(&self.min_cost),
            min_latency_ms: number(&self.min_latency_ms).map(|n| n as i64),
            search: text(&self.search),
            sort: TraceSort::parse(&self.sort).unwrap_or_default(),
            cursor: text(cursor),
        }
    }
}

fn sort_label(sort: TraceSort) -> &'static str {
    match sort {
        TraceSort::Time => "Newest first",
        TraceSort::Cost => "Most expensive first",
        TraceSort::Latency => "Slowest first",
        TraceSort::Tokens => "Most tokens first",
    }
}

/// A labelled text input of the filter bar.
#[component]
fn TextFilter(
    name: &'static str,
    label: &'static str,
    #[prop(optional)] placeholder: &'static str,
    value: Signal<String>,
) -> impl IntoView {
    let id = format!("filter-{name}");
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <input type="text" id=id name=name placeholder=placeholder prop:value=value/>
        </div>
    }
}

/// The filter bar: a GET form, so submitting it puts the view in the URL.
#[component]
pub fn FilterBar(filters: Memo<TraceFilters>) -> impl IntoView {
    let f = move |pick: fn(&TraceFilters) -> String| Signal::derive(move || filters.with(pick));
    let select = |current: Signal<String>, options: Vec<(&'static str, &'static str)>| {
        options
            .into_iter()
            .map(
                |(value, label)| view! { <option value=value selected=move || current.get() == value>{label}</option> },
            )
            .collect_view()
    };
    let sort = f(|f| TraceSort::parse(&f.sort).unwrap_or_default().as_str().to_string());
    let (has_error, range) = (f(|f| f.has_error.clone()), f(|f| f.range.clone()));
    let sorts = TraceSort::ALL.into_iter().map(|s| (s.as_str(), sort_label(s))).collect();
    let ranges = [("", "Any time")].into_iter().chain(RANGES.iter().map(|(v, l, _)| (*v, *l))).collect();
    let time = move |pick: fn(&TraceFilters) -> String| Signal::derive(move || local_input(&filters.with(pick)));
    view! {
        <GetForm action="/traces" class="card trace-filters" id="trace-filters">
            <div class="filter-main">
                <input type="search" name="search" id="filter-search" aria-label="Search inputs and outputs"
                    placeholder="Search inputs and outputs" prop:value=f(|f| f.search.clone())/>
                <select name="sort" aria-label="Sort traces" prop:value=sort>{select(sort, sorts)}</select>
                <button type="submit" class="btn btn-primary">"Apply"</button>
                <a href="/traces" class="btn">"Clear"</a>
            </div>
            <div class="filter-grid">
                <TextFilter name="name" label="Name" placeholder="part of the name" value=f(|f| f.name.clone())/>
                <TextFilter name="user_id" label="User" value=f(|f| f.user_id.clone())/>
                <TextFilter name="session_id" label="Session" value=f(|f| f.session_id.clone())/>
                <TextFilter name="tags" label="Tags" placeholder="a, b (all of them)" value=f(|f| f.tags.clone())/>
                <TextFilter name="environment" label="Environment" value=f(|f| f.environment.clone())/>
                <TextFilter name="release" label="Release" value=f(|f| f.release.clone())/>
                <TextFilter name="model" label="Model" value=f(|f| f.model.clone())/>
                <div class="field">
                    <label for="filter-has_error">"Errors"</label>
                    <select id="filter-has_error" name="has_error" prop:value=has_error>
                        {select(has_error, vec![("", "Any"), ("true", "With errors"), ("false", "Without errors")])}
                    </select>
                </div>
                <div class="field">
                    <label for="filter-range">"Time range"</label>
                    <select id="filter-range" name="range" prop:value=range>{select(range, ranges)}</select>
                </div>
                <div class="field">
                    <label for="filter-from">"From (UTC)"</label>
                    <input type="datetime-local" id="filter-from" name="from" prop:value=time(|f| f.from.clone())/>
                </div>
                <div class="field">
                    <label for="filter-to">"To (UTC)"</label>
                    <input type="datetime-local" id="filter-to" name="to" prop:value=time(|f| f.to.clone())/>
                </div>
                <div class="field">
                    <label for="filter-min_cost">"Min cost (USD)"</label>
                    <input type="number" id="filter-min_cost" name="min_cost" min="0" step="any" prop:value=f(|f| f.min_cost.clone())/>
                </div>
                <div class="field">
                    <label for="filter-min_latency_ms">"Min latency (ms)"</label>
                    <input type="number" id="filter-min_latency_ms" name="min_latency_ms" min="0" step="1"
                        prop:value=f(|f| f.min_latency_ms.clone())/>
                </div>
            </div>
            <input type="hidden" name="run_id" prop:value=f(|f| f.run_id.clone())/>
        </GetForm>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn filters(pairs: &[(&str, &str)]) -> TraceFilters {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        TraceFilters::from_query(|k| map.get(k).cloned())
    }

    #[test]
    fn the_url_becomes_a_query() {
        let now = parse_timestamp_ms("2026-03-02T12:00:00.000Z").unwrap();
        let f = filters(&[
            ("user_id", " ann "),
            ("tags", "a, b,,"),
            ("has_error", "true"),
            ("range", "24h"),
            ("from", "2020-01-01T00:00"),
            ("to", "2026-03-02T10:30"),
            ("min_cost", "0.5"),
            ("min_latency_ms", "abc"),
            ("sort", "cost"),
            ("run_id", "7"),
        ]);
        let q = f.query(now, "c1");
        assert_eq!(q.user_id.as_deref(), Some("ann"));
        assert_eq!(q.tags, ["a", "b"]);
        assert_eq!(q.has_error, Some(true));
        assert_eq!(q.from.as_deref(), Some("2026-03-01T12:00:00.000Z"), "the preset wins over from");
        assert_eq!(q.to.as_deref(), Some("2026-03-02T10:30:00.000Z"));
        assert_eq!((q.min_cost, q.min_latency_ms), (Some(0.5), None));
        assert_eq!((q.sort, q.run_id, q.cursor.as_deref()), (TraceSort::Cost, Some(7), Some("c1")));
        assert_eq!(q.name, None);
        assert!(f.narrows());
        assert!(!filters(&[("sort", "cost"), ("name", "")]).narrows());
        assert_eq!(
            filters(&[("from", "2026-03-01T09:30")]).query(now, "").from.as_deref(),
            Some("2026-03-01T09:30:00.000Z")
        );
    }

    #[test]
    fn links_keep_every_filter() {
        let f = filters(&[("search", "hello world"), ("sort", "latency"), ("user_id", "u&1")]);
        assert_eq!(f.href(None), "/traces?search=hello%20world&user_id=u%261&sort=latency");
        assert_eq!(f.href(Some("abc")), "/traces?search=hello%20world&user_id=u%261&sort=latency&cursor=abc");
        assert_eq!(local_input("2026-03-01T09:30:00Z"), "2026-03-01T09:30");
        assert_eq!(local_input("nonsense"), "");
    }
}
