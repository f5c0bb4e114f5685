//! Run summaries (a run's counters without its aggregates): what dataset
//! listings and run listings share, so `datasets` and `runs` need not name each other.

use super::exec::{query, Pool};
use crate::model::run::RunSummary;
use crate::server::error::AppError;

pub(super) const SUMMARY_COLUMNS: &str = "r.id, r.dataset_id, r.name, r.status, \
     COALESCE(r.total_items, 0) AS total_items, COALESCE(r.completed_items, 0) AS completed_items, \
     COALESCE(r.failed_items, 0) AS failed_items, CAST(COALESCE(r.total_cost, 0) AS REAL) AS total_cost, \
     COALESCE(r.total_tokens, 0) AS total_tokens, r.created_at";

/// The newest run of each of the datasets, in one query.
pub(super) async fn latest_per_dataset(pool: &Pool, dataset_ids: &[i64]) -> Result<Vec<RunSummary>, AppError> {
    if dataset_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = query(format!(
        "SELECT {SUMMARY_COLUMNS} FROM observ_dataset_runs r WHERE r.id IN \
         (SELECT max(id) FROM observ_dataset_runs WHERE dataset_id IN ("
    ));
    q.push_list(dataset_ids.iter().copied());
    q.push(") GROUP BY dataset_id)");
    Ok(q.build_query_as().fetch_all(pool).await?)
}
