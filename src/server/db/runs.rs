//! Queries on `observ_dataset_runs`: creating a run (with its snapshot of
//! items), reading it with its aggregates, and its lifecycle transitions.

use super::exec::{query, query_as, query_scalar, Pool};
use super::run_summaries::SUMMARY_COLUMNS;
use super::Db;
use super::NOW;
use crate::model::item::ItemStatus;
use crate::model::run::{progress_percentage, DatasetRun, RunDraft, RunStatus, RunSummary};
use crate::model::run_item::{RunItemStatus, RunProgress};
use crate::model::stats::now_ms;
use crate::server::error::AppError;

const RUN_COLUMNS: &str = "r.id, r.dataset_id, r.name, r.description, r.status, r.concurrency, r.repetitions, \
     COALESCE(r.metadata, '{}') AS metadata, COALESCE(r.total_items, 0) AS total_items, \
     COALESCE(r.completed_items, 0) AS completed_items, COALESCE(r.failed_items, 0) AS failed_items, \
     CAST(COALESCE(r.total_cost, 0) AS REAL) AS total_cost, COALESCE(r.total_tokens, 0) AS total_tokens, \
     r.event_seq, NULL AS latency_ms_p50, NULL AS latency_ms_p95, r.created_at, r.started_at, r.finished_at, \
     r.origin";

/// A dataset's runs, newest first.
pub async fn for_dataset(db: &Db, dataset_id: i64, limit: i64) -> Result<Vec<RunSummary>, AppError> {
    let pool = &db.read;
    let mut runs: Vec<RunSummary> = query_as(format!(
        "SELECT {SUMMARY_COLUMNS} FROM observ_dataset_runs r WHERE r.dataset_id = ? ORDER BY r.id DESC LIMIT ?"
    ))
    .bind(dataset_id)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    let mut scores = super::scores::summaries_of_dataset(pool, dataset_id).await?;
    for run in &mut runs {
        run.scores_summary = scores.remove(&run.id).unwrap_or_default();
    }
    Ok(runs)
}

/// The most recent runs across datasets, for the dashboard.
pub async fn recent(db: &Db, limit: i64) -> Result<Vec<RunSummary>, AppError> {
    let pool = &db.read;
    Ok(query_as(format!("SELECT {SUMMARY_COLUMNS} FROM observ_dataset_runs r ORDER BY r.id DESC LIMIT ?"))
        .bind(limit)
        .fetch_all(pool)
        .await?)
}

/// A run with its progress and latency percentiles.
pub async fn find(db: &Db, id: i64) -> Result<DatasetRun, AppError> {
    find_on(&db.read, id).await
}

/// A run's repetitions, cheaply (no aggregates); not found when there is no such run.
pub(super) async fn repetitions_of(pool: &Pool, id: i64) -> Result<i64, AppError> {
    query_scalar("SELECT repetitions FROM observ_dataset_runs WHERE id = ?")
        .bind(id)
        .fetch_optional(pool)
        .await?
        .ok_or_else(|| AppError::not_found("run", id))
}

/// [`find`] through the write pool: sees what this process has just written.
pub async fn find_fresh(db: &Db, id: i64) -> Result<DatasetRun, AppError> {
    find_on(&db.write, id).await
}

async fn find_on(pool: &Pool, id: i64) -> Result<DatasetRun, AppError> {
    let mut run: DatasetRun = query_as(format!("SELECT {RUN_COLUMNS} FROM observ_dataset_runs r WHERE r.id = ?"))
        .bind(id)
        .fetch_optional(pool)
        .await?
        .ok_or_else(|| AppError::not_found("run", id))?;
    run.latency_ms_p50 = latency_percentile(pool, id, 0.50).await?;
    run.latency_ms_p95 = latency_percentile(pool, id, 0.95).await?;
    run.progress_percentage = progress_percentage(run.completed_items, run.failed_items, run.total_items);
    let finished = run.completed_items + run.failed_items;
    run.success_rate = (finished > 0).then(|| run.completed_items as f64 / finished as f64);
    run.scores_summary = super::scores::summary(pool, id).await?;
    if run.repetitions > 1 {
        run.flaky_items = Some(super::repetitions::for_run(pool, id, run.repetitions).await?.flaky_items as i64);
    }
    Ok(run)
}

/// A run's counters, cheaply (no percentiles), for progress events.
pub async fn find_progress(db: &Db, id: i64) -> Result<RunProgress, AppError> {
    let pool = &db.read;
    let (status, total, completed, failed, cost, tokens): (i64, i64, i64, i64, f64, i64) = query_as(
        "SELECT status, COALESCE(total_items, 0), COALESCE(completed_items, 0), COALESCE(failed_items, 0), \
         CAST(COALESCE(total_cost, 0) AS REAL), COALESCE(total_tokens, 0) FROM observ_dataset_runs WHERE id = ?",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?
    .ok_or_else(|| AppError::not_found("run", id))?;
    Ok(RunProgress {
        id,
        status: RunStatus::try_from(status).map_err(AppError::Conflict)?,
        total_items: total,
        completed_items: completed,
        failed_items: failed,
        total_cost: cost,
        total_tokens: tokens,
        progress_percentage: progress_percentage(completed, failed, total),
    })
}

/// The 1-based nearest rank of quantile `q` among `n` values.
fn nearest_rank(n: usize, q: f64) -> Option<usize> {
    (n > 0).then(|| ((q * n as f64).ceil() as usize).clamp(1, n))
}

/// A run's latency percentile, read at its rank along the (run, latency) index
/// instead of loading every latency: a GET of a 20,000-item run stays cheap.
async fn latency_percentile(pool: &Pool, run_id: i64, q: f64) -> Result<Option<i64>, AppError> {
    const WHERE: &str = "FROM observ_dataset_run_items WHERE dataset_run_id = ? AND latency_ms IS NOT NULL";
    let n: i64 = query_scalar(format!("SELECT count(*) {WHERE}")).bind(run_id).fetch_one(pool).await?;
    let Some(rank) = nearest_rank(n as usize, q) else { return Ok(None) };
    Ok(query_scalar(format!("SELECT latency_ms {WHERE} ORDER BY latency_ms LIMIT 1 OFFSET ?"))
        .bind(run_id)
        .bind(rank as i64 - 1)
        .fetch_optional(pool)
        .await?)
}

/// Creates a pending run and snapshots the dataset's active items into run
/// items (× repetitions), in one transaction. Returns the run id; a name taken
/// in the dataset is a 422 on `name` (the unique index decides).
pub async fn create(db: &Db, dataset_id: i64, draft: &RunDraft) -> Result<i64, AppError> {
    let pool = &db.write;
    let id = create_if_name_free(pool, dataset_id, draft)
        .await?
        .ok_or_else(|| AppError::field("name", "has already been taken in this dataset"))?;
    db.touch();
    Ok(id)
}

/// Like [`create`], under the next free default name (`Run n`) whatever
/// `draft.name` says; a name taken meanwhile by another writer moves on to the next.
pub async fn create_with_free_name(db: &Db, dataset_id: i64, draft: &RunDraft) -> Result<i64, AppError> {
    let pool = &db.write;
    loop {
        let draft = RunDraft { name: suggest_name_on(pool, dataset_id).await?, ..draft.clone() };
        if let Some(id) = create_if_name_free(pool, dataset_id, &draft).await? {
            db.touch();
            return Ok(id);
        }
    }
}

/// [`create`], with `None` when the name is taken in the dataset.
async fn create_if_name_free(pool: &Pool, dataset_id: i64, draft: &RunDraft) -> Result<Option<i64>, AppError> {
    let mut tx = pool.begin().await?;
    super::datasets::ensure_exists_in(&mut tx, dataset_id).await?;
    let inserted = query_scalar(format!(
        "INSERT INTO observ_dataset_runs (dataset_id, name, description, status, metadata, concurrency, repetitions, \
         created_at, updated_at) VALUES (?, ?, ?, ?, '{{}}', ?, ?, {NOW}, {NOW}) RETURNING id"
    ))
    .bind(dataset_id)
    .bind(&draft.name)
    .bind(&draft.description)
    .bind(RunStatus::Pending.code())
    .bind(draft.concurrency)
    .bind(draft.repetitions)
    .fetch_one(&mut tx)
    .await;
    let Some(run_id) = super::unless_taken::<i64>(inserted)? else { return Ok(None) };
    let inserted = query(format!(
        "WITH RECURSIVE reps(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM reps WHERE n + 1 < ?) \
         INSERT INTO observ_dataset_run_items (dataset_run_id, dataset_item_id, repetition, status, input, \
         expected_output, created_at, updated_at) \
         SELECT ?, i.id, reps.n, ?, i.input, i.expected_output, {NOW}, {NOW} \
         FROM observ_dataset_items i, reps WHERE i.dataset_id = ? AND i.status = ? ORDER BY i.id, reps.n"
    ))
    .bind(draft.repetitions)
    .bind(run_id)
    .bind(RunItemStatus::Pending.code())
    .bind(dataset_id)
    .bind(ItemStatus::Active.code())
    .execute(&mut tx)
    .await?;
    query("UPDATE observ_dataset_runs SET total_items = ? WHERE id = ?")
        .bind(inserted as i64)
        .bind(run_id)
        .execute(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(Some(run_id))
}

/// The next free default name: `Run 1`, `Run 2`, … A suggestion for the form:
/// the unique index, not this read, decides whether it is still free at insert.
pub async fn suggest_name(db: &Db, dataset_id: i64) -> Result<String, AppError> {
    suggest_name_on(&db.read, dataset_id).await
}

async fn suggest_name_on(pool: &Pool, dataset_id: i64) -> Result<String, AppError> {
    let count: i64 = query_scalar("SELECT count(*) FROM observ_dataset_runs WHERE dataset_id = ?")
        .bind(dataset_id)
        .fetch_one(pool)
        .await?;
    for n in count + 1.. {
        let name = format!("Run {n}");
        let taken: Option<i64> = query_scalar("SELECT id FROM observ_dataset_runs WHERE dataset_id = ? AND name = ?")
            .bind(dataset_id)
            .bind(&name)
            .fetch_optional(pool)
            .await?;
        if taken.is_none() {
            return Ok(name);
        }
    }
    unreachable!("an unbounded range always yields a free name")
}

/// pending → running (keeps the first start time when resuming).
pub async fn mark_running(db: &Db, id: i64) -> Result<(), AppError> {
    let pool = &db.write;
    query(format!(
        "UPDATE observ_dataset_runs SET status = ?, started_at = COALESCE(started_at, {NOW}), updated_at = {NOW} WHERE id = ?"
    ))
    .bind(RunStatus::Running.code())
    .bind(id)
    .execute(pool)
    .await?;
    db.touch();
    Ok(())
}

/// Ends a run: cancelled when asked (its unfinished items become cancelled),
/// failed when every item failed, otherwise completed. Not cancelled, it ends
/// only once no item is left, and only one of several instances ending it
/// together does: the others get `None`, as does a run already finished.
pub async fn finish(db: &Db, id: i64, cancelled: bool) -> Result<Option<RunStatus>, AppError> {
    let pool = &db.write;
    let mut tx = pool.begin().await?;
    let lock = if tx.dialect() == super::exec::Dialect::Postgres { " FOR NO KEY UPDATE" } else { "" };
    let status: i64 = query_scalar(format!("SELECT status FROM observ_dataset_runs WHERE id = ?{lock}"))
        .bind(id)
        .fetch_optional(&mut tx)
        .await?
        .ok_or_else(|| AppError::not_found("run", id))?;
    if RunStatus::try_from(status).map(RunStatus::is_finished).unwrap_or(true) {
        return Ok(None);
    }
    if !cancelled {
        let left: i64 =
            query_scalar("SELECT count(*) FROM observ_dataset_run_items WHERE dataset_run_id = ? AND status IN (?, ?)")
                .bind(id)
                .bind(RunItemStatus::Pending.code())
                .bind(RunItemStatus::Running.code())
                .fetch_one(&mut tx)
                .await?;
        if left > 0 {
            return Ok(None);
        }
    }
    if cancelled {
        query(format!(
            "UPDATE observ_dataset_run_items SET status = ?, lease_owner = NULL, lease_expires_ms = NULL, updated_at = {NOW} WHERE dataset_run_id = ? AND status IN (?, ?)"
        ))
        .bind(RunItemStatus::Cancelled.code())
        .bind(id)
        .bind(RunItemStatus::Pending.code())
        .bind(RunItemStatus::Running.code())
        .execute(&mut tx)
        .await?;
    }
    let (completed, failed): (i64, i64) =
        query_as("SELECT completed_items, failed_items FROM observ_dataset_runs WHERE id = ?")
            .bind(id)
            .fetch_one(&mut tx)
            .await?;
    let status = final_status(cancelled, completed, failed);
    query(format!("UPDATE observ_dataset_runs SET status = ?, finished_at = {NOW}, updated_at = {NOW} WHERE id = ?"))
        .bind(status.code())
        .bind(id)
        .execute(&mut tx)
        .await?;
    super::changes::announce_in(&mut tx, id).await?;
    tx.commit().await?;
    db.touch();
    Ok(Some(status))
}

/// The one rule for how a run ends.
pub fn final_status(cancelled: bool, completed: i64, failed: i64) -> RunStatus {
    if cancelled {
        RunStatus::Cancelled
    } else if completed == 0 && failed > 0 {
        RunStatus::Failed
    } else {
        RunStatus::Completed
    }
}

/// Puts a finished run's failed items back to pending and takes them out of the
/// counters, in one transaction. Returns how many will run again.
pub async fn reset_failed(db: &Db, id: i64) -> Result<i64, AppError> {
    let pool = &db.write;
    let mut tx = pool.begin().await?;
    let status: i64 = query_scalar("SELECT status FROM observ_dataset_runs WHERE id = ?")
        .bind(id)
        .fetch_optional(&mut tx)
        .await?
        .ok_or_else(|| AppError::not_found("run", id))?;
    if !RunStatus::try_from(status).map(RunStatus::is_finished).unwrap_or(false) {
        return Err(AppError::Conflict("run: only a finished run can be retried".into()));
    }
    let (count, cost, tokens): (i64, f64, i64) = query_as(
        "SELECT count(*), CAST(COALESCE(sum(cost), 0) AS REAL), CAST(COALESCE(sum(tokens), 0) AS BIGINT) \
         FROM observ_dataset_run_items WHERE dataset_run_id = ? AND status = ?",
    )
    .bind(id)
    .bind(RunItemStatus::Failed.code())
    .fetch_one(&mut tx)
    .await?;
    if count == 0 {
        return Err(AppError::Conflict("run: there are no failed items to retry".into()));
    }
    query(format!(
        "UPDATE observ_dataset_run_items SET status = ?, error = NULL, output = NULL, trace_id = NULL, latency_ms = NULL, \
         cost = 0, tokens = 0, seq = NULL, updated_at = {NOW} WHERE dataset_run_id = ? AND status = ?"
    ))
    .bind(RunItemStatus::Pending.code())
    .bind(id)
    .bind(RunItemStatus::Failed.code())
    .execute(&mut tx)
    .await?;
    query(format!(
        "UPDATE observ_dataset_runs SET status = ?, finished_at = NULL, failed_items = failed_items - ?, \
         total_cost = total_cost - ?, total_tokens = total_tokens - ?, updated_at = {NOW} WHERE id = ?"
    ))
    .bind(RunStatus::Pending.code())
    .bind(count)
    .bind(cost)
    .bind(tokens)
    .bind(id)
    .execute(&mut tx)
    .await?;
    tx.commit().await?;
    db.touch();
    Ok(count)
}

/// A run that could not start (e.g. its agent is gone): failed, with the reason kept.
pub async fn fail_to_start(db: &Db, id: i64, reason: &str) -> Result<(), AppError> {
    let pool = &db.write;
    let metadata = pool.dialect().json_set_text("metadata", "error");
    query(format!(
        "UPDATE observ_dataset_runs SET status = ?, metadata = {metadata}, finished_at = {NOW}, updated_at = {NOW} \
         WHERE id = ?"
    ))
    .bind(RunStatus::Failed.code())
    .bind(reason)
    .bind(id)
    .execute(pool)
    .await?;
    db.touch();
    Ok(())
}

/// Runs a restarted server must pick up again.
pub async fn unfinished(db: &Db) -> Result<Vec<i64>, AppError> {
    let pool = &db.read;
    Ok(query_scalar("SELECT id FROM observ_dataset_runs WHERE status IN (?, ?) AND origin = 'server' ORDER BY id")
        .bind(RunStatus::Pending.code())
        .bind(RunStatus::Running.code())
        .fetch_all(pool)
        .await?)
}

/// Deletes a run with its results (its traces stay, as history).
/// Open dashboards take it off their figures (`runs_deleted`).
pub async fn delete(db: &Db, id: i64) -> Result<(), AppError> {
    let pool = &db.write;
    let mut tx = pool.begin().await?;
    let deleted = super::stats::runs_being_deleted(&mut tx, super::stats::Deleting::Run(id), now_ms()).await?;
    query("DELETE FROM observ_dataset_run_items WHERE dataset_run_id = ?").bind(id).execute(&mut tx).await?;
    let done = query("DELETE FROM observ_dataset_runs WHERE id = ?").bind(id).execute(&mut tx).await?;
    if done == 0 {
        return Err(AppError::not_found("run", id));
    }
    super::changes::announce_deleted_in(&mut tx, &deleted).await?;
    tx.commit().await?;
    db.runs_deleted(deleted);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        assert_eq!(nearest_rank(0, 0.5), None);
        assert_eq!(nearest_rank(1, 0.95), Some(1));
        assert_eq!(nearest_rank(100, 0.5), Some(50));
        assert_eq!(nearest_rank(100, 0.95), Some(95));
        assert_eq!(nearest_rank(3, 0.5), Some(2));
    }

    #[test]
    fn how_a_run_ends() {
        assert_eq!(final_status(true, 5, 0), RunStatus::Cancelled);
        assert_eq!(final_status(false, 0, 3), RunStatus::Failed);
        assert_eq!(final_status(false, 1, 3), RunStatus::Completed);
        assert_eq!(final_status(false, 0, 0), RunStatus::Completed);
    }
}
