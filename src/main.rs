//! `observ` server binary: reads the configuration, opens (and migrates) the
//! database, and serves the app. Everything else lives in the library.

use axum::serve::ListenerExt;
use leptos::config::get_configuration;
use observ::server::{app, config::Config, db::Db, AppState};

#[tokio::main]
async fn main() {
    if let Err(message) = run().await {
        eprintln!("observ: {message}");
        std::process::exit(1);
    }
}

async fn run() -> Result<(), String> {
    let config = Config::from_env();
    let agents = observ::server::config::load_agents()?;
    let mut leptos_options = get_configuration(None).map_err(|e| format!("configuration: {e}"))?.leptos_options;
    if leptos_options.output_name.is_empty() {
        leptos_options.output_name = "observ".into();
    }
    let addr = leptos_options.site_addr;
    let db = Db::open(&config.database_url).await.map_err(|e| format!("database {}: {e}", config.database_url))?;
    let state = AppState::new(db, agents, leptos_options);
    let resumed = state.runner.resume_unfinished().await.map_err(|e| format!("resuming runs: {e}"))?;
    if !resumed.is_empty() {
        println!("observ: resumed unfinished runs {resumed:?}");
    }
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    println!("observ: listening on http://{addr} (database {})", config.database_url);
    // Events and small responses go out at once, not after a delayed ACK.
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    // The remote address caps event streams per client.
    axum::serve(listener, app(state).into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| format!("server: {e}"))
}
