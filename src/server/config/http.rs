//! `kind = "http"`: an agent that POSTs each input to a URL.

use super::spec::{expand_env, Spec};
use crate::server::agents::HttpAgent;
use crate::server::llm::PriceTable;
use crate::server::redact::redact_url;

/// Reads an http agent's keys (after `kind`, `description` and `timeout_ms`).
pub(super) fn http_agent(
    spec: &Spec,
    description: Option<String>,
    timeout_ms: u64,
    prices: &PriceTable,
    client: &reqwest::Client,
) -> Result<HttpAgent, String> {
    spec.only(&["kind", "description", "timeout_ms", "url", "headers"], "an http agent")?;
    let url = spec.url("url", "\"http://127.0.0.1:8000/agent\"")?;
    let headers = headers(spec)?;
    let description = description.unwrap_or_else(|| format!("POSTs each input as JSON to {}.", redact_url(&url)));
    Ok(HttpAgent { url, headers, timeout_ms, prices: prices.clone(), description, client: client.clone() })
}

/// `headers = { Name = "value with ${ENV}" }`, each checked as an HTTP header.
fn headers(spec: &Spec) -> Result<Vec<(String, String)>, String> {
    let mut headers = Vec::new();
    let Some(raw) = spec.table.get("headers") else { return Ok(headers) };
    let raw = raw.as_table().ok_or_else(|| {
        format!("{}: must be a table, e.g. {{ Authorization = \"Bearer ${{TOKEN}}\" }}", spec.key("headers"))
    })?;
    for (header, value) in raw {
        let at = format!("{}.{header}", spec.key("headers"));
        let value = value.as_str().ok_or_else(|| format!("{at}: must be a string"))?;
        let value = expand_env(value).map_err(|e| format!("{at}: {e}"))?;
        if reqwest::header::HeaderName::from_bytes(header.as_bytes()).is_err()
            || reqwest::header::HeaderValue::from_str(&value).is_err()
        {
            return Err(format!("{at}: not a valid HTTP header"));
        }
        headers.push((header.clone(), value));
    }
    Ok(headers)
}
