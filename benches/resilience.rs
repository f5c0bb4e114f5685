//! Figures for "nothing freezes the server": read latency (p50/p95 of
//! `GET /api/v1/datasets`) at rest, during a run of six 20,000-character items
//! scored with `levenshtein`, and during an import whose body trickles in one
//! byte a second. Real server on loopback, real SQLite file.
//!
//! Run with `cargo bench --features ssr --bench resilience` (release build).

#[path = "support/mod.rs"]
mod support;

use serde_json::{json, Value};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Twenty thousand letters from a seed.
fn long_text(seed: u64) -> String {
    let mut x = seed.wrapping_add(1);
    (0..20_000)
        .map(|_| {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            char::from(b'a' + ((x >> 33) % 26) as u8)
        })
        .collect()
}

/// Sequential reads until `done` says stop (and at least `min` of them).
async fn reads(server: &support::BenchServer, min: usize, mut done: impl FnMut() -> bool) -> Vec<Duration> {
    let url = format!("{}/api/v1/datasets", server.base);
    let mut times = Vec::new();
    while times.len() < min || !done() {
        let started = Instant::now();
        let res = server.client.get(&url).send().await.unwrap();
        assert_eq!(res.status(), 200);
        res.bytes().await.unwrap();
        times.push(started.elapsed());
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    times.sort();
    times
}

fn report(label: &str, times: &[Duration], extra: &str) {
    let p = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
    println!("{label:<44} {:>9} {:>9} {:>7}  {extra}", ms(p(0.5)), ms(p(0.95)), times.len());
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

#[tokio::main]
async fn main() {
    let server = support::start().await;
    let base = server.base.clone();
    println!("Observ resilience benchmark: read latency of GET /api/v1/datasets\n");
    println!("{:<44} {:>9} {:>9} {:>7}", "while", "p50", "p95", "reads");
    report("nothing else runs", &reads(&server, 200, || true).await, "");

    // Six long items, echoed, scored against another long text.
    let evaluators = json!([{"name": "similarity", "type": "levenshtein"}]);
    let res = server
        .client
        .post(format!("{base}/api/v1/datasets"))
        .json(&json!({"name": "long", "agent_class": "echo", "evaluators": evaluators}));
    let dataset = res.send().await.unwrap().json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let items: Vec<Value> =
        (0..6).map(|n| json!({"input": long_text(n), "expected_output": long_text(n + 100)})).collect();
    let res = server.client.post(format!("{base}/api/v1/datasets/{dataset}/items")).json(&json!({ "items": items }));
    assert_eq!(res.send().await.unwrap().status(), 201);
    // Five runs back to back; only the reads made while one is running count.
    let (mut during_run, mut took) = (Vec::new(), Vec::new());
    for _ in 0..5 {
        let started = Instant::now();
        let res = server.client.post(format!("{base}/api/v1/datasets/{dataset}/runs")).json(&json!({"concurrency": 6}));
        let run = res.send().await.unwrap().json::<Value>().await.unwrap()["id"].as_i64().unwrap();
        let finished = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let watcher = {
            let (client, finished) = (server.client.clone(), finished.clone());
            let url = format!("{base}/api/v1/runs/{run}");
            tokio::spawn(async move {
                loop {
                    let r: Value = client.get(&url).send().await.unwrap().json().await.unwrap();
                    if r["status"] == "completed" {
                        finished.store(true, std::sync::atomic::Ordering::SeqCst);
                        return started.elapsed();
                    }
                    tokio::time::sleep(Duration::from_millis(2)).await;
                }
            })
        };
        during_run.extend(reads(&server, 0, || finished.load(std::sync::atomic::Ordering::SeqCst)).await);
        took.push(watcher.await.unwrap());
    }
    during_run.sort();
    took.sort();
    let runs = format!("(5 runs, each {}–{})", ms(took[0]), ms(took[4]));
    report("a run of 6 × 20,000-char items, levenshtein", &during_run, &runs);

    // An import whose body arrives one byte a second.
    let target = server.dataset("trickled", "echo", Vec::new()).await;
    let body = b"{\"input\": \"slow\"}\n";
    let mut socket = tokio::net::TcpStream::connect(base.trim_start_matches("http://")).await.unwrap();
    let head = format!(
        "POST /api/v1/datasets/{target}/items/import HTTP/1.1\r\nHost: localhost\r\n\
         Content-Type: application/x-ndjson\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    socket.write_all(head.as_bytes()).await.unwrap();
    let trickle = tokio::spawn(async move {
        for byte in body {
            socket.write_all(&[*byte]).await.unwrap();
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        let mut answer = String::new();
        socket.read_to_string(&mut answer).await.unwrap();
        answer
    });
    let (mut writes, deadline) = (Vec::new(), Instant::now() + Duration::from_secs(body.len() as u64 - 2));
    for n in 0..10 {
        let started = Instant::now();
        let res = server.client.post(format!("{base}/api/v1/datasets"));
        let res = res.json(&json!({"name": format!("written-{n}"), "agent_class": "echo"})).send().await.unwrap();
        assert_eq!(res.status(), 201);
        writes.push(started.elapsed());
    }
    writes.sort();
    let during_import = reads(&server, 30, || Instant::now() > deadline).await;
    let answer = trickle.await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
    report(&format!("an import trickling {} bytes at 1 byte/s", body.len()), &during_import, "");
    report("(writes: POST /api/v1/datasets, same import)", &writes, "");
}
