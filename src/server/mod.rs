//! Server-only code: the database, agents, the REST API and the axum app that
//! serves pages, server functions and `/api/v1`.

pub mod agents;
pub mod config;
pub mod db;
pub mod demo;
pub mod error;
pub mod evaluators;
pub mod export;
pub mod import;
pub mod limits;
pub mod llm;
pub mod redact;
pub mod rest;
pub mod runner;
pub mod sse;

use crate::app::{shell, App};
use agents::AgentRegistry;
use axum::extract::FromRef;
use axum::Router;
use db::Db;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::sync::Arc;

/// Everything a request handler or server function may need.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub agents: Arc<AgentRegistry>,
    pub runner: Arc<runner::Runner>,
    /// Open event streams per client, capped.
    pub streams: Arc<sse::OpenStreams>,
    pub leptos_options: LeptosOptions,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

impl AppState {
    pub fn new(db: Db, agents: AgentRegistry, leptos_options: LeptosOptions) -> AppState {
        let agents = Arc::new(agents);
        let runner = runner::Runner::new(db.clone(), agents.clone());
        AppState { db, agents, runner, streams: sse::OpenStreams::from_env(), leptos_options }
    }
}

/// The whole HTTP app: `/api/v1`, server functions, pages and static files.
pub fn app(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let options = state.leptos_options.clone();
    Router::new()
        .nest("/api/v1", rest::router())
        .leptos_routes(&state, routes, move || shell(options.clone()))
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .with_state(state)
}

/// The state server functions run with.
pub fn state() -> Result<AppState, ServerFnError> {
    use_context::<AppState>().ok_or_else(|| ServerFnError::ServerError("server state missing".into()))
}
