//! The selected observation under a trace's waterfall: what it was (type,
//! level, model, timing, tokens, cost), its payloads as folding JSON trees, its
//! scores, and "Add to dataset" for it.

use super::add_observation::AddObservationForm;
use crate::model::score::Score;
use crate::model::stats::{cost_label, duration_label, parse_timestamp_ms};
use crate::model::trace::{duration_ms, Observation};
use crate::ui::components::{level_class, JsonTree, OnDemand, ScoreChip, WriteOnly};
use leptos::prelude::*;
use serde_json::Value;

#[component]
pub fn ObservationDetail(observation: Observation, scores: Vec<Score>) -> impl IntoView {
    let o = observation;
    let level = level_class(o.level.as_deref());
    let duration = duration_ms(&o.start_time, o.end_time.as_deref()).map(duration_label);
    // Time to the first token, for streamed generations.
    let first_token = o
        .completion_start_time
        .as_deref()
        .and_then(parse_timestamp_ms)
        .zip(parse_timestamp_ms(&o.start_time))
        .map(|(first, start)| duration_label((first - start).max(0)));
    let tokens = o.tokens();
    let section = |title: &'static str, value: Option<Value>| {
        let shown = value.filter(|v| !v.is_null() && v.as_object().is_none_or(|m| !m.is_empty()));
        shown.map(|value| view! { <section class="detail-part" data-part=title><h4>{title}</h4><JsonTree value=Some(value)/></section> })
    };
    view! {
        <section class="card observation-detail" id="observation-detail" data-observation-id=o.observation_id.clone()>
            <div class="detail-head">
                <span class=format!("badge badge-{}", o.kind)>{o.kind.clone()}</span>
                <h3>{o.name.clone().unwrap_or_else(|| "(unnamed)".into())}</h3>
                {level.map(|l| view! { <span class=format!("badge badge-level-{l}")>{o.level.clone()}</span> })}
            </div>
            {o.status_message.clone().map(|m| {
                let class = if level == Some("error") { "error" } else { "notice" };
                view! { <p class=class data-testid="status-message">{m}</p> }
            })}
            <dl class="info-card detail-facts">
                <div><dt>"Observation id"</dt><dd class="mono small">{o.observation_id.clone()}</dd></div>
                {o.model.clone().map(|m| view! { <div><dt>"Model"</dt><dd class="mono">{m}</dd></div> })}
                <div><dt>"Duration"</dt><dd>{duration.unwrap_or_else(|| "—".into())}</dd></div>
                {first_token.map(|t| view! { <div><dt>"First token"</dt><dd>{t}</dd></div> })}
                {(tokens > 0).then(|| view! { <div><dt>"Tokens"</dt><dd>{tokens}</dd></div> })}
                <div><dt>"Cost"</dt><dd>{cost_label(o.cost_usd)}</dd></div>
                <div><dt>"Started"</dt><dd class="mono small">{o.start_time.clone()}</dd></div>
            </dl>
            <div class="grid-2">
                <section class="detail-part" data-part="Input"><h4>"Input"</h4><JsonTree value=o.input.clone()/></section>
                <section class="detail-part" data-part="Output"><h4>"Output"</h4><JsonTree value=o.output.clone()/></section>
            </div>
            {section("Metadata", Some(o.metadata.clone()))}
            {section("Model parameters", o.model_parameters.clone())}
            {section("Usage", o.usage.clone())}
            {section("Cost details", o.cost_details.clone())}
            {(!scores.is_empty()).then(|| view! {
                <section class="detail-part" data-part="Scores"><h4>"Scores"</h4>
                    <div class="scores">{scores.into_iter().map(|score| view! { <ScoreChip score/> }).collect_view()}</div>
                </section>
            })}
            <WriteOnly>
                <AddObservationCard observation_id=o.id input=o.input.clone() output=o.output.clone()/>
            </WriteOnly>
        </section>
    }
}

/// "Add this observation to a dataset": a button that fetches the form's code
/// (a chunk of its own, as the trace's form) and shows the form in its place.
#[component]
fn AddObservationCard(observation_id: i64, input: Option<Value>, output: Option<Value>) -> impl IntoView {
    let load = move || add_observation_form(observation_id, input.clone(), output.clone());
    view! { <OnDemand id="add-observation-to-dataset" class="add-observation" button="Add this observation to a dataset…" load/> }
}

#[lazy]
fn add_observation_form(observation_id: i64, input: Option<Value>, output: Option<Value>) -> AnyView {
    view! { <AddObservationForm observation_id input output/> }.into_any()
}
