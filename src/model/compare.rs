//! Side-by-side comparison of 2–8 runs of a dataset. The server sends one
//! [`ComparePayload`]; everything else here runs in the browser: deltas against
//! a baseline, filters, sorting, summaries and output diffs.

use super::run::DatasetRun;
use super::run_item::RunItemStatus;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

pub const MIN_RUNS: usize = 2;
pub const MAX_RUNS: usize = 8;

/// One item's result in one run: the first repetition's output, error and
/// status; the cost and tokens of all its repetitions, their mean latency, how
/// many of them failed, and each score's mean over them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CompareResult {
    pub run_item_id: i64,
    pub status: RunItemStatus,
    pub output: Option<Value>,
    pub error: Option<String>,
    /// The mean over the repetitions that were timed.
    pub latency_ms: Option<i64>,
    /// The sum over the repetitions.
    pub cost: f64,
    /// The sum over the repetitions.
    pub tokens: i64,
    pub trace_id: Option<i64>,
    /// Score values by name, each the mean over the item's repetitions
    /// (scores without a value are left out).
    pub scores: BTreeMap<String, f64>,
    /// How many repetitions the scores average over.
    #[serde(default = "one")]
    pub repetitions: u32,
    /// How many of the repetitions failed.
    #[serde(default)]
    pub failed_repetitions: u32,
    /// Set from the compare page's lean payload, whose outputs are previews:
    /// the item's results with equal numbers have equal outputs (`output_text`).
    #[serde(skip)]
    pub output_group: Option<u8>,
}

fn one() -> u32 {
    1
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CompareItem {
    pub dataset_item_id: i64,
    pub input: Value,
    pub expected_output: Option<Value>,
    /// Aligned with the payload's runs; `None` where the item was not in that run.
    pub results: Vec<Option<CompareResult>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ComparePayload {
    pub dataset_id: i64,
    pub dataset_name: String,
    pub runs: Vec<DatasetRun>,
    /// Every score name found in these runs, sorted.
    pub score_names: Vec<String>,
    /// The scores whose every stored value is 0 or 1 (pass/fail), before
    /// repetitions are averaged: their flips count as newly failing or passing.
    #[serde(default)]
    pub boolean_scores: Vec<String>,
    pub items: Vec<CompareItem>,
}

/// Which rows to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RowFilter {
    All,
    /// Some run scores lower than the baseline, or fails where it succeeded.
    Regressions,
    Improvements,
    /// Some run failed on the item (in any of its repetitions).
    Failures,
    /// Some run's output differs from the baseline's.
    OutputsDiffer,
}

impl RowFilter {
    pub const ALL: [RowFilter; 5] = [
        RowFilter::All,
        RowFilter::Regressions,
        RowFilter::Improvements,
        RowFilter::Failures,
        RowFilter::OutputsDiffer,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Self::All => "All",
            Self::Regressions => "Regressions",
            Self::Improvements => "Improvements",
            Self::Failures => "Failures",
            Self::OutputsDiffer => "Outputs differ",
        }
    }
}

/// A result's text as compared and diffed.
pub fn output_text(result: &CompareResult) -> String {
    outcome_text(result.error.as_deref(), result.output.as_ref())
}

/// An error (`error: …`) or an output (a string as is, other JSON compact) as compared and diffed.
pub fn outcome_text(error: Option<&str>, output: Option<&Value>) -> String {
    match (error, output) {
        (Some(e), _) => format!("error: {e}"),
        (None, Some(Value::String(s))) => s.clone(),
        (None, Some(v)) => v.to_string(),
        (None, None) => String::new(),
    }
}

/// Whether two results of one item have different outputs: by their groups
/// when the payload is lean (previews alone can't tell), else by their texts.
pub fn outputs_differ(a: &CompareResult, b: &CompareResult) -> bool {
    match (a.output_group, b.output_group) {
        (Some(x), Some(y)) => x != y,
        _ => output_text(a) != output_text(b),
    }
}

/// Run `run`'s score minus the baseline's, for one item.
pub fn score_delta(item: &CompareItem, run: usize, baseline: usize, name: &str) -> Option<f64> {
    let value = |i: usize| item.results.get(i)?.as_ref()?.scores.get(name).copied();
    Some(value(run)? - value(baseline)?)
}

fn succeeded(r: &Option<CompareResult>) -> Option<bool> {
    r.as_ref().map(|r| r.status == RunItemStatus::Succeeded)
}

/// Whether another run did worse (`worse`) or better than the baseline on the item.
fn moved(item: &CompareItem, baseline: usize, names: &[String], worse: bool) -> bool {
    (0..item.results.len()).filter(|&r| r != baseline).any(|r| {
        let status = match (succeeded(&item.results[baseline]), succeeded(&item.results[r])) {
            (Some(b), Some(o)) => {
                if worse {
                    b && !o
                } else {
                    !b && o
                }
            }
            _ => false,
        };
        status
            || names.iter().filter_map(|n| score_delta(item, r, baseline, n)).any(|d| {
                if worse {
                    d < -1e-9
                } else {
                    d > 1e-9
                }
            })
    })
}

pub fn matches(item: &CompareItem, filter: RowFilter, baseline: usize, names: &[String]) -> bool {
    match filter {
        RowFilter::All => true,
        RowFilter::Regressions => moved(item, baseline, names, true),
        RowFilter::Improvements => moved(item, baseline, names, false),
        RowFilter::Failures => item
            .results
            .iter()
            .any(|r| succeeded(r) == Some(false) || r.as_ref().is_some_and(|r| r.failed_repetitions > 0)),
        RowFilter::OutputsDiffer => {
            let Some(base) = item.results.get(baseline).and_then(|r| r.as_ref()) else { return false };
            item.results
                .iter()
                .enumerate()
                .any(|(i, r)| i != baseline && r.as_ref().is_some_and(|r| outputs_differ(base, r)))
        }
    }
}

/// How rows are ordered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowOrder {
    /// By dataset item id.
    Item,
    /// By the smallest delta of a score against the baseline (worst first), or the largest (best first).
    ScoreDelta { name: String, worst_first: bool },
}

/// Indices of the items that pass the filter, in order.
pub fn visible_rows(payload: &ComparePayload, filter: RowFilter, baseline: usize, order: &RowOrder) -> Vec<usize> {
    let names = &payload.score_names;
    let mut rows: Vec<usize> =
        (0..payload.items.len()).filter(|&i| matches(&payload.items[i], filter, baseline, names)).collect();
    if let RowOrder::ScoreDelta { name, worst_first } = order {
        let key = |i: &usize| {
            let item = &payload.items[*i];
            let deltas =
                (0..item.results.len()).filter(|&r| r != baseline).filter_map(|r| score_delta(item, r, baseline, name));
            if *worst_first {
                deltas.fold(None, |m: Option<f64>, d| Some(m.map_or(d, |m| m.min(d))))
            } else {
                deltas.fold(None, |m: Option<f64>, d| Some(m.map_or(d, |m| m.max(d)))).map(|d| -d)
            }
        };
        // Rows without that score go last.
        rows.sort_by(|a, b| match (key(a), key(b)) {
            (Some(x), Some(y)) => x.partial_cmp(&y).unwrap_or(std::cmp::Ordering::Equal),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => a.cmp(b),
        });
    }
    rows
}

/// A run's aggregates over the compared items.
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RunAggregate {
    pub items: usize,
    pub succeeded: usize,
    pub mean_scores: BTreeMap<String, f64>,
    pub mean_latency_ms: Option<f64>,
    pub total_cost: f64,
}

pub fn aggregate(payload: &ComparePayload, run: usize) -> RunAggregate {
    let mut agg = RunAggregate::default();
    let mut sums: BTreeMap<&str, (f64, usize)> = BTreeMap::new();
    let (mut latency, mut timed) = (0.0, 0);
    for result in payload.items.iter().filter_map(|i| i.results.get(run)?.as_ref()) {
        agg.items += 1;
        agg.succeeded += usize::from(result.status == RunItemStatus::Succeeded);
        agg.total_cost += result.cost;
        if let Some(l) = result.latency_ms {
            latency += l as f64;
            timed += 1;
        }
        for (name, value) in &result.scores {
            let e = sums.entry(name).or_default();
            e.0 += value;
            e.1 += 1;
        }
    }
    agg.mean_latency_ms = (timed > 0).then(|| latency / timed as f64);
    agg.mean_scores = sums.into_iter().map(|(n, (s, c))| (n.to_string(), s / c as f64)).collect();
    agg
}

/// Which way a change points, for coloring: scores up is good; latency and cost up is bad.
pub fn good_when_higher(metric: &str) -> bool {
    !matches!(metric, "latency" | "cost")
}

/// A word-level diff piece.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DiffPart {
    Same(String),
    Added(String),
    Removed(String),
}

/// Words (with their trailing spaces) of `base` and `other`, aligned by their
/// longest common subsequence. Long texts fall back to a whole-text change.
pub fn diff_words(base: &str, other: &str) -> Vec<DiffPart> {
    let split = |t: &str| -> Vec<String> {
        let mut words = Vec::new();
        let mut current = String::new();
        for c in t.chars() {
            if c.is_whitespace() && !current.trim().is_empty() {
                current.push(c);
                words.push(std::mem::take(&mut current));
            } else {
                current.push(c);
            }
        }
        if !current.is_empty() {
            words.push(current);
        }
        words
    };
    let (a, b) = (split(base), split(other));
    if a.len() * b.len() > 4_000_000 {
        return vec![DiffPart::Removed(base.to_string()), DiffPart::Added(other.to_string())];
    }
    let (n, m) = (a.len(), b.len());
    let mut lcs = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] =
                if a[i].trim() == b[j].trim() { lcs[i + 1][j + 1] + 1 } else { lcs[i + 1][j].max(lcs[i][j + 1]) };
        }
    }
    let mut parts: Vec<DiffPart> = Vec::new();
    let mut push = |part: DiffPart| match (parts.last_mut(), part) {
        (Some(DiffPart::Same(s)), DiffPart::Same(t))
        | (Some(DiffPart::Added(s)), DiffPart::Added(t))
        | (Some(DiffPart::Removed(s)), DiffPart::Removed(t)) => s.push_str(&t),
        (_, part) => parts.push(part),
    };
    let (mut i, mut j) = (0, 0);
    while i < n && j < m {
        if a[i].trim() == b[j].trim() {
            push(DiffPart::Same(b[j].clone()));
            i += 1;
            j += 1;
        } else if lcs[i + 1][j] >= lcs[i][j + 1] {
            push(DiffPart::Removed(a[i].clone()));
            i += 1;
        } else {
            push(DiffPart::Added(b[j].clone()));
            j += 1;
        }
    }
    a[i..].iter().for_each(|w| push(DiffPart::Removed(w.clone())));
    b[j..].iter().for_each(|w| push(DiffPart::Added(w.clone())));
    parts
}

/// Counts of a score's values per tenth of 0–1 (values outside are clamped), for the chart.
pub fn histogram(payload: &ComparePayload, run: usize, name: &str) -> [usize; 10] {
    let mut bins = [0; 10];
    for value in payload.items.iter().filter_map(|i| i.results.get(run)?.as_ref()?.scores.get(name)) {
        bins[((value.clamp(0.0, 1.0) * 10.0) as usize).min(9)] += 1;
    }
    bins
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn result(status: RunItemStatus, output: &str, score: Option<f64>) -> Option<CompareResult> {
        Some(CompareResult {
            run_item_id: 0,
            status,
            output: Some(json!(output)),
            error: None,
            latency_ms: Some(10),
            cost: 0.001,
            tokens: 5,
            trace_id: None,
            scores: score.map(|s| BTreeMap::from([("exact".to_string(), s)])).unwrap_or_default(),
            repetitions: 1,
            failed_repetitions: 0,
            output_group: None,
        })
    }

    fn payload() -> ComparePayload {
        use RunItemStatus::*;
        let item = |id, results| CompareItem { dataset_item_id: id, input: json!(id), expected_output: None, results };
        ComparePayload {
            dataset_id: 1,
            dataset_name: "d".into(),
            runs: vec![],
            score_names: vec!["exact".into()],
            boolean_scores: vec!["exact".into()],
            items: vec![
                item(1, vec![result(Succeeded, "fr", Some(1.0)), result(Succeeded, "es", Some(0.0))]),
                item(2, vec![result(Succeeded, "de", Some(0.0)), result(Succeeded, "de", Some(1.0))]),
                item(3, vec![result(Succeeded, "it", Some(1.0)), result(Failed, "", None)]),
                item(4, vec![result(Succeeded, "en", Some(1.0)), None]),
            ],
        }
    }

    #[test]
    fn filters_follow_the_baseline() {
        let p = payload();
        let rows = |f, base| visible_rows(&p, f, base, &RowOrder::Item);
        assert_eq!(rows(RowFilter::All, 0), vec![0, 1, 2, 3]);
        assert_eq!(rows(RowFilter::Regressions, 0), vec![0, 2], "a lower score, a new failure");
        assert_eq!(rows(RowFilter::Improvements, 0), vec![1]);
        assert_eq!(rows(RowFilter::Regressions, 1), vec![1], "switching the baseline flips them");
        assert_eq!(rows(RowFilter::Improvements, 1), vec![0, 2]);
        assert_eq!(rows(RowFilter::Failures, 0), vec![2]);
        let mut flaky = p.clone();
        if let Some(r) = flaky.items[0].results[1].as_mut() {
            (r.repetitions, r.failed_repetitions) = (3, 1);
        }
        let rows = |f, base| visible_rows(&flaky, f, base, &RowOrder::Item);
        assert_eq!(rows(RowFilter::Failures, 0), vec![0, 2], "a later repetition failed");
        assert_eq!(rows(RowFilter::OutputsDiffer, 0), vec![0, 2], "item 4 is missing from run 2");
        assert_eq!(score_delta(&p.items[0], 1, 0, "exact"), Some(-1.0));
        assert_eq!(score_delta(&p.items[0], 0, 1, "exact"), Some(1.0));
        assert_eq!(score_delta(&p.items[3], 1, 0, "exact"), None);
    }

    #[test]
    fn sorting_by_a_score_delta_puts_the_worst_first() {
        let p = payload();
        let worst = RowOrder::ScoreDelta { name: "exact".into(), worst_first: true };
        assert_eq!(visible_rows(&p, RowFilter::All, 0, &worst), vec![0, 1, 2, 3]);
        let best = RowOrder::ScoreDelta { name: "exact".into(), worst_first: false };
        assert_eq!(visible_rows(&p, RowFilter::All, 0, &best), vec![1, 0, 2, 3]);
    }

    #[test]
    fn aggregates_and_histograms_count_what_each_run_has() {
        let p = payload();
        let a = aggregate(&p, 1);
        assert_eq!((a.items, a.succeeded), (3, 2));
        assert_eq!(a.mean_scores["exact"], 0.5);
        assert_eq!(histogram(&p, 0, "exact"), [1, 0, 0, 0, 0, 0, 0, 0, 0, 3]);
    }

    #[test]
    fn word_diffs_keep_common_words() {
        let parts = diff_words("the cat sat", "the dog sat down");
        assert_eq!(
            parts,
            vec![
                DiffPart::Same("the ".into()),
                DiffPart::Removed("cat ".into()),
                DiffPart::Added("dog ".into()),
                DiffPart::Same("sat ".into()),
                DiffPart::Added("down".into()),
            ]
        );
        assert_eq!(diff_words("", ""), vec![]);
        assert_eq!(diff_words("héllo wörld", "héllo wörld"), vec![DiffPart::Same("héllo wörld".into())]);
    }
}
