//! What the "Connect your app" and API reference pages show: this server's
//! address as the browser reached it, and the OpenAPI document.

use leptos::prelude::*;

/// The base URL apps should send to: `OBSERV_PUBLIC_URL` when set, else the
/// scheme and host this request came in on.
#[server(output = crate::api::JsonOut)]
pub async fn base_url() -> Result<String, ServerFnError> {
    if let Some(url) = std::env::var("OBSERV_PUBLIC_URL").ok().map(|u| u.trim().trim_end_matches('/').to_string()) {
        if !url.is_empty() {
            return Ok(url);
        }
    }
    let parts = use_context::<axum::http::request::Parts>();
    let host = parts
        .as_ref()
        .and_then(|p| p.headers.get(axum::http::header::HOST))
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1:3000")
        .to_string();
    Ok(format!("http://{host}"))
}

/// The OpenAPI document as JSON text (the page parses it).
#[server(output = crate::api::JsonOut)]
pub async fn openapi_document() -> Result<String, ServerFnError> {
    crate::server::state()?;
    Ok(crate::server::openapi::document().to_string())
}
