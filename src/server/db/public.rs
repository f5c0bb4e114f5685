//! Reads for `/api/public` (the Langfuse-compatible API): numbered pages with
//! totals, datasets by name, items with their dataset's name.

use super::exec::{query_as, query_scalar};
use super::Db;
use crate::server::error::AppError;
use serde_json::Value;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DatasetRow {
    pub id: i64,
    pub name: String,
    pub description: Option<String>,
    #[sqlx(json)]
    pub metadata: Value,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ItemRow {
    pub id: i64,
    pub dataset_id: i64,
    pub dataset_name: String,
    pub status: i64,
    #[sqlx(json)]
    pub input: Value,
    #[sqlx(json(nullable))]
    pub expected_output: Option<Value>,
    #[sqlx(json)]
    pub metadata: Value,
    pub source_trace_id: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

const DATASET: &str =
    "SELECT d.id, d.name, d.description, COALESCE(d.metadata, '{}') AS metadata, d.created_at, d.updated_at \
     FROM observ_datasets d";

const ITEM: &str = "SELECT i.id, i.dataset_id, d.name AS dataset_name, i.status, i.input, i.expected_output, \
     COALESCE(i.metadata, '{}') AS metadata, t.trace_id AS source_trace_id, i.created_at, i.updated_at \
     FROM observ_dataset_items i JOIN observ_datasets d ON d.id = i.dataset_id \
     LEFT JOIN observ_traces t ON t.id = i.source_trace_id";

pub async fn datasets(db: &Db, page: i64, limit: i64) -> Result<(Vec<DatasetRow>, i64), AppError> {
    let pool = &db.read;
    let total: i64 = query_scalar("SELECT count(*) FROM observ_datasets").fetch_one(pool).await?;
    let rows = query_as(format!("{DATASET} ORDER BY d.id LIMIT ? OFFSET ?"))
        .bind(limit)
        .bind((page - 1).saturating_mul(limit))
        .fetch_all(pool)
        .await?;
    Ok((rows, total))
}

/// A dataset by its exact name, through the write pool (an SDK reads what it
/// has just created).
pub async fn dataset_by_name(db: &Db, name: &str) -> Result<DatasetRow, AppError> {
    query_as(format!("{DATASET} WHERE d.name = ?"))
        .bind(name)
        .fetch_optional(&db.write)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("dataset `{name}`")))
}

pub async fn dataset_by_id(db: &Db, id: i64) -> Result<DatasetRow, AppError> {
    query_as(format!("{DATASET} WHERE d.id = ?"))
        .bind(id)
        .fetch_optional(&db.write)
        .await?
        .ok_or_else(|| AppError::not_found("dataset", id))
}

/// Items oldest first, of one dataset or all, with the total.
pub async fn items(db: &Db, dataset: Option<i64>, page: i64, limit: i64) -> Result<(Vec<ItemRow>, i64), AppError> {
    let pool = &db.write;
    let (filter, bind) = match dataset {
        Some(id) => (" WHERE i.dataset_id = ?", Some(id)),
        None => ("", None),
    };
    let mut count = query_scalar(format!("SELECT count(*) FROM observ_dataset_items i{filter}"));
    let mut rows = query_as(format!("{ITEM}{filter} ORDER BY i.id LIMIT ? OFFSET ?"));
    if let Some(id) = bind {
        count = count.bind(id);
        rows = rows.bind(id);
    }
    let total: i64 = count.fetch_one(pool).await?;
    let rows = rows.bind(limit).bind((page - 1).saturating_mul(limit)).fetch_all(pool).await?;
    Ok((rows, total))
}

pub async fn item(db: &Db, id: i64) -> Result<ItemRow, AppError> {
    query_as(format!("{ITEM} WHERE i.id = ?"))
        .bind(id)
        .fetch_optional(&db.write)
        .await?
        .ok_or_else(|| AppError::not_found("dataset item", id))
}

/// The row id of a trace by its external id (OTel hex or a Langfuse id).
pub async fn trace_row(db: &Db, trace_id: &str) -> Result<Option<i64>, AppError> {
    Ok(query_scalar("SELECT id FROM observ_traces WHERE trace_id = ?").bind(trace_id).fetch_optional(&db.write).await?)
}
