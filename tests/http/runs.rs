use crate::server::{read, TestServer};
use observ::server::agents::{Agent, AgentContext, AgentError, AgentFuture, AgentRegistry};
use serde_json::{json, Value};
use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Sleeps, records a priced generation, and fails on inputs containing "bad" —
/// until `heal` is set, for retry tests.
struct TestAgent {
    delay_ms: u64,
    calls: AtomicUsize,
    heal: std::sync::atomic::AtomicBool,
}

impl Agent for TestAgent {
    fn kind(&self) -> &'static str {
        "builtin"
    }
    fn description(&self) -> String {
        "test agent".into()
    }
    fn run<'a>(&'a self, input: &'a Value, cx: &'a AgentContext) -> AgentFuture<'a> {
        Box::pin(async move {
            self.calls.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(self.delay_ms)).await;
            record_call(cx, input, json!("ok"));
            if input.to_string().contains("bad") && !self.heal.load(Ordering::SeqCst) {
                return Err(AgentError::Failed("bad input".into()));
            }
            Ok(json!({"answer": input}))
        })
    }
}

async fn server(delay_ms: u64) -> (TestServer, Arc<TestAgent>) {
    let agent = Arc::new(TestAgent { delay_ms, calls: AtomicUsize::new(0), heal: Default::default() });
    let mut registry = AgentRegistry::builtin();
    registry.register("test", agent.clone());
    (TestServer::start_with(registry).await, agent)
}

/// Records one model call on `cx`: mock-1, 10 + 5 tokens, $0.001.
pub fn record_call(cx: &AgentContext, input: &Value, output: Value) {
    cx.generation(observ::server::agents::context::Generation {
        name: "chat".into(),
        model: "mock-1".into(),
        input: input.clone(),
        output,
        input_tokens: 10,
        output_tokens: 5,
        cost_usd: 0.001,
        started_ms: 0,
        ended_ms: 1,
    });
}

pub async fn dataset_with(s: &TestServer, agent: &str, inputs: Vec<Value>) -> i64 {
    let (status, d) =
        read(s.post("/api/v1/datasets", &json!({"name": format!("ds-{agent}"), "agent_class": agent})).await).await;
    assert_eq!(status, 201, "{d}");
    let id = d["id"].as_i64().unwrap();
    let items: Vec<Value> = inputs.into_iter().map(|i| json!({ "input": i })).collect();
    assert_eq!(s.post(&format!("/api/v1/datasets/{id}/items"), &json!({ "items": items })).await.status(), 201);
    id
}

pub async fn wait_finished(s: &TestServer, run: i64) -> Value {
    for _ in 0..400 {
        let (_, r) = read(s.get(&format!("/api/v1/runs/{run}")).await).await;
        if ["completed", "failed", "cancelled"].contains(&r["status"].as_str().unwrap()) {
            return r;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("run {run} did not finish");
}

/// Waits until a run has finished at least `n` items (mid-run, on any machine speed).
async fn wait_done_at_least(s: &TestServer, run: i64, n: i64) {
    for _ in 0..400 {
        let (_, r) = read(s.get(&format!("/api/v1/runs/{run}")).await).await;
        if r["completed_items"].as_i64().unwrap() >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("run {run} never reached {n} items");
}

pub async fn run_items(s: &TestServer, run: i64) -> Vec<Value> {
    let (status, page) = read(s.get(&format!("/api/v1/runs/{run}/items?limit=500")).await).await;
    assert_eq!(status, 200, "{page}");
    page["data"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_run_records_one_trace_per_item_with_cost_and_tokens() {
    let (s, _) = server(0).await;
    let inputs: Vec<Value> = (0..40).map(|n| json!({"n": n})).chain([json!("bad one")]).collect();
    let d = dataset_with(&s, "test", inputs).await;
    let (status, run) =
        read(s.post(&format!("/api/v1/datasets/{d}/runs"), &json!({"name": "first", "concurrency": 4})).await).await;
    assert_eq!(status, 201, "{run}");
    assert_eq!(run["total_items"], 41);
    let run = wait_finished(&s, run["id"].as_i64().unwrap()).await;
    assert_eq!(run["status"], "completed");
    assert_eq!((run["completed_items"].clone(), run["failed_items"].clone()), (json!(40), json!(1)));
    assert_eq!(run["total_tokens"], 41 * 15);
    assert!((run["total_cost"].as_f64().unwrap() - 0.041).abs() < 1e-9, "{run}");
    assert_eq!(run["progress_percentage"], 100.0);
    assert!(run["latency_ms_p95"].is_number());

    let items = run_items(&s, run["id"].as_i64().unwrap()).await;
    assert_eq!(items.len(), 41);
    let traces: HashSet<i64> = items.iter().map(|i| i["trace_id"].as_i64().unwrap()).collect();
    assert_eq!(traces.len(), 41, "one trace per item");
    let failed: Vec<&Value> = items.iter().filter(|i| i["status"] == "failed").collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["error"], "bad input");
    let ok = items.iter().find(|i| i["status"] == "succeeded").unwrap();
    assert_eq!(ok["tokens"], 15);
    let (_, trace) = read(s.get(&format!("/api/v1/traces/{}", ok["trace_id"])).await).await;
    assert_eq!(trace["total_tokens"], 15);
    assert_eq!(trace["output"], ok["output"]);
    assert_eq!(trace["metadata"]["dataset_run_id"], run["id"]);
    assert_eq!(trace["observations"][0]["model"], "mock-1");

    // Traces filter by run.
    let (_, by_run) = read(s.get(&format!("/api/v1/traces?run_id={}&limit=500", run["id"])).await).await;
    assert_eq!(by_run["data"].as_array().unwrap().len(), 41);
    let (_, other) = read(s.get("/api/v1/traces?run_id=999").await).await;
    assert_eq!(other["data"], json!([]));
    assert_eq!(read(s.get("/api/v1/traces?run_id=x").await).await.0, 422);
}

#[tokio::test]
async fn run_name_is_unique_and_limits_are_checked() {
    let (s, _) = server(0).await;
    let d = dataset_with(&s, "echo", vec![json!("a")]).await;
    assert_eq!(s.post(&format!("/api/v1/datasets/{d}/runs"), &json!({"name": "same"})).await.status(), 201);
    let (status, body) = read(s.post(&format!("/api/v1/datasets/{d}/runs"), &json!({"name": "same"})).await).await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["fields"]["name"][0], "has already been taken in this dataset");
    let (status, body) =
        read(s.post(&format!("/api/v1/datasets/{d}/runs"), &json!({"concurrency": 65, "repetitions": "x"})).await)
            .await;
    assert_eq!(status, 422);
    assert!(body["error"]["fields"]["concurrency"][0].as_str().unwrap().contains("1 to 64"));
    assert_eq!(body["error"]["fields"]["repetitions"][0], "must be a whole number");
    assert_eq!(s.count("observ_dataset_runs").await, 1);
    // No name: a free default is suggested.
    let (status, run) = read(s.post(&format!("/api/v1/datasets/{d}/runs"), &json!({})).await).await;
    assert_eq!((status, run["name"].clone()), (201, json!("Run 2")));
    assert_eq!(read(s.post("/api/v1/datasets/999/runs", &json!({"name": "x"})).await).await.0, 404);
}

#[tokio::test]
async fn language_detector_passes_and_fails_and_all_failed_runs_fail() {
    let (s, _) = server(0).await;
    let d = dataset_with(&s, "language-detector", vec![json!({"text": "bonjour et merci"}), json!(42)]).await;
    let (_, run) = read(s.post(&format!("/api/v1/datasets/{d}/runs"), &json!({"name": "r"})).await).await;
    let run = wait_finished(&s, run["id"].as_i64().unwrap()).await;
    assert_eq!(
        (run["status"].clone(), run["completed_items"].clone(), run["failed_items"].clone()),
        (json!("completed"), json!(1), json!(1))
    );

    let all_bad = dataset_with(&s, "test", vec![json!("bad 1"), json!("bad 2")]).await;
    let (_, run) = read(s.post(&format!("/api/v1/datasets/{all_bad}/runs"), &json!({"name": "r"})).await).await;
    assert_eq!(wait_finished(&s, run["id"].as_i64().unwrap()).await["status"], "failed");
}

#[tokio::test]
async fn cancel_stops_new_items_and_keeps_finished_ones() {
    let (s, agent) = server(100).await;
    let d = dataset_with(&s, "test", (0..100).map(|n| json!(n)).collect()).await;
    let (_, run) =
        read(s.post(&format!("/api/v1/datasets/{d}/runs"), &json!({"name": "c", "concurrency": 2})).await).await;
    let id = run["id"].as_i64().unwrap();
    wait_done_at_least(&s, id, 2).await;
    let (status, cancelled) = read(s.post(&format!("/api/v1/runs/{id}/cancel"), &json!({})).await).await;
    assert_eq!(status, 200, "{cancelled}");
    assert_eq!(cancelled["status"], "cancelled");
    let done = cancelled["completed_items"].as_i64().unwrap();
    assert!((2..100).contains(&done), "{done} finished before cancel");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(agent.calls.load(Ordering::SeqCst) <= done as usize + 2, "no new items start");
    let items = run_items(&s, id).await;
    assert_eq!(items.iter().filter(|i| i["status"] == "succeeded").count() as i64, done);
    assert_eq!(items.iter().filter(|i| i["status"] == "cancelled").count() as i64, 100 - done);
    assert_eq!(read(s.post(&format!("/api/v1/runs/{id}/cancel"), &json!({})).await).await.0, 409);
}

#[tokio::test]
async fn retry_reruns_only_failed_items_and_counters_stay_right() {
    let (s, agent) = server(0).await;
    let d = dataset_with(&s, "test", vec![json!("good 1"), json!("bad 1"), json!("good 2"), json!("bad 2")]).await;
    let (_, run) = read(s.post(&format!("/api/v1/datasets/{d}/runs"), &json!({"name": "r"})).await).await;
    let id = run["id"].as_i64().unwrap();
    let run = wait_finished(&s, id).await;
    assert_eq!((run["completed_items"].clone(), run["failed_items"].clone()), (json!(2), json!(2)));
    assert_eq!(agent.calls.load(Ordering::SeqCst), 4);
    agent.heal.store(true, Ordering::SeqCst);
    let (status, _) = read(s.post(&format!("/api/v1/runs/{id}/retry"), &json!({})).await).await;
    assert_eq!(status, 200);
    let run = wait_finished(&s, id).await;
    assert_eq!(run["status"], "completed");
    assert_eq!((run["completed_items"].clone(), run["failed_items"].clone()), (json!(4), json!(0)));
    assert_eq!(run["total_tokens"], 4 * 15, "failed attempts leave the counters");
    assert_eq!(agent.calls.load(Ordering::SeqCst), 6, "only the two failed items ran again");
    assert_eq!(read(s.post(&format!("/api/v1/runs/{id}/retry"), &json!({})).await).await.0, 409);
}

/// Reads an SSE body into (event, id, data) triples until `done`.
pub(crate) async fn read_events(res: reqwest::Response) -> Vec<(String, i64, Value)> {
    let mut res = res;
    let mut buffer = String::new();
    let mut events = Vec::new();
    while let Some(chunk) =
        tokio::time::timeout(Duration::from_secs(10), res.chunk()).await.expect("stream stalled").unwrap()
    {
        buffer.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            let (mut name, mut id, mut data) = (String::new(), -1, String::new());
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("event: ").or(line.strip_prefix("event:")) {
                    name = v.to_string();
                } else if let Some(v) = line.strip_prefix("id: ").or(line.strip_prefix("id:")) {
                    id = v.trim().parse().unwrap();
                } else if let Some(v) = line.strip_prefix("data: ").or(line.strip_prefix("data:")) {
                    data.push_str(v);
                }
            }
            if name.is_empty() {
                continue; // keep-alive comment
            }
            let done = name == "done";
            events.push((name, id, serde_json::from_str(&data).unwrap()));
            if done {
                return events;
            }
        }
    }
    events
}

#[tokio::test]
async fn sse_mid_run_gets_snapshot_every_remaining_item_and_done_and_resumes() {
    let (s, _) = server(20).await;
    let d = dataset_with(&s, "test", (0..60).map(|n| json!(n)).collect()).await;
    let (_, run) =
        read(s.post(&format!("/api/v1/datasets/{d}/runs"), &json!({"name": "live", "concurrency": 2})).await).await;
    let id = run["id"].as_i64().unwrap();
    wait_done_at_least(&s, id, 4).await;
    let res = s.get(&format!("/api/v1/runs/{id}/events")).await;
    assert_eq!(res.headers()["content-type"], "text/event-stream");
    let events = read_events(res).await;
    assert_eq!(events[0].0, "snapshot");
    let already = events[0].2["completed_items"].as_i64().unwrap();
    assert!(already > 0 && already < 60, "connected mid-run ({already} done)");
    let items: Vec<i64> = events.iter().filter(|e| e.0 == "item").map(|e| e.1).collect();
    assert_eq!(items.len() as i64, 60 - already, "every remaining item, once");
    assert!(items.windows(2).all(|w| w[0] < w[1]));
    assert!(events.iter().any(|e| e.0 == "progress"));
    let done = events.last().unwrap();
    assert_eq!((done.0.as_str(), done.2["status"].clone()), ("done", json!("completed")));

    // Reconnecting with Last-Event-ID misses nothing, even after the run ended.
    let res =
        s.client.get(s.url(&format!("/api/v1/runs/{id}/events"))).header("Last-Event-ID", "10").send().await.unwrap();
    let replay = read_events(res).await;
    let seqs: Vec<i64> = replay.iter().filter(|e| e.0 == "item").map(|e| e.1).collect();
    assert_eq!(seqs, (11..=60).collect::<Vec<_>>());
    assert_eq!(replay.last().unwrap().0, "done");
    assert_eq!(read(s.get("/api/v1/runs/999/events").await).await.0, 404);
}
