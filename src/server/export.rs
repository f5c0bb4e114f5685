//! Streamed exports of a dataset's items and of a run's items, as CSV or JSONL.
//! Rows are read in keyset pages of [`PAGE`] and each page becomes one chunk of
//! the response body, so memory stays flat however many rows there are.
//!
//! In CSV, JSON columns (input, expected_output, output, metadata) always hold
//! compact JSON — the string `42` is written `"42"` — so an export re-imports to
//! the same values; text and number columns hold their plain text.

use crate::model::csv::write_record;
use crate::model::import::{json_cell, FileFormat};
use crate::model::item::DatasetItem;
use crate::model::run_item::RunItem;
use crate::server::db::{self, Db};
use crate::server::error::AppError;
use axum::body::{Body, Bytes};
use futures_util::stream;
use serde_json::{json, Map, Value};
use std::future::Future;

/// Rows per query.
pub const PAGE: i64 = 1000;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Written as compact JSON in CSV.
    Json,
    /// Written as its text (strings bare, numbers as digits).
    Plain,
}

const ITEM_COLUMNS: &[(&str, Kind)] = &[
    ("id", Kind::Plain),
    ("status", Kind::Plain),
    ("input", Kind::Json),
    ("expected_output", Kind::Json),
    ("metadata", Kind::Json),
    ("source_trace_id", Kind::Plain),
    ("created_at", Kind::Plain),
];

const RUN_ITEM_COLUMNS: &[(&str, Kind)] = &[
    ("id", Kind::Plain),
    ("dataset_item_id", Kind::Plain),
    ("repetition", Kind::Plain),
    ("status", Kind::Plain),
    ("input", Kind::Json),
    ("expected_output", Kind::Json),
    ("output", Kind::Json),
    ("error", Kind::Plain),
    ("trace_id", Kind::Plain),
    ("latency_ms", Kind::Plain),
    ("cost", Kind::Plain),
    ("tokens", Kind::Plain),
    ("scores", Kind::Json),
];

fn item_row(i: &DatasetItem) -> Vec<Value> {
    vec![
        json!(i.id),
        json!(i.status.as_str()),
        i.input.clone(),
        i.expected_output.clone().unwrap_or(Value::Null),
        i.metadata.clone(),
        json!(i.source_trace_id),
        json!(i.created_at),
    ]
}

fn run_item_row(i: &RunItem) -> Vec<Value> {
    vec![
        json!(i.id),
        json!(i.dataset_item_id),
        json!(i.repetition),
        json!(i.status.as_str()),
        i.input.clone(),
        i.expected_output.clone().unwrap_or(Value::Null),
        i.output.clone().unwrap_or(Value::Null),
        json!(i.error),
        json!(i.trace_id),
        json!(i.latency_ms),
        json!(i.cost),
        json!(i.tokens),
        // Score values by name; an evaluator that failed shows as null.
        Value::Object(i.scores.iter().map(|s| (s.name.clone(), json!(s.value))).collect()),
    ]
}

/// A dataset's items, oldest first (the caller checks the dataset exists).
pub fn items_body(db: &Db, dataset_id: i64, format: FileFormat) -> Body {
    let store = db.clone();
    paged_body(format, ITEM_COLUMNS, item_row, move |cursor| {
        let store = store.clone();
        async move {
            let page = db::items::cursor_page(&store, dataset_id, Default::default(), cursor.as_deref(), PAGE).await?;
            Ok((page.data, page.next_cursor))
        }
    })
}

/// A run's items in id order (the caller checks the run exists).
pub fn run_items_body(db: &Db, run_id: i64, format: FileFormat) -> Body {
    let store = db.clone();
    paged_body(format, RUN_ITEM_COLUMNS, run_item_row, move |cursor| {
        let store = store.clone();
        async move {
            let page = db::run_items::cursor_page(&store, run_id, None, cursor.as_deref(), PAGE).await?;
            Ok((page.data, page.next_cursor))
        }
    })
}

/// Pages fetched one after the other, each written as one chunk; a CSV starts
/// with its header row.
fn paged_body<T, F, Fut>(
    format: FileFormat,
    columns: &'static [(&'static str, Kind)],
    row: fn(&T) -> Vec<Value>,
    fetch: F,
) -> Body
where
    T: Send + 'static,
    F: Fn(Option<String>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(Vec<T>, Option<String>), AppError>> + Send + 'static,
{
    // State: the cursor of the next page and whether it is the first; None when done.
    let start: Option<(Option<String>, bool)> = Some((None, true));
    let chunks = stream::unfold(start, move |state| {
        let next = state.map(|(cursor, first)| (fetch(cursor), first));
        async move {
            let (page, first) = next?;
            match page.await {
                Err(error) => Some((Err(error), None)),
                Ok((rows, next_cursor)) => {
                    let mut out = String::new();
                    if first && format == FileFormat::Csv {
                        write_record(&mut out, columns.iter().map(|(name, _)| *name));
                    }
                    for r in &rows {
                        write_row(&mut out, format, columns, row(r));
                    }
                    Some((Ok::<_, AppError>(Bytes::from(out)), next_cursor.map(|c| (Some(c), false))))
                }
            }
        }
    });
    Body::from_stream(chunks)
}

fn write_row(out: &mut String, format: FileFormat, columns: &[(&str, Kind)], values: Vec<Value>) {
    match format {
        FileFormat::Csv => {
            let cells = columns.iter().zip(&values).map(|((_, kind), value)| match (kind, value) {
                (Kind::Json, v) => json_cell(Some(v)),
                (Kind::Plain, Value::Null) => String::new(),
                (Kind::Plain, Value::String(s)) => s.clone(),
                (Kind::Plain, other) => other.to_string(),
            });
            write_record(out, cells);
        }
        FileFormat::Jsonl => {
            let object: Map<String, Value> = columns.iter().map(|(name, _)| name.to_string()).zip(values).collect();
            out.push_str(&Value::Object(object).to_string());
            out.push('\n');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::csv::parse;

    #[test]
    fn csv_rows_write_json_columns_as_json() {
        let mut out = String::new();
        let values =
            vec![json!(1), json!("active"), json!("42"), Value::Null, json!({"a": "b,c"}), Value::Null, json!("t")];
        write_row(&mut out, FileFormat::Csv, ITEM_COLUMNS, values);
        let record = &parse(&out).unwrap()[0];
        assert_eq!(record.fields, vec!["1", "active", "\"42\"", "", "{\"a\":\"b,c\"}", "", "t"]);
    }

    #[test]
    fn jsonl_rows_are_objects() {
        let mut out = String::new();
        let values = vec![json!(1), json!("active"), json!("42"), Value::Null, json!({}), json!(7), json!("t")];
        write_row(&mut out, FileFormat::Jsonl, ITEM_COLUMNS, values);
        let v: Value = serde_json::from_str(out.trim_end()).unwrap();
        assert_eq!(v["input"], json!("42"));
        assert_eq!(v["source_trace_id"], json!(7));
        assert!(out.ends_with('\n'));
    }
}
