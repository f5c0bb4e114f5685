//! Making dataset items from traces: the "Add to dataset" form of a trace page
//! (input optionally picked by a JSON path, expected output pre-filled from the
//! trace's output, editable) and the bulk bar of the traces list (each selected
//! trace becomes an item, all or none). The pieces the observation form shares
//! (dataset picker, JSON path field, outcome) live here too.

use crate::api::transfer::{add_trace_to_dataset, add_traces_to_dataset, dataset_choices};
use crate::model::json_path::ItemPaths;
use crate::model::json_text::{editor_text, parse_json_text, preview, JsonField};
use crate::model::FieldErrors;
use crate::ui::components::JsonEditor;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::Value;

/// The outcome shown under a form: a link to the dataset, or an error.
#[derive(Clone)]
pub(super) enum Outcome {
    Added { dataset_id: i64, message: String },
    Failed(String),
}

pub(super) fn error_text(error: ServerFnError) -> String {
    match error {
        ServerFnError::ServerError(message) => message,
        other => other.to_string(),
    }
}

#[component]
pub(super) fn OutcomeNote(outcome: RwSignal<Option<Outcome>>) -> impl IntoView {
    move || {
        outcome.get().map(|o| match o {
            Outcome::Added { dataset_id, message } => view! {
                <p class="notice" role="status">{message} " " <a href=format!("/datasets/{dataset_id}?tab=items")>"Open the dataset"</a></p>
            }
            .into_any(),
            Outcome::Failed(message) => view! { <p class="error" role="alert">{message}</p> }.into_any(),
        })
    }
}

/// A select of every dataset; picks the first one once they are loaded.
#[component]
pub(super) fn DatasetSelect(id: &'static str, value: RwSignal<String>) -> impl IntoView {
    let choices = Resource::new(|| (), |_| dataset_choices());
    view! {
        <Transition fallback=move || view! { <select id=id disabled=true></select> }>
            {move || Suspend::new(async move {
                let choices = choices.await.unwrap_or_default();
                if value.get_untracked().is_empty() {
                    if let Some((first, _)) = choices.first() {
                        value.set(first.to_string());
                    }
                }
                if choices.is_empty() {
                    return view! { <span class="muted">"No datasets yet. " <a href="/datasets/new">"Create one"</a></span> }.into_any();
                }
                view! {
                    <select id=id prop:value=move || value.get() on:change=move |ev| value.set(event_target_value(&ev))>
                        {choices.into_iter().map(|(d, name)| {
                            let selected = d.to_string() == value.get_untracked();
                            view! { <option value=d.to_string() selected=selected>{name}</option> }
                        }).collect_view()}
                    </select>
                }.into_any()
            })}
        </Transition>
    }
}

/// A JSON path input with its live error (from the page's own check, or the
/// server's after a submit) and a preview of what it picks.
#[component]
pub(super) fn PathField(
    id: &'static str,
    /// `input_path` or `expected_path`, as errors name it.
    field: &'static str,
    label: &'static str,
    hint: &'static str,
    text: RwSignal<String>,
    #[prop(into)] picked: Signal<Result<Option<Value>, FieldErrors>>,
    /// Shown when the path picks nothing to preview.
    #[prop(into)]
    empty: String,
) -> impl IntoView {
    let error = move || picked.with(|p| p.as_ref().err().and_then(|e| e.get(field)));
    let shown = move || match picked.get() {
        Ok(Some(value)) => preview(&value, 160),
        _ => empty.clone(),
    };
    view! {
        <div class="field" class:has-error=move || error().is_some()>
            <label for=id>{label}</label>
            <input type="text" id=id class="mono" placeholder="$.messages[0].content" spellcheck="false"
                prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))/>
            <p class="hint">{hint}</p>
            {move || error().map(|e| view! { <p class="field-error" data-field=field role="alert">{e}</p> })}
            <p class="path-preview" data-field=field>"Picks: " <span class="mono">{shown}</span></p>
        </div>
    }
}

/// What the form's own check found, or (once the text matches what was sent)
/// the server's answer for the same field.
pub(super) fn checked(
    local: Result<Option<Value>, FieldErrors>,
    server: &FieldErrors,
    field: &str,
) -> Result<Option<Value>, FieldErrors> {
    match (local, server.get(field)) {
        (Ok(_), Some(message)) => Err(FieldErrors::single(field, message)),
        (local, _) => local,
    }
}

/// On a trace page: one item from this trace, with an editable expected output.
#[component]
pub fn AddTraceForm(trace_id: i64, input: Option<Value>, output: Option<Value>) -> impl IntoView {
    let has_input = input.as_ref().is_some_and(|v| !v.is_null());
    let dataset = RwSignal::new(String::new());
    let input_path = RwSignal::new(String::new());
    let expected = RwSignal::new(editor_text(output.as_ref()));
    let server_errors = RwSignal::new(FieldErrors::new());
    let outcome = RwSignal::new(None::<Outcome>);
    let saving = RwSignal::new(false);
    let paths = move || ItemPaths::new(Some(input_path.get()), None);
    let picked = Signal::derive(move || {
        let local = paths().input_of(input.as_ref(), "this trace");
        server_errors.with(|s| checked(local, s, "input_path"))
    });
    Effect::new(move |_| {
        input_path.track();
        server_errors.set(FieldErrors::new());
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(dataset_id) = dataset.get_untracked().parse::<i64>() else { return };
        let text = expected.get_untracked();
        let bad_path = picked.with_untracked(|p| !matches!(p, Ok(Some(_))));
        if parse_json_text("expected_output", &text, JsonField::Optional).is_err() || bad_path || saving.get_untracked()
        {
            return;
        }
        saving.set(true);
        let paths = paths();
        spawn_local(async move {
            outcome.set(match add_trace_to_dataset(trace_id, dataset_id, text, paths).await {
                Ok(Ok(item)) => Some(Outcome::Added { dataset_id, message: format!("Added as item {item}.") }),
                Ok(Err(fields)) if fields.get("input_path").is_some() => {
                    server_errors.set(fields);
                    None
                }
                Ok(Err(fields)) => Some(Outcome::Failed(fields.to_string())),
                Err(e) => Some(Outcome::Failed(error_text(e))),
            });
            saving.set(false);
        });
    };
    view! {
        <section class="card" id="add-to-dataset">
            <h3>"Add to dataset"</h3>
            {(!has_input).then(|| view! { <p class="muted">"This trace has no input, so it can't become a dataset item."</p> })}
            <form class="form" on:submit=submit novalidate>
                <div class="field">
                    <label for="add-dataset">"Dataset"</label>
                    <DatasetSelect id="add-dataset" value=dataset/>
                </div>
                <PathField id="trace-input-path" field="input_path" label="Input path" text=input_path picked
                    hint="A JSON path into the trace's input, like $.messages[0].content or messages.0.content. Blank: the whole input."
                    empty="nothing"/>
                <JsonEditor field="expected_output" label="Expected output" kind=JsonField::Optional text=expected
                    server_error=Signal::derive(|| None::<String>)
                    hint="Starts as the trace's output; correct it if the output was wrong. Empty means none."/>
                <div class="actions">
                    <button type="submit" class="btn btn-primary" disabled=move || saving.get() || !has_input>"Add to dataset"</button>
                </div>
            </form>
            <OutcomeNote outcome/>
        </section>
    }
}

/// Above the traces list: adds the selected traces to a dataset in one go.
#[component]
pub fn BulkAddBar(selected: RwSignal<Vec<i64>>) -> impl IntoView {
    let dataset = RwSignal::new(String::new());
    let (input_path, expected_path) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
    let outcome = RwSignal::new(None::<Outcome>);
    let saving = RwSignal::new(false);
    let add = move |_| {
        let Ok(dataset_id) = dataset.get_untracked().parse::<i64>() else { return };
        let ids = selected.get_untracked();
        if ids.is_empty() || saving.get_untracked() {
            return;
        }
        let paths = ItemPaths::new(Some(input_path.get_untracked()), Some(expected_path.get_untracked()));
        if let Err(errors) = paths.validate().into_result() {
            outcome.set(Some(Outcome::Failed(errors.to_string())));
            return;
        }
        saving.set(true);
        spawn_local(async move {
            outcome.set(Some(match add_traces_to_dataset(dataset_id, ids, paths).await {
                Ok(Ok(n)) => {
                    selected.set(Vec::new());
                    Outcome::Added { dataset_id, message: format!("Added {n} items.") }
                }
                Ok(Err(fields)) => Outcome::Failed(fields.to_string()),
                Err(e) => Outcome::Failed(error_text(e)),
            }));
            saving.set(false);
        });
    };
    let count = move || selected.with(Vec::len);
    let path_input = |id: &'static str, label: &'static str, text: RwSignal<String>| {
        view! {
            <input type="text" id=id class="mono path-input" aria-label=label placeholder=label spellcheck="false"
                prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))/>
        }
    };
    view! {
        <div class="bulk-bar" id="bulk-add">
            <label for="bulk-dataset">"Dataset"</label>
            <DatasetSelect id="bulk-dataset" value=dataset/>
            {path_input("bulk-input-path", "input path (optional)", input_path)}
            {path_input("bulk-expected-path", "expected path (optional)", expected_path)}
            <button type="button" class="btn" on:click=add disabled=move || count() == 0 || saving.get()>
                {move || format!("Add {} selected to dataset", count())}
            </button>
        </div>
        <OutcomeNote outcome/>
    }
}
