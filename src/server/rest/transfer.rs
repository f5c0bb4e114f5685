//! Getting items into and out of datasets: import (CSV / JSONL, streamed, all or
//! nothing), streamed exports of items and of run items, duplicating a dataset,
//! and making items from traces and observations.

use super::body::{Fields, JsonObject};
use crate::model::dataset::Dataset;
use crate::model::import::{ColumnMapping, FileFormat};
use crate::model::item::DatasetItem;
use crate::model::json_path::ItemPaths;
use crate::server::db;
use crate::server::db::transfer::TracePick;
use crate::server::error::AppError;
use crate::server::import::{import_items, IMPORT_LIMIT_MB};
use crate::server::{export, AppState};
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, Path, Query, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/datasets/{id}/items/import", post(import).layer(DefaultBodyLimit::max(IMPORT_LIMIT_MB * 1024 * 1024)))
        .route("/datasets/{id}/items/export", get(export_items))
        .route("/runs/{id}/export", get(export_run))
        .route("/datasets/{id}/duplicate", post(duplicate))
        .route("/traces/{id}/add-to-dataset", post(add_to_dataset))
        .route("/traces/add-to-dataset", post(add_many_to_dataset))
        .route("/observations/{id}/add-to-dataset", post(add_observation_to_dataset))
}

#[derive(Deserialize)]
struct ImportQuery {
    format: Option<String>,
    input: Option<String>,
    expected_output: Option<String>,
    metadata: Option<String>,
}

/// `?format=` wins over the Content-Type header.
fn import_format(query: Option<&str>, headers: &HeaderMap) -> Result<FileFormat, AppError> {
    if let Some(text) = query.filter(|f| !f.is_empty()) {
        return FileFormat::parse(text)
            .ok_or_else(|| AppError::field("format", format!("must be `csv` or `jsonl`, got `{text}`")));
    }
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    FileFormat::from_content_type(content_type).ok_or_else(|| {
        AppError::field(
            "format",
            format!(
                "send Content-Type text/csv or application/x-ndjson, or add ?format=csv|jsonl (got `{content_type}`)"
            ),
        )
    })
}

async fn import(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<ImportQuery>,
    request: Request,
) -> Result<Response, AppError> {
    let format = import_format(q.format.as_deref(), request.headers())?;
    let mapping = ColumnMapping { input: q.input, expected_output: q.expected_output, metadata: q.metadata };
    let body = request.into_body().into_data_stream();
    let imported = import_items(&state.db, id, format, &mapping, body).await?;
    Ok((StatusCode::CREATED, Json(json!({ "imported": imported }))).into_response())
}

#[derive(Deserialize)]
struct ExportQuery {
    format: Option<String>,
}

fn export_format(q: &ExportQuery) -> Result<FileFormat, AppError> {
    match q.format.as_deref().filter(|f| !f.is_empty()) {
        None => Ok(FileFormat::Csv),
        Some(text) => FileFormat::parse(text)
            .ok_or_else(|| AppError::field("format", format!("must be `csv` or `jsonl`, got `{text}`"))),
    }
}

fn download(format: FileFormat, name: String, body: Body) -> Response {
    let disposition = format!("attachment; filename=\"{name}.{}\"", format.extension());
    ([(header::CONTENT_TYPE, format.content_type().to_string()), (header::CONTENT_DISPOSITION, disposition)], body)
        .into_response()
}

async fn export_items(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<ExportQuery>,
) -> Result<Response, AppError> {
    let format = export_format(&q)?;
    db::datasets::ensure_exists(&state.db, id).await?;
    Ok(download(format, format!("dataset-{id}-items"), export::items_body(&state.db, id, format)))
}

async fn export_run(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<ExportQuery>,
) -> Result<Response, AppError> {
    let format = export_format(&q)?;
    db::runs::find_progress(&state.db, id).await?;
    Ok(download(format, format!("run-{id}-items"), export::run_items_body(&state.db, id, format)))
}

/// `{"name"?}`; an empty body is fine.
async fn duplicate(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<(StatusCode, Json<Dataset>), AppError> {
    let map = match serde_json::from_slice::<Value>(&body) {
        _ if body.iter().all(u8::is_ascii_whitespace) => Default::default(),
        Ok(Value::Object(map)) => map,
        Ok(_) => return Err(AppError::BadRequest("body: must be a JSON object".into())),
        Err(err) => return Err(AppError::BadRequest(format!("body: malformed JSON: {err}"))),
    };
    let mut f = Fields::new(map);
    let name = f.optional_string("name").flatten();
    f.finish(&[]).into_result()?;
    let copy = db::transfer::duplicate(&state.db, id, name).await?;
    Ok((StatusCode::CREATED, Json(db::datasets::find_fresh(&state.db, copy).await?)))
}

fn dataset_id(f: &mut Fields) -> Option<i64> {
    match f.value("dataset_id") {
        Some(v) if v.as_i64().is_some() => v.as_i64(),
        _ => {
            f.add("dataset_id", "must be the id of a dataset");
            None
        }
    }
}

/// `input_path` and `expected_path`: optional JSON paths (strings; blank or
/// null means none).
fn item_paths(f: &mut Fields) -> ItemPaths {
    let input_path = f.optional_string("input_path").flatten();
    let expected_path = f.optional_string("expected_path").flatten();
    ItemPaths::new(input_path, expected_path)
}

/// `{dataset_id, expected_output?, input_path?, expected_path?}`: the item's
/// input is the trace's input (or its part at `input_path`); its expected
/// output is `expected_output` when given (null means none), else the trace's
/// output (or its part at `expected_path`).
async fn add_to_dataset(
    State(state): State<AppState>,
    Path(trace_id): Path<i64>,
    body: JsonObject,
) -> Result<(StatusCode, Json<DatasetItem>), AppError> {
    let mut f = Fields::new(body.0);
    let dataset = dataset_id(&mut f);
    let expected_output = f.value("expected_output").map(|v| Some(v).filter(|v| !v.is_null()));
    let paths = item_paths(&mut f);
    if expected_output.is_some() && paths.expected_path.is_some() {
        f.add("expected_path", "give expected_output or expected_path, not both");
    }
    f.finish(&[]).into_result()?;
    let dataset = dataset.unwrap_or_default();
    let picks = [TracePick { trace_id, expected_output }];
    let ids = db::transfer::items_from_traces(&state.db, dataset, &picks, &paths).await?;
    Ok((StatusCode::CREATED, Json(db::items::find_fresh(&state.db, dataset, ids[0]).await?)))
}

/// `{dataset_id, trace_ids: [...], input_path?, expected_path?}`: one item per
/// trace, expected = its output (or the part at `expected_path`), all or nothing.
async fn add_many_to_dataset(State(state): State<AppState>, body: JsonObject) -> Result<Response, AppError> {
    let mut f = Fields::new(body.0);
    let dataset = dataset_id(&mut f);
    let ids: Vec<i64> = match f.value("trace_ids") {
        Some(Value::Array(values)) if !values.is_empty() && values.iter().all(|v| v.as_i64().is_some()) => {
            values.iter().filter_map(Value::as_i64).collect()
        }
        _ => {
            f.add("trace_ids", "must be a non-empty array of trace ids");
            Vec::new()
        }
    };
    let paths = item_paths(&mut f);
    f.finish(&[]).into_result()?;
    let picks: Vec<TracePick> = ids.into_iter().map(|trace_id| TracePick { trace_id, expected_output: None }).collect();
    let created = db::transfer::items_from_traces(&state.db, dataset.unwrap_or_default(), &picks, &paths).await?;
    Ok((StatusCode::CREATED, Json(json!({"created": created.len(), "ids": created}))).into_response())
}

/// `{dataset_id, input_path?, expected_path?, use_output_as_expected?}`: an
/// item from one observation (by its row id); 201 with the item, whose
/// `source_trace_id` is the observation's trace.
async fn add_observation_to_dataset(
    State(state): State<AppState>,
    Path(observation_id): Path<i64>,
    body: JsonObject,
) -> Result<(StatusCode, Json<DatasetItem>), AppError> {
    let mut f = Fields::new(body.0);
    let dataset = dataset_id(&mut f);
    let paths = item_paths(&mut f);
    let use_output = match f.value("use_output_as_expected") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => b,
        Some(_) => {
            f.add("use_output_as_expected", "must be true or false");
            false
        }
    };
    f.finish(&[]).into_result()?;
    let dataset = dataset.unwrap_or_default();
    let id = db::transfer::item_from_observation(&state.db, dataset, observation_id, &paths, use_output).await?;
    Ok((StatusCode::CREATED, Json(db::items::find_fresh(&state.db, dataset, id).await?)))
}
