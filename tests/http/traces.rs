use crate::server::{read, TestServer};
use observ::model::trace::NewObservation;
use observ::server::db::traces::{record as record_trace, NewSession, NewTrace};
use serde_json::json;

/// Records a session with one trace and two generations, as the run engine does.
async fn record(s: &TestServer) -> i64 {
    let session = NewSession { session_id: "sess-1".into(), user_id: Some("tester".into()), metadata: json!({"k": 1}) };
    let trace = NewTrace {
        trace_id: "tr-1".into(),
        start_time: None,
        name: "dataset_run_item".into(),
        input: Some(json!({"q": "hi"})),
        metadata: json!({"dataset_id": 1}),
        tags: vec!["dataset".into()],
        user_id: None,
    };
    let usages = [(1, json!({"input_tokens": 10, "output_tokens": 5})), (2, json!({"total_tokens": 7}))];
    let observations: Vec<NewObservation> = usages
        .into_iter()
        .map(|(n, usage)| NewObservation {
            observation_id: format!("obs-{n}"),
            parent_observation_id: (n == 2).then(|| "obs-1".to_string()),
            kind: "generation".into(),
            name: format!("call {n}"),
            start_time: "2026-01-01T00:00:00.000Z".into(),
            end_time: Some("2026-01-01T00:00:00.250Z".into()),
            model: Some("gpt-test".into()),
            usage: Some(usage),
            cost_usd: 0.0015,
            ..Default::default()
        })
        .collect();
    let trace = record_trace(&s.db, &session, &trace, &observations, Some(&json!("hello"))).await.unwrap();
    assert_eq!(trace.tokens, 22);
    assert!((trace.cost - 0.003).abs() < 1e-9);
    trace.id
}

#[tokio::test]
async fn traces_list_and_detail_with_totals() {
    let s = TestServer::start().await;
    let id = record(&s).await;
    let (status, list) = read(s.get("/api/v1/traces?name=run_item").await).await;
    assert_eq!(status, 200);
    assert_eq!(list["data"][0]["trace_id"], "tr-1");
    assert_eq!(list["data"][0]["total_tokens"], 22);
    assert!((list["data"][0]["total_cost"].as_f64().unwrap() - 0.003).abs() < 1e-9);
    assert_eq!(read(s.get("/api/v1/traces?name=nothing").await).await.1["data"], json!([]));

    let (status, trace) = read(s.get(&format!("/api/v1/traces/{id}")).await).await;
    assert_eq!(status, 200);
    assert_eq!(trace["output"], "hello");
    assert_eq!(trace["tags"], json!(["dataset"]));
    assert_eq!(trace["observations"].as_array().unwrap().len(), 2);
    assert_eq!(trace["observations"][1]["parent_observation_id"], "obs-1");
    assert_eq!(trace["observations"][0]["type"], "generation");
    assert_eq!(read(s.get("/api/v1/traces/999").await).await.0, 404);
    // Filters by the session's own id; bad filter values are named.
    assert_eq!(read(s.get("/api/v1/traces?session_id=sess-1").await).await.1["data"][0]["session_id"], "sess-1");
    assert_eq!(read(s.get("/api/v1/traces?session_id=abc").await).await.1["data"], json!([]));
    let (status, body) = read(s.get("/api/v1/traces?min_cost=cheap&sort=size").await).await;
    assert_eq!(status, 422);
    assert!(body["error"]["fields"]["min_cost"].is_array() && body["error"]["fields"]["sort"].is_array(), "{body}");

    let html = s.get(&format!("/traces/{id}")).await.text().await.unwrap();
    assert!(html.contains("call 2") && html.contains("gpt-test"), "trace page shows observations");
    let html = s.get("/sessions").await.text().await.unwrap();
    assert!(html.contains("sess-1"));
}
