//! `/datasets/:id/runs/:run_id`: a run's status, progress and results. While the
//! run goes, the bar and the rows follow its event stream without a reload.

use super::run_insights::{CalibrationCard, RepetitionsCard};
use crate::api::runs::{
    cancel_run, evaluate_run, get_run, list_run_items, retry_run, run_calibration, run_repetitions,
};
use crate::model::json_text::preview;
use crate::model::page::PageAt;
use crate::model::run::DatasetRun;
use crate::model::run_item::{RunEvent, RunItem, RunItemStatus};
use crate::model::stats::{cost_label, duration_label, parse_timestamp_ms};
use crate::ui::components::{
    watch_run, ErrorNote, ItemScores, Loading, Pager, ScoreSummaryTable, StatusBadge, WriteOnly,
};
use crate::ui::{href, now_ms, param_id, query_param};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use std::collections::HashSet;

#[component]
pub fn RunPage() -> impl IntoView {
    let run_id = param_id("run_id");
    let run = Resource::new(run_id, get_run);
    view! {
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match run.await {
                    Ok(run) => view! { <RunView run/> }.into_any(),
                    Err(error) => view! { <ErrorNote error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// Whole seconds between start and finish (or now, while running).
fn duration(run: &DatasetRun) -> String {
    let Some(start) = run.started_at.as_deref().and_then(parse_timestamp_ms) else {
        return "—".into();
    };
    let end = run.finished_at.as_deref().and_then(parse_timestamp_ms).unwrap_or_else(now_ms);
    duration_label(end - start)
}

#[component]
fn RunView(run: DatasetRun) -> impl IntoView {
    let (id, dataset_id) = (run.id, run.dataset_id);
    let status = query_param("status");
    let (after, before, last) = (query_param("after"), query_param("before"), query_param("last"));
    let at = move || PageAt::from_query(Some(after()), Some(before()), Some(last()).filter(|l| !l.is_empty()));
    let items =
        Resource::new(move || (status(), at()), move |(s, at)| list_run_items(id, RunItemStatus::parse(&s), at));
    let current = RwSignal::new(run.clone());
    let live_items = RwSignal::new(Vec::<RunItem>::new());
    let failure = RwSignal::new(None::<String>);
    let watching = RwSignal::new(!run.status.is_finished());
    // Repetitions and judge calibration, read again when the run finishes or is re-evaluated.
    let scored = RwSignal::new(0u32);
    let repeated = run.repetitions > 1;
    let repetitions = Resource::new(
        move || scored.get(),
        move |_| async move {
            if repeated {
                run_repetitions(id).await.ok()
            } else {
                None
            }
        },
    );
    let calibration = Resource::new(move || scored.get(), move |_| run_calibration(id));

    let watch = move || {
        watch_run(id, move |event| match event {
            RunEvent::Snapshot(run) => current.set(run),
            RunEvent::Item(item) => live_items.update(|list| {
                list.retain(|i| i.id != item.id);
                list.insert(0, item);
            }),
            RunEvent::Progress(p) => current.update(|run| {
                run.status = p.status;
                run.completed_items = p.completed_items;
                run.failed_items = p.failed_items;
                run.total_cost = p.total_cost;
                run.total_tokens = p.total_tokens;
                run.progress_percentage = p.progress_percentage;
            }),
            RunEvent::Done(run) => {
                current.set(run);
                watching.set(false);
                // Rows and aggregates as stored, with every score.
                items.refetch();
                scored.update(|n| *n += 1);
            }
        })
    };
    if !run.status.is_finished() {
        watch();
    }
    let act = move |retry: bool| {
        spawn_local(async move {
            let result = if retry { retry_run(id).await } else { cancel_run(id).await };
            match result {
                Ok(run) => {
                    let restarted = !run.status.is_finished();
                    current.set(run);
                    failure.set(None);
                    if restarted {
                        live_items.set(Vec::new());
                        items.refetch();
                        watching.set(true);
                        watch();
                    }
                }
                Err(e) => failure.set(Some(e.to_string())),
            }
        })
    };
    let evaluating = RwSignal::new(false);
    let evaluate = move |_| {
        evaluating.set(true);
        spawn_local(async move {
            match evaluate_run(id).await {
                Ok(run) => {
                    current.set(run);
                    failure.set(None);
                    live_items.set(Vec::new());
                    items.refetch();
                    scored.update(|n| *n += 1);
                }
                Err(e) => failure.set(Some(e.to_string())),
            }
            evaluating.set(false);
        })
    };
    let path = format!("/datasets/{dataset_id}/runs/{id}");
    let chip = {
        let path = path.clone();
        move |value: &'static str, label: &'static str| {
            let link = href(&path, &[("status", value.to_string())]);
            view! { <a href=link class="chip" class:active=move || status() == value>{label}</a> }
        }
    };
    view! {
        <Title text=run.name.clone()/>
        <p class="crumbs"><a href=format!("/datasets/{dataset_id}?tab=runs")>"Back to the dataset's runs"</a></p>
        <div class="page-head">
            <div>
                <h1>{run.name.clone()} " " {move || view! { <StatusBadge status=current.read().status.as_str()/> }}</h1>
                <p class="muted">{run.description.clone().unwrap_or_default()}</p>
            </div>
            <div class="actions">
                <a href=format!("/traces?run_id={id}") class="btn">"Traces of this run"</a>
                <a href=format!("/api/v1/runs/{id}/export?format=csv") class="btn" rel="external">"Export CSV"</a>
                <a href=format!("/api/v1/runs/{id}/export?format=jsonl") class="btn" rel="external">"Export JSONL"</a>
                <WriteOnly>
                    {move || (!current.read().status.is_finished()).then(|| view! {
                        <button type="button" class="btn btn-danger-quiet" on:click=move |_| act(false)>"Cancel run"</button>
                    })}
                    {move || { let r = current.read(); r.status.is_finished() && r.failed_items > 0 }.then(|| view! {
                        <button type="button" class="btn" on:click=move |_| act(true)>"Retry failed items"</button>
                    })}
                    {move || current.read().status.is_finished().then(|| view! {
                        <button type="button" class="btn" id="evaluate-run" on:click=evaluate disabled=move || evaluating.get()>
                            {move || if evaluating.get() { "Evaluating…" } else { "Evaluate again" }}
                        </button>
                        <a href=format!("/datasets/{dataset_id}/runs/{id}/review") class="btn">"Review"</a>
                    })}
                </WriteOnly>
            </div>
        </div>
        {move || failure.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        <div class="card run-progress">
            <div class="progress progress-wide" role="progressbar" aria-valuemin="0" aria-valuemax="100"
                aria-valuenow=move || format!("{:.1}", current.read().progress_percentage)>
                <div class="progress-fill" style=move || format!("width: {:.1}%", current.read().progress_percentage)></div>
            </div>
            <p id="run-counts">{move || {
                let r = current.read();
                format!("{}/{} done ({} failed)", r.completed_items + r.failed_items, r.total_items, r.failed_items)
            }}</p>
        </div>
        <dl class="card info-card">
            <div><dt>"Cost"</dt><dd>{move || cost_label(current.read().total_cost)}</dd></div>
            <div><dt>"Tokens"</dt><dd>{move || current.read().total_tokens}</dd></div>
            <div><dt>"Latency p50"</dt><dd>{move || current.read().latency_ms_p50.map(duration_label).unwrap_or_else(|| "—".into())}</dd></div>
            <div><dt>"Latency p95"</dt><dd>{move || current.read().latency_ms_p95.map(duration_label).unwrap_or_else(|| "—".into())}</dd></div>
            <div><dt>"Duration"</dt><dd>{move || duration(&current.read())}</dd></div>
            <div><dt>"Concurrency"</dt><dd>{run.concurrency}</dd></div>
            {repeated.then(|| view! {
                <div><dt>"Repetitions"</dt><dd>{run.repetitions}</dd></div>
                <div><dt>"Flaky items"</dt><dd id="run-flaky">{move || current.read().flaky_items.map(|n| n.to_string()).unwrap_or_else(|| "—".into())}</dd></div>
            })}
        </dl>
        <ScoreSummaryTable run=current.into()/>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                repetitions.await.map(|report| view! { <RepetitionsCard report/> })
            })}
        </Transition>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                calibration.await.ok().map(|calibration| view! { <CalibrationCard calibration/> })
            })}
        </Transition>
        <div class="filters">
            <div class="chips" role="group" aria-label="status filter">
                {chip("", "All")}
                {chip("succeeded", "Succeeded")}
                {chip("failed", "Failed")}
                {chip("pending", "Pending")}
                {chip("cancelled", "Cancelled")}
            </div>
        </div>
        <Transition fallback=Loading>
            {move || {
                let path = path.clone();
                Suspend::new(async move {
                    let flaky: HashSet<i64> = repetitions
                        .await
                        .map(|r| r.item_results.iter().filter(|i| i.flaky).map(|i| i.dataset_item_id).collect())
                        .unwrap_or_default();
                    match items.await {
                        Err(error) => view! { <ErrorNote error/> }.into_any(),
                        Ok(page) => {
                            let pager = view! {
                                <Pager path=path params=vec![("status", status())] total=page.total shown=page.rows.len()
                                    has_newer=page.has_newer has_older=page.has_older
                                    newest_id=page.rows.first().map(|i| i.id) oldest_id=page.rows.last().map(|i| i.id)/>
                            };
                            let rows = page.rows;
                            view! {
                                <table class="table" id="run-items-table">
                                    <thead><tr>
                                        <th>"Input"</th><th>"Expected"</th><th>"Output / error"</th><th>"Status"</th>
                                        <th>"Scores"</th><th class="num">"Latency"</th><th class="num">"Cost"</th><th class="num">"Tokens"</th><th></th>
                                    </tr></thead>
                                    <tbody>
                                        {move || {
                                            // Rows that finished since the page loaded replace their pending version.
                                            let wanted = RunItemStatus::parse(&status());
                                            let live = live_items.get();
                                            let live_ids: Vec<i64> = live.iter().map(|i| i.id).collect();
                                            let fresh = live.into_iter().filter(|i| wanted.is_none_or(|w| i.status == w));
                                            let stored = rows.iter().filter(|i| !live_ids.contains(&i.id)).cloned();
                                            let mut all: Vec<RunItem> = fresh.chain(stored).collect();
                                            all.sort_by_key(|i| std::cmp::Reverse(i.id));
                                            all.into_iter().map(|item| {
                                                let flaky = flaky.contains(&item.dataset_item_id);
                                                view! { <RunItemRow item flaky/> }
                                            }).collect_view()
                                        }}
                                    </tbody>
                                </table>
                                {pager}
                            }.into_any()
                        }
                    }
                })
            }}
        </Transition>
    }
}

#[component]
fn RunItemRow(item: RunItem, flaky: bool) -> impl IntoView {
    let result = match (&item.error, &item.output) {
        (Some(error), _) => view! { <span class="error-text">{error.clone()}</span> }.into_any(),
        (None, Some(output)) => view! { <span>{preview(output, 120)}</span> }.into_any(),
        (None, None) => view! { <span class="muted">"—"</span> }.into_any(),
    };
    view! {
        <tr data-run-item-id=item.id data-status=item.status.as_str()>
            <td class="mono cell-preview">{preview(&item.input, 80)}</td>
            <td class="mono cell-preview">{item.expected_output.as_ref().map(|v| preview(v, 60)).unwrap_or_else(|| "—".into())}</td>
            <td class="mono cell-preview">{result}</td>
            <td>
                <StatusBadge status=item.status.as_str()/>
                {flaky.then(|| view! {
                    " " <span class="badge badge-flaky" title="This item's repetitions disagree: one succeeded and another failed, or a pass/fail score passed on one and failed on another">"flaky"</span>
                })}
                {(item.repetition > 0).then(|| view! { " " <span class="muted small">{format!("try {}", item.repetition + 1)}</span> })}
            </td>
            <td><ItemScores run_item_id=item.id scores=item.scores.clone() reviewable=matches!(item.status, RunItemStatus::Succeeded | RunItemStatus::Failed)/></td>
            <td class="num">{item.latency_ms.map(duration_label).unwrap_or_else(|| "—".into())}</td>
            <td class="num">{cost_label(item.cost)}</td>
            <td class="num">{item.tokens}</td>
            <td>{item.trace_id.map(|t| view! { <a href=format!("/traces/{t}")>"trace"</a> })}</td>
        </tr>
    }
}
