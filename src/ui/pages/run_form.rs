//! `/datasets/:id/runs/new`: name (a free one suggested), description,
//! concurrency and repetitions.

use crate::api::runs::{start_run, suggest_run_name};
use crate::model::run::{RunDraft, DEFAULT_CONCURRENCY, MAX_CONCURRENCY};
use crate::model::FieldErrors;
use crate::ui::components::{can_write, ErrorNote, FieldError, Loading, ReadOnlyNotice};
use crate::ui::param_id;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::hooks::use_navigate;

#[component]
pub fn RunFormPage() -> impl IntoView {
    let dataset_id = param_id("id");
    if !can_write() {
        return view! {
            <Title text="New run"/>
            <p class="crumbs"><a href=format!("/datasets/{}?tab=runs", dataset_id())>"Back to the dataset"</a></p>
            <ReadOnlyNotice/>
        }
        .into_any();
    }
    let suggestion = Resource::new(dataset_id, suggest_run_name);
    // Starting a run opens the run page: its code loads while the form is filled in.
    Effect::new(|_| {
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(crate::app::preload_run_page());
    });
    view! {
        <Title text="New run"/>
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match suggestion.await {
                    Ok(name) => view! { <RunForm dataset_id=dataset_id() name/> }.into_any(),
                    Err(error) => view! { <ErrorNote error/> }.into_any(),
                }
            })}
        </Suspense>
    }
    .into_any()
}

#[component]
fn RunForm(dataset_id: i64, name: String) -> impl IntoView {
    let name = RwSignal::new(name);
    let description = RwSignal::new(String::new());
    let concurrency = RwSignal::new(DEFAULT_CONCURRENCY.to_string());
    let repetitions = RwSignal::new("1".to_string());
    let errors = RwSignal::new(FieldErrors::new());
    let failure = RwSignal::new(None::<String>);
    let starting = RwSignal::new(false);
    let navigate = use_navigate();
    let back = format!("/datasets/{dataset_id}?tab=runs");
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        // A double click never starts two runs: the second submit is ignored.
        if starting.get_untracked() {
            return;
        }
        let mut number_errors = FieldErrors::new();
        let mut number = |field: &str, text: String| {
            text.trim().parse::<i64>().unwrap_or_else(|_| {
                number_errors.add(field, "must be a whole number");
                0
            })
        };
        let draft = RunDraft {
            name: name.get_untracked(),
            description: Some(description.get_untracked()).filter(|d| !d.trim().is_empty()),
            concurrency: number("concurrency", concurrency.get_untracked()),
            repetitions: number("repetitions", repetitions.get_untracked()),
        };
        if !number_errors.is_empty() {
            errors.set(number_errors);
            return;
        }
        starting.set(true);
        let navigate = navigate.clone();
        spawn_local(async move {
            match start_run(dataset_id, draft).await {
                Ok(Ok(run)) => navigate(&format!("/datasets/{dataset_id}/runs/{run}"), Default::default()),
                Ok(Err(field_errors)) => {
                    errors.set(field_errors);
                    starting.set(false);
                }
                Err(e) => {
                    failure.set(Some(e.to_string()));
                    starting.set(false);
                }
            }
        });
    };
    view! {
        <p class="crumbs"><a href=back.clone()>"Back to the dataset"</a></p>
        <h1>"New run"</h1>
        <form class="form" on:submit=submit novalidate>
            <p class="hint">"The run sends every active item to the dataset's agent and records one trace per item."</p>
            <div class="field">
                <label for="field-run-name">"Run name"</label>
                <input id="field-run-name" type="text" prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
                <FieldError errors field="name"/>
            </div>
            <div class="field">
                <label for="field-run-description">"Description"</label>
                <textarea id="field-run-description" rows="2" prop:value=move || description.get() on:input=move |ev| description.set(event_target_value(&ev))></textarea>
            </div>
            <div class="field">
                <label for="field-concurrency">"Concurrency"</label>
                <input id="field-concurrency" type="number" min="1" max=MAX_CONCURRENCY prop:value=move || concurrency.get() on:input=move |ev| concurrency.set(event_target_value(&ev))/>
                <p class="hint">"Items in flight at once (1–64)."</p>
                <FieldError errors field="concurrency"/>
            </div>
            <div class="field">
                <label for="field-repetitions">"Repetitions"</label>
                <input id="field-repetitions" type="number" min="1" prop:value=move || repetitions.get() on:input=move |ev| repetitions.set(event_target_value(&ev))/>
                <p class="hint">"How many times each item runs (to see how stable the agent is)."</p>
                <FieldError errors field="repetitions"/>
            </div>
            {move || failure.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            <div class="actions">
                <button type="submit" class="btn btn-primary" disabled=move || starting.get()>"Start run"</button>
                <a href=back class="btn">"Cancel"</a>
            </div>
        </form>
    }
}
