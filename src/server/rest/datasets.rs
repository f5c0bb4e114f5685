//! `/api/v1/datasets`: list, create, read, update, delete.

use super::body::{limit, Fields, JsonObject};
use crate::model::dataset::{Dataset, DatasetDraft};
use crate::model::evaluator::parse_evaluators;
use crate::model::page::CursorPage;
use crate::model::paired::CompareWithStats;
use crate::model::FieldErrors;
use crate::server::agents::AgentRegistry;
use crate::server::db;
use crate::server::error::AppError;
use crate::server::evaluators::check_json_on_server;
use crate::server::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

/// Keys a client may send back from a GET without them being errors.
const OUTPUT_ONLY: &[&str] = &[
    "id",
    "items_count",
    "active_items_count",
    "runs_count",
    "baseline_run_id",
    "last_run",
    "created_at",
    "updated_at",
];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/datasets", get(list).post(create))
        .route("/datasets/{id}", get(show).patch(update).delete(destroy))
        .route("/datasets/{id}/compare", get(compare))
}

#[derive(Deserialize)]
struct ListQuery {
    search: Option<String>,
    cursor: Option<String>,
    limit: Option<String>,
}

async fn list(
    State(state): State<AppState>,
    Query(q): Query<ListQuery>,
) -> Result<Json<CursorPage<Dataset>>, AppError> {
    let limit = limit(q.limit.as_deref())?;
    Ok(Json(db::datasets::cursor_page(&state.db, q.search, q.cursor.as_deref(), limit).await?))
}

#[derive(Deserialize)]
struct CompareQuery {
    runs: Option<String>,
    baseline: Option<String>,
}

/// One payload for the comparison view (API.md: compare).
async fn compare(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<CompareQuery>,
) -> Result<Json<CompareWithStats>, AppError> {
    let runs = db::compare::parse_run_ids(q.runs.as_deref().unwrap_or_default())?;
    let payload = db::compare::load(&state.db, id, &runs).await?;
    let baseline = match q.baseline.as_deref().map(str::trim).filter(|b| !b.is_empty()) {
        None => 0,
        Some(text) => {
            text.parse::<i64>().ok().and_then(|b| runs.iter().position(|r| *r == b)).ok_or_else(|| {
                AppError::field("baseline", format!("must be one of the compared runs ({text} is not)"))
            })?
        }
    };
    let comparisons = crate::model::paired::compare_runs(&payload, baseline);
    Ok(Json(CompareWithStats { baseline_run_id: runs[baseline], payload, comparisons }))
}

async fn show(State(state): State<AppState>, Path(id): Path<i64>) -> Result<Json<Dataset>, AppError> {
    Ok(Json(db::datasets::find(&state.db, id).await?))
}

/// Applies the body's fields over `base` (all of them for a create).
fn read_draft(body: JsonObject, mut draft: DatasetDraft, registry: &AgentRegistry) -> Result<DatasetDraft, AppError> {
    let agents = &registry.names();
    let mut f = Fields::new(body.0);
    if let Some(name) = f.string("name") {
        draft.name = name;
    }
    if let Some(description) = f.optional_string("description") {
        draft.description = description;
    }
    if let Some(agent) = f.string("agent_class") {
        draft.agent_class = agent;
    }
    if let Some(metadata) = f.object("metadata") {
        draft.metadata = metadata;
    }
    let mut evaluator_errors = FieldErrors::new();
    if let Some(evaluators) = f.value("evaluators") {
        evaluator_errors = check_json_on_server(&evaluators, registry);
        match parse_evaluators(&evaluators) {
            Ok(list) => draft.evaluators = list,
            Err(e) => {
                for (field, messages) in e.0 {
                    messages.into_iter().for_each(|m| evaluator_errors.add(field.clone(), m));
                }
            }
        }
    }
    let mut errors = f.finish(OUTPUT_ONLY);
    for (field, messages) in evaluator_errors.0 {
        messages.into_iter().for_each(|m| errors.add(field.clone(), m));
    }
    let draft = draft.normalized();
    // A field that already failed its type check is not re-reported as blank.
    for (field, messages) in draft.validate(agents).0 {
        if field.starts_with("evaluators[") && errors.0.keys().any(|k| k.starts_with("evaluators[")) {
            continue;
        }
        if !errors.0.contains_key(&field) {
            messages.into_iter().for_each(|m| errors.add(field.clone(), m));
        }
    }
    errors.into_result()?;
    Ok(draft)
}

async fn create(State(state): State<AppState>, body: JsonObject) -> Result<(StatusCode, Json<Dataset>), AppError> {
    let empty = DatasetDraft {
        name: String::new(),
        description: None,
        agent_class: String::new(),
        metadata: json!({}),
        evaluators: vec![],
    };
    let draft = read_draft(body, empty, &state.agents)?;
    let id = db::datasets::create(&state.db, &draft).await?;
    Ok((StatusCode::CREATED, Json(db::datasets::find_fresh(&state.db, id).await?)))
}

async fn update(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    body: JsonObject,
) -> Result<Json<Dataset>, AppError> {
    let current = db::datasets::find(&state.db, id).await?;
    let base = DatasetDraft {
        name: current.name,
        description: current.description,
        agent_class: current.agent_class,
        metadata: current.metadata,
        evaluators: current.evaluators,
    };
    let draft = read_draft(body, base, &state.agents)?;
    db::datasets::update(&state.db, id, &draft).await?;
    Ok(Json(db::datasets::find_fresh(&state.db, id).await?))
}

async fn destroy(State(state): State<AppState>, Path(id): Path<i64>) -> Result<StatusCode, AppError> {
    db::datasets::delete(&state.db, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
