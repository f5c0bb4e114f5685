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

#[tokio::test]
async fn comparisons_pair_items_and_name_the_newly_failing() {
    let s = TestServer::start().await;
    let body =
        json!({"name": "stats", "agent_class": "echo", "evaluators": [{"name": "exact", "type": "exact_match"}]});
    let (_, d) = read(s.post("/api/v1/datasets", &body).await).await;
    let d = d["id"].as_i64().unwrap();
    let mut ids = Vec::new();
    for n in 0..12 {
        let item = json!({"input": format!("q{n}"), "expected_output": format!("q{n}")});
        let (_, item) = read(s.post(&format!("/api/v1/datasets/{d}/items"), &item).await).await;
        ids.push(item["id"].as_i64().unwrap());
    }
    let base = run(&s, d, "base").await;
    // Items that now expect something else: the next runs fail them.
    let break_items = |from: usize, to: usize| {
        let (s, ids) = (&s, &ids);
        async move {
            for id in &ids[from..to] {
                let path = format!("/api/v1/datasets/{d}/items/{id}");
                assert_eq!(s.patch(&path, &json!({"expected_output": "other"})).await.status(), 200);
            }
        }
    };
    break_items(0, 3).await;
    let three = run(&s, d, "three fail").await;
    break_items(3, 6).await;
    let six = run(&s, d, "six fail").await;

    let (status, body) = read(s.get(&format!("/api/v1/datasets/{d}/compare?runs={base},{three},{six}")).await).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["baseline_run_id"], base);
    assert_eq!(body["comparisons"].as_array().unwrap().len(), 2, "one per non-baseline run and score");
    // 3 of 12 newly failing: a resample without them is too likely (3 %) to call it.
    let c = &body["comparisons"][0];
    assert_eq!((c["run_id"].clone(), c["score"].clone(), c["n"].clone()), (json!(three), json!("exact"), json!(12)));
    assert_eq!(c["mean_delta"], -0.25);
    assert_eq!(c["verdict"], "no_detectable_difference", "{c}");
    assert_eq!(c["newly_failing"], json!(ids[..3]));
    assert!((c["mcnemar_p"].as_f64().unwrap() - 0.25).abs() < 1e-9, "{c}");
    // 6 of 12: the interval is below zero.
    let c = &body["comparisons"][1];
    assert_eq!((c["run_id"].clone(), c["mean_delta"].clone()), (json!(six), json!(-0.5)));
    assert!(c["ci_high"].as_f64().unwrap() < 0.0, "{c}");
    assert_eq!(c["verdict"], "worse");
    assert_eq!(c["newly_failing"], json!(ids[..6]));
    assert_eq!(c["newly_passing"], json!([]));
    assert!((c["mcnemar_p"].as_f64().unwrap() - 0.03125).abs() < 1e-9, "{c}");

    // `baseline=` turns it round.
    let (_, turned) =
        read(s.get(&format!("/api/v1/datasets/{d}/compare?runs={base},{six}&baseline={six}")).await).await;
    let c = &turned["comparisons"][0];
    assert_eq!((c["run_id"].clone(), c["verdict"].clone()), (json!(base), json!("better")));
    assert_eq!(c["newly_passing"], json!(ids[..6]));
    let (status, error) =
        read(s.get(&format!("/api/v1/datasets/{d}/compare?runs={base},{six}&baseline=999")).await).await;
    assert_eq!(status, 422);
    assert!(error["error"]["fields"]["baseline"].is_array());
}

#[tokio::test]
async fn a_marked_baseline_and_the_gate_passing_and_failing() {
    let s = TestServer::start().await;
    let body = json!({"name": "gate", "agent_class": "echo", "evaluators": [{"name": "exact", "type": "exact_match"}]});
    let (_, d) = read(s.post("/api/v1/datasets", &body).await).await;
    let d = d["id"].as_i64().unwrap();
    let mut ids = Vec::new();
    for n in 0..12 {
        let item = json!({"input": format!("q{n}"), "expected_output": format!("q{n}")});
        ids.push(read(s.post(&format!("/api/v1/datasets/{d}/items"), &item).await).await.1["id"].as_i64().unwrap());
    }
    let base = run(&s, d, "base").await;
    let same = run(&s, d, "same").await;
    let gate = |body: Value| {
        let s = &s;
        async move { read(s.post(&format!("/api/v1/datasets/{d}/gate"), &body).await).await }
    };
    // No baseline yet: the gate says how to get one.
    let (status, error) = gate(json!({"run_id": same})).await;
    assert_eq!(status, 422);
    assert!(error["error"]["fields"]["baseline_run_id"][0].as_str().unwrap().contains("/baseline"), "{error}");
    let (status, dataset) = read(s.post(&format!("/api/v1/runs/{base}/baseline"), &json!({})).await).await;
    assert_eq!((status, dataset["baseline_run_id"].clone()), (200, json!(base)));
    assert_eq!(read(s.get(&format!("/api/v1/datasets/{d}")).await).await.1["baseline_run_id"], base);

    let (status, held) =
        gate(json!({"run_id": same, "conditions": {"min": {"exact": 0.9}, "max_newly_failing": 0}})).await;
    assert_eq!(status, 200, "{held}");
    assert_eq!((held["passed"].clone(), held["failures"].clone()), (json!(true), json!([])));
    assert_eq!(held["comparisons"][0]["verdict"], "no_detectable_difference");

    // Six items break: the mean drops, six newly fail, the verdict is worse.
    for id in &ids[..6] {
        s.patch(&format!("/api/v1/datasets/{d}/items/{id}"), &json!({"expected_output": "other"})).await;
    }
    let broken = run(&s, d, "broken").await;
    let (status, failed) =
        gate(json!({"run_id": broken, "conditions": {"min": {"exact": 0.9}, "max_newly_failing": 0}})).await;
    assert_eq!(status, 200);
    assert_eq!(failed["passed"], false);
    let failures: Vec<&str> = failed["failures"].as_array().unwrap().iter().map(|f| f.as_str().unwrap()).collect();
    assert_eq!(failures.len(), 3, "{failures:?}");
    assert!(failures[0].starts_with("exact: mean 0.500 is below the minimum 0.900"));
    assert!(failures[1].starts_with("6 items newly fail") && failures[1].contains(&format!("#{}", ids[0])));
    assert!(failures[2].starts_with("exact: worse than the baseline"));
    // An explicit baseline wins; bad input is named.
    let (_, explicit) = gate(json!({"run_id": broken, "baseline_run_id": broken})).await;
    assert!(explicit["error"]["fields"]["baseline_run_id"].is_array());
    let (status, bad) = gate(json!({"run_id": broken, "conditions": {"min": "high"}})).await;
    assert_eq!(status, 422);
    assert!(bad["error"]["fields"]["conditions"].is_array(), "{bad}");
    // Clearing the baseline.
    let (_, cleared) = read(s.delete(&format!("/api/v1/datasets/{d}/baseline")).await).await;
    assert_eq!(cleared["baseline_run_id"], Value::Null);
    // A run of another dataset can't be this one's baseline... it is its own dataset's.
    let (status, _) = read(s.post("/api/v1/runs/999/baseline", &json!({})).await).await;
    assert_eq!(status, 404);
}

/// The compare page's server functions: previews in the payload, the whole texts of one item on demand.
#[tokio::test]
async fn the_page_gets_previews_and_an_items_whole_texts_on_demand() {
    use crate::auth::server_fn_path;
    let s = TestServer::start().await;
    let body = json!({"name": "long", "agent_class": "echo", "evaluators": [{"name": "exact", "type": "exact_match"}]});
    let (_, d) = read(s.post("/api/v1/datasets", &body).await).await;
    let d = d["id"].as_i64().unwrap();
    let long = format!("{}THE-END", "lorem ipsum ".repeat(1_000));
    let (_, item) =
        read(s.post(&format!("/api/v1/datasets/{d}/items"), &json!({"input": long, "expected_output": long})).await)
            .await;
    let item = item["id"].as_i64().unwrap();
    let (first, second) = (run(&s, d, "one").await, run(&s, d, "two").await);
    let runs = format!("{first},{second}");
    let call = |name: &'static str, form: Vec<(&'static str, String)>| {
        let s = &s;
        async move {
            let res = s.client.post(s.url(&server_fn_path(name))).form(&form).send().await.unwrap();
            (res.status().as_u16(), res.text().await.unwrap())
        }
    };

    let (status, page) = call("compare_runs", vec![("dataset_id", d.to_string()), ("runs", runs.clone())]).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("lorem ipsum") && !page.contains("THE-END"), "previews only");
    let (_, rest) = read(s.get(&format!("/api/v1/datasets/{d}/compare?runs={runs}")).await).await;
    assert_eq!(rest["items"][0]["results"][1]["output"], long.as_str(), "the REST payload keeps the whole texts");
    assert!(page.len() * 5 < rest.to_string().len(), "{} vs {} bytes", page.len(), rest.to_string().len());

    let texts = |runs: String, item: i64| {
        call("compare_texts", vec![("dataset_id", d.to_string()), ("runs", runs), ("item_id", item.to_string())])
    };
    let (status, whole) = texts(runs.clone(), item).await;
    assert_eq!(status, 200, "{whole}");
    let whole: Value = serde_json::from_str(&whole).unwrap();
    assert_eq!((whole["dataset_item_id"].clone(), whole["input"].clone()), (json!(item), json!(long)));
    assert_eq!(whole["expected_output"], long.as_str());
    assert_eq!(whole["outputs"], json!([long, long]));
    // Bad input is named.
    for (runs, item, message) in [
        (runs.clone(), 999, "item 999 is in none of the compared runs"),
        (format!("{first}"), item, "pick 2 to 8 different runs"),
        (format!("{first},x"), item, "`x` is not a run id"),
    ] {
        let (status, error) = texts(runs, item).await;
        assert!(status >= 400, "{status}: {error}");
        assert!(error.contains(message), "{error}");
    }
}
