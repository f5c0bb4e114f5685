//! Import, export, duplicate and add-to-dataset over HTTP.

use crate::runs::{dataset_with, run_items, wait_finished};
use crate::server::{read, TestServer};
use observ::model::csv::parse;
use serde_json::{json, Value};

async fn import(s: &TestServer, path: &str, content_type: &str, body: &str) -> (u16, Value) {
    let res = s.client.post(s.url(path)).header("content-type", content_type).body(body.to_string()).send().await;
    read(res.unwrap()).await
}

/// Every item of a dataset, oldest first.
async fn items(s: &TestServer, dataset: i64) -> Vec<Value> {
    let (status, page) = read(s.get(&format!("/api/v1/datasets/{dataset}/items?limit=500")).await).await;
    assert_eq!(status, 200, "{page}");
    page["data"].as_array().unwrap().clone()
}

fn content(items: &[Value]) -> Vec<(Value, Value, Value)> {
    items.iter().map(|i| (i["input"].clone(), i["expected_output"].clone(), i["metadata"].clone())).collect()
}

#[tokio::test]
async fn csv_import_maps_columns_reads_json_cells_and_quoted_newlines() {
    let s = TestServer::start().await;
    let d = s.dataset("csv").await;
    let csv = "id,question,answer,tags\r\n\
               1,hello,42,\r\n\
               2,\"{\"\"q\"\": \"\"2+2\"\"}\",\"\"\"42\"\"\",\"{\"\"level\"\": 1}\"\r\n\
               3,\"two\nlines, with a comma\",,\r\n";
    let path = format!("/api/v1/datasets/{d}/items/import?input=question&expected_output=answer&metadata=tags");
    let (status, body) = import(&s, &path, "text/csv", csv).await;
    assert_eq!((status, body.clone()), (201, json!({"imported": 3})), "{body}");
    let got = content(&items(&s, d).await);
    assert_eq!(
        got,
        vec![
            (json!("hello"), json!(42), json!({})),
            (json!({"q": "2+2"}), json!("42"), json!({"level": 1})),
            (json!("two\nlines, with a comma"), Value::Null, json!({})),
        ]
    );
    // Same-named columns need no mapping.
    let (status, body) = import(&s, &format!("/api/v1/datasets/{d}/items/import"), "text/csv", "input\nsolo\n").await;
    assert_eq!((status, body["imported"].clone()), (201, json!(1)));
    assert_eq!(s.count("observ_dataset_items").await, 4);
}

#[tokio::test]
async fn jsonl_import_and_format_override() {
    let s = TestServer::start().await;
    let d = s.dataset("jsonl").await;
    let jsonl =
        "{\"input\": {\"q\": 1}, \"expected_output\": \"a\", \"metadata\": {\"k\": true}}\n\n{\"input\": \"42\"}\n";
    let (status, body) = import(&s, &format!("/api/v1/datasets/{d}/items/import"), "application/x-ndjson", jsonl).await;
    assert_eq!((status, body["imported"].clone()), (201, json!(2)), "{body}");
    let (status, _) =
        import(&s, &format!("/api/v1/datasets/{d}/items/import?format=jsonl"), "application/json", "{\"input\": [1]}")
            .await;
    assert_eq!(status, 201);
    // A form-like type is refused before anything is read: no cross-site "simple" request can import.
    let (status, body) =
        import(&s, &format!("/api/v1/datasets/{d}/items/import?format=jsonl"), "text/plain", "{\"input\": [2]}").await;
    assert_eq!(status, 415, "{body}");
    assert_eq!(
        content(&items(&s, d).await),
        vec![
            (json!({"q": 1}), json!("a"), json!({"k": true})),
            (json!("42"), Value::Null, json!({})),
            (json!([1]), Value::Null, json!({})),
        ]
    );
    let (status, body) = import(&s, &format!("/api/v1/datasets/{d}/items/import"), "text/plain", "x").await;
    assert_eq!(status, 415);
    assert!(body["error"]["message"].as_str().unwrap().contains("text/csv"), "{body}");
}

#[tokio::test]
async fn a_bad_line_fails_the_whole_import_and_names_the_line() {
    let s = TestServer::start().await;
    let d = s.dataset("bad").await;
    s.post(&format!("/api/v1/datasets/{d}/items"), &json!({"input": "kept"})).await;
    let path = format!("/api/v1/datasets/{d}/items/import");
    // Line 4 holds broken JSON (after a record with a newline inside quotes on lines 2–3).
    let csv = "input,expected_output\n\"multi\nline\",1\n{\"a\": ,2\nok,3\n";
    let (status, body) = import(&s, &path, "text/csv", csv).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["code"], "validation_failed");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.starts_with("line 4: input: "), "{message}");
    assert!(body["error"]["fields"]["line 4"][0].as_str().unwrap().starts_with("input: "), "{body}");

    let jsonl = "{\"input\": 1}\n{\"input\": 2}\n{\"expected_output\": 3}\n";
    let (status, body) = import(&s, &path, "application/x-ndjson", jsonl).await;
    assert_eq!((status, body["error"]["message"].clone()), (422, json!("line 3: input is required")));
    let (_, body) = import(&s, &path, "application/x-ndjson", "{\"input\": 1, \"colour\": 2}").await;
    assert!(body["error"]["message"].as_str().unwrap().starts_with("line 1: unknown key `colour`"), "{body}");
    let (_, body) = import(&s, &path, "text/csv", "input\n\"never closed\n").await;
    assert!(body["error"]["message"].as_str().unwrap().starts_with("line 2: a quoted field"), "{body}");
    let (_, body) = import(&s, &path, "text/csv", "question\nx\n").await;
    assert!(body["error"]["message"].as_str().unwrap().starts_with("line 1: no column `input`"), "{body}");

    assert_eq!(s.count("observ_dataset_items").await, 1, "nothing of a failed import is written");
    let (status, _) = import(&s, "/api/v1/datasets/999/items/import", "text/csv", "input\nx\n").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn export_then_import_gives_the_same_items() {
    let s = TestServer::start().await;
    let d = s.dataset("source").await;
    let tricky = vec![
        json!({"input": "42", "expected_output": "42"}),
        json!({"input": 42, "expected_output": true}),
        json!({"input": "a, \"quoted\"\nmulti-line\r\nstring", "metadata": {"k": "v,\"w\""}}),
        json!({"input": {"nested": ["x", 1, null]}, "expected_output": {"a": "é漢字🙂"}}),
        json!({"input": "  padded  ", "expected_output": "", "metadata": {"level": 2}}),
        json!({"input": "null", "expected_output": "{not json"}),
        json!({"input": "", "status": "archived"}),
    ];
    assert_eq!(s.post(&format!("/api/v1/datasets/{d}/items"), &json!({ "items": tricky })).await.status(), 201);
    let original = content(&items(&s, d).await);

    for (format, content_type) in [("csv", "text/csv"), ("jsonl", "application/x-ndjson")] {
        let res = s.get(&format!("/api/v1/datasets/{d}/items/export?format={format}")).await;
        assert_eq!(res.status(), 200);
        let disposition = res.headers()["content-disposition"].to_str().unwrap().to_string();
        assert_eq!(disposition, format!("attachment; filename=\"dataset-{d}-items.{format}\""));
        let exported = res.text().await.unwrap();
        if format == "csv" {
            let records = parse(&exported).unwrap();
            assert_eq!(
                records[0].fields,
                ["id", "status", "input", "expected_output", "metadata", "source_trace_id", "created_at"]
            );
            assert_eq!(records[1].fields[2], "\"42\"", "a string that looks like a number keeps its quotes");
            assert_eq!(records[7].fields[1], "archived");
        }
        let copy = s.dataset(&format!("copy-{format}")).await;
        let (status, body) =
            import(&s, &format!("/api/v1/datasets/{copy}/items/import"), content_type, &exported).await;
        assert_eq!((status, body["imported"].clone()), (201, json!(7)), "{format}: {body}");
        assert_eq!(content(&items(&s, copy).await), original, "{format} round trip");
    }
    assert_eq!(read(s.get("/api/v1/datasets/999/items/export").await).await.0, 404);
    assert_eq!(read(s.get(&format!("/api/v1/datasets/{d}/items/export?format=xml")).await).await.0, 422);
}

#[tokio::test]
async fn run_export_has_one_row_per_run_item() {
    let s = TestServer::start().await;
    let d = dataset_with(&s, "echo", vec![json!("a"), json!({"b": 1}), json!("42")]).await;
    let evaluators = json!({"evaluators": [{"name": "short", "type": "regex", "pattern": "^.{1,2}$"}]});
    assert_eq!(s.patch(&format!("/api/v1/datasets/{d}"), &evaluators).await.status(), 200);
    let (status, run) =
        read(s.post(&format!("/api/v1/datasets/{d}/runs"), &json!({"name": "r", "repetitions": 2})).await).await;
    assert_eq!(status, 201, "{run}");
    let run_id = run["id"].as_i64().unwrap();
    wait_finished(&s, run_id).await;
    let expected = run_items(&s, run_id).await;
    assert_eq!(expected.len(), 6);

    let res = s.get(&format!("/api/v1/runs/{run_id}/export?format=csv")).await;
    assert_eq!(res.headers()["content-type"], "text/csv; charset=utf-8");
    let records = parse(&res.text().await.unwrap()).unwrap();
    let columns = [
        "id",
        "dataset_item_id",
        "repetition",
        "status",
        "input",
        "expected_output",
        "output",
        "error",
        "trace_id",
        "latency_ms",
        "cost",
        "tokens",
        "scores",
    ];
    assert_eq!(records[0].fields, columns);
    assert_eq!(records.len(), 7);
    for (record, item) in records[1..].iter().zip(&expected) {
        assert_eq!(record.fields[0], item["id"].to_string());
        assert_eq!(record.fields[3], "succeeded");
        assert_eq!(serde_json::from_str::<Value>(&record.fields[6]).unwrap(), item["output"]);
        assert_eq!(record.fields[8], item["trace_id"].to_string());
    }

    let text = s.get(&format!("/api/v1/runs/{run_id}/export?format=jsonl")).await.text().await.unwrap();
    let rows: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(rows.len(), 6);
    for (row, item) in rows.iter().zip(&expected) {
        assert_eq!(row.as_object().unwrap().keys().count(), columns.len());
        for key in &columns[..columns.len() - 1] {
            assert_eq!(row[key], item[key], "{key}");
        }
        let short = if item["output"].to_string().len() <= 4 { 1.0 } else { 0.0 };
        assert_eq!(row["scores"], json!({ "short": short }), "{item}");
    }
    assert_eq!(read(s.get("/api/v1/runs/999/export").await).await.0, 404);
}

#[tokio::test]
async fn duplicate_copies_items_but_not_runs() {
    let s = TestServer::start().await;
    let d = dataset_with(&s, "echo", vec![json!("a"), json!({"b": 1})]).await;
    let first = items(&s, d).await[0]["id"].as_i64().unwrap();
    s.patch(&format!("/api/v1/datasets/{d}/items/{first}"), &json!({"status": "archived", "metadata": {"m": 1}})).await;
    let (_, run) = read(s.post(&format!("/api/v1/datasets/{d}/runs"), &json!({})).await).await;
    wait_finished(&s, run["id"].as_i64().unwrap()).await;

    let (status, copy) = read(s.post_raw(&format!("/api/v1/datasets/{d}/duplicate"), "").await).await;
    assert_eq!(status, 201, "{copy}");
    assert_eq!(copy["name"], "ds-echo (copy)");
    assert_eq!((copy["items_count"].clone(), copy["active_items_count"].clone()), (json!(2), json!(1)));
    assert_eq!(copy["runs_count"], 0);
    assert_eq!(copy["agent_class"], "echo");
    let copied = items(&s, copy["id"].as_i64().unwrap()).await;
    assert_eq!(content(&copied), content(&items(&s, d).await));
    assert_eq!(copied[0]["status"], "archived");

    let (_, second) = read(s.post(&format!("/api/v1/datasets/{d}/duplicate"), &json!({})).await).await;
    assert_eq!(second["name"], "ds-echo (copy 2)");
    let (status, named) =
        read(s.post(&format!("/api/v1/datasets/{d}/duplicate"), &json!({"name": "mine"})).await).await;
    assert_eq!((status, named["name"].clone()), (201, json!("mine")));
    let (status, body) = read(s.post(&format!("/api/v1/datasets/{d}/duplicate"), &json!({"name": "mine"})).await).await;
    assert_eq!((status, body["error"]["fields"]["name"][0].clone()), (422, json!("has already been taken")));
    assert_eq!(read(s.post("/api/v1/datasets/999/duplicate", &json!({})).await).await.0, 404);
    assert_eq!(s.count("observ_datasets").await, 4);
}

#[tokio::test]
async fn traces_become_items_alone_or_in_bulk() {
    let s = TestServer::start().await;
    let source = dataset_with(&s, "echo", vec![json!({"q": "one"}), json!("two")]).await;
    let (_, run) = read(s.post(&format!("/api/v1/datasets/{source}/runs"), &json!({})).await).await;
    let run_id = run["id"].as_i64().unwrap();
    wait_finished(&s, run_id).await;
    let traces: Vec<i64> = run_items(&s, run_id).await.iter().map(|i| i["trace_id"].as_i64().unwrap()).collect();
    let target = s.dataset("from traces").await;
    let html = s.get(&format!("/traces/{}", traces[0])).await.text().await.unwrap();
    // The form itself is fetched with its code when the button is pressed (a browser test fills it in).
    assert!(
        html.contains("id=\"add-to-dataset\"") && html.contains("Add this trace to a dataset"),
        "trace page has the form's button"
    );
    let html = s.get("/traces").await.text().await.unwrap();
    assert!(html.contains("Add 0 selected to dataset") && html.contains("type=\"checkbox\""), "traces list");

    let path = format!("/api/v1/traces/{}/add-to-dataset", traces[0]);
    let (status, item) = read(s.post(&path, &json!({ "dataset_id": target })).await).await;
    assert_eq!(status, 201, "{item}");
    assert_eq!((item["input"].clone(), item["expected_output"].clone()), (json!({"q": "one"}), json!({"q": "one"})));
    assert_eq!(item["source_trace_id"], traces[0]);
    let (_, item) = read(s.post(&path, &json!({"dataset_id": target, "expected_output": "fixed"})).await).await;
    assert_eq!(item["expected_output"], "fixed");

    let (status, body) =
        read(s.post("/api/v1/traces/add-to-dataset", &json!({"dataset_id": target, "trace_ids": traces})).await).await;
    assert_eq!((status, body["created"].clone()), (201, json!(2)), "{body}");
    let all = items(&s, target).await;
    assert_eq!(all.len(), 4);
    assert_eq!((all[3]["input"].clone(), all[3]["expected_output"].clone()), (json!("two"), json!("two")));
    assert_eq!(all[3]["source_trace_id"], traces[1]);

    // All or nothing: one unknown trace and no item is added.
    let (status, _) = read(
        s.post("/api/v1/traces/add-to-dataset", &json!({"dataset_id": target, "trace_ids": [traces[0], 999]})).await,
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(items(&s, target).await.len(), 4);
    assert_eq!(read(s.post(&path, &json!({"dataset_id": 999})).await).await.0, 404);
    assert_eq!(read(s.post(&path, &json!({})).await).await.0, 422);
    // A trace without input can't become an item.
    observ::server::db::exec::query("UPDATE observ_traces SET input = NULL WHERE id = ?")
        .bind(traces[1])
        .execute(s.db.write_pool_for_tests())
        .await
        .unwrap();
    let path = format!("/api/v1/traces/{}/add-to-dataset", traces[1]);
    let (status, body) = read(s.post(&path, &json!({ "dataset_id": target })).await).await;
    assert_eq!(status, 422, "{body}");
    assert!(body["error"]["fields"]["trace"][0].as_str().unwrap().contains("has no input"));
}
