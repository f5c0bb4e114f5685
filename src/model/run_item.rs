//! Run items: the result of one dataset item in one run, and the events a run
//! streams while it goes.

use super::run::DatasetRun;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Stored as an integer: 0 pending, 1 running, 2 succeeded, 3 failed, 4 cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum RunItemStatus {
    Pending,
    Running,
    Succeeded,
    Failed,
    Cancelled,
}

impl RunItemStatus {
    pub fn code(self) -> i64 {
        match self {
            RunItemStatus::Pending => 0,
            RunItemStatus::Running => 1,
            RunItemStatus::Succeeded => 2,
            RunItemStatus::Failed => 3,
            RunItemStatus::Cancelled => 4,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RunItemStatus::Pending => "pending",
            RunItemStatus::Running => "running",
            RunItemStatus::Succeeded => "succeeded",
            RunItemStatus::Failed => "failed",
            RunItemStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        (0..5).map(|c| Self::try_from(c).unwrap()).find(|s| s.as_str() == text)
    }
}

impl TryFrom<i64> for RunItemStatus {
    type Error = String;
    fn try_from(code: i64) -> Result<Self, String> {
        Ok(match code {
            0 => RunItemStatus::Pending,
            1 => RunItemStatus::Running,
            2 => RunItemStatus::Succeeded,
            3 => RunItemStatus::Failed,
            4 => RunItemStatus::Cancelled,
            other => return Err(format!("unknown run item status code {other}")),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RunItem {
    pub id: i64,
    pub dataset_run_id: i64,
    pub dataset_item_id: i64,
    pub repetition: i64,
    #[cfg_attr(feature = "ssr", sqlx(try_from = "i64"))]
    pub status: RunItemStatus,
    #[cfg_attr(feature = "ssr", sqlx(json))]
    pub input: Value,
    #[cfg_attr(feature = "ssr", sqlx(json(nullable)))]
    pub expected_output: Option<Value>,
    #[cfg_attr(feature = "ssr", sqlx(json(nullable)))]
    pub output: Option<Value>,
    pub error: Option<String>,
    pub trace_id: Option<i64>,
    pub latency_ms: Option<i64>,
    pub cost: f64,
    pub tokens: i64,
    /// Position in the run's stream of finished items (the SSE event id).
    pub seq: Option<i64>,
    /// Its scores, by name.
    #[cfg_attr(feature = "ssr", sqlx(skip))]
    #[serde(default)]
    pub scores: Vec<super::score::Score>,
}

/// One run's result for a dataset item (the item's history).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ItemRun {
    pub run_id: i64,
    pub run_name: String,
    pub run_created_at: String,
    pub result: RunItem,
}

/// Counters of a run as they change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunProgress {
    pub id: i64,
    pub status: super::run::RunStatus,
    pub total_items: i64,
    pub completed_items: i64,
    pub failed_items: i64,
    pub total_cost: f64,
    pub total_tokens: i64,
    pub progress_percentage: f64,
}

impl From<&DatasetRun> for RunProgress {
    fn from(run: &DatasetRun) -> Self {
        RunProgress {
            id: run.id,
            status: run.status,
            total_items: run.total_items,
            completed_items: run.completed_items,
            failed_items: run.failed_items,
            total_cost: run.total_cost,
            total_tokens: run.total_tokens,
            progress_percentage: run.progress_percentage,
        }
    }
}

/// What a list of runs needs of a run's events: the counters that `snapshot`,
/// `progress` and `done` all carry, and the score summary that the first and
/// the last add. Reading only these keeps a page that lists runs from carrying
/// the code that reads whole runs and run items.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct RunCounters {
    pub status: super::run::RunStatus,
    pub total_items: i64,
    pub completed_items: i64,
    pub failed_items: i64,
    pub total_cost: f64,
    pub total_tokens: i64,
    /// `None` on a `progress` event, which has no scores.
    #[serde(default)]
    pub scores_summary: Option<Vec<super::score::ScoreSummary>>,
}

/// What a run's event stream carries (`GET /api/v1/runs/{id}/events`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", content = "data", rename_all = "lowercase")]
pub enum RunEvent {
    /// The whole run, first on every connection.
    Snapshot(DatasetRun),
    /// One finished run item.
    Item(RunItem),
    /// The run's counters after a batch of items.
    Progress(RunProgress),
    /// The finished run; the stream ends after it.
    Done(DatasetRun),
}

impl RunEvent {
    pub fn name(&self) -> &'static str {
        match self {
            RunEvent::Snapshot(_) => "snapshot",
            RunEvent::Item(_) => "item",
            RunEvent::Progress(_) => "progress",
            RunEvent::Done(_) => "done",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::run::RunStatus;
    use crate::model::score::ScoreSummary;

    fn run() -> DatasetRun {
        let scores =
            vec![ScoreSummary { name: "exact".into(), count: 3, mean: Some(0.5), pass_rate: Some(0.5), errors: 1 }];
        DatasetRun {
            id: 7,
            dataset_id: 2,
            name: "Run 1".into(),
            description: None,
            status: RunStatus::Completed,
            concurrency: 2,
            repetitions: 1,
            metadata: serde_json::json!({"model": "m"}),
            total_items: 4,
            completed_items: 3,
            failed_items: 1,
            total_cost: 0.25,
            total_tokens: 120,
            progress_percentage: 100.0,
            event_seq: 4,
            latency_ms_p50: Some(10),
            latency_ms_p95: Some(20),
            scores_summary: scores,
            success_rate: Some(0.75),
            flaky_items: None,
            created_at: "2026-12-01T00:00:00Z".into(),
            started_at: None,
            finished_at: None,
            origin: "server".into(),
        }
    }

    #[test]
    fn counters_read_a_whole_run_and_a_progress_event_alike() {
        let whole = run();
        let counters: RunCounters = serde_json::from_str(&serde_json::to_string(&whole).unwrap()).unwrap();
        assert_eq!(counters.status, RunStatus::Completed);
        assert_eq!((counters.total_items, counters.completed_items, counters.failed_items), (4, 3, 1));
        assert_eq!((counters.total_cost, counters.total_tokens), (0.25, 120));
        assert_eq!(counters.scores_summary, Some(whole.scores_summary.clone()));

        let mut running = whole;
        (running.status, running.completed_items) = (RunStatus::Running, 1);
        let progress = RunProgress::from(&running);
        let counters: RunCounters = serde_json::from_str(&serde_json::to_string(&progress).unwrap()).unwrap();
        assert_eq!((counters.status, counters.completed_items), (RunStatus::Running, 1));
        assert_eq!(counters.scores_summary, None, "a progress event leaves the scores as they were");
    }
}
