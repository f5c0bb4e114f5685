//! Evaluators: the checks a dataset's runs are scored with. Stored on the
//! dataset as a JSON array of `{"name", "type", ...settings}`; each writes a
//! score named `name` on every run item it applies to.

use super::FieldErrors;
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum KeywordMode {
    /// Passes when any keyword is found.
    Any,
    /// Passes when every keyword is found.
    #[default]
    All,
}

fn yes() -> bool {
    true
}
fn default_similarity() -> f64 {
    0.8
}
fn default_judge_threshold() -> f64 {
    0.5
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum EvaluatorKind {
    /// Output equals expected: JSON-aware (`{"a":1}` equals `{ "a": 1 }`), strings trimmed.
    ExactMatch {
        #[serde(default)]
        case_insensitive: bool,
    },
    /// Keywords (from the settings, else the expected output) found in the output.
    Contains {
        #[serde(default)]
        keywords: Vec<String>,
        #[serde(default)]
        mode: KeywordMode,
        #[serde(default = "yes")]
        case_insensitive: bool,
    },
    /// The output text matches a regular expression.
    Regex {
        pattern: String,
        #[serde(default)]
        case_insensitive: bool,
    },
    /// The output is valid JSON, has the required keys and (optionally) the expected's structure.
    Json {
        #[serde(default)]
        required_keys: Vec<String>,
        #[serde(default = "yes")]
        match_expected: bool,
    },
    /// The output is a number within a tolerance of the expected one.
    Numeric {
        #[serde(default)]
        abs_tolerance: f64,
        #[serde(default)]
        rel_tolerance: f64,
    },
    /// Similarity ratio (1 − edit distance / longer length) of output and expected text.
    Levenshtein {
        #[serde(default = "default_similarity")]
        threshold: f64,
    },
    /// An OpenAI-compatible model grades the output against a rubric.
    LlmJudge {
        /// An `openai` agent whose endpoint and model serve as the judge.
        agent: String,
        rubric: String,
        #[serde(default = "default_judge_threshold")]
        threshold: f64,
    },
}

/// Every type, in the order the UI offers them.
pub const EVALUATOR_TYPES: [&str; 7] =
    ["exact_match", "contains", "regex", "json", "numeric", "levenshtein", "llm_judge"];

impl EvaluatorKind {
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::ExactMatch { .. } => "exact_match",
            Self::Contains { .. } => "contains",
            Self::Regex { .. } => "regex",
            Self::Json { .. } => "json",
            Self::Numeric { .. } => "numeric",
            Self::Levenshtein { .. } => "levenshtein",
            Self::LlmJudge { .. } => "llm_judge",
        }
    }

    /// A type with its default settings (`llm_judge` still needs an agent and a rubric).
    pub fn default_for(type_name: &str) -> Option<Self> {
        serde_json::from_value(serde_json::json!({"type": type_name, "pattern": "", "agent": "", "rubric": ""}))
            .ok()
            .map(|kind: Self| match kind {
                Self::LlmJudge { threshold, .. } => Self::LlmJudge {
                    agent: String::new(),
                    rubric: "Is the output a correct and complete answer to the input? \
                             Compare it with the expected output when there is one."
                        .into(),
                    threshold,
                },
                other => other,
            })
    }

    /// The settings a type accepts besides `name` and `type`.
    pub fn settings(type_name: &str) -> &'static [&'static str] {
        match type_name {
            "exact_match" => &["case_insensitive"],
            "contains" => &["keywords", "mode", "case_insensitive"],
            "regex" => &["pattern", "case_insensitive"],
            "json" => &["required_keys", "match_expected"],
            "numeric" => &["abs_tolerance", "rel_tolerance"],
            "levenshtein" => &["threshold"],
            "llm_judge" => &["agent", "rubric", "threshold"],
            _ => &[],
        }
    }

    /// One line for lists: "contains (all of: refund, sorry)".
    pub fn summary(&self) -> String {
        match self {
            Self::ExactMatch { case_insensitive } => {
                format!("exact match{}", if *case_insensitive { ", ignoring case" } else { "" })
            }
            Self::Contains { keywords, mode, .. } => {
                let which = if keywords.is_empty() { "the expected output".to_string() } else { keywords.join(", ") };
                format!("contains {} of: {which}", if *mode == KeywordMode::All { "all" } else { "any" })
            }
            Self::Regex { pattern, .. } => format!("matches /{pattern}/"),
            Self::Json { required_keys, match_expected } => {
                let mut text = "valid JSON".to_string();
                if !required_keys.is_empty() {
                    text.push_str(&format!(" with keys {}", required_keys.join(", ")));
                }
                if *match_expected {
                    text.push_str(", shaped like the expected output");
                }
                text
            }
            Self::Numeric { abs_tolerance, rel_tolerance } => {
                format!("number within ±{abs_tolerance} or ±{}% of expected", rel_tolerance * 100.0)
            }
            Self::Levenshtein { threshold } => format!("text similarity ≥ {threshold}"),
            Self::LlmJudge { agent, threshold, .. } => format!("judged by {agent}, passes at ≥ {threshold}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Evaluator {
    /// The name of the scores it writes; unique within the dataset.
    pub name: String,
    #[serde(flatten)]
    pub kind: EvaluatorKind,
}

fn check_unit(errors: &mut FieldErrors, field: &str, value: f64) {
    if !(0.0..=1.0).contains(&value) {
        errors.add(field, "must be between 0 and 1");
    }
}

impl Evaluator {
    /// Reads one evaluator from JSON; errors name the setting.
    pub fn from_json(value: &Value) -> Result<Evaluator, FieldErrors> {
        let Some(object) = value.as_object() else {
            return Err(FieldErrors::single("type", "each evaluator must be an object with a name and a type"));
        };
        let Some(type_name) = object.get("type").and_then(Value::as_str) else {
            return Err(FieldErrors::single("type", format!("required, one of {}", EVALUATOR_TYPES.join(", "))));
        };
        if !EVALUATOR_TYPES.contains(&type_name) {
            return Err(FieldErrors::single(
                "type",
                format!("unknown type `{type_name}` (expected one of {})", EVALUATOR_TYPES.join(", ")),
            ));
        }
        let mut errors = FieldErrors::new();
        let allowed = EvaluatorKind::settings(type_name);
        for key in object.keys().filter(|k| *k != "name" && *k != "type" && !allowed.contains(&k.as_str())) {
            errors.add(key.clone(), format!("is not a setting of {type_name} (it has: {})", allowed.join(", ")));
        }
        if !object.get("name").is_some_and(Value::is_string) {
            errors.add("name", "required, the name of the scores it writes");
        }
        for (key, value) in object.iter().filter(|(k, _)| allowed.contains(&k.as_str())) {
            let problem = match key.as_str() {
                "case_insensitive" | "match_expected" => (!value.is_boolean()).then_some("must be true or false"),
                "abs_tolerance" | "rel_tolerance" | "threshold" => (!value.is_number()).then_some("must be a number"),
                "keywords" | "required_keys" => (!value.as_array().is_some_and(|a| a.iter().all(Value::is_string)))
                    .then_some("must be an array of strings"),
                "mode" => (!matches!(value.as_str(), Some("any" | "all"))).then_some("must be \"any\" or \"all\""),
                _ => (!value.is_string()).then_some("must be a string"),
            };
            if let Some(problem) = problem {
                errors.add(key.clone(), problem);
            }
        }
        errors.clone().into_result()?;
        serde_json::from_value::<Evaluator>(value.clone()).map_err(|e| {
            let message = e.to_string();
            // serde names the field in backticks: "missing field `pattern`".
            let field = message.split('`').nth(1).filter(|f| allowed.contains(f)).unwrap_or("settings");
            FieldErrors::single(field, message.clone())
        })
    }

    /// The rules every evaluator follows; the server adds the ones it alone can
    /// check (a regex compiles, a judge names an openai agent).
    pub fn validate(&self) -> FieldErrors {
        let mut errors = FieldErrors::new();
        let name = self.name.trim();
        if name.is_empty() {
            errors.add("name", "can't be blank");
        } else if name.chars().count() > 100 {
            errors.add("name", "is too long (at most 100 characters)");
        }
        match &self.kind {
            EvaluatorKind::Contains { keywords, .. } => {
                if keywords.iter().any(|k| k.trim().is_empty()) {
                    errors.add("keywords", "can't contain a blank keyword");
                }
            }
            EvaluatorKind::Regex { pattern, .. } => {
                if pattern.is_empty() {
                    errors.add("pattern", "can't be blank");
                }
            }
            EvaluatorKind::Json { required_keys, .. } => {
                if required_keys.iter().any(|k| k.trim().is_empty()) {
                    errors.add("required_keys", "can't contain a blank key");
                }
            }
            EvaluatorKind::Numeric { abs_tolerance, rel_tolerance } => {
                for (field, value) in [("abs_tolerance", abs_tolerance), ("rel_tolerance", rel_tolerance)] {
                    if !(value.is_finite() && *value >= 0.0) {
                        errors.add(field, "must be a number ≥ 0");
                    }
                }
            }
            EvaluatorKind::Levenshtein { threshold } => check_unit(&mut errors, "threshold", *threshold),
            EvaluatorKind::LlmJudge { agent, rubric, threshold } => {
                if agent.trim().is_empty() {
                    errors.add("agent", "can't be blank: pick an openai agent to judge with");
                }
                if rubric.trim().is_empty() {
                    errors.add("rubric", "can't be blank");
                }
                check_unit(&mut errors, "threshold", *threshold);
            }
            EvaluatorKind::ExactMatch { .. } => {}
        }
        errors
    }
}

/// Reads and checks a dataset's `evaluators` array; errors are named
/// `evaluators[i].setting`.
pub fn parse_evaluators(value: &Value) -> Result<Vec<Evaluator>, FieldErrors> {
    let Some(list) = value.as_array() else {
        return Err(FieldErrors::single("evaluators", "must be an array of evaluators"));
    };
    let mut errors = FieldErrors::new();
    let mut evaluators = Vec::new();
    for (i, item) in list.iter().enumerate() {
        match Evaluator::from_json(item) {
            Ok(evaluator) => evaluators.push((i, evaluator)),
            Err(e) => errors.merge_prefixed(&format!("evaluators[{i}]"), e),
        }
        // A duplicate name is reported even when the rest of the evaluator is wrong.
        let name = item.get("name").and_then(Value::as_str).map(str::trim);
        if name
            .is_some_and(|n| list[..i].iter().any(|o| o.get("name").and_then(Value::as_str).map(str::trim) == Some(n)))
        {
            errors.add(
                format!("evaluators[{i}].name"),
                format!("`{}` is used by another evaluator", name.unwrap_or_default()),
            );
        }
    }
    for (i, evaluator) in &evaluators {
        errors.merge_prefixed(&format!("evaluators[{i}]"), evaluator.validate());
    }
    errors.into_result()?;
    Ok(evaluators.into_iter().map(|(_, e)| e).collect())
}

/// Each evaluator's rules, and names unique within the list (for forms that
/// hold evaluators already typed).
pub fn check_evaluators(evaluators: &[Evaluator]) -> FieldErrors {
    let mut errors = FieldErrors::new();
    for (i, evaluator) in evaluators.iter().enumerate() {
        errors.merge_prefixed(&format!("evaluators[{i}]"), evaluator.validate());
        if evaluators[..i].iter().any(|e| e.name.trim() == evaluator.name.trim()) {
            errors.add(format!("evaluators[{i}].name"), format!("`{}` is used by another evaluator", evaluator.name));
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_evaluators_with_defaults() {
        let list = parse_evaluators(&json!([
            {"name": "exact", "type": "exact_match"},
            {"name": "mentions", "type": "contains", "keywords": ["refund"], "mode": "any"},
            {"name": "close", "type": "levenshtein"}
        ]))
        .unwrap();
        assert_eq!(list[0].kind, EvaluatorKind::ExactMatch { case_insensitive: false });
        assert_eq!(
            list[1].kind,
            EvaluatorKind::Contains { keywords: vec!["refund".into()], mode: KeywordMode::Any, case_insensitive: true }
        );
        assert_eq!(list[2].kind, EvaluatorKind::Levenshtein { threshold: 0.8 });
        // Round trip: what is stored reads back the same.
        let stored = serde_json::to_value(&list).unwrap();
        assert_eq!(stored[0], json!({"name": "exact", "type": "exact_match", "case_insensitive": false}));
        assert_eq!(parse_evaluators(&stored).unwrap(), list);
        for t in EVALUATOR_TYPES {
            assert_eq!(EvaluatorKind::default_for(t).unwrap().type_name(), t);
        }
    }

    #[test]
    fn errors_name_the_evaluator_and_setting() {
        let errors = parse_evaluators(&json!([
            {"name": "a", "type": "regex"},
            {"name": "a", "type": "levenshtein", "threshold": 2},
            {"name": "b", "type": "magic"},
            {"name": "c", "type": "exact_match", "pattern": "x"},
            {"type": "json"},
            {"name": "d", "type": "numeric", "abs_tolerance": "x"},
            {"name": "e", "type": "llm_judge", "agent": "", "rubric": " "}
        ]))
        .unwrap_err();
        assert!(errors.get("evaluators[0].pattern").unwrap().contains("missing field `pattern`"));
        assert_eq!(errors.get("evaluators[1].threshold").as_deref(), Some("must be between 0 and 1"));
        assert!(errors.get("evaluators[1].name").unwrap().contains("used by another evaluator"));
        assert!(errors.get("evaluators[2].type").unwrap().starts_with("unknown type `magic`"));
        assert!(errors.get("evaluators[3].pattern").unwrap().starts_with("is not a setting of exact_match"));
        assert!(errors.get("evaluators[4].name").unwrap().starts_with("required"));
        assert_eq!(errors.get("evaluators[5].abs_tolerance").as_deref(), Some("must be a number"));
        assert!(errors.get("evaluators[6].agent").unwrap().starts_with("can't be blank"));
        assert_eq!(errors.get("evaluators[6].rubric").as_deref(), Some("can't be blank"));
        assert!(parse_evaluators(&json!({})).unwrap_err().get("evaluators").is_some());
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use crate::model::arbitrary::{evaluator_json, json_value};
    use proptest::prelude::*;

    proptest! {
        /// Never a panic; every error names a setting the evaluator has or was given.
        #[test]
        fn errors_name_a_field(value in prop_oneof![evaluator_json(), json_value()]) {
            if let Err(errors) = Evaluator::from_json(&value) {
                prop_assert!(!errors.0.is_empty());
                for field in errors.0.keys() {
                    let given = value.as_object().is_some_and(|o| o.contains_key(field));
                    let known = ["name", "type", "settings"].contains(&field.as_str())
                        || EVALUATOR_TYPES.iter().any(|t| EvaluatorKind::settings(t).contains(&field.as_str()));
                    prop_assert!(given || known, "{} in {:?}", field, errors);
                }
            }
        }

        #[test]
        fn list_errors_are_prefixed(list in prop::collection::vec(prop_oneof![evaluator_json(), json_value()], 0..4)) {
            if let Err(errors) = parse_evaluators(&Value::Array(list)) {
                prop_assert!(errors.0.keys().all(|k| k.starts_with("evaluators[")), "{:?}", errors);
            }
        }
    }
}
