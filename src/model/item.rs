//! Dataset items: one test case — a JSON input and an optional expected output.

use super::json_text::{parse_json_text, JsonField};
use super::FieldErrors;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Stored as an integer: 0 active, 1 archived (the seed's enum).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum ItemStatus {
    #[default]
    Active,
    Archived,
}

impl ItemStatus {
    pub const fn code(self) -> i64 {
        match self {
            ItemStatus::Active => 0,
            ItemStatus::Archived => 1,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ItemStatus::Active => "active",
            ItemStatus::Archived => "archived",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "active" => Some(ItemStatus::Active),
            "archived" => Some(ItemStatus::Archived),
            _ => None,
        }
    }
}

impl TryFrom<i64> for ItemStatus {
    type Error = String;
    fn try_from(code: i64) -> Result<Self, String> {
        match code {
            0 => Ok(ItemStatus::Active),
            1 => Ok(ItemStatus::Archived),
            other => Err(format!("unknown item status code {other}")),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DatasetItem {
    pub id: i64,
    pub dataset_id: i64,
    #[cfg_attr(feature = "ssr", sqlx(try_from = "i64"))]
    pub status: ItemStatus,
    #[cfg_attr(feature = "ssr", sqlx(json))]
    pub input: Value,
    #[cfg_attr(feature = "ssr", sqlx(json(nullable)))]
    pub expected_output: Option<Value>,
    #[cfg_attr(feature = "ssr", sqlx(json))]
    pub metadata: Value,
    pub source_trace_id: Option<i64>,
    pub created_at: String,
    pub updated_at: String,
}

/// A parsed item ready to write.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemDraft {
    pub status: ItemStatus,
    pub input: Value,
    pub expected_output: Option<Value>,
    pub metadata: Value,
    pub source_trace_id: Option<i64>,
}

impl ItemDraft {
    pub fn new(input: Value) -> Self {
        ItemDraft {
            status: ItemStatus::Active,
            input,
            expected_output: None,
            metadata: Value::Object(Default::default()),
            source_trace_id: None,
        }
    }

    /// `input` present (any JSON but null) and metadata an object.
    pub fn validate(&self) -> FieldErrors {
        let mut errors = FieldErrors::new();
        if self.input.is_null() {
            errors.add("input", "can't be blank");
        }
        if !self.metadata.is_object() {
            errors.add("metadata", "must be a JSON object");
        }
        errors
    }
}

/// The item form's editors as typed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ItemForm {
    pub input: String,
    pub expected_output: String,
    pub metadata: String,
    pub status: ItemStatus,
}

impl ItemForm {
    /// Parses every editor, collecting one message per broken field.
    pub fn parse(&self) -> Result<ItemDraft, FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut field = |name: &str, text: &str, kind: JsonField| match parse_json_text(name, text, kind) {
            Ok(value) => value,
            Err(message) => {
                errors.add(name, message);
                None
            }
        };
        let input = field("input", &self.input, JsonField::Required);
        let expected_output = field("expected_output", &self.expected_output, JsonField::Optional);
        let metadata = field("metadata", &self.metadata, JsonField::Object);
        errors.into_result()?;
        let mut draft = ItemDraft::new(input.unwrap_or_default());
        draft.expected_output = expected_output;
        draft.metadata = metadata.unwrap_or_default();
        draft.status = self.status;
        draft.validate().into_result()?;
        Ok(draft)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn input_is_required_and_not_null() {
        assert!(ItemDraft::new(json!({"q": 1})).validate().is_empty());
        assert_eq!(ItemDraft::new(Value::Null).validate().get("input").unwrap(), "can't be blank");
        let mut d = ItemDraft::new(json!("x"));
        d.metadata = json!("not an object");
        assert_eq!(d.validate().get("metadata").unwrap(), "must be a JSON object");
    }

    #[test]
    fn form_reports_every_broken_editor() {
        let form = ItemForm {
            input: "{\"q\": }".into(),
            expected_output: "[1,".into(),
            metadata: String::new(),
            status: ItemStatus::Active,
        };
        let errors = form.parse().unwrap_err();
        assert!(errors.get("input").unwrap().contains("line 1 column 7"), "{errors}");
        assert!(errors.get("expected_output").unwrap().contains("unexpected end"), "{errors}");
        assert!(errors.get("metadata").is_none());
    }

    #[test]
    fn form_accepts_plain_text_and_blank_expected() {
        let form = ItemForm { input: "Bonjour".into(), ..Default::default() };
        let draft = form.parse().unwrap();
        assert_eq!(draft.input, json!("Bonjour"));
        assert_eq!(draft.expected_output, None);
        assert_eq!(draft.metadata, json!({}));
    }

    #[test]
    fn status_codes_and_names() {
        assert_eq!(ItemStatus::try_from(1).unwrap(), ItemStatus::Archived);
        assert!(ItemStatus::try_from(2).is_err());
        assert_eq!(ItemStatus::parse("active"), Some(ItemStatus::Active));
        assert_eq!(ItemStatus::parse("deleted"), None);
        assert_eq!(ItemStatus::Archived.code(), 1);
    }
}
