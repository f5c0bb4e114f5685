//! What an agent records while it works: generations (model calls) and spans,
//! kept in memory and written with the item's result in one transaction.

use crate::model::stats::format_timestamp_ms;
use crate::model::trace::NewObservation;
use serde_json::{json, Value};
use std::sync::Mutex;

/// One model call.
#[derive(Debug, Clone, Default)]
pub struct Generation {
    pub name: String,
    pub model: String,
    pub input: Value,
    pub output: Value,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub cost_usd: f64,
    pub started_ms: i64,
    pub ended_ms: i64,
}

#[derive(Default)]
pub struct AgentContext {
    observations: Mutex<Vec<NewObservation>>,
}

impl AgentContext {
    pub fn new() -> Self {
        Self::default()
    }

    /// Observation ids are given when the item is written (they name its trace).
    fn push(&self, observation: NewObservation) {
        self.observations.lock().unwrap_or_else(|e| e.into_inner()).push(observation);
    }

    pub fn generation(&self, g: Generation) {
        self.push(NewObservation {
            kind: "generation".into(),
            name: g.name,
            start_time: format_timestamp_ms(g.started_ms),
            end_time: Some(format_timestamp_ms(g.ended_ms)),
            model: Some(g.model),
            input: Some(g.input),
            output: Some(g.output),
            usage: Some(json!({"input_tokens": g.input_tokens, "output_tokens": g.output_tokens,
                               "total_tokens": g.input_tokens + g.output_tokens})),
            cost_usd: g.cost_usd,
            ..Default::default()
        });
    }

    /// A timed step that is not a model call.
    pub fn span(&self, name: &str, started_ms: i64, ended_ms: i64, input: Value, output: Value) {
        self.push(NewObservation {
            kind: "span".into(),
            name: name.to_string(),
            start_time: format_timestamp_ms(started_ms),
            end_time: Some(format_timestamp_ms(ended_ms)),
            input: Some(input),
            output: Some(output),
            ..Default::default()
        });
    }

    pub fn into_observations(self) -> Vec<NewObservation> {
        self.observations.into_inner().unwrap_or_else(|e| e.into_inner())
    }
}
