//! Queries on `observ_datasets`, with the counters every dataset view shows.

use super::exec::{json, json_of, query, query_as, query_scalar, Pool, Query, Target};
use super::Db;
use super::{like_pattern, Listing, NOW};
use crate::model::dataset::{Dataset, DatasetDraft};
use crate::model::item::ItemStatus;
use crate::model::page::{CursorPage, KeysetPage, PageAt};
use crate::model::stats::now_ms;
use crate::server::error::AppError;

const COLUMNS: &str = "d.id, d.name, d.description, d.agent_class, \
     COALESCE(d.metadata, '{}') AS metadata, COALESCE(d.evaluators, '[]') AS evaluators, \
     (SELECT count(*) FROM observ_dataset_items i WHERE i.dataset_id = d.id) AS items_count, \
     (SELECT count(*) FROM observ_dataset_items i WHERE i.dataset_id = d.id AND i.status = ?) AS active_items_count, \
     (SELECT count(*) FROM observ_dataset_runs r WHERE r.dataset_id = d.id) AS runs_count, \
     d.baseline_run_id, d.created_at, d.updated_at";
/// The value of the one placeholder in `COLUMNS`: items count as active by status.
const COLUMN_BINDS: &[i64] = &[ACTIVE];
const ACTIVE: i64 = ItemStatus::Active.code();

fn listing<'a>(filters: &'a (dyn Fn(&mut Query) + Sync)) -> Listing<'a> {
    Listing { columns: COLUMNS, column_binds: COLUMN_BINDS, from: "observ_datasets d", id: "d.id", filters }
}

fn name_filter(search: Option<String>) -> impl Fn(&mut Query) + Sync {
    move |q| {
        if let Some(text) = search.as_ref().map(|s| s.trim()).filter(|s| !s.is_empty()) {
            q.push(" AND d.name LIKE ").push_bind(like_pattern(text)).push(" ESCAPE '\\'");
        }
    }
}

/// Newest first, for the datasets page.
pub async fn page(db: &Db, search: Option<String>, at: PageAt, limit: i64) -> Result<KeysetPage<Dataset>, AppError> {
    let pool = &db.read;
    let filters = name_filter(search);
    let mut page = super::keyset_page(pool, &listing(&filters), at, limit, |d: &Dataset| d.id).await?;
    attach_last_runs(pool, &mut page.rows).await?;
    Ok(page)
}

/// Oldest first with a cursor, for `GET /api/v1/datasets`.
pub async fn cursor_page(
    db: &Db,
    search: Option<String>,
    cursor: Option<&str>,
    limit: i64,
) -> Result<CursorPage<Dataset>, AppError> {
    let pool = &db.read;
    let filters = name_filter(search);
    let mut page = super::cursor_page(pool, &listing(&filters), cursor, limit, |d: &Dataset| d.id).await?;
    attach_last_runs(pool, &mut page.data).await?;
    Ok(page)
}

pub async fn find(db: &Db, id: i64) -> Result<Dataset, AppError> {
    find_on(&db.read, id).await
}

/// [`find`] through the write pool: sees what this process has just written.
pub async fn find_fresh(db: &Db, id: i64) -> Result<Dataset, AppError> {
    find_on(&db.write, id).await
}

async fn find_on(pool: &Pool, id: i64) -> Result<Dataset, AppError> {
    let mut dataset: Dataset = query_as(format!("SELECT {COLUMNS} FROM observ_datasets d WHERE d.id = ?"))
        .bind(ACTIVE)
        .bind(id)
        .fetch_optional(pool)
        .await?
        .ok_or_else(|| AppError::not_found("dataset", id))?;
    attach_last_runs(pool, std::slice::from_mut(&mut dataset)).await?;
    Ok(dataset)
}

/// Whether a dataset exists (for item routes that must 404 on an unknown dataset).
pub async fn ensure_exists(db: &Db, id: i64) -> Result<(), AppError> {
    let pool = &db.read;
    ensure_exists_in(pool, id).await
}

/// [`ensure_exists`] inside a transaction of this module's callers.
pub(super) async fn ensure_exists_in<'a>(on: impl Into<Target<'a>>, id: i64) -> Result<(), AppError> {
    query_scalar::<i64>("SELECT id FROM observ_datasets WHERE id = ?")
        .bind(id)
        .fetch_optional(on)
        .await?
        .map(|_| ())
        .ok_or_else(|| AppError::not_found("dataset", id))
}

/// What a name the unique index refuses answers (422 on `name`).
pub(super) const NAME_TAKEN: &str = "has already been taken";

/// Inserts a validated draft; a taken name is a 422 on `name` (the unique index decides).
pub async fn create(db: &Db, draft: &DatasetDraft) -> Result<i64, AppError> {
    create_if_name_free(db, draft).await?.ok_or_else(|| AppError::field("name", NAME_TAKEN))
}

/// Inserts a validated draft; `None` when its name is taken, for callers that pick another.
pub async fn create_if_name_free(db: &Db, draft: &DatasetDraft) -> Result<Option<i64>, AppError> {
    let pool = &db.write;
    let inserted = query_scalar(format!(
        "INSERT INTO observ_datasets (name, description, agent_class, metadata, evaluators, created_at, updated_at) \
         VALUES (?, ?, ?, ?, ?, {NOW}, {NOW}) RETURNING id"
    ))
    .bind(&draft.name)
    .bind(&draft.description)
    .bind(&draft.agent_class)
    .bind(json(draft.metadata.to_string()))
    .bind(json_of(&draft.evaluators))
    .fetch_one(pool)
    .await;
    super::unless_taken(inserted)
}

pub async fn update(db: &Db, id: i64, draft: &DatasetDraft) -> Result<(), AppError> {
    let pool = &db.write;
    let mut tx = pool.begin().await?;
    ensure_exists_in(&mut tx, id).await?;
    query(format!(
        "UPDATE observ_datasets SET name = ?, description = ?, agent_class = ?, metadata = ?, evaluators = ?, \
         updated_at = {NOW} WHERE id = ?"
    ))
    .bind(&draft.name)
    .bind(&draft.description)
    .bind(&draft.agent_class)
    .bind(json(draft.metadata.to_string()))
    .bind(json_of(&draft.evaluators))
    .bind(id)
    .execute(&mut tx)
    .await
    .map_err(|e| super::unique_as_field(e, "name", NAME_TAKEN))?;
    tx.commit().await?;
    Ok(())
}

/// Deletes the dataset with its runs, their results, and its items, in one transaction.
/// Open dashboards take its runs off their figures (`runs_deleted`).
pub async fn delete(db: &Db, id: i64) -> Result<(), AppError> {
    let pool = &db.write;
    let mut tx = pool.begin().await?;
    ensure_exists_in(&mut tx, id).await?;
    let deleted = super::stats::runs_being_deleted(&mut tx, super::stats::Deleting::Dataset(id), now_ms()).await?;
    for sql in [
        "DELETE FROM observ_dataset_run_items WHERE dataset_run_id IN (SELECT id FROM observ_dataset_runs WHERE dataset_id = ?)",
        "DELETE FROM observ_dataset_runs WHERE dataset_id = ?",
        "DELETE FROM observ_dataset_items WHERE dataset_id = ?",
        "DELETE FROM observ_datasets WHERE id = ?",
    ] {
        query(sql).bind(id).execute(&mut tx).await?;
    }
    super::changes::announce_deleted_in(&mut tx, &deleted).await?;
    tx.commit().await?;
    db.runs_deleted(deleted);
    Ok(())
}

/// Fills `last_run` with one query for all the datasets of a page.
async fn attach_last_runs(pool: &Pool, datasets: &mut [Dataset]) -> Result<(), AppError> {
    let ids: Vec<i64> = datasets.iter().map(|d| d.id).collect();
    let runs = super::run_summaries::latest_per_dataset(pool, &ids).await?;
    for d in datasets.iter_mut() {
        d.last_run = runs.iter().find(|r| r.dataset_id == d.id).cloned();
    }
    Ok(())
}

/// Marks `run` as the dataset's baseline (`None` clears it); the run must be
/// one of the dataset's.
pub async fn set_baseline(db: &Db, dataset_id: i64, run: Option<i64>) -> Result<(), AppError> {
    let pool = &db.write;
    let mut tx = pool.begin().await?;
    ensure_exists_in(&mut tx, dataset_id).await?;
    if let Some(run) = run {
        let owner: Option<i64> = query_scalar("SELECT dataset_id FROM observ_dataset_runs WHERE id = ?")
            .bind(run)
            .fetch_optional(&mut tx)
            .await?;
        if owner != Some(dataset_id) {
            return Err(AppError::field("run_id", format!("run {run} is not a run of dataset {dataset_id}")));
        }
    }
    query(format!("UPDATE observ_datasets SET baseline_run_id = ?, updated_at = {NOW} WHERE id = ?"))
        .bind(run)
        .bind(dataset_id)
        .execute(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::db::Db;

    #[tokio::test]
    async fn parallel_creates_of_one_name_make_one_dataset_and_422s() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&format!("sqlite://{}/observ.db", dir.path().display())).await.unwrap();
        let draft = DatasetDraft {
            name: "same".into(),
            description: None,
            agent_class: "echo".into(),
            metadata: serde_json::json!({}),
            evaluators: vec![],
        };
        let tries = (0..20).map(|_| create(&db, &draft));
        let results = futures_util::future::join_all(tries).await;
        assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1);
        for error in results.into_iter().filter_map(Result::err) {
            assert_eq!(error.status(), axum::http::StatusCode::UNPROCESSABLE_ENTITY);
            assert_eq!(error.to_string(), "validation failed: name has already been taken");
        }
        assert_eq!(create_if_name_free(&db, &draft).await.unwrap(), None);
    }
}
