//! `/traces` (filter by name, keyset pages) and `/traces/:id` (payloads and the
//! observation tree).

use super::add_to_dataset::{AddTraceForm, BulkAddBar};
use crate::api::traces::{get_trace, list_traces};
use crate::model::explorer::TraceQuery;
use crate::model::stats::{cost_label, duration_label};
use crate::model::trace::{duration_ms, Observation, Trace};
use crate::ui::components::{can_write, Age, EmptyState, ErrorNote, JsonView, Loading, WriteOnly};
use crate::ui::{param_id, query_param};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;

#[component]
pub fn TracesPage() -> impl IntoView {
    let name = query_param("name");
    let session = query_param("session_id");
    let run = query_param("run_id");
    let cursor = query_param("cursor");
    let traces = Resource::new(
        move || (name(), session(), run(), cursor()),
        |(name, session, run, cursor)| {
            let some = |s: String| Some(s).filter(|s| !s.is_empty());
            list_traces(TraceQuery {
                name: some(name),
                session_id: some(session),
                run_id: run.parse().ok(),
                cursor: some(cursor),
                ..Default::default()
            })
        },
    );
    // Rows are ticked only to add them to a dataset, which a viewer may not.
    let selected = RwSignal::new(Vec::<i64>::new());
    let writer = can_write();
    view! {
        <Title text="Traces"/>
        <div class="page-head"><h1>"Traces"</h1></div>
        <Form method="GET" action="/traces" attr:class="filters">
            <input type="search" name="name" placeholder="Filter by name" prop:value=name aria-label="Filter traces by name"/>
            <input type="hidden" name="session_id" prop:value=session/>
            <input type="hidden" name="run_id" prop:value=run/>
            {move || (!run().is_empty()).then(|| view! {
                <span class="chip active">{format!("run {}", run())} " " <a href="/traces" aria-label="clear run filter">"×"</a></span>
            })}
            <button type="submit" class="btn">"Filter"</button>
        </Form>
        <WriteOnly><BulkAddBar selected/></WriteOnly>
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match traces.await {
                    Err(error) => view! { <ErrorNote error/> }.into_any(),
                    Ok(page) if page.data.is_empty() => view! {
                        <EmptyState title="No traces yet">
                            <p>"Every item of a dataset run records a trace here: its input, output, model calls, tokens, cost and latency."</p>
                            <a href="/datasets" class="btn">"Go to datasets"</a>
                        </EmptyState>
                    }.into_any(),
                    Ok(page) => {
                        let pager = page.next_cursor.clone().map(|c| {
                            let href = format!("/traces?name={}&session_id={}&run_id={}&cursor={c}", name(), session(), run());
                            view! { <p class="pager"><a href=href class="btn">"Next page →"</a></p> }
                        });
                        view! {
                            <table class="table" id="traces-table">
                                <thead><tr>{writer.then(|| view! { <th></th> })}<th>"Name"</th><th>"Trace id"</th><th>"Latency"</th><th class="num">"Tokens"</th><th class="num">"Cost"</th><th>"Started"</th></tr></thead>
                                <tbody>{page.data.into_iter().map(|t| {
                                    let latency = duration_ms(&t.start_time, t.end_time.as_deref()).map(duration_label).unwrap_or_else(|| "—".into());
                                    let id = t.id;
                                    let toggle = move |ev| {
                                        let on = event_target_checked(&ev);
                                        selected.update(|s| { s.retain(|x| *x != id); if on { s.push(id); } });
                                    };
                                    view! {
                                        <tr>
                                            {writer.then(|| view! {
                                                <td><input type="checkbox" aria-label=format!("select trace {id}") prop:checked=move || selected.with(|s| s.contains(&id)) on:change=toggle/></td>
                                            })}
                                            <td><a href=format!("/traces/{}", t.id) class="strong">{t.name.clone().unwrap_or_else(|| "(unnamed)".into())}</a></td>
                                            <td class="mono small">{t.trace_id.clone()}</td>
                                            <td>{latency}</td>
                                            <td class="num">{t.total_tokens}</td>
                                            <td class="num">{cost_label(t.total_cost)}</td>
                                            <td><Age ts=t.start_time.clone()/></td>
                                        </tr>
                                    }
                                }).collect_view()}</tbody>
                            </table>
                            {pager}
                        }.into_any()
                    }
                }
            })}
        </Transition>
    }
}

#[component]
pub fn TracePage() -> impl IntoView {
    let id = param_id("id");
    let trace = Resource::new(id, get_trace);
    view! {
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match trace.await {
                    Ok(trace) => view! { <TraceView trace/> }.into_any(),
                    Err(error) => view! { <ErrorNote error/> <a href="/traces">"Back to traces"</a> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn TraceView(trace: Trace) -> impl IntoView {
    let title = trace.name.clone().unwrap_or_else(|| trace.trace_id.clone());
    let latency = duration_ms(&trace.start_time, trace.end_time.as_deref())
        .map(duration_label)
        .unwrap_or_else(|| "running".into());
    let session = trace.session_row_id.map(|row| {
        let label = trace.session_id.clone().unwrap_or_else(|| format!("session {row}"));
        view! { <a href=format!("/sessions/{row}")>{label}</a> }
    });
    let observations = trace.observations.clone();
    view! {
        <Title text=title.clone()/>
        <p class="crumbs"><a href="/traces">"Traces"</a> " /"</p>
        <h1>{title}</h1>
        <dl class="card info-card">
            <div><dt>"Trace id"</dt><dd class="mono small">{trace.trace_id.clone()}</dd></div>
            <div><dt>"Session"</dt><dd>{session}</dd></div>
            <div><dt>"Latency"</dt><dd>{latency}</dd></div>
            <div><dt>"Tokens"</dt><dd>{trace.total_tokens}</dd></div>
            <div><dt>"Cost"</dt><dd>{cost_label(trace.total_cost)}</dd></div>
            <div><dt>"Started"</dt><dd><Age ts=trace.start_time.clone()/></dd></div>
        </dl>
        <div class="grid-2">
            <section class="card"><h3>"Input"</h3><JsonView value=trace.input.clone()/></section>
            <section class="card"><h3>"Output"</h3><JsonView value=trace.output.clone()/></section>
        </div>
        <section class="card"><h3>"Metadata"</h3><JsonView value=Some(trace.metadata.clone())/></section>
        <WriteOnly>
            <AddTraceForm trace_id=trace.id has_input=trace.input.as_ref().is_some_and(|v| !v.is_null()) output=trace.output.clone()/>
        </WriteOnly>
        <h2>"Observations"</h2>
        {if observations.is_empty() {
            view! { <p class="muted">"This trace recorded no observations."</p> }.into_any()
        } else {
            view! { <ObservationTree observations/> }.into_any()
        }}
    }
}

/// Observations indented under their parents, in start order.
#[component]
fn ObservationTree(observations: Vec<Observation>) -> impl IntoView {
    let mut ordered: Vec<(usize, Observation)> = Vec::new();
    fn visit(parent: Option<&str>, depth: usize, all: &[Observation], out: &mut Vec<(usize, Observation)>) {
        for o in all.iter().filter(|o| o.parent_observation_id.as_deref() == parent) {
            out.push((depth, o.clone()));
            visit(Some(&o.observation_id), depth + 1, all, out);
        }
    }
    visit(None, 0, &observations, &mut ordered);
    // Observations whose parent is not in this trace still show, at the top level.
    for o in &observations {
        if !ordered.iter().any(|(_, seen)| seen.id == o.id) {
            ordered.push((0, o.clone()));
        }
    }
    view! {
        <table class="table" id="observations-table">
            <thead><tr><th>"Observation"</th><th>"Model"</th><th>"Latency"</th><th class="num">"Tokens"</th><th class="num">"Cost"</th></tr></thead>
            <tbody>{ordered.into_iter().map(|(depth, o)| {
                let latency = duration_ms(&o.start_time, o.end_time.as_deref()).map(duration_label).unwrap_or_else(|| "—".into());
                let indent = format!("padding-left: {}rem", depth as f64 * 1.25 + 0.5);
                view! {
                    <tr>
                        <td style=indent><span class=format!("badge badge-{}", o.kind)>{o.kind.clone()}</span> " " {o.name.clone().unwrap_or_default()}
                            {o.status_message.clone().map(|m| view! { <div class="error small">{m}</div> })}
                            <details><summary class="small muted">"input / output"</summary>
                                <div class="grid-2"><JsonView value=o.input.clone()/><JsonView value=o.output.clone()/></div>
                            </details>
                        </td>
                        <td class="mono small">{o.model.clone().unwrap_or_default()}</td>
                        <td>{latency}</td>
                        <td class="num">{o.tokens()}</td>
                        <td class="num">{cost_label(o.cost_usd)}</td>
                    </tr>
                }
            }).collect_view()}</tbody>
        </table>
    }
}
