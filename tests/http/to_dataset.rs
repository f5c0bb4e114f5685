//! Traces and observations become dataset items, their input and expected
//! output picked by JSON path.

use crate::runs::{dataset_with, run_items, wait_finished};
use crate::server::{read, TestServer};
use serde_json::{json, Value};

async fn items(s: &TestServer, dataset: i64) -> Vec<Value> {
    let (status, page) = read(s.get(&format!("/api/v1/datasets/{dataset}/items?limit=500")).await).await;
    assert_eq!(status, 200, "{page}");
    page["data"].as_array().unwrap().clone()
}

/// Records a trace whose root span wraps one chat generation, and returns
/// (trace row id, generation's row id).
async fn chat_trace(s: &TestServer) -> (i64, i64) {
    use observ::model::trace::NewObservation;
    use observ::server::db::traces::{record, NewSession, NewTrace};
    let session = NewSession { session_id: "chat-1".into(), user_id: Some("ann".into()), metadata: json!({}) };
    let trace = NewTrace {
        trace_id: "chat-trace".into(),
        name: "chat".into(),
        input: Some(json!({"question": "bonjour ?"})),
        metadata: json!({}),
        ..Default::default()
    };
    let at = |ms: u32| format!("2026-01-01T00:00:00.{ms:03}Z");
    let observations = [
        NewObservation {
            observation_id: "root".into(),
            kind: "span".into(),
            name: "handle".into(),
            start_time: at(0),
            end_time: Some(at(900)),
            ..Default::default()
        },
        NewObservation {
            observation_id: "llm".into(),
            parent_observation_id: Some("root".into()),
            kind: "generation".into(),
            name: "chat gpt-4o".into(),
            start_time: at(100),
            end_time: Some(at(800)),
            model: Some("gpt-4o".into()),
            input: Some(json!({"messages": [{"role": "user", "content": "bonjour ?"}]})),
            output: Some(json!({"answer": {"lang": "fr"}, "raw": "fr"})),
            ..Default::default()
        },
    ];
    let recorded = record(&s.db, &session, &trace, &observations, Some(&json!("fr"))).await.unwrap();
    let (_, body) = read(s.get(&format!("/api/v1/traces/{}", recorded.id)).await).await;
    let llm = body["observations"].as_array().unwrap().iter().find(|o| o["observation_id"] == "llm").unwrap();
    (recorded.id, llm["id"].as_i64().unwrap())
}

#[tokio::test]
async fn an_observation_becomes_an_item_with_paths_picking_input_and_expected() {
    let s = TestServer::start().await;
    let (trace, observation) = chat_trace(&s).await;
    let d = s.dataset("from observations").await;
    let path = format!("/api/v1/observations/{observation}/add-to-dataset");

    // The whole input, and no expected output unless asked for.
    let (status, item) = read(s.post(&path, &json!({ "dataset_id": d })).await).await;
    assert_eq!(status, 201, "{item}");
    assert_eq!(item["input"], json!({"messages": [{"role": "user", "content": "bonjour ?"}]}));
    assert_eq!(item["expected_output"], Value::Null);
    assert_eq!(item["source_trace_id"], trace, "the item points at the observation's trace");
    let body = json!({"dataset_id": d, "use_output_as_expected": true});
    let (_, item) = read(s.post(&path, &body).await).await;
    assert_eq!(item["expected_output"], json!({"answer": {"lang": "fr"}, "raw": "fr"}));

    // Both path spellings; a path picks part of the output as the expected output.
    for (input_path, expected_path) in
        [("$.messages[0].content", "$.answer.lang"), ("messages.0.content", "answer.lang")]
    {
        let body = json!({"dataset_id": d, "input_path": input_path, "expected_path": expected_path});
        let (status, item) = read(s.post(&path, &body).await).await;
        assert_eq!(status, 201, "{item}");
        assert_eq!((item["input"].clone(), item["expected_output"].clone()), (json!("bonjour ?"), json!("fr")));
    }
    assert_eq!(items(&s, d).await.len(), 4);
}

#[tokio::test]
async fn a_bad_observation_path_is_a_422_naming_it_and_writes_nothing() {
    let s = TestServer::start().await;
    let (_, observation) = chat_trace(&s).await;
    let d = s.dataset("strict").await;
    let path = format!("/api/v1/observations/{observation}/add-to-dataset");

    let (status, body) =
        read(s.post(&path, &json!({"dataset_id": d, "input_path": "$.messages[3].content"})).await).await;
    assert_eq!(status, 422, "{body}");
    let message = body["error"]["fields"]["input_path"][0].as_str().unwrap();
    let expected = format!(
        "`$.messages[3].content` matches nothing in observation {observation}'s input: `$.messages` has 1 element"
    );
    assert_eq!(message, expected);
    let (status, body) = read(s.post(&path, &json!({"dataset_id": d, "expected_path": "$.answer["})).await).await;
    assert_eq!(status, 422);
    assert!(body["error"]["fields"]["expected_path"][0].as_str().unwrap().contains("`$.answer[` is not a JSON path"));
    let (status, body) = read(s.post(&path, &json!({"dataset_id": d, "expected_path": "$.missing"})).await).await;
    assert_eq!(status, 422);
    assert!(body["error"]["message"].as_str().unwrap().contains("expected_path `$.missing` matches nothing"), "{body}");
    let (status, body) = read(s.post(&path, &json!({"dataset_id": d, "use_output_as_expected": "yes"})).await).await;
    assert_eq!((status, body["error"]["fields"]["use_output_as_expected"].is_array()), (422, true), "{body}");
    assert_eq!(s.count("observ_dataset_items").await, 0, "nothing is written");

    assert_eq!(read(s.post("/api/v1/observations/999/add-to-dataset", &json!({ "dataset_id": d })).await).await.0, 404);
    assert_eq!(read(s.post(&path, &json!({ "dataset_id": 999 })).await).await.0, 404);
    assert_eq!(read(s.post(&path, &json!({})).await).await.0, 422);
    // The root span has no input of its own.
    let (_, trace) = read(s.get("/api/v1/traces?name=chat").await).await;
    let (_, trace) = read(s.get(&format!("/api/v1/traces/{}", trace["data"][0]["id"])).await).await;
    let root =
        trace["observations"].as_array().unwrap().iter().find(|o| o["observation_id"] == "root").unwrap()["id"].clone();
    let (status, body) =
        read(s.post(&format!("/api/v1/observations/{root}/add-to-dataset"), &json!({ "dataset_id": d })).await).await;
    assert_eq!(status, 422);
    assert!(body["error"]["fields"]["observation"][0].as_str().unwrap().contains("has no input"), "{body}");

    // A viewer may read the trace but not make items from it.
    let (_, secret) = s.key("viewer", observ::model::user::Role::Viewer).await;
    let viewer = crate::server::client_with_key(&secret);
    let res = viewer.post(s.url(&path)).json(&json!({ "dataset_id": d })).send().await.unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(s.count("observ_dataset_items").await, 0);
}

#[tokio::test]
async fn trace_paths_pick_input_and_expected_alone_and_in_bulk() {
    let s = TestServer::start().await;
    let source = dataset_with(&s, "echo", vec![json!({"q": {"text": "one"}}), json!({"q": {"text": "two"}})]).await;
    let (_, run) = read(s.post(&format!("/api/v1/datasets/{source}/runs"), &json!({})).await).await;
    let run_id = run["id"].as_i64().unwrap();
    wait_finished(&s, run_id).await;
    let traces: Vec<i64> = run_items(&s, run_id).await.iter().map(|i| i["trace_id"].as_i64().unwrap()).collect();
    let d = s.dataset("picked").await;

    let path = format!("/api/v1/traces/{}/add-to-dataset", traces[0]);
    let body = json!({"dataset_id": d, "input_path": "$.q.text", "expected_path": "q"});
    let (status, item) = read(s.post(&path, &body).await).await;
    assert_eq!(status, 201, "{item}");
    assert_eq!((item["input"].clone(), item["expected_output"].clone()), (json!("one"), json!({"text": "one"})));
    let body = json!({"dataset_id": d, "expected_output": "x", "expected_path": "q"});
    let (status, body) = read(s.post(&path, &body).await).await;
    assert_eq!((status, body["error"]["fields"]["expected_path"].is_array()), (422, true), "{body}");

    let bulk = json!({"dataset_id": d, "trace_ids": traces, "input_path": "q.text"});
    let (status, body) = read(s.post("/api/v1/traces/add-to-dataset", &bulk).await).await;
    assert_eq!((status, body["created"].clone()), (201, json!(2)), "{body}");
    let all = items(&s, d).await;
    assert_eq!(
        (all[1]["input"].clone(), all[1]["expected_output"].clone()),
        (json!("one"), json!({"q": {"text": "one"}}))
    );
    assert_eq!(all[2]["input"], json!("two"));

    // One trace the path misses: nothing is written, and the error names the path and the trace.
    observ::server::db::exec::query("UPDATE observ_traces SET input = '{\"q\": 3}' WHERE id = ?")
        .bind(traces[1])
        .execute(s.db.write_pool_for_tests())
        .await
        .unwrap();
    let (status, body) = read(s.post("/api/v1/traces/add-to-dataset", &bulk).await).await;
    assert_eq!(status, 422, "{body}");
    let message = body["error"]["fields"]["input_path"][0].as_str().unwrap();
    assert_eq!(
        message,
        format!("`q.text` matches nothing in trace {}'s input: `$.q` is a number, not an object", traces[1])
    );
    assert_eq!(items(&s, d).await.len(), 3);
}
