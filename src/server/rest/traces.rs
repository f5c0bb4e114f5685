//! `/api/v1/traces`: the observability core, read side.

use super::body::limit;
use crate::model::page::CursorPage;
use crate::model::trace::{Trace, TraceSummary};
use crate::server::db;
use crate::server::db::traces::TraceFilter;
use crate::server::error::AppError;
use crate::server::AppState;
use axum::extract::{Path, Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new().route("/traces", get(list)).route("/traces/{id}", get(show))
}

#[derive(Deserialize)]
struct ListQuery {
    name: Option<String>,
    session_id: Option<String>,
    run_id: Option<String>,
    cursor: Option<String>,
    limit: Option<String>,
}

async fn list(
    State(state): State<AppState>,
    Query(q): Query<ListQuery>,
) -> Result<Json<CursorPage<TraceSummary>>, AppError> {
    let limit = limit(q.limit.as_deref())?;
    let id = |field: &str, value: Option<&str>| match value.filter(|s| !s.is_empty()) {
        Some(text) => text.parse::<i64>().map(Some).map_err(|_| AppError::field(field, "must be an id (a number)")),
        None => Ok(None),
    };
    let filter = TraceFilter {
        name: q.name,
        session_id: id("session_id", q.session_id.as_deref())?,
        run_id: id("run_id", q.run_id.as_deref())?,
    };
    Ok(Json(db::traces::cursor_page(&state.db, filter, q.cursor.as_deref(), limit).await?))
}

async fn show(State(state): State<AppState>, Path(id): Path<i64>) -> Result<Json<Trace>, AppError> {
    Ok(Json(db::traces::find(&state.db, id).await?))
}
