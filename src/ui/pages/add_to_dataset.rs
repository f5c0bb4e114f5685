//! Making dataset items from traces: the "Add to dataset" form of a trace page
//! (expected output pre-filled from the trace's output, editable) and the bulk
//! bar of the traces list (each selected trace becomes an item, all or none).

use crate::api::transfer::{add_trace_to_dataset, add_traces_to_dataset, dataset_choices};
use crate::model::json_text::{editor_text, parse_json_text, JsonField};
use crate::ui::components::JsonEditor;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::Value;

/// The outcome shown under a form: a link to the dataset, or an error.
#[derive(Clone)]
enum Outcome {
    Added { dataset_id: i64, message: String },
    Failed(String),
}

fn error_text(error: ServerFnError) -> String {
    match error {
        ServerFnError::ServerError(message) => message,
        other => other.to_string(),
    }
}

#[component]
fn OutcomeNote(outcome: RwSignal<Option<Outcome>>) -> impl IntoView {
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
fn DatasetSelect(id: &'static str, value: RwSignal<String>) -> impl IntoView {
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

/// On a trace page: one item from this trace, with an editable expected output.
#[component]
pub fn AddTraceForm(trace_id: i64, has_input: bool, output: Option<Value>) -> impl IntoView {
    let dataset = RwSignal::new(String::new());
    let expected = RwSignal::new(editor_text(output.as_ref()));
    let outcome = RwSignal::new(None::<Outcome>);
    let saving = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(dataset_id) = dataset.get_untracked().parse::<i64>() else { return };
        let text = expected.get_untracked();
        if parse_json_text("expected_output", &text, JsonField::Optional).is_err() || saving.get_untracked() {
            return;
        }
        saving.set(true);
        spawn_local(async move {
            outcome.set(Some(match add_trace_to_dataset(trace_id, dataset_id, text).await {
                Ok(item) => Outcome::Added { dataset_id, message: format!("Added as item {item}.") },
                Err(e) => Outcome::Failed(error_text(e)),
            }));
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
    let outcome = RwSignal::new(None::<Outcome>);
    let saving = RwSignal::new(false);
    let add = move |_| {
        let Ok(dataset_id) = dataset.get_untracked().parse::<i64>() else { return };
        let ids = selected.get_untracked();
        if ids.is_empty() || saving.get_untracked() {
            return;
        }
        saving.set(true);
        spawn_local(async move {
            outcome.set(Some(match add_traces_to_dataset(dataset_id, ids).await {
                Ok(n) => {
                    selected.set(Vec::new());
                    Outcome::Added { dataset_id, message: format!("Added {n} items.") }
                }
                Err(e) => Outcome::Failed(error_text(e)),
            }));
            saving.set(false);
        });
    };
    let count = move || selected.with(Vec::len);
    view! {
        <div class="bulk-bar" id="bulk-add">
            <label for="bulk-dataset">"Dataset"</label>
            <DatasetSelect id="bulk-dataset" value=dataset/>
            <button type="button" class="btn" on:click=add disabled=move || count() == 0 || saving.get()>
                {move || format!("Add {} selected to dataset", count())}
            </button>
        </div>
        <OutcomeNote outcome/>
    }
}
