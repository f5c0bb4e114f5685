//! What a run item leaves behind: the engine's result for it, and how that
//! result becomes a session and a trace (name, tags, metadata, ids). This is
//! the runner's policy; the database writes what it is handed.

use crate::model::score::ScoreDraft;
use crate::model::trace::NewObservation;
use crate::server::db::record::FinishedItem;
use crate::server::db::traces::{NewSession, NewTrace};
use serde_json::{json, Value};

/// Names that go on each item's trace.
#[derive(Debug, Clone)]
pub struct RunLabels {
    pub run_id: i64,
    pub run_name: String,
    pub dataset_id: i64,
    pub dataset_name: String,
}

/// One finished item, as the engine hands it to the writer.
#[derive(Debug, Clone)]
pub struct ItemResult {
    pub run_item_id: i64,
    pub dataset_item_id: i64,
    pub repetition: i64,
    pub input: Value,
    pub output: Option<Value>,
    pub error: Option<String>,
    pub started_at: String,
    pub latency_ms: i64,
    pub observations: Vec<NewObservation>,
    /// The expected output as run (what evaluators compare with).
    pub expected: Option<Value>,
    /// What the dataset's evaluators concluded about the output.
    pub scores: Vec<ScoreDraft>,
}

/// The session, trace and observations of `result`, written as event `seq`
/// (a retried item gets a new trace, so the event number is part of its ids).
pub fn finished_item(labels: &RunLabels, result: ItemResult, seq: i64) -> FinishedItem {
    let run_id = labels.run_id;
    let key = format!("{run_id}-{}-{seq}", result.run_item_id);
    let metadata = json!({
        "dataset_id": labels.dataset_id, "dataset_name": labels.dataset_name,
        "dataset_run_id": run_id, "dataset_run_name": labels.run_name,
        "dataset_item_id": result.dataset_item_id, "dataset_run_item_id": result.run_item_id,
    });
    let user_id = format!("dataset_run_{run_id}");
    let session = NewSession {
        session_id: format!("dataset-run-{key}"),
        user_id: Some(user_id.clone()),
        metadata: metadata.clone(),
    };
    let trace = NewTrace {
        trace_id: format!("trace-{key}"),
        start_time: Some(result.started_at),
        name: "dataset_run_item".into(),
        input: Some(result.input.clone()),
        metadata,
        tags: vec!["dataset".into(), format!("dataset:{}", labels.dataset_name), format!("run:{}", labels.run_name)],
        user_id: Some(user_id),
    };
    let observations = result
        .observations
        .into_iter()
        .enumerate()
        .map(|(n, observation)| NewObservation { observation_id: format!("obs-{key}-{}", n + 1), ..observation })
        .collect();
    FinishedItem {
        run_item_id: result.run_item_id,
        dataset_item_id: result.dataset_item_id,
        repetition: result.repetition,
        input: result.input,
        expected_output: result.expected,
        output: result.output,
        error: result.error,
        latency_ms: result.latency_ms,
        session,
        trace,
        observations,
        scores: result.scores,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traces_are_named_tagged_and_keyed_by_run_item_and_event() {
        let labels = RunLabels { run_id: 7, run_name: "r1".into(), dataset_id: 3, dataset_name: "d".into() };
        let result = ItemResult {
            run_item_id: 11,
            dataset_item_id: 5,
            repetition: 0,
            input: json!({"q": 1}),
            output: Some(json!("a")),
            error: None,
            started_at: "2026-01-01T00:00:00.000Z".into(),
            latency_ms: 4,
            observations: vec![NewObservation::default(), NewObservation::default()],
            expected: None,
            scores: Vec::new(),
        };
        let item = finished_item(&labels, result, 42);
        assert_eq!(item.session.session_id, "dataset-run-7-11-42");
        assert_eq!(item.session.user_id.as_deref(), Some("dataset_run_7"));
        assert_eq!((item.trace.trace_id.as_str(), item.trace.name.as_str()), ("trace-7-11-42", "dataset_run_item"));
        assert_eq!(item.trace.tags, vec!["dataset", "dataset:d", "run:r1"]);
        assert_eq!(item.trace.metadata["dataset_run_item_id"], 11);
        assert_eq!(item.session.metadata, item.trace.metadata);
        let ids: Vec<_> = item.observations.iter().map(|o| o.observation_id.as_str()).collect();
        assert_eq!(ids, ["obs-7-11-42-1", "obs-7-11-42-2"]);
    }
}
