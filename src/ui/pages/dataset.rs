//! `/datasets/:id`: the dataset's info card and its Items | Runs tabs.

use super::items_tab::ItemsTab;
use super::runs_tab::RunsTab;
use crate::api::datasets::{delete_dataset, get_dataset};
use crate::api::transfer::duplicate_dataset;
use crate::model::dataset::Dataset;
use crate::ui::components::{Age, ConfirmButton, ErrorNote, Loading, WriteOnly};
use crate::ui::{param_id, query_param};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::hooks::use_navigate;

#[component]
pub fn DatasetPage() -> impl IntoView {
    let id = param_id("id");
    let tab = query_param("tab");
    let dataset = Resource::new(id, get_dataset);
    let refresh = Callback::new(move |_: ()| dataset.refetch());
    let imported = query_param("imported");
    view! {
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match dataset.await {
                    Ok(d) => view! { <DatasetHeader dataset=d/> }.into_any(),
                    Err(error) => view! { <ErrorNote error/> <a href="/datasets">"Back to datasets"</a> }.into_any(),
                }
            })}
        </Transition>
        {move || (!imported().is_empty()).then(|| view! {
            <p class="notice" role="status" data-testid="imported">{format!("Imported {} items.", imported())}</p>
        })}
        <nav class="tabs">
            <a href=move || format!("/datasets/{}?tab=items", id()) class:active=move || tab() != "runs">"Items"</a>
            <a href=move || format!("/datasets/{}?tab=runs", id()) class:active=move || tab() == "runs">"Runs"</a>
        </nav>
        {move || if tab() == "runs" {
            view! { <RunsTab dataset_id=id()/> }.into_any()
        } else {
            view! { <ItemsTab dataset_id=id() on_change=refresh/> }.into_any()
        }}
    }
}

#[component]
fn DatasetHeader(dataset: Dataset) -> impl IntoView {
    let navigate = use_navigate();
    let id = dataset.id;
    let failure = RwSignal::new(None::<String>);
    let delete = Callback::new(move |_: ()| {
        let navigate = navigate.clone();
        spawn_local(async move {
            match delete_dataset(id).await {
                Ok(()) => navigate("/datasets", Default::default()),
                Err(e) => failure.set(Some(e.to_string())),
            }
        });
    });
    let navigate = use_navigate();
    let duplicate = move |_| {
        let navigate = navigate.clone();
        spawn_local(async move {
            match duplicate_dataset(id).await {
                Ok(copy) => navigate(&format!("/datasets/{copy}"), Default::default()),
                Err(e) => failure.set(Some(e.to_string())),
            }
        });
    };
    let question =
        format!("Delete “{}” with its {} items and {} runs?", dataset.name, dataset.items_count, dataset.runs_count);
    view! {
        <Title text=dataset.name.clone()/>
        <div class="page-head">
            <div>
                <p class="crumbs"><a href="/datasets">"Datasets"</a> " /"</p>
                <h1>{dataset.name.clone()}</h1>
                <p class="muted">{dataset.description.clone().unwrap_or_default()}</p>
            </div>
            <div class="actions">
                <WriteOnly>
                    <a href=format!("/datasets/{id}/runs/new") class="btn btn-primary">"New run"</a>
                    <a href=format!("/datasets/{id}/items/new") class="btn">"Add item"</a>
                    <a href=format!("/datasets/{id}/import") class="btn">"Import"</a>
                    <button type="button" class="btn" on:click=duplicate>"Duplicate"</button>
                    <a href=format!("/datasets/{id}/edit") class="btn">"Edit"</a>
                    <ConfirmButton label="Delete" question on_confirm=delete/>
                </WriteOnly>
            </div>
        </div>
        {move || failure.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        <dl class="card info-card">
            <div><dt>"Agent"</dt><dd><code>{dataset.agent_class.clone()}</code></dd></div>
            <div><dt>"Total items"</dt><dd data-testid="items-count">{dataset.items_count}</dd></div>
            <div><dt>"Active items"</dt><dd data-testid="active-items-count">{dataset.active_items_count}</dd></div>
            <div><dt>"Runs"</dt><dd>{dataset.runs_count}</dd></div>
            <div><dt>"Created"</dt><dd><Age ts=dataset.created_at.clone()/></dd></div>
        </dl>
    }
}
