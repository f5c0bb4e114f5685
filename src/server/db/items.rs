//! Queries on `observ_dataset_items`.

use super::exec::{json, query, query_as, query_scalar, Pool, Query, Tx};
use super::Db;
use super::{like_pattern, Listing, NOW};
use crate::model::item::{DatasetItem, ItemDraft, ItemStatus};
use crate::model::page::{CursorPage, KeysetPage, PageAt};
use crate::server::error::AppError;

const COLUMNS: &str = "i.id, i.dataset_id, i.status, i.input, i.expected_output, \
     COALESCE(i.metadata, '{}') AS metadata, i.source_trace_id, i.created_at, i.updated_at";

/// Which items of a dataset a list shows.
#[derive(Debug, Clone, Default)]
pub struct ItemFilter {
    pub status: Option<ItemStatus>,
    /// Matched as text inside the input and the expected output.
    pub search: Option<String>,
}

fn filters(dataset_id: i64, filter: ItemFilter) -> impl Fn(&mut Query) + Sync {
    let search = filter.search.map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).map(|s| like_pattern(&s));
    move |q| {
        q.push(" AND i.dataset_id = ").push_bind(dataset_id);
        if let Some(status) = filter.status {
            q.push(" AND i.status = ").push_bind(status.code());
        }
        if let Some(pattern) = &search {
            q.push(" AND (CAST(i.input AS TEXT) LIKE ")
                .push_bind(pattern.clone())
                .push(" ESCAPE '\\' OR CAST(i.expected_output AS TEXT) LIKE ")
                .push_bind(pattern.clone())
                .push(" ESCAPE '\\')");
        }
    }
}

fn listing<'a>(filters: &'a (dyn Fn(&mut Query) + Sync)) -> Listing<'a> {
    Listing { columns: COLUMNS, column_binds: &[], from: "observ_dataset_items i", id: "i.id", filters }
}

/// Newest first, for the items tab.
pub async fn page(
    db: &Db,
    dataset_id: i64,
    filter: ItemFilter,
    at: PageAt,
    limit: i64,
) -> Result<KeysetPage<DatasetItem>, AppError> {
    let pool = &db.read;
    let f = filters(dataset_id, filter);
    super::keyset_page(pool, &listing(&f), at, limit, |i: &DatasetItem| i.id).await
}

/// Oldest first with a cursor, for `GET /api/v1/datasets/{id}/items`.
pub async fn cursor_page(
    db: &Db,
    dataset_id: i64,
    filter: ItemFilter,
    cursor: Option<&str>,
    limit: i64,
) -> Result<CursorPage<DatasetItem>, AppError> {
    let pool = &db.read;
    let f = filters(dataset_id, filter);
    super::cursor_page(pool, &listing(&f), cursor, limit, |i: &DatasetItem| i.id).await
}

pub async fn find(db: &Db, dataset_id: i64, item_id: i64) -> Result<DatasetItem, AppError> {
    find_on(&db.read, dataset_id, item_id).await
}

/// [`find`] through the write pool: sees what this process has just written.
pub async fn find_fresh(db: &Db, dataset_id: i64, item_id: i64) -> Result<DatasetItem, AppError> {
    find_on(&db.write, dataset_id, item_id).await
}

async fn find_on(pool: &Pool, dataset_id: i64, item_id: i64) -> Result<DatasetItem, AppError> {
    query_as(format!("SELECT {COLUMNS} FROM observ_dataset_items i WHERE i.id = ? AND i.dataset_id = ?"))
        .bind(item_id)
        .bind(dataset_id)
        .fetch_optional(pool)
        .await?
        .ok_or_else(|| AppError::not_found("item", item_id))
}

/// Inserts one item inside the caller's transaction (every item insert goes through here).
pub(super) async fn insert(conn: &mut Tx, dataset_id: i64, draft: &ItemDraft) -> Result<i64, AppError> {
    Ok(query_scalar(format!(
        "INSERT INTO observ_dataset_items \
         (dataset_id, status, input, expected_output, metadata, source_trace_id, created_at, updated_at) \
         VALUES (?, ?, ?, ?, ?, ?, {NOW}, {NOW}) RETURNING id"
    ))
    .bind(dataset_id)
    .bind(draft.status.code())
    .bind(json(draft.input.to_string()))
    .bind(json(draft.expected_output.as_ref().map(|v| v.to_string())))
    .bind(json(draft.metadata.to_string()))
    .bind(draft.source_trace_id)
    .fetch_one(&mut *conn)
    .await?)
}

/// Inserts every draft or none (one transaction); returns the new ids in order.
pub async fn create_many(db: &Db, dataset_id: i64, drafts: &[ItemDraft]) -> Result<Vec<i64>, AppError> {
    let pool = &db.write;
    let mut tx = pool.begin().await?;
    super::datasets::ensure_exists_in(&mut tx, dataset_id).await?;
    let mut ids = Vec::with_capacity(drafts.len());
    for draft in drafts {
        ids.push(insert(&mut tx, dataset_id, draft).await?);
    }
    query(format!("UPDATE observ_datasets SET updated_at = {NOW} WHERE id = ?"))
        .bind(dataset_id)
        .execute(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(ids)
}

pub async fn create(db: &Db, dataset_id: i64, draft: &ItemDraft) -> Result<i64, AppError> {
    Ok(create_many(db, dataset_id, std::slice::from_ref(draft)).await?[0])
}

/// Replaces an item's content and status.
pub async fn update(db: &Db, dataset_id: i64, item_id: i64, draft: &ItemDraft) -> Result<(), AppError> {
    let pool = &db.write;
    let done = query(format!(
        "UPDATE observ_dataset_items SET status = ?, input = ?, expected_output = ?, metadata = ?, \
         source_trace_id = ?, updated_at = {NOW} WHERE id = ? AND dataset_id = ?"
    ))
    .bind(draft.status.code())
    .bind(json(draft.input.to_string()))
    .bind(json(draft.expected_output.as_ref().map(|v| v.to_string())))
    .bind(json(draft.metadata.to_string()))
    .bind(draft.source_trace_id)
    .bind(item_id)
    .bind(dataset_id)
    .execute(pool)
    .await?;
    if done == 0 {
        return Err(AppError::not_found("item", item_id));
    }
    Ok(())
}

pub async fn set_status(db: &Db, dataset_id: i64, item_id: i64, status: ItemStatus) -> Result<(), AppError> {
    let pool = &db.write;
    let done = query(format!(
        "UPDATE observ_dataset_items SET status = ?, updated_at = {NOW} WHERE id = ? AND dataset_id = ?"
    ))
    .bind(status.code())
    .bind(item_id)
    .bind(dataset_id)
    .execute(pool)
    .await?;
    if done == 0 {
        return Err(AppError::not_found("item", item_id));
    }
    Ok(())
}

/// Deletes an item with its results in past runs.
pub async fn delete(db: &Db, dataset_id: i64, item_id: i64) -> Result<(), AppError> {
    let pool = &db.write;
    let mut tx = pool.begin().await?;
    query(
        "DELETE FROM observ_dataset_run_items WHERE dataset_item_id IN \
         (SELECT id FROM observ_dataset_items WHERE id = ? AND dataset_id = ?)",
    )
    .bind(item_id)
    .bind(dataset_id)
    .execute(&mut tx)
    .await?;
    let done = query("DELETE FROM observ_dataset_items WHERE id = ? AND dataset_id = ?")
        .bind(item_id)
        .bind(dataset_id)
        .execute(&mut tx)
        .await?;
    if done == 0 {
        return Err(AppError::not_found("item", item_id));
    }
    tx.commit().await?;
    Ok(())
}
