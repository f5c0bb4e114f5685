//! `/api/v1/datasets/{id}/items`: list, create one or many (all or nothing),
//! read, update (incl. status), delete.

use super::body::{limit, Fields, JsonObject};
use crate::model::item::{DatasetItem, ItemDraft, ItemStatus};
use crate::model::page::CursorPage;
use crate::model::FieldErrors;
use crate::server::db;
use crate::server::db::items::ItemFilter;
use crate::server::error::AppError;
use crate::server::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Map, Value};

/// Most items one bulk request may create.
pub const BULK_MAX: usize = 10_000;

const OUTPUT_ONLY: &[&str] = &["id", "dataset_id", "source_trace_id", "created_at", "updated_at"];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/datasets/{id}/items", get(list).post(create))
        .route("/datasets/{id}/items/{item_id}", get(show).patch(update).delete(destroy))
}

#[derive(Deserialize)]
struct ListQuery {
    status: Option<String>,
    search: Option<String>,
    cursor: Option<String>,
    limit: Option<String>,
}

fn parse_status(text: &str) -> Result<ItemStatus, String> {
    ItemStatus::parse(text).ok_or_else(|| format!("must be `active` or `archived`, got `{text}`"))
}

async fn list(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<ListQuery>,
) -> Result<Json<CursorPage<DatasetItem>>, AppError> {
    let limit = limit(q.limit.as_deref())?;
    let status = match q.status.as_deref().filter(|s| !s.is_empty()) {
        Some(text) => Some(parse_status(text).map_err(|m| AppError::field("status", m))?),
        None => None,
    };
    db::datasets::ensure_exists(&state.db, id).await?;
    let filter = ItemFilter { status, search: q.search };
    Ok(Json(db::items::cursor_page(&state.db, id, filter, q.cursor.as_deref(), limit).await?))
}

async fn show(
    State(state): State<AppState>,
    Path((id, item_id)): Path<(i64, i64)>,
) -> Result<Json<DatasetItem>, AppError> {
    Ok(Json(db::items::find(&state.db, id, item_id).await?))
}

/// Applies an item object's fields over `draft`; `creating` requires `input`.
fn read_item(mut f: Fields, mut draft: ItemDraft, creating: bool) -> (ItemDraft, FieldErrors) {
    match f.value("input") {
        Some(Value::Null) => f.add("input", "can't be blank"),
        Some(value) => draft.input = value,
        None if creating => f.add("input", "can't be blank"),
        None => {}
    }
    if let Some(expected) = f.value("expected_output") {
        draft.expected_output = Some(expected).filter(|v| !v.is_null());
    }
    if let Some(metadata) = f.object("metadata") {
        draft.metadata = metadata;
    }
    if let Some(status) = f.string("status") {
        match parse_status(&status) {
            Ok(s) => draft.status = s,
            Err(m) => f.add("status", &m),
        }
    }
    (draft, f.finish(OUTPUT_ONLY))
}

async fn create(State(state): State<AppState>, Path(id): Path<i64>, body: JsonObject) -> Result<Response, AppError> {
    let mut map = body.0;
    if map.contains_key("items") && !map.contains_key("input") {
        let items = map.remove("items").unwrap_or_default();
        let errors = Fields::new(map).finish(&[]);
        return create_many(state, id, items, errors).await;
    }
    let (draft, errors) = read_item(Fields::new(map), ItemDraft::new(Value::Null), true);
    errors.into_result()?;
    let item_id = db::items::create(&state.db, id, &draft).await?;
    let item = db::items::find_fresh(&state.db, id, item_id).await?;
    Ok((StatusCode::CREATED, Json(item)).into_response())
}

/// `{"items": [...]}`: every item is validated before anything is written.
async fn create_many(state: AppState, id: i64, items: Value, mut errors: FieldErrors) -> Result<Response, AppError> {
    let Value::Array(items) = items else {
        return Err(AppError::field("items", "must be an array of items"));
    };
    if items.is_empty() {
        errors.add("items", "can't be empty");
    } else if items.len() > BULK_MAX {
        errors.add("items", format!("at most {BULK_MAX} items per request, got {}", items.len()));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let mut drafts = Vec::with_capacity(items.len());
    for (n, item) in items.into_iter().enumerate() {
        let map = match item {
            Value::Object(map) => map,
            _ => {
                errors.add(format!("items[{n}]"), "must be a JSON object");
                Map::new()
            }
        };
        let (draft, item_errors) =
            read_item(Fields::nested(map, format!("items[{n}]")), ItemDraft::new(Value::Null), true);
        item_errors.0.into_iter().for_each(|(f, ms)| ms.into_iter().for_each(|m| errors.add(f.clone(), m)));
        drafts.push(draft);
    }
    errors.into_result()?;
    let ids = db::items::create_many(&state.db, id, &drafts).await?;
    Ok((StatusCode::CREATED, Json(json!({"created": ids.len(), "ids": ids}))).into_response())
}

async fn update(
    State(state): State<AppState>,
    Path((id, item_id)): Path<(i64, i64)>,
    body: JsonObject,
) -> Result<Json<DatasetItem>, AppError> {
    let current = db::items::find(&state.db, id, item_id).await?;
    let base = ItemDraft {
        status: current.status,
        input: current.input,
        expected_output: current.expected_output,
        metadata: current.metadata,
        source_trace_id: current.source_trace_id,
    };
    let (draft, errors) = read_item(Fields::new(body.0), base, false);
    errors.into_result()?;
    db::items::update(&state.db, id, item_id, &draft).await?;
    Ok(Json(db::items::find_fresh(&state.db, id, item_id).await?))
}

async fn destroy(State(state): State<AppState>, Path((id, item_id)): Path<(i64, i64)>) -> Result<StatusCode, AppError> {
    db::items::delete(&state.db, id, item_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
