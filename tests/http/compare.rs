//! `GET /api/v1/datasets/{id}/compare`: one payload for the comparison view.

use crate::runs::wait_finished;
use crate::server::{read, TestServer};
use serde_json::{json, Value};

async fn run(s: &TestServer, dataset: i64, name: &str) -> i64 {
    let (status, run) = read(s.post(&format!("/api/v1/datasets/{dataset}/runs"), &json!({"name": name})).await).await;
    assert_eq!(status, 201, "{run}");
    let id = run["id"].as_i64().unwrap();
    wait_finished(s, id).await;
    id
}

#[tokio::test]
async fn compare_aligns_runs_with_different_item_sets() {
    let s = TestServer::start().await;
    let body = json!({"name": "cmp", "agent_class": "echo", "evaluators": [{"name": "exact", "type": "exact_match"}]});
    let (_, d) = read(s.post("/api/v1/datasets", &body).await).await;
    let d = d["id"].as_i64().unwrap();
    let add = |input: &'static str, expected: &'static str| {
        let s = &s;
        async move {
            let (_, item) = read(
                s.post(&format!("/api/v1/datasets/{d}/items"), &json!({"input": input, "expected_output": expected}))
                    .await,
            )
            .await;
            item["id"].as_i64().unwrap()
        }
    };
    let a = add("a", "a").await;
    let b = add("b", "b").await;
    let first = run(&s, d, "first").await;
    // Between runs: A is archived, B's expected output changes, C is new.
    assert_eq!(s.patch(&format!("/api/v1/datasets/{d}/items/{a}"), &json!({"status": "archived"})).await.status(), 200);
    assert_eq!(
        s.patch(&format!("/api/v1/datasets/{d}/items/{b}"), &json!({"expected_output": "B"})).await.status(),
        200
    );
    let c = add("c", "c").await;
    let second = run(&s, d, "second").await;

    let (status, payload) = read(s.get(&format!("/api/v1/datasets/{d}/compare?runs={first},{second}")).await).await;
    assert_eq!(status, 200, "{payload}");
    assert_eq!(
        payload["runs"].as_array().unwrap().iter().map(|r| r["name"].clone()).collect::<Vec<_>>(),
        [json!("first"), json!("second")]
    );
    assert_eq!(payload["runs"][0]["scores_summary"][0]["name"], "exact");
    assert_eq!(payload["score_names"], json!(["exact"]));
    let items = payload["items"].as_array().unwrap();
    let find =
        |id: i64| items.iter().find(|i| i["dataset_item_id"] == id).unwrap_or_else(|| panic!("item {id}: {payload}"));
    assert_eq!(items.len(), 3);
    let item_a = find(a);
    assert_eq!(item_a["results"][1], Value::Null, "A was not in the second run");
    assert_eq!(item_a["results"][0]["output"], "a");
    assert_eq!(item_a["results"][0]["scores"]["exact"], 1.0);
    let item_b = find(b);
    assert_eq!(
        (item_b["results"][0]["scores"]["exact"].clone(), item_b["results"][1]["scores"]["exact"].clone()),
        (json!(1.0), json!(0.0))
    );
    assert_eq!(item_b["expected_output"], "B", "the newest snapshot is shown");
    assert_eq!(item_b["results"][1]["status"], "succeeded");
    assert!(item_b["results"][1]["latency_ms"].is_number() && item_b["results"][1]["trace_id"].is_number());
    assert_eq!(find(c)["results"][0], Value::Null, "C was not in the first run");

    // Bad selections are named.
    let other = s.dataset("other").await;
    let foreign = {
        assert_eq!(s.post(&format!("/api/v1/datasets/{other}/items"), &json!({"input": 1})).await.status(), 201);
        run(&s, other, "elsewhere").await
    };
    for (query, message) in [
        (format!("runs={first}"), "pick 2 to 8 different runs"),
        (format!("runs={first},{first}"), "pick 2 to 8 different runs"),
        (format!("runs={first},{foreign}"), "belongs to another dataset"),
        (format!("runs={first},999"), "no run 999"),
        ("runs=1,x".to_string(), "`x` is not a run id"),
        ("runs=1,2,3,4,5,6,7,8,9".to_string(), "pick 2 to 8"),
    ] {
        let (status, body) = read(s.get(&format!("/api/v1/datasets/{d}/compare?{query}")).await).await;
        assert_eq!(status, 422, "{query}: {body}");
        assert!(body["error"]["fields"]["runs"][0].as_str().unwrap().contains(message), "{query}: {body}");
    }
    assert_eq!(read(s.get(&format!("/api/v1/datasets/999/compare?runs={first},{second}")).await).await.0, 404);
}
