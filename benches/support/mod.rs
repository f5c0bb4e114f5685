//! A real server for the benchmarks: loopback HTTP over a fresh SQLite file.

use leptos::prelude::LeptosOptions;
use observ::server::{agents::AgentRegistry, app, db::Db, AppState};

pub struct BenchServer {
    pub base: String,
    /// Direct database access (the runs bench measures raw commits with it).
    #[allow(dead_code)]
    pub db: Db,
    pub client: reqwest::Client,
    _dir: tempfile::TempDir,
}

#[allow(dead_code)] // used by the datasets bench only
pub async fn start() -> BenchServer {
    start_with(AgentRegistry::builtin()).await
}

pub async fn start_with(agents: AgentRegistry) -> BenchServer {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(&format!("sqlite://{}/bench.db", dir.path().display())).await.unwrap();
    let options = LeptosOptions::builder().output_name("observ").site_root("target/site").build();
    let state = AppState::new(db.clone(), agents, options);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app(state)).await.unwrap() });
    BenchServer { base, db, client: reqwest::Client::new(), _dir: dir }
}

/// Peak resident memory of this process (server and client), in MiB.
#[allow(dead_code)]
pub fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0.0);
    kib / 1024.0
}
