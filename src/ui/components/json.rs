//! JSON shown as text (never as HTML) and a JSON editor that reports parse errors
//! with line and column while typing.

use crate::model::json_text::{parse_json_text, JsonField};
use leptos::prelude::*;
use serde_json::Value;

/// Pretty-printed JSON; strings show bare.
#[component]
pub fn JsonView(value: Option<Value>) -> impl IntoView {
    let text = match &value {
        None | Some(Value::Null) => return view! { <span class="muted">"—"</span> }.into_any(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => serde_json::to_string_pretty(other).unwrap_or_default(),
    };
    view! { <pre class="json">{text}</pre> }.into_any()
}

/// A textarea for JSON (or plain text) with its live parse error.
#[component]
pub fn JsonEditor(
    /// Field name, used for the id, the name and error messages.
    field: &'static str,
    #[prop(into)] label: String,
    #[prop(into)] hint: String,
    kind: JsonField,
    text: RwSignal<String>,
    /// The server's error for this field, after a submit.
    #[prop(into)]
    server_error: Signal<Option<String>>,
) -> impl IntoView {
    let parse_error = Memo::new(move |_| parse_json_text(field, &text.read(), kind).err());
    let error = move || parse_error.get().or_else(|| server_error.get());
    let id = format!("field-{field}");
    view! {
        <div class="field" class:has-error=move || error().is_some()>
            <label for=id.clone()>{label}</label>
            <textarea
                id=id
                name=field
                class="json-editor"
                rows="8"
                spellcheck="false"
                prop:value=move || text.get()
                on:input=move |ev| text.set(event_target_value(&ev))
            ></textarea>
            <p class="hint">{hint}</p>
            {move || error().map(|e| view! { <p class="field-error" data-field=field role="alert">{e}</p> })}
        </div>
    }
}
