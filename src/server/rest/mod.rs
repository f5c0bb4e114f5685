//! The public REST API, `/api/v1` (contract in API.md): JSON in and out, cursor
//! pagination, errors as `{"error": {code, message, fields?}}`.

mod access;
pub(crate) mod body;
mod dashboard;
mod datasets;
mod gate;
mod items;
mod runs;
mod scores;
mod traces;
mod transfer;

use super::AppState;
use axum::extract::{DefaultBodyLimit, State};
use axum::routing::get;
use axum::{Json, Router};
use body::BODY_LIMIT_MB;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/agents", get(list_agents))
        .merge(access::routes())
        .merge(dashboard::routes())
        .merge(datasets::routes())
        .merge(gate::routes())
        .merge(items::routes())
        .merge(runs::routes())
        .merge(scores::routes())
        .merge(traces::routes())
        .merge(transfer::routes())
        .fallback(|| async { super::error::AppError::NotFound("API route".into()) })
        .layer(DefaultBodyLimit::max(BODY_LIMIT_MB * 1024 * 1024))
}

async fn list_agents(State(state): State<AppState>) -> Json<Vec<crate::model::agent::AgentInfo>> {
    Json(state.agents.list())
}
