//! Scores: how good an output was. A score belongs to a run item, a trace or a
//! session; there is one per (target, name, source) and re-scoring replaces it.

use super::FieldErrors;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum ScoreDataType {
    Numeric,
    Boolean,
    Categorical,
}

impl ScoreDataType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Numeric => "numeric",
            Self::Boolean => "boolean",
            Self::Categorical => "categorical",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Numeric, Self::Boolean, Self::Categorical].into_iter().find(|t| t.as_str() == text)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum ScoreSource {
    Programmatic,
    Manual,
    LlmJudge,
}

impl ScoreSource {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Programmatic => "programmatic",
            Self::Manual => "manual",
            Self::LlmJudge => "llm_judge",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Programmatic, Self::Manual, Self::LlmJudge].into_iter().find(|t| t.as_str() == text)
    }
}

/// A stored score. `error` is set (and `value` empty) when its evaluator failed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Score {
    pub id: i64,
    pub name: String,
    pub value: Option<f64>,
    pub string_value: Option<String>,
    pub data_type: ScoreDataType,
    pub source: ScoreSource,
    /// Whether the value passes its evaluator's bar (booleans: true).
    pub passed: Option<bool>,
    pub comment: Option<String>,
    pub error: Option<String>,
    pub created_by: Option<String>,
    pub dataset_run_item_id: Option<i64>,
    pub trace_id: Option<i64>,
    pub session_id: Option<i64>,
    /// The observation of the trace this score is about, if one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observation_id: Option<String>,
    pub created_at: String,
}

impl Score {
    /// How a cell shows the score: ✓/✗ for booleans, the value otherwise.
    pub fn label(&self) -> String {
        if let Some(error) = &self.error {
            return format!("error: {error}");
        }
        match (self.data_type, self.value, &self.string_value) {
            (ScoreDataType::Boolean, Some(v), _) => if v >= 0.5 { "✓" } else { "✗" }.to_string(),
            (ScoreDataType::Categorical, _, Some(s)) => s.clone(),
            (_, Some(v), _) => format_score(v),
            _ => "–".to_string(),
        }
    }
}

/// 0.8333 → "0.83", 1.0 → "1".
pub fn format_score(value: f64) -> String {
    let text = format!("{value:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A score as written, before it has an id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreDraft {
    pub name: String,
    pub value: Option<f64>,
    pub string_value: Option<String>,
    pub data_type: ScoreDataType,
    pub source: ScoreSource,
    pub passed: Option<bool>,
    pub comment: Option<String>,
    pub error: Option<String>,
    pub created_by: Option<String>,
}

impl ScoreDraft {
    /// The score as stored under `id` on (run item, trace, session).
    pub fn stored(&self, id: i64, target: (Option<i64>, Option<i64>, Option<i64>), created_at: &str) -> Score {
        Score {
            id,
            name: self.name.trim().to_string(),
            value: self.value,
            string_value: self.string_value.clone(),
            data_type: self.data_type,
            source: self.source,
            passed: self.passed,
            comment: self.comment.clone(),
            error: self.error.clone(),
            created_by: self.created_by.clone(),
            dataset_run_item_id: target.0,
            trace_id: target.1,
            session_id: target.2,
            observation_id: None,
            created_at: created_at.to_string(),
        }
    }

    /// The rules for scores sent by people and scripts (evaluators build valid ones).
    pub fn validate(&self) -> FieldErrors {
        let mut errors = FieldErrors::new();
        if self.name.trim().is_empty() {
            errors.add("name", "can't be blank");
        } else if self.name.chars().count() > 255 {
            errors.add("name", "is too long (at most 255 characters)");
        }
        match self.data_type {
            ScoreDataType::Numeric => {
                if !self.value.is_some_and(f64::is_finite) {
                    errors.add("value", "must be a number for a numeric score");
                }
            }
            ScoreDataType::Boolean => {
                if !matches!(self.value, Some(v) if v == 0.0 || v == 1.0) {
                    errors.add("value", "must be true/false (or 1/0) for a boolean score");
                }
            }
            ScoreDataType::Categorical => {
                if self.string_value.as_deref().is_none_or(|s| s.trim().is_empty()) {
                    errors.add("string_value", "can't be blank for a categorical score");
                }
            }
        }
        errors
    }
}

/// Aggregates of one score name over a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ScoreSummary {
    pub name: String,
    /// Scores with a value.
    pub count: i64,
    pub mean: Option<f64>,
    /// Share of scored items that passed (of those with a pass/fail).
    pub pass_rate: Option<f64>,
    /// Evaluations that failed with an error.
    pub errors: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(data_type: ScoreDataType, value: Option<f64>, string_value: Option<&str>) -> ScoreDraft {
        ScoreDraft {
            name: "correct".into(),
            value,
            string_value: string_value.map(String::from),
            data_type,
            source: ScoreSource::Manual,
            passed: None,
            comment: None,
            error: None,
            created_by: None,
        }
    }

    #[test]
    fn score_rules_follow_the_data_type() {
        assert!(draft(ScoreDataType::Boolean, Some(1.0), None).validate().is_empty());
        assert!(draft(ScoreDataType::Boolean, Some(0.5), None).validate().get("value").is_some());
        assert!(draft(ScoreDataType::Numeric, None, None).validate().get("value").is_some());
        assert!(draft(ScoreDataType::Categorical, None, Some(" ")).validate().get("string_value").is_some());
        assert!(draft(ScoreDataType::Categorical, None, Some("good")).validate().is_empty());
        let mut blank = draft(ScoreDataType::Numeric, Some(0.3), None);
        blank.name = " ".into();
        assert_eq!(blank.validate().get("name").as_deref(), Some("can't be blank"));
        assert_eq!(format_score(0.8333), "0.83");
        assert_eq!(format_score(1.0), "1");
        assert_eq!(ScoreSource::parse("llm_judge"), Some(ScoreSource::LlmJudge));
    }
}
