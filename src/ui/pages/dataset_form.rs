//! `/datasets/new` and `/datasets/:id/edit`: name, description, agent, metadata.

use crate::api::datasets::{get_dataset, list_agents, save_dataset};
use crate::model::agent::AgentInfo;
use crate::model::dataset::{Dataset, DatasetForm};
use crate::model::json_text::{editor_text, JsonField};
use crate::model::FieldErrors;
use crate::ui::components::{
    can_write, evaluators_of, ErrorNote, EvaluatorRow, EvaluatorsEditor, JsonEditor, Loading, ReadOnlyNotice,
};
use crate::ui::param_id;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::hooks::use_navigate;

#[component]
pub fn DatasetFormPage() -> impl IntoView {
    if !can_write() {
        return view! { <Title text="Datasets"/> <ReadOnlyNotice/> <a href="/datasets">"Back to datasets"</a> }
            .into_any();
    }
    let id = param_id("id");
    let data = Resource::new(id, |id| async move {
        let agents = list_agents().await?;
        let dataset = if id > 0 { Some(get_dataset(id).await?) } else { None };
        Ok::<_, ServerFnError>((agents, dataset))
    });
    view! {
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match data.await {
                    Ok((agents, dataset)) => view! { <DatasetFormView agents dataset/> }.into_any(),
                    Err(error) => view! { <ErrorNote error/> }.into_any(),
                }
            })}
        </Suspense>
    }
    .into_any()
}

#[component]
fn DatasetFormView(agents: Vec<AgentInfo>, dataset: Option<Dataset>) -> impl IntoView {
    let id = dataset.as_ref().map(|d| d.id);
    let title = match &dataset {
        Some(d) => format!("Edit {}", d.name),
        None => "New dataset".to_string(),
    };
    let name = RwSignal::new(dataset.as_ref().map(|d| d.name.clone()).unwrap_or_default());
    let description = RwSignal::new(dataset.as_ref().and_then(|d| d.description.clone()).unwrap_or_default());
    let default_agent = agents.first().map(|a| a.name.clone()).unwrap_or_default();
    let agent = RwSignal::new(dataset.as_ref().map(|d| d.agent_class.clone()).unwrap_or(default_agent));
    let metadata = RwSignal::new(
        dataset
            .as_ref()
            .filter(|d| d.metadata.as_object().is_some_and(|m| !m.is_empty()))
            .map(|d| editor_text(Some(&d.metadata)))
            .unwrap_or_default(),
    );
    let judges: Vec<String> = agents.iter().filter(|a| a.kind == "openai").map(|a| a.name.clone()).collect();
    let evaluator_rows: RwSignal<Vec<EvaluatorRow>> = RwSignal::new(
        dataset
            .as_ref()
            .map(|d| {
                d.evaluators.iter().enumerate().map(|(i, e)| EvaluatorRow::new(i as u64 + 1, e)).collect::<Vec<_>>()
            })
            .unwrap_or_default(),
    );
    let errors = RwSignal::new(FieldErrors::new());
    let failure = RwSignal::new(None::<String>);
    let saving = RwSignal::new(false);
    let navigate = use_navigate();
    let error_for = move |field: &'static str| Signal::derive(move || errors.read().get(field));
    // The server's verdict is about the values it saw; editing clears it.
    Effect::new(move |_| {
        name.track();
        agent.track();
        metadata.track();
        errors.set(FieldErrors::new());
    });
    let cancel_href = id.map(|id| format!("/datasets/{id}")).unwrap_or_else(|| "/datasets".into());

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if saving.get_untracked() {
            return;
        }
        let evaluators = match evaluator_rows.with_untracked(|rows| evaluators_of(rows)) {
            Ok(list) => list,
            Err(e) => return errors.set(e),
        };
        let form = DatasetForm {
            name: name.get_untracked(),
            description: description.get_untracked(),
            agent_class: agent.get_untracked(),
            metadata: metadata.get_untracked(),
            evaluators,
        };
        // Broken metadata JSON never leaves the page; its editor already shows why.
        if form.parse().is_err() {
            return;
        }
        saving.set(true);
        let navigate = navigate.clone();
        spawn_local(async move {
            match save_dataset(id, form).await {
                Ok(Ok(saved)) => navigate(&format!("/datasets/{saved}"), Default::default()),
                Ok(Err(field_errors)) => errors.set(field_errors),
                Err(e) => failure.set(Some(e.to_string())),
            }
            saving.set(false);
        });
    };

    view! {
        <Title text=title.clone()/>
        <h1>{title}</h1>
        <form class="form" on:submit=submit novalidate>
            <div class="field" class:has-error=move || errors.read().get("name").is_some()>
                <label for="field-name">"Name"</label>
                <input id="field-name" name="name" type="text" required prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
                {move || error_for("name").get().map(|e| view! { <p class="field-error" data-field="name" role="alert">{format!("Name {e}")}</p> })}
            </div>
            <div class="field">
                <label for="field-description">"Description"</label>
                <textarea id="field-description" name="description" rows="2" prop:value=move || description.get() on:input=move |ev| description.set(event_target_value(&ev))></textarea>
            </div>
            <div class="field" class:has-error=move || errors.read().get("agent_class").is_some()>
                <label for="field-agent">"Agent"</label>
                <select id="field-agent" name="agent_class" prop:value=move || agent.get() on:change=move |ev| agent.set(event_target_value(&ev))>
                    {agents.iter().map(|a| {
                        let selected = a.name == agent.get_untracked();
                        view! { <option value=a.name.clone() selected=selected>{format!("{} — {}", a.name, a.description)}</option> }
                    }).collect_view()}
                </select>
                <p class="hint">"The agent runs each item's input when you start a run."</p>
                {move || error_for("agent_class").get().map(|e| view! { <p class="field-error" data-field="agent_class" role="alert">{format!("Agent {e}")}</p> })}
            </div>
            <JsonEditor field="metadata" label="Metadata (optional JSON object)" hint="For your own bookkeeping, e.g. {\"owner\": \"search-team\"}." kind=JsonField::Object text=metadata server_error=error_for("metadata")/>
            <EvaluatorsEditor rows=evaluator_rows judges errors/>
            {move || failure.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            <div class="actions">
                <button type="submit" class="btn btn-primary" disabled=move || saving.get()>{if id.is_some() { "Save dataset" } else { "Create dataset" }}</button>
                <a href=cancel_href class="btn">"Cancel"</a>
            </div>
        </form>
    }
}
