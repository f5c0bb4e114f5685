//! A run's finished attempts with their scores, for the repetitions report
//! (pass@k, pass^k, spread, flaky items).

use super::exec::{query_as, Pool};
use crate::model::repetitions::{report, Attempt, AttemptScores, RepetitionReport};
use crate::model::run_item::RunItemStatus;
use crate::server::error::AppError;
use std::collections::HashMap;

/// The repetitions report of run `run_id`.
pub async fn of_run(db: &super::Db, run_id: i64) -> Result<RepetitionReport, AppError> {
    let repetitions = super::runs::repetitions_of(&db.read, run_id).await?;
    for_run(&db.read, run_id, repetitions).await
}

pub(super) async fn for_run(pool: &Pool, run_id: i64, repetitions: i64) -> Result<RepetitionReport, AppError> {
    let rows: Vec<(i64, i64, i64)> = query_as(
        "SELECT id, dataset_item_id, status FROM observ_dataset_run_items WHERE dataset_run_id = ? AND status IN (?, ?)",
    )
    .bind(run_id)
    .bind(RunItemStatus::Succeeded.code())
    .bind(RunItemStatus::Failed.code())
    .fetch_all(pool)
    .await?;
    type ScoreRow = (i64, String, Option<f64>, Option<i64>);
    let scores: Vec<ScoreRow> = query_as(
        "SELECT observ_dataset_run_item_id, name, value, passed FROM observ_scores \
         WHERE observ_dataset_run_id = ? AND observ_dataset_run_item_id IS NOT NULL AND error IS NULL",
    )
    .bind(run_id)
    .fetch_all(pool)
    .await?;
    let mut by_item: HashMap<i64, AttemptScores> = HashMap::new();
    for (run_item, name, value, passed) in scores {
        by_item.entry(run_item).or_default().insert(name, (value, passed.map(|p| p != 0)));
    }
    let mut attempts = Vec::with_capacity(rows.len());
    for (id, dataset_item_id, status) in rows {
        attempts.push(Attempt {
            dataset_item_id,
            status: RunItemStatus::try_from(status).map_err(AppError::Conflict)?,
            scores: by_item.remove(&id).unwrap_or_default(),
        });
    }
    Ok(report(run_id, repetitions, &attempts))
}
