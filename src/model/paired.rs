//! Honest run-against-run statistics, shared by the server (the compare API)
//! and the browser (the compare page): per score, the items both runs scored
//! are paired; the mean per-item delta gets a 95 % confidence interval from a
//! seeded paired bootstrap, and a verdict says whether the difference is
//! detectable. Boolean scores also count the items that flipped, with an exact
//! McNemar test. No dependency: the generator is a seeded SplitMix64.

use super::compare::ComparePayload;
use serde::{Deserialize, Serialize};

/// Resamples of the bootstrap (the issue asks for 2,000 or more).
pub const RESAMPLES: usize = 2_000;
/// Below this many paired items no verdict is given.
pub const MIN_PAIRED: usize = 10;
/// The bootstrap's seed: the same payload gives the same interval.
pub const SEED: u64 = 0x0b5e_7e57;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Better,
    Worse,
    /// The interval includes zero.
    NoDetectableDifference,
    /// Fewer than [`MIN_PAIRED`] paired items.
    TooFewItems,
}

impl Verdict {
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Better => "better",
            Verdict::Worse => "worse",
            Verdict::NoDetectableDifference => "no detectable difference",
            Verdict::TooFewItems => "too few items",
        }
    }
}

/// One candidate run against the baseline on one score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Comparison {
    pub run_id: i64,
    pub score: String,
    /// Items both runs scored.
    pub n: usize,
    pub mean_delta: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    pub verdict: Verdict,
    /// Boolean scores: dataset items that passed in the baseline and fail here.
    pub newly_failing: Vec<i64>,
    /// Boolean scores: dataset items that failed in the baseline and pass here.
    pub newly_passing: Vec<i64>,
    /// Boolean scores: the exact McNemar test's two-sided p-value.
    pub mcnemar_p: Option<f64>,
}

/// `GET /api/v1/datasets/{id}/compare`: the comparison payload with the
/// statistics of every candidate run against the baseline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CompareWithStats {
    #[serde(flatten)]
    pub payload: ComparePayload,
    pub baseline_run_id: i64,
    pub comparisons: Vec<Comparison>,
}

/// A seeded SplitMix64.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Two draws below `n` (≤ 2³²) from one step, by multiply-shift on each
    /// 32-bit half: no division, which WASM pays dearly for.
    fn two_below(&mut self, n: usize) -> (usize, usize) {
        let bits = self.next();
        let n = n as u64;
        ((((bits >> 32) * n) >> 32) as usize, (((bits & 0xffff_ffff) * n) >> 32) as usize)
    }
}

/// The 95 % percentile interval of the mean of `deltas`, from `resamples`
/// resamples drawn with replacement (seeded).
pub fn bootstrap_ci(deltas: &[f64], resamples: usize, seed: u64) -> (f64, f64) {
    if deltas.is_empty() {
        return (0.0, 0.0);
    }
    let mut rng = Rng(seed);
    let n = deltas.len();
    let resample = |rng: &mut Rng| {
        let mut sum = 0.0;
        for _ in 0..n / 2 {
            let (a, b) = rng.two_below(n);
            sum += deltas[a] + deltas[b];
        }
        if n % 2 == 1 {
            sum += deltas[rng.two_below(n).0];
        }
        sum / n as f64
    };
    let mut means: Vec<f64> = (0..resamples.max(1)).map(|_| resample(&mut rng)).collect();
    means.sort_by(f64::total_cmp);
    let at = |q: f64| means[((q * (means.len() - 1) as f64).round() as usize).min(means.len() - 1)];
    (at(0.025), at(0.975))
}

/// The exact two-sided McNemar p-value for `b` and `c` discordant pairs: the
/// binomial probability of a split at least this uneven under p = 1/2.
pub fn mcnemar_exact(b: usize, c: usize) -> f64 {
    let n = b + c;
    if n == 0 {
        return 1.0;
    }
    let k = b.min(c);
    // P(X <= k) for X ~ Binomial(n, 1/2), summed in log space.
    let ln_half_n = n as f64 * 0.5f64.ln();
    let mut ln_choose = 0.0f64; // ln C(n, 0)
    let mut tail = 0.0;
    for i in 0..=k {
        if i > 0 {
            ln_choose += ((n - i + 1) as f64).ln() - (i as f64).ln();
        }
        tail += (ln_choose + ln_half_n).exp();
    }
    (2.0 * tail).min(1.0)
}

/// The verdict from an interval (higher is better for scores).
pub fn verdict(n: usize, ci_low: f64, ci_high: f64) -> Verdict {
    if n < MIN_PAIRED {
        Verdict::TooFewItems
    } else if ci_low > 0.0 {
        Verdict::Better
    } else if ci_high < 0.0 {
        Verdict::Worse
    } else {
        Verdict::NoDetectableDifference
    }
}

/// Whether a score is pass/fail: every stored value 0 or 1. With repetitions an
/// item's value is its pass rate, and it counts as passing at 0.5 or more.
fn is_boolean(payload: &ComparePayload, name: &str) -> bool {
    if !payload.boolean_scores.is_empty()
        || payload.items.iter().any(|i| i.results.iter().flatten().any(|r| r.repetitions > 1))
    {
        return payload.boolean_scores.iter().any(|n| n == name);
    }
    payload
        .items
        .iter()
        .flat_map(|i| i.results.iter().flatten())
        .filter_map(|r| r.scores.get(name))
        .all(|v| *v == 0.0 || *v == 1.0)
}

/// Every non-baseline run against the run at `baseline`, on every score;
/// newly failing items first in their lists' order (by dataset item id).
pub fn compare_runs(payload: &ComparePayload, baseline: usize) -> Vec<Comparison> {
    let mut out = Vec::new();
    for (run, info) in payload.runs.iter().enumerate() {
        if run == baseline {
            continue;
        }
        for name in &payload.score_names {
            let boolean = is_boolean(payload, name);
            let mut deltas = Vec::new();
            let (mut newly_failing, mut newly_passing) = (Vec::new(), Vec::new());
            for item in &payload.items {
                let value = |col: usize| item.results.get(col)?.as_ref()?.scores.get(name).copied();
                let (Some(base), Some(cand)) = (value(baseline), value(run)) else { continue };
                deltas.push(cand - base);
                if boolean && base >= 0.5 && cand < 0.5 {
                    newly_failing.push(item.dataset_item_id);
                } else if boolean && base < 0.5 && cand >= 0.5 {
                    newly_passing.push(item.dataset_item_id);
                }
            }
            let n = deltas.len();
            let mean_delta = if n == 0 { 0.0 } else { deltas.iter().sum::<f64>() / n as f64 };
            let (ci_low, ci_high) = bootstrap_ci(&deltas, RESAMPLES, SEED);
            let mcnemar_p = boolean.then(|| mcnemar_exact(newly_failing.len(), newly_passing.len()));
            out.push(Comparison {
                run_id: info.id,
                score: name.clone(),
                n,
                mean_delta,
                ci_low,
                ci_high,
                verdict: verdict(n, ci_low, ci_high),
                newly_failing,
                newly_passing,
                mcnemar_p,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_interval_covers_a_known_difference_and_excludes_zero() {
        // 40 items, each better by 0.2 ± 0.1 (deterministic spread).
        let deltas: Vec<f64> = (0..40).map(|i| 0.2 + ((i % 5) as f64 - 2.0) * 0.05).collect();
        let (low, high) = bootstrap_ci(&deltas, RESAMPLES, SEED);
        assert!(low > 0.0 && low < 0.2 && high > 0.2 && high < 0.3, "({low}, {high})");
        assert_eq!(verdict(deltas.len(), low, high), Verdict::Better);
        // Same seed, same interval.
        assert_eq!(bootstrap_ci(&deltas, RESAMPLES, SEED), (low, high));
    }

    #[test]
    fn noise_around_zero_is_no_detectable_difference() {
        let deltas: Vec<f64> = (0..30).map(|i| if i % 2 == 0 { 0.3 } else { -0.3 }).collect();
        let (low, high) = bootstrap_ci(&deltas, RESAMPLES, SEED);
        assert!(low < 0.0 && high > 0.0);
        assert_eq!(verdict(30, low, high), Verdict::NoDetectableDifference);
    }

    #[test]
    fn verdicts_at_the_boundaries() {
        assert_eq!(verdict(MIN_PAIRED - 1, 0.5, 0.9), Verdict::TooFewItems);
        assert_eq!(verdict(MIN_PAIRED, 0.0, 0.9), Verdict::NoDetectableDifference);
        assert_eq!(verdict(MIN_PAIRED, 1e-9, 0.9), Verdict::Better);
        assert_eq!(verdict(MIN_PAIRED, -0.9, 0.0), Verdict::NoDetectableDifference);
        assert_eq!(verdict(MIN_PAIRED, -0.9, -1e-9), Verdict::Worse);
    }

    #[test]
    fn mcnemar_against_hand_computed_values() {
        // b = 0, c = 5: 2 × (1/2)^5 = 0.0625.
        assert!((mcnemar_exact(0, 5) - 0.0625).abs() < 1e-12);
        // b = 1, c = 9: 2 × (1 + 10) / 1024 = 0.021484375.
        assert!((mcnemar_exact(1, 9) - 0.021_484_375).abs() < 1e-12);
        // b = 3, c = 3: symmetric, capped at 1.
        assert_eq!(mcnemar_exact(3, 3), 1.0);
        assert_eq!(mcnemar_exact(0, 0), 1.0);
        // b = 2, c = 8: 2 × (1 + 10 + 45) / 1024 = 0.109375.
        assert!((mcnemar_exact(8, 2) - 0.109_375).abs() < 1e-12);
    }
}
