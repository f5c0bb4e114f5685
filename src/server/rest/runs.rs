//! `/api/v1/datasets/{id}/runs` and `/api/v1/runs/{id}`: start, read, list items,
//! cancel, retry, delete, and the live event stream.

use super::body::{limit, Fields, JsonObject};
use crate::model::calibration::Calibration;
use crate::model::page::CursorPage;
use crate::model::repetitions::RepetitionReport;
use crate::model::run::{DatasetRun, RunDraft, DEFAULT_CONCURRENCY};
use crate::model::run_item::{RunItem, RunItemStatus};
use crate::server::db;
use crate::server::error::AppError;
use crate::server::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::Value;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/datasets/{id}/runs", get(list).post(start))
        .route("/runs/{id}", get(show).delete(destroy))
        .route("/runs/{id}/items", get(items))
        .route("/runs/{id}/cancel", post(cancel))
        .route("/runs/{id}/retry", post(retry))
        .route("/runs/{id}/evaluate", post(evaluate))
        .route("/datasets/{id}/items/{item_id}/runs", get(item_history))
        .route("/runs/{id}/events", get(super::super::sse::run_events))
        .route("/runs/{id}/repetitions", get(repetitions))
        .route("/runs/{id}/calibration", get(calibration))
}

async fn list(State(state): State<AppState>, Path(id): Path<i64>) -> Result<Json<Value>, AppError> {
    db::datasets::ensure_exists(&state.db, id).await?;
    let mut runs = Vec::new();
    for summary in db::runs::for_dataset(&state.db, id, 500).await? {
        runs.push(db::runs::find(&state.db, summary.id).await?);
    }
    Ok(Json(serde_json::json!({ "data": runs, "next_cursor": null })))
}

/// An item's history: every run's output and scores for it, newest first.
async fn item_history(
    State(state): State<AppState>,
    Path((id, item_id)): Path<(i64, i64)>,
) -> Result<Json<Value>, AppError> {
    db::items::find(&state.db, id, item_id).await?;
    let runs = db::run_items::history(&state.db, item_id).await?;
    Ok(Json(serde_json::json!({ "data": runs, "next_cursor": null })))
}

/// Scores a finished run again with the dataset's current evaluators.
async fn evaluate(State(state): State<AppState>, Path(id): Path<i64>) -> Result<Json<Value>, AppError> {
    let report = crate::server::evaluators::evaluate_run(&state.db, &state.agents, id).await?;
    let run = db::runs::find(&state.db, id).await?;
    Ok(Json(
        serde_json::json!({ "evaluated": report.evaluated, "scores": report.scores, "errors": report.errors, "run": run }),
    ))
}

fn whole_number(f: &mut Fields, key: &str, default: i64) -> i64 {
    match f.value(key) {
        None | Some(Value::Null) => default,
        Some(v) => v.as_i64().unwrap_or_else(|| {
            f.add(key, "must be a whole number");
            default
        }),
    }
}

async fn start(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    body: JsonObject,
) -> Result<(StatusCode, Json<DatasetRun>), AppError> {
    let mut f = Fields::new(body.0);
    let given = f.optional_string("name").flatten().map(|name| name.trim().to_string());
    let free_name = given.is_none();
    let name = match given {
        Some(name) => name,
        None => db::runs::suggest_name(&state.db, id).await?,
    };
    let description = f.optional_string("description").flatten().filter(|d| !d.trim().is_empty());
    let concurrency = whole_number(&mut f, "concurrency", DEFAULT_CONCURRENCY);
    let repetitions = whole_number(&mut f, "repetitions", 1);
    let mut errors = f.finish(&[]);
    let draft = RunDraft { name, description, concurrency, repetitions };
    for (field, messages) in draft.validate().0 {
        if !errors.0.contains_key(&field) {
            messages.into_iter().for_each(|m| errors.add(field.clone(), m));
        }
    }
    errors.into_result()?;
    let run = if free_name {
        state.runner.start_with_free_name(id, &draft).await?
    } else {
        state.runner.start(id, &draft).await?
    };
    Ok((StatusCode::CREATED, Json(run)))
}

/// pass@k, pass^k, each score's spread and the flaky items of a run.
async fn repetitions(State(state): State<AppState>, Path(id): Path<i64>) -> Result<Json<RepetitionReport>, AppError> {
    Ok(Json(db::repetitions::of_run(&state.db, id).await?))
}

/// Each LLM judge's agreement with the run's manual labels.
async fn calibration(State(state): State<AppState>, Path(id): Path<i64>) -> Result<Json<Calibration>, AppError> {
    Ok(Json(db::calibration::of_run(&state.db, id).await?))
}

async fn show(State(state): State<AppState>, Path(id): Path<i64>) -> Result<Json<DatasetRun>, AppError> {
    Ok(Json(db::runs::find(&state.db, id).await?))
}

#[derive(Deserialize)]
struct ItemsQuery {
    status: Option<String>,
    cursor: Option<String>,
    limit: Option<String>,
}

async fn items(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<ItemsQuery>,
) -> Result<Json<CursorPage<RunItem>>, AppError> {
    let limit = limit(q.limit.as_deref())?;
    let status = match q.status.as_deref().filter(|s| !s.is_empty()) {
        Some(text) => Some(RunItemStatus::parse(text).ok_or_else(|| {
            AppError::field("status", format!("must be pending, running, succeeded, failed or cancelled, got `{text}`"))
        })?),
        None => None,
    };
    db::runs::find_progress(&state.db, id).await?;
    Ok(Json(db::run_items::cursor_page(&state.db, id, status, q.cursor.as_deref(), limit).await?))
}

async fn cancel(State(state): State<AppState>, Path(id): Path<i64>) -> Result<Json<DatasetRun>, AppError> {
    Ok(Json(state.runner.cancel(id).await?))
}

async fn retry(State(state): State<AppState>, Path(id): Path<i64>) -> Result<Json<DatasetRun>, AppError> {
    Ok(Json(state.runner.retry(id).await?))
}

async fn destroy(State(state): State<AppState>, Path(id): Path<i64>) -> Result<StatusCode, AppError> {
    let run = db::runs::find_progress(&state.db, id).await?;
    if !run.status.is_finished() {
        return Err(AppError::Conflict("run: cancel it before deleting it".into()));
    }
    db::runs::delete(&state.db, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
