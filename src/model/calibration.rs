//! Judge calibration: where people reviewed run items by hand and an LLM judge
//! scored the same items, how far to trust the judge — accuracy, Cohen's κ
//! (agreement beyond chance) and the confusion counts. Shared by the server
//! (the REST API) and the run page.

use serde::{Deserialize, Serialize};

/// One judge's agreement with the manual labels of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct JudgeAgreement {
    /// The judge's score name.
    pub judge: String,
    /// Items with both a manual label and the judge's verdict.
    pub n: usize,
    /// Both say pass.
    pub both_pass: usize,
    /// Both say fail.
    pub both_fail: usize,
    /// The judge passes what a person failed (a false pass).
    pub judge_pass_human_fail: usize,
    /// The judge fails what a person passed (a false fail).
    pub judge_fail_human_pass: usize,
    /// Share of items where they agree; `None` without items.
    pub accuracy: Option<f64>,
    /// Cohen's κ; `None` without items, or when chance agreement is total
    /// (both always say the same one thing).
    pub kappa: Option<f64>,
}

/// `GET /api/v1/runs/{id}/calibration`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Calibration {
    pub run_id: i64,
    /// Run items with a manual label.
    pub labelled: usize,
    /// One entry per judge score name, by name.
    pub judges: Vec<JudgeAgreement>,
}

/// A verdict pair on one item: (the person's, the judge's).
pub type Pair = (bool, bool);

/// The agreement of `judge` over its pairs with the manual labels.
pub fn agreement(judge: &str, pairs: &[Pair]) -> JudgeAgreement {
    let count = |human: bool, machine: bool| pairs.iter().filter(|p| **p == (human, machine)).count();
    let (tp, tn, fp, fn_) = (count(true, true), count(false, false), count(false, true), count(true, false));
    let n = pairs.len();
    let (accuracy, kappa) = if n == 0 {
        (None, None)
    } else {
        let total = n as f64;
        let observed = (tp + tn) as f64 / total;
        let human_pass = (tp + fn_) as f64 / total;
        let judge_pass = (tp + fp) as f64 / total;
        let chance = human_pass * judge_pass + (1.0 - human_pass) * (1.0 - judge_pass);
        let kappa = (chance < 1.0).then(|| (observed - chance) / (1.0 - chance));
        (Some(observed), kappa)
    };
    JudgeAgreement {
        judge: judge.to_string(),
        n,
        both_pass: tp,
        both_fail: tn,
        judge_pass_human_fail: fp,
        judge_fail_human_pass: fn_,
        accuracy,
        kappa,
    }
}

/// How κ reads, after Landis and Koch (0.21–0.40 fair, 0.41–0.60 moderate…),
/// with a little room for rounding at the bounds.
pub fn kappa_label(kappa: f64) -> &'static str {
    const ROOM: f64 = 1e-9;
    match kappa {
        k if k < 0.0 => "worse than chance",
        k if k <= 0.2 + ROOM => "slight",
        k if k <= 0.4 + ROOM => "fair",
        k if k <= 0.6 + ROOM => "moderate",
        k if k <= 0.8 + ROOM => "substantial",
        _ => "almost perfect",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(tp: usize, fp: usize, fn_: usize, tn: usize) -> Vec<Pair> {
        let mut all = vec![(true, true); tp];
        all.extend(vec![(false, true); fp]);
        all.extend(vec![(true, false); fn_]);
        all.extend(vec![(false, false); tn]);
        all
    }

    #[test]
    fn kappa_against_hand_computed_values() {
        // 20 + 15 of 50 agree: p_o = 0.7.
        let a = agreement("judge", &pairs(20, 5, 10, 15));
        assert_eq!(
            (a.n, a.both_pass, a.judge_pass_human_fail, a.judge_fail_human_pass, a.both_fail),
            (50, 20, 5, 10, 15)
        );
        assert!((a.accuracy.unwrap() - 0.7).abs() < 1e-12);
        // p_e = 0.5 × 0.6 + 0.5 × 0.4 = 0.5 (people 30/50 pass, the judge 25/50): κ = (0.7 − 0.5) / 0.5.
        assert!((a.kappa.unwrap() - 0.4).abs() < 1e-12, "{a:?}");
        // Perfect agreement: κ = 1; perfect disagreement on a balanced set: κ = −1.
        assert_eq!(agreement("j", &pairs(3, 0, 0, 5)).kappa, Some(1.0));
        assert_eq!(agreement("j", &pairs(0, 4, 4, 0)).kappa, Some(-1.0));
        // Both always pass: agreement is total but says nothing (κ undefined).
        let same = agreement("j", &pairs(6, 0, 0, 0));
        assert_eq!((same.accuracy, same.kappa), (Some(1.0), None));
        assert_eq!(agreement("j", &[]).accuracy, None);
        assert_eq!(kappa_label(0.4), "fair");
        assert_eq!(kappa_label(0.399_999_999_999), "fair");
        assert_eq!(kappa_label(0.45), "moderate");
        assert_eq!(kappa_label(-0.1), "worse than chance");
    }
}
