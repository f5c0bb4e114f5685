//! The CI gate's judgement, shared by `POST /api/v1/datasets/{id}/gate` and
//! the `observ gate` command's reports: each condition a run must meet against
//! its baseline is a check that holds or fails, in words a pull request can show.

use super::compare::ComparePayload;
use super::paired::{compare_runs, Comparison, Verdict};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What a gate requires of a run against its baseline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct GateConditions {
    /// Minimum mean per score (a pass rate for boolean scores), e.g. `{"exact": 0.9}`.
    #[serde(default)]
    pub min: BTreeMap<String, f64>,
    /// At most this many items may newly fail (over all boolean scores).
    #[serde(default)]
    pub max_newly_failing: Option<usize>,
    /// Fail when a score's verdict is `worse` (default true).
    #[serde(default = "yes")]
    pub fail_on_worse: bool,
}

fn yes() -> bool {
    true
}

impl Default for GateConditions {
    fn default() -> Self {
        GateConditions { min: Default::default(), max_newly_failing: None, fail_on_worse: true }
    }
}

/// One condition and whether the run met it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct GateCheck {
    /// The condition, e.g. `exact: mean ≥ 0.900`.
    pub condition: String,
    pub passed: bool,
    /// What was measured, e.g. `mean 0.500`.
    pub detail: String,
}

/// An item that newly fails, with what it newly fails and a preview of its input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct FailingItem {
    pub dataset_item_id: i64,
    /// The boolean scores it passed in the baseline and fails now.
    pub scores: Vec<String>,
    /// The item's input as compact JSON, cut at [`PREVIEW_CHARS`] characters.
    pub input_preview: String,
}

/// How much of a failing item's input the gate's answer carries.
pub const PREVIEW_CHARS: usize = 120;

/// `POST /api/v1/datasets/{id}/gate`: whether the run holds, each failed
/// condition in words, every check made, and the statistics it was judged by.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct GateResult {
    pub passed: bool,
    pub failures: Vec<String>,
    pub checks: Vec<GateCheck>,
    /// The candidate run's mean per score.
    pub means: BTreeMap<String, f64>,
    /// The baseline run's mean per score.
    pub baseline_means: BTreeMap<String, f64>,
    /// Dataset items that passed a boolean score in the baseline and fail it
    /// now, each once, in dataset order.
    pub newly_failing: Vec<FailingItem>,
    pub comparisons: Vec<Comparison>,
}

/// Judges the run at `candidate` against the one at `baseline`.
pub fn evaluate_gate(payload: &ComparePayload, candidate: usize, baseline: usize, c: &GateConditions) -> GateResult {
    let comparisons: Vec<Comparison> = compare_runs(payload, baseline)
        .into_iter()
        .filter(|x| payload.runs.get(candidate).is_some_and(|r| r.id == x.run_id))
        .collect();
    let means = super::compare::aggregate(payload, candidate).mean_scores;
    let baseline_means = super::compare::aggregate(payload, baseline).mean_scores;
    let mut checks = Vec::new();
    for (name, min) in &c.min {
        let condition = format!("{name}: mean ≥ {min:.3}");
        checks.push(match means.get(name) {
            Some(mean) => GateCheck {
                condition,
                passed: mean >= min,
                detail: if mean >= min {
                    format!("mean {mean:.3}")
                } else {
                    format!("{name}: mean {mean:.3} is below the minimum {min:.3}")
                },
            },
            None => {
                GateCheck { condition, passed: false, detail: format!("{name}: the run has no values of this score") }
            }
        });
    }
    let newly_failing = newly_failing(payload, &comparisons);
    if let Some(max) = c.max_newly_failing {
        let n = newly_failing.len();
        let items = newly_failing.iter().map(|i| format!("#{}", i.dataset_item_id)).collect::<Vec<_>>().join(", ");
        checks.push(GateCheck {
            condition: format!("at most {max} newly failing items"),
            passed: n <= max,
            detail: match n {
                0 => "no item newly fails".to_string(),
                _ if n <= max => format!("{n} newly failing ({items})"),
                _ => format!("{n} items newly fail ({items}), more than the {max} allowed"),
            },
        });
    }
    if c.fail_on_worse {
        for x in &comparisons {
            let interval = format!("mean Δ {:+.3}, 95 % interval {:+.3} … {:+.3}", x.mean_delta, x.ci_low, x.ci_high);
            let worse = x.verdict == Verdict::Worse;
            checks.push(GateCheck {
                condition: format!("{}: not worse than the baseline", x.score),
                passed: !worse,
                detail: if worse {
                    format!("{}: worse than the baseline ({interval})", x.score)
                } else {
                    format!("{} over {} paired items ({interval})", x.verdict.label(), x.n)
                },
            });
        }
    }
    let failures: Vec<String> = checks.iter().filter(|c| !c.passed).map(|c| c.detail.clone()).collect();
    GateResult { passed: failures.is_empty(), failures, checks, means, baseline_means, newly_failing, comparisons }
}

/// The items any boolean score newly fails, once each, in the payload's item order.
fn newly_failing(payload: &ComparePayload, comparisons: &[Comparison]) -> Vec<FailingItem> {
    payload
        .items
        .iter()
        .filter_map(|item| {
            let id = item.dataset_item_id;
            let scores: Vec<String> =
                comparisons.iter().filter(|x| x.newly_failing.contains(&id)).map(|x| x.score.clone()).collect();
            (!scores.is_empty()).then(|| FailingItem {
                dataset_item_id: id,
                scores,
                input_preview: preview(&item.input),
            })
        })
        .collect()
}

fn preview(input: &serde_json::Value) -> String {
    let text = match input {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    match text.char_indices().nth(PREVIEW_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}
