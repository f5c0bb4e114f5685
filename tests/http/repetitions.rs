//! Repetitions that mean something: pass@k, pass^k, each score's spread and
//! the flaky items of a run, its flaky count among the run's aggregates, and
//! compare pairing items over all their repetitions (and counting every attempt's
//! cost, tokens, latency and failure).

use crate::runs::{record_call, wait_finished};
use crate::server::{read, TestServer};
use observ::server::agents::{Agent, AgentContext, AgentError, AgentFuture, AgentRegistry};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Answers `steady` right every time, `flaky` right only the first time it is
/// asked, and `broken` wrong every time.
#[derive(Default)]
struct Wavering {
    asked: Mutex<HashMap<String, usize>>,
}

impl Agent for Wavering {
    fn kind(&self) -> &'static str {
        "builtin"
    }
    fn description(&self) -> String {
        "right, right once, or wrong".into()
    }
    fn run<'a>(&'a self, input: &'a Value, _cx: &'a AgentContext) -> AgentFuture<'a> {
        Box::pin(async move {
            let text = input.as_str().unwrap_or_default().to_string();
            let times = {
                let mut asked = self.asked.lock().unwrap();
                let n = asked.entry(text.clone()).or_default();
                *n += 1;
                *n
            };
            let right = text.starts_with("steady") || (text == "flaky" && times == 1);
            Ok(if right { json!(text) } else { json!("something else") })
        })
    }
}

/// The compare page's opened row (`compare_texts`): an item's whole texts and attempts.
async fn opened_row(s: &TestServer, d: i64, runs: &str, item: i64) -> Value {
    let form = [("dataset_id", d.to_string()), ("runs", runs.to_string()), ("item_id", item.to_string())];
    let res = s.client.post(s.url(&crate::auth::server_fn_path("compare_texts"))).form(&form).send().await.unwrap();
    let (status, text) = (res.status().as_u16(), res.text().await.unwrap());
    assert_eq!(status, 200, "{text}");
    serde_json::from_str(&text).unwrap()
}

async fn run(s: &TestServer, d: i64, name: &str) -> i64 {
    let body = json!({"name": name, "repetitions": 3, "concurrency": 1});
    let (status, run) = read(s.post(&format!("/api/v1/datasets/{d}/runs"), &body).await).await;
    assert_eq!(status, 201, "{run}");
    let id = run["id"].as_i64().unwrap();
    wait_finished(s, id).await;
    id
}

#[tokio::test]
async fn repetitions_give_pass_at_k_pass_all_k_and_the_flaky_items() {
    let mut agents = AgentRegistry::builtin();
    agents.register("wavering", Arc::new(Wavering::default()));
    let s = TestServer::start_with(agents).await;
    let body =
        json!({"name": "reps", "agent_class": "wavering", "evaluators": [{"name": "exact", "type": "exact_match"}]});
    let d = read(s.post("/api/v1/datasets", &body).await).await.1["id"].as_i64().unwrap();
    let mut ids = HashMap::new();
    for input in ["steady 1", "flaky", "broken", "steady 2"] {
        let item = json!({"input": input, "expected_output": input});
        ids.insert(
            input,
            read(s.post(&format!("/api/v1/datasets/{d}/items"), &item).await).await.1["id"].as_i64().unwrap(),
        );
    }
    let first = run(&s, d, "first").await;

    let (status, r) = read(s.get(&format!("/api/v1/runs/{first}/repetitions")).await).await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(
        (r["repetitions"].clone(), r["items"].clone(), r["flaky_items"].clone()),
        (json!(3), json!(4), json!(1))
    );
    // Some attempt passed for 3 of 4 items; every attempt for 2 of 4.
    assert_eq!((r["pass_at_k"].clone(), r["pass_all_k"].clone()), (json!(0.75), json!(0.5)));
    // pass@1: (1 + 1/3 + 0 + 1) / 4.
    assert!((r["pass_at_1"].as_f64().unwrap() - (7.0 / 3.0) / 4.0).abs() < 1e-9, "{r}");
    let flaky = &r["item_results"][0];
    assert_eq!(flaky["dataset_item_id"], ids["flaky"], "flaky items come first: {r}");
    assert_eq!(
        (flaky["k"].clone(), flaky["passes"].clone(), flaky["flaky"].clone()),
        (json!(3), json!(1), json!(true))
    );
    assert_eq!((flaky["pass_at_k"].clone(), flaky["pass_all_k"].clone()), (json!(true), json!(false)));
    let exact = &flaky["scores"][0];
    assert_eq!(
        (exact["name"].clone(), exact["n"].clone(), exact["passes"].clone()),
        (json!("exact"), json!(3), json!(1))
    );
    assert_eq!((exact["min"].clone(), exact["max"].clone()), (json!(0.0), json!(1.0)));
    assert!((exact["stddev"].as_f64().unwrap() - (1.0f64 / 3.0).sqrt()).abs() < 1e-9, "{exact}");
    let score = &r["scores"][0];
    assert_eq!(
        (score["pass_at_k"].clone(), score["pass_all_k"].clone(), score["flaky_items"].clone()),
        (json!(0.75), json!(0.5), json!(1))
    );
    // The run's aggregates count them.
    assert_eq!(read(s.get(&format!("/api/v1/runs/{first}")).await).await.1["flaky_items"], 1);

    // Compare pairs items over all three attempts: the flaky item's exact is a 1/3 pass rate
    // in the first run, 0 in the second (it no longer gets it right), and it does not count
    // as newly failing, since it passed in fewer than half its attempts.
    let second = run(&s, d, "second").await;
    assert_eq!(read(s.get(&format!("/api/v1/runs/{second}")).await).await.1["flaky_items"], 0);
    let (status, cmp) = read(s.get(&format!("/api/v1/datasets/{d}/compare?runs={first},{second}")).await).await;
    assert_eq!(status, 200, "{cmp}");
    assert_eq!(cmp["boolean_scores"], json!(["exact"]));
    let row = cmp["items"].as_array().unwrap().iter().find(|i| i["dataset_item_id"] == ids["flaky"]).unwrap();
    let (a, b) = (&row["results"][0], &row["results"][1]);
    assert_eq!((a["repetitions"].clone(), b["repetitions"].clone()), (json!(3), json!(3)));
    assert!((a["scores"]["exact"].as_f64().unwrap() - 1.0 / 3.0).abs() < 1e-9 && b["scores"]["exact"] == 0.0, "{row}");
    assert_eq!(a["output"], "flaky", "outputs are the first attempt's");
    let c = &cmp["comparisons"][0];
    assert_eq!((c["n"].clone(), c["newly_failing"].clone()), (json!(4), json!([])), "{c}");
    assert!((c["mean_delta"].as_f64().unwrap() + (1.0 / 3.0) / 4.0).abs() < 1e-9, "{c}");
    assert_eq!(c["mcnemar_p"], 1.0);

    // The opened row lists each attempt: the flaky item was right only the first time.
    let texts = opened_row(&s, d, &format!("{first},{second}"), ids["flaky"]).await;
    let attempts = texts["attempts"][0].as_array().unwrap();
    let seen: Vec<(Value, Value, Value)> =
        attempts.iter().map(|a| (a["repetition"].clone(), a["output"].clone(), a["scores"]["exact"].clone())).collect();
    assert_eq!(
        seen,
        [
            (json!(0), json!("flaky"), json!(1.0)),
            (json!(1), json!("something else"), json!(0.0)),
            (json!(2), json!("something else"), json!(0.0))
        ]
    );
    assert!(attempts.iter().all(|a| a["status"] == "succeeded" && a["trace_id"].is_i64()), "{texts}");
    assert_eq!(texts["attempts"][1].as_array().map(Vec::len), Some(3));
    assert_eq!(texts["outputs"], json!(["flaky", "something else"]));

    // A run of one repetition has no flaky count; the report still answers.
    let (_, single) = read(s.post(&format!("/api/v1/datasets/{d}/runs"), &json!({"name": "single"})).await).await;
    let single = wait_finished(&s, single["id"].as_i64().unwrap()).await;
    // Its column in an opened row has no attempts to list.
    let texts = opened_row(&s, d, &format!("{first},{}", single["id"]), ids["steady 1"]).await;
    assert_eq!((texts["attempts"][0].as_array().map(Vec::len), texts["attempts"][1].clone()), (Some(3), json!([])));
    assert_eq!(single["flaky_items"], Value::Null);
    let (status, r) = read(s.get(&format!("/api/v1/runs/{}/repetitions", single["id"])).await).await;
    assert_eq!((status, r["flaky_items"].clone(), r["repetitions"].clone()), (200, json!(0), json!(1)));
    assert_eq!(read(s.get("/api/v1/runs/999/repetitions").await).await.0, 404);
}

/// Records one model call per attempt (15 tokens, $0.001) and fails its second attempt at each input.
#[derive(Default)]
struct Stumbling {
    asked: Mutex<HashMap<String, usize>>,
}

impl Agent for Stumbling {
    fn kind(&self) -> &'static str {
        "builtin"
    }
    fn description(&self) -> String {
        "fails every second attempt".into()
    }
    fn run<'a>(&'a self, input: &'a Value, cx: &'a AgentContext) -> AgentFuture<'a> {
        Box::pin(async move {
            let times = {
                let mut asked = self.asked.lock().unwrap();
                let n = asked.entry(input.to_string()).or_default();
                *n += 1;
                *n
            };
            record_call(cx, input, json!("ok"));
            if times == 2 {
                return Err(AgentError::Failed("second attempt".into()));
            }
            Ok(input.clone())
        })
    }
}

#[tokio::test]
async fn compare_counts_every_attempt_in_costs_latency_and_failures() {
    let mut agents = AgentRegistry::builtin();
    agents.register("stumbling", Arc::new(Stumbling::default()));
    let s = TestServer::start_with(agents).await;
    let d = read(s.post("/api/v1/datasets", &json!({"name": "stumbles", "agent_class": "stumbling"})).await).await.1
        ["id"]
        .as_i64()
        .unwrap();
    let item = read(s.post(&format!("/api/v1/datasets/{d}/items"), &json!({"input": "q"})).await).await.1["id"].clone();
    let repeated = run(&s, d, "three attempts").await;
    let (_, once) = read(s.post(&format!("/api/v1/datasets/{d}/runs"), &json!({"name": "one attempt"})).await).await;
    let once = wait_finished(&s, once["id"].as_i64().unwrap()).await["id"].as_i64().unwrap();

    let (status, cmp) = read(s.get(&format!("/api/v1/datasets/{d}/compare?runs={repeated},{once}")).await).await;
    assert_eq!(status, 200, "{cmp}");
    let row = &cmp["items"][0];
    assert_eq!(row["dataset_item_id"], item);
    let (three, one) = (&row["results"][0], &row["results"][1]);
    assert_eq!(
        (three["repetitions"].clone(), three["failed_repetitions"].clone(), three["status"].clone()),
        (json!(3), json!(1), json!("succeeded")),
        "the first attempt's status, and one of three failed: {three}"
    );
    assert_eq!((three["tokens"].clone(), one["tokens"].clone()), (json!(45), json!(15)), "tokens of every attempt");
    assert!((three["cost"].as_f64().unwrap() - 0.003).abs() < 1e-12, "cost of every attempt: {three}");
    // The mean latency lies within the attempts' own.
    let (_, items) = read(s.get(&format!("/api/v1/runs/{repeated}/items?limit=10")).await).await;
    let latencies: Vec<i64> =
        items["data"].as_array().unwrap().iter().filter_map(|i| i["latency_ms"].as_i64()).collect();
    assert_eq!(latencies.len(), 3, "{items}");
    let mean = three["latency_ms"].as_i64().unwrap();
    assert!(latencies.iter().min() <= Some(&mean) && Some(&mean) <= latencies.iter().max(), "{mean} in {latencies:?}");
    assert_eq!(one["failed_repetitions"], 0);
}
