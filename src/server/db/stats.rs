//! Totals for the dashboard.

use super::exec::query_as;
use super::Db;
use crate::model::stats::Totals;
use crate::server::error::AppError;

pub async fn totals(db: &Db) -> Result<Totals, AppError> {
    let pool = &db.read;
    Ok(query_as(
        "SELECT (SELECT count(*) FROM observ_datasets) AS datasets, \
                (SELECT count(*) FROM observ_dataset_items) AS items, \
                (SELECT count(*) FROM observ_dataset_runs) AS runs, \
                (SELECT count(*) FROM observ_traces) AS traces, \
                (SELECT count(*) FROM observ_sessions) AS sessions, \
                (SELECT CAST(COALESCE(sum(total_cost), 0) AS REAL) FROM observ_traces) AS total_cost, \
                (SELECT CAST(COALESCE(sum(total_tokens), 0) AS BIGINT) FROM observ_traces) AS total_tokens",
    )
    .fetch_one(pool)
    .await?)
}
