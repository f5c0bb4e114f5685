//! Evaluators score runs as items finish and again on demand; scores can be
//! posted by people and scripts; the run carries their aggregates.

use crate::mock_llm::{MockConfig, MockLlm};
use crate::runs::{run_items, wait_finished};
use crate::server::{read, TestServer};
use observ::server::config::agents_from_toml;
use serde_json::{json, Value};

async fn judge_server() -> (TestServer, MockLlm) {
    let mock = MockLlm::start(MockConfig {
        replies: vec![
            ("Output:\nfr".into(), "{\"score\": 0.9, \"reasoning\": \"The language code is right.\"}".into()),
            ("Output:\nes".into(), "```json\n{\"score\": 0.1, \"reasoning\": \"Wrong language.\"}\n```".into()),
        ],
        default_reply: "I would rather not grade this.".into(),
        ..Default::default()
    })
    .await;
    let config = format!(
        "[agents.judge]\nkind = \"openai\"\nbase_url = \"{}\"\nmodel = \"judge-1\"\nmax_retries = 0\n",
        mock.base_url
    );
    (TestServer::start_with(agents_from_toml(&config).unwrap()).await, mock)
}

fn score<'a>(item: &'a Value, name: &str) -> Option<&'a Value> {
    item["scores"].as_array().unwrap().iter().find(|s| s["name"] == name)
}

fn summary<'a>(run: &'a Value, name: &str) -> &'a Value {
    run["scores_summary"].as_array().unwrap().iter().find(|s| s["name"] == name).unwrap_or_else(|| panic!("{run}"))
}

#[tokio::test]
async fn evaluators_score_items_as_they_finish_and_the_run_aggregates_them() {
    let (s, _mock) = judge_server().await;
    let evaluators = json!([
        {"name": "exact", "type": "exact_match"},
        {"name": "mentions", "type": "contains", "keywords": ["f", "r"], "mode": "all"},
        {"name": "judge", "type": "llm_judge", "agent": "judge", "rubric": "Is it the right ISO code?", "threshold": 0.5}
    ]);
    let (status, d) = read(
        s.post("/api/v1/datasets", &json!({"name": "langs", "agent_class": "echo", "evaluators": evaluators})).await,
    )
    .await;
    assert_eq!(status, 201, "{d}");
    assert_eq!(d["evaluators"][0], json!({"name": "exact", "type": "exact_match", "case_insensitive": false}));
    let id = d["id"].as_i64().unwrap();
    let items = json!({"items": [
        {"input": "fr", "expected_output": "fr"},
        {"input": "es", "expected_output": "fr"},
        {"input": "unknown"}
    ]});
    assert_eq!(s.post(&format!("/api/v1/datasets/{id}/items"), &items).await.status(), 201);
    let (_, run) = read(s.post(&format!("/api/v1/datasets/{id}/runs"), &json!({"name": "r1"})).await).await;
    let run_id = run["id"].as_i64().unwrap();
    let run = wait_finished(&s, run_id).await;
    let items = run_items(&s, run_id).await;
    let by_input = |input: &str| items.iter().find(|i| i["input"] == input).unwrap().clone();

    let fr = by_input("fr");
    assert_eq!(
        (score(&fr, "exact").unwrap()["value"].clone(), score(&fr, "exact").unwrap()["passed"].clone()),
        (json!(1.0), json!(true))
    );
    assert_eq!(score(&fr, "exact").unwrap()["data_type"], "boolean");
    assert_eq!(score(&fr, "exact").unwrap()["source"], "programmatic");
    let judged = score(&fr, "judge").unwrap();
    assert_eq!((judged["value"].clone(), judged["source"].clone()), (json!(0.9), json!("llm_judge")));
    assert_eq!(judged["comment"], "The language code is right.");

    let es = by_input("es");
    assert_eq!(score(&es, "exact").unwrap()["value"], 0.0);
    assert_eq!(score(&es, "exact").unwrap()["comment"], "expected `fr`, got `es`");
    assert_eq!(score(&es, "mentions").unwrap()["value"], 0.0);
    assert_eq!(score(&es, "judge").unwrap()["value"], 0.1);

    // No expected output: exact does not apply (contains has its own keywords); the judge
    // answers garbage → an error, no value.
    let unknown = by_input("unknown");
    assert!(score(&unknown, "exact").is_none(), "{unknown}");
    assert_eq!(score(&unknown, "mentions").unwrap()["comment"], "found 0 of 2; missing: f, r");
    let garbage = score(&unknown, "judge").unwrap();
    assert_eq!(garbage["value"], Value::Null);
    assert!(garbage["error"].as_str().unwrap().starts_with("the judge's reply is not JSON"), "{garbage}");

    let exact = summary(&run, "exact");
    assert_eq!(
        (exact["count"].clone(), exact["mean"].clone(), exact["pass_rate"].clone()),
        (json!(2), json!(0.5), json!(0.5))
    );
    let judge = summary(&run, "judge");
    assert_eq!((judge["count"].clone(), judge["errors"].clone()), (json!(2), json!(1)));
    assert!((judge["mean"].as_f64().unwrap() - 0.5).abs() < 1e-9);
    assert_eq!(run["success_rate"], 1.0);

    // Manual review: a person marks an item; re-marking replaces it.
    let es_id = es["id"].as_i64().unwrap();
    for (value, comment) in [(true, "first look"), (false, "actually wrong")] {
        let body = json!({"run_item_id": es_id, "name": "correct", "value": value, "comment": comment});
        let (status, manual) = read(s.post("/api/v1/scores", &body).await).await;
        assert_eq!(status, 201, "{manual}");
        assert_eq!((manual["data_type"].clone(), manual["source"].clone()), (json!("boolean"), json!("manual")));
    }
    assert_eq!(s.count("observ_scores WHERE source = 'manual'").await, 1);

    // New evaluators, then evaluate again: evaluator scores replaced, the manual one kept.
    let patch = json!({"evaluators": [{"name": "close", "type": "levenshtein", "threshold": 0.9}]});
    let (status, d) = read(s.patch(&format!("/api/v1/datasets/{id}"), &patch).await).await;
    assert_eq!(status, 200, "{d}");
    let (status, report) = read(s.post(&format!("/api/v1/runs/{run_id}/evaluate"), &json!({})).await).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(
        (report["evaluated"].clone(), report["scores"].clone(), report["errors"].clone()),
        (json!(3), json!(2), json!(0))
    );
    let names: Vec<String> = report["run"]["scores_summary"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, ["close", "correct"]);
    let es = run_items(&s, run_id).await.into_iter().find(|i| i["input"] == "es").unwrap();
    assert_eq!(score(&es, "close").unwrap()["value"], 0.0);
    assert_eq!(score(&es, "correct").unwrap()["comment"], "actually wrong");
}

#[tokio::test]
async fn bad_evaluators_and_scores_are_named_and_write_nothing() {
    let (s, _mock) = judge_server().await;
    let id = s.dataset("plain").await;
    let bad = json!({"evaluators": [
        {"name": "re", "type": "regex", "pattern": "(unclosed"},
        {"name": "j", "type": "llm_judge", "agent": "echo", "rubric": "x"},
        {"name": "n", "type": "numeric", "abs_tolerance": -1}
    ]});
    let (status, body) = read(s.patch(&format!("/api/v1/datasets/{id}"), &bad).await).await;
    assert_eq!(status, 422, "{body}");
    let fields = &body["error"]["fields"];
    assert!(fields["evaluators[0].pattern"].is_array(), "{body}");
    assert!(fields["evaluators[0].pattern"][0].as_str().unwrap().starts_with("is not a valid regular expression"));
    assert_eq!(fields["evaluators[1].agent"][0], "must name an openai agent (judge), got `echo`");
    assert_eq!(fields["evaluators[2].abs_tolerance"][0], "must be a number ≥ 0");
    let (_, d) = read(s.get(&format!("/api/v1/datasets/{id}")).await).await;
    assert_eq!(d["evaluators"], json!([]), "nothing written");

    // Evaluating a run of a dataset without evaluators says why.
    let item = json!({"input": "x"});
    assert_eq!(s.post(&format!("/api/v1/datasets/{id}/items"), &item).await.status(), 201);
    let (_, run) = read(s.post(&format!("/api/v1/datasets/{id}/runs"), &json!({})).await).await;
    let run_id = run["id"].as_i64().unwrap();
    wait_finished(&s, run_id).await;
    let (status, body) = read(s.post(&format!("/api/v1/runs/{run_id}/evaluate"), &json!({})).await).await;
    assert_eq!(status, 422);
    assert!(body["error"]["fields"]["evaluators"][0].as_str().unwrap().starts_with("the dataset has none"));
    assert_eq!(read(s.post("/api/v1/runs/999/evaluate", &json!({})).await).await.0, 404);

    let cases = [
        (json!({"name": "x", "value": 1}), "run_item_id", "one of run_item_id"),
        (json!({"run_item_id": 1, "trace_id": 1, "name": "x", "value": 1}), "trace_id", "give only one"),
        (json!({"run_item_id": 999, "name": "x", "value": 1}), "run_item_id", "no run item 999"),
        (json!({"trace_id": 1, "name": "", "value": 1}), "name", "can't be blank"),
        (json!({"trace_id": 1, "name": "x", "value": "high"}), "value", "must be a number"),
        (json!({"trace_id": 1, "name": "x", "value": 0.5, "data_type": "boolean"}), "value", "must be true/false"),
        (json!({"trace_id": 1, "name": "x", "value": 1, "source": "robot"}), "source", "must be"),
        (json!({"trace_id": 1, "name": "x", "value": 1, "colour": "red"}), "colour", "is not a known field"),
    ];
    for (body, field, message) in cases {
        let (status, answer) = read(s.post("/api/v1/scores", &body).await).await;
        assert_eq!(status, 422, "{body} → {answer}");
        let got = answer["error"]["fields"][field][0].as_str().unwrap_or_default().to_string();
        assert!(got.contains(message), "{body}: {field} → {answer}");
    }
    assert_eq!(s.count("observ_scores").await, 0);

    // A script scores a trace with a category.
    let (_, traces) = read(s.get(&format!("/api/v1/traces?run_id={run_id}")).await).await;
    let trace_id = traces["data"][0]["id"].as_i64().unwrap();
    let body = json!({"trace_id": trace_id, "name": "tone", "string_value": "polite", "source": "programmatic"});
    let (status, scored) = read(s.post("/api/v1/scores", &body).await).await;
    assert_eq!(status, 201, "{scored}");
    assert_eq!((scored["data_type"].clone(), scored["trace_id"].clone()), (json!("categorical"), json!(trace_id)));
}

#[tokio::test]
async fn judge_calibration_compares_the_judge_with_manual_labels() {
    let s = TestServer::start().await;
    let (_, d) = read(s.post("/api/v1/datasets", &json!({"name": "calib", "agent_class": "echo"})).await).await;
    let id = d["id"].as_i64().unwrap();
    let inputs: Vec<Value> = (0..12).map(|n| json!({"input": format!("q{n}")})).collect();
    assert_eq!(s.post(&format!("/api/v1/datasets/{id}/items"), &json!({"items": inputs})).await.status(), 201);
    let (_, run) = read(s.post(&format!("/api/v1/datasets/{id}/runs"), &json!({"name": "r"})).await).await;
    let run_id = run["id"].as_i64().unwrap();
    wait_finished(&s, run_id).await;
    let items = run_items(&s, run_id).await;
    // Nothing labelled yet: the judge has no pairs.
    let (status, empty) = read(s.get(&format!("/api/v1/runs/{run_id}/calibration")).await).await;
    assert_eq!((status, empty["labelled"].clone(), empty["judges"].clone()), (200, json!(0), json!([])));
    // 10 items labelled by a person, 12 judged: 4 both pass, 3 both fail, 2 false passes, 1 false fail.
    let plan = [(true, 0.9), (true, 0.8), (true, 0.7), (true, 0.6), (false, 0.1), (false, 0.2), (false, 0.3)]
        .into_iter()
        .chain([(false, 0.9), (false, 0.6), (true, 0.2)]);
    for (item, (human, judge)) in items.iter().zip(plan) {
        let run_item_id = item["id"].as_i64().unwrap();
        let label = json!({"run_item_id": run_item_id, "name": "correct", "value": human});
        assert_eq!(s.post("/api/v1/scores", &label).await.status(), 201);
        let judged = json!({"run_item_id": run_item_id, "name": "judge", "value": judge, "source": "llm_judge"});
        let (status, body) = read(s.post("/api/v1/scores", &judged).await).await;
        assert_eq!(status, 201, "{body}");
    }
    for item in &items[10..] {
        let judged = json!({"run_item_id": item["id"], "name": "judge", "value": 1.0, "source": "llm_judge"});
        assert_eq!(s.post("/api/v1/scores", &judged).await.status(), 201);
    }
    let (_, c) = read(s.get(&format!("/api/v1/runs/{run_id}/calibration")).await).await;
    assert_eq!(c["labelled"], 10);
    let j = &c["judges"][0];
    assert_eq!(j["judge"], "judge");
    let counts =
        ["n", "both_pass", "both_fail", "judge_pass_human_fail", "judge_fail_human_pass"].map(|k| j[k].clone());
    assert_eq!(counts, [json!(10), json!(4), json!(3), json!(2), json!(1)]);
    assert!((j["accuracy"].as_f64().unwrap() - 0.7).abs() < 1e-9);
    // p_e = 0.5 × 0.6 + 0.5 × 0.4 = 0.5 (people pass 5 of 10, the judge 6): κ = (0.7 − 0.5) / 0.5.
    assert!((j["kappa"].as_f64().unwrap() - 0.4).abs() < 1e-9, "{j}");
    assert_eq!(read(s.get("/api/v1/runs/999/calibration").await).await.0, 404);
}
