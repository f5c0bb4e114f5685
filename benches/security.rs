//! What the safety costs and whether it holds under load.
//!
//! `auth`: p50/p95 of `GET /api/v1/datasets/{id}/items` (50 of 1,000 items)
//! with a Bearer key, a Basic key pair and a session cookie; compare the Bearer
//! figure with the same request on a build without authentication.
//! `load`: 200 concurrent clients for 60 s (pages, API reads, item writes, SSE
//! watchers) while a 20,000-item run executes: requests/s, p50/p99 per kind,
//! errors, acknowledged writes against stored rows, and whether the run completed.
//!
//! Run with `cargo bench --features ssr --bench security [-- auth|load]`
//! (`LOAD_SECS` shortens the load phase).

#[path = "support/mod.rs"]
mod support;

use observ::model::user::{Role, UserDraft};
use observ::server::agents::{Agent, AgentContext, AgentFuture, AgentRegistry};
use observ::server::auth::accounts;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// An agent that takes 150 ms, so a 20,000-item run spans the load phase.
struct Sleeper;

impl Agent for Sleeper {
    fn kind(&self) -> &'static str {
        "builtin"
    }
    fn description(&self) -> String {
        "sleeps 150 ms".into()
    }
    fn run<'a>(&'a self, input: &'a Value, _cx: &'a AgentContext) -> AgentFuture<'a> {
        Box::pin(async move {
            tokio::time::sleep(Duration::from_millis(150)).await;
            Ok(input.clone())
        })
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn summary(mut ms: Vec<f64>) -> String {
    ms.sort_by(|a, b| a.total_cmp(b));
    format!(
        "p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms",
        percentile(&ms, 0.5),
        percentile(&ms, 0.95),
        percentile(&ms, 0.99)
    )
}

#[tokio::main]
async fn main() {
    // 50 watchers share the bench's one key; the default cap per key is 32.
    // Limits are read once per process, so this comes first.
    std::env::set_var("OBSERV_MAX_STREAMS_PER_CLIENT", "100");
    let which = std::env::args().skip(1).find(|a| a == "auth" || a == "load");
    if which.as_deref() != Some("load") {
        auth_cost().await;
    }
    if which.as_deref() != Some("auth") {
        load().await;
    }
}

/// Builds one request of a kind.
type Request<'a> = dyn Fn() -> reqwest::RequestBuilder + 'a;

async fn auth_cost() {
    let server = support::start().await;
    let items: Vec<Value> = (0..1000).map(|n| json!({"input": {"n": n, "text": "some words to carry"}})).collect();
    let d = server.dataset("auth", "echo", items).await;
    let url = format!("{}/api/v1/datasets/{d}/items?limit=50", server.base);
    let key = accounts::create_key(&server.db, "bench-basic", Role::Viewer, "bench").await.unwrap();
    let draft = UserDraft {
        email: "b@bench.example".into(),
        name: String::new(),
        password: "bench password".into(),
        role: Role::Member,
    };
    let user = accounts::create_user(&server.db, draft).await.unwrap();
    let token = accounts::open_session(&server.db, user.id).await.unwrap();
    let plain = reqwest::Client::new();
    const N: usize = 3000;
    let kinds: [(&str, Box<Request>); 3] = [
        ("Bearer key", Box::new(|| server.client.get(&url))),
        ("Basic key pair", Box::new(|| plain.get(&url).basic_auth(&key.public_key, Some(&key.secret_key)))),
        ("session cookie", Box::new(|| plain.get(&url).header("cookie", format!("observ_session={token}")))),
    ];
    println!("auth cost: GET /api/v1/datasets/{{id}}/items?limit=50 of 1,000 items, {N} sequential requests each");
    for (name, request) in kinds.iter() {
        for _ in 0..200 {
            assert_eq!(request().send().await.unwrap().status(), 200);
        }
        let mut ms = Vec::with_capacity(N);
        for _ in 0..N {
            let start = Instant::now();
            let res = request().send().await.unwrap();
            assert_eq!(res.status(), 200);
            res.bytes().await.unwrap();
            ms.push(start.elapsed().as_secs_f64() * 1000.0);
        }
        println!("  {name:<15} {}", summary(ms));
    }
}

#[derive(Default)]
struct Tally {
    ms: Mutex<Vec<f64>>,
    errors: AtomicU64,
}

impl Tally {
    fn ok(&self, since: Instant) {
        self.ms.lock().unwrap().push(since.elapsed().as_secs_f64() * 1000.0);
    }
    fn err(&self) {
        self.errors.fetch_add(1, Ordering::Relaxed);
    }
}

async fn load() {
    let secs: u64 = std::env::var("LOAD_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(60);
    let mut agents = AgentRegistry::builtin();
    agents.register("sleep-150ms", Arc::new(Sleeper));
    let server = Arc::new(support::start_with(agents).await);
    let run_set = server.dataset("load-run", "sleep-150ms", vec![]).await;
    for chunk in 0..2 {
        // At most 10,000 items per request.
        let items: Vec<Value> = (0..10_000).map(|n| json!({"input": {"n": chunk * 10_000 + n}})).collect();
        let res = server
            .client
            .post(format!("{}/api/v1/datasets/{run_set}/items", server.base))
            .json(&json!({ "items": items }));
        assert_eq!(res.send().await.unwrap().status(), 201);
    }
    let write_set = server.dataset("load-writes", "echo", vec![]).await;
    let base = server.base.clone();
    let run: Value = server
        .client
        .post(format!("{base}/api/v1/datasets/{run_set}/runs"))
        .json(&json!({"concurrency": 64}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let run_id = run["id"].as_i64().unwrap();
    let started = Instant::now();
    let stop = Arc::new(AtomicBool::new(false));
    let kinds = ["page", "api read", "item write", "sse watcher"];
    let tallies: Arc<Vec<Tally>> = Arc::new(kinds.iter().map(|_| Tally::default()).collect());
    let acknowledged = Arc::new(AtomicU64::new(0));
    let mut tasks = tokio::task::JoinSet::new();
    for client_no in 0..200usize {
        let (server, stop, tallies, acknowledged) =
            (server.clone(), stop.clone(), tallies.clone(), acknowledged.clone());
        let kind = client_no % 4;
        tasks.spawn(async move {
            let base = server.base.clone();
            let mut n = 0u64;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                let t = Instant::now();
                let tally = &tallies[kind];
                let outcome = match kind {
                    0 => server.client.get(format!("{base}/datasets/{run_set}")).send().await,
                    1 if n.is_multiple_of(2) => server.client.get(format!("{base}/api/v1/runs/{run_id}")).send().await,
                    1 => server.client.get(format!("{base}/api/v1/datasets/{run_set}/items?limit=50")).send().await,
                    2 => {
                        let body = json!({"input": {"client": client_no, "n": n}});
                        let res = server
                            .client
                            .post(format!("{base}/api/v1/datasets/{write_set}/items"))
                            .json(&body)
                            .send()
                            .await;
                        if res.as_ref().is_ok_and(|r| r.status() == 201) {
                            acknowledged.fetch_add(1, Ordering::Relaxed);
                        }
                        res
                    }
                    _ => {
                        // A watcher: time to the snapshot event, then it stays until the run is done.
                        match server.client.get(format!("{base}/api/v1/runs/{run_id}/events")).send().await {
                            Ok(mut res) if res.status() == 200 => {
                                let first = res.chunk().await;
                                if first.is_ok() {
                                    tally.ok(t);
                                } else {
                                    tally.err();
                                }
                                while let Ok(Some(_)) = res.chunk().await {
                                    if stop.load(Ordering::Relaxed) {
                                        break;
                                    }
                                }
                                // The run is done: watch no more, as a browser tab would.
                                while !stop.load(Ordering::Relaxed) {
                                    tokio::time::sleep(Duration::from_millis(200)).await;
                                }
                            }
                            _ => tally.err(),
                        }
                        continue;
                    }
                };
                match outcome {
                    Ok(res) if res.status().is_success() => {
                        if res.bytes().await.is_ok() {
                            tally.ok(t);
                        } else {
                            tally.err();
                        }
                    }
                    _ => tally.err(),
                }
            }
        });
    }
    tokio::time::sleep(Duration::from_secs(secs)).await;
    stop.store(true, Ordering::Relaxed);
    while tasks.join_next().await.is_some() {}
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "load: 200 clients (50 per kind) for {secs} s while a 20,000-item run (150 ms agent, concurrency 64) executes"
    );
    let mut all = Vec::new();
    let mut errors = 0;
    for (kind, tally) in kinds.iter().zip(tallies.iter()) {
        let ms = tally.ms.lock().unwrap().clone();
        let e = tally.errors.load(Ordering::Relaxed);
        errors += e;
        println!(
            "  {kind:<12} {:>7} ok, {e} errors, {:>7.1} req/s, {}",
            ms.len(),
            ms.len() as f64 / elapsed,
            summary(ms.clone())
        );
        if *kind != "sse watcher" {
            all.extend(ms);
        }
    }
    println!(
        "  requests      {:.1} req/s overall (SSE excluded), {}, {errors} errors",
        all.len() as f64 / elapsed,
        summary(all)
    );
    let stored: i64 =
        observ::server::db::exec::query_scalar("SELECT count(*) FROM observ_dataset_items WHERE dataset_id = ?")
            .bind(write_set)
            .fetch_one(server.db.read_pool_for_tests())
            .await
            .unwrap();
    println!("  writes        {} acknowledged, {stored} stored", acknowledged.load(Ordering::Relaxed));
    let finish = Instant::now();
    loop {
        let r: Value =
            server.client.get(format!("{base}/api/v1/runs/{run_id}")).send().await.unwrap().json().await.unwrap();
        if r["status"] != "running" && r["status"] != "pending" {
            println!(
                "  run           {} with {} completed, {} failed, {:.1} s after the load ended",
                r["status"],
                r["completed_items"],
                r["failed_items"],
                finish.elapsed().as_secs_f64()
            );
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
