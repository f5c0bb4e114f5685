//! "Add to dataset" for one observation: its input (or the part at a JSON
//! path) becomes the item's input; the expected output is the part of its
//! output at a path, all of its output when the box is ticked, or none. The
//! page checks the paths against the observation as you type and shows what
//! they pick; the server checks them again.

use super::add_to_dataset::{checked, error_text, DatasetSelect, Outcome, OutcomeNote, PathField};
use crate::api::transfer::add_observation_to_dataset;
use crate::model::json_path::ItemPaths;
use crate::model::FieldErrors;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::Value;

const SOURCE: &str = "this observation";

#[component]
pub fn AddObservationForm(observation_id: i64, input: Option<Value>, output: Option<Value>) -> impl IntoView {
    let dataset = RwSignal::new(String::new());
    let (input_path, expected_path) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
    let use_output = RwSignal::new(false);
    let server_errors = RwSignal::new(FieldErrors::new());
    let outcome = RwSignal::new(None::<Outcome>);
    let saving = RwSignal::new(false);
    let has_output = output.as_ref().is_some_and(|v| !v.is_null());
    let paths = move || ItemPaths::new(Some(input_path.get()), Some(expected_path.get()));
    let picked_input = Signal::derive(move || {
        let local = paths().input_of(input.as_ref(), SOURCE);
        server_errors.with(|s| checked(local, s, "input_path"))
    });
    let picked_expected = Signal::derive(move || {
        let local = match paths().expected_of(output.as_ref(), SOURCE) {
            Ok(None) if use_output.get() => Ok(output.clone().filter(|v| !v.is_null())),
            other => other,
        };
        server_errors.with(|s| checked(local, s, "expected_path"))
    });
    Effect::new(move |_| {
        input_path.track();
        expected_path.track();
        server_errors.set(FieldErrors::new());
    });
    let no_input = move || picked_input.with(|p| matches!(p, Ok(None)));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(dataset_id) = dataset.get_untracked().parse::<i64>() else { return };
        let ready =
            picked_input.with_untracked(|p| matches!(p, Ok(Some(_)))) && picked_expected.with_untracked(Result::is_ok);
        if !ready || saving.get_untracked() {
            return;
        }
        saving.set(true);
        let (paths, use_output) = (paths(), use_output.get_untracked());
        spawn_local(async move {
            outcome.set(match add_observation_to_dataset(observation_id, dataset_id, paths, use_output).await {
                Ok(Ok(item)) => Some(Outcome::Added { dataset_id, message: format!("Added as item {item}.") }),
                Ok(Err(fields)) if fields.0.keys().all(|k| k == "input_path" || k == "expected_path") => {
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
        <section class="add-observation" id="add-observation-to-dataset">
            <h4>"Add this observation to a dataset"</h4>
            <form class="form" on:submit=submit novalidate>
                <div class="field">
                    <label for="obs-add-dataset">"Dataset"</label>
                    <DatasetSelect id="obs-add-dataset" value=dataset/>
                </div>
                <PathField id="obs-input-path" field="input_path" label="Input path" text=input_path picked=picked_input
                    hint="A JSON path into the observation's input, like $.messages[0].content or messages.0.content. Blank: the whole input."
                    empty="nothing: this observation has no input"/>
                <PathField id="obs-expected-path" field="expected_path" label="Expected output path" text=expected_path
                    picked=picked_expected empty="no expected output"
                    hint="A JSON path into the observation's output. Blank: no expected output, unless the box below is ticked."/>
                <label class="check">
                    <input type="checkbox" id="obs-use-output" disabled=!has_output
                        prop:checked=move || use_output.get() on:change=move |ev| use_output.set(event_target_checked(&ev))/>
                    "Use the output as the expected output"
                </label>
                <div class="actions">
                    <button type="submit" class="btn btn-primary" disabled=move || saving.get() || no_input()>"Add to dataset"</button>
                </div>
            </form>
            <OutcomeNote outcome/>
        </section>
    }
}
