//! Server-only code: the database, agents, evaluators, the run engine, the REST
//! API, event streams and authentication, with the state they share. The router
//! that puts them together lives one floor up, in `crate::serve`.

pub mod agents;
pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod demo;
pub mod error;
pub mod evaluators;
pub mod export;
pub mod health;
pub mod import;
pub mod limits;
pub mod llm;
pub mod modules;
pub mod openapi;
pub mod otlp;
pub mod public;
pub mod redact;
pub mod rest;
pub mod runner;
pub mod sse;

use agents::AgentRegistry;
use auth::security::Security;
use auth::Auth;
use axum::extract::FromRef;
use db::Db;
use leptos::prelude::*;
use std::sync::Arc;

/// Everything a request handler or server function may need.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub agents: Arc<AgentRegistry>,
    pub runner: Arc<runner::Runner>,
    pub auth: Arc<Auth>,
    /// Open event streams per client, capped.
    pub streams: Arc<sse::OpenStreams>,
    /// The install-wide event stream's watcher, shared by its clients.
    pub install: Arc<sse::install::InstallFeed>,
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
        let security = Security::new(leptos_options.site_addr, None, &[]).expect("no public URL to parse");
        let auth = Arc::new(Auth::new(security));
        let (streams, install) = (sse::OpenStreams::from_env(), sse::install::InstallFeed::new());
        AppState { db, agents, runner, auth, streams, install, leptos_options }
    }

    /// The host rules for the address actually bound (and `OBSERV_PUBLIC_URL`).
    pub fn with_security(mut self, security: Security) -> AppState {
        self.auth = Arc::new(Auth::new(security));
        self
    }
}

/// The state server functions run with.
pub fn state() -> Result<AppState, ServerFnError> {
    use_context::<AppState>().ok_or_else(|| ServerFnError::ServerError("server state missing".into()))
}

/// The state for a server function that changes something: members and admins
/// only (403 for viewers, 401 for strangers).
pub fn state_for_writer() -> Result<AppState, ServerFnError> {
    auth::require_role(crate::model::user::Role::Member)?;
    state()
}

/// The state for managing users and keys: admins only.
pub fn state_for_admin() -> Result<AppState, ServerFnError> {
    auth::require_role(crate::model::user::Role::Admin)?;
    state()
}
