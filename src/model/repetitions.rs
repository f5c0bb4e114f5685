//! What repetitions say about a run: each item ran k times, so per item there
//! is pass@k (some attempt passed), pass^k (every attempt passed), the spread
//! of each numeric score, and whether its attempts disagree ("flaky"). Shared
//! by the server (the run's aggregates, the REST API) and the run page.
//!
//! An attempt *passes* when it succeeded and every score that has a pass/fail
//! (exact match, contains, regex, a judge's verdict…) passed.

use super::run_item::RunItemStatus;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// An attempt's scores by name: the value and the pass/fail, where it has them.
pub type AttemptScores = BTreeMap<String, (Option<f64>, Option<bool>)>;

/// One finished repetition of an item.
#[derive(Debug, Clone, PartialEq)]
pub struct Attempt {
    pub dataset_item_id: i64,
    pub status: RunItemStatus,
    pub scores: AttemptScores,
}

impl Attempt {
    fn passed(&self) -> bool {
        self.status == RunItemStatus::Succeeded && self.scores.values().all(|(_, p)| p.unwrap_or(true))
    }
}

/// One score over an item's attempts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ScoreSpread {
    pub name: String,
    /// Attempts with a value.
    pub n: usize,
    pub mean: Option<f64>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// Sample standard deviation (n − 1); `None` under two values.
    pub stddev: Option<f64>,
    /// Attempts with a pass/fail, and how many of them passed.
    pub judged: usize,
    pub passes: usize,
}

/// One item over its k attempts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ItemRepetitions {
    pub dataset_item_id: i64,
    /// Finished attempts (succeeded or failed).
    pub k: usize,
    /// Attempts that passed (succeeded, every pass/fail score passed).
    pub passes: usize,
    /// Some attempt passed.
    pub pass_at_k: bool,
    /// Every attempt passed.
    pub pass_all_k: bool,
    /// The attempts disagree on something they all measured: one succeeded
    /// and another failed, or a pass/fail score passed on one and failed on
    /// another. (A label on only one attempt makes no disagreement.)
    pub flaky: bool,
    pub scores: Vec<ScoreSpread>,
}

/// Per score, over the run's items.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ScoreRepetitions {
    pub name: String,
    /// Share of items (with a pass/fail) where some attempt passed this score.
    pub pass_at_k: Option<f64>,
    /// Share of items where every attempt passed it.
    pub pass_all_k: Option<f64>,
    /// Mean over items of the score's standard deviation across attempts.
    pub mean_stddev: Option<f64>,
    /// Items whose attempts disagree on this score.
    pub flaky_items: usize,
}

/// `GET /api/v1/runs/{id}/repetitions`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RepetitionReport {
    pub run_id: i64,
    /// Repetitions the run asked for (k).
    pub repetitions: i64,
    /// Items with a finished attempt.
    pub items: usize,
    pub flaky_items: usize,
    /// Share of items where some attempt passed / every attempt passed.
    pub pass_at_k: Option<f64>,
    pub pass_all_k: Option<f64>,
    /// The unbiased pass@1: passing attempts over attempts, averaged over items.
    pub pass_at_1: Option<f64>,
    pub scores: Vec<ScoreRepetitions>,
    /// Flaky items first, then by dataset item id.
    pub item_results: Vec<ItemRepetitions>,
}

/// n choose k as a float (exact for the sizes repetitions allow).
fn choose(n: usize, k: usize) -> f64 {
    if k > n {
        return 0.0;
    }
    (0..k).fold(1.0, |acc, i| acc * (n - i) as f64 / (i + 1) as f64)
}

/// The unbiased estimate of pass@k from n attempts of which c passed:
/// 1 − C(n−c, k) / C(n, k), the chance that k attempts drawn from the n
/// include a pass.
pub fn pass_at_k(n: usize, c: usize, k: usize) -> f64 {
    if n == 0 || k == 0 || k > n {
        return 0.0;
    }
    1.0 - choose(n - c, k) / choose(n, k)
}

/// The estimate of pass^k: C(c, k) / C(n, k), the chance that k attempts
/// drawn from the n all pass.
pub fn pass_all_k(n: usize, c: usize, k: usize) -> f64 {
    if n == 0 || k == 0 || k > n {
        return 0.0;
    }
    choose(c, k) / choose(n, k)
}

fn spread(name: &str, attempts: &[&Attempt]) -> ScoreSpread {
    let values: Vec<f64> = attempts.iter().filter_map(|a| a.scores.get(name)?.0).collect();
    let verdicts: Vec<bool> = attempts.iter().filter_map(|a| a.scores.get(name)?.1).collect();
    let n = values.len();
    let mean = (n > 0).then(|| values.iter().sum::<f64>() / n as f64);
    let stddev = mean.filter(|_| n > 1).map(|m| {
        let sum: f64 = values.iter().map(|v| (v - m).powi(2)).sum();
        (sum / (n - 1) as f64).sqrt()
    });
    ScoreSpread {
        name: name.to_string(),
        n,
        mean,
        min: values.iter().copied().reduce(f64::min),
        max: values.iter().copied().reduce(f64::max),
        stddev,
        judged: verdicts.len(),
        passes: verdicts.iter().filter(|p| **p).count(),
    }
}

fn item(id: i64, attempts: &[&Attempt]) -> ItemRepetitions {
    let k = attempts.len();
    let passes = attempts.iter().filter(|a| a.passed()).count();
    let names: std::collections::BTreeSet<&String> = attempts.iter().flat_map(|a| a.scores.keys()).collect();
    let scores: Vec<ScoreSpread> = names.into_iter().map(|name| spread(name, attempts)).collect();
    let statuses_differ = attempts.windows(2).any(|w| w[0].status != w[1].status);
    ItemRepetitions {
        dataset_item_id: id,
        k,
        passes,
        pass_at_k: passes > 0,
        pass_all_k: k > 0 && passes == k,
        flaky: statuses_differ || scores.iter().any(|s| s.passes > 0 && s.passes < s.judged),
        scores,
    }
}

fn share(hits: usize, of: usize) -> Option<f64> {
    (of > 0).then(|| hits as f64 / of as f64)
}

/// The report of a run's finished attempts (pending and cancelled ones are
/// left out by the caller or here).
pub fn report(run_id: i64, repetitions: i64, attempts: &[Attempt]) -> RepetitionReport {
    let mut by_item: BTreeMap<i64, Vec<&Attempt>> = BTreeMap::new();
    for a in attempts.iter().filter(|a| matches!(a.status, RunItemStatus::Succeeded | RunItemStatus::Failed)) {
        by_item.entry(a.dataset_item_id).or_default().push(a);
    }
    let mut items: Vec<ItemRepetitions> = by_item.iter().map(|(id, list)| item(*id, list)).collect();
    let n = items.len();
    let names: std::collections::BTreeSet<String> =
        items.iter().flat_map(|i| i.scores.iter().map(|s| s.name.clone())).collect();
    let scores = names
        .into_iter()
        .map(|name| {
            let of: Vec<&ScoreSpread> = items.iter().filter_map(|i| i.scores.iter().find(|s| s.name == name)).collect();
            let judged: Vec<&&ScoreSpread> = of.iter().filter(|s| s.judged > 0).collect();
            let deviations: Vec<f64> = of.iter().filter_map(|s| s.stddev).collect();
            ScoreRepetitions {
                pass_at_k: share(judged.iter().filter(|s| s.passes > 0).count(), judged.len()),
                pass_all_k: share(judged.iter().filter(|s| s.passes == s.judged).count(), judged.len()),
                mean_stddev: (!deviations.is_empty()).then(|| deviations.iter().sum::<f64>() / deviations.len() as f64),
                flaky_items: judged.iter().filter(|s| s.passes > 0 && s.passes < s.judged).count(),
                name,
            }
        })
        .collect();
    let pass_at_1 = (n > 0).then(|| items.iter().map(|i| i.passes as f64 / i.k as f64).sum::<f64>() / n as f64);
    let report = RepetitionReport {
        run_id,
        repetitions,
        items: n,
        flaky_items: items.iter().filter(|i| i.flaky).count(),
        pass_at_k: share(items.iter().filter(|i| i.pass_at_k).count(), n),
        pass_all_k: share(items.iter().filter(|i| i.pass_all_k).count(), n),
        pass_at_1,
        scores,
        item_results: Vec::new(),
    };
    items.sort_by_key(|i| (!i.flaky, i.dataset_item_id));
    RepetitionReport { item_results: items, ..report }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attempt(id: i64, status: RunItemStatus, exact: Option<bool>, judge: f64) -> Attempt {
        let mut scores = BTreeMap::new();
        if let Some(p) = exact {
            scores.insert("exact".to_string(), (Some(if p { 1.0 } else { 0.0 }), Some(p)));
        }
        scores.insert("judge".to_string(), (Some(judge), None));
        Attempt { dataset_item_id: id, status, scores }
    }

    #[test]
    fn pass_at_k_and_pass_all_k_against_hand_computed_values() {
        // n = 5, c = 2: pass@1 = 0.4, pass@2 = 1 − C(3,2)/C(5,2) = 1 − 3/10.
        assert!((pass_at_k(5, 2, 1) - 0.4).abs() < 1e-12);
        assert!((pass_at_k(5, 2, 2) - 0.7).abs() < 1e-12);
        // n − c < k: some draw must pass.
        assert_eq!(pass_at_k(5, 2, 4), 1.0);
        assert_eq!(pass_at_k(3, 0, 3), 0.0);
        // pass^2 with c = 3 of 5: C(3,2)/C(5,2) = 0.3; pass^k with k = n is "all passed".
        assert!((pass_all_k(5, 3, 2) - 0.3).abs() < 1e-12);
        assert_eq!(pass_all_k(4, 4, 4), 1.0);
        assert_eq!(pass_all_k(4, 3, 4), 0.0);
        assert_eq!(pass_at_k(2, 1, 3), 0.0, "k above n has no estimate");
    }

    #[test]
    fn a_label_on_one_attempt_only_is_no_disagreement() {
        use RunItemStatus::*;
        let mut labelled = attempt(1, Succeeded, Some(true), 0.5);
        labelled.scores.insert("correct".into(), (Some(0.0), Some(false)));
        let r = report(1, 2, &[labelled, attempt(1, Succeeded, Some(true), 0.5)]);
        let item = &r.item_results[0];
        assert_eq!((item.passes, item.pass_at_k, item.pass_all_k, item.flaky), (1, true, false, false));
    }

    #[test]
    fn items_whose_attempts_disagree_are_flaky_and_listed_first() {
        use RunItemStatus::*;
        let attempts = vec![
            // Item 1: passes all three.
            attempt(1, Succeeded, Some(true), 0.9),
            attempt(1, Succeeded, Some(true), 0.7),
            attempt(1, Succeeded, Some(true), 0.8),
            // Item 2: one of three passes.
            attempt(2, Succeeded, Some(false), 0.2),
            attempt(2, Succeeded, Some(true), 0.6),
            attempt(2, Failed, None, 0.0),
            // Item 3: never passes; a pending attempt is not counted.
            attempt(3, Succeeded, Some(false), 0.1),
            attempt(3, Succeeded, Some(false), 0.1),
            attempt(3, Pending, None, 0.0),
        ];
        let r = report(9, 3, &attempts);
        assert_eq!((r.items, r.flaky_items), (3, 1));
        assert_eq!(r.item_results.iter().map(|i| i.dataset_item_id).collect::<Vec<_>>(), vec![2, 1, 3]);
        let two = &r.item_results[0];
        assert_eq!((two.k, two.passes, two.pass_at_k, two.pass_all_k, two.flaky), (3, 1, true, false, true));
        let three = &r.item_results[2];
        assert_eq!((three.k, three.pass_at_k, three.flaky), (2, false, false));
        assert_eq!(r.pass_at_k, Some(2.0 / 3.0));
        assert_eq!(r.pass_all_k, Some(1.0 / 3.0));
        assert!((r.pass_at_1.unwrap() - (1.0 + 1.0 / 3.0 + 0.0) / 3.0).abs() < 1e-12);
        // The judge's spread on item 1: values 0.9, 0.7, 0.8 → mean 0.8, sd 0.1.
        let judge = r.item_results[1].scores.iter().find(|s| s.name == "judge").unwrap();
        assert_eq!((judge.min, judge.max), (Some(0.7), Some(0.9)));
        assert!((judge.mean.unwrap() - 0.8).abs() < 1e-12 && (judge.stddev.unwrap() - 0.1).abs() < 1e-12);
        let exact = r.scores.iter().find(|s| s.name == "exact").unwrap();
        assert_eq!((exact.pass_at_k, exact.pass_all_k, exact.flaky_items), (Some(2.0 / 3.0), Some(1.0 / 3.0), 1));
    }
}
