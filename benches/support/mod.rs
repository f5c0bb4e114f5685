//! A real server for the benchmarks: loopback HTTP over a fresh SQLite file,
//! or a fresh PostgreSQL database when `OBSERV_TEST_POSTGRES_URL` names a
//! cluster (`scripts/with-postgres cargo bench …`).

use leptos::prelude::LeptosOptions;
use observ::model::user::Role;
use observ::serve::serve;
use observ::server::auth::{accounts, security::Security};
use observ::server::{agents::AgentRegistry, db::Db, AppState};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

pub struct BenchServer {
    pub base: String,
    /// Direct database access (the runs bench measures raw commits with it).
    #[allow(dead_code)]
    pub db: Db,
    pub client: reqwest::Client,
    /// `Bearer sk-…`: the admin key `client` sends, for raw sockets.
    #[allow(dead_code)]
    pub bearer: String,
    _dir: tempfile::TempDir,
}

#[allow(dead_code)] // used by the datasets bench only
pub async fn start() -> BenchServer {
    start_with(AgentRegistry::builtin()).await
}

pub async fn start_with(agents: AgentRegistry) -> BenchServer {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(&database_url(dir.path()).await).await.unwrap();
    let options = LeptosOptions::builder().output_name("observ").site_root("target/site").build();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let state = AppState::new(db.clone(), agents, options).with_security(Security::new(addr, None, &[]).unwrap());
    tokio::spawn(async move { serve(listener, state, std::future::pending()).await.unwrap() });
    // Every API call authenticates with an admin key, as a script would.
    let key = accounts::create_key(&db, "bench", Role::Admin, "bench").await.unwrap();
    let mut headers = reqwest::header::HeaderMap::new();
    let bearer = format!("Bearer {}", key.secret_key);
    headers.insert(reqwest::header::AUTHORIZATION, reqwest::header::HeaderValue::from_str(&bearer).unwrap());
    let client = reqwest::Client::builder().default_headers(headers).build().unwrap();
    BenchServer { base: format!("http://{addr}"), db, client, bearer, _dir: dir }
}

/// Which backend the benchmarks run on, for their output.
#[allow(dead_code)]
pub fn backend() -> &'static str {
    if std::env::var("OBSERV_TEST_POSTGRES_URL").is_ok() {
        "postgresql"
    } else {
        "sqlite"
    }
}

/// A fresh database: a SQLite file in `dir`, or a new PostgreSQL database.
pub async fn database_url(dir: &std::path::Path) -> String {
    let Ok(admin) = std::env::var("OBSERV_TEST_POSTGRES_URL") else {
        return format!("sqlite://{}/bench.db", dir.display());
    };
    use sqlx::Connection;
    let token = observ::server::auth::secrets::sha256_hex(&observ::server::auth::secrets::random_token(16));
    let name = format!("observ_bench_{}", &token[..12]);
    let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap();
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await.unwrap();
    format!("{}/{name}", admin.rsplit_once('/').unwrap().0)
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

impl BenchServer {
    /// Creates a dataset over the API; its items are added in one bulk request.
    #[allow(dead_code)]
    pub async fn dataset(&self, name: &str, agent: &str, items: Vec<Value>) -> i64 {
        let base = &self.base;
        let res =
            self.client.post(format!("{base}/api/v1/datasets")).json(&json!({"name": name, "agent_class": agent}));
        let id = res.send().await.unwrap().json::<Value>().await.unwrap()["id"].as_i64().unwrap();
        if !items.is_empty() {
            let res = self.client.post(format!("{base}/api/v1/datasets/{id}/items")).json(&json!({ "items": items }));
            assert_eq!(res.send().await.unwrap().status(), 201);
        }
        id
    }

    /// Starts a run and follows its event stream, as the run page does, until
    /// `done`; returns its wall time and the finished run.
    #[allow(dead_code)]
    pub async fn timed_run(&self, dataset: i64, concurrency: i64) -> (Duration, Value) {
        let base = &self.base;
        let started = Instant::now();
        let res = self
            .client
            .post(format!("{base}/api/v1/datasets/{dataset}/runs"))
            .json(&json!({ "concurrency": concurrency }));
        let run = res.send().await.unwrap().json::<Value>().await.unwrap()["id"].as_i64().unwrap();
        let mut events = self.client.get(format!("{base}/api/v1/runs/{run}/events")).send().await.unwrap();
        let mut tail = String::new();
        while let Some(chunk) = events.chunk().await.unwrap() {
            tail.push_str(&String::from_utf8_lossy(&chunk));
            if tail.contains("event: done\n") {
                break;
            }
            // Only the end matters: keep the last few hundred bytes.
            if tail.len() > 4096 {
                let cut = (tail.len() - 256..tail.len()).find(|i| tail.is_char_boundary(*i)).unwrap_or(0);
                tail.drain(..cut);
            }
        }
        let elapsed = started.elapsed();
        let r: Value = self.client.get(format!("{base}/api/v1/runs/{run}")).send().await.unwrap().json().await.unwrap();
        assert_eq!(r["status"], "completed", "{r}");
        (elapsed, r)
    }
}
