//! The router: `/api/v1`, the sign-in forms, health probes, server functions,
//! pages and static files behind the security guard, and serving it. It sits
//! above both `server` (state, handlers) and `app` (the pages), so neither
//! needs the other.

use crate::app::{shell, App};
use crate::model::user::CurrentViewer;
use crate::server::auth::guard::{guard, CspNonce};
use crate::server::auth::{forms, Principal};
use crate::server::{health, modules, openapi, otlp, public, rest, AppState};
use axum::serve::ListenerExt;
use axum::Router;
use leptos::prelude::*;
use leptos_axum::{file_and_error_handler_with_context, generate_route_list, AxumRouteListing, LeptosRoutes};
use std::net::SocketAddr;
use std::sync::OnceLock;

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

/// The pages' routes, generated once per process. Generating them renders the
/// app with resource loading suppressed through a process-wide flag
/// (leptos_server's `SuppressResourceLoad`): a resource that a page rendering
/// meanwhile on another server of the same process first polls then waits
/// forever (leptos#4773), and its response never ends. The HTTP tests start
/// many servers in one process, so the routes are made by the first `app()`,
/// before any server serves; later calls copy them.
fn route_listing() -> Vec<AxumRouteListing> {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// The whole HTTP app: `/api/v1`, server functions, pages and static files.
pub fn app(state: AppState) -> Router {
    let routes = route_listing();
    let options = state.leptos_options.clone();
    Router::new()
        .nest("/api/v1", rest::router())
        .nest("/api/public", public::router())
        .route("/api/openapi.json", axum::routing::get(openapi::serve_document))
        .route("/pkg/modules", axum::routing::get(modules::serve))
        .route(
            "/v1/traces",
            axum::routing::post(otlp::export)
                .layer(axum::extract::DefaultBodyLimit::max(otlp::BODY_LIMIT_MB * 1024 * 1024)),
        )
        .merge(forms::routes())
        .merge(health::routes())
        .leptos_routes_with_context(&state, routes, request_context, move || shell(options.clone()))
        .fallback(file_and_error_handler_with_context::<AppState, _>(request_context, shell))
        .layer(axum::middleware::from_fn_with_state(state.clone(), guard))
        .with_state(state)
}
