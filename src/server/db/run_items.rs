//! Queries on `observ_dataset_run_items`, and recording a finished item: its
//! session, trace and observations (as the runner shaped them), its result and
//! the run's counters, all in one transaction per batch.

use super::exec::{json, query, query_as, query_scalar, Pool, Query, Tx};
use super::traces::{record_in, NewSession, NewTrace};
use super::Db;
use super::{Listing, NOW};
use crate::model::page::{CursorPage, KeysetPage, PageAt};
use crate::model::run_item::{ItemRun, RunItem, RunItemStatus};
use crate::model::score::{ScoreDraft, ScoreSource};
use crate::model::stats::{format_timestamp_ms, now_ms};
use crate::model::trace::NewObservation;
use crate::server::db::scores::{upsert, ScoreTarget};
use crate::server::error::AppError;
use serde_json::Value;

const COLUMNS: &str = "ri.id, ri.dataset_run_id, ri.dataset_item_id, ri.repetition, ri.status, \
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

/// A finished item as the runner shaped it: its result, and the session,
/// trace and observations (ids given) to record it under.
#[derive(Debug, Clone)]
pub struct FinishedItem {
    pub run_item_id: i64,
    pub output: Option<Value>,
    pub error: Option<String>,
    pub latency_ms: i64,
    pub session: NewSession,
    pub trace: NewTrace,
    pub observations: Vec<NewObservation>,
    /// What the dataset's evaluators concluded about the output.
    pub scores: Vec<ScoreDraft>,
}

/// Writes a batch of results with their traces and moves the run's counters
/// once for the batch, in one transaction; returns the stored run items.
/// `shape` turns each result into what is written, given its event number.
/// Only results whose item `owner` still leases are written (another instance
/// may have taken over an item whose lease expired); the others are dropped.
pub async fn record_batch<R>(
    db: &Db,
    run_id: i64,
    owner: &str,
    results: Vec<R>,
    run_item_of: impl Fn(&R) -> i64,
    shape: impl Fn(R, i64) -> FinishedItem,
) -> Result<Vec<RunItem>, AppError> {
    let pool = &db.write;
    let mut tx = pool.begin().await?;
    let conn = &mut tx;
    let ids: Vec<i64> = results.iter().map(&run_item_of).collect();
    let held: std::collections::HashSet<i64> = super::leases::held(conn, owner, &ids).await?.into_iter().collect();
    let results: Vec<R> = results.into_iter().filter(|r| held.contains(&run_item_of(r))).collect();
    if results.is_empty() {
        return Ok(Vec::new());
    }
    let last_seq: i64 =
        query_scalar("UPDATE observ_dataset_runs SET event_seq = event_seq + ? WHERE id = ? RETURNING event_seq")
            .bind(results.len() as i64)
            .bind(run_id)
            .fetch_one(&mut *conn)
            .await?;
    let first_seq = last_seq - results.len() as i64 + 1;
    let mut items = Vec::with_capacity(results.len());
    for (n, result) in results.into_iter().enumerate() {
        let seq = first_seq + n as i64;
        items.push(record(conn, run_id, &shape(result, seq), seq).await?);
    }
    count_results(conn, run_id, &items).await?;
    super::changes::announce_in(conn, run_id).await?;
    tx.commit().await?;
    Ok(items)
}

/// Writes one result (event number `seq`) with its session, trace and observations.
async fn record(conn: &mut Tx, run_id: i64, item: &FinishedItem, seq: i64) -> Result<RunItem, AppError> {
    let output = item.output.clone().unwrap_or(Value::Null);
    let trace = record_in(conn, &item.session, &item.trace, &item.observations, Some(&output)).await?;
    let (trace_id, cost, tokens) = (trace.id, trace.cost, trace.tokens);
    let status = if item.error.is_some() { RunItemStatus::Failed } else { RunItemStatus::Succeeded };
    let stored: RunItem = query_as(format!(
        "UPDATE observ_dataset_run_items SET status = ?, output = ?, error = ?, trace_id = ?, latency_ms = ?, \
         cost = ?, tokens = ?, seq = ?, lease_owner = NULL, lease_expires_ms = NULL, updated_at = {NOW} WHERE id = ? \
         RETURNING {}",
        COLUMNS.replace("ri.", "")
    ))
    .bind(status.code())
    .bind(json(item.output.as_ref().map(Value::to_string)))
    .bind(&item.error)
    .bind(trace_id)
    .bind(item.latency_ms)
    .bind(cost)
    .bind(tokens)
    .bind(seq)
    .bind(item.run_item_id)
    .fetch_one(&mut *conn)
    .await?;
    let mut stored: RunItem = stored;
    let target = ScoreTarget::RunItem { run_id, run_item_id: item.run_item_id };
    let now = format_timestamp_ms(now_ms());
    for draft in &item.scores {
        let id = upsert(conn, target, draft).await?;
        stored.scores.push(draft.stored(id, target_item(item.run_item_id), &now));
    }
    Ok(stored)
}

fn target_item(run_item_id: i64) -> (Option<i64>, Option<i64>, Option<i64>) {
    (Some(run_item_id), None, None)
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

/// The one place run counters move: by the items just recorded, in their transaction.
async fn count_results(conn: &mut Tx, run_id: i64, items: &[RunItem]) -> Result<(), AppError> {
    let completed = items.iter().filter(|i| i.status == RunItemStatus::Succeeded).count() as i64;
    let failed = items.iter().filter(|i| i.status == RunItemStatus::Failed).count() as i64;
    let cost: f64 = items.iter().map(|i| i.cost).sum();
    let tokens: i64 = items.iter().map(|i| i.tokens).sum();
    query(format!(
        "UPDATE observ_dataset_runs SET completed_items = completed_items + ?, failed_items = failed_items + ?, \
         total_cost = total_cost + ?, total_tokens = total_tokens + ?, updated_at = {NOW} WHERE id = ?"
    ))
    .bind(completed)
    .bind(failed)
    .bind(cost)
    .bind(tokens)
    .bind(run_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
