//! Uniqueness under concurrency, decided by the database's constraints (never
//! check-then-insert): of parallel creates with one name exactly one wins and
//! the others get a 422 naming the field; parallel score upserts on one
//! target and name leave one row.

use crate::server::{read, TestServer};
use serde_json::{json, Value};

/// Runs the requests 64 at a time (a thousand sockets at once would exhaust
/// the test process's file descriptors, not the server).
async fn statuses(requests: Vec<impl std::future::Future<Output = (u16, Value)>>) -> (Vec<u16>, Vec<Value>) {
    use futures_util::StreamExt;
    let results: Vec<(u16, Value)> = futures_util::stream::iter(requests).buffer_unordered(64).collect().await;
    results.into_iter().unzip()
}

#[tokio::test]
async fn twenty_parallel_creates_of_one_name_give_one_201_and_nineteen_422s() {
    let s = &TestServer::start().await;
    let attempts = (0..20).map(|_| async {
        read(s.post("/api/v1/datasets", &json!({"name": "same", "agent_class": "echo"})).await).await
    });
    let (codes, bodies) = statuses(attempts.collect()).await;
    assert_eq!(codes.iter().filter(|c| **c == 201).count(), 1, "{codes:?}");
    assert_eq!(codes.iter().filter(|c| **c == 422).count(), 19, "{codes:?}");
    let refused = bodies.iter().find(|b| b.get("id").is_none()).unwrap();
    assert!(refused.to_string().contains("name"), "{refused}");
    assert_eq!(s.count("observ_datasets").await, 1);

    let d = bodies.iter().find_map(|b| b["id"].as_i64()).unwrap();
    s.post(&format!("/api/v1/datasets/{d}/items"), &json!({"items": [{"input": 1}, {"input": 2}]})).await;
    let runs = (0..20).map(|_| async move {
        read(s.post(&format!("/api/v1/datasets/{d}/runs"), &json!({"name": "nightly"})).await).await
    });
    let (codes, _) = statuses(runs.collect()).await;
    assert_eq!(codes.iter().filter(|c| **c == 201).count(), 1, "{codes:?}");
    assert_eq!(codes.iter().filter(|c| **c == 422).count(), 19, "{codes:?}");
    assert_eq!(s.count("observ_dataset_runs").await, 1);
    assert_eq!(s.count("observ_dataset_run_items").await, 2, "the losers' run items rolled back with them");
}

#[tokio::test]
async fn a_thousand_parallel_score_upserts_on_one_target_leave_one_row() {
    let s = &TestServer::start().await;
    let d = s.dataset("scored").await;
    s.post(&format!("/api/v1/datasets/{d}/items"), &json!({"items": [{"input": 1}]})).await;
    let (_, run) = read(s.post(&format!("/api/v1/datasets/{d}/runs"), &json!({"name": "r"})).await).await;
    let run = run["id"].as_i64().unwrap();
    let (_, items) = read(s.get(&format!("/api/v1/runs/{run}/items")).await).await;
    let run_item = items["data"][0]["id"].as_i64().unwrap();
    let writes = (0..1000).map(|n| async move {
        let body = json!({"run_item_id": run_item, "name": "quality", "value": n as f64 / 1000.0});
        read(s.post("/api/v1/scores", &body).await).await
    });
    let (codes, _) = statuses(writes.collect()).await;
    assert!(codes.iter().all(|c| *c == 201 || *c == 200), "{:?}", codes.iter().find(|c| **c >= 300));
    assert_eq!(s.count("observ_scores").await, 1);
}
