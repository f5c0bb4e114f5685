//! Queries on `observ_dataset_runs` (the run engine arrives with its own writes).

use crate::model::run::RunSummary;
use crate::server::error::AppError;
use sqlx::SqlitePool;

pub(crate) const SUMMARY_COLUMNS: &str = "r.id, r.dataset_id, r.name, r.status, \
     COALESCE(r.total_items, 0) AS total_items, COALESCE(r.completed_items, 0) AS completed_items, \
     COALESCE(r.failed_items, 0) AS failed_items, CAST(COALESCE(r.total_cost, 0) AS REAL) AS total_cost, \
     COALESCE(r.total_tokens, 0) AS total_tokens, r.created_at";

/// A dataset's runs, newest first.
pub async fn for_dataset(pool: &SqlitePool, dataset_id: i64, limit: i64) -> Result<Vec<RunSummary>, AppError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {SUMMARY_COLUMNS} FROM observ_dataset_runs r WHERE r.dataset_id = ? ORDER BY r.id DESC LIMIT ?"
    ))
    .bind(dataset_id)
    .bind(limit)
    .fetch_all(pool)
    .await?)
}

/// The most recent runs across datasets, for the dashboard.
pub async fn recent(pool: &SqlitePool, limit: i64) -> Result<Vec<RunSummary>, AppError> {
    Ok(sqlx::query_as(&format!("SELECT {SUMMARY_COLUMNS} FROM observ_dataset_runs r ORDER BY r.id DESC LIMIT ?"))
        .bind(limit)
        .fetch_all(pool)
        .await?)
}
