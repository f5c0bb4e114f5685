//! `/api/public`, the Langfuse-compatible API: projects, datasets and items,
//! scores, the legacy ingestion batch, and SDK experiments becoming runs.

use crate::server::{read, TestServer};
use observ::model::user::Role;
use observ::server::otlp::proto::{ExportTraceServiceRequest, KeyValue, Message, ResourceSpans, ScopeSpans, Span};
use serde_json::{json, Value};

fn basic(s: &TestServer) -> reqwest::RequestBuilder {
    reqwest::Client::new().get(s.url("/api/public/projects")).basic_auth(&s.public_key, Some(&s.secret))
}

#[tokio::test]
async fn projects_datasets_and_items_in_langfuse_shape() {
    let s = TestServer::start().await;
    let (status, projects) = read(basic(&s).send().await.unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(projects["data"][0]["organization"]["id"], "observ");

    let (status, dataset) = read(
        s.post(
            "/api/public/v2/datasets",
            &json!({"name": "qa/golden", "description": "d",
        "metadata": {"team": "x"}, "inputSchema": null, "expectedOutputSchema": null}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{dataset}");
    assert!(dataset["id"].is_string());
    let (status, again) = read(s.get("/api/public/v2/datasets/qa%2Fgolden").await).await;
    assert_eq!(
        (status, again["id"].clone(), again["metadata"].clone()),
        (200, dataset["id"].clone(), json!({"team": "x"}))
    );
    assert_eq!(read(s.get("/api/public/v2/datasets/missing").await).await.0, 404);

    for n in 0..3 {
        let (status, item) = read(
            s.post(
                "/api/public/dataset-items",
                &json!({"datasetName": "qa/golden",
            "input": {"q": n}, "expectedOutput": n * 2, "metadata": {"n": n}, "id": format!("uuid-{n}"),
            "sourceTraceId": null, "sourceObservationId": null, "status": null}),
            )
            .await,
        )
        .await;
        assert_eq!(status, 200, "{item}");
        assert_eq!((item["status"].clone(), item["datasetName"].clone()), (json!("ACTIVE"), json!("qa/golden")));
        assert!(item["id"].as_str().unwrap().parse::<i64>().is_ok(), "Observ ids, as strings");
    }
    let (status, page) = read(s.get("/api/public/dataset-items?datasetName=qa%2Fgolden&page=2&limit=2").await).await;
    assert_eq!(status, 200);
    assert_eq!(page["meta"], json!({"page": 2, "limit": 2, "totalItems": 3, "totalPages": 2}));
    assert_eq!(page["data"][0]["input"], json!({"q": 2}));
    // The same items through Observ's own API.
    let id = dataset["id"].as_str().unwrap();
    let (_, items) = read(s.get(&format!("/api/v1/datasets/{id}/items")).await).await;
    assert_eq!(items["data"].as_array().unwrap().len(), 3);

    let (status, error) =
        read(s.post("/api/public/dataset-items", &json!({"datasetName": "nope", "input": 1})).await).await;
    assert_eq!(status, 422);
    assert!(error["error"]["fields"]["datasetName"].is_array());
    let (_, viewer) = s.key("v", Role::Viewer).await;
    let res = crate::server::client_with_key(&viewer)
        .post(s.url("/api/public/v2/datasets"))
        .json(&json!({"name": "v"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(read(s.get("/api/public/prompts").await).await.0, 404);
}

#[tokio::test]
async fn scores_on_traces_observations_and_sessions() {
    let s = TestServer::start().await;
    // Scores may come before the trace's spans: the trace is made then.
    let res = s.post("/api/public/scores", &json!([
        {"id": "a1", "traceId": "t-1", "name": "helpful", "value": 0.75, "dataType": "NUMERIC", "comment": "ok"},
        {"traceId": "t-1", "observationId": "o-1", "name": "correct", "value": 1.0, "dataType": "BOOLEAN"},
        {"traceId": "t-1", "name": "tone", "value": "polite", "dataType": "CATEGORICAL"},
        {"sessionId": "chat-9", "name": "resolved", "value": true}
    ])).await;
    assert_eq!(res.status(), 202);
    let (status, trace) = read(s.get("/api/v1/traces/t-1").await).await;
    assert_eq!(status, 200);
    let scores = trace["scores"].as_array().unwrap();
    assert_eq!(scores.len(), 3);
    let by = |n: &str| scores.iter().find(|x| x["name"] == n).unwrap().clone();
    assert_eq!((by("helpful")["value"].clone(), by("helpful")["comment"].clone()), (json!(0.75), json!("ok")));
    assert_eq!(
        (by("correct")["data_type"].clone(), by("correct")["observation_id"].clone()),
        (json!("boolean"), json!("o-1"))
    );
    assert_eq!(by("tone")["string_value"], "polite");
    // Re-sending replaces; a bad score refuses the whole array, naming it.
    s.post("/api/public/scores", &json!({"traceId": "t-1", "name": "helpful", "value": 0.5})).await;
    let (_, trace) = read(s.get("/api/v1/traces/t-1").await).await;
    assert_eq!(trace["scores"].as_array().unwrap().iter().find(|x| x["name"] == "helpful").unwrap()["value"], 0.5);
    let before = s.count("observ_scores").await;
    let (status, error) = read(
        s.post(
            "/api/public/scores",
            &json!([
                {"traceId": "t-1", "name": "x", "value": 1},
                {"traceId": "t-1", "name": "y", "value": "text", "dataType": "NUMERIC"}
            ]),
        )
        .await,
    )
    .await;
    assert_eq!(status, 422);
    assert!(error["error"]["fields"]["[1].value"].is_array(), "{error}");
    assert_eq!(s.count("observ_scores").await, before);
}

#[tokio::test]
async fn legacy_ingestion_batch_answers_per_event() {
    let s = TestServer::start().await;
    let (status, body) = read(s.post("/api/public/ingestion", &json!({"batch": [
        {"id": "e1", "type": "trace-create", "timestamp": "2026-11-30T10:00:00.000Z",
         "body": {"id": "lf-1", "name": "legacy", "userId": "u", "sessionId": "s", "tags": ["old"], "input": {"q": 1}}},
        {"id": "e2", "type": "generation-create", "timestamp": "2026-11-30T10:00:00.100Z",
         "body": {"id": "g-1", "traceId": "lf-1", "name": "llm", "model": "gpt-4o", "startTime": "2026-11-30T10:00:00.100+00:00",
                  "usage": {"input": 30, "output": 10, "unit": "TOKENS"}, "costDetails": {"total": 0.002}}},
        {"id": "e3", "type": "generation-update", "body": {"id": "g-1", "traceId": "lf-1", "endTime": "2026-11-30T10:00:01.100Z",
                  "output": "hi"}},
        {"id": "e4", "type": "span-create", "body": {"traceId": "lf-1", "name": "no id"}},
        {"id": "e5", "type": "score-create", "body": {"traceId": "lf-1", "name": "good", "value": 1}},
        {"id": "e6", "type": "sdk-log", "body": {"log": "hello"}}
    ]})).await).await;
    assert_eq!(status, 207, "{body}");
    assert_eq!(body["successes"].as_array().unwrap().len(), 5);
    assert_eq!(body["errors"][0]["id"], "e4");
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("body.id: required"), "{body}");
    let (_, trace) = read(s.get("/api/v1/traces/lf-1").await).await;
    assert_eq!(
        (trace["name"].clone(), trace["user_id"].clone(), trace["session_id"].clone()),
        (json!("legacy"), json!("u"), json!("s"))
    );
    let g = &trace["observations"][0];
    assert_eq!((g["output"].clone(), g["end_time"].clone()), (json!("hi"), json!("2026-11-30T10:00:01.100Z")));
    assert_eq!(g["usage"], json!({"input_tokens": 30, "output_tokens": 10}));
    assert_eq!(trace["total_tokens"], 40);
    assert!((trace["total_cost"].as_f64().unwrap() - 0.002).abs() < 1e-12);
    assert_eq!(trace["scores"][0]["name"], "good");
}

fn experiment_span(trace: u8, run: &str, dataset: &str, item: &str, output: &str) -> Span {
    Span {
        trace_id: vec![trace; 16],
        span_id: vec![trace; 8],
        name: "experiment-item-run".into(),
        start_time_unix_nano: 1_764_000_000_000_000_000,
        end_time_unix_nano: 1_764_000_000_250_000_000,
        attributes: vec![
            KeyValue::string("langfuse.experiment.id", "exp0123456789abc"),
            KeyValue::string("langfuse.experiment.name", run),
            KeyValue::string("langfuse.experiment.dataset.id", dataset),
            KeyValue::string("langfuse.experiment.item.id", item),
            KeyValue::string("langfuse.observation.output", output),
            KeyValue::string("langfuse.observation.usage_details", r#"{"input":5,"output":2}"#),
        ],
        ..Default::default()
    }
}

#[tokio::test]
async fn sdk_experiment_spans_become_a_run() {
    let s = TestServer::start().await;
    let dataset = s.dataset("exp").await;
    let mut items = Vec::new();
    for n in 0..2 {
        let (_, item) =
            read(s.post(&format!("/api/v1/datasets/{dataset}/items"), &json!({"input": {"n": n}})).await).await;
        items.push(item["id"].as_i64().unwrap().to_string());
    }
    let send = |spans: Vec<Span>| {
        let body = ExportTraceServiceRequest {
            resource_spans: vec![ResourceSpans {
                resource: None,
                scope_spans: vec![ScopeSpans { scope: None, spans }],
            }],
        }
        .encode_to_vec();
        s.client
            .post(s.url("/api/public/otel/v1/traces"))
            .header("content-type", "application/x-protobuf")
            .body(body)
            .send()
    };
    // The first item, and its evaluator's score (sent before the item's run item exists).
    let res = s.post("/api/public/scores", &json!([{"traceId": "07".repeat(16), "observationId": "0707070707070707", "name": "exact", "value": 1, "dataType": "BOOLEAN"}])).await;
    assert_eq!(res.status(), 202);
    assert_eq!(
        send(vec![experiment_span(7, "sdk run 1", &dataset.to_string(), &items[0], "zero")]).await.unwrap().status(),
        200
    );
    let (_, runs) = read(s.get(&format!("/api/v1/datasets/{dataset}/runs")).await).await;
    let run = runs["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "sdk run 1")
        .expect("a run named as the experiment run")
        .clone();
    assert_eq!(run["status"], "running");
    assert_eq!(run["completed_items"], 1);
    // A watcher of the running run sees the next item arrive, then done.
    let events = s.client.get(s.url(&format!("/api/v1/runs/{}/events", run["id"]))).send().await.unwrap();
    let watcher = tokio::spawn(crate::runs::read_events(events));
    // The second (and last) item completes it.
    let second = experiment_span(8, "sdk run 1", &dataset.to_string(), &items[1], "two");
    assert_eq!(send(vec![second]).await.unwrap().status(), 200);
    let events = watcher.await.unwrap();
    let kinds: Vec<&str> = events.iter().map(|e| e.0.as_str()).collect();
    assert_eq!((kinds[0], kinds[kinds.len() - 1]), ("snapshot", "done"), "{kinds:?}");
    assert!(events.iter().any(|e| e.0 == "item" && e.2["output"] == "two"), "{events:?}");
    let (_, run) = read(s.get(&format!("/api/v1/runs/{}", run["id"])).await).await;
    assert_eq!(
        (run["status"].clone(), run["completed_items"].clone(), run["total_tokens"].clone()),
        (json!("completed"), json!(2), json!(14))
    );
    assert_eq!(run["origin"], "sdk");
    // Observ cannot run an SDK's items again.
    let retry = s.client.post(s.url(&format!("/api/v1/runs/{}/retry", run["id"]))).send().await.unwrap();
    assert_eq!(retry.status(), 409);
    let (_, run_items) = read(s.get(&format!("/api/v1/runs/{}/items", run["id"])).await).await;
    let rows = run_items["data"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r["trace_id"].is_i64()), "{run_items}");
    let first = rows
        .iter()
        .find(|r| r["dataset_item_id"].as_i64().map(|i| i.to_string()).as_deref() == Some(items[0].as_str()))
        .unwrap();
    assert_eq!(first["output"], "zero");
    let scores: Vec<&Value> = first["scores"].as_array().map(|a| a.iter().collect()).unwrap_or_default();
    assert!(
        scores.iter().any(|sc| sc["name"] == "exact" && sc["value"] == 1.0),
        "the evaluator's score is on the run item: {first}"
    );
    // The run-level score names the run by its experiment id.
    let res = s
        .post("/api/public/scores", &json!({"datasetRunId": "exp0123456789abc", "name": "accuracy", "value": 0.5}))
        .await;
    assert_eq!(res.status(), 200);
    let (_, run) = read(s.get(&format!("/api/v1/runs/{}", run["id"])).await).await;
    assert_eq!(run["metadata"]["scores"]["accuracy"]["value"], 0.5, "{run}");
}
