//! Manual labels beside LLM-judge verdicts on the same run items, for judge
//! calibration.

use super::exec::query_as;
use super::Db;
use crate::model::calibration::{agreement, Calibration, Pair};
use crate::model::score::ScoreSource;
use crate::server::error::AppError;
use std::collections::{BTreeMap, HashMap};

/// A judge's verdict: its pass/fail, else a value of 0.5 or more passes.
fn verdict(passed: Option<i64>, value: Option<f64>) -> Option<bool> {
    passed.map(|p| p != 0).or(value.map(|v| v >= 0.5))
}

pub async fn of_run(db: &Db, run_id: i64) -> Result<Calibration, AppError> {
    super::runs::repetitions_of(&db.read, run_id).await?;
    type Row = (i64, i64, String, String, Option<f64>, Option<i64>);
    let rows: Vec<Row> = query_as(
        "SELECT id, observ_dataset_run_item_id, source, name, value, passed FROM observ_scores \
         WHERE observ_dataset_run_id = ? AND observ_dataset_run_item_id IS NOT NULL AND error IS NULL \
         AND source IN (?, ?) ORDER BY id",
    )
    .bind(run_id)
    .bind(ScoreSource::Manual.as_str())
    .bind(ScoreSource::LlmJudge.as_str())
    .fetch_all(&db.read)
    .await?;
    // The newest manual label of each item; every judge's verdict on it.
    let mut labels: HashMap<i64, bool> = HashMap::new();
    let mut judged: BTreeMap<String, Vec<(i64, bool)>> = BTreeMap::new();
    for (_, run_item, source, name, value, passed) in rows {
        let Some(verdict) = verdict(passed, value) else { continue };
        if source == ScoreSource::Manual.as_str() {
            labels.insert(run_item, verdict);
        } else {
            judged.entry(name).or_default().push((run_item, verdict));
        }
    }
    let judges = judged
        .into_iter()
        .map(|(name, verdicts)| {
            let pairs: Vec<Pair> = verdicts
                .into_iter()
                .filter_map(|(item, judge)| labels.get(&item).map(|human| (*human, judge)))
                .collect();
            agreement(&name, &pairs)
        })
        .collect();
    Ok(Calibration { run_id, labelled: labels.len(), judges })
}
