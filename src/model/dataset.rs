//! Datasets: a named set of test cases bound to the agent that runs them.

use super::evaluator::{check_evaluators, Evaluator};
use super::json_text::{parse_json_text, JsonField};
use super::run::RunSummary;
pub use super::validation::NAME_MAX_CHARS;
use super::FieldErrors;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A dataset as the API and the pages show it, with its counters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Dataset {
    pub id: i64,
    pub name: String,
    pub description: Option<String>,
    pub agent_class: String,
    #[cfg_attr(feature = "ssr", sqlx(json))]
    pub metadata: Value,
    /// How its runs are scored.
    #[cfg_attr(feature = "ssr", sqlx(json))]
    pub evaluators: Vec<Evaluator>,
    pub items_count: i64,
    pub active_items_count: i64,
    pub runs_count: i64,
    /// The run new runs are judged against (compare and the gate).
    #[serde(default)]
    pub baseline_run_id: Option<i64>,
    #[cfg_attr(feature = "ssr", sqlx(skip))]
    pub last_run: Option<RunSummary>,
    pub created_at: String,
    pub updated_at: String,
}

/// What a create or an update writes, already parsed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetDraft {
    pub name: String,
    pub description: Option<String>,
    pub agent_class: String,
    pub metadata: Value,
    #[serde(default)]
    pub evaluators: Vec<Evaluator>,
}

impl DatasetDraft {
    /// The seed's rules except uniqueness, which the database's unique index
    /// enforces at the write.
    pub fn validate(&self, agent_names: &[String]) -> FieldErrors {
        let mut errors = FieldErrors::new();
        let name = self.name.trim();
        if name.is_empty() {
            errors.add("name", "can't be blank");
        } else if name.chars().count() > NAME_MAX_CHARS {
            errors.add("name", format!("is too long (at most {NAME_MAX_CHARS} characters)"));
        }
        let agent = self.agent_class.trim();
        if agent.is_empty() {
            errors.add("agent_class", "can't be blank");
        } else if !agent_names.iter().any(|a| a == agent) {
            errors.add(
                "agent_class",
                format!("must name a registered agent ({}), got `{agent}`", agent_names.join(", ")),
            );
        }
        if !self.metadata.is_object() {
            errors.add("metadata", "must be a JSON object");
        }
        for (field, messages) in check_evaluators(&self.evaluators).0 {
            messages.into_iter().for_each(|m| errors.add(field.clone(), m));
        }
        errors
    }

    /// Trims the name and agent, and drops a blank description.
    pub fn normalized(mut self) -> Self {
        self.name = self.name.trim().to_string();
        self.agent_class = self.agent_class.trim().to_string();
        self.description = self.description.map(|d| d.trim().to_string()).filter(|d| !d.is_empty());
        self
    }
}

/// The dataset form's fields as typed (metadata still JSON text).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DatasetForm {
    pub name: String,
    pub description: String,
    pub agent_class: String,
    pub metadata: String,
    #[serde(default)]
    pub evaluators: Vec<Evaluator>,
}

impl DatasetForm {
    pub fn parse(&self) -> Result<DatasetDraft, FieldErrors> {
        let metadata = parse_json_text("metadata", &self.metadata, JsonField::Object)
            .map_err(|e| FieldErrors::single("metadata", e))?
            .unwrap_or_default();
        Ok(DatasetDraft {
            name: self.name.clone(),
            description: Some(self.description.clone()),
            agent_class: self.agent_class.clone(),
            metadata,
            evaluators: self.evaluators.clone(),
        }
        .normalized())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn agents() -> Vec<String> {
        vec!["echo".to_string()]
    }

    fn draft(name: &str, agent: &str) -> DatasetDraft {
        DatasetDraft {
            name: name.into(),
            description: None,
            agent_class: agent.into(),
            metadata: json!({}),
            evaluators: vec![],
        }
    }

    #[test]
    fn valid_dataset_passes() {
        assert!(draft("QA set", "echo").validate(&agents()).is_empty());
    }

    #[test]
    fn name_is_required_and_bounded() {
        let errors = draft("   ", "echo").validate(&agents());
        assert_eq!(errors.get("name").unwrap(), "can't be blank");
        let errors = draft(&"x".repeat(256), "echo").validate(&agents());
        assert!(errors.get("name").unwrap().starts_with("is too long"));
    }

    #[test]
    fn agent_must_be_present_and_registered() {
        assert_eq!(draft("a", "").validate(&agents()).get("agent_class").unwrap(), "can't be blank");
        let message = draft("a", "Nope").validate(&agents()).get("agent_class").unwrap();
        assert_eq!(message, "must name a registered agent (echo), got `Nope`");
    }

    #[test]
    fn metadata_must_be_an_object() {
        let mut d = draft("a", "echo");
        d.metadata = json!([1]);
        assert_eq!(d.validate(&agents()).get("metadata").unwrap(), "must be a JSON object");
    }

    #[test]
    fn form_parses_metadata_and_normalizes() {
        let form = DatasetForm {
            name: "  QA ".into(),
            description: "  ".into(),
            agent_class: "echo".into(),
            metadata: r#"{"team": "search"}"#.into(),
            evaluators: vec![],
        };
        let d = form.parse().unwrap();
        assert_eq!((d.name.as_str(), d.description, d.metadata), ("QA", None, json!({"team": "search"})));
        let bad = DatasetForm { metadata: "{oops".into(), ..form };
        assert!(bad.parse().unwrap_err().get("metadata").unwrap().contains("line 1 column 2"));
    }
}
