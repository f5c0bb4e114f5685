//! An OpenAI-compatible chat-completions server on loopback for the tests: real
//! HTTP, configurable latency, failures and usage. Usage is deterministic: one
//! prompt token per word of the request's messages, one completion token per
//! word of the reply.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Clone, Default)]
pub struct MockConfig {
    /// How long each answer takes.
    pub latency_ms: u64,
    /// The model name the server answers with (the request's when empty).
    pub answer_model: String,
    /// (needle, reply): the first needle found in the last message picks the reply.
    pub replies: Vec<(String, String)>,
    pub default_reply: String,
    /// A last message containing this gets HTTP 500.
    pub fail_on: Option<String>,
    /// The first N requests get HTTP 503 (for retries).
    pub unavailable_first: usize,
}

#[derive(Clone)]
pub struct MockLlm {
    /// The base URL to configure, ending in `/v1`.
    pub base_url: String,
    /// Every request's headers and JSON body, in order.
    pub requests: Arc<Mutex<Vec<(HeaderMap, Value)>>>,
}

#[derive(Clone)]
struct Shared {
    config: Arc<MockConfig>,
    requests: Arc<Mutex<Vec<(HeaderMap, Value)>>>,
    seen: Arc<AtomicUsize>,
}

pub fn words(text: &str) -> i64 {
    text.split_whitespace().count() as i64
}

/// Prompt tokens the mock charges for `messages`.
pub fn prompt_tokens(messages: &Value) -> i64 {
    messages.as_array().unwrap().iter().map(|m| words(m["content"].as_str().unwrap_or_default())).sum()
}

async fn completions(
    State(s): State<Shared>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> (StatusCode, Json<Value>) {
    s.requests.lock().unwrap().push((headers, body.clone()));
    let n = s.seen.fetch_add(1, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(s.config.latency_ms)).await;
    if n < s.config.unavailable_first {
        return (StatusCode::SERVICE_UNAVAILABLE, Json(json!({"error": {"message": "overloaded, try again"}})));
    }
    let messages = &body["messages"];
    let last = messages.as_array().and_then(|m| m.last()).and_then(|m| m["content"].as_str()).unwrap_or_default();
    if s.config.fail_on.as_deref().is_some_and(|needle| last.contains(needle)) {
        return (StatusCode::INTERNAL_SERVER_ERROR, Json(json!({"error": {"message": "mock failure"}})));
    }
    let reply = s
        .config
        .replies
        .iter()
        .find(|(needle, _)| last.contains(needle.as_str()))
        .map(|(_, reply)| reply.clone())
        .unwrap_or_else(|| s.config.default_reply.clone());
    let model = if s.config.answer_model.is_empty() { body["model"].clone() } else { json!(s.config.answer_model) };
    let (input, output) = (prompt_tokens(messages), words(&reply));
    let answer = json!({
        "id": format!("chatcmpl-{n}"),
        "object": "chat.completion",
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": reply}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": input, "completion_tokens": output, "total_tokens": input + output}
    });
    (StatusCode::OK, Json(answer))
}

impl MockLlm {
    pub async fn start(config: MockConfig) -> MockLlm {
        let requests = Arc::new(Mutex::new(Vec::new()));
        let shared = Shared { config: Arc::new(config), requests: requests.clone(), seen: Default::default() };
        let app = Router::new().route("/v1/chat/completions", post(completions)).with_state(shared);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}/v1", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        MockLlm { base_url, requests }
    }

    pub fn request_count(&self) -> usize {
        self.requests.lock().unwrap().len()
    }
}
