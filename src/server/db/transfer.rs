//! Writes that bring many items in at once, each in one transaction: imports
//! (rows written as they are parsed), dataset copies, and items made from traces
//! and observations.

use super::datasets::NAME_TAKEN;
use super::exec::{json, query, query_as, query_scalar, Pool, Tx};
use super::Db;
use super::NOW;
use crate::model::dataset::NAME_MAX_CHARS;
use crate::model::item::ItemDraft;
use crate::model::json_path::ItemPaths;
use crate::server::error::AppError;
use futures_util::{Stream, StreamExt};
use serde_json::Value;

/// Rows per multi-row INSERT (6 bound values each, well under SQLite's limit).
const BATCH: usize = 256;

/// Writes `rows` into the dataset as they arrive, in one transaction, all or
/// nothing: the first `Err` in the stream, or a failed write, rolls everything
/// back. 404 when the dataset does not exist, before a row is read. Returns
/// the number of items written.
pub async fn import_items(
    db: &Db,
    dataset_id: i64,
    rows: impl Stream<Item = Result<ItemDraft, AppError>>,
) -> Result<u64, AppError> {
    let pool = &db.write;
    let mut writer = ItemWriter::begin(pool, dataset_id).await?;
    let mut rows = std::pin::pin!(rows);
    while let Some(row) = rows.next().await {
        writer.push(row?).await?;
    }
    writer.commit().await
}

/// An all-or-nothing import in progress: items are written into one open
/// transaction as they arrive. Dropping it without [`ItemWriter::commit`] rolls
/// everything back.
struct ItemWriter {
    tx: Tx,
    dataset_id: i64,
    pending: Vec<ItemDraft>,
    written: u64,
}

impl ItemWriter {
    /// Opens the transaction; 404 when the dataset does not exist.
    async fn begin(pool: &Pool, dataset_id: i64) -> Result<ItemWriter, AppError> {
        let mut tx = pool.begin().await?;
        super::datasets::ensure_exists_in(&mut tx, dataset_id).await?;
        Ok(ItemWriter { tx, dataset_id, pending: Vec::with_capacity(BATCH), written: 0 })
    }

    async fn push(&mut self, draft: ItemDraft) -> Result<(), AppError> {
        self.pending.push(draft);
        if self.pending.len() >= BATCH {
            self.flush().await?;
        }
        Ok(())
    }

    async fn flush(&mut self) -> Result<(), AppError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let mut q = query(
            "INSERT INTO observ_dataset_items \
             (dataset_id, status, input, expected_output, metadata, source_trace_id, created_at, updated_at) ",
        );
        q.push("VALUES ");
        for (n, d) in self.pending.drain(..).enumerate() {
            q.push(if n == 0 { "(" } else { ", (" });
            q.push_bind(self.dataset_id).push(", ").push_bind(d.status.code()).push(", ");
            q.push_bind(json(d.input.to_string())).push(", ");
            q.push_bind(json(d.expected_output.as_ref().map(Value::to_string))).push(", ");
            q.push_bind(json(d.metadata.to_string())).push(", ").push_bind(d.source_trace_id);
            q.push(format!(", {NOW}, {NOW})"));
        }
        let done = q.execute(&mut self.tx).await?;
        self.written += done;
        Ok(())
    }

    /// Writes what is left, touches the dataset and commits; returns the item count.
    async fn commit(mut self) -> Result<u64, AppError> {
        self.flush().await?;
        touch_dataset(&mut self.tx, self.dataset_id).await?;
        self.tx.commit().await?;
        Ok(self.written)
    }
}

async fn touch_dataset(conn: &mut Tx, dataset_id: i64) -> Result<(), AppError> {
    query(format!("UPDATE observ_datasets SET updated_at = {NOW} WHERE id = ?"))
        .bind(dataset_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Copies a dataset with all its items (any status, content, metadata, source
/// trace) but not its runs; returns the new dataset's id. Without a `name` the
/// copy is called "<name> (copy)", or "(copy 2)", … if that is taken.
pub async fn duplicate(db: &Db, id: i64, name: Option<String>) -> Result<i64, AppError> {
    let pool = &db.write;
    let source: String = query_scalar("SELECT name FROM observ_datasets WHERE id = ?")
        .bind(id)
        .fetch_optional(pool)
        .await?
        .ok_or_else(|| AppError::not_found("dataset", id))?;
    match name.map(|n| n.trim().to_string()) {
        Some(name) if name.is_empty() => Err(AppError::field("name", "can't be blank")),
        Some(name) if name.chars().count() > NAME_MAX_CHARS => {
            Err(AppError::field("name", format!("is too long (at most {NAME_MAX_CHARS} characters)")))
        }
        Some(name) => copy(pool, id, &name).await?.ok_or_else(|| AppError::field("name", NAME_TAKEN)),
        // The unique index decides whether a name is free: on a taken one, try the next.
        None => {
            for n in 1.. {
                let suffix = if n == 1 { " (copy)".to_string() } else { format!(" (copy {n})") };
                let base: String = source.chars().take(NAME_MAX_CHARS - suffix.chars().count()).collect();
                if let Some(copy) = copy(pool, id, &format!("{base}{suffix}")).await? {
                    return Ok(copy);
                }
            }
            unreachable!("an unbounded range always yields a free name")
        }
    }
}

/// Writes the copy named `name` in one transaction; `None` when the name is taken.
async fn copy(pool: &Pool, id: i64, name: &str) -> Result<Option<i64>, AppError> {
    let mut tx = pool.begin().await?;
    let inserted = query_scalar(format!(
        "INSERT INTO observ_datasets (name, description, agent_class, metadata, evaluators, created_at, updated_at) \
         SELECT ?, description, agent_class, metadata, evaluators, {NOW}, {NOW} FROM observ_datasets WHERE id = ? RETURNING id"
    ))
    .bind(name)
    .bind(id)
    .fetch_optional(&mut tx)
    .await;
    let Some(copy) = super::unless_taken::<Option<i64>>(inserted)? else { return Ok(None) };
    let copy = copy.ok_or_else(|| AppError::not_found("dataset", id))?;
    query(format!(
        "INSERT INTO observ_dataset_items \
         (dataset_id, status, input, expected_output, metadata, source_trace_id, created_at, updated_at) \
         SELECT ?, status, input, expected_output, metadata, source_trace_id, {NOW}, {NOW} \
         FROM observ_dataset_items WHERE dataset_id = ? ORDER BY id"
    ))
    .bind(copy)
    .bind(id)
    .execute(&mut tx)
    .await?;
    tx.commit().await?;
    Ok(Some(copy))
}

/// One trace to turn into an item: `expected_output` `None` takes the trace's
/// output (the part at the expected path, when there is one), `Some(None)`
/// means no expected output.
#[derive(Debug, Clone)]
pub struct TracePick {
    pub trace_id: i64,
    pub expected_output: Option<Option<Value>>,
}

/// A stored JSON column read as text; null and unreadable text are none.
fn stored_json(text: Option<String>) -> Option<Value> {
    text.and_then(|t| serde_json::from_str::<Value>(&t).ok()).filter(|v| !v.is_null())
}

/// Makes one item per trace (input = the trace's input, or its part at
/// `paths.input_path`; `source_trace_id` kept), all or none; returns the new
/// item ids in order. A path that matches nothing in one trace is a 422 naming
/// the path's field, and nothing is written.
pub async fn items_from_traces(
    db: &Db,
    dataset_id: i64,
    picks: &[TracePick],
    paths: &ItemPaths,
) -> Result<Vec<i64>, AppError> {
    paths.validate().into_result()?;
    let pool = &db.write;
    let mut tx = pool.begin().await?;
    super::datasets::ensure_exists_in(&mut tx, dataset_id).await?;
    let mut ids = Vec::with_capacity(picks.len());
    for pick in picks {
        let (input, output): (Option<String>, Option<String>) =
            query_as("SELECT CAST(input AS TEXT), CAST(output AS TEXT) FROM observ_traces WHERE id = ?")
                .bind(pick.trace_id)
                .fetch_optional(&mut tx)
                .await?
                .ok_or_else(|| AppError::not_found("trace", pick.trace_id))?;
        let source = format!("trace {}", pick.trace_id);
        let Some(input) = paths.input_of(stored_json(input).as_ref(), &source)? else {
            return Err(AppError::field("trace", format!("{source} has no input to use as the item's input")));
        };
        let output = stored_json(output);
        let mut draft = ItemDraft::new(input);
        draft.expected_output = match &pick.expected_output {
            Some(given) => given.clone().filter(|v| !v.is_null()),
            None if paths.expected_path.is_some() => paths.expected_of(output.as_ref(), &source)?,
            None => output,
        };
        draft.source_trace_id = Some(pick.trace_id);
        ids.push(super::items::insert(&mut tx, dataset_id, &draft).await?);
    }
    touch_dataset(&mut tx, dataset_id).await?;
    tx.commit().await?;
    Ok(ids)
}

/// Makes an item from one observation: its input (or the part at
/// `paths.input_path`), and as the expected output the part of its output at
/// `paths.expected_path`, else all of its output when `use_output_as_expected`,
/// else none. The item's `source_trace_id` is the observation's trace. Returns
/// the new item's id; a path that matches nothing is a 422 and writes nothing.
pub async fn item_from_observation(
    db: &Db,
    dataset_id: i64,
    observation_id: i64,
    paths: &ItemPaths,
    use_output_as_expected: bool,
) -> Result<i64, AppError> {
    paths.validate().into_result()?;
    let pool = &db.write;
    let mut tx = pool.begin().await?;
    super::datasets::ensure_exists_in(&mut tx, dataset_id).await?;
    let (trace_id, input, output): (i64, Option<String>, Option<String>) = query_as(
        "SELECT observ_trace_id, CAST(input AS TEXT), CAST(output AS TEXT) FROM observ_observations WHERE id = ?",
    )
    .bind(observation_id)
    .fetch_optional(&mut tx)
    .await?
    .ok_or_else(|| AppError::not_found("observation", observation_id))?;
    let source = format!("observation {observation_id}");
    let Some(input) = paths.input_of(stored_json(input).as_ref(), &source)? else {
        return Err(AppError::field("observation", format!("{source} has no input to use as the item's input")));
    };
    let output = stored_json(output);
    let mut draft = ItemDraft::new(input);
    draft.expected_output = match paths.expected_of(output.as_ref(), &source)? {
        Some(picked) => Some(picked).filter(|v| !v.is_null()),
        None if use_output_as_expected => output,
        None => None,
    };
    draft.source_trace_id = Some(trace_id);
    let id = super::items::insert(&mut tx, dataset_id, &draft).await?;
    touch_dataset(&mut tx, dataset_id).await?;
    tx.commit().await?;
    Ok(id)
}

/// Every dataset's id and name, by name, for the pickers.
pub async fn dataset_choices(db: &Db) -> Result<Vec<(i64, String)>, AppError> {
    let pool = &db.read;
    Ok(query_as("SELECT id, name FROM observ_datasets ORDER BY name LIMIT 1000").fetch_all(pool).await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::db::Db;

    #[tokio::test]
    async fn an_import_stream_that_ends_in_an_error_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&format!("sqlite://{}/observ.db", dir.path().display())).await.unwrap();
        let id: i64 = query_scalar(
            "INSERT INTO observ_datasets (name, agent_class, created_at, updated_at) VALUES ('d', 'echo', 'x', 'x') RETURNING id",
        )
        .fetch_one(&db.write)
        .await
        .unwrap();
        let good = (0..300).map(|n| Ok(ItemDraft::new(serde_json::json!(n))));
        let rows = futures_util::stream::iter(good.chain([Err(AppError::field("file", "bad row"))]));
        let error = import_items(&db, id, rows).await.unwrap_err();
        assert_eq!(error.to_string(), "validation failed: file bad row");
        let count = |db: Db| async move {
            query_scalar::<i64>("SELECT count(*) FROM observ_dataset_items").fetch_one(&db.read).await.unwrap()
        };
        assert_eq!(count(db.clone()).await, 0);
        let rows = futures_util::stream::iter((0..300).map(|n| Ok(ItemDraft::new(serde_json::json!(n)))));
        assert_eq!(import_items(&db, id, rows).await.unwrap(), 300);
        assert_eq!(count(db.clone()).await, 300);
        let missing = futures_util::stream::iter([Ok(ItemDraft::new(serde_json::json!(1)))]);
        assert_eq!(import_items(&db, 999, missing).await.unwrap_err().to_string(), "dataset 999 not found");
    }
}
