//! JSON as a tree that folds: objects and arrays open and close with ▸/▾,
//! keys and values are text nodes (never HTML), so a payload from any app is
//! shown as what it is.

use leptos::prelude::*;
use serde_json::Value;

/// Children shown under one object or array; the rest are counted.
const CHILDREN_SHOWN: usize = 200;

/// A folding JSON tree. Levels above `open_depth` start open (default 2: the
/// value and its children). A string at the top shows bare, as `JsonView` does.
#[component]
pub fn JsonTree(value: Option<Value>, #[prop(optional)] open_depth: Option<usize>) -> impl IntoView {
    let open_depth = open_depth.unwrap_or(2);
    match value {
        None | Some(Value::Null) => view! { <span class="muted">"—"</span> }.into_any(),
        Some(Value::String(text)) => view! { <pre class="json json-text">{text}</pre> }.into_any(),
        Some(value) => view! { <div class="json-tree">{node(None, value, 0, open_depth)}</div> }.into_any(),
    }
}

/// `"{3 keys}"`, `"[2 items]"`.
fn summary(value: &Value) -> String {
    match value {
        Value::Object(map) if map.len() == 1 => "{1 key}".to_string(),
        Value::Object(map) => format!("{{{} keys}}", map.len()),
        Value::Array(items) if items.len() == 1 => "[1 item]".to_string(),
        Value::Array(items) => format!("[{} items]", items.len()),
        _ => String::new(),
    }
}

fn scalar(value: &Value) -> (&'static str, String) {
    match value {
        Value::String(s) => ("jt-string", Value::String(s.clone()).to_string()),
        Value::Number(n) => ("jt-number", n.to_string()),
        Value::Bool(b) => ("jt-bool", b.to_string()),
        _ => ("jt-null", "null".to_string()),
    }
}

/// One key (or index) and its value; containers fold, scalars are one line.
fn node(key: Option<String>, value: Value, depth: usize, open_depth: usize) -> AnyView {
    let label = key.map(|k| view! { <span class="jt-key">{k}</span><span class="jt-colon">": "</span> });
    if !(value.is_object() || value.is_array()) {
        let (class, text) = scalar(&value);
        return view! { <div class="jt-node jt-leaf">{label}<span class=class>{text}</span></div> }.into_any();
    }
    let empty = match &value {
        Value::Object(m) => m.is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => true,
    };
    if empty {
        let text = if value.is_object() { "{}" } else { "[]" };
        return view! { <div class="jt-node jt-leaf">{label}<span class="jt-empty">{text}</span></div> }.into_any();
    }
    let open = RwSignal::new(depth < open_depth);
    let summary = summary(&value);
    let children = move || {
        open.get().then(|| {
            let entries: Vec<(String, Value)> = match &value {
                Value::Object(map) => map.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
                Value::Array(items) => items.iter().enumerate().map(|(i, v)| (i.to_string(), v.clone())).collect(),
                _ => Vec::new(),
            };
            let hidden = entries.len().saturating_sub(CHILDREN_SHOWN);
            view! {
                <div class="jt-children">
                    {entries.into_iter().take(CHILDREN_SHOWN).map(|(k, v)| node(Some(k), v, depth + 1, open_depth)).collect_view()}
                    {(hidden > 0).then(|| view! { <div class="jt-node muted">{format!("… {hidden} more")}</div> })}
                </div>
            }
        })
    };
    view! {
        <div class="jt-node">
            <button type="button" class="jt-toggle" aria-expanded=move || open.get().to_string()
                on:click=move |_| open.update(|o| *o = !*o)>
                <span class="jt-arrow" aria-hidden="true">{move || if open.get() { "▾" } else { "▸" }}</span>
                {label}
                <span class="jt-summary">{summary}</span>
            </button>
            {children}
        </div>
    }
    .into_any()
}
