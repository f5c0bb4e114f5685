//! `/`: totals across the install, recent runs and the newest datasets.

use crate::api::datasets::dashboard;
use crate::model::stats::cost_label;
use crate::ui::components::{Age, EmptyState, ErrorNote, Loading, ProgressBar, StatusBadge, WriteOnly};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn DashboardPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| dashboard());
    view! {
        <Title text="Dashboard"/>
        <div class="page-head"><h1>"Dashboard"</h1></div>
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match data.await {
                    Err(error) => view! { <ErrorNote error/> }.into_any(),
                    Ok((totals, runs, datasets)) => {
                        let stat = |label: &'static str, value: String| view! {
                            <div class="stat"><div class="stat-value">{value}</div><div class="stat-label">{label}</div></div>
                        };
                        view! {
                            <div class="stats" id="totals">
                                {stat("Datasets", totals.datasets.to_string())}
                                {stat("Items", totals.items.to_string())}
                                {stat("Runs", totals.runs.to_string())}
                                {stat("Traces", totals.traces.to_string())}
                                {stat("Tokens", totals.total_tokens.to_string())}
                                {stat("Cost", cost_label(totals.total_cost))}
                            </div>
                            <div class="grid-2">
                                <section class="card">
                                    <h3>"Recent runs"</h3>
                                    {if runs.is_empty() {
                                        view! { <p class="muted">"No runs yet. Runs appear here with their status as they go."</p> }.into_any()
                                    } else {
                                        view! { <ul class="list">{runs.into_iter().map(|r| view! {
                                            <li>
                                                <a href=format!("/datasets/{}/runs/{}", r.dataset_id, r.id)>{r.name.clone()}</a> " "
                                                <StatusBadge status=r.status.as_str()/> " "
                                                <ProgressBar percent=r.progress_percentage()/> " "
                                                <Age ts=r.created_at.clone()/>
                                            </li>
                                        }).collect_view()}</ul> }.into_any()
                                    }}
                                </section>
                                <section class="card">
                                    <h3>"Datasets"</h3>
                                    {if datasets.is_empty() {
                                        view! {
                                            <EmptyState title="Start with a dataset">
                                                <p>"Collect the cases your LLM app must get right, then run your agent over them."</p>
                                                <WriteOnly><a href="/datasets/new" class="btn btn-primary">"Create a dataset"</a></WriteOnly>
                                            </EmptyState>
                                        }.into_any()
                                    } else {
                                        view! { <ul class="list">{datasets.into_iter().map(|d| view! {
                                            <li><a href=format!("/datasets/{}", d.id)>{d.name.clone()}</a>
                                            " " <span class="muted small">{format!("{} items · {} runs", d.items_count, d.runs_count)}</span></li>
                                        }).collect_view()}</ul> }.into_any()
                                    }}
                                </section>
                            </div>
                        }.into_any()
                    }
                }
            })}
        </Transition>
    }
}
