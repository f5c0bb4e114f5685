//! Traces and sessions, for the observability pages.

use crate::model::explorer::TraceQuery;
use crate::model::page::{CursorPage, KeysetPage, PageAt};
use crate::model::trace::{Session, Trace, TraceSummary};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// One page of the traces explorer.
#[server(input = Json)]
pub async fn list_traces(query: TraceQuery) -> Result<CursorPage<TraceSummary>, ServerFnError> {
    let state = crate::server::state()?;
    Ok(crate::server::db::explorer::page(&state.db, &query, super::PAGE_SIZE).await?)
}

#[server]
pub async fn get_trace(id: i64) -> Result<Trace, ServerFnError> {
    let state = crate::server::state()?;
    Ok(crate::server::db::traces::find(&state.db, id).await?)
}

#[server(input = Json)]
pub async fn list_sessions(at: PageAt) -> Result<KeysetPage<Session>, ServerFnError> {
    let state = crate::server::state()?;
    Ok(crate::server::db::traces::session_page(&state.db, at, super::PAGE_SIZE).await?)
}

#[server]
pub async fn get_session(id: i64) -> Result<Session, ServerFnError> {
    let state = crate::server::state()?;
    Ok(crate::server::db::traces::find_session(&state.db, id).await?)
}
