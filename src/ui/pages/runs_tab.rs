//! The Runs tab of a dataset: each run with its status and a progress bar that
//! moves live while the run goes.

use crate::api::datasets::{list_dataset_runs, set_dataset_baseline};
use crate::model::compare::{MAX_RUNS, MIN_RUNS};
use crate::model::run::RunSummary;
use crate::model::score::{format_score, ScoreSummary};
use crate::model::stats::cost_label;
use crate::ui::components::{
    can_write, watch_run_counters, Age, EmptyState, ErrorNote, Loading, StatusBadge, WriteOnly,
};
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

#[component]
pub fn RunsTab(dataset_id: i64) -> impl IntoView {
    // The runs, and the dataset's baseline run: compare's and the gate's reference.
    let runs = Resource::new(move || dataset_id, list_dataset_runs);
    let baseline = RwSignal::new(None::<i64>);
    // Runs ticked for comparison, oldest first (the first is the baseline).
    let selected = RwSignal::new(Vec::<i64>::new());
    let navigate = use_navigate();
    let compare = move |_| {
        let ids: Vec<String> = selected.get_untracked().iter().map(|id| id.to_string()).collect();
        navigate(&format!("/datasets/{dataset_id}/compare?runs={}", ids.join(",")), Default::default());
    };
    let count = move || selected.read().len();
    // The first tick foretells a comparison: the compare page's code loads meanwhile.
    Effect::new(move |preloaded: Option<bool>| {
        if preloaded == Some(true) || selected.read().is_empty() {
            return preloaded.unwrap_or(false);
        }
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(crate::app::preload_compare_page());
        true
    });
    view! {
        <div class="filters">
            <WriteOnly><a href=format!("/datasets/{dataset_id}/runs/new") class="btn btn-primary">"New run"</a></WriteOnly>
            <button type="button" class="btn" id="compare-selected" disabled=move || !(MIN_RUNS..=MAX_RUNS).contains(&count()) on:click=compare>
                {move || format!("Compare selected ({})", count())}
            </button>
            <span class="muted small">{format!("Tick {MIN_RUNS} to {MAX_RUNS} runs to compare them side by side.")}</span>
        </div>
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                let runs = runs.await.map(|answer| {
                    baseline.set(answer.baseline_run_id);
                    answer.runs
                });
                match runs {
                    Err(error) => view! { <ErrorNote error/> }.into_any(),
                    Ok(runs) if runs.is_empty() => view! {
                        <EmptyState title="No runs yet">
                            <p>"A run sends every active item to the dataset's agent and records one trace per item, with cost, tokens and latency."</p>
                            <WriteOnly>
                                <a href=format!("/datasets/{dataset_id}/runs/new") class="btn btn-primary">"Start the first run"</a>
                            </WriteOnly>
                        </EmptyState>
                    }.into_any(),
                    Ok(runs) => view! {
                        <table class="table" id="runs-table">
                            <thead><tr>
                                <th></th><th>"Run"</th><th>"Status"</th><th>"Scores"</th><th>"Progress"</th><th class="num">"Cost"</th>
                                <th class="num">"Tokens"</th><th>"Started"</th>
                            </tr></thead>
                            <tbody>{runs.into_iter().map(|run| view! { <RunRow run selected baseline/> }).collect_view()}</tbody>
                        </table>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

/// Each score's pass rate (for pass/fail scores) or mean, as small chips.
fn score_means(summary: &[ScoreSummary]) -> impl IntoView {
    if summary.is_empty() {
        return view! { <span class="muted small">"—"</span> }.into_any();
    }
    summary
        .iter()
        .filter(|s| s.count > 0)
        .map(|s| {
            let value = match (s.pass_rate, s.mean) {
                (Some(rate), _) => format!("{:.0}%", rate * 100.0),
                (None, Some(mean)) => format_score(mean),
                (None, None) => "—".into(),
            };
            let title = format!("{}: {} scored, {} errors", s.name, s.count, s.errors);
            view! {
                <span class="score" title=title data-score=s.name.clone()>
                    <span class="score-name">{s.name.clone()}</span>" "<span class="score-value">{value}</span>
                </span>
            }
        })
        .collect_view()
        .into_any()
}

#[component]
fn RunRow(run: RunSummary, selected: RwSignal<Vec<i64>>, baseline: RwSignal<Option<i64>>) -> impl IntoView {
    let id = run.id;
    let dataset_id = run.dataset_id;
    let writer = can_write();
    let mark = move |_| {
        let next = if baseline.get_untracked() == Some(id) { None } else { Some(id) };
        leptos::task::spawn_local(async move {
            if set_dataset_baseline(dataset_id, next).await.is_ok() {
                baseline.set(next);
            }
        });
    };
    let toggle = move |ev| {
        let on = event_target_checked(&ev);
        selected.update(|list| {
            list.retain(|x| *x != id);
            if on {
                list.push(id);
                list.sort_unstable();
            }
        });
    };
    let link = format!("/datasets/{}/runs/{}", run.dataset_id, run.id);
    let created = run.created_at.clone();
    let name = run.name.clone();
    let finished = run.status.is_finished();
    let current = RwSignal::new(run);
    if !finished {
        watch_run_counters(id, move |c| {
            current.update(|r| {
                (r.status, r.completed_items, r.failed_items) = (c.status, c.completed_items, c.failed_items);
                (r.total_items, r.total_cost, r.total_tokens) = (c.total_items, c.total_cost, c.total_tokens);
                if let Some(scores) = c.scores_summary {
                    r.scores_summary = scores;
                }
            })
        });
    }
    view! {
        <tr data-run-id=id>
            <td><input type="checkbox" class="compare-pick" aria-label=format!("Compare {name}") prop:checked=move || selected.read().contains(&id) on:change=toggle/></td>
            <td><a href=link class="strong">{name}</a>
                {move || (baseline.get() == Some(id)).then(|| view! { " " <span class="badge badge-baseline">"baseline"</span> })}
                {writer.then(|| view! {
                    " " <button type="button" class="btn-link small mark-baseline" on:click=mark>
                        {move || if baseline.get() == Some(id) { "unmark baseline" } else { "mark as baseline" }}
                    </button>
                })}
            </td>
            <td>{move || view! { <StatusBadge status=current.read().status.as_str()/> }}</td>
            <td class="run-scores">{move || score_means(&current.read().scores_summary)}</td>
            <td>
                <div class="progress" role="progressbar" aria-valuemin="0" aria-valuemax="100">
                    <div class="progress-fill" style=move || format!("width: {:.1}%", current.read().progress_percentage())></div>
                </div>
                " "
                <span class="small muted run-counts">{move || {
                    let r = current.read();
                    format!("{}/{} ({} failed)", r.completed_items + r.failed_items, r.total_items, r.failed_items)
                }}</span>
            </td>
            <td class="num">{move || cost_label(current.read().total_cost)}</td>
            <td class="num">{move || current.read().total_tokens}</td>
            <td><Age ts=created/></td>
        </tr>
    }
}
