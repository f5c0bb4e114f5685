//! The observability core: sessions group traces; a trace holds observations
//! (generations, spans, events) in a tree.

use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Session {
    pub id: i64,
    pub session_id: String,
    pub user_id: Option<String>,
    pub start_time: String,
    pub end_time: Option<String>,
    #[cfg_attr(feature = "ssr", sqlx(json))]
    pub metadata: Value,
    pub total_traces_count: i64,
    pub total_tokens: i64,
    pub total_cost: f64,
}

/// A trace as lists show it (no payloads).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TraceSummary {
    pub id: i64,
    pub trace_id: String,
    /// The session's own id (as the app named it).
    pub session_id: Option<String>,
    /// The session's row, for links.
    pub session_row_id: Option<i64>,
    pub name: Option<String>,
    #[cfg_attr(feature = "ssr", sqlx(json))]
    pub tags: Value,
    pub user_id: Option<String>,
    pub environment: Option<String>,
    pub release: Option<String>,
    pub start_time: String,
    pub end_time: Option<String>,
    pub latency_ms: Option<i64>,
    pub has_error: bool,
    pub total_cost: f64,
    pub total_tokens: i64,
}

/// A whole trace with its payloads, observations and scores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Trace {
    pub id: i64,
    pub trace_id: String,
    /// The session's own id (as the app named it).
    pub session_id: Option<String>,
    /// The session's row, for links.
    pub session_row_id: Option<i64>,
    pub name: Option<String>,
    #[cfg_attr(feature = "ssr", sqlx(json(nullable)))]
    pub input: Option<Value>,
    #[cfg_attr(feature = "ssr", sqlx(json(nullable)))]
    pub output: Option<Value>,
    #[cfg_attr(feature = "ssr", sqlx(json))]
    pub metadata: Value,
    #[cfg_attr(feature = "ssr", sqlx(json))]
    pub tags: Value,
    pub user_id: Option<String>,
    pub environment: Option<String>,
    pub release: Option<String>,
    pub version: Option<String>,
    pub start_time: String,
    pub end_time: Option<String>,
    pub latency_ms: Option<i64>,
    pub has_error: bool,
    pub total_cost: f64,
    pub total_tokens: i64,
    #[cfg_attr(feature = "ssr", sqlx(skip))]
    pub observations: Vec<Observation>,
    /// Its scores, those on its observations and, for a run item's trace,
    /// the run item's.
    #[cfg_attr(feature = "ssr", sqlx(skip))]
    #[serde(default)]
    pub scores: Vec<super::score::Score>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Observation {
    pub id: i64,
    pub observation_id: String,
    pub parent_observation_id: Option<String>,
    /// `span`, `generation`, `event`, `agent`, `tool`, `chain`, `retriever`,
    /// `evaluator`, `embedding` or `guardrail`.
    #[serde(rename = "type")]
    #[cfg_attr(feature = "ssr", sqlx(rename = "type"))]
    pub kind: String,
    pub name: Option<String>,
    pub start_time: String,
    pub end_time: Option<String>,
    pub level: Option<String>,
    pub status_message: Option<String>,
    pub model: Option<String>,
    #[cfg_attr(feature = "ssr", sqlx(json(nullable)))]
    pub model_parameters: Option<Value>,
    #[cfg_attr(feature = "ssr", sqlx(json(nullable)))]
    pub input: Option<Value>,
    #[cfg_attr(feature = "ssr", sqlx(json(nullable)))]
    pub output: Option<Value>,
    #[cfg_attr(feature = "ssr", sqlx(json(nullable)))]
    pub usage: Option<Value>,
    pub cost_usd: f64,
    #[cfg_attr(feature = "ssr", sqlx(json(nullable)))]
    #[serde(default)]
    pub cost_details: Option<Value>,
    #[serde(default)]
    pub completion_start_time: Option<String>,
    #[serde(default)]
    pub environment: Option<String>,
    #[serde(default)]
    pub version: Option<String>,
    #[cfg_attr(feature = "ssr", sqlx(json))]
    pub metadata: Value,
}

impl Observation {
    /// Total tokens from `usage` (`total_tokens`, or input + output).
    pub fn tokens(&self) -> i64 {
        let usage = match &self.usage {
            Some(u) => u,
            None => return 0,
        };
        let field = |k: &str| usage.get(k).and_then(Value::as_i64);
        field("total_tokens").unwrap_or_else(|| {
            field("input_tokens").or(field("prompt_tokens")).unwrap_or(0)
                + field("output_tokens").or(field("completion_tokens")).unwrap_or(0)
        })
    }
}

/// An observation to record under a trace: what an agent reports while it
/// works, before the database gives it a row.
#[derive(Debug, Clone, Default)]
pub struct NewObservation {
    pub observation_id: String,
    pub parent_observation_id: Option<String>,
    /// `generation`, `span` or `event`.
    pub kind: String,
    pub name: String,
    pub start_time: String,
    pub end_time: Option<String>,
    pub model: Option<String>,
    pub input: Option<Value>,
    pub output: Option<Value>,
    pub usage: Option<Value>,
    pub cost_usd: f64,
    pub status_message: Option<String>,
}

/// Milliseconds between two RFC 3339 timestamps, when both parse.
pub fn duration_ms(start: &str, end: Option<&str>) -> Option<i64> {
    let start = crate::model::stats::parse_timestamp_ms(start)?;
    let end = crate::model::stats::parse_timestamp_ms(end?)?;
    Some(end - start)
}
