//! `/api/v1/traces`: the observability core, read side. The list takes the
//! explorer's filters, search and sorts; one trace is found by its row id or
//! by its own id (an OTel trace id, a Langfuse id).

use super::body::limit;
use crate::model::explorer::{TraceQuery, TraceSort};
use crate::model::page::CursorPage;
use crate::model::trace::{Trace, TraceSummary};
use crate::model::FieldErrors;
use crate::server::db;
use crate::server::error::AppError;
use crate::server::AppState;
use axum::extract::{Path, Query, State};
use axum::routing::get;
use axum::{Json, Router};
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new().route("/traces", get(list)).route("/traces/{id}", get(show))
}

/// The explorer's query from a query string; every bad parameter is named.
pub fn trace_query(params: &HashMap<String, String>) -> Result<TraceQuery, AppError> {
    let mut errors = FieldErrors::new();
    let text = |k: &str| params.get(k).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
    let mut number = |k: &str, what: &str| -> Option<f64> {
        let v = text(k)?;
        match v.parse::<f64>() {
            Ok(n) if n.is_finite() && n >= 0.0 => Some(n),
            _ => {
                errors.add(k, format!("must be {what}, got `{v}`"));
                None
            }
        }
    };
    let run_id = number("run_id", "a run id (a number)").map(|n| n as i64);
    let min_cost = number("min_cost", "a cost in USD (a number, 0 or more)");
    let min_latency_ms = number("min_latency_ms", "milliseconds (a number, 0 or more)").map(|n| n as i64);
    let mut time = |k: &str| {
        let v = text(k)?;
        let normalized = crate::server::public::normalize_time(&v);
        if normalized.is_none() {
            errors.add(k, format!("must be an RFC 3339 time like 2026-11-30T12:00:00Z, got `{v}`"));
        }
        normalized
    };
    let (from, to) = (time("from"), time("to"));
    let has_error = match text("has_error").as_deref() {
        None => None,
        Some("true" | "1") => Some(true),
        Some("false" | "0") => Some(false),
        Some(other) => {
            errors.add("has_error", format!("must be true or false, got `{other}`"));
            None
        }
    };
    let sort = match text("sort") {
        None => TraceSort::Time,
        Some(s) => TraceSort::parse(&s).unwrap_or_else(|| {
            errors.add("sort", format!("must be time, cost, latency or tokens, got `{s}`"));
            TraceSort::Time
        }),
    };
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    Ok(TraceQuery {
        name: text("name"),
        user_id: text("user_id"),
        session_id: text("session_id"),
        run_id,
        tags: text("tags")
            .map(|t| t.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect())
            .unwrap_or_default(),
        environment: text("environment"),
        release: text("release"),
        model: text("model"),
        has_error,
        from,
        to,
        min_cost,
        min_latency_ms,
        search: text("search").or_else(|| text("q")),
        sort,
        cursor: text("cursor"),
    })
}

async fn list(
    State(state): State<AppState>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Json<CursorPage<TraceSummary>>, AppError> {
    let limit = limit(params.get("limit").map(String::as_str))?;
    let query = trace_query(&params)?;
    Ok(Json(db::explorer::page(&state.db, &query, limit).await?))
}

async fn show(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<Trace>, AppError> {
    let row = match id.parse::<i64>() {
        Ok(row) => row,
        Err(_) => db::traces::id_of(&state.db, &id).await?,
    };
    Ok(Json(db::traces::find(&state.db, row).await?))
}
