//! Importing items from a file: the formats, the CSV column mapping, and how one
//! CSV record or JSONL line becomes an item — shared by the REST import, the
//! import page's server function and the page's preview.
//!
//! CSV cells go through the same JSON-text rule as the item form: a cell that is
//! JSON is that value, other text is a JSON string. Exports write every JSON
//! cell as compact JSON, so a string that looks like a number (`"42"`) is
//! written with its quotes and reads back as a string.

use super::csv::CsvRecord;
use super::item::ItemDraft;
use super::json_text::{parse_json_text, JsonField};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// File formats for import and export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileFormat {
    Csv,
    Jsonl,
}

impl FileFormat {
    /// `csv`, `jsonl` (or `ndjson`).
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "csv" => Some(FileFormat::Csv),
            "jsonl" | "ndjson" => Some(FileFormat::Jsonl),
            _ => None,
        }
    }

    /// From a Content-Type header (parameters such as `charset` ignored).
    pub fn from_content_type(content_type: &str) -> Option<Self> {
        match content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase().as_str() {
            "text/csv" | "application/csv" => Some(FileFormat::Csv),
            "application/x-ndjson"
            | "application/ndjson"
            | "application/jsonl"
            | "application/x-jsonlines"
            | "application/jsonlines" => Some(FileFormat::Jsonl),
            _ => None,
        }
    }

    /// From a file name's extension (`.csv`, `.jsonl`, `.ndjson`).
    pub fn from_file_name(name: &str) -> Option<Self> {
        Self::parse(name.rsplit('.').next().unwrap_or_default())
    }

    pub fn extension(self) -> &'static str {
        match self {
            FileFormat::Csv => "csv",
            FileFormat::Jsonl => "jsonl",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            FileFormat::Csv => "text/csv; charset=utf-8",
            FileFormat::Jsonl => "application/x-ndjson",
        }
    }
}

/// Which CSV column feeds which item field. `None` means "the column of the same
/// name, if the file has one"; `Some("")` means "none"; `Some(name)` must exist.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnMapping {
    pub input: Option<String>,
    pub expected_output: Option<String>,
    pub metadata: Option<String>,
}

/// A row that cannot be imported, at its physical line of the file (1-based).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportError {
    pub line: usize,
    pub message: String,
}

impl ImportError {
    pub fn new(line: usize, message: impl Into<String>) -> Self {
        ImportError { line, message: message.into() }
    }
}

impl std::fmt::Display for ImportError {
    /// `line 7: input: expected value at line 1 column 1`
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for ImportError {}

/// Keys an export writes that an import skips, so an export re-imports as is.
pub const EXPORT_ONLY_KEYS: &[&str] = &["id", "dataset_id", "status", "source_trace_id", "created_at", "updated_at"];

/// Column positions resolved from a CSV header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvColumns {
    input: usize,
    expected_output: Option<usize>,
    metadata: Option<usize>,
    width: usize,
}

impl CsvColumns {
    pub fn from_header(header: &CsvRecord, mapping: &ColumnMapping) -> Result<Self, ImportError> {
        let names: Vec<&str> = header.fields.iter().map(|f| f.trim()).collect();
        let find = |field: &str, chosen: &Option<String>, required: bool| -> Result<Option<usize>, ImportError> {
            let (name, explicit) = match chosen {
                Some(name) if name.trim().is_empty() => {
                    return if required {
                        Err(ImportError::new(header.line, format!("choose the column that holds {field}")))
                    } else {
                        Ok(None)
                    };
                }
                Some(name) => (name.trim(), true),
                None => (field, required),
            };
            match names.iter().position(|n| *n == name) {
                Some(at) => Ok(Some(at)),
                None if explicit => Err(ImportError::new(
                    header.line,
                    format!("no column `{name}` for {field} (the header has: {})", names.join(", ")),
                )),
                None => Ok(None),
            }
        };
        Ok(CsvColumns {
            input: find("input", &mapping.input, true)?.unwrap_or_default(),
            expected_output: find("expected_output", &mapping.expected_output, false)?,
            metadata: find("metadata", &mapping.metadata, false)?,
            width: names.len(),
        })
    }

    /// One data record as an item.
    pub fn item(&self, record: &CsvRecord) -> Result<ItemDraft, ImportError> {
        let fail = |message: String| ImportError::new(record.line, message);
        if record.fields.len() != self.width {
            return Err(fail(format!("has {} fields, the header has {}", record.fields.len(), self.width)));
        }
        let cell = |at: Option<usize>| at.map(|n| record.fields[n].as_str()).unwrap_or_default();
        let input = parse_json_text("input", cell(Some(self.input)), JsonField::Required).map_err(fail)?;
        let expected =
            parse_json_text("expected_output", cell(self.expected_output), JsonField::Optional).map_err(fail)?;
        let metadata = parse_json_text("metadata", cell(self.metadata), JsonField::Object).map_err(fail)?;
        let mut draft = ItemDraft::new(input.unwrap_or_default());
        draft.expected_output = expected;
        draft.metadata = metadata.unwrap_or_default();
        Ok(draft)
    }
}

/// One JSONL line as an item; `None` for a blank line.
pub fn jsonl_item(line: usize, text: &str) -> Result<Option<ItemDraft>, ImportError> {
    let text = text.trim_start_matches('\u{feff}').trim();
    if text.is_empty() {
        return Ok(None);
    }
    let fail = |message: String| ImportError::new(line, message);
    let mut map = match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) => map,
        Ok(_) => return Err(fail("must be a JSON object like {\"input\": …}".into())),
        Err(err) => {
            let mut message = err.to_string();
            if let Some(at) = message.rfind(" at line ") {
                message.truncate(at);
            }
            return Err(fail(format!("not valid JSON: {message} at column {}", err.column())));
        }
    };
    let input = match map.remove("input") {
        None => return Err(fail("input is required".into())),
        Some(Value::Null) => return Err(fail("input can't be null".into())),
        Some(value) => value,
    };
    let mut draft = ItemDraft::new(input);
    draft.expected_output = map.remove("expected_output").filter(|v| !v.is_null());
    match map.remove("metadata") {
        None | Some(Value::Null) => {}
        Some(v @ Value::Object(_)) => draft.metadata = v,
        Some(_) => return Err(fail("metadata must be a JSON object".into())),
    }
    if let Some(unknown) = map.keys().find(|k| !EXPORT_ONLY_KEYS.contains(&k.as_str())) {
        return Err(fail(format!("unknown key `{unknown}` (expected input, expected_output, metadata)")));
    }
    Ok(Some(draft))
}

/// A JSON value as one CSV cell: compact JSON, empty for none.
pub fn json_cell(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(v) => v.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::csv::parse;
    use serde_json::json;

    fn columns(header: &str, mapping: ColumnMapping) -> Result<CsvColumns, ImportError> {
        CsvColumns::from_header(&parse(header).unwrap()[0], &mapping)
    }

    #[test]
    fn cells_are_json_or_text() {
        let records =
            parse("input,expected_output,metadata\nhello,42,\n\"{\"\"a\"\":1}\",\"\"\"42\"\"\",\"{\"\"k\"\":true}\"\n")
                .unwrap();
        let cols = CsvColumns::from_header(&records[0], &ColumnMapping::default()).unwrap();
        let a = cols.item(&records[1]).unwrap();
        assert_eq!((a.input, a.expected_output, a.metadata), (json!("hello"), Some(json!(42)), json!({})));
        let b = cols.item(&records[2]).unwrap();
        assert_eq!((b.input, b.expected_output, b.metadata), (json!({"a": 1}), Some(json!("42")), json!({"k": true})));
    }

    #[test]
    fn mapping_picks_columns_and_reports_missing_ones() {
        let mapping =
            ColumnMapping { input: Some("question".into()), expected_output: Some("answer".into()), metadata: None };
        let cols = columns("id,question,answer", mapping).unwrap();
        let record = CsvRecord { line: 4, fields: vec!["1".into(), "2+2?".into(), "4".into()] };
        let item = cols.item(&record).unwrap();
        assert_eq!((item.input, item.expected_output), (json!("2+2?"), Some(json!(4))));
        let err = columns("question", ColumnMapping { input: Some("q".into()), ..Default::default() }).unwrap_err();
        assert_eq!(err.to_string(), "line 1: no column `q` for input (the header has: question)");
        assert!(columns("a,b", ColumnMapping::default()).unwrap_err().message.contains("no column `input`"));
        let none = ColumnMapping { expected_output: Some(String::new()), ..Default::default() };
        let cols = columns("input,expected_output", none).unwrap();
        let record = CsvRecord { line: 2, fields: vec!["x".into(), "y".into()] };
        assert_eq!(cols.item(&record).unwrap().expected_output, None);
    }

    #[test]
    fn bad_cells_name_line_and_field() {
        let cols = columns("input,metadata", ColumnMapping::default()).unwrap();
        let bad = |fields: [&str; 2]| cols.item(&CsvRecord { line: 7, fields: fields.map(String::from).to_vec() });
        assert!(bad(["{\"a\":", ""]).unwrap_err().to_string().starts_with("line 7: input: unexpected end of JSON"));
        assert_eq!(bad(["", ""]).unwrap_err().to_string(), "line 7: input: can't be blank");
        assert!(bad(["x", "[1]"]).unwrap_err().to_string().starts_with("line 7: metadata: must be a JSON object"));
        let short = cols.item(&CsvRecord { line: 3, fields: vec!["x".into()] }).unwrap_err();
        assert_eq!(short.to_string(), "line 3: has 1 fields, the header has 2");
    }

    #[test]
    fn jsonl_lines() {
        let item = jsonl_item(1, r#"{"input": "42", "expected_output": null, "metadata": {"a": 1}, "id": 9}"#)
            .unwrap()
            .unwrap();
        assert_eq!((item.input, item.expected_output, item.metadata), (json!("42"), None, json!({"a": 1})));
        assert_eq!(jsonl_item(2, "  ").unwrap(), None);
        assert_eq!(jsonl_item(3, r#"{"expected_output": 1}"#).unwrap_err().to_string(), "line 3: input is required");
        assert_eq!(jsonl_item(4, r#"{"input": null}"#).unwrap_err().to_string(), "line 4: input can't be null");
        let err = jsonl_item(5, r#"{"input": 1, "colour": "red"}"#).unwrap_err();
        assert_eq!(err.to_string(), "line 5: unknown key `colour` (expected input, expected_output, metadata)");
        assert!(jsonl_item(6, r#"{"input": 1,"#).unwrap_err().to_string().starts_with("line 6: not valid JSON"));
        assert!(jsonl_item(7, "[1]").unwrap_err().message.starts_with("must be a JSON object"));
    }

    #[test]
    fn formats() {
        assert_eq!(FileFormat::from_content_type("text/csv; charset=utf-8"), Some(FileFormat::Csv));
        assert_eq!(FileFormat::from_content_type("application/x-ndjson"), Some(FileFormat::Jsonl));
        assert_eq!(FileFormat::from_content_type("application/json"), None);
        assert_eq!(FileFormat::from_file_name("items.JSONL"), Some(FileFormat::Jsonl));
        assert_eq!(FileFormat::parse("csv"), Some(FileFormat::Csv));
        assert_eq!(json_cell(Some(&json!("42"))), "\"42\"");
        assert_eq!(json_cell(None), "");
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use crate::model::arbitrary::json_text;
    use crate::model::csv::CsvRecord;
    use proptest::prelude::*;

    proptest! {
        /// Never a panic; an error names the line it was given.
        #[test]
        fn jsonl_errors_name_their_line(line in 1usize..100_000, text in json_text()) {
            if let Err(e) = jsonl_item(line, &text) {
                prop_assert_eq!(e.line, line);
                let prefix = format!("line {}: ", line);
                prop_assert!(e.to_string().starts_with(&prefix));
            }
        }

        #[test]
        fn csv_rows_errors_name_their_line(
            header in prop::collection::vec("input|expected_output|metadata|[a-z]{0,6}", 0..5),
            cells in prop::collection::vec(json_text(), 0..5),
            line in 2usize..1000,
        ) {
            let header = CsvRecord { line: 1, fields: header };
            match CsvColumns::from_header(&header, &ColumnMapping::default()) {
                Err(e) => prop_assert_eq!(e.line, 1),
                Ok(columns) => {
                    if let Err(e) = columns.item(&CsvRecord { line, fields: cells }) {
                        prop_assert_eq!(e.line, line);
                    }
                }
            }
        }
    }
}
