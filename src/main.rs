//! `observ` binary: `observ` / `observ serve` reads the configuration, opens (and
//! migrates) the database and serves the app until SIGTERM or Ctrl-C;
//! `observ migrate|check|keys|users …` are the operations and set-up commands;
//! `observ gate …` is the CI gate, a client of a running server.
//! Everything else lives in the library.

use leptos::config::get_configuration;
use observ::serve::serve;
use observ::server::auth::{accounts, security::Security};
use observ::server::cli::{self, CliError};
use observ::server::{config::Config, db::Db, AppState};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let outcome = match args.first().map(String::as_str) {
        None | Some("serve") => run_server().await.map_err(|m| (1, m)),
        Some("gate") => std::process::exit(observ::ci::main(&args[1..]).await),
        Some(_) => match cli::run(&args).await {
            Ok(output) => {
                println!("{output}");
                Ok(())
            }
            Err(CliError::Usage(m)) => Err((2, format!("{m}\n{}", cli::USAGE))),
            Err(CliError::Failed(m)) => Err((1, m)),
        },
    };
    if let Err((code, message)) = outcome {
        eprintln!("observ: {message}");
        std::process::exit(code);
    }
}

async fn run_server() -> Result<(), String> {
    let config = Config::from_env();
    let agents = observ::server::config::load_agents()?;
    let mut leptos_options = get_configuration(None).map_err(|e| format!("configuration: {e}"))?.leptos_options;
    if leptos_options.output_name.is_empty() {
        leptos_options.output_name = "observ".into();
    }
    let addr = leptos_options.site_addr;
    let security = Security::from_env(addr)?;
    observ::server::db::check_url(&config.database_url)?;
    let shown = observ::server::redact::redact_url(&config.database_url);
    let db = Db::open(&config.database_url).await.map_err(|e| format!("OBSERV_DATABASE_URL ({shown}): {e}"))?;
    if let Some(admin) = accounts::admin_from_env(&db).await? {
        println!("observ: created the admin {}", admin.email);
    }
    let state = AppState::new(db, agents, leptos_options).with_security(security);
    if !addr.ip().is_loopback() && !state.auth.has_users(&state.db).await.map_err(|e| e.to_string())? {
        return Err(format!(
            "refusing to listen on {addr} while no admin exists: anyone reaching it could create one. \
             Set OBSERV_ADMIN_EMAIL and OBSERV_ADMIN_PASSWORD, or start once on 127.0.0.1 and create the admin there"
        ));
    }
    let resumed = state.runner.resume_unfinished().await.map_err(|e| format!("resuming runs: {e}"))?;
    if !resumed.is_empty() {
        println!("observ: resumed unfinished runs {resumed:?}");
    }
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    println!("observ: listening on http://{addr} (database {shown})");
    // On SIGTERM or Ctrl-C: stop accepting, stop claiming run items, let the
    // items and requests in flight finish, and leave after a grace period even
    // if event streams are still open. Runs left unfinished resume at the next
    // start; an item still in flight at the deadline runs again then.
    let stopping = Arc::new(Notify::new());
    let signalled = stopping.clone();
    let grace = shutdown_grace();
    let runner = state.runner.clone();
    let mut server = tokio::spawn(serve(listener, state, async move {
        stop_signal().await;
        signalled.notify_one();
    }));
    tokio::select! {
        ended = &mut server => return ended.map_err(|e| format!("server: {e}"))?.map_err(|e| format!("server: {e}")),
        _ = stopping.notified() => {}
    }
    println!("observ: shutting down (grace {} s)", grace.as_secs());
    let started = std::time::Instant::now();
    if !runner.drain(grace).await {
        eprintln!("observ: items still in flight after {} s run again at the next start", grace.as_secs());
    }
    let _ = tokio::time::timeout(grace.saturating_sub(started.elapsed()), server).await;
    Ok(())
}

/// How long open requests (event streams included) may take once asked to stop:
/// `OBSERV_SHUTDOWN_GRACE_SECS`, 10 by default.
fn shutdown_grace() -> Duration {
    let secs = std::env::var("OBSERV_SHUTDOWN_GRACE_SECS").ok().and_then(|v| v.trim().parse().ok()).unwrap_or(10);
    Duration::from_secs(secs)
}

async fn stop_signal() {
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate => {}
    }
}
