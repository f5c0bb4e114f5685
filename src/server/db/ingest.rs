//! Writing traces that users' apps send (OTLP spans, Langfuse ingestion
//! events): one request is one transaction of set-based upserts.
//!
//! Spans of one trace may come in any order and across requests: a trace row
//! is created by whichever span arrives first and merged by the rest (earliest
//! start, latest end, fields given win over fields missing); an observation is
//! keyed by its id, so a span sent twice is one row. Totals (cost, tokens,
//! latency, errors) are recomputed from the stored observations after each
//! write, so they are right whatever the order.
//!
//! Concurrency (PostgreSQL, several instances): rows are locked in one order —
//! sessions, then traces, then observations, each sorted by key — and a
//! trace's totals are summed after its row is locked by the upsert, so two
//! requests adding spans to one trace serialise on that row and neither's
//! totals miss the other's spans.

use super::exec::{json, query, Query, Tx};
pub use super::experiments::ExperimentItem;
use super::ingest_rows::{dedupe_spans, merge_traces};
pub use super::ingest_rows::{Batch, SpanRow, TraceRow};
use super::{Db, NOW};
use crate::server::error::AppError;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};

/// Rows per multi-row statement (under both backends' bind limits).
const ROWS_PER_STATEMENT: usize = 200;

/// What was written: trace row ids by trace id.
#[derive(Debug, Clone, Default)]
pub struct Written {
    pub traces: HashMap<String, i64>,
    pub spans: usize,
}

/// Writes a batch and the experiment items it reports in one transaction.
pub async fn write(db: &Db, batch: Batch, experiments: Vec<ExperimentItem>) -> Result<Written, AppError> {
    let mut tx = db.write.begin().await?;
    let written = write_in(&mut tx, batch).await?;
    let mut traces: Vec<i64> = written.traces.values().copied().collect();
    traces.sort_unstable();
    super::experiments::follow_traces(&mut tx, &traces).await?;
    if !experiments.is_empty() {
        super::experiments::record_in(&mut tx, experiments, &written.traces).await?;
    }
    // Spans for a trace the dashboard already counted change its figures.
    super::changes::announce_traces_in(&mut tx, &traces).await?;
    tx.commit().await?;
    db.traces_changed(traces);
    Ok(written)
}

pub(super) async fn write_in(tx: &mut Tx, batch: Batch) -> Result<Written, AppError> {
    let traces = merge_traces(batch.traces, &batch.spans);
    let known = sessions_of(tx, &traces).await?;
    let sessions = upsert_sessions(tx, &traces, &known).await?;
    let ids = upsert_traces(tx, &traces, &sessions).await?;
    let spans = dedupe_spans(batch.spans);
    for chunk in spans.chunks(ROWS_PER_STATEMENT) {
        upsert_observations(tx, chunk, &ids).await?;
    }
    let mut trace_ids: Vec<i64> = ids.values().copied().collect();
    trace_ids.sort_unstable();
    refresh_traces(tx, &trace_ids).await?;
    index_models(tx, &trace_ids).await?;
    let mut session_ids: Vec<i64> = sessions.values().copied().collect();
    session_ids.sort_unstable();
    refresh_sessions(tx, &session_ids).await?;
    Ok(Written { traces: ids, spans: spans.len() })
}

/// The sessions the stored traces of this batch already belong to: their
/// totals move too, so they are locked with the named ones, in one order.
async fn sessions_of(tx: &mut Tx, traces: &[TraceRow]) -> Result<Vec<String>, AppError> {
    let mut known = Vec::new();
    for chunk in traces.chunks(500) {
        let mut q = query(
            "SELECT DISTINCT s.session_id FROM observ_traces t JOIN observ_sessions s ON s.id = t.observ_session_id \
             WHERE t.trace_id IN (",
        );
        q.push_list(chunk.iter().map(|t| t.trace_id.clone())).push(")");
        known.extend(q.build_query_scalar::<String>().fetch_all(&mut *tx).await?);
    }
    Ok(known)
}

async fn upsert_sessions(tx: &mut Tx, traces: &[TraceRow], known: &[String]) -> Result<HashMap<String, i64>, AppError> {
    let blank = TraceRow::default();
    let mut sessions: BTreeMap<&str, (&TraceRow, Option<&str>)> = BTreeMap::new();
    for t in traces {
        if let Some(id) = t.session_id.as_deref().filter(|s| !s.is_empty()) {
            let entry = sessions.entry(id).or_insert((t, None));
            if entry.1.is_none() {
                entry.1 = t.user_id.as_deref();
            }
        }
    }
    for id in known {
        sessions.entry(id.as_str()).or_insert((&blank, None));
    }
    let mut ids = HashMap::new();
    let rows: Vec<_> = sessions.into_iter().collect();
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let mut q = query(
            "INSERT INTO observ_sessions (session_id, user_id, start_time, end_time, created_at, updated_at) VALUES ",
        );
        for (n, (session, (trace, user))) in chunk.iter().enumerate() {
            q.push(if n == 0 { "(" } else { ", (" }).push_bind(session.to_string()).push(", ");
            q.push_bind(user.map(str::to_string)).push(", COALESCE(").push_bind(trace.start_time.clone());
            q.push(format!(", {NOW}), "));
            q.push_bind(trace.end_time.clone()).push(format!(", {NOW}, {NOW})"));
        }
        q.push(
            " ON CONFLICT (session_id) DO UPDATE SET user_id = COALESCE(excluded.user_id, observ_sessions.user_id), \
             updated_at = excluded.updated_at RETURNING id, session_id",
        );
        for (id, key) in q.build_query_as::<(i64, String)>().fetch_all(&mut *tx).await? {
            ids.insert(key, id);
        }
    }
    Ok(ids)
}

async fn upsert_traces(
    tx: &mut Tx,
    traces: &[TraceRow],
    sessions: &HashMap<String, i64>,
) -> Result<HashMap<String, i64>, AppError> {
    let d = tx.dialect();
    let mut ids = HashMap::new();
    for chunk in traces.chunks(ROWS_PER_STATEMENT) {
        let mut q = query(
            "INSERT INTO observ_traces (trace_id, observ_session_id, name, start_time, end_time, input, output, \
             metadata, tags, user_id, release, version, environment, created_at, updated_at) VALUES ",
        );
        for (n, t) in chunk.iter().enumerate() {
            let session = t.session_id.as_ref().and_then(|s| sessions.get(s)).copied();
            let tags = t.tags.as_ref().map(|tags| serde_json::to_string(tags).unwrap_or_else(|_| "[]".into()));
            q.push(if n == 0 { "(" } else { ", (" }).push_bind(&t.trace_id).push(", ").push_bind(session);
            q.push(", ").push_bind(t.name.clone()).push(", COALESCE(").push_bind(t.start_time.clone());
            q.push(format!(", {NOW}), ")).push_bind(t.end_time.clone()).push(", ");
            push_json(&mut q, t.input.as_ref()).push(", ");
            push_json(&mut q, t.output.as_ref()).push(", ");
            push_json(&mut q, t.metadata.as_ref()).push(", ").push_bind(json(tags)).push(", ");
            q.push_bind(t.user_id.clone()).push(", ").push_bind(t.release.clone()).push(", ");
            q.push_bind(t.version.clone()).push(", ").push_bind(t.environment.clone());
            q.push(format!(", {NOW}, {NOW})"));
        }
        let keep = |c: &str| format!("{c} = COALESCE(excluded.{c}, observ_traces.{c})");
        q.push(format!(
            " ON CONFLICT (trace_id) DO UPDATE SET {}, {}, {}, {}, {}, {}, {}, {}, {}, \
             start_time = {}, end_time = {}, metadata = {}, updated_at = excluded.updated_at \
             RETURNING id, trace_id",
            keep("observ_session_id"),
            keep("name"),
            keep("input"),
            keep("output"),
            keep("tags"),
            keep("user_id"),
            keep("release"),
            keep("version"),
            keep("environment"),
            d.least("excluded.start_time", "observ_traces.start_time"),
            d.greatest("excluded.end_time", "observ_traces.end_time"),
            d.json_merge("observ_traces.metadata", "excluded.metadata"),
        ));
        for (id, key) in q.build_query_as::<(i64, String)>().fetch_all(&mut *tx).await? {
            ids.insert(key, id);
        }
    }
    Ok(ids)
}

fn push_json<'a>(q: &'a mut Query, value: Option<&Value>) -> &'a mut Query {
    q.push_bind(json(value.map(Value::to_string)))
}

async fn upsert_observations(tx: &mut Tx, chunk: &[SpanRow], traces: &HashMap<String, i64>) -> Result<(), AppError> {
    let d = tx.dialect();
    let mut q = query(
        "INSERT INTO observ_observations (observation_id, observ_trace_id, parent_observation_id, type, name, \
         start_time, end_time, level, status_message, model, model_parameters, input, output, usage, cost_usd, \
         cost_details, completion_start_time, environment, version, metadata, created_at, updated_at) VALUES ",
    );
    for (n, s) in chunk.iter().enumerate() {
        let trace = traces.get(&s.trace_id).copied().unwrap_or_default();
        q.push(if n == 0 { "(" } else { ", (" }).push_bind(&s.observation_id).push(", ").push_bind(trace);
        q.push(", ").push_bind(s.parent_observation_id.clone()).push(", ").push_bind(&s.kind).push(", ");
        q.push_bind(s.name.clone()).push(", COALESCE(").push_bind(s.start_time.clone()).push(format!(", {NOW}), "));
        q.push_bind(s.end_time.clone()).push(", COALESCE(").push_bind(s.level.clone()).push(", 'DEFAULT'), ");
        q.push_bind(s.status_message.clone()).push(", ").push_bind(s.model.clone()).push(", ");
        push_json(&mut q, s.model_parameters.as_ref()).push(", ");
        push_json(&mut q, s.input.as_ref()).push(", ");
        push_json(&mut q, s.output.as_ref()).push(", ");
        push_json(&mut q, s.usage.as_ref()).push(", ").push_bind(s.cost_usd).push(", ");
        push_json(&mut q, s.cost_details.as_ref()).push(", ");
        q.push_bind(s.completion_start_time.clone()).push(", ").push_bind(s.environment.clone()).push(", ");
        q.push_bind(s.version.clone()).push(", ");
        push_json(&mut q, s.metadata.as_ref()).push(format!(", {NOW}, {NOW})"));
    }
    let keep = |c: &str| format!("{c} = COALESCE(excluded.{c}, observ_observations.{c})");
    let kept = [
        "parent_observation_id",
        "name",
        "end_time",
        "status_message",
        "model",
        "model_parameters",
        "input",
        "output",
        "usage",
        "cost_usd",
        "cost_details",
        "completion_start_time",
        "environment",
        "version",
    ]
    .map(keep)
    .join(", ");
    // A start time given explicitly wins; the insert's default (now) must not
    // move a stored one, so it is kept unless the update names one.
    q.push(format!(
        " ON CONFLICT (observation_id) DO UPDATE SET {kept}, observ_trace_id = excluded.observ_trace_id, \
         type = excluded.type, start_time = {}, level = CASE WHEN excluded.level = 'DEFAULT' THEN \
         observ_observations.level ELSE excluded.level END, metadata = {}, updated_at = excluded.updated_at",
        d.least("excluded.start_time", "observ_observations.start_time"),
        d.json_merge("observ_observations.metadata", "excluded.metadata"),
    ));
    q.execute(&mut *tx).await?;
    Ok(())
}

/// Sums each trace's observations into it — cost, tokens, error flag — in
/// one aggregate joined back onto the traces, and sets its latency.
async fn refresh_traces(tx: &mut Tx, ids: &[i64]) -> Result<(), AppError> {
    let d = tx.dialect();
    let tokens = format!(
        "COALESCE({}, COALESCE({}, 0) + COALESCE({}, 0))",
        d.json_int("o.usage", "total_tokens"),
        d.json_int("o.usage", "input_tokens"),
        d.json_int("o.usage", "output_tokens")
    );
    for chunk in ids.chunks(500) {
        let mut q = query(format!(
            "UPDATE observ_traces SET total_cost = a.cost, total_tokens = a.tokens, has_error = a.errors, latency_ms = {} \
             FROM (SELECT o.observ_trace_id AS trace, COALESCE(sum(o.cost_usd), 0) AS cost, \
                   COALESCE(sum({tokens}), 0) AS tokens, max(CASE WHEN o.level = 'ERROR' THEN 1 ELSE 0 END) AS errors \
                   FROM observ_observations o WHERE o.observ_trace_id IN (",
            d.ms_between("observ_traces.start_time", "observ_traces.end_time")
        ));
        q.push_list(chunk.iter().copied());
        q.push(") GROUP BY o.observ_trace_id) a WHERE observ_traces.id = a.trace");
        q.execute(&mut *tx).await?;
    }
    Ok(())
}

/// Keeps `observ_trace_models` (which models a trace called, by its start
/// time) for these traces: the explorer's model filter reads it.
pub(super) async fn index_models(tx: &mut Tx, ids: &[i64]) -> Result<(), AppError> {
    for chunk in ids.chunks(500) {
        let mut q = query(
            "INSERT INTO observ_trace_models (model, trace_id, start_time) \
             SELECT DISTINCT o.model, t.id, t.start_time FROM observ_observations o \
             JOIN observ_traces t ON t.id = o.observ_trace_id WHERE o.model IS NOT NULL AND t.id IN (",
        );
        q.push_list(chunk.iter().copied());
        q.push(") ON CONFLICT (model, trace_id) DO UPDATE SET start_time = excluded.start_time");
        q.execute(&mut *tx).await?;
    }
    Ok(())
}

/// Rolls traces up into their sessions: count, cost, tokens, first and last
/// seen — one aggregate over the sessions' traces (through their index),
/// joined back onto the session rows.
pub(super) async fn refresh_sessions(tx: &mut Tx, ids: &[i64]) -> Result<(), AppError> {
    for chunk in ids.chunks(500) {
        let mut q = query(
            "UPDATE observ_sessions SET total_traces_count = a.traces, total_cost = a.cost, total_tokens = a.tokens, \
             start_time = COALESCE(a.first_seen, observ_sessions.start_time), end_time = a.last_seen \
             FROM (SELECT t.observ_session_id AS session, count(*) AS traces, COALESCE(sum(t.total_cost), 0) AS cost, \
                   COALESCE(sum(t.total_tokens), 0) AS tokens, min(t.start_time) AS first_seen, \
                   max(COALESCE(t.end_time, t.start_time)) AS last_seen \
                   FROM observ_traces t WHERE t.observ_session_id IN (",
        );
        q.push_list(chunk.iter().copied());
        q.push(") GROUP BY t.observ_session_id) a WHERE observ_sessions.id = a.session");
        q.execute(&mut *tx).await?;
    }
    Ok(())
}
