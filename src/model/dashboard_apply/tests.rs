//! The dashboard's figures under each kind of change.

use super::*;
use crate::model::dashboard::{Cards, LatencyBucket, Range};
use crate::model::dashboard_live::{TraceBatch, TraceHour};

fn dashboard() -> Dashboard {
    let window = Range::Day.window(parse_timestamp_ms("2026-11-25T09:34:14.123Z").unwrap());
    Dashboard {
        range: Range::Day,
        from: window.from,
        to: window.to,
        buckets: window.buckets,
        current: Cards::default(),
        previous: Cards::default(),
        runs: Vec::new(),
        usage: Vec::new(),
        latency: Vec::new(),
        scores: Vec::new(),
        recent_runs: Vec::new(),
    }
}

fn point(run_id: i64) -> ScorePoint {
    ScorePoint {
        dataset_id: 3,
        dataset: "qa".into(),
        run_id,
        run: format!("Run {run_id}"),
        created_at: "2026-11-25T09:30:00.000Z".into(),
        score: "exact".into(),
        mean: 0.5,
    }
}

fn run(completed: i64, failed: i64, status: RunStatus) -> LiveRun {
    LiveRun {
        id: 7,
        dataset_id: 3,
        dataset: "qa".into(),
        name: "Run 1".into(),
        status,
        total_items: 10,
        completed_items: completed,
        failed_items: failed,
        total_cost: 0.0,
        total_tokens: 0,
        created_at: "2026-11-25T09:30:00.000Z".into(),
    }
}

#[test]
fn a_run_counts_once_and_its_items_by_difference() {
    let mut d = dashboard();
    d.apply(&Change::RunStarted { run: run(0, 0, RunStatus::Pending) });
    d.apply(&Change::RunProgress { run: run(3, 1, RunStatus::Running) });
    d.apply(&Change::RunProgress { run: run(6, 1, RunStatus::Running) });
    d.apply(&Change::RunFinished { run: run(9, 1, RunStatus::Completed), scores: Vec::new() });
    assert_eq!((d.current.runs, d.current.items_evaluated, d.current.items_succeeded), (1, 10, 9));
    assert_eq!(d.current.success_rate(), Some(0.9));
    assert_eq!(d.runs.len(), 1);
    assert_eq!((d.runs[0].bucket.as_str(), d.runs[0].runs, d.runs[0].items_evaluated), ("2026-11-25T09", 1, 10));
    assert_eq!(d.recent_runs.len(), 1);
    assert_eq!(d.recent_runs[0].status, RunStatus::Completed);
}

#[test]
fn a_deleted_run_comes_off_the_cards_charts_and_lists() {
    let mut d = dashboard();
    let mut other = run(4, 0, RunStatus::Completed);
    other.id = 8;
    d.apply(&Change::RunStarted { run: run(0, 0, RunStatus::Pending) });
    d.apply(&Change::RunFinished { run: run(9, 1, RunStatus::Completed), scores: vec![point(7)] });
    d.apply(&Change::RunStarted { run: other.clone() });
    d.apply(&Change::RunFinished { run: other.clone(), scores: vec![point(8)] });
    assert_eq!((d.current.runs, d.current.items_evaluated, d.runs[0].runs), (2, 14, 2));
    // Deleted as it stood in the database: the page's own figures for it count.
    d.apply(&Change::RunsDeleted { runs: vec![run(0, 0, RunStatus::Completed)] });
    assert_eq!((d.current.runs, d.current.items_evaluated, d.current.items_succeeded), (1, 4, 4));
    assert_eq!((d.runs.len(), d.runs[0].runs, d.runs[0].items_evaluated), (1, 1, 4));
    assert_eq!(d.recent_runs.iter().map(|r| r.id).collect::<Vec<_>>(), vec![8]);
    assert_eq!(d.scores.iter().map(|p| p.run_id).collect::<Vec<_>>(), vec![8]);
    d.apply(&Change::RunsDeleted { runs: vec![other] });
    assert_eq!((d.current.runs, d.current.items_evaluated), (0, 0));
    assert!(d.runs.is_empty() && d.recent_runs.is_empty() && d.scores.is_empty());
    // A run of the period before, never listed here: off the figures the cards compare with.
    d.previous = Cards { runs: 3, items_evaluated: 30, items_succeeded: 20, ..Cards::default() };
    let mut old = run(5, 5, RunStatus::Completed);
    old.created_at = "2026-11-24T01:00:00.000Z".into();
    d.apply(&Change::RunsDeleted { runs: vec![old.clone()] });
    assert_eq!((d.previous.runs, d.previous.items_evaluated, d.previous.items_succeeded), (2, 20, 15));
    // Older still: nothing shown counted it.
    old.created_at = "2026-11-20T01:00:00.000Z".into();
    d.apply(&Change::RunsDeleted { runs: vec![old] });
    assert_eq!((d.current.runs, d.previous.runs), (0, 2));
}

#[test]
fn an_unknown_run_counts_from_now_on() {
    let mut d = dashboard();
    d.apply(&Change::RunProgress { run: run(5, 0, RunStatus::Running) });
    d.apply(&Change::RunProgress { run: run(8, 0, RunStatus::Running) });
    assert_eq!((d.current.runs, d.current.items_evaluated), (0, 3));
}

#[test]
fn traces_count_in_the_window_and_slide_it() {
    let mut d = dashboard();
    let hour = |hour: &str, count| TraceHour {
        hour: hour.into(),
        count,
        tokens: 10 * count,
        cost: 0.5,
        latency_ms_total: 100.0,
        latency_count: 1,
    };
    let traces = TraceBatch {
        count: 6,
        tokens: 60,
        cost: 1.5,
        hours: vec![hour("2026-11-20T01", 1), hour("2026-11-25T09", 2), hour("2026-11-25T10", 3)],
        ..TraceBatch::default()
    };
    d.apply(&Change::TracesIngested { traces });
    assert_eq!((d.current.traces, d.current.tokens, d.current.cost), (5, 50, 1.0));
    assert_eq!(d.current.mean_latency_ms(), Some(100.0));
    assert_eq!(d.buckets.len(), 24);
    assert_eq!(d.buckets.last().unwrap(), "2026-11-25T10");
}

#[test]
fn spans_arriving_later_move_the_figures_but_not_the_trace_count() {
    let mut d = dashboard();
    let told = |count, tokens, latency_count| TraceBatch {
        count,
        tokens,
        hours: vec![TraceHour {
            hour: "2026-11-25T09".into(),
            count,
            tokens,
            cost: 0.0,
            latency_ms_total: 40.0 * latency_count as f64,
            latency_count,
        }],
        usage: (tokens > 0)
            .then(|| UsageBucket { bucket: "2026-11-25T09".into(), model: "m".into(), tokens, cost: 0.0 })
            .into_iter()
            .collect(),
        ..TraceBatch::default()
    };
    d.apply(&Change::TracesIngested { traces: told(1, 0, 1) });
    d.apply(&Change::TracesIngested { traces: told(0, 13, 0) });
    assert_eq!((d.current.traces, d.current.tokens, d.current.latency_count), (1, 13, 1));
    assert_eq!(d.usage.iter().map(|u| (u.model.as_str(), u.tokens)).collect::<Vec<_>>(), [("m", 13)]);
}

#[test]
fn traces_move_the_usage_and_latency_charts() {
    let mut d = dashboard();
    d.usage.push(UsageBucket { bucket: "2026-11-25T09".into(), model: "gpt".into(), tokens: 100, cost: 1.0 });
    d.latency.push(LatencyBucket { bucket: "2026-11-25T09".into(), count: 1, p50: 80, p95: 80 });
    let usage = |bucket: &str, model: &str, tokens| UsageBucket {
        bucket: bucket.into(),
        model: model.into(),
        tokens,
        cost: 0.25,
    };
    let latency = |bucket: &str, count, p50, p95| LatencyBucket { bucket: bucket.into(), count, p50, p95 };
    let traces = TraceBatch {
        usage: vec![
            usage("2026-11-25T09", "gpt", 7),
            usage("2026-11-25T09", "claude", 3),
            usage("2026-11-01T09", "gpt", 9),
        ],
        latency: vec![
            // The whole bucket as it now stands replaces the old one …
            latency("2026-11-25T09", 3, 90, 400),
            latency("2026-11-25T08", 1, 20, 20),
            // … and day buckets are for the 7 d and 30 d ranges.
            latency("2026-11-25", 4, 90, 400),
            latency("2026-11-01T09", 1, 5, 5),
        ],
        ..TraceBatch::default()
    };
    d.apply(&Change::TracesIngested { traces });
    let tokens: Vec<_> = d.usage.iter().map(|u| (u.model.as_str(), u.tokens, u.cost)).collect();
    assert_eq!(tokens, [("gpt", 107, 1.25), ("claude", 3, 0.25)]);
    let percentiles: Vec<_> = d.latency.iter().map(|l| (l.bucket.as_str(), l.count, l.p50, l.p95)).collect();
    assert_eq!(percentiles, [("2026-11-25T08", 1, 20, 20), ("2026-11-25T09", 3, 90, 400)]);

    let mut week = dashboard();
    week.range = Range::Week;
    let window = Range::Week.window(parse_timestamp_ms("2026-11-25T09:34:14.123Z").unwrap());
    week.buckets = window.buckets;
    let traces = TraceBatch {
        usage: vec![usage("2026-11-25T09", "gpt", 7), usage("2026-11-25T10", "gpt", 3)],
        latency: vec![latency("2026-11-25T09", 3, 90, 400), latency("2026-11-25", 4, 90, 400)],
        ..TraceBatch::default()
    };
    week.apply(&Change::TracesIngested { traces });
    assert_eq!((week.usage.len(), week.usage[0].bucket.as_str(), week.usage[0].tokens), (1, "2026-11-25", 10));
    assert_eq!((week.latency.len(), week.latency[0].bucket.as_str(), week.latency[0].count), (1, "2026-11-25", 4));
}

#[test]
fn a_completed_run_joins_the_score_trends() {
    let mut d = dashboard();
    let point = |run_id, score: &str, mean| ScorePoint {
        dataset_id: 3,
        dataset: "qa".into(),
        run_id,
        run: format!("Run {run_id}"),
        created_at: "2026-11-25T09:30:00.000Z".into(),
        score: score.into(),
        mean,
    };
    d.scores.push(point(5, "exact", 0.5));
    let scores = vec![point(7, "exact", 0.75), point(7, "judge", 1.0)];
    d.apply(&Change::RunFinished { run: run(9, 1, RunStatus::Completed), scores: scores.clone() });
    let trend: Vec<_> = d.scores.iter().map(|p| (p.run_id, p.score.as_str(), p.mean)).collect();
    assert_eq!(trend, [(5, "exact", 0.5), (7, "exact", 0.75), (7, "judge", 1.0)]);
    // Finishing again (a retry) replaces the run's points rather than adding more.
    d.apply(&Change::RunFinished { run: run(10, 0, RunStatus::Completed), scores: vec![point(7, "exact", 1.0)] });
    let trend: Vec<_> = d.scores.iter().map(|p| (p.run_id, p.score.as_str(), p.mean)).collect();
    assert_eq!(trend, [(5, "exact", 0.5), (7, "exact", 1.0)]);
    // A cancelled run is no point of a trend.
    let mut cancelled = run(2, 0, RunStatus::Cancelled);
    cancelled.id = 8;
    d.apply(&Change::RunFinished { run: cancelled, scores: vec![point(8, "exact", 0.1)] });
    assert_eq!(d.scores.len(), 2);
}

#[test]
fn a_run_scored_again_replaces_its_points_in_the_trends() {
    let mut d = dashboard();
    let point = |run_id, score: &str, mean, created_at: &str| ScorePoint {
        dataset_id: 3,
        dataset: "qa".into(),
        run_id,
        run: format!("Run {run_id}"),
        created_at: created_at.into(),
        score: score.into(),
        mean,
    };
    let now = "2026-11-25T09:30:00.000Z";
    d.scores = vec![point(5, "exact", 0.5, now), point(7, "exact", 0.75, now)];
    // Evaluated again with other evaluators: the run's points are the new ones.
    let scores = vec![point(7, "exact", 0.25, now), point(7, "close", 0.9, now)];
    d.apply(&Change::RunScored { run_id: 7, scores });
    let trend: Vec<_> = d.scores.iter().map(|p| (p.run_id, p.score.as_str(), p.mean)).collect();
    assert_eq!(trend, [(5, "exact", 0.5), (7, "close", 0.9), (7, "exact", 0.25)]);
    // A run from before the window stays off the charts; points of another run are not taken.
    d.apply(&Change::RunScored { run_id: 4, scores: vec![point(4, "exact", 1.0, "2026-11-20T09:00:00.000Z")] });
    d.apply(&Change::RunScored { run_id: 6, scores: vec![point(5, "exact", 0.0, now)] });
    assert_eq!(d.scores.len(), 3);
    // No score left with a value: the run leaves the trends.
    d.apply(&Change::RunScored { run_id: 7, scores: Vec::new() });
    let trend: Vec<_> = d.scores.iter().map(|p| (p.run_id, p.score.as_str(), p.mean)).collect();
    assert_eq!(trend, [(5, "exact", 0.5)]);
}
