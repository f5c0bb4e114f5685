//! Traces and sessions, for the observability pages.

use crate::model::page::{KeysetPage, PageAt};
use crate::model::trace::{Session, Trace, TraceSummary};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

#[server(input = Json)]
pub async fn list_traces(
    name: String,
    session_id: Option<i64>,
    run_id: Option<i64>,
    at: PageAt,
) -> Result<KeysetPage<TraceSummary>, ServerFnError> {
    use crate::server::db::traces::{page, TraceFilter};
    let state = crate::server::state()?;
    Ok(page(&state.db, TraceFilter { name: Some(name), session_id, run_id }, at, super::PAGE_SIZE).await?)
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
