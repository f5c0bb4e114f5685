//! Nothing freezes the server: a trickled import holds no one up, long texts
//! are scored off the request workers, a panicking item fails alone, event
//! streams are capped per client and catch up a page at a time.

use crate::runs::{dataset_with, run_items, wait_finished};
use crate::server::{read, TestServer};
use observ::server::agents::{Agent, AgentContext, AgentFuture, AgentRegistry};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The p-th fraction of sorted durations.
fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

#[tokio::test]
async fn a_trickled_import_delays_no_other_write() {
    let s = TestServer::start().await;
    let d = s.dataset("trickled").await;
    let body = b"{\"input\": \"slow\"}\n";
    let mut socket = TcpStream::connect(s.base.trim_start_matches("http://")).await.unwrap();
    let head = format!(
        "POST /api/v1/datasets/{d}/items/import HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/x-ndjson\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        s.base.trim_start_matches("http://"),
        s.secret,
        body.len()
    );
    socket.write_all(head.as_bytes()).await.unwrap();
    // One byte a second for three seconds while another client writes.
    let trickle = async {
        for byte in &body[..3] {
            socket.write_all(&[*byte]).await.unwrap();
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    };
    let write = async {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let started = Instant::now();
        let res = s.post("/api/v1/datasets", &json!({"name": "meanwhile", "agent_class": "echo"})).await;
        (res.status().as_u16(), started.elapsed())
    };
    let ((), (status, took)) = tokio::join!(trickle, write);
    assert_eq!(status, 201);
    assert!(took < Duration::from_secs(2), "a write waited {took:?} behind a trickled import");
    // The import itself still lands, whole.
    socket.write_all(&body[3..]).await.unwrap();
    let mut answer = String::new();
    tokio::time::timeout(Duration::from_secs(10), socket.read_to_string(&mut answer)).await.unwrap().unwrap();
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
    assert!(answer.ends_with("{\"imported\":1}"), "{answer}");
}

/// Twenty thousand characters from a seed, different for each seed.
fn long_text(seed: u64) -> String {
    let mut x = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    (0..20_000)
        .map(|_| {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            char::from(b'a' + ((x >> 33) % 26) as u8)
        })
        .collect()
}

#[tokio::test]
async fn long_texts_are_scored_while_reads_stay_fast() {
    let s = TestServer::start().await;
    let evaluators = json!([{"name": "similarity", "type": "levenshtein"}]);
    let (status, d) = read(
        s.post("/api/v1/datasets", &json!({"name": "long", "agent_class": "echo", "evaluators": evaluators})).await,
    )
    .await;
    assert_eq!(status, 201, "{d}");
    let d = d["id"].as_i64().unwrap();
    let items: Vec<Value> =
        (0..6).map(|n| json!({"input": long_text(n), "expected_output": long_text(n + 100)})).collect();
    assert_eq!(s.post(&format!("/api/v1/datasets/{d}/items"), &json!({ "items": items })).await.status(), 201);
    let (_, run) = read(s.post(&format!("/api/v1/datasets/{d}/runs"), &json!({"concurrency": 6})).await).await;
    let run = run["id"].as_i64().unwrap();

    let mut reads = Vec::new();
    loop {
        let started = Instant::now();
        assert_eq!(s.get("/api/v1/datasets").await.status(), 200);
        reads.push(started.elapsed());
        let (_, r) = read(s.get(&format!("/api/v1/runs/{run}")).await).await;
        if r["status"] == "completed" && reads.len() >= 40 {
            break;
        }
        assert!(reads.len() < 2000, "the run did not finish: {r}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    reads.sort();
    let p95 = percentile(&reads, 0.95);
    assert!(p95 < Duration::from_millis(50), "read p95 {p95:?} over {} reads", reads.len());
    let items = run_items(&s, run).await;
    assert_eq!(items.len(), 6);
    for item in &items {
        let score = &item["scores"][0];
        assert_eq!(score["name"], "similarity", "{item}");
        assert!(score["value"].as_f64().is_some_and(|v| (0.0..1.0).contains(&v)), "{score}");
    }
}

/// Panics on the input "boom"; echoes anything else.
struct Panicking;

impl Agent for Panicking {
    fn kind(&self) -> &'static str {
        "builtin"
    }
    fn description(&self) -> String {
        "panics on boom".into()
    }
    fn run<'a>(&'a self, input: &'a Value, _cx: &'a AgentContext) -> AgentFuture<'a> {
        Box::pin(async move {
            if input == "boom" {
                panic!("the agent blew up");
            }
            Ok(input.clone())
        })
    }
}

#[tokio::test]
async fn a_panicking_item_fails_alone() {
    let mut agents = AgentRegistry::builtin();
    agents.register("panicking", Arc::new(Panicking));
    let s = TestServer::start_with(agents).await;
    let d = dataset_with(&s, "panicking", vec![json!("a"), json!("boom"), json!("b")]).await;
    let (_, run) = read(s.post(&format!("/api/v1/datasets/{d}/runs"), &json!({"concurrency": 3})).await).await;
    let run = wait_finished(&s, run["id"].as_i64().unwrap()).await;
    assert_eq!(run["status"], "completed", "{run}");
    assert_eq!((run["completed_items"].clone(), run["failed_items"].clone()), (json!(2), json!(1)), "{run}");
    let items = run_items(&s, run["id"].as_i64().unwrap()).await;
    let boom = items.iter().find(|i| i["input"] == "boom").unwrap();
    assert_eq!(boom["status"], "failed");
    assert_eq!(boom["error"], "the item's task panicked: the agent blew up");
    assert!(items.iter().all(|i| i["status"] != "pending"), "{items:?}");
}

/// Counts calls in flight and keeps the highest count seen.
#[derive(Default)]
struct Counting {
    now: std::sync::atomic::AtomicUsize,
    peak: std::sync::atomic::AtomicUsize,
}

impl Agent for Counting {
    fn kind(&self) -> &'static str {
        "builtin"
    }
    fn description(&self) -> String {
        "counts calls in flight".into()
    }
    fn run<'a>(&'a self, input: &'a Value, _cx: &'a AgentContext) -> AgentFuture<'a> {
        use std::sync::atomic::Ordering::SeqCst;
        Box::pin(async move {
            let now = self.now.fetch_add(1, SeqCst) + 1;
            self.peak.fetch_max(now, SeqCst);
            tokio::time::sleep(Duration::from_millis(200)).await;
            self.now.fetch_sub(1, SeqCst);
            Ok(input.clone())
        })
    }
}

#[tokio::test]
async fn agent_calls_across_runs_queue_behind_one_cap() {
    let counting = Arc::new(Counting::default());
    let mut agents = AgentRegistry::builtin();
    agents.register("counting", counting.clone());
    let s = TestServer::start_with(agents).await;
    let d = dataset_with(&s, "counting", (0..64).map(|n| json!(n)).collect()).await;
    let mut runs = Vec::new();
    for name in ["one", "two"] {
        let body = json!({"name": name, "concurrency": 64});
        let (status, run) = read(s.post(&format!("/api/v1/datasets/{d}/runs"), &body).await).await;
        assert_eq!(status, 201, "{run}");
        runs.push(run["id"].as_i64().unwrap());
    }
    for run in runs {
        let run = wait_finished(&s, run).await;
        assert_eq!(run["completed_items"], 64, "queued, never refused: {run}");
    }
    let (peak, cap) =
        (counting.peak.load(std::sync::atomic::Ordering::SeqCst), observ::server::limits::max_agent_calls());
    assert!(peak <= cap && peak > cap / 2, "{peak} calls in flight at once (cap {cap})");
}

/// Holds every item until the test lets go, so a run stays running.
struct Held(Arc<tokio::sync::Notify>);

impl Agent for Held {
    fn kind(&self) -> &'static str {
        "builtin"
    }
    fn description(&self) -> String {
        "waits to be released".into()
    }
    fn run<'a>(&'a self, input: &'a Value, _cx: &'a AgentContext) -> AgentFuture<'a> {
        Box::pin(async move {
            self.0.notified().await;
            Ok(input.clone())
        })
    }
}

#[tokio::test]
async fn one_client_may_hold_only_so_many_streams() {
    let release = Arc::new(tokio::sync::Notify::new());
    let mut agents = AgentRegistry::builtin();
    agents.register("held", Arc::new(Held(release.clone())));
    let s = TestServer::start_with(agents).await;
    let d = dataset_with(&s, "held", vec![json!(1)]).await;
    let (_, run) = read(s.post(&format!("/api/v1/datasets/{d}/runs"), &json!({})).await).await;
    let run = run["id"].as_i64().unwrap();
    let path = format!("/api/v1/runs/{run}/events");
    let cap = observ::server::limits::max_streams_per_client();
    let mut open = Vec::new();
    for _ in 0..cap {
        let res = s.get(&path).await;
        assert_eq!(res.status(), 200);
        open.push(res);
    }
    let (status, body) = read(s.get(&path).await).await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(body["error"]["code"], "too_many_requests");
    // Closing one gives its place back.
    drop(open.pop());
    let mut status = 0;
    for _ in 0..100 {
        let res = s.get(&path).await;
        status = res.status().as_u16();
        if status == 200 {
            open.push(res);
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(status, 200);
    release.notify_waiters();
    drop(open);
    wait_finished(&s, run).await;
}

#[tokio::test]
async fn catching_up_reads_a_long_run_page_by_page() {
    let s = TestServer::start().await;
    let d = dataset_with(&s, "echo", (0..1200).map(|n| json!(n)).collect()).await;
    let (_, run) = read(s.post(&format!("/api/v1/datasets/{d}/runs"), &json!({"concurrency": 8})).await).await;
    let run = wait_finished(&s, run["id"].as_i64().unwrap()).await;
    let res = s.client.get(s.url(&format!("/api/v1/runs/{}/events", run["id"]))).header("last-event-id", "0");
    let text = tokio::time::timeout(Duration::from_secs(20), async { res.send().await.unwrap().text().await.unwrap() })
        .await
        .unwrap();
    assert_eq!(text.matches("event: item\n").count(), 1200);
    let seqs: Vec<i64> = text
        .split("\n\n")
        .filter(|f| f.contains("event: item"))
        .filter_map(|f| f.strip_prefix("id: ")?.split('\n').next()?.parse().ok())
        .collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "in event order");
    assert!(text.trim_end().split("\n\n").last().unwrap().contains("event: done"));
}
