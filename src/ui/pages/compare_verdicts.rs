//! The compare page's verdicts: for each run against the baseline and each
//! score, the paired items, the mean delta with its 95 % bootstrap interval,
//! the verdict, and (boolean scores) the items that flipped — newly failing
//! first. Computed in the browser from the payload (`model::paired`), again
//! when the baseline changes.

use crate::model::compare::ComparePayload;
use crate::model::paired::{compare_runs, Comparison, Verdict, MIN_PAIRED};
use leptos::prelude::*;
use std::sync::Arc;

/// A high-resolution clock in the browser; none on the server.
fn now_ms() -> Option<f64> {
    #[cfg(feature = "hydrate")]
    {
        web_sys::window().and_then(|w| w.performance()).map(|p| p.now())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        None
    }
}

fn signed(v: f64) -> String {
    format!("{v:+.3}")
}

#[component]
pub fn CompareVerdicts(
    payload: Arc<ComparePayload>,
    baseline: RwSignal<usize>,
    initial: Vec<Comparison>,
) -> impl IntoView {
    // How long the statistics took in this browser (the compare benchmark reads it).
    let stats_ms = RwSignal::new(None::<f64>);
    let comparisons = {
        let payload = payload.clone();
        Memo::new(move |_| {
            // Against the first run the server sent them; other baselines are computed here.
            if baseline.get() == 0 {
                return initial.clone();
            }
            let started = now_ms();
            let all = compare_runs(&payload, baseline.get());
            if let (Some(start), Some(end)) = (started, now_ms()) {
                stats_ms.set(Some(end - start));
            }
            all
        })
    };
    let names: std::collections::HashMap<i64, String> = payload.runs.iter().map(|r| (r.id, r.name.clone())).collect();
    view! {
        <div class="card" id="compare-verdicts" data-stats-ms=move || stats_ms.get().map(|ms| format!("{ms:.2}"))>
            <h2>"Is the difference real?"</h2>
            <p class="hint">{format!(
                "Against the baseline, per score: items both runs scored, the mean per-item change with its 95 % interval \
                 (paired bootstrap, 2,000 resamples), and a verdict — no verdict under {MIN_PAIRED} paired items."
            )}</p>
            <table class="table compact">
                <thead><tr><th>"Run"</th><th>"Score"</th><th class="num">"Items"</th><th class="num">"Mean Δ"</th>
                    <th class="num">"95 % interval"</th><th>"Verdict"</th><th>"Newly failing"</th><th>"Newly passing"</th></tr></thead>
                <tbody>{move || comparisons.get().into_iter().map(|c| {
                    let class = match c.verdict {
                        Verdict::Better => "badge badge-succeeded",
                        Verdict::Worse => "badge badge-failed",
                        _ => "badge",
                    };
                    let p = c.mcnemar_p.map(|p| format!(" (McNemar p = {p:.3})")).unwrap_or_default();
                    let ids = |list: &[i64]| if list.is_empty() { "—".to_string() } else {
                        list.iter().map(|i| format!("#{i}")).collect::<Vec<_>>().join(", ")
                    };
                    view! {
                        <tr data-verdict-run=c.run_id data-verdict-score=c.score.clone()>
                            <td>{names.get(&c.run_id).cloned().unwrap_or_default()}</td>
                            <td>{c.score.clone()}</td>
                            <td class="num">{c.n}</td>
                            <td class="num">{signed(c.mean_delta)}</td>
                            <td class="num">{format!("{} … {}", signed(c.ci_low), signed(c.ci_high))}</td>
                            <td><span class=class data-verdict=c.verdict.label()>{c.verdict.label()}</span>{p}</td>
                            <td class="newly-failing">{ids(&c.newly_failing)}</td>
                            <td>{ids(&c.newly_passing)}</td>
                        </tr>
                    }
                }).collect_view()}</tbody>
            </table>
        </div>
    }
}
