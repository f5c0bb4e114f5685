//! Observ: self-hosted LLM observability and evaluation.
//!
//! One crate, two builds: the server (`ssr`: axum, SQLite, the REST API) and the
//! browser bundle (`hydrate`: WASM that takes over the server-rendered pages).
// Deep view types (the dataset form with its evaluator editor) need more
// than the default query depth in release builds.
#![recursion_limit = "256"]

pub mod api;
pub mod app;
#[cfg(feature = "ssr")]
pub mod ci;
pub mod model;
#[cfg(feature = "ssr")]
pub mod serve;
#[cfg(feature = "ssr")]
pub mod server;
pub mod ui;

/// Entry point of the WASM bundle: hydrates the server-rendered page, then marks
/// `<body data-hydrated>` so tests (and people) can tell the page is live.
/// Pages are lazily loaded chunks (see `app.rs`), so hydrating waits for the
/// current page's chunk (the server already told the browser to fetch it), then
/// hydrates synchronously.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    let Some(body) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.body()) else { return };
    wasm_bindgen_futures::spawn_local(async move {
        let path = web_sys::window().and_then(|w| w.location().pathname().ok()).unwrap_or_default();
        app::load_page(&path).await;
        leptos::mount::hydrate_from(body.clone(), app::App).forget();
        let _ = body.set_attribute("data-hydrated", "true");
    });
}
