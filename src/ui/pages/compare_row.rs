//! One item's row of the compare table: each run's output, status and scores,
//! with deltas against the baseline that follow a baseline switch in place,
//! and a word diff of the outputs when the row is opened.

use super::compare::delta_view;
use crate::model::compare::{diff_words, output_text, score_delta, ComparePayload, DiffPart};
use crate::model::json_text::preview;
use crate::model::score::format_score;
use crate::model::stats::{cost_label, duration_label};
use crate::ui::components::StatusBadge;
use leptos::prelude::*;
use std::sync::Arc;

#[component]
pub fn CompareRow(
    payload: Arc<ComparePayload>,
    index: usize,
    baseline: RwSignal<usize>,
    expanded: RwSignal<Option<usize>>,
) -> impl IntoView {
    let item = &payload.items[index];
    let open = move || expanded.get() == Some(index);
    let cells = (0..item.results.len())
        .map(|r| {
            let payload = payload.clone();
            let Some(result) = item.results[r].clone() else {
                return view! { <td class="muted">"not in this run"</td> }.into_any();
            };
            let names = payload.score_names.clone();
            let scores = {
                let (payload, result) = (payload.clone(), result.clone());
                move || {
                    let b = baseline.get();
                    let item = &payload.items[index];
                    names
                        .iter()
                        .filter_map(|n| result.scores.get(n).map(|v| (n.clone(), *v)))
                        .map(|(n, v)| {
                            let delta = if r != b { score_delta(item, r, b, &n) } else { None };
                            view! { <span class="score" data-score=n.clone()>{format!("{n} {}", format_score(v))} " " {delta_view(delta, true, format_score)}</span> }
                        })
                        .collect_view()
                }
            };
            let latency_delta = {
                let payload = payload.clone();
                move || {
                    let b = baseline.get();
                    let base = payload.items[index].results.get(b).and_then(|x| x.as_ref()).and_then(|x| x.latency_ms);
                    let delta = result.latency_ms.zip(base).map(|(m, t)| (m - t) as f64).filter(|_| r != b);
                    delta_view(delta, false, |d| duration_label(d as i64))
                }
            };
            let shown = match &result.error {
                Some(e) => view! { <span class="error-text">{preview(&serde_json::Value::String(e.clone()), 80)}</span> }.into_any(),
                None => view! { <span>{result.output.as_ref().map(|o| preview(o, 80)).unwrap_or_default()}</span> }.into_any(),
            };
            view! {
                <td data-run=r>
                    <div class="mono cell-preview">{shown}</div>
                    <div class="compare-meta">
                        <StatusBadge status=result.status.as_str()/>
                        {scores}
                        <span class="muted">{result.latency_ms.map(duration_label).unwrap_or_default()}</span>
                        {latency_delta}
                        <span class="muted">{cost_label(result.cost)}</span>
                    </div>
                </td>
            }
            .into_any()
        })
        .collect_view();
    let diffs = {
        let payload = payload.clone();
        move || {
            open().then(|| {
                let b = baseline.get();
                let results = &payload.items[index].results;
                let base = results.get(b).and_then(|x| x.as_ref()).map(output_text).unwrap_or_default();
                view! {
                    <tr class="compare-diff"><td colspan=results.len() + 1>
                        {results.iter().enumerate().filter(|(r, x)| *r != b && x.is_some()).map(|(r, x)| {
                            let text = x.as_ref().map(output_text).unwrap_or_default();
                            view! {
                                <div class="diff" data-run=r>
                                    <p class="muted">{format!("{} vs {}", payload.runs[r].name, payload.runs[b].name)}</p>
                                    <pre>{diff_words(&base, &text).into_iter().map(|part| match part {
                                        DiffPart::Same(t) => view! { <span>{t}</span> }.into_any(),
                                        DiffPart::Added(t) => view! { <ins>{t}</ins> }.into_any(),
                                        DiffPart::Removed(t) => view! { <del>{t}</del> }.into_any(),
                                    }).collect_view()}</pre>
                                </div>
                            }
                        }).collect_view()}
                    </td></tr>
                }
            })
        }
    };
    view! {
        <tr class="compare-row" data-item-id=item.dataset_item_id class:open=open
            on:click=move |_| expanded.update(|e| *e = if *e == Some(index) { None } else { Some(index) })>
            <td>
                <div class="mono cell-preview">{preview(&item.input, 80)}</div>
                <div class="muted mono cell-preview">{item.expected_output.as_ref().map(|e| format!("expected: {}", preview(e, 60)))}</div>
            </td>
            {cells}
        </tr>
        {diffs}
    }
}
