//! `/sessions` and `/sessions/:id` (a session's totals and its traces).

use crate::api::traces::{get_session, list_sessions, list_traces};
use crate::model::explorer::TraceQuery;
use crate::model::page::PageAt;
use crate::model::stats::cost_label;
use crate::ui::components::{Age, EmptyState, ErrorNote, JsonView, Loading, Pager};
use crate::ui::{param_id, query_param};
use leptos::prelude::*;
use leptos_meta::Title;

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
                            <p>"A session groups the traces of one conversation; every dataset-run item gets its own."</p>
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
                                <thead><tr><th>"Session"</th><th>"User"</th><th class="num">"Traces"</th><th class="num">"Tokens"</th><th class="num">"Cost"</th><th>"Started"</th></tr></thead>
                                <tbody>{page.rows.into_iter().map(|s| view! {
                                    <tr>
                                        <td><a href=format!("/sessions/{}", s.id) class="mono small">{s.session_id.clone()}</a></td>
                                        <td>{s.user_id.clone().unwrap_or_default()}</td>
                                        <td class="num">{s.total_traces_count}</td>
                                        <td class="num">{s.total_tokens}</td>
                                        <td class="num">{cost_label(s.total_cost)}</td>
                                        <td><Age ts=s.start_time.clone()/></td>
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
        let query = TraceQuery { session_id: Some(session.session_id.clone()), ..Default::default() };
        let traces = list_traces(query).await?;
        Ok::<_, ServerFnError>((session, traces))
    });
    view! {
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match data.await {
                    Err(error) => view! { <ErrorNote error/> <a href="/sessions">"Back to sessions"</a> }.into_any(),
                    Ok((session, traces)) => view! {
                        <Title text=session.session_id.clone()/>
                        <p class="crumbs"><a href="/sessions">"Sessions"</a> " /"</p>
                        <h1 class="mono">{session.session_id.clone()}</h1>
                        <dl class="card info-card">
                            <div><dt>"User"</dt><dd>{session.user_id.clone().unwrap_or_else(|| "—".into())}</dd></div>
                            <div><dt>"Traces"</dt><dd>{session.total_traces_count}</dd></div>
                            <div><dt>"Tokens"</dt><dd>{session.total_tokens}</dd></div>
                            <div><dt>"Cost"</dt><dd>{cost_label(session.total_cost)}</dd></div>
                            <div><dt>"Started"</dt><dd><Age ts=session.start_time.clone()/></dd></div>
                        </dl>
                        <section class="card"><h3>"Metadata"</h3><JsonView value=Some(session.metadata.clone())/></section>
                        <h2>"Traces"</h2>
                        <ul class="list">
                            {traces.data.into_iter().map(|t| view! {
                                <li><a href=format!("/traces/{}", t.id)>{t.name.clone().unwrap_or_else(|| t.trace_id.clone())}</a>
                                " " <span class="muted small">{format!("{} tokens · {}", t.total_tokens, cost_label(t.total_cost))}</span></li>
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}
