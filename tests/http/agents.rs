//! The configurable agent kinds end to end: `openai` against the mock
//! chat-completions server, `http` against an endpoint on loopback, `command`
//! over real subprocesses — each inside a real run.

use crate::mock_llm::{prompt_tokens, words, MockConfig, MockLlm};
use crate::runs::{dataset_with, run_items, wait_finished};
use crate::server::{read, TestServer};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Json, Router};
use observ::server::config::agents_from_toml;
use serde_json::{json, Value};
use std::time::Duration;

async fn server_from(toml: &str) -> TestServer {
    TestServer::start_with(agents_from_toml(toml).expect("valid config")).await
}

/// Starts a run over `inputs` with `agent` and waits for it; returns the run and its items.
async fn run_over(s: &TestServer, agent: &str, inputs: Vec<Value>) -> (Value, Vec<Value>) {
    let d = dataset_with(s, agent, inputs).await;
    let (status, run) = read(s.post(&format!("/api/v1/datasets/{d}/runs"), &json!({"concurrency": 4})).await).await;
    assert_eq!(status, 201, "{run}");
    let run = wait_finished(s, run["id"].as_i64().unwrap()).await;
    let items = run_items(s, run["id"].as_i64().unwrap()).await;
    (run, items)
}

fn item_for<'a>(items: &'a [Value], text: &str) -> &'a Value {
    items.iter().find(|i| i["input"]["text"] == text).unwrap_or_else(|| panic!("no item for {text}"))
}

#[tokio::test]
async fn openai_agent_records_tokens_and_cost_per_trace_and_run() {
    let mock = MockLlm::start(MockConfig {
        latency_ms: 20,
        answer_model: "mock-gpt-2025-01-01".into(),
        replies: vec![("Bonjour".into(), "fr".into()), ("Hola".into(), "es".into())],
        default_reply: "en".into(),
        fail_on: Some("explode".into()),
        ..Default::default()
    })
    .await;
    std::env::set_var("OBSERV_TEST_OPENAI_KEY", "sk-test-123");
    let s = server_from(&format!(
        r#"
        [prices."mock-gpt"]
        input_per_million = 1000
        output_per_million = 4000

        [agents.gpt]
        kind = "openai"
        base_url = "{}"
        model = "mock-gpt"
        api_key_env = "OBSERV_TEST_OPENAI_KEY"
        system_prompt = "Answer with the ISO code of the language only."
        user_template = "Which language is this: {{{{input.text}}}}"
        temperature = 0.2
        max_tokens = 5
        max_retries = 0
        "#,
        mock.base_url
    ))
    .await;
    let (_, agents) = read(s.get("/api/v1/agents").await).await;
    assert!(agents.as_array().unwrap().iter().any(|a| a["name"] == "gpt" && a["kind"] == "openai"), "{agents}");

    let texts = ["Bonjour tout le monde", "Hola amigos", "Good morning", "please explode now"];
    let (run, items) = run_over(&s, "gpt", texts.iter().map(|t| json!({ "text": t })).collect()).await;
    assert_eq!(run["status"], "completed", "{run}");
    assert_eq!((run["completed_items"].clone(), run["failed_items"].clone()), (json!(3), json!(1)));

    // The request: key, model, messages from the template, sampling settings.
    let requests = mock.requests.lock().unwrap().clone();
    assert_eq!(requests.len(), 4);
    let (headers, body) = requests.iter().find(|(_, b)| b.to_string().contains("Hola")).unwrap();
    assert_eq!(headers["authorization"], "Bearer sk-test-123");
    assert_eq!(body["model"], "mock-gpt");
    assert_eq!(body["temperature"], 0.2);
    assert_eq!(body["max_tokens"], 5);
    assert_eq!(
        body["messages"][0],
        json!({"role": "system", "content": "Answer with the ISO code of the language only."})
    );
    assert_eq!(body["messages"][1], json!({"role": "user", "content": "Which language is this: Hola amigos"}));

    let mut expected_cost = 0.0;
    let mut expected_tokens = 0;
    for (text, reply) in [("Bonjour tout le monde", "fr"), ("Hola amigos", "es"), ("Good morning", "en")] {
        let item = item_for(&items, text);
        assert_eq!(item["status"], "succeeded", "{item}");
        assert_eq!(item["output"], reply);
        let messages = json!([
            {"content": "Answer with the ISO code of the language only."},
            {"content": format!("Which language is this: {text}")}
        ]);
        let (input_tokens, output_tokens) = (prompt_tokens(&messages), words(reply));
        let cost = (input_tokens as f64 * 1000.0 + output_tokens as f64 * 4000.0) / 1e6;
        assert_eq!(item["tokens"], input_tokens + output_tokens, "{item}");
        assert!((item["cost"].as_f64().unwrap() - cost).abs() < 1e-12, "{item} vs {cost}");

        let (_, trace) = read(s.get(&format!("/api/v1/traces/{}", item["trace_id"])).await).await;
        assert_eq!(trace["total_tokens"], input_tokens + output_tokens);
        assert!((trace["total_cost"].as_f64().unwrap() - cost).abs() < 1e-12, "{trace}");
        let generation = &trace["observations"][0];
        assert_eq!(generation["type"], "generation", "{generation}");
        assert_eq!(generation["model"], "mock-gpt-2025-01-01", "the model that answered");
        assert_eq!(generation["usage"]["input_tokens"], input_tokens);
        assert_eq!(generation["usage"]["output_tokens"], output_tokens);
        assert_eq!(generation["output"], reply);
        expected_cost += cost;
        expected_tokens += input_tokens + output_tokens;
    }
    let failed = item_for(&items, "please explode now");
    assert_eq!(failed["status"], "failed");
    assert!(
        failed["error"].as_str().unwrap().contains("HTTP 500")
            && failed["error"].as_str().unwrap().contains("mock failure")
    );
    assert_eq!(failed["tokens"], 0);
    assert_eq!(run["total_tokens"], expected_tokens);
    assert!((run["total_cost"].as_f64().unwrap() - expected_cost).abs() < 1e-12, "{run} vs {expected_cost}");
}

#[tokio::test]
async fn openai_agent_retries_times_out_and_parses_json_replies() {
    let flaky =
        MockLlm::start(MockConfig { unavailable_first: 2, default_reply: "ok".into(), ..Default::default() }).await;
    let slow =
        MockLlm::start(MockConfig { latency_ms: 1500, default_reply: "late".into(), ..Default::default() }).await;
    let json_mock = MockLlm::start(MockConfig {
        replies: vec![("good".into(), "```json\n{\"label\": \"spam\", \"score\": 0.9}\n```".into())],
        default_reply: "I think it is spam".into(),
        ..Default::default()
    })
    .await;
    let s = server_from(&format!(
        r#"
        [agents.flaky]
        kind = "openai"
        base_url = "{}"
        model = "m"
        max_retries = 2

        [agents.slow]
        kind = "openai"
        base_url = "{}"
        model = "m"
        timeout_ms = 200
        max_retries = 0

        [agents.structured]
        kind = "openai"
        base_url = "{}"
        model = "m"
        output = "json"
        "#,
        flaky.base_url, slow.base_url, json_mock.base_url
    ))
    .await;

    let (run, items) = run_over(&s, "flaky", vec![json!({"text": "hi"})]).await;
    assert_eq!(run["completed_items"], 1, "two 503s, then an answer: {items:?}");
    assert_eq!(items[0]["output"], "ok");
    assert_eq!(flaky.request_count(), 3);

    let (run, items) = run_over(&s, "slow", vec![json!({"text": "hi"})]).await;
    assert_eq!(run["status"], "failed");
    assert_eq!(items[0]["error"], "timed out after 200 ms");

    let (_, items) = run_over(&s, "structured", vec![json!({"text": "good"}), json!({"text": "bad"})]).await;
    assert_eq!(item_for(&items, "good")["output"], json!({"label": "spam", "score": 0.9}));
    let bad = item_for(&items, "bad");
    assert_eq!(bad["status"], "failed");
    assert!(bad["error"].as_str().unwrap().starts_with("the reply is not JSON"), "{bad}");
    assert!(bad["tokens"].as_i64().unwrap() > 0, "the call happened and is counted");
}

/// The user's own agent endpoint: answers with JSON and reports usage in headers.
async fn user_endpoint() -> String {
    async fn agent(headers: HeaderMap, Json(input): Json<Value>) -> (StatusCode, HeaderMap, String) {
        let mut out = HeaderMap::new();
        let text = input["text"].as_str().unwrap_or_default().to_string();
        let auth = headers.get("x-api-key").map(|v| v.to_str().unwrap().to_string());
        match text.as_str() {
            "slow" => {
                tokio::time::sleep(Duration::from_millis(1500)).await;
                (StatusCode::OK, out, "{}".into())
            }
            "text" => (StatusCode::OK, out, "plain words, not JSON".into()),
            "crash" => (StatusCode::BAD_GATEWAY, out, "upstream died".into()),
            "priced" => {
                out.insert("x-observ-model", "mock-gpt".parse().unwrap());
                out.insert("x-observ-input-tokens", "100".parse().unwrap());
                out.insert("x-observ-output-tokens", "50".parse().unwrap());
                (StatusCode::OK, out, json!({"answer": 42}).to_string())
            }
            "costed" => {
                out.insert("x-observ-input-tokens", "7".parse().unwrap());
                out.insert("x-observ-cost-usd", "0.125".parse().unwrap());
                (StatusCode::OK, out, json!({"answer": "costed"}).to_string())
            }
            _ => (StatusCode::OK, out, json!({"echo": input, "auth": auth}).to_string()),
        }
    }
    let app = Router::new().route("/agent", post(agent));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/agent", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

#[tokio::test]
async fn http_agent_posts_input_and_reads_output_usage_errors_and_timeout() {
    let url = user_endpoint().await;
    std::env::set_var("OBSERV_TEST_HTTP_KEY", "k-777");
    let s = server_from(&format!(
        r#"
        [prices."mock-gpt"]
        input_per_million = 1000
        output_per_million = 2000

        [agents.mine]
        kind = "http"
        url = "{url}"
        headers = {{ X-Api-Key = "key ${{OBSERV_TEST_HTTP_KEY}}" }}
        timeout_ms = 300
        "#
    ))
    .await;
    let inputs = ["hello", "slow", "text", "crash", "priced", "costed"].iter().map(|t| json!({ "text": t })).collect();
    let (run, items) = run_over(&s, "mine", inputs).await;
    assert_eq!((run["completed_items"].clone(), run["failed_items"].clone()), (json!(3), json!(3)), "{items:?}");

    let hello = item_for(&items, "hello");
    assert_eq!(hello["output"], json!({"echo": {"text": "hello"}, "auth": "key k-777"}));
    let (_, trace) = read(s.get(&format!("/api/v1/traces/{}", hello["trace_id"])).await).await;
    assert_eq!(trace["observations"][0]["type"], "span", "no usage reported: a span");

    assert_eq!(item_for(&items, "slow")["error"], "timed out after 300 ms");
    let text = item_for(&items, "text")["error"].as_str().unwrap().to_string();
    assert!(text.starts_with("the response is not JSON") && text.contains("plain words"), "{text}");
    let crash = item_for(&items, "crash")["error"].as_str().unwrap().to_string();
    assert!(crash.starts_with("HTTP 502") && crash.contains("upstream died"), "{crash}");

    let priced = item_for(&items, "priced");
    assert_eq!(priced["tokens"], 150);
    assert!((priced["cost"].as_f64().unwrap() - 0.2).abs() < 1e-12, "100×1000 + 50×2000 per million: {priced}");
    let (_, trace) = read(s.get(&format!("/api/v1/traces/{}", priced["trace_id"])).await).await;
    assert_eq!(
        (trace["observations"][0]["type"].clone(), trace["observations"][0]["model"].clone()),
        (json!("generation"), json!("mock-gpt"))
    );
    let costed = item_for(&items, "costed");
    assert_eq!((costed["tokens"].clone(), costed["cost"].clone()), (json!(7), json!(0.125)));
    assert!((run["total_cost"].as_f64().unwrap() - 0.325).abs() < 1e-12, "{run}");
}

#[tokio::test]
async fn command_agent_runs_a_subprocess_per_item_with_timeout_and_non_json_output() {
    let s = server_from(
        r#"
        [agents.shell]
        kind = "command"
        command = ["sh", "-c", "read line; case \"$line\" in *sleep*) sleep 2;; *words*) echo not json; echo oops >&2;; *) echo \"{\\\"got\\\": $line}\";; esac"]
        timeout_ms = 500
        "#,
    )
    .await;
    let inputs = ["fine", "sleep please", "words"].iter().map(|t| json!({ "text": t })).collect();
    let (run, items) = run_over(&s, "shell", inputs).await;
    assert_eq!((run["completed_items"].clone(), run["failed_items"].clone()), (json!(1), json!(2)), "{items:?}");
    assert_eq!(item_for(&items, "fine")["output"], json!({"got": {"text": "fine"}}));
    assert_eq!(item_for(&items, "sleep please")["error"], "timed out after 500 ms");
    let words = item_for(&items, "words")["error"].as_str().unwrap().to_string();
    assert!(words.contains("stdout is not JSON") && words.contains("not json") && words.contains("oops"), "{words}");
}
