//! A client for OpenAI-compatible chat completions (OpenAI, Ollama, vLLM,
//! llama.cpp's server), the price table that turns its usage into dollars, and
//! the `{{input.field}}` templates that build its messages.

use crate::model::stats::now_ms;
use crate::server::limits::{max_reply_bytes, read_capped, reply_too_large, ReadError};
use crate::server::redact::redact_url;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::time::Duration;

/// Why a chat call failed. Messages name the endpoint without its secrets.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LlmError {
    #[error("{0}")]
    Failed(String),
    #[error("timed out after {0} ms")]
    Timeout(u64),
}

/// USD per million tokens of one model.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Price {
    pub input_per_million: f64,
    pub output_per_million: f64,
}

/// Prices by model name, from the config's `[prices."<model>"]` sections.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PriceTable(pub BTreeMap<String, Price>);

impl PriceTable {
    /// The price of `model`: its own entry, else the longest entry it starts
    /// with (`gpt-4o-mini` prices `gpt-4o-mini-2024-07-18`).
    pub fn get(&self, model: &str) -> Option<Price> {
        if let Some(price) = self.0.get(model) {
            return Some(*price);
        }
        self.0
            .iter()
            .filter(|(name, _)| model.starts_with(name.as_str()))
            .max_by_key(|(name, _)| name.len())
            .map(|p| *p.1)
    }

    /// Dollars for a call; 0 for a model without a price.
    pub fn cost(&self, model: &str, input_tokens: i64, output_tokens: i64) -> f64 {
        self.get(model).map_or(0.0, |p| {
            (input_tokens as f64 * p.input_per_million + output_tokens as f64 * p.output_per_million) / 1_000_000.0
        })
    }
}

/// Where and how to call a chat model. Its `Debug` shows no key and a redacted URL.
#[derive(Clone)]
pub struct ChatModel {
    /// Up to and including `/v1`, e.g. `https://api.openai.com/v1`.
    pub base_url: String,
    pub model: String,
    pub api_key: Option<String>,
    pub temperature: Option<f64>,
    pub max_tokens: Option<i64>,
    pub timeout_ms: u64,
    /// Extra attempts after a 429, a 5xx or a connection error.
    pub max_retries: u32,
    pub prices: PriceTable,
    pub client: reqwest::Client,
}

impl std::fmt::Debug for ChatModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChatModel")
            .field("base_url", &redact_url(&self.base_url))
            .field("model", &self.model)
            .field("api_key", &self.api_key.as_ref().map(|_| "***"))
            .field("timeout_ms", &self.timeout_ms)
            .finish_non_exhaustive()
    }
}

/// One completed call.
#[derive(Debug, Clone)]
pub struct ChatReply {
    pub content: String,
    /// The model the server says answered (falls back to the configured one).
    pub model: String,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub cost_usd: f64,
    pub started_ms: i64,
    pub ended_ms: i64,
}

/// The start of a response body, enough to explain an error.
fn snippet(body: &str) -> String {
    let body = body.trim();
    let shown: String = body.chars().take(200).collect();
    if shown.len() < body.len() {
        format!("{shown}…")
    } else {
        shown
    }
}

enum Attempt {
    Done(ChatReply),
    Retry(String),
}

impl ChatModel {
    pub fn endpoint(&self) -> String {
        format!("{}/chat/completions", self.base_url.trim_end_matches('/'))
    }

    /// Sends the messages; retries transient failures, never past the timeout of each attempt.
    pub async fn chat(&self, messages: &Value) -> Result<ChatReply, LlmError> {
        let mut body = json!({"model": self.model, "messages": messages, "stream": false});
        if let Some(t) = self.temperature {
            body["temperature"] = json!(t);
        }
        if let Some(m) = self.max_tokens {
            body["max_tokens"] = json!(m);
        }
        let mut attempt = 0;
        loop {
            match self.attempt(&body).await? {
                Attempt::Done(reply) => return Ok(reply),
                Attempt::Retry(err) if attempt >= self.max_retries => return Err(LlmError::Failed(err)),
                Attempt::Retry(_) => {
                    tokio::time::sleep(Duration::from_millis(250 << attempt.min(5))).await;
                    attempt += 1;
                }
            }
        }
    }

    async fn attempt(&self, body: &Value) -> Result<Attempt, LlmError> {
        let started_ms = now_ms();
        let mut request = self.client.post(self.endpoint()).timeout(Duration::from_millis(self.timeout_ms)).json(body);
        if let Some(key) = &self.api_key {
            request = request.bearer_auth(key);
        }
        // Messages name the endpoint without the secrets its URL may carry.
        let endpoint = redact_url(&self.endpoint());
        let response = match request.send().await {
            Ok(r) => r,
            Err(e) if e.is_timeout() => return Err(LlmError::Timeout(self.timeout_ms)),
            Err(e) => return Ok(Attempt::Retry(format!("cannot reach {endpoint}: {}", e.without_url()))),
        };
        let status = response.status();
        let limit = max_reply_bytes();
        let text = match read_capped(response, limit).await {
            Ok(t) => t,
            Err(ReadError::TooLarge) => return Err(LlmError::Failed(reply_too_large("agent reply", limit))),
            Err(ReadError::Transport(e)) if e.is_timeout() => return Err(LlmError::Timeout(self.timeout_ms)),
            Err(ReadError::Transport(e)) => {
                return Ok(Attempt::Retry(format!("reading the response failed: {}", e.without_url())))
            }
        };
        if !status.is_success() {
            let message = serde_json::from_str::<Value>(&text)
                .ok()
                .and_then(|v| v["error"]["message"].as_str().map(String::from))
                .unwrap_or_else(|| snippet(&text));
            let err = format!("HTTP {} from {endpoint}: {message}", status.as_u16());
            return if status.as_u16() == 429 || status.is_server_error() {
                Ok(Attempt::Retry(err))
            } else {
                Err(LlmError::Failed(err))
            };
        }
        let parsed: Value = serde_json::from_str(&text)
            .map_err(|e| LlmError::Failed(format!("the response is not JSON ({e}): `{}`", snippet(&text))))?;
        let content = match &parsed["choices"][0]["message"]["content"] {
            Value::String(s) => s.clone(),
            _ => {
                return Err(LlmError::Failed(format!(
                    "the response has no choices[0].message.content: `{}`",
                    snippet(&text)
                )))
            }
        };
        let usage = &parsed["usage"];
        let input_tokens = usage["prompt_tokens"].as_i64().unwrap_or(0);
        let output_tokens = usage["completion_tokens"].as_i64().unwrap_or(0);
        let model = parsed["model"].as_str().filter(|m| !m.is_empty()).unwrap_or(&self.model).to_string();
        // A dated model name the table does not know is priced as the configured one.
        let cost_usd = if self.prices.get(&model).is_some() {
            self.prices.cost(&model, input_tokens, output_tokens)
        } else {
            self.prices.cost(&self.model, input_tokens, output_tokens)
        };
        Ok(Attempt::Done(ChatReply {
            content,
            model,
            input_tokens,
            output_tokens,
            cost_usd,
            started_ms,
            ended_ms: now_ms(),
        }))
    }
}

/// Fills `{{name}}` and `{{name.path.to.field}}` from `vars`. Strings go in as
/// they are, anything else as compact JSON. A missing name or field is an error.
pub fn render_template(template: &str, vars: &[(&str, &Value)]) -> Result<String, String> {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            return Err(format!("`{{{{` at byte {} is never closed", template.len() - rest.len() + start));
        };
        let path = after[..end].trim();
        let mut parts = path.split('.');
        let head = parts.next().unwrap_or_default();
        let mut value = vars.iter().find(|(name, _)| *name == head).map(|(_, v)| *v).ok_or_else(|| {
            let names: Vec<_> = vars.iter().map(|(n, _)| format!("{{{{{n}}}}}")).collect();
            format!("unknown placeholder `{{{{{path}}}}}` (use {})", names.join(", "))
        })?;
        for part in parts {
            value = match value {
                Value::Object(map) => map.get(part),
                Value::Array(list) => part.parse::<usize>().ok().and_then(|i| list.get(i)),
                _ => None,
            }
            .ok_or_else(|| format!("`{{{{{path}}}}}`: {head} has no `{part}`"))?;
        }
        match value {
            Value::String(s) => out.push_str(s),
            other => out.push_str(&other.to_string()),
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// A model's reply as JSON: the text itself, or inside a ```json fence.
pub fn parse_json_reply(content: &str) -> Result<Value, String> {
    let text = content.trim();
    let inner = text
        .strip_prefix("```json")
        .or_else(|| text.strip_prefix("```"))
        .and_then(|t| t.trim_end().strip_suffix("```"))
        .unwrap_or(text)
        .trim();
    serde_json::from_str(inner).map_err(|e| format!("the reply is not JSON ({e}): `{}`", snippet(text)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_by_exact_name_or_longest_prefix() {
        let mut table = PriceTable::default();
        table.0.insert("gpt-4o".into(), Price { input_per_million: 2.5, output_per_million: 10.0 });
        table.0.insert("gpt-4o-mini".into(), Price { input_per_million: 0.15, output_per_million: 0.6 });
        assert_eq!(table.cost("gpt-4o", 1_000_000, 0), 2.5);
        assert!((table.cost("gpt-4o-mini-2024-07-18", 1000, 2000) - 0.00135).abs() < 1e-12);
        assert_eq!(table.cost("llama3", 1000, 1000), 0.0);
    }

    #[test]
    fn templates_fill_fields_and_name_what_is_missing() {
        let input = json!({"text": "Bonjour", "n": [1, {"k": true}]});
        let vars = [("input", &input)];
        assert_eq!(render_template("Say: {{input.text}}!", &vars).unwrap(), "Say: Bonjour!");
        assert_eq!(render_template("{{ input.n.1 }}", &vars).unwrap(), "{\"k\":true}");
        assert_eq!(render_template("{{input}}", &vars).unwrap(), input.to_string());
        assert_eq!(render_template("no placeholders", &vars).unwrap(), "no placeholders");
        assert!(render_template("{{input.missing}}", &vars).unwrap_err().contains("has no `missing`"));
        assert!(render_template("{{output}}", &vars).unwrap_err().contains("unknown placeholder `{{output}}`"));
        assert!(render_template("x {{input", &vars).unwrap_err().contains("never closed"));
        let s = json!("héllo");
        assert_eq!(render_template("{{input}} ✓", &[("input", &s)]).unwrap(), "héllo ✓");
    }

    #[test]
    fn json_replies_with_or_without_a_fence() {
        assert_eq!(parse_json_reply("{\"a\": 1}").unwrap(), json!({"a": 1}));
        assert_eq!(parse_json_reply("```json\n{\"a\": 1}\n```").unwrap(), json!({"a": 1}));
        assert!(parse_json_reply("sure! here").unwrap_err().contains("not JSON"));
    }
}
