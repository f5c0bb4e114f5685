use crate::server::{read, TestServer};
use serde_json::{json, Value};
use std::collections::HashSet;

#[tokio::test]
async fn create_read_update_delete_an_item() {
    let s = TestServer::start().await;
    let d = s.dataset("items").await;
    let body = json!({"input": {"q": "2+2"}, "expected_output": "4", "metadata": {"level": 1}});
    let (status, item) = read(s.post(&format!("/api/v1/datasets/{d}/items"), &body).await).await;
    assert_eq!(status, 201, "{item}");
    assert_eq!(item["input"], json!({"q": "2+2"}));
    assert_eq!(item["expected_output"], "4");
    assert_eq!(item["status"], "active");
    assert_eq!(item["source_trace_id"], Value::Null);
    let id = item["id"].as_i64().unwrap();
    let path = format!("/api/v1/datasets/{d}/items/{id}");

    let (status, got) = read(s.get(&path).await).await;
    assert_eq!((status, got["metadata"].clone()), (200, json!({"level": 1})));

    let (status, updated) = read(s.patch(&path, &json!({"status": "archived", "expected_output": null})).await).await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["status"], "archived");
    assert_eq!(updated["expected_output"], Value::Null);
    assert_eq!(updated["input"], json!({"q": "2+2"}));
    let (_, dataset) = read(s.get(&format!("/api/v1/datasets/{d}")).await).await;
    assert_eq!((dataset["items_count"].clone(), dataset["active_items_count"].clone()), (json!(1), json!(0)));

    let (status, body) = read(s.patch(&path, &json!({"status": "deleted", "input": null})).await).await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["fields"]["status"][0], "must be `active` or `archived`, got `deleted`");
    assert_eq!(body["error"]["fields"]["input"][0], "can't be blank");

    assert_eq!(s.delete(&path).await.status(), 204);
    assert_eq!(read(s.get(&path).await).await.0, 404);
    assert_eq!(s.delete(&path).await.status(), 404);
}

#[tokio::test]
async fn input_is_required_and_not_null() {
    let s = TestServer::start().await;
    let d = s.dataset("req").await;
    for body in [json!({"expected_output": 1}), json!({"input": null})] {
        let (status, res) = read(s.post(&format!("/api/v1/datasets/{d}/items"), &body).await).await;
        assert_eq!(status, 422);
        assert_eq!(res["error"]["fields"]["input"], json!(["can't be blank"]));
    }
    // Any JSON but null is an input: false, 0, "" and [] included.
    for input in [json!(false), json!(0), json!(""), json!([])] {
        assert_eq!(s.post(&format!("/api/v1/datasets/{d}/items"), &json!({ "input": input })).await.status(), 201);
    }
    assert_eq!(s.count("observ_dataset_items").await, 4);
}

#[tokio::test]
async fn item_routes_404_on_unknown_dataset_or_foreign_item() {
    let s = TestServer::start().await;
    let a = s.dataset("a").await;
    let b = s.dataset("b").await;
    let (_, item) = read(s.post(&format!("/api/v1/datasets/{a}/items"), &json!({"input": 1})).await).await;
    let id = item["id"].as_i64().unwrap();
    assert_eq!(read(s.get(&format!("/api/v1/datasets/{b}/items/{id}")).await).await.0, 404);
    assert_eq!(read(s.patch(&format!("/api/v1/datasets/{b}/items/{id}"), &json!({"input": 2})).await).await.0, 404);
    assert_eq!(s.delete(&format!("/api/v1/datasets/{b}/items/{id}")).await.status(), 404);
    assert_eq!(read(s.post("/api/v1/datasets/999/items", &json!({"input": 1})).await).await.0, 404);
    assert_eq!(read(s.get("/api/v1/datasets/999/items").await).await.0, 404);
}

#[tokio::test]
async fn bulk_create_is_all_or_nothing() {
    let s = TestServer::start().await;
    let d = s.dataset("bulk").await;
    let path = format!("/api/v1/datasets/{d}/items");
    let bad = json!({"items": [{"input": "ok"}, {"expected_output": "no input"}, "not an object", {"input": 1, "metadata": 3}]});
    let (status, body) = read(s.post(&path, &bad).await).await;
    assert_eq!(status, 422);
    let fields = &body["error"]["fields"];
    assert_eq!(fields["items[1].input"], json!(["can't be blank"]));
    assert_eq!(fields["items[2]"], json!(["must be a JSON object"]));
    assert_eq!(fields["items[3].metadata"], json!(["must be a JSON object"]));
    assert!(fields.get("items[0].input").is_none());
    assert_eq!(s.count("observ_dataset_items").await, 0);

    let too_many: Vec<Value> = (0..10_001).map(|n| json!({ "input": n })).collect();
    let (status, body) = read(s.post(&path, &json!({ "items": too_many })).await).await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["fields"]["items"][0], "at most 10000 items per request, got 10001");
    assert_eq!(read(s.post(&path, &json!({"items": []})).await).await.0, 422);
    assert_eq!(s.count("observ_dataset_items").await, 0);

    let good: Vec<Value> = (0..10_000).map(|n| json!({"input": {"n": n}, "expected_output": n * 2})).collect();
    let (status, body) = read(s.post(&path, &json!({ "items": good })).await).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["created"], 10_000);
    assert_eq!(body["ids"].as_array().unwrap().len(), 10_000);
    assert_eq!(s.count("observ_dataset_items").await, 10_000);
}

#[tokio::test]
async fn cursor_pagination_visits_every_row_once_with_filters() {
    let s = TestServer::start().await;
    let d = s.dataset("paged").await;
    let path = format!("/api/v1/datasets/{d}/items");
    let items: Vec<Value> = (0..1234)
        .map(|n| json!({"input": {"n": n, "word": if n % 10 == 0 { "needle" } else { "hay" }}, "status": if n % 3 == 0 { "archived" } else { "active" }}))
        .collect();
    assert_eq!(s.post(&path, &json!({ "items": items })).await.status(), 201);

    let collect = |query: &'static str| {
        let s = &s;
        let path = path.clone();
        async move {
            let mut seen = Vec::new();
            let mut cursor = String::new();
            loop {
                let (status, page) = read(s.get(&format!("{path}?limit=100&cursor={cursor}{query}")).await).await;
                assert_eq!(status, 200, "{page}");
                seen.extend(page["data"].as_array().unwrap().iter().map(|i| i["input"]["n"].as_i64().unwrap()));
                match page["next_cursor"].as_str() {
                    Some(next) => cursor = next.to_string(),
                    None => return seen,
                }
            }
        }
    };
    let all = collect("").await;
    assert_eq!(all.len(), 1234);
    assert_eq!(all.iter().collect::<HashSet<_>>().len(), 1234);
    assert!(all.windows(2).all(|w| w[0] < w[1]), "oldest first, in creation order");

    let archived = collect("&status=archived").await;
    assert_eq!(archived.len(), (0..1234).filter(|n| n % 3 == 0).count());
    let needles = collect("&search=needle").await;
    assert_eq!(needles.len(), 124);
    let both = collect("&search=needle&status=active").await;
    assert!(both.iter().all(|n| n % 10 == 0 && n % 3 != 0));
    assert_eq!(read(s.get(&format!("{path}?status=gone")).await).await.0, 422);
}
