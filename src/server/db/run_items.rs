//! Queries on `observ_dataset_run_items`, and recording a finished item: its
//! session, trace and observations (as the runner shaped them), its result and
//! the run's counters, all in one transaction per batch.

use super::exec::{query_as, query_scalar, Pool, Query};
use super::Db;
use super::Listing;
use crate::model::page::{CursorPage, KeysetPage, PageAt};
use crate::model::run_item::{ItemRun, RunItem, RunItemStatus};
use crate::model::score::ScoreSource;
use crate::server::error::AppError;

pub(super) const COLUMNS: &str = "ri.id, ri.dataset_run_id, ri.dataset_item_id, ri.repetition, ri.status, \
     COALESCE(ri.input, 'null') AS input, ri.expected_output, ri.output, ri.error, ri.trace_id, ri.latency_ms, \
     CAST(COALESCE(ri.cost, 0) AS REAL) AS cost, COALESCE(ri.tokens, 0) AS tokens, ri.seq";

fn filters(run_id: i64, status: Option<RunItemStatus>) -> impl Fn(&mut Query) + Sync {
    move |q| {
        q.push(" AND ri.dataset_run_id = ").push_bind(run_id);
        if let Some(status) = status {
            q.push(" AND ri.status = ").push_bind(status.code());
        }
    }
}

fn listing<'a>(filters: &'a (dyn Fn(&mut Query) + Sync)) -> Listing<'a> {
    Listing { columns: COLUMNS, column_binds: &[], from: "observ_dataset_run_items ri", id: "ri.id", filters }
}

pub async fn page(
    db: &Db,
    run_id: i64,
    status: Option<RunItemStatus>,
    at: PageAt,
    limit: i64,
) -> Result<KeysetPage<RunItem>, AppError> {
    let pool = &db.read;
    let f = filters(run_id, status);
    let mut page = super::keyset_page(pool, &listing(&f), at, limit, |i: &RunItem| i.id).await?;
    attach_scores(pool, &mut page.rows).await?;
    Ok(page)
}

pub async fn cursor_page(
    db: &Db,
    run_id: i64,
    status: Option<RunItemStatus>,
    cursor: Option<&str>,
    limit: i64,
) -> Result<CursorPage<RunItem>, AppError> {
    let pool = &db.read;
    let f = filters(run_id, status);
    let mut page = super::cursor_page(pool, &listing(&f), cursor, limit, |i: &RunItem| i.id).await?;
    attach_scores(pool, &mut page.data).await?;
    Ok(page)
}

/// Up to `limit` items finished after event `seq`, in event order (for SSE resume).
pub async fn finished_after(db: &Db, run_id: i64, seq: i64, limit: i64) -> Result<Vec<RunItem>, AppError> {
    let pool = &db.read;
    let mut items: Vec<RunItem> = query_as(format!(
        "SELECT {COLUMNS} FROM observ_dataset_run_items ri WHERE ri.dataset_run_id = ? AND ri.seq > ? \
         ORDER BY ri.seq LIMIT ?"
    ))
    .bind(run_id)
    .bind(seq)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    attach_scores(pool, &mut items).await?;
    Ok(items)
}

/// The score name manual review writes.
pub const REVIEW_SCORE: &str = "correct";

/// The next finished item after `after_id` that nobody has reviewed, and how
/// many such items are left in all.
pub async fn next_unreviewed(db: &Db, run_id: i64, after_id: i64) -> Result<(Option<RunItem>, i64), AppError> {
    let pool = &db.read;
    let unreviewed = "ri.dataset_run_id = ? AND ri.status IN (?, ?) AND NOT EXISTS (SELECT 1 FROM observ_scores s \
         WHERE s.observ_dataset_run_item_id = ri.id AND s.source = ? AND s.name = ?)";
    let (succeeded, failed, manual) =
        (RunItemStatus::Succeeded.code(), RunItemStatus::Failed.code(), ScoreSource::Manual.as_str());
    let left: i64 = query_scalar(format!("SELECT count(*) FROM observ_dataset_run_items ri WHERE {unreviewed}"))
        .bind(run_id)
        .bind(succeeded)
        .bind(failed)
        .bind(manual)
        .bind(REVIEW_SCORE)
        .fetch_one(pool)
        .await?;
    let item: Option<RunItem> = query_as(format!(
        "SELECT {COLUMNS} FROM observ_dataset_run_items ri WHERE {unreviewed} AND ri.id > ? ORDER BY ri.id LIMIT 1"
    ))
    .bind(run_id)
    .bind(succeeded)
    .bind(failed)
    .bind(manual)
    .bind(REVIEW_SCORE)
    .bind(after_id)
    .fetch_optional(pool)
    .await?;
    let mut items: Vec<RunItem> = item.into_iter().collect();
    attach_scores(pool, &mut items).await?;
    Ok((items.pop(), left))
}

/// Every run's result for one dataset item, newest run first.
pub async fn history(db: &Db, dataset_item_id: i64) -> Result<Vec<ItemRun>, AppError> {
    let pool = &db.read;
    let runs: Vec<(i64, String, String)> = query_as(
        "SELECT r.id, r.name, r.created_at FROM observ_dataset_runs r JOIN observ_dataset_run_items ri \
         ON ri.dataset_run_id = r.id WHERE ri.dataset_item_id = ? ORDER BY ri.id DESC LIMIT 200",
    )
    .bind(dataset_item_id)
    .fetch_all(pool)
    .await?;
    let mut items: Vec<RunItem> = query_as(format!(
        "SELECT {COLUMNS} FROM observ_dataset_run_items ri WHERE ri.dataset_item_id = ? ORDER BY ri.id DESC LIMIT 200"
    ))
    .bind(dataset_item_id)
    .fetch_all(pool)
    .await?;
    attach_scores(pool, &mut items).await?;
    Ok(runs
        .into_iter()
        .zip(items)
        .map(|((run_id, run_name, run_created_at), result)| ItemRun { run_id, run_name, run_created_at, result })
        .collect())
}

/// The run a run item belongs to.
pub async fn run_of(db: &Db, run_item_id: i64) -> Result<Option<i64>, AppError> {
    let pool = &db.read;
    Ok(query_scalar("SELECT dataset_run_id FROM observ_dataset_run_items WHERE id = ?")
        .bind(run_item_id)
        .fetch_optional(pool)
        .await?)
}

/// Succeeded items of a run after `after_id`, a page at a time (for evaluating again).
pub async fn succeeded_page(db: &Db, run_id: i64, after_id: i64, limit: i64) -> Result<Vec<RunItem>, AppError> {
    let pool = &db.read;
    Ok(query_as(format!(
        "SELECT {COLUMNS} FROM observ_dataset_run_items ri WHERE ri.dataset_run_id = ? AND ri.status = ? AND ri.id > ? \
         ORDER BY ri.id LIMIT ?"
    ))
    .bind(run_id)
    .bind(RunItemStatus::Succeeded.code())
    .bind(after_id)
    .bind(limit)
    .fetch_all(pool)
    .await?)
}

/// Fills in each item's scores.
pub(super) async fn attach_scores(pool: &Pool, items: &mut [RunItem]) -> Result<(), AppError> {
    let ids: Vec<i64> = items.iter().map(|i| i.id).collect();
    let mut scores = super::scores::for_run_items(pool, &ids).await?;
    for item in items {
        item.scores = scores.remove(&item.id).unwrap_or_default();
    }
    Ok(())
}
