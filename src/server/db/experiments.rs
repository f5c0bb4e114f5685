//! SDK experiments (Langfuse `run_experiment`) as Observ dataset runs. Each
//! item's trace arrives with `langfuse.experiment.*` attributes naming the run,
//! the dataset and the item; the run (origin `sdk`) is created by its first
//! item, gains a run item per reported item linked to its trace, and finishes
//! when every item of the dataset has a result or after a quiet period.
//! Instances never execute `sdk` runs: the app that sent them did.

use super::exec::{json, query, query_as, query_scalar, Dialect, Tx};
use super::{changes, Db, NOW};
use crate::model::run::RunStatus;
use crate::model::run_item::RunItemStatus;
use crate::server::error::AppError;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};

/// One item's result as an SDK reported it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExperimentItem {
    /// The SDK's experiment id (run evaluators' scores name the run by it).
    pub experiment_id: Option<String>,
    pub run_name: String,
    pub description: Option<String>,
    pub metadata: Option<Value>,
    /// The Observ dataset id, as the SDK echoes it (a string).
    pub dataset_id: String,
    /// The Observ dataset item id, as a string.
    pub item_id: String,
    pub expected_output: Option<Value>,
    pub trace_id: String,
}

/// Links experiment items to runs inside the ingestion's transaction. Items
/// naming an unknown dataset or item are skipped (their traces are kept).
/// Returns the runs that moved.
pub(super) async fn record_in(
    tx: &mut Tx,
    items: Vec<ExperimentItem>,
    traces: &HashMap<String, i64>,
) -> Result<Vec<i64>, AppError> {
    let mut by_run: BTreeMap<(i64, String), Vec<ExperimentItem>> = BTreeMap::new();
    for item in items {
        let Ok(dataset) = item.dataset_id.parse::<i64>() else { continue };
        by_run.entry((dataset, item.run_name.clone())).or_default().push(item);
    }
    let mut moved = Vec::new();
    for ((dataset, name), items) in by_run {
        let Some(run) = find_or_create_run(tx, dataset, &name, &items[0]).await? else { continue };
        // Dedupe per item (a trace re-sent, or propagated onto child spans).
        let mut latest: BTreeMap<i64, &ExperimentItem> = BTreeMap::new();
        for item in &items {
            if let Ok(id) = item.item_id.parse::<i64>() {
                latest.insert(id, item);
            }
        }
        for (item_id, item) in latest {
            let Some(trace) = traces.get(&item.trace_id).copied() else { continue };
            link_item(tx, run, dataset, item_id, trace, item.expected_output.as_ref()).await?;
        }
        refresh_run(tx, run).await?;
        moved.push(run);
    }
    Ok(moved)
}

/// The `sdk` run of that name (created running), locked for this
/// transaction; `None` when the dataset is unknown or a server run has the name.
async fn find_or_create_run(
    tx: &mut Tx,
    dataset: i64,
    name: &str,
    first: &ExperimentItem,
) -> Result<Option<i64>, AppError> {
    let exists: Option<i64> =
        query_scalar("SELECT id FROM observ_datasets WHERE id = ?").bind(dataset).fetch_optional(&mut *tx).await?;
    if exists.is_none() {
        return Ok(None);
    }
    let mut metadata = serde_json::json!({"source": "sdk", "experiment_id": first.experiment_id});
    if let Some(m) = &first.metadata {
        metadata["experiment"] = m.clone();
    }
    query(format!(
        "INSERT INTO observ_dataset_runs (dataset_id, name, description, status, metadata, total_items, concurrency, \
         repetitions, origin, started_at, created_at, updated_at) \
         VALUES (?, ?, ?, ?, ?, (SELECT count(*) FROM observ_dataset_items WHERE dataset_id = ? AND status = 0), \
         1, 1, 'sdk', {NOW}, {NOW}, {NOW}) ON CONFLICT (dataset_id, name) DO NOTHING"
    ))
    .bind(dataset)
    .bind(name)
    .bind(first.description.clone())
    .bind(RunStatus::Running.code())
    .bind(json(metadata.to_string()))
    .bind(dataset)
    .execute(&mut *tx)
    .await?;
    let lock = if tx.dialect() == Dialect::Postgres { " FOR NO KEY UPDATE" } else { "" };
    let run: Option<(i64, String)> =
        query_as(format!("SELECT id, origin FROM observ_dataset_runs WHERE dataset_id = ? AND name = ?{lock}"))
            .bind(dataset)
            .bind(name)
            .fetch_optional(&mut *tx)
            .await?;
    Ok(match run {
        Some((id, origin)) if origin == "sdk" => Some(id),
        Some(_) => {
            eprintln!("observ: experiment `{name}` names a run Observ executes; its items are kept as traces only");
            None
        }
        None => None,
    })
}

/// The run item of (run, item) with the trace's result; a new one gets the
/// run's next event sequence number.
async fn link_item(
    tx: &mut Tx,
    run: i64,
    dataset: i64,
    item: i64,
    trace: i64,
    expected: Option<&Value>,
) -> Result<(), AppError> {
    let seq: i64 = query_scalar(format!(
        "UPDATE observ_dataset_runs SET event_seq = event_seq + 1, updated_at = {NOW} WHERE id = ? RETURNING event_seq"
    ))
    .bind(run)
    .fetch_one(&mut *tx)
    .await?;
    let run_item: Option<i64> = query_scalar(format!(
        "INSERT INTO observ_dataset_run_items (dataset_run_id, dataset_item_id, repetition, trace_id, status, input, \
         expected_output, output, latency_ms, cost, tokens, error, seq, created_at, updated_at) \
         SELECT ?, i.id, 0, t.id, CASE WHEN t.has_error = 1 THEN ? ELSE ? END, i.input, COALESCE(?, i.expected_output), \
         t.output, t.latency_ms, COALESCE(t.total_cost, 0), COALESCE(t.total_tokens, 0), \
         CASE WHEN t.has_error = 1 THEN 'the trace has an error' END, ?, {NOW}, {NOW} \
         FROM observ_dataset_items i, observ_traces t WHERE i.id = ? AND i.dataset_id = ? AND t.id = ? \
         ON CONFLICT (dataset_run_id, dataset_item_id, repetition) DO UPDATE SET trace_id = excluded.trace_id, \
         status = excluded.status, output = excluded.output, latency_ms = excluded.latency_ms, cost = excluded.cost, \
         tokens = excluded.tokens, error = excluded.error, seq = excluded.seq, updated_at = excluded.updated_at \
         RETURNING id"
    ))
    .bind(run)
    .bind(RunItemStatus::Failed.code())
    .bind(RunItemStatus::Succeeded.code())
    .bind(json(expected.map(Value::to_string)))
    .bind(seq)
    .bind(item)
    .bind(dataset)
    .bind(trace)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(run_item) = run_item {
        adopt_scores(tx, run, run_item, trace).await?;
    }
    Ok(())
}

/// Scores an SDK sent for the trace before its run item existed (they travel
/// apart from spans) move onto the run item: one per name and source, the
/// latest, replacing the run item's own of that name.
async fn adopt_scores(tx: &mut Tx, run: i64, run_item: i64, trace: i64) -> Result<(), AppError> {
    query(
        "DELETE FROM observ_scores WHERE observ_trace_id = ?1 AND id NOT IN \
         (SELECT max(id) FROM observ_scores WHERE observ_trace_id = ?1 GROUP BY name, source)",
    )
    .bind(trace)
    .execute(&mut *tx)
    .await?;
    query(
        "DELETE FROM observ_scores WHERE observ_dataset_run_item_id = ?1 AND EXISTS (SELECT 1 FROM observ_scores s \
         WHERE s.observ_trace_id = ?2 AND s.name = observ_scores.name AND s.source = observ_scores.source)",
    )
    .bind(run_item)
    .bind(trace)
    .execute(&mut *tx)
    .await?;
    query(
        "UPDATE observ_scores SET observ_dataset_run_item_id = ?, observ_dataset_run_id = ?, observ_trace_id = NULL, \
         observation_id = NULL WHERE observ_trace_id = ?",
    )
    .bind(run_item)
    .bind(run)
    .bind(trace)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// A run's counters from its items; it completes when every item has a result.
async fn refresh_run(tx: &mut Tx, run: i64) -> Result<(), AppError> {
    let (succeeded, failed) = (RunItemStatus::Succeeded.code(), RunItemStatus::Failed.code());
    query(format!(
        "UPDATE observ_dataset_runs SET \
         completed_items = (SELECT count(*) FROM observ_dataset_run_items WHERE dataset_run_id = ?1 AND status = ?2), \
         failed_items = (SELECT count(*) FROM observ_dataset_run_items WHERE dataset_run_id = ?1 AND status = ?3), \
         total_cost = (SELECT COALESCE(sum(cost), 0) FROM observ_dataset_run_items WHERE dataset_run_id = ?1), \
         total_tokens = (SELECT COALESCE(sum(tokens), 0) FROM observ_dataset_run_items WHERE dataset_run_id = ?1), \
         total_items = {}, updated_at = {NOW} WHERE id = ?1",
        tx.dialect()
            .greatest("total_items", "(SELECT count(*) FROM observ_dataset_run_items WHERE dataset_run_id = ?1)")
    ))
    .bind(run)
    .bind(succeeded)
    .bind(failed)
    .execute(&mut *tx)
    .await?;
    query(format!(
        "UPDATE observ_dataset_runs SET status = ?, finished_at = {NOW} \
         WHERE id = ? AND status = ? AND completed_items + failed_items >= total_items"
    ))
    .bind(RunStatus::Completed.code())
    .bind(run)
    .bind(RunStatus::Running.code())
    .execute(&mut *tx)
    .await?;
    changes::announce_in(tx, run).await?;
    Ok(())
}

/// Results of traces already linked to `sdk` run items follow their traces
/// (a late span adds cost); returns the runs that moved.
pub(super) async fn follow_traces(tx: &mut Tx, traces: &[i64]) -> Result<Vec<i64>, AppError> {
    if traces.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = query(
        "SELECT DISTINCT ri.dataset_run_id FROM observ_dataset_run_items ri \
         JOIN observ_dataset_runs r ON r.id = ri.dataset_run_id WHERE r.origin = 'sdk' AND ri.trace_id IN (",
    );
    q.push_list(traces.iter().copied()).push(")");
    let runs: Vec<i64> = q.build_query_scalar().fetch_all(&mut *tx).await?;
    if runs.is_empty() {
        return Ok(runs);
    }
    let mut q = query(
        "UPDATE observ_dataset_run_items SET \
         cost = COALESCE((SELECT t.total_cost FROM observ_traces t WHERE t.id = observ_dataset_run_items.trace_id), 0), \
         tokens = COALESCE((SELECT t.total_tokens FROM observ_traces t WHERE t.id = observ_dataset_run_items.trace_id), 0), \
         latency_ms = (SELECT t.latency_ms FROM observ_traces t WHERE t.id = observ_dataset_run_items.trace_id), \
         output = (SELECT t.output FROM observ_traces t WHERE t.id = observ_dataset_run_items.trace_id) \
         WHERE trace_id IN (",
    );
    q.push_list(traces.iter().copied()).push(") AND dataset_run_id IN (");
    q.push_list(runs.iter().copied()).push(")");
    q.execute(&mut *tx).await?;
    for run in &runs {
        refresh_run(tx, *run).await?;
    }
    Ok(runs)
}

/// Finishes `sdk` runs that heard nothing for `quiet_ms` (the SDK is done, or
/// gone): they complete with what arrived. Returns how many finished.
pub async fn finish_quiet(db: &Db, quiet_ms: i64) -> Result<u64, AppError> {
    let cutoff = crate::model::stats::format_timestamp_ms(crate::model::stats::now_ms() - quiet_ms);
    let mut tx = db.write.begin().await?;
    let runs: Vec<i64> = query_scalar(format!(
        "UPDATE observ_dataset_runs SET status = ?, finished_at = {NOW}, updated_at = {NOW} \
         WHERE origin = 'sdk' AND status = ? AND updated_at < ? RETURNING id"
    ))
    .bind(RunStatus::Completed.code())
    .bind(RunStatus::Running.code())
    .bind(cutoff)
    .fetch_all(&mut tx)
    .await?;
    for run in &runs {
        changes::announce_in(&mut tx, *run).await?;
    }
    tx.commit().await?;
    if !runs.is_empty() {
        db.touch();
    }
    Ok(runs.len() as u64)
}
