//! Scores in the UI: a chip per score, a run's aggregates table, and the
//! ✓/✗ buttons of manual review.

use crate::api::runs::review_run_item;
use crate::model::run::DatasetRun;
use crate::model::score::{format_score, Score};
use crate::ui::components::can_write;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// One score: its name and value (✓/✗ for booleans); the comment or error on hover.
#[component]
pub fn ScoreChip(score: Score) -> impl IntoView {
    let class = match (score.error.is_some(), score.passed) {
        (true, _) => "score score-error",
        (false, Some(true)) => "score score-pass",
        (false, Some(false)) => "score score-fail",
        _ => "score",
    };
    let title = score.error.clone().or(score.comment.clone()).unwrap_or_default();
    let label = if score.error.is_some() { "error".to_string() } else { score.label() };
    view! {
        <span class=class title=title data-score=score.name.clone()>
            <span class="score-name">{score.name.clone()}</span>" "<span class="score-value">{label}</span>
        </span>
    }
}

/// The scores of a run item, and (when `reviewable` and the viewer may write)
/// buttons to mark it correct or not.
#[component]
pub fn ItemScores(run_item_id: i64, scores: Vec<Score>, reviewable: bool) -> impl IntoView {
    let reviewable = reviewable && can_write();
    let scores = RwSignal::new(scores);
    let mark = move |correct: bool| {
        spawn_local(async move {
            if let Ok(score) = review_run_item(run_item_id, correct, String::new()).await {
                scores.update(|list| {
                    list.retain(|s| !(s.name == score.name && s.source == score.source));
                    list.push(score);
                });
            }
        })
    };
    view! {
        <div class="scores">
            {move || scores.get().into_iter().map(|score| view! { <ScoreChip score/> }).collect_view()}
            {reviewable.then(|| view! {
                <span class="review-buttons">
                    <button type="button" class="btn btn-small" title="Mark correct" aria-label="Mark correct" on:click=move |_| mark(true)>"✓"</button>
                    <button type="button" class="btn btn-small" title="Mark incorrect" aria-label="Mark incorrect" on:click=move |_| mark(false)>"✗"</button>
                </span>
            })}
        </div>
    }
}

/// A share as a whole percentage, "—" when there is none.
pub fn percent(value: Option<f64>) -> String {
    value.map(|v| format!("{:.0}%", v * 100.0)).unwrap_or_else(|| "—".into())
}

/// Per score name: mean, pass rate, how many, errors; and the run's success rate.
#[component]
pub fn ScoreSummaryTable(run: Signal<DatasetRun>) -> impl IntoView {
    view! {
        <div class="card score-summary" id="score-summary">
            <h2>"Scores"</h2>
            <p class="muted">{move || format!("Success rate {}", percent(run.read().success_rate))}</p>
            {move || {
                let summary = run.read().scores_summary.clone();
                if summary.is_empty() {
                    return view! { <p class="muted">"No scores yet. Add evaluators to the dataset, or review items by hand."</p> }.into_any();
                }
                view! {
                    <table class="table compact">
                        <thead><tr><th>"Score"</th><th class="num">"Mean"</th><th class="num">"Pass rate"</th><th class="num">"Scored"</th><th class="num">"Errors"</th></tr></thead>
                        <tbody>
                            {summary.into_iter().map(|s| view! {
                                <tr data-score-name=s.name.clone()>
                                    <td>{s.name.clone()}</td>
                                    <td class="num">{s.mean.map(format_score).unwrap_or_else(|| "—".into())}</td>
                                    <td class="num">{percent(s.pass_rate)}</td>
                                    <td class="num">{s.count}</td>
                                    <td class="num">{s.errors}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </div>
    }
}
