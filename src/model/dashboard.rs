//! The dashboard: a time range split into buckets, the figures of that period
//! and the one before, the series its charts draw and the recent runs. The
//! live changes that move it (`InstallEvent`) and how they apply are in
//! `dashboard_live`.

use super::run::RunStatus;
use super::stats::format_timestamp_ms;
use serde::{Deserialize, Serialize};

/// The period the dashboard covers: the last 24 hours (hourly buckets), 7 or 30 days (daily buckets).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum Range {
    #[default]
    #[serde(rename = "24h")]
    Day,
    #[serde(rename = "7d")]
    Week,
    #[serde(rename = "30d")]
    Month,
}

const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 86_400_000;

impl Range {
    pub const ALL: [Range; 3] = [Range::Day, Range::Week, Range::Month];

    /// `24h`, `7d` or `30d`; an empty string is the default.
    pub fn parse(text: &str) -> Option<Range> {
        match text.trim() {
            "" | "24h" => Some(Range::Day),
            "7d" => Some(Range::Week),
            "30d" => Some(Range::Month),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Range::Day => "24h",
            Range::Week => "7d",
            Range::Month => "30d",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Range::Day => "24 h",
            Range::Week => "7 d",
            Range::Month => "30 d",
        }
    }

    fn bucket_ms(self) -> i64 {
        match self {
            Range::Day => HOUR_MS,
            Range::Week | Range::Month => DAY_MS,
        }
    }

    fn bucket_count(self) -> i64 {
        match self {
            Range::Day => 24,
            Range::Week => 7,
            Range::Month => 30,
        }
    }

    /// How many leading characters of a timestamp name its bucket:
    /// `2026-11-25T09` (an hour) or `2026-11-25` (a day).
    pub fn key_len(self) -> usize {
        match self {
            Range::Day => 13,
            Range::Week | Range::Month => 10,
        }
    }

    /// The bucket a timestamp (`YYYY-MM-DDTHH:MM:SS…Z`) falls in.
    pub fn bucket_of(self, ts: &str) -> String {
        ts.get(..self.key_len()).unwrap_or(ts).to_string()
    }

    /// The period ending with the bucket `now_ms` falls in, and the one before.
    pub fn window(self, now_ms: i64) -> Window {
        let step = self.bucket_ms();
        let to = now_ms.div_euclid(step) * step + step;
        let from = to - step * self.bucket_count();
        let buckets = (0..self.bucket_count()).map(|n| self.bucket_of(&format_timestamp_ms(from + n * step))).collect();
        Window {
            from: format_timestamp_ms(from),
            to: format_timestamp_ms(to),
            previous_from: format_timestamp_ms(from - (to - from)),
            buckets,
        }
    }
}

/// A period as timestamps (`from` inclusive, `to` exclusive) and its bucket keys, oldest first.
#[derive(Debug, Clone, PartialEq)]
pub struct Window {
    pub from: String,
    pub to: String,
    pub previous_from: String,
    pub buckets: Vec<String>,
}

/// The figures of one period. Runs count by when they were created, traces by when they started.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Cards {
    pub runs: i64,
    /// Finished items (succeeded or failed) of the period's runs.
    pub items_evaluated: i64,
    pub items_succeeded: i64,
    pub traces: i64,
    pub tokens: i64,
    pub cost: f64,
    /// Sum and count of the traces' latencies, so the mean can move with each new trace.
    pub latency_ms_total: f64,
    pub latency_count: i64,
}

impl Cards {
    pub fn mean_latency_ms(&self) -> Option<f64> {
        (self.latency_count > 0).then(|| self.latency_ms_total / self.latency_count as f64)
    }

    /// Succeeded items over finished items (the runs' own `success_rate`).
    pub fn success_rate(&self) -> Option<f64> {
        (self.items_evaluated > 0).then(|| self.items_succeeded as f64 / self.items_evaluated as f64)
    }
}

/// Runs of one dataset created in one bucket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RunBucket {
    pub bucket: String,
    pub dataset_id: i64,
    pub dataset: String,
    pub runs: i64,
    pub items_evaluated: i64,
    pub items_succeeded: i64,
}

/// Tokens and cost of the traces that used one model, in one bucket (a trace
/// calling two models counts toward both).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct UsageBucket {
    pub bucket: String,
    pub model: String,
    pub tokens: i64,
    pub cost: f64,
}

/// Trace latency percentiles in one bucket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LatencyBucket {
    pub bucket: String,
    pub count: i64,
    pub p50: i64,
    pub p95: i64,
}

/// The mean of one score over one completed run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow, utoipa::ToSchema))]
pub struct ScorePoint {
    pub dataset_id: i64,
    pub dataset: String,
    pub run_id: i64,
    pub run: String,
    pub created_at: String,
    pub score: String,
    pub mean: f64,
}

/// A run as the dashboard lists it and as its live events carry it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow, utoipa::ToSchema))]
pub struct LiveRun {
    pub id: i64,
    pub dataset_id: i64,
    pub dataset: String,
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

impl LiveRun {
    pub fn finished_items(&self) -> i64 {
        self.completed_items + self.failed_items
    }

    pub fn progress_percentage(&self) -> f64 {
        super::run::progress_percentage(self.completed_items, self.failed_items, self.total_items)
    }
}

/// `GET /api/v1/dashboard?range=`: everything the dashboard shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Dashboard {
    pub range: Range,
    pub from: String,
    pub to: String,
    /// Bucket keys, oldest first: `YYYY-MM-DDTHH` (24 h) or `YYYY-MM-DD`.
    pub buckets: Vec<String>,
    pub current: Cards,
    pub previous: Cards,
    pub runs: Vec<RunBucket>,
    pub usage: Vec<UsageBucket>,
    pub latency: Vec<LatencyBucket>,
    pub scores: Vec<ScorePoint>,
    pub recent_runs: Vec<LiveRun>,
}

impl Dashboard {
    /// Nothing happened in this period or the one before.
    pub fn is_empty(&self) -> bool {
        self.current == Cards::default() && self.previous == Cards::default() && self.recent_runs.is_empty()
    }
}

/// The change from `previous` to `current` in percent; `None` when there is nothing to compare with.
pub fn change_percent(current: f64, previous: f64) -> Option<f64> {
    (previous != 0.0).then(|| (current - previous) / previous.abs() * 100.0)
}

/// "↑ 12%", "↓ 5%", "→ 0%", or "—" when the previous period had nothing.
pub fn change_label(current: f64, previous: f64) -> String {
    match change_percent(current, previous) {
        None => "—".into(),
        Some(p) if p.abs() < 0.5 => "→ 0%".into(),
        Some(p) if p > 0.0 => format!("↑ {p:.0}%"),
        Some(p) => format!("↓ {:.0}%", -p),
    }
}

/// Latency percentiles per bucket from `(bucket, latency)` rows sorted by both.
pub fn latency_buckets(rows: &[(String, i64)]) -> Vec<LatencyBucket> {
    let mut out = Vec::new();
    for group in rows.chunk_by(|a, b| a.0 == b.0) {
        let at = |q: f64| {
            let rank = ((q * group.len() as f64).ceil() as usize).clamp(1, group.len());
            group[rank - 1].1
        };
        out.push(LatencyBucket { bucket: group[0].0.clone(), count: group.len() as i64, p50: at(0.5), p95: at(0.95) });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::stats::parse_timestamp_ms;

    #[test]
    fn ranges_parse_and_name_themselves() {
        for range in Range::ALL {
            assert_eq!(Range::parse(range.as_str()), Some(range));
            assert_eq!(serde_json::to_value(range).unwrap(), range.as_str());
        }
        assert_eq!(Range::parse(""), Some(Range::Day));
        assert_eq!(Range::parse("1y"), None);
    }

    #[test]
    fn windows_end_with_the_current_bucket() {
        let now = parse_timestamp_ms("2026-11-25T09:34:14.123Z").unwrap();
        let day = Range::Day.window(now);
        assert_eq!(day.buckets.len(), 24);
        assert_eq!(day.buckets[0], "2026-11-24T10");
        assert_eq!(day.buckets[23], "2026-11-25T09");
        assert_eq!((day.from.as_str(), day.to.as_str()), ("2026-11-24T10:00:00.000Z", "2026-11-25T10:00:00.000Z"));
        assert_eq!(day.previous_from, "2026-11-23T10:00:00.000Z");
        let week = Range::Week.window(now);
        assert_eq!(
            week.buckets,
            ["2026-11-19", "2026-11-20", "2026-11-21", "2026-11-22", "2026-11-23", "2026-11-24", "2026-11-25"]
        );
        assert_eq!(week.to, "2026-11-26T00:00:00.000Z");
        let month = Range::Month.window(now);
        assert_eq!((month.buckets.len(), month.buckets[0].as_str()), (30, "2026-10-27"));
        assert_eq!(Range::Month.bucket_of("2026-11-25T09:34:14.123Z"), "2026-11-25");
    }

    #[test]
    fn changes_against_the_previous_period() {
        assert_eq!(change_percent(12.0, 10.0), Some(20.0));
        assert_eq!(change_percent(5.0, 0.0), None);
        assert_eq!(change_label(12.0, 10.0), "↑ 20%");
        assert_eq!(change_label(5.0, 10.0), "↓ 50%");
        assert_eq!(change_label(10.0, 10.0), "→ 0%");
        assert_eq!(change_label(3.0, 0.0), "—");
        let cards = Cards {
            items_evaluated: 4,
            items_succeeded: 3,
            latency_ms_total: 300.0,
            latency_count: 2,
            ..Cards::default()
        };
        assert_eq!((cards.success_rate(), cards.mean_latency_ms()), (Some(0.75), Some(150.0)));
        assert_eq!(Cards::default().success_rate(), None);
    }

    #[test]
    fn latency_percentiles_per_bucket() {
        let mut rows: Vec<(String, i64)> = (1..=20).map(|ms| ("2026-11-25T09".to_string(), ms * 10)).collect();
        rows.push(("2026-11-25T10".into(), 7));
        let buckets = latency_buckets(&rows);
        assert_eq!(buckets.len(), 2);
        assert_eq!((buckets[0].count, buckets[0].p50, buckets[0].p95), (20, 100, 190));
        assert_eq!((buckets[1].count, buckets[1].p50, buckets[1].p95), (1, 7, 7));
        assert!(latency_buckets(&[]).is_empty());
    }
}
