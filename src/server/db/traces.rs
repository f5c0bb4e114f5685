//! Queries on `observ_sessions`, `observ_traces` and `observ_observations`.

use super::exec::{json, query, query_as, query_scalar, Query, Tx};
use super::Db;
use super::{Listing, NOW};
use crate::model::page::{KeysetPage, PageAt};
use crate::model::trace::{NewObservation, Session, Trace};
use crate::server::error::AppError;
use serde_json::Value;

pub(super) const SUMMARY_COLUMNS: &str = "t.id, t.trace_id, \
     (SELECT s.session_id FROM observ_sessions s WHERE s.id = t.observ_session_id) AS session_id, \
     t.observ_session_id AS session_row_id, t.name, COALESCE(t.tags, '[]') AS tags, t.user_id, t.environment, \
     t.release, t.start_time, t.end_time, t.latency_ms, (t.has_error = 1) AS has_error, \
     CAST(COALESCE(t.total_cost, 0) AS REAL) AS total_cost, COALESCE(t.total_tokens, 0) AS total_tokens";

const TRACE_COLUMNS: &str = "t.id, t.trace_id, \
     (SELECT s.session_id FROM observ_sessions s WHERE s.id = t.observ_session_id) AS session_id, \
     t.observ_session_id AS session_row_id, t.name, t.input, t.output, \
     COALESCE(t.metadata, '{}') AS metadata, COALESCE(t.tags, '[]') AS tags, t.user_id, t.environment, t.release, \
     t.version, t.start_time, t.end_time, t.latency_ms, (t.has_error = 1) AS has_error, \
     CAST(COALESCE(t.total_cost, 0) AS REAL) AS total_cost, COALESCE(t.total_tokens, 0) AS total_tokens";

const OBSERVATION_COLUMNS: &str = "o.id, o.observation_id, o.parent_observation_id, o.type, o.name, o.start_time, \
     o.end_time, o.level, o.status_message, o.model, o.model_parameters, o.input, o.output, o.usage, \
     CAST(COALESCE(o.cost_usd, 0) AS REAL) AS cost_usd, o.cost_details, o.completion_start_time, o.environment, \
     o.version, COALESCE(o.metadata, '{}') AS metadata";

const SESSION_COLUMNS: &str = "s.id, s.session_id, s.user_id, s.start_time, s.end_time, \
     COALESCE(s.metadata, '{}') AS metadata, COALESCE(s.total_traces_count, 0) AS total_traces_count, \
     COALESCE(s.total_tokens, 0) AS total_tokens, CAST(COALESCE(s.total_cost, 0) AS REAL) AS total_cost";

/// One trace with its observations in start order.
pub async fn find(db: &Db, id: i64) -> Result<Trace, AppError> {
    let pool = &db.read;
    let mut trace: Trace = query_as(format!("SELECT {TRACE_COLUMNS} FROM observ_traces t WHERE t.id = ?"))
        .bind(id)
        .fetch_optional(pool)
        .await?
        .ok_or_else(|| AppError::not_found("trace", id))?;
    trace.observations = query_as(format!(
        "SELECT {OBSERVATION_COLUMNS} FROM observ_observations o WHERE o.observ_trace_id = ? ORDER BY o.start_time, o.id"
    ))
    .bind(id)
    .fetch_all(pool)
    .await?;
    trace.scores = super::scores::for_trace(db, id).await?;
    Ok(trace)
}

/// The row id of a trace by its own id (an OTel trace id, a Langfuse id).
pub async fn id_of(db: &Db, trace_id: &str) -> Result<i64, AppError> {
    query_scalar("SELECT id FROM observ_traces WHERE trace_id = ?")
        .bind(trace_id)
        .fetch_optional(&db.read)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("trace `{trace_id}`")))
}

pub async fn session_page(db: &Db, at: PageAt, limit: i64) -> Result<KeysetPage<Session>, AppError> {
    let pool = &db.read;
    let no_filters = |_: &mut Query| {};
    let listing = Listing {
        columns: SESSION_COLUMNS,
        column_binds: &[],
        from: "observ_sessions s",
        id: "s.id",
        filters: &no_filters,
    };
    super::keyset_page(pool, &listing, at, limit, |s: &Session| s.id).await
}

pub async fn find_session(db: &Db, id: i64) -> Result<Session, AppError> {
    let pool = &db.read;
    query_as(format!("SELECT {SESSION_COLUMNS} FROM observ_sessions s WHERE s.id = ?"))
        .bind(id)
        .fetch_optional(pool)
        .await?
        .ok_or_else(|| AppError::not_found("session", id))
}

/// A session to record.
#[derive(Debug, Clone, Default)]
pub struct NewSession {
    pub session_id: String,
    pub user_id: Option<String>,
    pub metadata: Value,
}

/// A trace to record; totals are summed from its observations when it is finalized.
#[derive(Debug, Clone, Default)]
pub struct NewTrace {
    pub trace_id: String,
    /// When the work began; now when absent.
    pub start_time: Option<String>,
    pub name: String,
    pub input: Option<Value>,
    pub metadata: Value,
    pub tags: Vec<String>,
    pub user_id: Option<String>,
}

/// A trace as recorded: its row id and the totals summed from its observations.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RecordedTrace {
    pub id: i64,
    pub cost: f64,
    pub tokens: i64,
}

/// Records a session with one trace and its observations, and finalizes the
/// trace with `output`, in one transaction.
pub async fn record(
    db: &Db,
    session: &NewSession,
    trace: &NewTrace,
    observations: &[NewObservation],
    output: Option<&Value>,
) -> Result<RecordedTrace, AppError> {
    let pool = &db.write;
    let mut tx = pool.begin().await?;
    let recorded = record_in(&mut tx, session, trace, observations, output).await?;
    tx.commit().await?;
    Ok(recorded)
}

/// [`record`] inside a transaction of this module's callers.
pub(super) async fn record_in(
    conn: &mut Tx,
    session: &NewSession,
    trace: &NewTrace,
    observations: &[NewObservation],
    output: Option<&Value>,
) -> Result<RecordedTrace, AppError> {
    let session = insert_session(conn, &session.session_id, session.user_id.as_deref(), &session.metadata).await?;
    let id = insert_trace(conn, session, trace).await?;
    for observation in observations {
        insert_observation(conn, id, observation).await?;
    }
    let (cost, tokens) = finalize_trace(conn, id, output).await?;
    Ok(RecordedTrace { id, cost, tokens })
}

/// Creates a session (by its external id) and returns its row id.
async fn insert_session(
    conn: &mut Tx,
    session_id: &str,
    user_id: Option<&str>,
    metadata: &Value,
) -> Result<i64, AppError> {
    Ok(query_scalar(format!(
        "INSERT INTO observ_sessions (session_id, user_id, start_time, metadata, created_at, updated_at) \
         VALUES (?, ?, {NOW}, ?, {NOW}, {NOW}) RETURNING id"
    ))
    .bind(session_id)
    .bind(user_id)
    .bind(json(metadata.to_string()))
    .fetch_one(&mut *conn)
    .await?)
}

async fn insert_trace(conn: &mut Tx, session: i64, trace: &NewTrace) -> Result<i64, AppError> {
    Ok(query_scalar(format!(
        "INSERT INTO observ_traces (trace_id, observ_session_id, name, start_time, input, metadata, tags, user_id, created_at, updated_at) \
         VALUES (?, ?, ?, COALESCE(?, {NOW}), ?, ?, ?, ?, {NOW}, {NOW}) RETURNING id"
    ))
    .bind(&trace.trace_id)
    .bind(session)
    .bind(&trace.name)
    .bind(&trace.start_time)
    .bind(json(trace.input.as_ref().map(Value::to_string)))
    .bind(json(trace.metadata.to_string()))
    .bind(json(serde_json::to_string(&trace.tags).unwrap_or_else(|_| "[]".into())))
    .bind(&trace.user_id)
    .fetch_one(&mut *conn)
    .await?)
}

async fn insert_observation(conn: &mut Tx, trace: i64, o: &NewObservation) -> Result<i64, AppError> {
    Ok(query_scalar(format!(
        "INSERT INTO observ_observations (observation_id, observ_trace_id, parent_observation_id, type, name, \
         start_time, end_time, model, input, output, usage, cost_usd, status_message, created_at, updated_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, {NOW}, {NOW}) RETURNING id"
    ))
    .bind(&o.observation_id)
    .bind(trace)
    .bind(&o.parent_observation_id)
    .bind(&o.kind)
    .bind(&o.name)
    .bind(&o.start_time)
    .bind(&o.end_time)
    .bind(&o.model)
    .bind(json(o.input.as_ref().map(Value::to_string)))
    .bind(json(o.output.as_ref().map(Value::to_string)))
    .bind(json(o.usage.as_ref().map(Value::to_string)))
    .bind(o.cost_usd)
    .bind(&o.status_message)
    .fetch_one(&mut *conn)
    .await?)
}

/// Sets the output and end time, sums the observations' cost and tokens into the
/// trace, and rolls the trace into its session's totals. Returns the trace's
/// (cost, tokens).
async fn finalize_trace(conn: &mut Tx, trace: i64, output: Option<&Value>) -> Result<(f64, i64), AppError> {
    let d = conn.dialect();
    let tokens = format!(
        "COALESCE({}, COALESCE({}, 0) + COALESCE({}, 0))",
        d.json_int("usage", "total_tokens"),
        d.json_int("usage", "input_tokens"),
        d.json_int("usage", "output_tokens")
    );
    let latency = d.ms_between("start_time", NOW);
    let totals: (f64, i64) = query_as(format!(
        "UPDATE observ_traces SET output = ?2, end_time = {NOW}, updated_at = {NOW}, latency_ms = {latency}, \
         total_cost = (SELECT COALESCE(sum(cost_usd), 0) FROM observ_observations WHERE observ_trace_id = ?1), \
         total_tokens = (SELECT COALESCE(sum({tokens}), 0) FROM observ_observations WHERE observ_trace_id = ?1) \
         WHERE id = ?1 RETURNING CAST(total_cost AS REAL), total_tokens"
    ))
    .bind(trace)
    .bind(json(output.map(Value::to_string)))
    .fetch_one(&mut *conn)
    .await?;
    query(format!(
        "UPDATE observ_sessions SET end_time = {NOW}, updated_at = {NOW}, \
         total_traces_count = (SELECT count(*) FROM observ_traces WHERE observ_session_id = observ_sessions.id), \
         total_cost = (SELECT COALESCE(sum(total_cost), 0) FROM observ_traces WHERE observ_session_id = observ_sessions.id), \
         total_tokens = (SELECT COALESCE(sum(total_tokens), 0) FROM observ_traces WHERE observ_session_id = observ_sessions.id) \
         WHERE id = (SELECT observ_session_id FROM observ_traces WHERE id = ?)"
    ))
    .bind(trace)
    .execute(&mut *conn)
    .await?;
    Ok(totals)
}
