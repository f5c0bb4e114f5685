//! `/sessions` and `/sessions/:id` (a session's totals and its traces, oldest
//! first).

use crate::api::traces::{get_session, list_sessions, session_traces, SESSION_TRACES_MAX};
use crate::model::page::PageAt;
use crate::model::stats::{cost_label, duration_label};
use crate::model::trace::{Session, TraceSummary};
use crate::ui::components::{Age, EmptyState, ErrorNote, JsonTree, Loading, Pager};
use crate::ui::{param_id, query_param};
use leptos::prelude::*;
use leptos_meta::Title;

/// When the session was last seen: its end, or its start while it has none.
fn last_seen(session: &Session) -> String {
    session.end_time.clone().unwrap_or_else(|| session.start_time.clone())
}

#[component]
pub fn SessionsPage() -> impl IntoView {
    let (after, before, last) = (query_param("after"), query_param("before"), query_param("last"));
    let at = move || PageAt::from_query(Some(after()), Some(before()), Some(last()).filter(|l| !l.is_empty()));
    let sessions = Resource::new(at, list_sessions);
    view! {
        <Title text="Sessions"/>
        <div class="page-head"><h1>"Sessions"</h1></div>
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match sessions.await {
                    Err(error) => view! { <ErrorNote error/> }.into_any(),
                    Ok(page) if page.rows.is_empty() => view! {
                        <EmptyState title="No sessions yet">
                            <p>"A session groups the traces of one conversation: send traces with a "
                               <code>"session.id"</code> " attribute. Every dataset-run item gets its own."</p>
                            <a href="/traces" class="btn">"Go to traces"</a>
                        </EmptyState>
                    }.into_any(),
                    Ok(page) => {
                        let pager = view! {
                            <Pager path="/sessions".to_string() params=vec![] total=page.total shown=page.rows.len()
                                has_newer=page.has_newer has_older=page.has_older
                                newest_id=page.rows.first().map(|s| s.id) oldest_id=page.rows.last().map(|s| s.id)/>
                        };
                        view! {
                            <table class="table" id="sessions-table">
                                <thead><tr><th>"Session"</th><th>"User"</th><th class="num">"Traces"</th><th class="num">"Tokens"</th>
                                    <th class="num">"Cost"</th><th>"First seen"</th><th>"Last seen"</th></tr></thead>
                                <tbody>{page.rows.into_iter().map(|s| view! {
                                    <tr data-session-id=s.session_id.clone()>
                                        <td><a href=format!("/sessions/{}", s.id) class="mono small">{s.session_id.clone()}</a></td>
                                        <td>{s.user_id.clone().unwrap_or_default()}</td>
                                        <td class="num">{s.total_traces_count}</td>
                                        <td class="num">{s.total_tokens}</td>
                                        <td class="num">{cost_label(s.total_cost)}</td>
                                        <td><Age ts=s.start_time.clone()/></td>
                                        <td><Age ts=last_seen(&s)/></td>
                                    </tr>
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
pub fn SessionPage() -> impl IntoView {
    let id = param_id("id");
    let data = Resource::new(id, |id| async move {
        let session = get_session(id).await?;
        let traces = session_traces(session.session_id.clone()).await?;
        Ok::<_, ServerFnError>((session, traces))
    });
    view! {
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match data.await {
                    Err(error) => view! { <ErrorNote error/> <a href="/sessions">"Back to sessions"</a> }.into_any(),
                    Ok((session, traces)) => view! { <SessionView session traces/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn SessionView(session: Session, traces: Vec<TraceSummary>) -> impl IntoView {
    let capped = traces.len() >= SESSION_TRACES_MAX;
    view! {
        <Title text=session.session_id.clone()/>
        <p class="crumbs"><a href="/sessions">"Sessions"</a> " /"</p>
        <h1 class="mono">{session.session_id.clone()}</h1>
        <dl class="card info-card" id="session-header">
            <div><dt>"User"</dt><dd>{session.user_id.clone().unwrap_or_else(|| "—".into())}</dd></div>
            <div><dt>"Traces"</dt><dd>{session.total_traces_count}</dd></div>
            <div><dt>"Tokens"</dt><dd>{session.total_tokens}</dd></div>
            <div><dt>"Cost"</dt><dd>{cost_label(session.total_cost)}</dd></div>
            <div><dt>"First seen"</dt><dd><Age ts=session.start_time.clone()/></dd></div>
            <div><dt>"Last seen"</dt><dd><Age ts=last_seen(&session)/></dd></div>
        </dl>
        <section class="card"><h3>"Metadata"</h3><JsonTree value=Some(session.metadata.clone())/></section>
        <h2>"Traces"</h2>
        {capped.then(|| view! { <p class="muted">{format!("The newest {SESSION_TRACES_MAX} traces, oldest first.")}</p> })}
        {if traces.is_empty() {
            view! { <p class="muted">"No traces in this session."</p> }.into_any()
        } else {
            view! {
                <table class="table" id="session-traces">
                    <thead><tr><th>"Trace"</th><th>"Started"</th><th class="num">"Latency"</th><th class="num">"Tokens"</th><th class="num">"Cost"</th></tr></thead>
                    <tbody>{traces.into_iter().map(|t| view! {
                        <tr data-trace-id=t.trace_id.clone() data-has-error=t.has_error.to_string()>
                            <td>
                                <a href=format!("/traces/{}", t.id) class="strong">{t.name.clone().unwrap_or_else(|| t.trace_id.clone())}</a>
                                {t.has_error.then(|| view! { " " <span class="badge badge-failed">"error"</span> })}
                            </td>
                            <td><Age ts=t.start_time.clone()/></td>
                            <td class="num">{t.latency_ms.map(duration_label).unwrap_or_else(|| "—".into())}</td>
                            <td class="num">{t.total_tokens}</td>
                            <td class="num">{cost_label(t.total_cost)}</td>
                        </tr>
                    }).collect_view()}</tbody>
                </table>
            }.into_any()
        }}
    }
}
