//! `/traces`: the traces explorer (filters, search, sorts, keyset pages, all
//! in the URL) with the bulk "Add to dataset" bar. The trace page is in
//! `trace.rs`.

use super::add_to_dataset::BulkAddBar;
pub use super::trace::TracePage;
use super::trace_filters::{FilterBar, TraceFilters};
use crate::api::traces::list_traces;
use crate::model::stats::{cost_label, duration_label};
use crate::model::trace::TraceSummary;
use crate::ui::components::{can_write, Age, EmptyState, ErrorNote, Loading, WriteOnly};
use crate::ui::{href, query_param};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use serde_json::Value;

#[component]
pub fn TracesPage() -> impl IntoView {
    let query = use_query_map();
    let filters = Memo::new(move |_| query.with(|q| TraceFilters::from_query(|k| q.get(k))));
    let cursor = query_param("cursor");
    let traces = Resource::new(
        move || (filters.get(), cursor()),
        |(filters, cursor)| list_traces(filters.query(crate::ui::now_ms(), &cursor)),
    );
    // Rows are ticked only to add them to a dataset, which a viewer may not.
    let selected = RwSignal::new(Vec::<i64>::new());
    view! {
        <Title text="Traces"/>
        <div class="page-head"><h1>"Traces"</h1></div>
        <FilterBar filters/>
        {move || {
            let run = filters.with(|f| f.run_id.clone());
            (!run.is_empty()).then(|| {
                let without = TraceFilters { run_id: String::new(), ..filters.get() }.href(None);
                view! { <p><span class="chip active">{format!("run {run}")} " " <a href=without aria-label="clear run filter">"×"</a></span></p> }
            })
        }}
        <WriteOnly><BulkAddBar selected/></WriteOnly>
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match traces.await {
                    Err(error) => view! { <ErrorNote error/> }.into_any(),
                    Ok(page) if page.data.is_empty() && cursor().is_empty() && !filters.with(TraceFilters::narrows) => {
                        view! { <NoTraces/> }.into_any()
                    }
                    Ok(page) if page.data.is_empty() => view! {
                        <EmptyState title="No traces match these filters">
                            <p>"Loosen a filter, pick a longer time range, or clear them all."</p>
                            <a href="/traces" class="btn">"Clear filters"</a>
                        </EmptyState>
                    }.into_any(),
                    Ok(page) => {
                        let f = filters.get_untracked();
                        let first = (!cursor().is_empty()).then(|| view! { <a href=f.href(None) class="btn">"« First page"</a> });
                        let next = page.next_cursor.as_deref().map(|c| view! { <a href=f.href(Some(c)) class="btn" rel="next">"Next page →"</a> });
                        view! {
                            <TracesTable traces=page.data selected/>
                            <nav class="pager" aria-label="pages">{first}{next}</nav>
                        }.into_any()
                    }
                }
            })}
        </Transition>
    }
}

/// How to get the first traces in: the empty list says so.
#[component]
fn NoTraces() -> impl IntoView {
    view! {
        <EmptyState title="No traces yet">
            <p>
                "Send traces from your app over OpenTelemetry (OTLP/HTTP, protobuf or JSON) to "
                <code>"/v1/traces"</code> " on this server, with an API key as "
                <code>"Authorization: Bearer sk-…"</code> ". Langfuse SDKs work too. The README's section "
                <strong>"“Send traces from your app”"</strong> " has examples; every dataset run also records a trace per item."
            </p>
            <pre class="json empty-example">
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=http://<this server>/v1/traces\n"
                "OTEL_EXPORTER_OTLP_TRACES_HEADERS=Authorization=Bearer%20sk-…"
            </pre>
            <p class="actions empty-actions">
                <a href="/connect" class="btn btn-primary">"Connect an app"</a>
                <a href="/settings/api-keys" class="btn">"API keys"</a>
                <a href="/datasets" class="btn">"Go to datasets"</a>
            </p>
        </EmptyState>
    }
}

fn tag_names(tags: &Value) -> Vec<String> {
    tags.as_array().map(|t| t.iter().filter_map(Value::as_str).map(String::from).collect()).unwrap_or_default()
}

#[component]
fn TracesTable(traces: Vec<TraceSummary>, selected: RwSignal<Vec<i64>>) -> impl IntoView {
    let writer = can_write();
    view! {
        <table class="table" id="traces-table">
            <thead><tr>
                {writer.then(|| view! { <th></th> })}
                <th>"Name"</th><th>"User"</th><th>"Session"</th><th>"Environment"</th><th>"Tags"</th>
                <th class="num">"Latency"</th><th class="num">"Tokens"</th><th class="num">"Cost"</th><th>"Started"</th>
            </tr></thead>
            <tbody>{traces.into_iter().map(|t| {
                let id = t.id;
                let toggle = move |ev| {
                    let on = event_target_checked(&ev);
                    selected.update(|s| { s.retain(|x| *x != id); if on { s.push(id); } });
                };
                let latency = t.latency_ms.map(duration_label).unwrap_or_else(|| "—".into());
                let user = t.user_id.clone().map(|u| {
                    let link = href("/traces", &[("user_id", u.clone())]);
                    view! { <a href=link>{u}</a> }
                });
                let session = t.session_row_id.map(|row| {
                    let label = t.session_id.clone().unwrap_or_else(|| format!("session {row}"));
                    view! { <a href=format!("/sessions/{row}") class="mono small">{label}</a> }
                });
                view! {
                    <tr data-trace-id=t.trace_id.clone() data-has-error=t.has_error.to_string()>
                        {writer.then(|| view! {
                            <td><input type="checkbox" aria-label=format!("select trace {id}") prop:checked=move || selected.with(|s| s.contains(&id)) on:change=toggle/></td>
                        })}
                        <td>
                            <a href=format!("/traces/{id}") class="strong">{t.name.clone().unwrap_or_else(|| "(unnamed)".into())}</a>
                            {t.has_error.then(|| view! { " " <span class="badge badge-failed">"error"</span> })}
                        </td>
                        <td>{user}</td>
                        <td>{session}</td>
                        <td>{t.environment.clone()}</td>
                        <td><span class="tag-chips">{tag_names(&t.tags).into_iter().map(|tag| {
                            let link = href("/traces", &[("tags", tag.clone())]);
                            view! { <a href=link class="tag">{tag}</a> }
                        }).collect_view()}</span></td>
                        <td class="num">{latency}</td>
                        <td class="num">{t.total_tokens}</td>
                        <td class="num">{cost_label(t.total_cost)}</td>
                        <td><Age ts=t.start_time.clone()/></td>
                    </tr>
                }
            }).collect_view()}</tbody>
        </table>
    }
}
