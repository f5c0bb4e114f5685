//! What the traces explorer asks for: filters, a search, a sort and a cursor.
//! Shared by the page, its server function and `GET /api/v1/traces`.

use serde::{Deserialize, Serialize};

/// Highest first, by one of these.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TraceSort {
    #[default]
    Time,
    Cost,
    Latency,
    Tokens,
}

impl TraceSort {
    pub const ALL: [TraceSort; 4] = [TraceSort::Time, TraceSort::Cost, TraceSort::Latency, TraceSort::Tokens];

    pub fn as_str(self) -> &'static str {
        match self {
            TraceSort::Time => "time",
            TraceSort::Cost => "cost",
            TraceSort::Latency => "latency",
            TraceSort::Tokens => "tokens",
        }
    }

    pub fn parse(text: &str) -> Option<TraceSort> {
        TraceSort::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TraceQuery {
    /// Part of the trace's name.
    pub name: Option<String>,
    pub user_id: Option<String>,
    /// The session's own id.
    pub session_id: Option<String>,
    /// Traces a dataset run recorded.
    pub run_id: Option<i64>,
    /// Every one of these tags.
    pub tags: Vec<String>,
    pub environment: Option<String>,
    pub release: Option<String>,
    /// A model one of its observations called.
    pub model: Option<String>,
    pub has_error: Option<bool>,
    /// Started at or after (RFC 3339).
    pub from: Option<String>,
    /// Started before (RFC 3339).
    pub to: Option<String>,
    pub min_cost: Option<f64>,
    pub min_latency_ms: Option<i64>,
    /// Words that must all appear in its input or output.
    pub search: Option<String>,
    pub sort: TraceSort,
    pub cursor: Option<String>,
}
