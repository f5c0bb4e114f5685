//! `/datasets`: every dataset with its counters, searchable by name.

use crate::api::datasets::{create_demo, list_datasets};
use crate::model::dataset::Dataset;
use crate::model::page::PageAt;
use crate::ui::components::{Age, EmptyState, ErrorNote, GetForm, Loading, Pager, StatusBadge, WriteOnly};
use crate::ui::query_param;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::hooks::use_navigate;

#[component]
pub fn DatasetsPage() -> impl IntoView {
    let search = query_param("search");
    let (after, before, last) = (query_param("after"), query_param("before"), query_param("last"));
    let at = move || PageAt::from_query(Some(after()), Some(before()), Some(last()).filter(|l| !l.is_empty()));
    let datasets = Resource::new(move || (search(), at()), |(search, at)| list_datasets(search, at));
    view! {
        <Title text="Datasets"/>
        <div class="page-head">
            <h1>"Datasets"</h1>
            <div class="actions">
                <WriteOnly>
                    <DemoButton/>
                    <a href="/datasets/new" class="btn btn-primary">"New dataset"</a>
                </WriteOnly>
            </div>
        </div>
        <GetForm action="/datasets" class="filters">
            <input type="search" name="search" placeholder="Search by name" prop:value=search aria-label="Search datasets by name"/>
            <button type="submit" class="btn">"Search"</button>
        </GetForm>
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match datasets.await {
                    Err(error) => view! { <ErrorNote error/> }.into_any(),
                    Ok(page) if page.rows.is_empty() && search().is_empty() => view! {
                        <EmptyState title="No datasets yet">
                            <p>"A dataset is a set of test cases — a JSON input and, optionally, the output you expect — that you run your agent against."</p>
                            <WriteOnly><a href="/datasets/new" class="btn btn-primary">"Create your first dataset"</a></WriteOnly>
                        </EmptyState>
                    }.into_any(),
                    Ok(page) if page.rows.is_empty() => view! {
                        <EmptyState title="No dataset matches">
                            <p>{format!("Nothing is named like “{}”. ", search())} <a href="/datasets">"Show all datasets"</a></p>
                        </EmptyState>
                    }.into_any(),
                    Ok(page) => {
                        let pager = view! {
                            <Pager
                                path="/datasets".to_string()
                                params=vec![("search", search())]
                                total=page.total
                                shown=page.rows.len()
                                has_newer=page.has_newer
                                has_older=page.has_older
                                newest_id=page.rows.first().map(|d| d.id)
                                oldest_id=page.rows.last().map(|d| d.id)
                            />
                        };
                        view! {
                            <table class="table" id="datasets-table">
                                <thead><tr>
                                    <th>"Name"</th><th>"Agent"</th><th class="num">"Items"</th>
                                    <th class="num">"Runs"</th><th>"Last run"</th><th>"Updated"</th>
                                </tr></thead>
                                <tbody>{page.rows.into_iter().map(|d| view! { <DatasetRow dataset=d/> }).collect_view()}</tbody>
                            </table>
                            {pager}
                        }.into_any()
                    }
                }
            })}
        </Transition>
    }
}

#[component]
fn DatasetRow(dataset: Dataset) -> impl IntoView {
    let link = format!("/datasets/{}", dataset.id);
    let last_run = match dataset.last_run.clone() {
        Some(run) => view! { <StatusBadge status=run.status.as_str()/> " " <Age ts=run.created_at/> }.into_any(),
        None => view! { <span class="muted">"never"</span> }.into_any(),
    };
    view! {
        <tr>
            <td>
                <a href=link class="strong">{dataset.name.clone()}</a>
                <div class="muted small">{dataset.description.clone().unwrap_or_default()}</div>
            </td>
            <td><code>{dataset.agent_class.clone()}</code></td>
            <td class="num">{dataset.items_count}<span class="muted small">{format!(" ({} active)", dataset.active_items_count)}</span></td>
            <td class="num">{dataset.runs_count}</td>
            <td>{last_run}</td>
            <td><Age ts=dataset.updated_at.clone()/></td>
        </tr>
    }
}

/// Creates the demo dataset, starts its run, and opens the run page.
#[component]
fn DemoButton() -> impl IntoView {
    let busy = RwSignal::new(false);
    let failure = RwSignal::new(None::<String>);
    let navigate = use_navigate();
    let create = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        let navigate = navigate.clone();
        spawn_local(async move {
            match create_demo().await {
                Ok((dataset, run)) => navigate(&format!("/datasets/{dataset}/runs/{run}"), Default::default()),
                Err(e) => {
                    failure.set(Some(e.to_string()));
                    busy.set(false);
                }
            }
        });
    };
    view! {
        <button type="button" class="btn" on:click=create disabled=move || busy.get()
            title="A language-detection dataset over the built-in agent, with a first run">"Try a demo dataset"</button>
        {move || failure.get().map(|e| view! { <span class="error small" role="alert">{e}</span> })}
    }
}
