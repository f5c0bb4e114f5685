//! Traces and sessions, for the observability pages.

use crate::model::explorer::TraceQuery;
use crate::model::page::{CursorPage, KeysetPage, PageAt};
use crate::model::trace::{Session, Trace, TraceSummary};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// One page of the traces explorer.
#[server(input = Json, output = crate::api::JsonOut)]
pub async fn list_traces(query: TraceQuery) -> Result<CursorPage<TraceSummary>, ServerFnError> {
    let state = crate::server::state()?;
    Ok(crate::server::db::explorer::page(&state.db, &query, super::PAGE_SIZE).await?)
}

#[server(output = crate::api::JsonOut)]
pub async fn get_trace(id: i64) -> Result<Trace, ServerFnError> {
    let state = crate::server::state()?;
    Ok(crate::server::db::traces::find(&state.db, id).await?)
}

#[server(input = Json, output = crate::api::JsonOut)]
pub async fn list_sessions(at: PageAt) -> Result<KeysetPage<Session>, ServerFnError> {
    let state = crate::server::state()?;
    Ok(crate::server::db::traces::session_page(&state.db, at, super::PAGE_SIZE).await?)
}

#[server(output = crate::api::JsonOut)]
pub async fn get_session(id: i64) -> Result<Session, ServerFnError> {
    let state = crate::server::state()?;
    Ok(crate::server::db::traces::find_session(&state.db, id).await?)
}

/// The most traces a session page lists.
pub const SESSION_TRACES_MAX: usize = 500;

/// A session's traces, oldest first (the explorer's pages, newest first,
/// walked to the end or to [`SESSION_TRACES_MAX`] and turned round).
#[server(output = crate::api::JsonOut)]
pub async fn session_traces(session_id: String) -> Result<Vec<TraceSummary>, ServerFnError> {
    let state = crate::server::state()?;
    let mut query = TraceQuery { session_id: Some(session_id), ..Default::default() };
    let mut traces = Vec::new();
    loop {
        let page = crate::server::db::explorer::page(&state.db, &query, super::PAGE_SIZE).await?;
        traces.extend(page.data);
        match page.next_cursor {
            Some(cursor) if traces.len() < SESSION_TRACES_MAX => query.cursor = Some(cursor),
            _ => break,
        }
    }
    traces.truncate(SESSION_TRACES_MAX);
    traces.reverse();
    Ok(traces)
}
