//! An item's history: each run's output, status and scores for it.

use crate::api::items::item_history;
use crate::model::json_text::preview;
use crate::model::stats::{cost_label, duration_label};
use crate::ui::components::{Age, ErrorNote, Loading, ScoreChip, StatusBadge};
use leptos::prelude::*;

#[component]
pub fn ItemHistory(dataset_id: i64, item_id: i64) -> impl IntoView {
    let history = Resource::new(move || item_id, item_history);
    view! {
        <section class="card" id="item-history">
            <h2>"History"</h2>
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    match history.await {
                        Err(error) => view! { <ErrorNote error/> }.into_any(),
                        Ok(runs) if runs.is_empty() => view! { <p class="muted">"No run has included this item yet."</p> }.into_any(),
                        Ok(runs) => view! {
                            <table class="table compact">
                                <thead><tr><th>"Run"</th><th>"Output / error"</th><th>"Status"</th><th>"Scores"</th><th class="num">"Latency"</th><th class="num">"Cost"</th><th>"When"</th></tr></thead>
                                <tbody>
                                    {runs.into_iter().map(|entry| {
                                        let r = entry.result;
                                        let shown = match (&r.error, &r.output) {
                                            (Some(e), _) => view! { <span class="error-text">{e.clone()}</span> }.into_any(),
                                            (None, Some(o)) => view! { <span>{preview(o, 100)}</span> }.into_any(),
                                            (None, None) => view! { <span class="muted">"—"</span> }.into_any(),
                                        };
                                        view! {
                                            <tr data-run-id=entry.run_id>
                                                <td><a href=format!("/datasets/{dataset_id}/runs/{}", entry.run_id)>{entry.run_name}</a></td>
                                                <td class="mono cell-preview">{shown}</td>
                                                <td><StatusBadge status=r.status.as_str()/></td>
                                                <td><div class="scores">{r.scores.into_iter().map(|score| view! { <ScoreChip score/> }).collect_view()}</div></td>
                                                <td class="num">{r.latency_ms.map(duration_label).unwrap_or_else(|| "—".into())}</td>
                                                <td class="num">{cost_label(r.cost)}</td>
                                                <td><Age ts=entry.run_created_at/></td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
