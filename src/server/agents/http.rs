//! `http` agents: POST each item's input as JSON to the user's endpoint; the
//! response's JSON body is the output. The endpoint may report a model call
//! through response headers (`X-Observ-Model`, `X-Observ-Input-Tokens`,
//! `X-Observ-Output-Tokens`, `X-Observ-Cost-Usd`); it is then recorded as a
//! generation, priced from the price table when no cost is given.

use super::context::Generation;
use super::{Agent, AgentContext, AgentError, AgentFuture};
use crate::model::stats::now_ms;
use crate::server::limits::{max_reply_bytes, read_capped, reply_too_large, ReadError};
use crate::server::llm::PriceTable;
use crate::server::redact::redact_url;
use reqwest::header::HeaderMap;
use serde_json::{json, Value};
use std::time::Duration;

pub struct HttpAgent {
    /// As configured, secrets included: shown only through `redact_url`.
    pub url: String,
    /// Header names and values, `${ENV}` already expanded.
    pub headers: Vec<(String, String)>,
    pub timeout_ms: u64,
    pub prices: PriceTable,
    pub description: String,
    pub client: reqwest::Client,
}

fn header<T: std::str::FromStr>(headers: &HeaderMap, name: &str) -> Result<Option<T>, AgentError> {
    match headers.get(name) {
        None => Ok(None),
        Some(v) => v
            .to_str()
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .map(Some)
            .ok_or_else(|| AgentError::Failed(format!("response header {name}: not a valid number or text: {v:?}"))),
    }
}

impl HttpAgent {
    async fn call(&self, input: &Value, cx: &AgentContext) -> Result<Value, AgentError> {
        let started_ms = now_ms();
        let mut request = self.client.post(&self.url).timeout(Duration::from_millis(self.timeout_ms)).json(input);
        for (name, value) in &self.headers {
            request = request.header(name, value);
        }
        let url = redact_url(&self.url);
        let timeout = |e: reqwest::Error| {
            if e.is_timeout() {
                AgentError::Timeout(self.timeout_ms)
            } else {
                AgentError::Failed(format!("POST {url} failed: {}", e.without_url()))
            }
        };
        let response = request.send().await.map_err(timeout)?;
        let status = response.status();
        let headers = response.headers().clone();
        let limit = max_reply_bytes();
        let text = read_capped(response, limit).await.map_err(|e| match e {
            ReadError::TooLarge => AgentError::Failed(reply_too_large("agent reply", limit)),
            ReadError::Transport(e) => timeout(e),
        })?;
        let shown: String = text.trim().chars().take(200).collect();
        if !status.is_success() {
            return Err(AgentError::Failed(format!("HTTP {} from {url}: `{shown}`", status.as_u16())));
        }
        let output: Value = serde_json::from_str(&text)
            .map_err(|e| AgentError::Failed(format!("the response is not JSON ({e}): `{shown}`")))?;
        let ended_ms = now_ms();
        let model: Option<String> = header(&headers, "x-observ-model")?;
        let input_tokens: Option<i64> = header(&headers, "x-observ-input-tokens")?;
        let output_tokens: Option<i64> = header(&headers, "x-observ-output-tokens")?;
        let cost: Option<f64> = header(&headers, "x-observ-cost-usd")?;
        if model.is_some() || input_tokens.is_some() || output_tokens.is_some() || cost.is_some() {
            let model = model.unwrap_or_default();
            let (input_tokens, output_tokens) = (input_tokens.unwrap_or(0), output_tokens.unwrap_or(0));
            cx.generation(Generation {
                name: "http".into(),
                cost_usd: cost.unwrap_or_else(|| self.prices.cost(&model, input_tokens, output_tokens)),
                model,
                input: input.clone(),
                output: output.clone(),
                input_tokens,
                output_tokens,
                started_ms,
                ended_ms,
            });
        } else {
            cx.span("http", started_ms, ended_ms, json!({"url": url, "body": input}), output.clone());
        }
        Ok(output)
    }
}

impl Agent for HttpAgent {
    fn kind(&self) -> &'static str {
        "http"
    }

    fn description(&self) -> String {
        self.description.clone()
    }

    fn run<'a>(&'a self, input: &'a Value, cx: &'a AgentContext) -> AgentFuture<'a> {
        Box::pin(self.call(input, cx))
    }
}
