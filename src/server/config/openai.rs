//! `kind = "openai"`: an agent that calls an OpenAI-compatible chat model.

use super::spec::Spec;
use crate::server::agents::{OpenAiAgent, ReplyFormat};
use crate::server::llm::{render_template, ChatModel, PriceTable};
use crate::server::redact::redact_url;

const KEYS: &[&str] = &[
    "kind",
    "description",
    "timeout_ms",
    "base_url",
    "model",
    "api_key_env",
    "system_prompt",
    "user_template",
    "temperature",
    "max_tokens",
    "max_retries",
    "output",
];

/// Reads an openai agent's keys (after `kind`, `description` and `timeout_ms`).
pub(super) fn openai_agent(
    spec: &Spec,
    description: Option<String>,
    timeout_ms: u64,
    prices: &PriceTable,
    client: &reqwest::Client,
) -> Result<OpenAiAgent, String> {
    spec.only(KEYS, "an openai agent")?;
    let base_url = spec.url("base_url", "\"https://api.openai.com/v1\"")?;
    let model = spec.required_string("model", "\"gpt-4o-mini\"")?;
    let api_key = match spec.string("api_key_env")? {
        None => None,
        Some(var) => Some(
            std::env::var(&var)
                .ok()
                .filter(|k| !k.trim().is_empty())
                .ok_or_else(|| format!("{}: the environment variable {var} is not set", spec.key("api_key_env")))?,
        ),
    };
    let temperature = spec.number("temperature")?;
    if temperature.is_some_and(|t| !(0.0..=2.0).contains(&t)) {
        return Err(format!("{}: must be between 0 and 2", spec.key("temperature")));
    }
    let max_tokens = match spec.table.get("max_tokens") {
        None => None,
        Some(_) => Some(spec.positive("max_tokens", 1, "tokens")? as i64),
    };
    let max_retries = match spec.table.get("max_retries") {
        None => 2,
        Some(v) => v
            .as_integer()
            .filter(|n| (0..=10).contains(n))
            .ok_or_else(|| format!("{}: must be a whole number from 0 to 10", spec.key("max_retries")))?
            as u32,
    };
    let reply = reply_format(spec)?;
    let user_template = user_template(spec)?;
    let description = description.unwrap_or_else(|| {
        let priced = if prices.get(&model).is_some() { "" } else { " (no price configured: cost 0)" };
        format!("Chat completion with {model} at {}{priced}.", redact_url(&base_url))
    });
    let chat = ChatModel {
        base_url,
        model,
        api_key,
        temperature,
        max_tokens,
        timeout_ms,
        max_retries,
        prices: prices.clone(),
        client: client.clone(),
    };
    let system_prompt = spec.string("system_prompt")?;
    Ok(OpenAiAgent { chat, system_prompt, user_template, reply, description })
}

/// `output = "text"` (the default) or `"json"`.
fn reply_format(spec: &Spec) -> Result<ReplyFormat, String> {
    match spec.string("output")?.as_deref() {
        None | Some("text") => Ok(ReplyFormat::Text),
        Some("json") => Ok(ReplyFormat::Json),
        Some(other) => Err(format!("{}: must be \"text\" or \"json\", got `{other}`", spec.key("output"))),
    }
}

/// The user message's template, `{{input}}` by default.
fn user_template(spec: &Spec) -> Result<String, String> {
    let user_template = spec.string("user_template")?.unwrap_or_else(|| "{{input}}".to_string());
    // A template naming anything but the input would fail every item: say so now.
    if let Err(e) = render_template(&user_template, &[("input", &serde_json::json!({}))]) {
        if !e.contains("has no") {
            return Err(format!("{}: {e}", spec.key("user_template")));
        }
    }
    Ok(user_template)
}
