//! Server-only code: the database, agents, the REST API and the axum app that
//! serves pages, server functions and `/api/v1`.

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
pub mod redact;
pub mod rest;
pub mod runner;
pub mod sse;

use crate::app::{shell, App};
use crate::model::user::CurrentViewer;
use agents::AgentRegistry;
use auth::guard::CspNonce;
use auth::security::Security;
use auth::{Auth, Principal};
use axum::extract::FromRef;
use axum::serve::ListenerExt;
use axum::Router;
use db::Db;
use leptos::prelude::*;
use leptos_axum::{file_and_error_handler_with_context, generate_route_list, LeptosRoutes};
use std::net::SocketAddr;
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
        AppState { db, agents, runner, auth, streams: sse::OpenStreams::from_env(), leptos_options }
    }

    /// The host rules for the address actually bound (and `OBSERV_PUBLIC_URL`).
    pub fn with_security(mut self, security: Security) -> AppState {
        self.auth = Arc::new(Auth::new(security));
        self
    }
}

/// Serves the app on `listener` until `shutdown` resolves: small responses and
/// events go out at once (no delayed ACK), and handlers see the client address.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(listener, app(state).into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await
}

/// Per-response context for pages and server functions: the CSP nonce the
/// guard chose and who the page is rendered for.
fn request_context() {
    if let Some(parts) = use_context::<axum::http::request::Parts>() {
        if let Some(CspNonce(nonce)) = parts.extensions.get::<CspNonce>() {
            provide_context(leptos::nonce::Nonce::from_value(nonce.clone()));
        }
        provide_context(CurrentViewer(parts.extensions.get::<Principal>().map(Principal::viewer)));
    }
}

/// The whole HTTP app: `/api/v1`, server functions, pages and static files.
pub fn app(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let options = state.leptos_options.clone();
    Router::new()
        .nest("/api/v1", rest::router())
        .merge(auth::forms::routes())
        .merge(health::routes())
        .leptos_routes_with_context(&state, routes, request_context, move || shell(options.clone()))
        .fallback(file_and_error_handler_with_context::<AppState, _>(request_context, shell))
        .layer(axum::middleware::from_fn_with_state(state.clone(), auth::guard::guard))
        .with_state(state)
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
