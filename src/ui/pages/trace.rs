//! `/traces/:id`: a trace's header, its error (when it failed), the waterfall of
//! its observations with the selected one's details, its scores, and its own
//! input, output and metadata.

use super::add_to_dataset::AddTraceForm;
use super::observation_detail::ObservationDetail;
use crate::api::traces::get_trace;
use crate::model::score::Score;
use crate::model::stats::{cost_label, duration_label};
use crate::model::trace::{duration_ms, Trace};
use crate::ui::components::{level_class, Age, ErrorNote, JsonTree, Loading, OnDemand, Waterfall, WriteOnly};
use crate::ui::{href, param_id};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::NavigateOptions;
use serde_json::Value;
use std::sync::Arc;

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
    let observations = Arc::new(trace.observations.clone());
    // `?observation=<id>` opens the page with that observation selected.
    let wanted = use_query_map().with_untracked(|q| q.get("observation"));
    let initial = wanted.and_then(|w| observations.iter().position(|o| o.observation_id == w));
    let selected = RwSignal::new(initial);
    // The URL follows the selection, so a link opens the same observation.
    let (navigate, trace_row) = (use_navigate(), trace.id);
    let ids: Vec<String> = observations.iter().map(|o| o.observation_id.clone()).collect();
    Effect::watch(
        move || selected.get(),
        move |now, _, _| {
            if let Some(id) = now.and_then(|i| ids.get(i)) {
                let url = href(&format!("/traces/{trace_row}"), &[("observation", id.clone())]);
                navigate(&url, NavigateOptions { replace: true, scroll: false, ..Default::default() });
            }
        },
        false,
    );
    let scores = Arc::new(trace.scores.clone());
    let detail = {
        let (observations, scores) = (observations.clone(), scores.clone());
        move || match selected.get().and_then(|i| observations.get(i).cloned()) {
            None => view! {
                <section class="card" id="observation-detail" data-empty="true">
                    <p class="muted">"Select an observation to see its input, output, metadata, usage and scores."</p>
                </section>
            }
            .into_any(),
            Some(observation) => {
                let own: Vec<Score> = scores
                    .iter()
                    .filter(|s| s.observation_id.as_ref() == Some(&observation.observation_id))
                    .cloned()
                    .collect();
                view! { <ObservationDetail observation scores=own/> }.into_any()
            }
        }
    };
    view! {
        <Title text=title.clone()/>
        <p class="crumbs"><a href="/traces">"Traces"</a> " /"</p>
        <h1>{title}</h1>
        <TraceHeader trace=trace.clone()/>
        <ErrorBanner trace=trace.clone()/>
        <h2>"Timeline"</h2>
        {if observations.is_empty() {
            view! { <p class="muted" id="waterfall-empty">"This trace recorded no observations."</p> }.into_any()
        } else {
            view! {
                <Waterfall observations=observations.clone() trace_start=trace.start_time.clone() trace_end=trace.end_time.clone() selected/>
                {detail}
            }.into_any()
        }}
        <TraceScores scores=scores.to_vec() observations=observations.clone()/>
        <h2>"Trace input and output"</h2>
        <div class="grid-2">
            <section class="card"><h3>"Input"</h3><JsonTree value=trace.input.clone()/></section>
            <section class="card"><h3>"Output"</h3><JsonTree value=trace.output.clone()/></section>
        </div>
        <section class="card"><h3>"Metadata"</h3><JsonTree value=Some(trace.metadata.clone())/></section>
        <WriteOnly>
            <AddTraceCard trace_id=trace.id input=trace.input.clone() output=trace.output.clone()/>
        </WriteOnly>
    }
}

/// "Add to dataset" for the whole trace. The form is used now and then, so its
/// code is a chunk of its own (with the observation's form), fetched when the
/// button is pressed rather than with the page.
#[component]
fn AddTraceCard(trace_id: i64, input: Option<Value>, output: Option<Value>) -> impl IntoView {
    let load = move || add_trace_form(trace_id, input.clone(), output.clone());
    view! { <OnDemand id="add-to-dataset" class="card" heading="Add to dataset" button="Add this trace to a dataset…" load/> }
}

#[lazy]
fn add_trace_form(trace_id: i64, input: Option<Value>, output: Option<Value>) -> AnyView {
    view! { <AddTraceForm trace_id input output/> }.into_any()
}

#[component]
fn TraceHeader(trace: Trace) -> impl IntoView {
    let latency = trace
        .latency_ms
        .or_else(|| duration_ms(&trace.start_time, trace.end_time.as_deref()))
        .map(duration_label)
        .unwrap_or_else(|| "running".into());
    let dash = || view! { "—" }.into_any();
    let session = match trace.session_row_id {
        Some(row) => {
            let label = trace.session_id.clone().unwrap_or_else(|| format!("session {row}"));
            view! { <a href=format!("/sessions/{row}") class="mono">{label}</a> }.into_any()
        }
        None => dash(),
    };
    let user = match trace.user_id.clone() {
        Some(u) => {
            let link = href("/traces", &[("user_id", u.clone())]);
            view! { <a href=link>{u}</a> }.into_any()
        }
        None => dash(),
    };
    let tags: Vec<String> = trace
        .tags
        .as_array()
        .map(|t| t.iter().filter_map(Value::as_str).map(String::from).collect())
        .unwrap_or_default();
    let text = |t: Option<String>| t.unwrap_or_else(|| "—".to_string());
    view! {
        <dl class="card info-card trace-header" id="trace-header">
            <div><dt>"Trace id"</dt><dd class="mono small">{trace.trace_id.clone()}</dd></div>
            <div><dt>"User"</dt><dd>{user}</dd></div>
            <div><dt>"Session"</dt><dd>{session}</dd></div>
            <div><dt>"Environment"</dt><dd>{text(trace.environment.clone())}</dd></div>
            <div><dt>"Release"</dt><dd>{text(trace.release.clone())}</dd></div>
            <div><dt>"Latency"</dt><dd>{latency}</dd></div>
            <div><dt>"Tokens"</dt><dd>{trace.total_tokens}</dd></div>
            <div><dt>"Cost"</dt><dd>{cost_label(trace.total_cost)}</dd></div>
            <div><dt>"Started"</dt><dd><Age ts=trace.start_time.clone()/></dd></div>
            {(!tags.is_empty()).then(|| view! {
                <div><dt>"Tags"</dt><dd class="tag-chips">{tags.into_iter().map(|t| {
                    let link = href("/traces", &[("tags", t.clone())]);
                    view! { <a href=link class="tag">{t}</a> }
                }).collect_view()}</dd></div>
            })}
        </dl>
    }
}

/// What went wrong, for a failed trace: `metadata.error` (a failed run item
/// records it there) and the status messages of its ERROR observations.
#[component]
fn ErrorBanner(trace: Trace) -> impl IntoView {
    if !trace.has_error {
        return None;
    }
    let recorded = trace.metadata.get("error").filter(|e| !e.is_null()).map(|e| match e {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    });
    let failing: Vec<(String, String)> = trace
        .observations
        .iter()
        .filter(|o| level_class(o.level.as_deref()) == Some("error"))
        .map(|o| {
            let name = o.name.clone().unwrap_or_else(|| o.observation_id.clone());
            (name, o.status_message.clone().unwrap_or_else(|| "failed without a message".into()))
        })
        .collect();
    let nothing_said = recorded.is_none() && failing.is_empty();
    Some(view! {
        <div class="error-banner" id="trace-error" role="alert">
            <strong>"This trace failed."</strong>
            {recorded.map(|e| view! { <p class="mono">{e}</p> })}
            {(!failing.is_empty()).then(|| view! {
                <ul>{failing.into_iter().map(|(name, message)| view! { <li><strong>{name}</strong> ": " <span class="mono">{message}</span></li> }).collect_view()}</ul>
            })}
            {nothing_said.then(|| view! { <p>"One of its observations reported an error."</p> })}
        </div>
    })
}

/// Every score of the trace: its own, its observations' and its run item's.
#[component]
fn TraceScores(scores: Vec<Score>, observations: Arc<Vec<crate::model::trace::Observation>>) -> impl IntoView {
    if scores.is_empty() {
        return None;
    }
    let target = move |s: &Score| match (&s.observation_id, s.dataset_run_item_id) {
        (Some(id), _) => {
            let name = observations.iter().find(|o| &o.observation_id == id).and_then(|o| o.name.clone());
            format!("observation {}", name.unwrap_or_else(|| id.clone()))
        }
        (None, Some(_)) => "run item".to_string(),
        (None, None) => "trace".to_string(),
    };
    Some(view! {
        <h2>"Scores"</h2>
        <table class="table compact" id="trace-scores">
            <thead><tr><th>"Name"</th><th>"Value"</th><th>"Type"</th><th>"Source"</th><th>"Comment"</th><th>"On"</th></tr></thead>
            <tbody>{scores.iter().map(|s| view! {
                <tr data-score-name=s.name.clone()>
                    <td>{s.name.clone()}</td>
                    <td class:error-text=s.error.is_some()>{s.label()}</td>
                    <td>{s.data_type.as_str()}</td>
                    <td>{s.source.as_str()}</td>
                    <td>{s.comment.clone().unwrap_or_default()}</td>
                    <td>{target(s)}</td>
                </tr>
            }).collect_view()}</tbody>
        </table>
    })
}
