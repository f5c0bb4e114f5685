//! Several `observ` processes on one PostgreSQL database:
//! 1. a 100 ms agent over 2,000 items at concurrency 20, on one instance and on
//!    two (the run's concurrency holds across both), against the ideal
//!    2,000 / 20 × 100 ms;
//! 2. SSE across instances: a run executes on A and B, a watcher is connected
//!    to B. The agent's output is the time it finished (Unix ms), so each
//!    `item` event's arrival minus that is an upper bound of commit → event
//!    (it includes the wait for the writer and the commit). Measured with
//!    `LISTEN/NOTIFY` and with polling by event sequence.
//!
//! Run with `OBSERV_PG_DURABLE=1 scripts/with-postgres cargo bench --features ssr --bench scale_out`.

use serde_json::{json, Value};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const CONFIG: &str = "[agents.sleep]\nkind = \"command\"\ncommand = [\"sh\", \"-c\", \"sleep 0.1; cat\"]\n\
    timeout_ms = 10000\n\n[agents.stamp]\nkind = \"command\"\ncommand = [\"sh\", \"-c\", \"sleep 0.02; date +%s%3N\"]\n\
    timeout_ms = 10000\n";

struct Instances {
    dir: tempfile::TempDir,
    url: String,
    children: Vec<Child>,
    client: reqwest::Client,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Instances {
    async fn new() -> Instances {
        let admin = std::env::var("OBSERV_TEST_POSTGRES_URL").expect("run under scripts/with-postgres");
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("observ.toml"), CONFIG).unwrap();
        let name = format!("observ_scale_{}", std::process::id());
        {
            use sqlx::Connection;
            let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap();
            sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await.unwrap();
        }
        let url = format!("{}/{name}", admin.rsplit_once('/').unwrap().0);
        let out = Command::new(env!("CARGO_BIN_EXE_observ"))
            .args(["keys", "create", "--name", "bench"])
            .env("OBSERV_DATABASE_URL", &url)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let key: Value = serde_json::from_slice(&out.stdout).unwrap();
        let mut headers = reqwest::header::HeaderMap::new();
        let bearer = format!("Bearer {}", key["secret_key"].as_str().unwrap());
        headers.insert(reqwest::header::AUTHORIZATION, bearer.parse().unwrap());
        let client = reqwest::Client::builder().default_headers(headers).build().unwrap();
        Instances { dir, url, children: Vec::new(), client }
    }

    /// Starts one more instance with `events` (`notify` or `poll`); returns its base URL.
    async fn start(&mut self, events: &str) -> String {
        let port = free_port();
        let child = Command::new(env!("CARGO_BIN_EXE_observ"))
            .env("OBSERV_DATABASE_URL", &self.url)
            .env("OBSERV_CONFIG", self.dir.path().join("observ.toml"))
            .env("OBSERV_EVENTS", events)
            .env("OBSERV_MAX_AGENT_CALLS", "64")
            .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
            .env("LEPTOS_OUTPUT_NAME", "observ")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        self.children.push(child);
        let base = format!("http://127.0.0.1:{port}");
        for _ in 0..400 {
            if self.client.get(format!("{base}/readyz")).send().await.is_ok_and(|r| r.status() == 200) {
                return base;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("instance on {port} did not come up");
    }

    fn stop_all(&mut self) {
        for child in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
        self.children.clear();
    }

    async fn dataset(&self, base: &str, name: &str, agent: &str, n: usize) -> i64 {
        let body = json!({"name": name, "agent_class": agent});
        let d: Value =
            self.client.post(format!("{base}/api/v1/datasets")).json(&body).send().await.unwrap().json().await.unwrap();
        let id = d["id"].as_i64().unwrap();
        let items: Vec<Value> = (0..n).map(|i| json!({ "input": { "n": i } })).collect();
        let res = self.client.post(format!("{base}/api/v1/datasets/{id}/items")).json(&json!({ "items": items }));
        assert_eq!(res.send().await.unwrap().status(), 201);
        id
    }

    async fn start_run(&self, base: &str, dataset: i64, concurrency: i64) -> i64 {
        let body = json!({ "concurrency": concurrency });
        let url = format!("{base}/api/v1/datasets/{dataset}/runs");
        let run: Value = self.client.post(url).json(&body).send().await.unwrap().json().await.unwrap();
        run["id"].as_i64().unwrap()
    }

    async fn wait_completed(&self, base: &str, run: i64) -> Value {
        loop {
            let r: Value =
                self.client.get(format!("{base}/api/v1/runs/{run}")).send().await.unwrap().json().await.unwrap();
            if r["status"] == "completed" {
                return r;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for Instances {
    fn drop(&mut self) {
        self.stop_all();
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64
}

fn percentile(sorted: &[i64], q: f64) -> i64 {
    sorted[((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len()) - 1]
}

/// Event latencies (ms) seen by a watcher on `watch_on` for a run started on `start_on`.
async fn sse_latencies(inst: &Instances, start_on: &str, watch_on: &str, dataset: i64) -> Vec<i64> {
    let run = inst.start_run(start_on, dataset, 4).await;
    let mut res = inst.client.get(format!("{watch_on}/api/v1/runs/{run}/events")).send().await.unwrap();
    let connected = now_ms();
    let (mut buffer, mut latencies) = (String::new(), Vec::new());
    'read: while let Some(chunk) = res.chunk().await.unwrap() {
        let arrived = now_ms();
        buffer.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buffer.find("\n\n") {
            let frame: String = buffer.drain(..end + 2).collect();
            if frame.contains("event: done\n") {
                break 'read;
            }
            let Some(data) = frame.lines().find_map(|l| l.strip_prefix("data: ")) else { continue };
            if !frame.contains("event: item\n") {
                continue;
            }
            let item: Value = serde_json::from_str(data).unwrap();
            let finished = item["output"].as_i64().unwrap();
            // Items finished before the watcher connected came from the catch-up read.
            if finished > connected {
                latencies.push(arrived - finished);
            }
        }
    }
    latencies.sort_unstable();
    latencies
}

#[tokio::main]
async fn main() {
    let mut inst = Instances::new().await;

    // 1. 100 ms agent, 2,000 items, concurrency 20: one instance, then two.
    let ideal = 2000.0 / 20.0 * 0.1;
    let a = inst.start("notify").await;
    let d = inst.dataset(&a, "sleepy", "sleep", 2000).await;
    let started = Instant::now();
    let run = inst.start_run(&a, d, 20).await;
    let r = inst.wait_completed(&a, run).await;
    let one = started.elapsed().as_secs_f64();
    assert_eq!(r["completed_items"], 2000);
    println!(
        "one instance: 2,000 items, 100 ms agent, concurrency 20: {one:.2} s vs ideal {ideal:.2} s → {:.3}×",
        one / ideal
    );
    let b = inst.start("notify").await;
    let started = Instant::now();
    let run = inst.start_run(&a, d, 20).await;
    let r = inst.wait_completed(&b, run).await;
    let two = started.elapsed().as_secs_f64();
    assert_eq!(r["completed_items"], 2000);
    println!(
        "two instances: 2,000 items, 100 ms agent, concurrency 20: {two:.2} s vs ideal {ideal:.2} s → {:.3}×",
        two / ideal
    );

    // 2. SSE commit → event across instances: LISTEN/NOTIFY, then polling.
    let d = inst.dataset(&a, "stamped", "stamp", 600).await;
    let notify = sse_latencies(&inst, &a, &b, d).await;
    inst.stop_all();
    let a = inst.start("poll").await;
    let b = inst.start("poll").await;
    let poll = sse_latencies(&inst, &a, &b, d).await;
    for (mode, l) in [("LISTEN/NOTIFY", &notify), ("polling every 100 ms", &poll)] {
        println!(
            "SSE across instances ({mode}): {} live item events, agent return → event p50 {} ms, p95 {} ms, max {} ms",
            l.len(),
            percentile(l, 0.5),
            percentile(l, 0.95),
            l.last().unwrap()
        );
    }
}
