//! Dataset runs: their lifecycle states and the summary the dataset pages show.

use serde::{Deserialize, Serialize};

/// Stored as an integer (the seed's enum order, with `cancelled` appended).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum RunStatus {
    Pending,
    Running,
    Completed,
    Failed,
    Cancelled,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Pending => "pending",
            RunStatus::Running => "running",
            RunStatus::Completed => "completed",
            RunStatus::Failed => "failed",
            RunStatus::Cancelled => "cancelled",
        }
    }

    pub fn code(self) -> i64 {
        self as i64
    }

    pub fn is_finished(self) -> bool {
        matches!(self, RunStatus::Completed | RunStatus::Failed | RunStatus::Cancelled)
    }
}

impl TryFrom<i64> for RunStatus {
    type Error = String;
    fn try_from(code: i64) -> Result<Self, String> {
        Ok(match code {
            0 => RunStatus::Pending,
            1 => RunStatus::Running,
            2 => RunStatus::Completed,
            3 => RunStatus::Failed,
            4 => RunStatus::Cancelled,
            other => return Err(format!("unknown run status code {other}")),
        })
    }
}

/// A run as listed on a dataset's Runs tab and as a dataset's `last_run`.
/// A dataset's Runs tab: its latest runs, newest first, and its baseline run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetRuns {
    pub runs: Vec<RunSummary>,
    pub baseline_run_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RunSummary {
    pub id: i64,
    pub dataset_id: i64,
    pub name: String,
    #[cfg_attr(feature = "ssr", sqlx(try_from = "i64"))]
    pub status: RunStatus,
    pub total_items: i64,
    pub completed_items: i64,
    pub failed_items: i64,
    pub total_cost: f64,
    pub total_tokens: i64,
    pub created_at: String,
    /// Per score name: mean and pass rate (filled on the Runs tab's list).
    #[cfg_attr(feature = "ssr", sqlx(skip))]
    #[serde(default)]
    pub scores_summary: Vec<super::score::ScoreSummary>,
}

impl RunSummary {
    /// Share of items finished (succeeded or failed), 0–100 with one decimal.
    pub fn progress_percentage(&self) -> f64 {
        progress_percentage(self.completed_items, self.failed_items, self.total_items)
    }
}

/// A run as the API and the run page show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DatasetRun {
    pub id: i64,
    pub dataset_id: i64,
    pub name: String,
    pub description: Option<String>,
    #[cfg_attr(feature = "ssr", sqlx(try_from = "i64"))]
    pub status: RunStatus,
    pub concurrency: i64,
    pub repetitions: i64,
    #[cfg_attr(feature = "ssr", sqlx(json))]
    pub metadata: serde_json::Value,
    pub total_items: i64,
    pub completed_items: i64,
    pub failed_items: i64,
    pub total_cost: f64,
    pub total_tokens: i64,
    #[cfg_attr(feature = "ssr", sqlx(skip))]
    pub progress_percentage: f64,
    /// Finished-item events so far: the id of the run's latest SSE event.
    pub event_seq: i64,
    pub latency_ms_p50: Option<i64>,
    pub latency_ms_p95: Option<i64>,
    /// Per score name: mean, pass rate, errors.
    #[cfg_attr(feature = "ssr", sqlx(skip))]
    #[serde(default)]
    pub scores_summary: Vec<super::score::ScoreSummary>,
    /// Succeeded items over finished items.
    #[cfg_attr(feature = "ssr", sqlx(skip))]
    #[serde(default)]
    pub success_rate: Option<f64>,
    /// With repetitions > 1: items whose attempts disagree (some passed, some not).
    #[cfg_attr(feature = "ssr", sqlx(skip))]
    #[serde(default)]
    pub flaky_items: Option<i64>,
    pub created_at: String,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    /// `server` (Observ executes it) or `sdk` (an SDK's experiment reported it).
    #[serde(default = "server_origin")]
    pub origin: String,
}

fn server_origin() -> String {
    "server".into()
}

/// Limits on what a run may ask for.
pub const MAX_CONCURRENCY: i64 = 64;
pub const DEFAULT_CONCURRENCY: i64 = 8;
pub const MAX_REPETITIONS: i64 = 100;

/// What starting a run asks for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunDraft {
    pub name: String,
    pub description: Option<String>,
    pub concurrency: i64,
    pub repetitions: i64,
}

impl RunDraft {
    /// Name present; concurrency 1–64; repetitions 1–100. Uniqueness is the database's check.
    pub fn validate(&self) -> super::FieldErrors {
        let mut errors = super::FieldErrors::new();
        let name = self.name.trim();
        if name.is_empty() {
            errors.add("name", "can't be blank");
        } else if name.chars().count() > super::validation::NAME_MAX_CHARS {
            errors.add("name", format!("is too long (at most {} characters)", super::validation::NAME_MAX_CHARS));
        }
        if !(1..=MAX_CONCURRENCY).contains(&self.concurrency) {
            errors.add("concurrency", format!("must be from 1 to {MAX_CONCURRENCY}, got {}", self.concurrency));
        }
        if !(1..=MAX_REPETITIONS).contains(&self.repetitions) {
            errors.add("repetitions", format!("must be from 1 to {MAX_REPETITIONS}, got {}", self.repetitions));
        }
        errors
    }
}

/// The seed's `progress_percentage`: finished items over total, rounded to 0.1.
pub fn progress_percentage(completed: i64, failed: i64, total: i64) -> f64 {
    if total <= 0 {
        return 0.0;
    }
    (((completed + failed) as f64 / total as f64) * 1000.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_codes_round_trip() {
        for code in 0..5 {
            let status = RunStatus::try_from(code).unwrap();
            assert_eq!(serde_json::to_value(status).unwrap(), status.as_str());
        }
        assert!(RunStatus::try_from(9).is_err());
        assert!(RunStatus::Cancelled.is_finished());
        assert!(!RunStatus::Running.is_finished());
    }

    #[test]
    fn run_draft_bounds() {
        let ok = RunDraft { name: "r1".into(), description: None, concurrency: 8, repetitions: 1 };
        assert!(ok.validate().is_empty());
        let bad = RunDraft { name: " ".into(), description: None, concurrency: 65, repetitions: 0 };
        let errors = bad.validate();
        assert_eq!(errors.get("name").unwrap(), "can't be blank");
        assert_eq!(errors.get("concurrency").unwrap(), "must be from 1 to 64, got 65");
        assert_eq!(errors.get("repetitions").unwrap(), "must be from 1 to 100, got 0");
    }

    #[test]
    fn progress_rounds_to_one_decimal() {
        assert_eq!(progress_percentage(0, 0, 0), 0.0);
        assert_eq!(progress_percentage(1, 0, 3), 33.3);
        assert_eq!(progress_percentage(2, 1, 3), 100.0);
    }
}
