//! The one JSON-parsing helper used by forms (in the browser, before submit), by
//! the server functions and by the REST API: it turns editor text into a JSON
//! value or into a message that names the field, the line and the column.

use serde_json::Value;

/// What a field accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonField {
    /// Any JSON value but null; blank text is an error (an item's `input`).
    Required,
    /// Any JSON value; blank text means "none" (an item's `expected_output`).
    Optional,
    /// A JSON object; blank text means `{}` (`metadata`).
    Object,
}

/// Parses the text of a JSON editor.
///
/// Text that starts like JSON (`{`, `[` or `"`) must be valid JSON. Anything else
/// that is not a JSON scalar (`42`, `true`) is taken as plain text, i.e. a JSON
/// string — the seed's forms accept `What is 2+2?` as an input.
/// Returns `Ok(None)` only for blank optional fields.
pub fn parse_json_text(field: &str, text: &str, kind: JsonField) -> Result<Option<Value>, String> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return match kind {
            JsonField::Required => Err(format!("{field}: can't be blank")),
            JsonField::Optional => Ok(None),
            JsonField::Object => Ok(Some(Value::Object(Default::default()))),
        };
    }
    let looks_like_json = matches!(trimmed.as_bytes()[0], b'{' | b'[' | b'"');
    let value = match serde_json::from_str::<Value>(trimmed) {
        Ok(value) => value,
        Err(err) if looks_like_json || kind == JsonField::Object => {
            return Err(describe_error(field, trimmed, &err));
        }
        Err(_) => Value::String(trimmed.to_string()),
    };
    match (kind, &value) {
        (JsonField::Required, Value::Null) => Err(format!("{field}: can't be null")),
        (JsonField::Object, v) if !v.is_object() => {
            Err(format!("{field}: must be a JSON object like {{\"key\": \"value\"}}"))
        }
        (JsonField::Optional, Value::Null) => Ok(None),
        _ => Ok(Some(value)),
    }
}

/// `input: expected `,` or `}` (found `x`) at line 2 column 5`
fn describe_error(field: &str, text: &str, err: &serde_json::Error) -> String {
    let (line, column) = (err.line(), err.column());
    let found = text
        .lines()
        .nth(line.saturating_sub(1))
        .and_then(|l| l.chars().nth(column.saturating_sub(1)))
        .map(|c| format!(" (found `{c}`)"))
        .unwrap_or_default();
    let mut message = err.to_string();
    // serde_json appends " at line L column C"; we put the found character before it.
    if let Some(at) = message.rfind(" at line ") {
        message.truncate(at);
    }
    if err.is_eof() {
        format!("{field}: unexpected end of JSON at line {line} column {column} ({message})")
    } else {
        format!("{field}: {message}{found} at line {line} column {column}")
    }
}

/// Compact one-line rendering for table cells, cut at `max` characters.
pub fn preview(value: &Value, max: usize) -> String {
    let text = match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if text.chars().count() > max {
        let cut: String = text.chars().take(max.saturating_sub(1)).collect();
        format!("{cut}…")
    } else {
        text
    }
}

/// Text for a JSON editor: strings bare (so plain text round-trips), the rest pretty-printed.
pub fn editor_text(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        // Bare only when parsing it back gives the same string ("42" must stay quoted).
        Some(Value::String(s)) if reads_back_as_text(s) => s.clone(),
        Some(other) => serde_json::to_string_pretty(other).unwrap_or_default(),
    }
}

fn reads_back_as_text(s: &str) -> bool {
    !s.is_empty() && s.trim() == s && !s.starts_with(['{', '[', '"']) && serde_json::from_str::<Value>(s).is_err()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_objects_arrays_and_scalars() {
        let v = parse_json_text("input", r#"{"q": "2+2"}"#, JsonField::Required).unwrap();
        assert_eq!(v, Some(json!({"q": "2+2"})));
        assert_eq!(parse_json_text("input", "[1, 2]", JsonField::Required).unwrap(), Some(json!([1, 2])));
        assert_eq!(parse_json_text("input", " 42 ", JsonField::Required).unwrap(), Some(json!(42)));
        assert_eq!(parse_json_text("input", "true", JsonField::Required).unwrap(), Some(json!(true)));
    }

    #[test]
    fn plain_text_becomes_a_json_string() {
        let v = parse_json_text("input", "What is 2+2?", JsonField::Required).unwrap();
        assert_eq!(v, Some(json!("What is 2+2?")));
        let v = parse_json_text("expected_output", "12abc", JsonField::Optional).unwrap();
        assert_eq!(v, Some(json!("12abc")));
    }

    #[test]
    fn broken_json_names_field_line_and_column() {
        let err = parse_json_text("input", "{\n  \"a\": 1\n  \"b\": 2\n}", JsonField::Required).unwrap_err();
        assert!(err.starts_with("input: expected `,` or `}`"), "{err}");
        assert!(err.contains("(found `\"`)"), "{err}");
        assert!(err.ends_with("at line 3 column 3"), "{err}");
    }

    #[test]
    fn unterminated_json_says_end_of_input() {
        let err = parse_json_text("expected_output", "{\"a\": [1, 2", JsonField::Optional).unwrap_err();
        assert!(err.starts_with("expected_output: unexpected end of JSON at line 1 column"), "{err}");
        let err = parse_json_text("input", "\"open string", JsonField::Required).unwrap_err();
        assert!(err.contains("unexpected end of JSON"), "{err}");
    }

    #[test]
    fn blank_and_null_rules_per_kind() {
        assert_eq!(parse_json_text("input", "  ", JsonField::Required).unwrap_err(), "input: can't be blank");
        assert_eq!(parse_json_text("input", "null", JsonField::Required).unwrap_err(), "input: can't be null");
        assert_eq!(parse_json_text("expected_output", "", JsonField::Optional).unwrap(), None);
        assert_eq!(parse_json_text("expected_output", "null", JsonField::Optional).unwrap(), None);
        assert_eq!(parse_json_text("metadata", "", JsonField::Object).unwrap(), Some(json!({})));
    }

    #[test]
    fn metadata_must_be_an_object() {
        let err = parse_json_text("metadata", "[1]", JsonField::Object).unwrap_err();
        assert!(err.starts_with("metadata: must be a JSON object"), "{err}");
        let err = parse_json_text("metadata", "owner", JsonField::Object).unwrap_err();
        assert!(err.starts_with("metadata: expected value"), "{err}");
    }

    #[test]
    fn preview_and_editor_text() {
        assert_eq!(preview(&json!("héllo wörld"), 5), "héll…");
        assert_eq!(preview(&json!({"a": 1}), 50), r#"{"a":1}"#);
        assert_eq!(editor_text(Some(&json!("plain"))), "plain");
        assert_eq!(editor_text(Some(&json!("{not json"))), "\"{not json\"");
        assert_eq!(editor_text(Some(&json!({"a": 1}))), "{\n  \"a\": 1\n}");
        assert_eq!(editor_text(Some(&json!("42"))), "\"42\"");
        assert_eq!(editor_text(None), "");
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use crate::model::arbitrary::json_text;
    use proptest::prelude::*;

    proptest! {
        /// Never a panic; every error starts with the field's name.
        #[test]
        fn errors_name_the_field(text in json_text(), kind in prop_oneof![
            Just(JsonField::Required), Just(JsonField::Optional), Just(JsonField::Object)
        ]) {
            match parse_json_text("expected_output", &text, kind) {
                Ok(Some(value)) => prop_assert!(kind != JsonField::Object || value.is_object()),
                Ok(None) => prop_assert!(kind == JsonField::Optional),
                Err(message) => prop_assert!(message.starts_with("expected_output: "), "{}", message),
            }
        }
    }
}
