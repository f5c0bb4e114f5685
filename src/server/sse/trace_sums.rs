//! The traces the install-wide stream tells, added up: per hour (count,
//! tokens, cost, latency) and per hour and model (tokens, cost).

use crate::model::dashboard::UsageBucket;
use crate::model::dashboard_live::{TraceBatch, TraceHour};
use crate::server::db::stats::TraceFigures;
use std::collections::BTreeMap;

/// Traces' figures added up per hour and per hour and model; a trace told
/// again counts once against its old figures and once for its new ones.
#[derive(Default)]
pub(super) struct TraceSums {
    hours: BTreeMap<String, TraceHour>,
    usage: BTreeMap<(String, String), (i64, f64)>,
}

impl TraceSums {
    pub(super) fn add(&mut self, trace: &TraceFigures, sign: i64) {
        let hour = self
            .hours
            .entry(trace.hour.clone())
            .or_insert_with(|| TraceHour { hour: trace.hour.clone(), ..TraceHour::default() });
        hour.count += sign;
        hour.tokens += sign * trace.tokens;
        hour.cost += sign as f64 * trace.cost;
        if let Some(ms) = trace.latency_ms {
            hour.latency_ms_total += (sign * ms) as f64;
            hour.latency_count += sign;
        }
        for (model, hour) in &trace.models {
            let usage = self.usage.entry((hour.clone(), model.clone())).or_default();
            *usage = (usage.0 + sign * trace.tokens, usage.1 + sign as f64 * trace.cost);
        }
    }

    /// The batch to tell, without the hours and models where nothing changed.
    pub(super) fn batch(self) -> TraceBatch {
        let moved = |tokens: i64, cost: f64| tokens != 0 || cost.abs() > 1e-12;
        let hours: Vec<TraceHour> = self
            .hours
            .into_values()
            .filter(|h| h.count != 0 || h.latency_count != 0 || h.latency_ms_total != 0.0 || moved(h.tokens, h.cost))
            .collect();
        let usage = self
            .usage
            .into_iter()
            .filter(|(_, (tokens, cost))| moved(*tokens, *cost))
            .map(|((bucket, model), (tokens, cost))| UsageBucket { bucket, model, tokens, cost })
            .collect();
        TraceBatch {
            count: hours.iter().map(|h| h.count).sum(),
            tokens: hours.iter().map(|h| h.tokens).sum(),
            cost: hours.iter().map(|h| h.cost).sum(),
            hours,
            usage,
            latency: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figures(hour: &str, tokens: i64, cost: f64, latency_ms: Option<i64>, models: &[&str]) -> TraceFigures {
        TraceFigures {
            hour: hour.into(),
            tokens,
            cost,
            latency_ms,
            models: models.iter().map(|m| (m.to_string(), hour.to_string())).collect(),
        }
    }

    #[test]
    fn new_traces_add_up_per_hour_and_model() {
        let mut sums = TraceSums::default();
        sums.add(&figures("2026-12-01T10", 10, 0.5, Some(100), &["a", "b"]), 1);
        sums.add(&figures("2026-12-01T10", 5, 0.25, None, &["a"]), 1);
        sums.add(&figures("2026-12-01T11", 0, 0.0, None, &[]), 1);
        let batch = sums.batch();
        assert_eq!((batch.count, batch.tokens, batch.cost), (3, 15, 0.75));
        assert_eq!(batch.hours.len(), 2, "an empty trace still counts: {batch:?}");
        let ten = &batch.hours[0];
        assert_eq!((ten.count, ten.latency_ms_total, ten.latency_count), (2, 100.0, 1));
        let usage: Vec<(&str, i64)> = batch.usage.iter().map(|u| (u.model.as_str(), u.tokens)).collect();
        assert_eq!(usage, [("a", 15), ("b", 10)]);
    }

    #[test]
    fn a_trace_told_again_counts_the_difference() {
        let told = figures("2026-12-01T10", 0, 0.0, None, &[]);
        let now = figures("2026-12-01T10", 15, 0.003, Some(120), &["m"]);
        let mut sums = TraceSums::default();
        sums.add(&told, -1);
        sums.add(&now, 1);
        let batch = sums.batch();
        assert_eq!((batch.count, batch.tokens), (0, 15), "not a new trace: {batch:?}");
        assert!((batch.cost - 0.003).abs() < 1e-12);
        let hour = &batch.hours[0];
        assert_eq!((hour.count, hour.latency_ms_total, hour.latency_count), (0, 120.0, 1));
        assert_eq!(
            batch.usage,
            vec![UsageBucket { bucket: "2026-12-01T10".into(), model: "m".into(), tokens: 15, cost: 0.003 }]
        );

        // A root span that started an hour earlier moves the trace to that hour.
        let earlier = figures("2026-12-01T09", 15, 0.003, Some(3_600_120), &["m"]);
        let mut sums = TraceSums::default();
        sums.add(&now, -1);
        sums.add(&earlier, 1);
        let batch = sums.batch();
        let counts: Vec<(&str, i64, i64)> = batch.hours.iter().map(|h| (h.hour.as_str(), h.count, h.tokens)).collect();
        assert_eq!(counts, [("2026-12-01T09", 1, 15), ("2026-12-01T10", -1, -15)]);
        assert_eq!((batch.count, batch.tokens), (0, 0));
        let usage: Vec<(&str, i64)> = batch.usage.iter().map(|u| (u.bucket.as_str(), u.tokens)).collect();
        assert_eq!(usage, [("2026-12-01T09", 15), ("2026-12-01T10", -15)]);

        // Nothing changed: nothing to tell.
        let mut sums = TraceSums::default();
        sums.add(&now, -1);
        sums.add(&now, 1);
        let batch = sums.batch();
        assert!(batch.hours.is_empty() && batch.usage.is_empty(), "{batch:?}");
    }
}
