//! A trace's waterfall: one row per observation in tree order, each with a
//! bar on the trace's time axis. Rows with children fold; clicking a row
//! selects it (the page shows the selected observation's details).

use super::timeline::{ticks, timeline, TimelineRow};
use crate::model::stats::{cost_label, duration_label};
use crate::model::trace::Observation;
use leptos::prelude::*;
use std::collections::HashSet;
use std::sync::Arc;

/// `ERROR` → "error", `WARNING` → "warning"; other levels are not marked.
pub fn level_class(level: Option<&str>) -> Option<&'static str> {
    match level? {
        "ERROR" => Some("error"),
        "WARNING" => Some("warning"),
        _ => None,
    }
}

/// `selected` holds the index (into `observations`) of the selected row.
#[component]
pub fn Waterfall(
    observations: Arc<Vec<Observation>>,
    #[prop(into)] trace_start: String,
    trace_end: Option<String>,
    selected: RwSignal<Option<usize>>,
) -> impl IntoView {
    let layout = timeline(&observations, &trace_start, trace_end.as_deref());
    let collapsed = RwSignal::new(HashSet::<String>::new());
    let axis = ticks(layout.span_ms, 4)
        .into_iter()
        .map(|(at, label)| view! { <span class="wf-tick" style=format!("left: {at:.2}%")>{label}</span> })
        .collect_view();
    let rows = layout
        .rows
        .into_iter()
        .map(|row| view! { <WaterfallRow observation=observations[row.index].clone() row collapsed selected/> })
        .collect_view();
    view! {
        <div id="waterfall" class="waterfall" role="tree" aria-label="Observations on the trace's timeline">
            <div class="wf-head" aria-hidden="true">
                <span>"Observation"</span><span class="num">"Tokens"</span><span class="num">"Cost"</span>
                <span class="num">"Duration"</span><span class="wf-axis">{axis}</span>
            </div>
            {rows}
        </div>
    }
}

#[component]
fn WaterfallRow(
    observation: Observation,
    row: TimelineRow,
    collapsed: RwSignal<HashSet<String>>,
    selected: RwSignal<Option<usize>>,
) -> impl IntoView {
    let o = observation;
    let index = row.index;
    let id = o.observation_id.clone();
    let ancestors = row.ancestors.clone();
    let hidden = move || collapsed.with(|c| ancestors.iter().any(|a| c.contains(a)));
    let is_selected = move || selected.get() == Some(index);
    let level = level_class(o.level.as_deref());
    let name = o.name.clone().unwrap_or_else(|| "(unnamed)".into());
    let toggle = if row.has_children {
        let (open_id, click_id) = (id.clone(), id.clone());
        let open = Signal::derive(move || collapsed.with(|c| !c.contains(&open_id)));
        let label = format!("Fold or unfold the children of {name}");
        view! {
            <button type="button" class="wf-toggle" aria-expanded=move || open.get().to_string() aria-label=label
                on:click=move |ev| {
                    ev.stop_propagation();
                    collapsed.update(|c| if !c.remove(&click_id) { c.insert(click_id.clone()); });
                }>
                {move || if open.get() { "▾" } else { "▸" }}
            </button>
        }
        .into_any()
    } else {
        view! { <span class="wf-toggle-space"></span> }.into_any()
    };
    let bar = match row.width {
        Some(width) => {
            let style = format!("left: {:.3}%; width: {width:.3}%", row.left);
            view! { <span class="wf-bar" style=style></span> }.into_any()
        }
        None => view! { <span class="wf-dot" style=format!("left: {:.3}%", row.left)></span> }.into_any(),
    };
    let duration = row.duration_ms.map(duration_label).unwrap_or_else(|| "—".into());
    let tokens = o.tokens();
    view! {
        <div class="wf-row" role="treeitem" data-observation-id=id.clone() data-depth=row.depth
            data-level=o.level.clone().unwrap_or_default()
            class:wf-error={level == Some("error")} class:wf-warning={level == Some("warning")}
            class:wf-hidden=hidden class:selected=is_selected aria-selected=move || is_selected().to_string()
            title=o.status_message.clone().unwrap_or_default()
            on:click=move |_| selected.set(Some(index))>
            <span class="wf-label" style=format!("padding-left: {:.2}rem", row.depth as f64 * 1.1)>
                {toggle}
                <span class=format!("badge badge-{}", o.kind)>{o.kind.clone()}</span>
                <button type="button" class="wf-name">{name.clone()}</button>
                {level.map(|l| view! { <span class=format!("badge badge-level-{l}")>{o.level.clone()}</span> })}
                {o.model.clone().map(|m| view! { <span class="wf-model mono small">{m}</span> })}
            </span>
            <span class="num small">{(tokens > 0).then(|| tokens.to_string())}</span>
            <span class="num small">{(o.cost_usd > 0.0).then(|| cost_label(o.cost_usd))}</span>
            <span class="num small">{duration}</span>
            <span class="wf-track">{bar}</span>
        </div>
    }
}
