//! Baselines and the CI gate: `POST /api/v1/runs/{id}/baseline` marks a run as
//! its dataset's baseline, `DELETE /api/v1/datasets/{id}/baseline` clears it,
//! and `POST /api/v1/datasets/{id}/gate` judges a finished run against the
//! baseline with the compare page's statistics.

use super::body::JsonObject;
use crate::model::dataset::Dataset;
use crate::model::gate::{evaluate_gate, GateConditions, GateResult};
use crate::server::db;
use crate::server::error::AppError;
use crate::server::AppState;
use axum::extract::{Path, State};
use axum::routing::{delete, post};
use axum::{Json, Router};
use serde_json::Value;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/runs/{id}/baseline", post(mark))
        .route("/datasets/{id}/baseline", delete(clear))
        .route("/datasets/{id}/gate", post(gate))
}

async fn mark(State(state): State<AppState>, Path(id): Path<i64>) -> Result<Json<Dataset>, AppError> {
    let run = db::runs::find(&state.db, id).await?;
    db::datasets::set_baseline(&state.db, run.dataset_id, Some(id)).await?;
    Ok(Json(db::datasets::find_fresh(&state.db, run.dataset_id).await?))
}

async fn clear(State(state): State<AppState>, Path(id): Path<i64>) -> Result<Json<Dataset>, AppError> {
    db::datasets::set_baseline(&state.db, id, None).await?;
    Ok(Json(db::datasets::find_fresh(&state.db, id).await?))
}

fn run_id(body: &mut serde_json::Map<String, Value>, key: &str) -> Result<Option<i64>, AppError> {
    match body.remove(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) if n.as_i64().is_some() => Ok(n.as_i64()),
        Some(_) => Err(AppError::field(key, "must be a run id (a number)")),
    }
}

async fn gate(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    JsonObject(mut body): JsonObject,
) -> Result<Json<GateResult>, AppError> {
    let run = run_id(&mut body, "run_id")?.ok_or_else(|| AppError::field("run_id", "required"))?;
    let dataset = db::datasets::find_fresh(&state.db, id).await?;
    let baseline = match run_id(&mut body, "baseline_run_id")?.or(dataset.baseline_run_id) {
        Some(b) => b,
        None => {
            return Err(AppError::field(
                "baseline_run_id",
                "required: the dataset has no baseline (mark one with POST /api/v1/runs/{id}/baseline)",
            ))
        }
    };
    if baseline == run {
        return Err(AppError::field("baseline_run_id", "must be another run than run_id"));
    }
    let conditions: GateConditions = match body.remove("conditions") {
        None | Some(Value::Null) => GateConditions::default(),
        Some(value) => serde_json::from_value(value).map_err(|e| AppError::field("conditions", e.to_string()))?,
    };
    if let Some(key) = body.keys().next() {
        return Err(AppError::field(key, "is not a known field (run_id, baseline_run_id, conditions)"));
    }
    let candidate =
        db::runs::find(&state.db, run).await.map_err(|_| AppError::field("run_id", format!("no run {run}")))?;
    if !candidate.status.is_finished() {
        return Err(AppError::Conflict(format!(
            "run {run} is still {}: gate a finished run",
            candidate.status.as_str()
        )));
    }
    let payload = db::compare::load(&state.db, id, &[baseline, run]).await?;
    Ok(Json(evaluate_gate(&payload, 1, 0, &conditions)))
}
