//! Recording a batch of finished run items in one transaction, with a few
//! set-based statements for the whole batch (not a handful per item): the
//! sessions, traces and observations as multi-row inserts, the run items in one
//! `UPDATE … FROM (VALUES …)`, the scores in one upsert, the counters and the
//! event numbers in one update each. The SQL is the same on both backends.

use super::exec::{json, query, query_scalar, Query, Tx};
use super::traces::{NewSession, NewTrace};
use super::{Db, NOW};
use crate::model::run_item::{RunItem, RunItemStatus};
use crate::model::score::ScoreDraft;
use crate::model::stats::{format_timestamp_ms, now_ms};
use crate::model::trace::NewObservation;
use crate::server::error::AppError;
use serde_json::Value;
use std::collections::{HashMap, HashSet};

/// Rows per multi-row statement: far below both backends' limits on bound values.
const ROWS_PER_STATEMENT: usize = 256;

/// A finished item as the runner shaped it: its result, and the session,
/// trace and observations (ids given) to record it under.
#[derive(Debug, Clone)]
pub struct FinishedItem {
    pub run_item_id: i64,
    pub dataset_item_id: i64,
    pub repetition: i64,
    /// The input and expected output as run (for the stored item's event).
    pub input: Value,
    pub expected_output: Option<Value>,
    pub output: Option<Value>,
    pub error: Option<String>,
    pub latency_ms: i64,
    pub session: NewSession,
    pub trace: NewTrace,
    pub observations: Vec<NewObservation>,
    /// What the dataset's evaluators concluded about the output.
    pub scores: Vec<ScoreDraft>,
}

impl FinishedItem {
    fn status(&self) -> RunItemStatus {
        if self.error.is_some() {
            RunItemStatus::Failed
        } else {
            RunItemStatus::Succeeded
        }
    }

    /// The trace's cost and tokens: summed over its observations (tokens from
    /// `usage.total_tokens`, else input + output tokens).
    fn totals(&self) -> (f64, i64) {
        let cost = self.observations.iter().map(|o| o.cost_usd).sum();
        let tokens = self
            .observations
            .iter()
            .filter_map(|o| o.usage.as_ref())
            .map(|u| {
                let field = |k: &str| u.get(k).and_then(Value::as_i64);
                field("total_tokens")
                    .unwrap_or_else(|| field("input_tokens").unwrap_or(0) + field("output_tokens").unwrap_or(0))
            })
            .sum();
        (cost, tokens)
    }
}

/// Writes a batch of results with their traces and moves the run's counters
/// once for the batch, in one transaction; returns the stored run items in
/// event order. `shape` turns each result into what is written, given its
/// event number. Only results whose item `owner` still leases are written
/// (another instance may have taken over an item whose lease expired).
pub async fn record_batch<R>(
    db: &Db,
    run_id: i64,
    owner: &str,
    results: Vec<R>,
    run_item_of: impl Fn(&R) -> i64,
    shape: impl Fn(R, i64) -> FinishedItem,
) -> Result<Vec<RunItem>, AppError> {
    let mut tx = db.write.begin().await?;
    if tx.dialect() == super::exec::Dialect::Postgres {
        // The run row first, as claims and cancels take it: one lock order, no deadlock.
        query("SELECT id FROM observ_dataset_runs WHERE id = ? FOR NO KEY UPDATE")
            .bind(run_id)
            .execute(&mut tx)
            .await?;
    }
    let ids: Vec<i64> = results.iter().map(&run_item_of).collect();
    let results: Vec<R> = match super::leases::held(&mut tx, owner, &ids).await? {
        None => results,
        Some(held) => results.into_iter().filter(|r| held.contains(&run_item_of(r))).collect(),
    };
    if results.is_empty() {
        return Ok(Vec::new());
    }
    let last_seq: i64 =
        query_scalar("UPDATE observ_dataset_runs SET event_seq = event_seq + ? WHERE id = ? RETURNING event_seq")
            .bind(results.len() as i64)
            .bind(run_id)
            .fetch_one(&mut tx)
            .await?;
    let first_seq = last_seq - results.len() as i64 + 1;
    let finished: Vec<(i64, FinishedItem)> =
        results.into_iter().enumerate().map(|(n, r)| (first_seq + n as i64, shape(r, first_seq + n as i64))).collect();
    let mut items = Vec::with_capacity(finished.len());
    for chunk in finished.chunks(ROWS_PER_STATEMENT) {
        let traces = insert_traces(&mut tx, chunk).await?;
        insert_observations(&mut tx, chunk, &traces).await?;
        let mut ids: Vec<i64> = traces.values().copied().collect();
        ids.sort_unstable();
        super::ingest::index_models(&mut tx, &ids).await?;
        update_run_items(&mut tx, chunk, &traces).await?;
        items.extend(chunk.iter().map(|(seq, item)| stored(run_id, *seq, item, &traces)));
    }
    attach_new_scores(&mut tx, run_id, &finished, &mut items).await?;
    count_results(&mut tx, run_id, &items).await?;
    super::changes::announce_in(&mut tx, run_id).await?;
    tx.commit().await?;
    db.touch();
    Ok(items)
}

/// The run item as the batch stored it (what its event carries).
fn stored(run_id: i64, seq: i64, item: &FinishedItem, traces: &HashMap<String, i64>) -> RunItem {
    let (cost, tokens) = item.totals();
    RunItem {
        id: item.run_item_id,
        dataset_run_id: run_id,
        dataset_item_id: item.dataset_item_id,
        repetition: item.repetition,
        status: item.status(),
        input: item.input.clone(),
        expected_output: item.expected_output.clone(),
        output: item.output.clone(),
        error: item.error.clone(),
        trace_id: traces.get(&item.trace.trace_id).copied(),
        latency_ms: Some(item.latency_ms),
        cost,
        tokens,
        seq: Some(seq),
        scores: Vec::new(),
    }
}

/// Row ids of a multi-row insert, by each row's key: on SQLite from the last
/// id (one writer: the rows took consecutive ids in order), elsewhere from
/// `RETURNING id, {key}`. Either way no row travels back on SQLite.
async fn insert_ids(tx: &mut Tx, mut q: Query, key: &str, keys: &[&str]) -> Result<HashMap<String, i64>, AppError> {
    if tx.dialect() == super::exec::Dialect::Sqlite {
        let (rows, last) = q.insert(&mut *tx).await?;
        let last = last.unwrap_or_default();
        debug_assert_eq!(rows as usize, keys.len());
        let first = last - rows as i64 + 1;
        return Ok(keys.iter().enumerate().map(|(n, k)| (k.to_string(), first + n as i64)).collect());
    }
    q.push(format!(" RETURNING id, {key}"));
    Ok(q.build_query_as::<(i64, String)>().fetch_all(&mut *tx).await?.into_iter().map(|(id, k)| (k, id)).collect())
}

/// Each item's session (its totals are its one trace's) and trace; returns the
/// trace row ids by trace id.
async fn insert_traces(tx: &mut Tx, chunk: &[(i64, FinishedItem)]) -> Result<HashMap<String, i64>, AppError> {
    let mut q = query(
        "INSERT INTO observ_sessions (session_id, user_id, start_time, end_time, metadata, total_traces_count, \
         total_tokens, total_cost, created_at, updated_at) VALUES ",
    );
    for (n, (_, item)) in chunk.iter().enumerate() {
        let (cost, tokens) = item.totals();
        q.push(if n == 0 { "(" } else { ", (" }).push_bind(&item.session.session_id).push(", ");
        q.push_bind(item.session.user_id.clone()).push(format!(", {NOW}, {NOW}, "));
        q.push_bind(json(item.session.metadata.to_string())).push(", 1, ").push_bind(tokens).push(", ");
        q.push_bind(cost).push(format!(", {NOW}, {NOW})"));
    }
    let keys: Vec<&str> = chunk.iter().map(|(_, i)| i.session.session_id.as_str()).collect();
    let sessions = insert_ids(tx, q, "session_id", &keys).await?;

    let mut q = query(
        "INSERT INTO observ_traces (trace_id, observ_session_id, name, start_time, end_time, input, output, metadata, \
         tags, user_id, total_cost, total_tokens, latency_ms, has_error, created_at, updated_at) VALUES ",
    );
    for (n, (_, item)) in chunk.iter().enumerate() {
        let (t, (cost, tokens)) = (&item.trace, item.totals());
        let output = item.output.as_ref().unwrap_or(&Value::Null).to_string();
        let tags = serde_json::to_string(&t.tags).unwrap_or_else(|_| "[]".into());
        q.push(if n == 0 { "(" } else { ", (" }).push_bind(&t.trace_id).push(", ");
        q.push_bind(sessions.get(&item.session.session_id).copied()).push(", ").push_bind(&t.name);
        q.push(", COALESCE(").push_bind(t.start_time.clone()).push(format!(", {NOW}), {NOW}, "));
        q.push_bind(json(t.input.as_ref().map(Value::to_string))).push(", ").push_bind(json(output)).push(", ");
        // A failed item's trace says so: flagged, with the error in its metadata.
        let mut metadata = t.metadata.clone();
        if let (Some(error), Some(map)) = (&item.error, metadata.as_object_mut()) {
            map.insert("error".into(), Value::String(error.clone()));
        }
        q.push_bind(json(metadata.to_string())).push(", ").push_bind(json(tags)).push(", ");
        q.push_bind(t.user_id.clone()).push(", ").push_bind(cost).push(", ").push_bind(tokens).push(", ");
        q.push_bind(item.latency_ms).push(", ").push_bind(item.error.is_some());
        q.push(format!(", {NOW}, {NOW})"));
    }
    let keys: Vec<&str> = chunk.iter().map(|(_, i)| i.trace.trace_id.as_str()).collect();
    insert_ids(tx, q, "trace_id", &keys).await
}

async fn insert_observations(
    tx: &mut Tx,
    chunk: &[(i64, FinishedItem)],
    traces: &HashMap<String, i64>,
) -> Result<(), AppError> {
    let rows: Vec<(i64, &NewObservation)> = chunk
        .iter()
        .flat_map(|(_, item)| {
            let trace = traces.get(&item.trace.trace_id).copied().unwrap_or_default();
            item.observations.iter().map(move |o| (trace, o))
        })
        .collect();
    for rows in rows.chunks(ROWS_PER_STATEMENT) {
        let mut q = query(
            "INSERT INTO observ_observations (observation_id, observ_trace_id, parent_observation_id, type, name, \
             start_time, end_time, model, input, output, usage, cost_usd, status_message, created_at, updated_at) VALUES ",
        );
        for (n, (trace, o)) in rows.iter().enumerate() {
            q.push(if n == 0 { "(" } else { ", (" }).push_bind(&o.observation_id).push(", ").push_bind(*trace);
            q.push(", ").push_bind(o.parent_observation_id.clone()).push(", ").push_bind(&o.kind).push(", ");
            q.push_bind(&o.name).push(", ").push_bind(&o.start_time).push(", ").push_bind(o.end_time.clone());
            q.push(", ").push_bind(o.model.clone()).push(", ").push_bind(json(o.input.as_ref().map(Value::to_string)));
            q.push(", ").push_bind(json(o.output.as_ref().map(Value::to_string))).push(", ");
            q.push_bind(json(o.usage.as_ref().map(Value::to_string))).push(", ").push_bind(o.cost_usd).push(", ");
            q.push_bind(o.status_message.clone()).push(format!(", {NOW}, {NOW})"));
        }
        q.execute(&mut *tx).await?;
    }
    Ok(())
}

/// Every item's result in one `UPDATE … FROM (VALUES …)`, its lease cleared.
async fn update_run_items(
    tx: &mut Tx,
    chunk: &[(i64, FinishedItem)],
    traces: &HashMap<String, i64>,
) -> Result<(), AppError> {
    let mut q = Query::default();
    q.push(format!(
        "UPDATE observ_dataset_run_items SET status = v.column2, output = v.column3, error = v.column4, \
         trace_id = v.column5, latency_ms = v.column6, cost = v.column7, tokens = v.column8, seq = v.column9, \
         lease_owner = NULL, lease_expires_ms = NULL, updated_at = {NOW} FROM (VALUES "
    ));
    for (n, (seq, item)) in chunk.iter().enumerate() {
        let (cost, tokens) = item.totals();
        q.push(if n == 0 { "(" } else { ", (" }).push_bind(item.run_item_id).push(", ");
        q.push_bind(item.status().code()).push(", ").push_bind(json(item.output.as_ref().map(Value::to_string)));
        q.push(", ").push_bind(item.error.clone()).push(", ").push_bind(traces.get(&item.trace.trace_id).copied());
        q.push(", ").push_bind(item.latency_ms).push(", ").push_bind(cost).push(", ").push_bind(tokens);
        q.push(", ").push_bind(*seq).push(")");
    }
    q.push(") AS v WHERE observ_dataset_run_items.id = v.column1");
    q.execute(&mut *tx).await?;
    Ok(())
}

/// The evaluators' scores of the batch in one upsert (re-scoring an item
/// replaces its score of the same name and source); each stored item gets its own.
async fn attach_new_scores(
    tx: &mut Tx,
    run_id: i64,
    finished: &[(i64, FinishedItem)],
    items: &mut [RunItem],
) -> Result<(), AppError> {
    // One score per (item, name, source): the last one given wins, as one by one it would.
    let mut drafts: Vec<(i64, &ScoreDraft)> = Vec::new();
    let mut seen = HashSet::new();
    for (_, item) in finished.iter().rev() {
        for draft in item.scores.iter().rev() {
            if seen.insert((item.run_item_id, draft.name.trim().to_string(), draft.source.as_str())) {
                drafts.push((item.run_item_id, draft));
            }
        }
    }
    drafts.reverse();
    let mut ids: HashMap<(i64, String, String), i64> = HashMap::new();
    for rows in drafts.chunks(ROWS_PER_STATEMENT) {
        let mut q = query(
            "INSERT INTO observ_scores (name, value, string_value, data_type, source, passed, comment, error, \
             created_by, observ_dataset_run_item_id, observ_dataset_run_id, created_at, updated_at) VALUES ",
        );
        for (n, (run_item, d)) in rows.iter().enumerate() {
            q.push(if n == 0 { "(" } else { ", (" }).push_bind(d.name.trim()).push(", ").push_bind(d.value);
            q.push(", ").push_bind(d.string_value.clone()).push(", ").push_bind(d.data_type.as_str()).push(", ");
            q.push_bind(d.source.as_str()).push(", ").push_bind(d.passed).push(", ").push_bind(d.comment.clone());
            q.push(", ").push_bind(d.error.clone()).push(", ").push_bind(d.created_by.clone()).push(", ");
            q.push_bind(*run_item).push(", ").push_bind(run_id).push(format!(", {NOW}, {NOW})"));
        }
        q.push(
            " ON CONFLICT (observ_dataset_run_item_id, name, source) WHERE observ_dataset_run_item_id IS NOT NULL \
             DO UPDATE SET value = excluded.value, string_value = excluded.string_value, data_type = excluded.data_type, \
             passed = excluded.passed, comment = excluded.comment, error = excluded.error, \
             created_by = excluded.created_by, updated_at = excluded.updated_at \
             RETURNING id, observ_dataset_run_item_id, name, source",
        );
        for (id, run_item, name, source) in q.build_query_as::<(i64, i64, String, String)>().fetch_all(&mut *tx).await?
        {
            ids.insert((run_item, name, source), id);
        }
    }
    let now = format_timestamp_ms(now_ms());
    let by_item: HashMap<i64, &FinishedItem> = finished.iter().map(|(_, f)| (f.run_item_id, f)).collect();
    for stored in items.iter_mut() {
        let Some(item) = by_item.get(&stored.id) else { continue };
        for draft in &item.scores {
            let key = (stored.id, draft.name.trim().to_string(), draft.source.as_str().to_string());
            if let Some(id) = ids.get(&key) {
                stored.scores.push(draft.stored(*id, (Some(stored.id), None, None), &now));
            }
        }
    }
    Ok(())
}

/// The one place run counters move: by the items just recorded, in their transaction.
async fn count_results(tx: &mut Tx, run_id: i64, items: &[RunItem]) -> Result<(), AppError> {
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
    .execute(tx)
    .await?;
    Ok(())
}
