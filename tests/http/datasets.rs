use crate::server::{read, TestServer};
use serde_json::json;

#[tokio::test]
async fn agents_lists_the_registry() {
    let s = TestServer::start().await;
    let (status, body) = read(s.get("/api/v1/agents").await).await;
    assert_eq!(status, 200);
    assert_eq!(body[0]["name"], "echo");
    assert_eq!(body[0]["kind"], "builtin");
}

#[tokio::test]
async fn create_read_update_delete_a_dataset() {
    let s = TestServer::start().await;
    let body = json!({"name": " QA set ", "description": "smoke", "agent_class": "echo", "metadata": {"team": "x"}});
    let (status, created) = read(s.post("/api/v1/datasets", &body).await).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["name"], "QA set");
    assert_eq!(created["metadata"], json!({"team": "x"}));
    assert_eq!(created["items_count"], 0);
    assert_eq!(created["runs_count"], 0);
    assert_eq!(created["last_run"], json!(null));
    assert!(created["created_at"].as_str().unwrap().ends_with('Z'));
    let id = created["id"].as_i64().unwrap();

    let (status, got) = read(s.get(&format!("/api/v1/datasets/{id}")).await).await;
    assert_eq!((status, got["description"].clone()), (200, json!("smoke")));

    let (status, updated) = read(s.patch(&format!("/api/v1/datasets/{id}"), &json!({"description": null})).await).await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["description"], json!(null));
    assert_eq!(updated["name"], "QA set");

    let (status, _) = read(s.delete(&format!("/api/v1/datasets/{id}")).await).await;
    assert_eq!(status, 204);
    let (status, missing) = read(s.get(&format!("/api/v1/datasets/{id}")).await).await;
    assert_eq!(status, 404);
    assert_eq!(missing["error"]["code"], "not_found");
    assert_eq!(read(s.delete(&format!("/api/v1/datasets/{id}")).await).await.0, 404);
    assert_eq!(read(s.patch(&format!("/api/v1/datasets/{id}"), &json!({"name": "z"})).await).await.0, 404);
}

#[tokio::test]
async fn duplicate_name_is_422_and_writes_nothing() {
    let s = TestServer::start().await;
    s.dataset("dup").await;
    let (status, body) = read(s.post("/api/v1/datasets", &json!({"name": "dup", "agent_class": "echo"})).await).await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["code"], "validation_failed");
    assert_eq!(body["error"]["fields"]["name"], json!(["has already been taken"]));
    assert_eq!(s.count("observ_datasets").await, 1);

    let other = s.dataset("other").await;
    let (status, body) = read(s.patch(&format!("/api/v1/datasets/{other}"), &json!({"name": "dup"})).await).await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["fields"]["name"], json!(["has already been taken"]));
}

#[tokio::test]
async fn unknown_agent_and_missing_fields_are_422() {
    let s = TestServer::start().await;
    let (status, body) = read(s.post("/api/v1/datasets", &json!({"name": "a", "agent_class": "Nope"})).await).await;
    assert_eq!(status, 422);
    assert_eq!(
        body["error"]["fields"]["agent_class"][0],
        "must name a registered agent (echo, language-detector), got `Nope`"
    );

    let (status, body) = read(s.post("/api/v1/datasets", &json!({})).await).await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["fields"]["name"], json!(["can't be blank"]));
    assert_eq!(body["error"]["fields"]["agent_class"], json!(["can't be blank"]));

    let body = json!({"name": 5, "agent_class": "echo", "metadata": [1], "colour": "red"});
    let (status, body) = read(s.post("/api/v1/datasets", &body).await).await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["fields"]["name"], json!(["must be a string"]));
    assert_eq!(body["error"]["fields"]["metadata"], json!(["must be a JSON object"]));
    assert_eq!(body["error"]["fields"]["colour"], json!(["is not a known field"]));
    assert_eq!(s.count("observ_datasets").await, 0);
}

#[tokio::test]
async fn malformed_json_is_400_and_writes_nothing() {
    let s = TestServer::start().await;
    let (status, body) = read(s.post_raw("/api/v1/datasets", "{\"name\": \"x\", ").await).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["code"], "bad_request");
    assert!(body["error"]["message"].as_str().unwrap().starts_with("body: malformed JSON"), "{body}");
    let (status, body) = read(s.post_raw("/api/v1/datasets", "[1, 2]").await).await;
    assert_eq!((status, body["error"]["message"].clone()), (400, json!("body: must be a JSON object")));
    assert_eq!(s.count("observ_datasets").await, 0);
}

#[tokio::test]
async fn body_over_10_mb_is_413() {
    let s = TestServer::start().await;
    let big = format!("{{\"name\": \"{}\", \"agent_class\": \"echo\"}}", "x".repeat(10 * 1024 * 1024 + 1));
    let (status, body) = read(s.post_raw("/api/v1/datasets", big).await).await;
    assert_eq!(status, 413);
    assert_eq!(body["error"]["code"], "payload_too_large");
    assert_eq!(s.count("observ_datasets").await, 0);
}

#[tokio::test]
async fn list_searches_and_paginates_with_cursor() {
    let s = TestServer::start().await;
    for n in 0..7 {
        s.dataset(&format!("set {n}")).await;
    }
    s.dataset("100%_literal").await;
    let (_, body) = read(s.get("/api/v1/datasets?search=%25_").await).await;
    assert_eq!(body["data"].as_array().unwrap().len(), 1, "LIKE wildcards are matched literally");

    let mut names = Vec::new();
    let mut cursor = String::new();
    loop {
        let (status, page) = read(s.get(&format!("/api/v1/datasets?limit=3&cursor={cursor}")).await).await;
        assert_eq!(status, 200);
        names.extend(page["data"].as_array().unwrap().iter().map(|d| d["name"].as_str().unwrap().to_string()));
        match page["next_cursor"].as_str() {
            Some(next) => cursor = next.to_string(),
            None => break,
        }
    }
    assert_eq!(names.len(), 8);
    assert_eq!(names[0], "set 0");
    assert_eq!(read(s.get("/api/v1/datasets?limit=0").await).await.0, 422);
    assert_eq!(read(s.get("/api/v1/datasets?cursor=garbage").await).await.0, 400);
    assert_eq!(read(s.get("/api/v1/nope").await).await.0, 404);
}

#[tokio::test]
async fn deleting_a_dataset_removes_its_items() {
    let s = TestServer::start().await;
    let keep = s.dataset("keep").await;
    let gone = s.dataset("gone").await;
    for id in [keep, gone] {
        let items = json!({"items": [{"input": "a"}, {"input": "b"}, {"input": "c"}]});
        assert_eq!(s.post(&format!("/api/v1/datasets/{id}/items"), &items).await.status(), 201);
    }
    assert_eq!(s.count("observ_dataset_items").await, 6);
    assert_eq!(s.delete(&format!("/api/v1/datasets/{gone}")).await.status(), 204);
    assert_eq!(s.count("observ_dataset_items").await, 3);
    assert_eq!(read(s.get(&format!("/api/v1/datasets/{gone}/items")).await).await.0, 404);
    let (_, kept) = read(s.get(&format!("/api/v1/datasets/{keep}")).await).await;
    assert_eq!(kept["items_count"], 3);
}
