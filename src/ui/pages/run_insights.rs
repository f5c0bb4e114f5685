//! What a finished run's scores say beyond their means: repetitions (pass@k,
//! pass^k, each score's spread, the flaky items) and judge calibration (how an
//! LLM judge agrees with people's labels on the same items).

use crate::model::calibration::{kappa_label, Calibration};
use crate::model::repetitions::RepetitionReport;
use crate::model::score::format_score;
use crate::ui::components::percent;
use leptos::prelude::*;

/// pass@k, pass^k and flaky items of a run with repetitions.
#[component]
pub fn RepetitionsCard(report: RepetitionReport) -> impl IntoView {
    let k = report.repetitions;
    let flaky: Vec<_> = report.item_results.iter().filter(|i| i.flaky).cloned().collect();
    view! {
        <div class="card" id="repetitions">
            <h2>{format!("Repetitions (k = {k})")}</h2>
            <p>
                <strong id="flaky-count">{format!("{} of {} items flaky", report.flaky_items, report.items)}</strong>
                <span class="muted">" — their attempts disagree: one succeeded and another failed, or a pass/fail score passed on one and failed on another."</span>
            </p>
            <dl class="info-card inline">
                <div><dt>{format!("pass@{k}")}</dt><dd id="pass-at-k">{percent(report.pass_at_k)}</dd></div>
                <div><dt>{format!("pass^{k}")}</dt><dd id="pass-all-k">{percent(report.pass_all_k)}</dd></div>
                <div><dt>"pass@1"</dt><dd>{percent(report.pass_at_1)}</dd></div>
            </dl>
            <p class="muted small">
                {format!("pass@{k}: items where some attempt passed (succeeded, every pass/fail score passed). pass^{k}: items where every attempt passed.")}
            </p>
            {(!report.scores.is_empty()).then(|| view! {
                <table class="table compact">
                    <thead><tr>
                        <th>"Score"</th><th class="num">{format!("pass@{k}")}</th><th class="num">{format!("pass^{k}")}</th>
                        <th class="num">"Mean spread (sd)"</th><th class="num">"Flaky items"</th>
                    </tr></thead>
                    <tbody>
                        {report.scores.iter().map(|s| view! {
                            <tr data-score-name=s.name.clone()>
                                <td>{s.name.clone()}</td>
                                <td class="num">{percent(s.pass_at_k)}</td>
                                <td class="num">{percent(s.pass_all_k)}</td>
                                <td class="num">{s.mean_stddev.map(format_score).unwrap_or_else(|| "—".into())}</td>
                                <td class="num">{s.flaky_items}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            })}
            {(!flaky.is_empty()).then(|| view! {
                <h3>"Flaky items"</h3>
                <table class="table compact" id="flaky-items">
                    <thead><tr><th>"Item"</th><th class="num">"Passed"</th><th>"Spread per score"</th></tr></thead>
                    <tbody>
                        {flaky.into_iter().map(|item| {
                            let spread = item.scores.iter().map(|s| match (s.min, s.max) {
                                (Some(lo), Some(hi)) => format!("{} {}–{}", s.name, format_score(lo), format_score(hi)),
                                _ => format!("{} —", s.name),
                            }).collect::<Vec<_>>().join(" · ");
                            view! {
                                <tr data-dataset-item-id=item.dataset_item_id>
                                    <td>{format!("#{}", item.dataset_item_id)}" "<span class="badge badge-flaky">"flaky"</span></td>
                                    <td class="num">{format!("{} of {}", item.passes, item.k)}</td>
                                    <td class="small">{spread}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            })}
        </div>
    }
}

/// Each LLM judge's agreement with the manual labels; nothing when no item has both.
#[component]
pub fn CalibrationCard(calibration: Calibration) -> impl IntoView {
    let judges: Vec<_> = calibration.judges.into_iter().filter(|j| j.n > 0).collect();
    (!judges.is_empty()).then(|| view! {
        <div class="card" id="judge-calibration">
            <h2>"Judge calibration"</h2>
            <p class="muted small">
                {format!("Each LLM judge against the {} items people labelled. κ is agreement beyond chance: 1 perfect, 0 no better than chance.", calibration.labelled)}
            </p>
            <table class="table compact">
                <thead><tr>
                    <th>"Judge"</th><th class="num">"Items"</th><th class="num">"Accuracy"</th><th class="num">"Cohen's κ"</th>
                    <th class="num">"Both pass"</th><th class="num">"Both fail"</th>
                    <th class="num">"Judge passes, people fail"</th><th class="num">"Judge fails, people pass"</th>
                </tr></thead>
                <tbody>
                    {judges.into_iter().map(|j| view! {
                        <tr data-judge=j.judge.clone()>
                            <td>{j.judge.clone()}</td>
                            <td class="num">{j.n}</td>
                            <td class="num">{percent(j.accuracy)}</td>
                            <td class="num">{j.kappa.map(|k| format!("{k:.2} ({})", kappa_label(k))).unwrap_or_else(|| "—".into())}</td>
                            <td class="num">{j.both_pass}</td>
                            <td class="num">{j.both_fail}</td>
                            <td class="num">{j.judge_pass_human_fail}</td>
                            <td class="num">{j.judge_fail_human_pass}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    })
}
