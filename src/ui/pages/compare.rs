//! `/datasets/:id/compare?runs=1,2`: 2–8 runs side by side. The page loads one
//! payload with text previews; the baseline, filters, sorting and the chart are
//! computed in the browser without another request. Opening a row fetches that
//! item's whole texts for the diffs.

use super::compare_row::CompareRow;
use super::compare_verdicts::CompareVerdicts;
use crate::api::runs::compare_runs;
use crate::model::compare::{
    aggregate, good_when_higher, histogram, visible_rows, ComparePayload, RowFilter, RowOrder,
};
use crate::model::paired::Comparison;
use crate::model::score::format_score;
use crate::model::stats::{cost_label, duration_label};
use crate::ui::components::{ErrorNote, Loading};
use crate::ui::{param_id, query_param};
use leptos::prelude::*;
use leptos_meta::Title;
use std::sync::Arc;

/// Rows rendered at first and added by "Show more". A filter replaces them all
/// and must repaint within a frame: with 50 rows it took ~45 ms, most of it the
/// browser's style, layout and paint of the new rows.
const ROWS_STEP: usize = 20;
const COLORS: [&str; 8] = ["#4263eb", "#e8590c", "#2b8a3e", "#ae3ec9", "#1098ad", "#f08c00", "#c92a2a", "#5c940d"];

#[component]
pub fn ComparePage() -> impl IntoView {
    let dataset_id = param_id("id");
    let runs = query_param("runs");
    let payload = Resource::new(move || (dataset_id(), runs()), |(d, r)| compare_runs(d, r));
    // Once the page is live, the code of an opened row loads ahead of the first click.
    Effect::new(|_| {
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(super::compare_row::preload_opened_row());
    });
    view! {
        <Title text="Compare runs"/>
        <p class="crumbs"><a href=move || format!("/datasets/{}?tab=runs", dataset_id())>"Back to the dataset's runs"</a></p>
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match payload.await {
                    Ok(answer) => {
                        let (payload, initial) = answer.into_parts();
                        view! { <CompareView payload=Arc::new(payload) initial/> }.into_any()
                    }
                    Err(error) => view! { <ErrorNote error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// "+0.25" / "−1" / "±0", and whether the change is good, bad or none.
pub(super) fn delta_view(delta: Option<f64>, higher_is_good: bool, text: impl Fn(f64) -> String) -> AnyView {
    let Some(d) = delta else { return ().into_any() };
    let (class, sign) = delta_class_and_sign(d, higher_is_good);
    view! { <span class=class>{format!("{sign}{}", text(d.abs()))}</span> }.into_any()
}

/// A delta's class (good, bad or the same) and its sign.
pub(super) fn delta_class_and_sign(d: f64, higher_is_good: bool) -> (&'static str, &'static str) {
    let class = if d.abs() < 1e-9 {
        "delta delta-same"
    } else if (d > 0.0) == higher_is_good {
        "delta delta-good"
    } else {
        "delta delta-bad"
    };
    let sign = if d.abs() < 1e-9 {
        "±"
    } else if d > 0.0 {
        "+"
    } else {
        "−"
    };
    (class, sign)
}

#[component]
fn CompareView(payload: Arc<ComparePayload>, initial: Vec<Comparison>) -> impl IntoView {
    let baseline = RwSignal::new(0_usize);
    let filter = RwSignal::new(RowFilter::All);
    let order = RwSignal::new(RowOrder::Item);
    let shown = RwSignal::new(ROWS_STEP);
    let expanded = RwSignal::new(None::<usize>);
    let chart_score = RwSignal::new(payload.score_names.first().cloned().unwrap_or_default());
    let runs = payload.runs.clone();
    let aggregates: Vec<_> = (0..runs.len()).map(|r| aggregate(&payload, r)).collect();
    let rows = {
        let payload = payload.clone();
        Memo::new(move |_| visible_rows(&payload, filter.get(), baseline.get(), &order.get()))
    };

    let summary = {
        let (payload, runs, aggregates) = (payload.clone(), runs.clone(), aggregates.clone());
        move || {
            let b = baseline.get();
            let base = &aggregates[b];
            runs.iter().enumerate().map(|(r, run)| {
                let agg = &aggregates[r];
                let rate = |a: &crate::model::compare::RunAggregate| if a.items == 0 { 0.0 } else { a.succeeded as f64 / a.items as f64 };
                let other = r != b;
                view! {
                    <tr data-run-index=r>
                        <td>
                            <label class="check">
                                <input type="radio" name="baseline" value=r prop:checked=move || baseline.get() == r on:change=move |_| baseline.set(r)/>
                                <span class="run-swatch" style=format!("background: {}", COLORS[r % COLORS.len()])></span>
                                <a href=format!("/datasets/{}/runs/{}", run.dataset_id, run.id)>{run.name.clone()}</a>
                                {(!other).then(|| view! { <span class="badge">"baseline"</span> })}
                            </label>
                        </td>
                        <td class="num">{agg.items}</td>
                        <td class="num">{format!("{:.0}%", rate(agg) * 100.0)} " " {other.then(|| delta_view(Some(rate(agg) - rate(base)), true, |d| format!("{:.0}pp", d * 100.0)))}</td>
                        {payload.score_names.iter().map(|name| {
                            let mine = agg.mean_scores.get(name).copied();
                            let theirs = base.mean_scores.get(name).copied();
                            let delta = mine.zip(theirs).map(|(m, t)| m - t).filter(|_| other);
                            view! {
                                <td class="num" data-summary-score=name.clone() data-run=r>
                                    {mine.map(format_score).unwrap_or_else(|| "—".into())} " " {delta_view(delta, true, format_score)}
                                </td>
                            }
                        }).collect_view()}
                        <td class="num">{agg.mean_latency_ms.map(|l| duration_label(l as i64)).unwrap_or_else(|| "—".into())} " "
                            {delta_view(agg.mean_latency_ms.zip(base.mean_latency_ms).map(|(m, t)| m - t).filter(|_| other), good_when_higher("latency"), |d| duration_label(d as i64))}</td>
                        <td class="num">{cost_label(agg.total_cost)} " " {delta_view(Some(agg.total_cost - base.total_cost).filter(|_| other), good_when_higher("cost"), cost_label)}</td>
                    </tr>
                }
            }).collect_view()
        }
    };

    let chart = {
        let (payload, runs) = (payload.clone(), runs.clone());
        move || {
            let name = chart_score.get();
            if name.is_empty() {
                return view! { <p class="muted">"No scores in these runs yet."</p> }.into_any();
            }
            let bins: Vec<[usize; 10]> = (0..runs.len()).map(|r| histogram(&payload, r, &name)).collect();
            let tallest = bins.iter().flat_map(|b| b.iter()).copied().max().unwrap_or(0).max(1);
            let group = 12.0 * runs.len() as f64 + 6.0;
            let width = group * 10.0;
            view! {
                <svg class="chart" viewBox=format!("0 0 {width} 110") width=width height="110" role="img"
                    aria-label=format!("Distribution of {name} per run")>
                    {bins.iter().enumerate().flat_map(|(r, b)| b.iter().enumerate().map(move |(bin, count)| {
                        let h = 90.0 * *count as f64 / tallest as f64;
                        let x = bin as f64 * group + r as f64 * 12.0;
                        view! {
                            <rect x=x y=90.0 - h width="10" height=h fill=COLORS[r % COLORS.len()]>
                                <title>{format!("{count} items in {:.1}–{:.1}", bin as f64 / 10.0, (bin + 1) as f64 / 10.0)}</title>
                            </rect>
                        }
                    })).collect_view()}
                    {(0..=10).step_by(5).map(|t| view! {
                        <text x=t as f64 * group y="104" font-size="9">{format!("{:.1}", t as f64 / 10.0)}</text>
                    }).collect_view()}
                </svg>
            }.into_any()
        }
    };

    // Keyed by item: a filter or sort moves rows; a baseline switch updates each row's deltas in place.
    let shown_rows = move || rows.get().into_iter().take(shown.get()).collect::<Vec<_>>();
    let sort_options = payload
        .score_names
        .iter()
        .flat_map(|n| {
            [(format!("worst:{n}"), format!("{n} Δ, worst first")), (format!("best:{n}"), format!("{n} Δ, best first"))]
        })
        .collect::<Vec<_>>();
    let total = payload.items.len();
    let score_names = payload.score_names.clone();
    view! {
        <h1>"Compare runs of " {payload.dataset_name.clone()}</h1>
        <div class="card">
            <table class="table compact" id="compare-summary">
                <thead><tr>
                    <th>"Run (pick the baseline)"</th><th class="num">"Items"</th><th class="num">"Success"</th>
                    {score_names.iter().map(|n| view! { <th class="num">{format!("{n} (mean)")}</th> }).collect_view()}
                    <th class="num">"Latency (mean)"</th><th class="num">"Cost"</th>
                </tr></thead>
                <tbody>{summary}</tbody>
            </table>
        </div>
        <CompareVerdicts payload=payload.clone() baseline initial/>
        <div class="card">
            <div class="chart-head">
                <h2>"Score distribution"</h2>
                <select aria-label="Score to chart" prop:value=move || chart_score.get() on:change=move |ev| chart_score.set(event_target_value(&ev))>
                    {score_names.iter().map(|n| view! { <option value=n.clone()>{n.clone()}</option> }).collect_view()}
                </select>
            </div>
            {chart}
        </div>
        <div class="filters">
            <div class="chips" role="group" aria-label="row filter">
                {RowFilter::ALL.into_iter().map(|f| view! {
                    <button type="button" class="chip" data-filter=f.label() class:active=move || filter.get() == f
                        on:click=move |_| { filter.set(f); shown.set(ROWS_STEP); }>{f.label()}</button>
                }).collect_view()}
            </div>
            <select aria-label="Sort rows" on:change=move |ev| {
                let value = event_target_value(&ev);
                order.set(match value.split_once(':') {
                    Some(("worst", n)) => RowOrder::ScoreDelta { name: n.to_string(), worst_first: true },
                    Some(("best", n)) => RowOrder::ScoreDelta { name: n.to_string(), worst_first: false },
                    _ => RowOrder::Item,
                });
            }>
                <option value="item">"Sort by item"</option>
                {sort_options.into_iter().map(|(v, l)| view! { <option value=v>{l}</option> }).collect_view()}
            </select>
            <span class="muted" id="compare-count">{move || {
                let (matching, shown) = (rows.read().len(), shown.get());
                let first = if matching > shown { format!(", the first {shown} shown") } else { String::new() };
                format!("{matching} of {total} items{first}")
            }}</span>
            <span class="hint">"Previews of long texts; open a row for the whole texts and the diffs."</span>
        </div>
        <table class="table compare-table" id="compare-table">
            <thead><tr>
                <th>"Input / expected"</th>
                {runs.iter().enumerate().map(|(r, run)| view! {
                    <th><span class="run-swatch" style=format!("background: {}", COLORS[r % COLORS.len()])></span>{run.name.clone()}
                        {move || (baseline.get() == r).then(|| view! { " " <span class="badge">"baseline"</span> })}</th>
                }).collect_view()}
            </tr></thead>
            <tbody>
                <For each=shown_rows key=|index| *index let:index>
                    <CompareRow payload=payload.clone() index baseline expanded/>
                </For>
            </tbody>
        </table>
        {move || (rows.read().len() > shown.get()).then(|| view! {
            <button type="button" class="btn" on:click=move |_| shown.update(|s| *s += ROWS_STEP)>
                {move || format!("Show more ({} hidden)", rows.read().len().saturating_sub(shown.get()))}
            </button>
        })}
    }
}
