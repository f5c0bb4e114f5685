//! Live progress over SSE:
//! 1. item commit → event received: an in-process agent notes when each item
//!    returned; one watcher notes when that item's `item` event arrives. The
//!    difference includes queueing for the writer and the commit itself, so it
//!    is an upper bound of commit → event.
//! 2. run throughput with 200 watchers connected vs none (zero-latency agent,
//!    10,000 items, concurrency 8, alternating, five runs each). The watchers
//!    connect while the run waits at a gate; the clock starts when it opens.
//!
//! Run with `cargo bench --features ssr --bench sse`.

#[path = "support/mod.rs"]
mod support;

use observ::server::agents::{Agent, AgentContext, AgentFuture, AgentRegistry};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Waits `delay`, then notes when input `n` finished.
struct Stamping {
    delay: Duration,
    finished: Arc<Mutex<HashMap<i64, Instant>>>,
}

impl Agent for Stamping {
    fn kind(&self) -> &'static str {
        "builtin"
    }
    fn description(&self) -> String {
        "notes when each item returns".into()
    }
    fn run<'a>(&'a self, input: &'a Value, _cx: &'a AgentContext) -> AgentFuture<'a> {
        Box::pin(async move {
            tokio::time::sleep(self.delay).await;
            self.finished.lock().unwrap().insert(input["n"].as_i64().unwrap(), Instant::now());
            Ok(input.clone())
        })
    }
}

/// Zero latency, but no item starts before the gate opens: the watchers are
/// all connected before the run begins, as on a page that is already open.
struct Gated {
    gate: tokio::sync::watch::Receiver<bool>,
}

impl Agent for Gated {
    fn kind(&self) -> &'static str {
        "builtin"
    }
    fn description(&self) -> String {
        "waits for the gate, then echoes".into()
    }
    fn run<'a>(&'a self, input: &'a Value, _cx: &'a AgentContext) -> AgentFuture<'a> {
        Box::pin(async move {
            let _ = self.gate.clone().wait_for(|open| *open).await;
            Ok(input.clone())
        })
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// A raw SSE watcher: one GET over a plain TCP socket, reading until the server
/// closes the stream. Returns the bytes received.
async fn raw_watcher(addr: String, bearer: String, run: i64, connected: tokio::sync::mpsc::Sender<()>) -> usize {
    let mut socket = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let request = format!(
        "GET /api/v1/runs/{run}/events HTTP/1.1\r\nHost: {addr}\r\nAuthorization: {bearer}\r\nAccept: text/event-stream\r\n\r\n"
    );
    socket.write_all(request.as_bytes()).await.unwrap();
    let mut buf = vec![0u8; 64 * 1024];
    let mut total = 0;
    let mut tail: Vec<u8> = Vec::new();
    loop {
        let n = socket.read(&mut buf).await.unwrap();
        if n == 0 {
            return total;
        }
        if total == 0 {
            let _ = connected.send(()).await;
        }
        total += n;
        // The chunked body ends with a zero-length chunk after `done`.
        tail.extend_from_slice(&buf[..n]);
        if tail.len() > 64 {
            tail.drain(..tail.len() - 64);
        }
        if tail.ends_with(b"\r\n0\r\n\r\n") {
            return total;
        }
    }
}

async fn start_run(server: &support::BenchServer, dataset: i64, concurrency: i64) -> i64 {
    let res = server
        .client
        .post(format!("{}/api/v1/datasets/{dataset}/runs", server.base))
        .json(&json!({ "concurrency": concurrency }));
    res.send().await.unwrap().json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

#[tokio::main]
async fn main() {
    // Every watcher connects from 127.0.0.1: lift the per-client stream cap.
    std::env::set_var("OBSERV_MAX_STREAMS_PER_CLIENT", "1000");
    let finished = Arc::new(Mutex::new(HashMap::new()));
    let mut agents = AgentRegistry::builtin();
    agents
        .register("stamp-100ms", Arc::new(Stamping { delay: Duration::from_millis(100), finished: finished.clone() }));
    agents.register("stamp-2ms", Arc::new(Stamping { delay: Duration::from_millis(2), finished: finished.clone() }));
    agents.register("stamp-0ms", Arc::new(Stamping { delay: Duration::ZERO, finished: finished.clone() }));
    let (gate, gate_rx) = tokio::sync::watch::channel(false);
    agents.register("gated", Arc::new(Gated { gate: gate_rx }));
    let server = support::start_with(agents).await;

    // 1. Latency: at an LLM's pace, at a fast steady pace and at full speed.
    for (agent, items) in [("stamp-100ms", 400), ("stamp-2ms", 2_000), ("stamp-0ms", 10_000)] {
        finished.lock().unwrap().clear();
        let inputs: Vec<Value> = (0..items).map(|n| json!({"input": {"n": n}})).collect();
        let dataset = server.dataset(&format!("latency {agent}"), agent, inputs).await;
        let run = start_run(&server, dataset, 8).await;
        let mut res = server.client.get(format!("{}/api/v1/runs/{run}/events", server.base)).send().await.unwrap();
        let mut latencies = Vec::new();
        let mut pending = String::new();
        'read: while let Some(chunk) = res.chunk().await.unwrap() {
            let now = Instant::now();
            pending.push_str(&String::from_utf8_lossy(&chunk));
            while let Some(end) = pending.find("\n\n") {
                let frame: String = pending.drain(..end + 2).collect();
                if frame.contains("event: done") {
                    break 'read;
                }
                if let (true, Some(data)) =
                    (frame.contains("event: item"), frame.lines().find_map(|l| l.strip_prefix("data: ")))
                {
                    let item: Value = serde_json::from_str(data).unwrap();
                    let n = item["input"]["n"].as_i64().unwrap();
                    if let Some(done) = finished.lock().unwrap().get(&n) {
                        latencies.push(now.duration_since(*done).as_secs_f64() * 1000.0);
                    }
                }
            }
        }
        latencies.sort_by(|a, b| a.partial_cmp(b).unwrap());
        println!(
            "sse latency ({agent}, {items} items, concurrency 8): {} events, item returned → event received p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms",
            latencies.len(),
            percentile(&latencies, 0.5),
            percentile(&latencies, 0.95),
            latencies.last().unwrap()
        );
    }

    // 2. Throughput with 200 watchers vs none.
    const ITEMS: i64 = 10_000;
    let inputs: Vec<Value> = (0..ITEMS).map(|n| json!({"input": {"n": n, "question": format!("q{n}")}})).collect();
    let dataset = server.dataset("watched", "gated", inputs).await;
    let addr = server.base.trim_start_matches("http://").to_string();
    let mut results: HashMap<usize, Vec<f64>> = HashMap::new();
    for round in 0..10 {
        let watchers = if round % 2 == 0 { 0 } else { 200 };
        gate.send_replace(false);
        let run = start_run(&server, dataset, 8).await;
        let (connected, mut connections) = tokio::sync::mpsc::channel(watchers.max(1));
        let tasks: Vec<_> = (0..watchers)
            .map(|_| tokio::spawn(raw_watcher(addr.clone(), server.bearer.clone(), run, connected.clone())))
            .collect();
        for _ in 0..watchers {
            connections.recv().await.unwrap();
        }
        let started = Instant::now();
        gate.send_replace(true);
        loop {
            let r: Value = server
                .client
                .get(format!("{}/api/v1/runs/{run}", server.base))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            if r["status"] == "completed" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let elapsed = started.elapsed().as_secs_f64();
        let mut bytes = 0;
        for task in tasks {
            bytes += task.await.unwrap();
        }
        let rate = ITEMS as f64 / elapsed;
        println!(
            "run with {watchers:>3} watchers: {elapsed:.2} s → {rate:.0} items/s{}",
            if watchers > 0 { format!(" ({:.1} MB streamed in all)", bytes as f64 / 1e6) } else { String::new() }
        );
        results.entry(watchers).or_default().push(rate);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(|a, b| a.partial_cmp(b).unwrap());
        v[v.len() / 2]
    };
    let none = median(results.get_mut(&0).unwrap());
    let watched = median(results.get_mut(&200).unwrap());
    println!(
        "median: none {none:.0} items/s, 200 watchers {watched:.0} items/s → {:.1} % slower",
        (1.0 - watched / none) * 100.0
    );
    println!("peak RSS (server and client): {:.0} MiB", support::peak_rss_mib());
}
