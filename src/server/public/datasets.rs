//! `/api/public/v2/datasets`, `/api/public/datasets/{name}` and
//! `/api/public/dataset-items`: Observ datasets and items in Langfuse's shape.
//! A dataset made here is run by the SDK that made it (its Observ agent is
//! the first registered one, `echo` by default, for server-side runs later).

use super::{page_and_limit, paginated};
use crate::model::dataset::DatasetDraft;
use crate::model::item::{ItemDraft, ItemStatus};
use crate::server::db;
use crate::server::db::public::{DatasetRow, ItemRow};
use crate::server::error::AppError;
use crate::server::rest::body::JsonObject;
use crate::server::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Map, Value};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v2/datasets", get(list).post(create))
        .route("/v2/datasets/{name}", get(show))
        .route("/datasets", get(list).post(create))
        .route("/datasets/{name}", get(show_with_items))
        .route("/dataset-items", get(list_items).post(create_item))
        .route("/dataset-items/{id}", get(show_item))
}

#[derive(Deserialize)]
struct PageQuery {
    page: Option<String>,
    limit: Option<String>,
    #[serde(rename = "datasetName")]
    dataset_name: Option<String>,
}

fn dataset_json(d: &DatasetRow) -> Value {
    json!({
        "id": d.id.to_string(),
        "name": d.name,
        "description": d.description,
        "metadata": d.metadata,
        "inputSchema": null,
        "expectedOutputSchema": null,
        "projectId": "observ",
        "createdAt": d.created_at,
        "updatedAt": d.updated_at,
    })
}

pub(super) fn item_json(i: &ItemRow) -> Value {
    json!({
        "id": i.id.to_string(),
        "status": if i.status == ItemStatus::Archived.code() { "ARCHIVED" } else { "ACTIVE" },
        "input": i.input,
        "expectedOutput": i.expected_output,
        "metadata": i.metadata,
        "sourceTraceId": i.source_trace_id,
        "sourceObservationId": null,
        "datasetId": i.dataset_id.to_string(),
        "datasetName": i.dataset_name,
        "mediaReferences": [],
        "createdAt": i.created_at,
        "updatedAt": i.updated_at,
    })
}

async fn list(State(state): State<AppState>, Query(q): Query<PageQuery>) -> Result<Json<Value>, AppError> {
    let (page, limit) = page_and_limit(q.page.as_deref(), q.limit.as_deref())?;
    let (rows, total) = db::public::datasets(&state.db, page, limit).await?;
    Ok(Json(paginated(rows.iter().map(dataset_json).collect(), page, limit, total)))
}

async fn show(State(state): State<AppState>, Path(name): Path<String>) -> Result<Json<Value>, AppError> {
    Ok(Json(dataset_json(&db::public::dataset_by_name(&state.db, &name).await?)))
}

/// The v1 shape: the dataset with its items and run names.
async fn show_with_items(State(state): State<AppState>, Path(name): Path<String>) -> Result<Json<Value>, AppError> {
    let dataset = db::public::dataset_by_name(&state.db, &name).await?;
    let (items, _) = db::public::items(&state.db, Some(dataset.id), 1, i64::MAX / 2).await?;
    let mut body = dataset_json(&dataset);
    body["items"] = Value::Array(items.iter().map(item_json).collect());
    body["runs"] = json!([]);
    Ok(Json(body))
}

fn optional_text(map: &mut Map<String, Value>, key: &str) -> Result<Option<String>, AppError> {
    match map.remove(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(AppError::field(key, "must be a string")),
    }
}

async fn create(
    State(state): State<AppState>,
    JsonObject(mut body): JsonObject,
) -> Result<(StatusCode, Json<Value>), AppError> {
    let name = optional_text(&mut body, "name")?.unwrap_or_default();
    let description = optional_text(&mut body, "description")?;
    let metadata = match body.remove("metadata") {
        None | Some(Value::Null) => json!({}),
        Some(v @ Value::Object(_)) => v,
        Some(other) => json!({"metadata": other}),
    };
    let agent = state.agents.names().into_iter().next().unwrap_or_else(|| "echo".into());
    let draft = DatasetDraft { name, description, agent_class: agent, metadata, evaluators: Vec::new() }.normalized();
    let errors = draft.validate(&state.agents.names());
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    // Langfuse upserts by name: creating an existing dataset answers it.
    let id = match db::datasets::create_if_name_free(&state.db, &draft).await? {
        Some(id) => id,
        None => db::public::dataset_by_name(&state.db, &draft.name).await?.id,
    };
    Ok((StatusCode::OK, Json(dataset_json(&db::public::dataset_by_id(&state.db, id).await?))))
}

async fn list_items(State(state): State<AppState>, Query(q): Query<PageQuery>) -> Result<Json<Value>, AppError> {
    let (page, limit) = page_and_limit(q.page.as_deref(), q.limit.as_deref())?;
    let dataset = match q.dataset_name.as_deref().filter(|n| !n.is_empty()) {
        Some(name) => Some(db::public::dataset_by_name(&state.db, name).await?.id),
        None => None,
    };
    let (rows, total) = db::public::items(&state.db, dataset, page, limit).await?;
    Ok(Json(paginated(rows.iter().map(item_json).collect(), page, limit, total)))
}

async fn show_item(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<Value>, AppError> {
    let id = id.parse::<i64>().map_err(|_| AppError::NotFound(format!("dataset item `{id}`")))?;
    Ok(Json(item_json(&db::public::item(&state.db, id).await?)))
}

/// Creates an item, or updates the one its `id` names (Langfuse upserts by id).
async fn create_item(State(state): State<AppState>, JsonObject(mut body): JsonObject) -> Result<Json<Value>, AppError> {
    let name = optional_text(&mut body, "datasetName")?.ok_or_else(|| AppError::field("datasetName", "required"))?;
    let dataset = db::public::dataset_by_name(&state.db, &name)
        .await
        .map_err(|_| AppError::field("datasetName", format!("no dataset is named `{name}`")))?;
    let input = body.remove("input").unwrap_or(Value::Null);
    if input.is_null() {
        return Err(AppError::field("input", "can't be blank"));
    }
    let status = match optional_text(&mut body, "status")?.as_deref() {
        None | Some("ACTIVE") => ItemStatus::Active,
        Some("ARCHIVED") => ItemStatus::Archived,
        Some(other) => return Err(AppError::field("status", format!("must be ACTIVE or ARCHIVED, got `{other}`"))),
    };
    let metadata = match body.remove("metadata") {
        None | Some(Value::Null) => json!({}),
        Some(v @ Value::Object(_)) => v,
        Some(other) => json!({"metadata": other}),
    };
    let source_trace = match optional_text(&mut body, "sourceTraceId")? {
        Some(trace) => db::public::trace_row(&state.db, &trace).await?,
        None => None,
    };
    let draft = ItemDraft {
        status,
        input,
        expected_output: body.remove("expectedOutput").filter(|v| !v.is_null()),
        metadata,
        source_trace_id: source_trace,
    };
    // An id naming an item of this dataset updates it; any other id (SDKs
    // send a fresh UUID) creates an item with an Observ id, which is answered.
    let existing = match optional_text(&mut body, "id")?.and_then(|given| given.parse::<i64>().ok()) {
        Some(id) => db::items::find_fresh(&state.db, dataset.id, id).await.ok().map(|i| i.id),
        None => None,
    };
    let id = match existing {
        Some(id) => {
            db::items::update(&state.db, dataset.id, id, &draft).await?;
            id
        }
        None => db::items::create(&state.db, dataset.id, &draft).await?,
    };
    Ok(Json(item_json(&db::public::item(&state.db, id).await?)))
}
