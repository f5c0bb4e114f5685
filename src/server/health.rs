//! Probes for load balancers and orchestrators, answered without credentials
//! and for any `Host`: `/healthz` says the process is up, `/readyz` that the
//! database answers and carries exactly this binary's migrations (503 otherwise).

use super::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

pub fn routes() -> Router<AppState> {
    Router::new().route("/healthz", get(healthz)).route("/readyz", get(readyz))
}

async fn healthz() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    match state.db.readiness().await {
        Ok(version) => (StatusCode::OK, Json(json!({"status": "ready", "migration": version}))),
        Err(problem) => (StatusCode::SERVICE_UNAVAILABLE, Json(json!({"status": "not ready", "problem": problem}))),
    }
}
