//! The dashboard's charts: runs and their success rate per dataset, tokens and
//! cost per model, latency percentiles, and each dataset's score trends —
//! series pivoted from the dashboard's rows onto its buckets.

use crate::model::dashboard::{Dashboard, Range};
use crate::model::score::format_score;
use crate::model::stats::{cost_label, duration_label};
use crate::ui::components::{Chart, ChartData, ChartKind, Series};
use leptos::prelude::*;

/// Rows pivoted into one series per name (in order of first appearance) over `columns`.
pub fn pivot<T>(
    columns: &[String],
    rows: &[T],
    column: impl Fn(&T) -> &str,
    name: impl Fn(&T) -> String,
    value: impl Fn(&T) -> Option<f64>,
) -> Vec<Series> {
    let mut series: Vec<Series> = Vec::new();
    for row in rows {
        let Some(at) = columns.iter().position(|c| c == column(row)) else { continue };
        let name = name(row);
        let index = match series.iter().position(|s| s.name == name) {
            Some(index) => index,
            None => {
                series.push(Series { name, values: vec![None; columns.len()] });
                series.len() - 1
            }
        };
        if let Some(v) = value(row) {
            let slot = &mut series[index].values[at];
            *slot = Some(slot.unwrap_or_default() + v);
        }
    }
    series
}

/// "09:00" for an hour bucket, "11-25" for a day.
pub fn bucket_label(range: Range, key: &str) -> String {
    match range {
        Range::Day => format!("{}:00", key.get(11..13).unwrap_or(key)),
        Range::Week | Range::Month => key.get(5..10).unwrap_or(key).to_string(),
    }
}

fn over_buckets(d: &Dashboard, series: Vec<Series>) -> ChartData {
    ChartData { labels: d.buckets.iter().map(|b| bucket_label(d.range, b)).collect(), series }
}

fn runs(d: &Dashboard) -> ChartData {
    over_buckets(d, pivot(&d.buckets, &d.runs, |r| &r.bucket, |r| r.dataset.clone(), |r| Some(r.runs as f64)))
}

fn success(d: &Dashboard) -> ChartData {
    let rate = |r: &crate::model::dashboard::RunBucket| {
        (r.items_evaluated > 0).then(|| r.items_succeeded as f64 / r.items_evaluated as f64 * 100.0)
    };
    // Per dataset and bucket, from the summed counters (not a mean of rates).
    let mut rows = d.runs.clone();
    rows.retain(|r| r.items_evaluated > 0);
    over_buckets(d, pivot(&d.buckets, &rows, |r| &r.bucket, |r| r.dataset.clone(), rate))
}

fn tokens(d: &Dashboard) -> ChartData {
    over_buckets(d, pivot(&d.buckets, &d.usage, |u| &u.bucket, |u| u.model.clone(), |u| Some(u.tokens as f64)))
}

fn cost(d: &Dashboard) -> ChartData {
    over_buckets(d, pivot(&d.buckets, &d.usage, |u| &u.bucket, |u| u.model.clone(), |u| Some(u.cost)))
}

fn latency(d: &Dashboard) -> ChartData {
    let mut series = pivot(&d.buckets, &d.latency, |l| &l.bucket, |_| "p50".into(), |l| Some(l.p50 as f64));
    series.extend(pivot(&d.buckets, &d.latency, |l| &l.bucket, |_| "p95".into(), |l| Some(l.p95 as f64)));
    over_buckets(d, series)
}

/// One dataset's completed runs, oldest first, with each score's mean.
fn scores(d: &Dashboard, dataset_id: i64) -> ChartData {
    let points: Vec<_> = d.scores.iter().filter(|p| p.dataset_id == dataset_id).collect();
    let mut runs: Vec<(i64, String)> = points.iter().map(|p| (p.run_id, p.run.clone())).collect();
    runs.dedup();
    let ids: Vec<String> = runs.iter().map(|(id, _)| id.to_string()).collect();
    let series = pivot(
        &ids,
        &points,
        |p| ids[runs.iter().position(|r| r.0 == p.run_id).unwrap_or(0)].as_str(),
        |p| p.score.clone(),
        |p| Some(p.mean),
    );
    ChartData { labels: runs.into_iter().map(|(_, name)| name).collect(), series }
}

fn number(v: f64) -> String {
    if v >= 1_000_000.0 {
        format!("{:.1}M", v / 1_000_000.0)
    } else if v >= 1000.0 {
        format!("{:.1}k", v / 1000.0)
    } else if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

fn percent(v: f64) -> String {
    format!("{v:.0}%")
}

/// Latency ticks: sub-second values keep their fraction (0.25 ms, 2.5 ms), so
/// an axis of small latencies doesn't repeat one label.
fn millis(v: f64) -> String {
    if v > 0.0 && v < 10.0 {
        format!("{} ms", format_score(v))
    } else {
        duration_label(v.round() as i64)
    }
}

#[component]
pub fn DashboardCharts(state: RwSignal<Dashboard>) -> impl IntoView {
    let chart = move |id: &'static str, title: &'static str, kind, build: fn(&Dashboard) -> ChartData, format| {
        let data = Signal::derive(move || state.with(build));
        view! { <section class="card chart-card"><h3>{title}</h3><Chart id kind data format/></section> }
    };
    let datasets = move || {
        state.with(|d| {
            let mut seen: Vec<(i64, String)> = d.scores.iter().map(|p| (p.dataset_id, p.dataset.clone())).collect();
            seen.dedup();
            seen
        })
    };
    view! {
        <div class="grid-2" id="charts">
            {chart("chart-runs", "Runs per dataset", ChartKind::Bars, runs, number)}
            {chart("chart-success", "Success rate per dataset", ChartKind::Lines, success, percent)}
            {chart("chart-tokens", "Tokens by model", ChartKind::Bars, tokens, number)}
            {chart("chart-cost", "Cost by model", ChartKind::Bars, cost, cost_label)}
            {chart("chart-latency", "Trace latency p50 / p95", ChartKind::Lines, latency, millis)}
            <For each=datasets key=|(id, name)| (*id, name.clone()) let:dataset>
                <section class="card chart-card">
                    <h3>"Score trends · " {dataset.1.clone()}</h3>
                    <Chart id=format!("chart-scores-{}", dataset.0) kind=ChartKind::Lines
                        data=Signal::derive(move || state.with(|d| scores(d, dataset.0))) format=number/>
                </section>
            </For>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_pivot_onto_buckets_by_name() {
        let columns: Vec<String> = ["h1", "h2", "h3"].into_iter().map(String::from).collect();
        let rows = [("h1", "a", 1.0), ("h3", "a", 2.0), ("h2", "b", 5.0), ("h3", "a", 1.0), ("h9", "c", 7.0)];
        let series = pivot(&columns, &rows, |r| r.0, |r| r.1.to_string(), |r| Some(r.2));
        assert_eq!(series.len(), 2, "a row outside the buckets is left out");
        assert_eq!((series[0].name.as_str(), series[0].values.clone()), ("a", vec![Some(1.0), None, Some(3.0)]));
        assert_eq!(series[1].values, vec![None, Some(5.0), None]);
    }

    #[test]
    fn bucket_labels() {
        assert_eq!(bucket_label(Range::Day, "2026-11-25T09"), "09:00");
        assert_eq!(bucket_label(Range::Week, "2026-11-25"), "11-25");
    }
}
