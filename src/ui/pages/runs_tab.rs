//! The Runs tab of a dataset: each run with its status and progress.

use crate::api::datasets::list_dataset_runs;
use crate::model::stats::cost_label;
use crate::ui::components::{Age, EmptyState, ErrorNote, Loading, ProgressBar, StatusBadge};
use leptos::prelude::*;

#[component]
pub fn RunsTab(dataset_id: i64) -> impl IntoView {
    let runs = Resource::new(move || dataset_id, list_dataset_runs);
    view! {
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match runs.await {
                    Err(error) => view! { <ErrorNote error/> }.into_any(),
                    Ok(runs) if runs.is_empty() => view! {
                        <EmptyState title="No runs yet">
                            <p>"A run sends every active item to the dataset's agent and records one trace per item, with cost, tokens and latency."</p>
                        </EmptyState>
                    }.into_any(),
                    Ok(runs) => view! {
                        <table class="table" id="runs-table">
                            <thead><tr>
                                <th>"Run"</th><th>"Status"</th><th>"Progress"</th><th class="num">"Cost"</th>
                                <th class="num">"Tokens"</th><th>"Started"</th>
                            </tr></thead>
                            <tbody>
                                {runs.into_iter().map(|run| {
                                    let done = run.completed_items + run.failed_items;
                                    let label = format!("{done}/{} ({} failed)", run.total_items, run.failed_items);
                                    view! {
                                        <tr>
                                            <td class="strong">{run.name.clone()}</td>
                                            <td><StatusBadge status=run.status.as_str()/></td>
                                            <td><ProgressBar percent=run.progress_percentage() label=label.clone()/> <span class="small muted">{label}</span></td>
                                            <td class="num">{cost_label(run.total_cost)}</td>
                                            <td class="num">{run.total_tokens}</td>
                                            <td><Age ts=run.created_at.clone()/></td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}
