//! Dataset runs: their lifecycle states and the summary the dataset pages show.

use serde::{Deserialize, Serialize};

/// Stored as an integer (the seed's enum order, with `cancelled` appended).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
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
}

impl RunSummary {
    /// Share of items finished (succeeded or failed), 0–100 with one decimal.
    pub fn progress_percentage(&self) -> f64 {
        progress_percentage(self.completed_items, self.failed_items, self.total_items)
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
    fn progress_rounds_to_one_decimal() {
        assert_eq!(progress_percentage(0, 0, 0), 0.0);
        assert_eq!(progress_percentage(1, 0, 3), 33.3);
        assert_eq!(progress_percentage(2, 1, 3), 100.0);
    }
}
