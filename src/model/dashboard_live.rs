//! Install-wide changes as `GET /api/v1/events` sends them (a run starts,
//! progresses, finishes, is scored again or deleted; traces arrive).
//! `model::dashboard_apply` says how the dashboard applies one to its figures.

use super::dashboard::{LatencyBucket, LiveRun, ScorePoint, UsageBucket};
use serde::{Deserialize, Serialize};

/// One event: when the server sent it (ms since the epoch) and what changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InstallEvent {
    pub sent_ms: i64,
    #[serde(flatten)]
    pub change: Change,
}

/// The event's name on the wire is its `type`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Change {
    /// The stream is open (sent first, and after a reconnect).
    Hello,
    /// This stream fell behind and skipped changes: read the dashboard again.
    Resync,
    RunStarted {
        run: LiveRun,
    },
    /// The run's counters (or status) moved.
    RunProgress {
        run: LiveRun,
    },
    /// With each score's mean over the run, for the score trends (none
    /// unless the run completed).
    RunFinished {
        run: LiveRun,
        #[serde(default)]
        scores: Vec<ScorePoint>,
    },
    /// A finished run's scores changed (it was evaluated again, or an item
    /// was reviewed): each score's mean over the run as it now stands.
    RunScored {
        run_id: i64,
        scores: Vec<ScorePoint>,
    },
    TracesIngested {
        traces: TraceBatch,
    },
    /// Runs were deleted (one, or a dataset's): each as it stood, so its items
    /// and runs come off the cards and charts it counted in.
    RunsDeleted {
        runs: Vec<LiveRun>,
    },
}

impl Change {
    pub const NAMES: [&'static str; 8] = [
        "hello",
        "resync",
        "run_started",
        "run_progress",
        "run_finished",
        "run_scored",
        "traces_ingested",
        "runs_deleted",
    ];

    pub fn name(&self) -> &'static str {
        match self {
            Change::Hello => "hello",
            Change::Resync => "resync",
            Change::RunStarted { .. } => "run_started",
            Change::RunProgress { .. } => "run_progress",
            Change::RunFinished { .. } => "run_finished",
            Change::RunScored { .. } => "run_scored",
            Change::TracesIngested { .. } => "traces_ingested",
            Change::RunsDeleted { .. } => "runs_deleted",
        }
    }
}

/// Traces that arrived since the last event, grouped by the hour they started
/// in; and the difference spans arriving later made to traces told before (they
/// count 0 traces, or −1 and +1 where a trace's start moved to another hour).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TraceBatch {
    pub count: i64,
    pub tokens: i64,
    pub cost: f64,
    pub hours: Vec<TraceHour>,
    /// Their tokens and cost per hour (`bucket`) and model.
    #[serde(default)]
    pub usage: Vec<UsageBucket>,
    /// The latency percentiles, as they now stand, of every hour
    /// (`YYYY-MM-DDTHH`) and day (`YYYY-MM-DD`) these traces fell in:
    /// percentiles do not add up, so the bucket is sent whole.
    #[serde(default)]
    pub latency: Vec<LatencyBucket>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct TraceHour {
    /// `YYYY-MM-DDTHH`.
    pub hour: String,
    pub count: i64,
    pub tokens: i64,
    pub cost: f64,
    pub latency_ms_total: f64,
    pub latency_count: i64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::run::RunStatus;

    #[test]
    fn events_round_trip_with_their_type() {
        let run = LiveRun {
            id: 7,
            dataset_id: 3,
            dataset: "qa".into(),
            name: "Run 1".into(),
            status: RunStatus::Pending,
            total_items: 10,
            completed_items: 0,
            failed_items: 0,
            total_cost: 0.0,
            total_tokens: 0,
            created_at: "2026-11-25T09:30:00.000Z".into(),
        };
        let event = InstallEvent { sent_ms: 5, change: Change::RunStarted { run } };
        let json = serde_json::to_value(&event).unwrap();
        assert_eq!((json["type"].as_str(), json["sent_ms"].as_i64()), (Some("run_started"), Some(5)));
        assert_eq!(serde_json::from_value::<InstallEvent>(json).unwrap(), event);
        assert!(Change::NAMES.contains(&event.change.name()));
    }
}
