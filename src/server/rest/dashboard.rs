//! `/api/v1/dashboard?range=24h|7d|30d` (the dashboard's figures) and
//! `/api/v1/events` (install-wide changes, server-sent).

use crate::model::dashboard::{Dashboard, Range};
use crate::server::db;
use crate::server::error::AppError;
use crate::server::AppState;
use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new().route("/dashboard", get(show)).route("/events", get(crate::server::sse::install::install_events))
}

async fn show(
    State(state): State<AppState>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Json<Dashboard>, AppError> {
    let text = params.get("range").map(String::as_str).unwrap_or_default();
    let range = Range::parse(text).ok_or_else(|| AppError::field("range", "must be 24h, 7d or 30d"))?;
    Ok(Json(db::stats::dashboard(&state.db, range, crate::model::stats::now_ms()).await?))
}
