//! `GET /api/v1/dashboard` (cards and series after a run) and `GET /api/v1/events`
//! (a run's start, progress and end, a finished run scored again, and ingested
//! traces, as they happen). `dashboard_live` follows the stream across
//! instances, late and out-of-order traces, and deletions.

use crate::runs::{run_items, wait_finished};
use crate::server::{read, TestServer};
use observ::server::agents::{Agent, AgentContext, AgentError, AgentFuture, AgentRegistry};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

/// Waits `delay_ms`, records a priced generation, echoes the input; fails on "bad".
struct PricedEcho {
    delay_ms: u64,
}

impl Agent for PricedEcho {
    fn kind(&self) -> &'static str {
        "builtin"
    }
    fn description(&self) -> String {
        "priced echo".into()
    }
    fn run<'a>(&'a self, input: &'a Value, cx: &'a AgentContext) -> AgentFuture<'a> {
        Box::pin(async move {
            tokio::time::sleep(Duration::from_millis(self.delay_ms)).await;
            crate::runs::record_call(cx, input, input.clone());
            if input.to_string().contains("bad") {
                return Err(AgentError::Failed("bad input".into()));
            }
            Ok(input.clone())
        })
    }
}

pub(crate) async fn server(delay_ms: u64) -> TestServer {
    let mut registry = AgentRegistry::builtin();
    registry.register("priced", Arc::new(PricedEcho { delay_ms }));
    TestServer::start_with(registry).await
}

/// A dataset of the priced agent, scored by whether the output says "ok".
pub(crate) async fn dataset(s: &TestServer, inputs: &[&str]) -> i64 {
    let evaluators = json!([{"name": "says-ok", "type": "contains", "keywords": ["ok"], "mode": "all"}]);
    let (status, d) = read(
        s.post("/api/v1/datasets", &json!({"name": "support", "agent_class": "priced", "evaluators": evaluators}))
            .await,
    )
    .await;
    assert_eq!(status, 201, "{d}");
    let id = d["id"].as_i64().unwrap();
    let items: Vec<Value> = inputs.iter().map(|i| json!({ "input": i })).collect();
    assert_eq!(s.post(&format!("/api/v1/datasets/{id}/items"), &json!({ "items": items })).await.status(), 201);
    id
}

pub(crate) async fn start_run(s: &TestServer, dataset: i64, concurrency: i64) -> i64 {
    start_named_run(s, dataset, "r1", concurrency).await
}

pub(crate) async fn start_named_run(s: &TestServer, dataset: i64, name: &str, concurrency: i64) -> i64 {
    let (status, run) = read(
        s.post(&format!("/api/v1/datasets/{dataset}/runs"), &json!({"name": name, "concurrency": concurrency})).await,
    )
    .await;
    assert_eq!(status, 201, "{run}");
    run["id"].as_i64().unwrap()
}

#[tokio::test]
async fn dashboard_figures_after_a_run_and_a_bad_range() {
    let s = server(0).await;
    let (_, empty) = read(s.get("/api/v1/dashboard").await).await;
    assert_eq!((empty["range"].as_str(), empty["current"]["runs"].as_i64()), (Some("24h"), Some(0)));
    assert_eq!(empty["recent_runs"], json!([]));

    let d = dataset(&s, &["a ok", "b ok", "c", "bad"]).await;
    let run = start_run(&s, d, 2).await;
    wait_finished(&s, run).await;

    let (status, dash) = read(s.get("/api/v1/dashboard?range=24h").await).await;
    assert_eq!(status, 200, "{dash}");
    let current = &dash["current"];
    assert_eq!((current["runs"].as_i64(), current["items_evaluated"].as_i64()), (Some(1), Some(4)));
    assert_eq!((current["items_succeeded"].as_i64(), current["traces"].as_i64()), (Some(3), Some(4)));
    assert_eq!(current["tokens"], 60);
    assert!((current["cost"].as_f64().unwrap() - 0.004).abs() < 1e-9, "{current}");
    assert_eq!(current["latency_count"], 4);
    assert_eq!(dash["previous"]["runs"], 0);
    let buckets = dash["buckets"].as_array().unwrap();
    assert_eq!(buckets.len(), 24);
    // Every series row sits in one of the buckets: the current hour.
    let hour = buckets.last().unwrap().clone();
    assert_eq!(
        dash["runs"],
        json!([{"bucket": hour, "dataset_id": d, "dataset": "support", "runs": 1, "items_evaluated": 4, "items_succeeded": 3}])
    );
    assert_eq!(
        dash["usage"],
        json!([{"bucket": hour, "model": "mock-1", "tokens": 60, "cost": dash["usage"][0]["cost"]}])
    );
    assert_eq!((dash["latency"][0]["bucket"].clone(), dash["latency"][0]["count"].clone()), (hour.clone(), json!(4)));
    let score = &dash["scores"][0];
    assert_eq!(
        (score["run_id"].as_i64(), score["score"].as_str(), score["dataset"].as_str()),
        (Some(run), Some("says-ok"), Some("support"))
    );
    assert!((score["mean"].as_f64().unwrap() - 2.0 / 3.0).abs() < 1e-9, "{score}");
    assert_eq!(dash["recent_runs"][0]["id"], run);
    assert_eq!(dash["recent_runs"][0]["dataset"], "support");
    assert_eq!(dash["recent_runs"][0]["status"], "completed");

    let (_, week) = read(s.get("/api/v1/dashboard?range=7d").await).await;
    assert_eq!((week["buckets"].as_array().unwrap().len(), week["current"]["runs"].as_i64()), (7, Some(1)));
    assert_eq!(week["runs"][0]["bucket"].as_str().unwrap().len(), 10, "daily buckets");

    let (status, bad) = read(s.get("/api/v1/dashboard?range=1y").await).await;
    assert_eq!(status, 422);
    assert_eq!(bad["error"]["fields"]["range"][0], "must be 24h, 7d or 30d");
}

/// Reads server-sent events from a response, one at a time.
pub(crate) struct Events {
    res: reqwest::Response,
    buffer: String,
}

impl Events {
    pub(crate) async fn open(s: &TestServer) -> Events {
        let res = s.get("/api/v1/events").await;
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["content-type"], "text/event-stream");
        Events { res, buffer: String::new() }
    }

    /// The next event's name and data (keep-alive comments skipped).
    pub(crate) async fn next(&mut self) -> (String, Value) {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let name = block.lines().find_map(|l| l.strip_prefix("event: ")).map(String::from);
                let data = block.lines().find_map(|l| l.strip_prefix("data: "));
                if let (Some(name), Some(data)) = (name, data) {
                    return (name, serde_json::from_str(data).unwrap());
                }
                continue;
            }
            let chunk = tokio::time::timeout(Duration::from_secs(10), self.res.chunk())
                .await
                .expect("the stream stalled")
                .unwrap()
                .expect("the stream ended");
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }
}

#[tokio::test]
async fn the_event_stream_tells_a_run_and_ingested_traces() {
    let s = server(40).await;
    let d = dataset(&s, &["a ok", "b ok", "c ok", "d ok", "e ok", "bad"]).await;
    let mut events = Events::open(&s).await;
    let (name, hello) = events.next().await;
    assert_eq!((name.as_str(), hello["type"].as_str()), ("hello", Some("hello")));

    let run = start_run(&s, d, 1).await;
    let mut seen = Vec::new();
    let finished = loop {
        let (name, data) = events.next().await;
        assert_eq!(data["type"].as_str(), Some(name.as_str()), "{data}");
        assert!(data["sent_ms"].as_i64().unwrap() > 0);
        if data["run"]["id"] == run {
            seen.push((name.clone(), data["run"]["completed_items"].as_i64().unwrap()));
        }
        if name == "run_finished" {
            break data;
        }
    };
    assert_eq!(seen.first().map(|(n, _)| n.as_str()), Some("run_started"), "{seen:?}");
    assert!(seen.iter().any(|(n, done)| n == "run_progress" && (1..5).contains(done)), "progress partway: {seen:?}");
    assert_eq!(
        (finished["run"]["status"].as_str(), finished["run"]["completed_items"].as_i64()),
        (Some("completed"), Some(5))
    );
    assert_eq!(
        (finished["run"]["failed_items"].as_i64(), finished["run"]["dataset"].as_str()),
        (Some(1), Some("support"))
    );
    // The score trends move with it: each score's mean over the run.
    let scores = finished["scores"].as_array().unwrap();
    assert_eq!(scores.len(), 1, "{finished}");
    assert_eq!((scores[0]["score"].as_str(), scores[0]["run_id"] == run), (Some("says-ok"), true));
    assert_eq!(scores[0]["mean"].as_f64(), Some(1.0));

    // Spans from an app: their traces arrive as one event with totals.
    let start = (observ::model::stats::now_ms() as u64) * 1_000_000;
    let body = json!({"resourceSpans": [{"resource": {"attributes": []}, "scopeSpans": [{"scope": {"name": "app"}, "spans": [{
        "traceId": "0af7651916cd43dd8448eb211c80319c", "spanId": "b7ad6b7169203331", "name": "ask",
        "startTimeUnixNano": start.to_string(), "endTimeUnixNano": (start + 40_000_000).to_string(),
        "attributes": [
            {"key": "openinference.span.kind", "value": {"stringValue": "LLM"}},
            {"key": "llm.model_name", "value": {"stringValue": "m"}},
            {"key": "llm.token_count.prompt", "value": {"intValue": "11"}}
        ]
    }]}]}]});
    assert_eq!(s.client.post(s.url("/v1/traces")).json(&body).send().await.unwrap().status(), 200);
    let traces = loop {
        let (name, data) = events.next().await;
        if name == "traces_ingested" {
            // The run's own traces may come first, in their own events.
            if data["traces"]["tokens"] == 11 {
                break data;
            }
        }
    };
    assert_eq!(traces["traces"]["count"], 1);
    let hour = traces["traces"]["hours"][0]["hour"].as_str().unwrap().to_string();
    assert_eq!(hour.len(), 13);
    assert_eq!(traces["traces"]["hours"][0]["latency_count"], 1);
    // Tokens and cost per model, in the trace's hour.
    assert_eq!(traces["traces"]["usage"], json!([{"bucket": hour, "model": "m", "tokens": 11, "cost": 0.0}]));
    // The latency percentiles of its hour and day, whole; read at most once a
    // second, so they may come in a later event.
    let mut latency = traces["traces"]["latency"].clone();
    while latency.as_array().is_none_or(|l| l.is_empty()) {
        let (name, data) = events.next().await;
        if name == "traces_ingested" {
            latency = data["traces"]["latency"].clone();
        }
    }
    let buckets: Vec<&str> = latency.as_array().unwrap().iter().map(|l| l["bucket"].as_str().unwrap()).collect();
    assert!(buckets.contains(&hour.as_str()) && buckets.contains(&&hour[..10]), "{latency}");
    for bucket in latency.as_array().unwrap() {
        // The run's six traces and the app's one (40 ms), unless the hour turned meanwhile.
        assert!((1..=7).contains(&bucket["count"].as_i64().unwrap()), "{bucket}");
        assert!(bucket["p95"].as_i64().unwrap() >= bucket["p50"].as_i64().unwrap(), "{bucket}");
    }
}

/// Reads events until a `run_scored` of `run` carries `expected` (score, mean)
/// pairs. An earlier change may be told twice on PostgreSQL (by this process
/// and by the database's notification), so older values can come first.
async fn wait_scored(events: &mut Events, run: i64, expected: &[(&str, f64)]) {
    loop {
        let (name, data) = events.next().await;
        if name == "run_scored" && data["run_id"] == run {
            let scores = data["scores"].as_array().unwrap();
            assert!(scores.iter().all(|p| p["run_id"] == run && p["dataset"] == "support"), "{data}");
            let means: Vec<(&str, f64)> =
                scores.iter().map(|p| (p["score"].as_str().unwrap(), p["mean"].as_f64().unwrap())).collect();
            if means == expected {
                return;
            }
        }
    }
}

#[tokio::test]
async fn a_finished_run_scored_again_moves_the_score_trends() {
    let s = server(0).await;
    let d = dataset(&s, &["a ok", "b ok", "c ok", "d ok"]).await;
    let run = start_run(&s, d, 2).await;
    assert_eq!(wait_finished(&s, run).await["status"], "completed");
    let mut events = Events::open(&s).await;
    assert_eq!(events.next().await.0, "hello");

    // Evaluated again with another evaluator: one output in four has an "a".
    let patch = json!({"evaluators": [{"name": "says-a", "type": "contains", "keywords": ["a"], "mode": "all"}]});
    assert_eq!(s.patch(&format!("/api/v1/datasets/{d}"), &patch).await.status(), 200);
    let (status, report) = read(s.post(&format!("/api/v1/runs/{run}/evaluate"), &json!({})).await).await;
    assert_eq!(status, 200, "{report}");
    wait_scored(&mut events, run, &[("says-a", 0.25)]).await;

    // A person reviews an item: the run's points gain the manual score.
    let item = run_items(&s, run).await[0]["id"].as_i64().unwrap();
    let label = json!({"run_item_id": item, "name": "correct", "value": true});
    assert_eq!(s.post("/api/v1/scores", &label).await.status(), 201);
    wait_scored(&mut events, run, &[("correct", 1.0), ("says-a", 0.25)]).await;

    // Reviewed through another instance: on PostgreSQL this one hears of it
    // (on SQLite one process serves the database).
    if s.db.dialect() == observ::server::db::Dialect::Postgres {
        let other = s.another_instance().await;
        let label = json!({"run_item_id": item, "name": "correct", "value": false});
        let res = s.client.post(format!("{other}/api/v1/scores")).json(&label).send().await.unwrap();
        assert_eq!(res.status(), 201);
        wait_scored(&mut events, run, &[("correct", 0.0), ("says-a", 0.25)]).await;
    }
}
