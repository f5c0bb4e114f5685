//! The gate's HTTP client of an Observ server: JSON requests with the API key,
//! failures turned into sentences a CI log can act on, and a run followed to
//! its end over the run's event stream (reconnecting with `Last-Event-ID`).

use super::GateError;
use crate::model::run::DatasetRun;
use crate::model::run_item::RunProgress;
use reqwest::{RequestBuilder, StatusCode};
use serde_json::Value;
use std::time::{Duration, Instant};

pub struct Api {
    base: String,
    http: reqwest::Client,
    key: String,
}

impl Api {
    pub fn new(base: &str, key: &str) -> Result<Api, GateError> {
        let base = base.trim_end_matches('/').to_string();
        let parsed = reqwest::Url::parse(&base).map_err(|e| GateError::Usage(format!("--url {base}: {e}")))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(GateError::Usage(format!("--url {base}: must start with http:// or https://")));
        }
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| GateError::Failed(format!("HTTP client: {e}")))?;
        Ok(Api { base, http, key: key.to_string() })
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str) -> Result<Value, GateError> {
        self.send(self.http.get(self.url(path)).timeout(Duration::from_secs(60)), path).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Result<Value, GateError> {
        self.send(self.http.post(self.url(path)).json(body).timeout(Duration::from_secs(120)), path).await
    }

    async fn send(&self, request: RequestBuilder, path: &str) -> Result<Value, GateError> {
        let response = request.bearer_auth(&self.key).send().await.map_err(|e| self.unreachable(e))?;
        let status = response.status();
        let text = response.text().await.map_err(|e| self.unreachable(e))?;
        let body: Option<Value> = serde_json::from_str(&text).ok();
        if status.is_success() {
            return body.ok_or_else(|| {
                GateError::Failed(format!(
                    "{} answered {path} with something other than JSON: is it an Observ server?",
                    self.base
                ))
            });
        }
        Err(GateError::Failed(self.refusal(status, path, body.as_ref())))
    }

    fn unreachable(&self, e: reqwest::Error) -> GateError {
        let mut message = format!("cannot reach {}: {e}", self.base);
        let mut source = std::error::Error::source(&e);
        while let Some(cause) = source {
            message.push_str(&format!(": {cause}"));
            source = cause.source();
        }
        GateError::Failed(message)
    }

    fn refusal(&self, status: StatusCode, path: &str, body: Option<&Value>) -> String {
        match status {
            StatusCode::UNAUTHORIZED => {
                format!("{} refused the API key (401): set OBSERV_API_KEY to a valid Observ API key (sk-…)", self.base)
            }
            StatusCode::FORBIDDEN => {
                format!("the API key may not do this (403 on {path}): the gate needs a member or admin key")
            }
            _ => {
                let error = body.map(|b| &b["error"]);
                let message = error.and_then(|e| e["message"].as_str()).unwrap_or("no details");
                let fields = error
                    .and_then(|e| e["fields"].as_object())
                    .map(|fields| {
                        fields
                            .iter()
                            .map(|(field, why)| format!("{field}: {}", list(why)))
                            .collect::<Vec<_>>()
                            .join("; ")
                    })
                    .filter(|f| !f.is_empty())
                    .map(|f| format!(" ({f})"))
                    .unwrap_or_default();
                format!("{path} answered {}: {message}{fields}", status.as_u16())
            }
        }
    }

    /// Follows run `id` until it finishes, calling `progress` as its counters
    /// move; gives up after `limit` (the run goes on on the server).
    pub async fn follow(
        &self,
        id: i64,
        limit: Duration,
        mut progress: impl FnMut(&RunProgress),
    ) -> Result<DatasetRun, GateError> {
        let started = Instant::now();
        let mut last_event: Option<String> = None;
        let mut attempts = 0;
        loop {
            let left = limit.checked_sub(started.elapsed()).ok_or_else(|| too_slow(id, limit))?;
            match tokio::time::timeout(left, self.stream(id, &mut last_event, &mut progress)).await {
                Err(_) => return Err(too_slow(id, limit)),
                Ok(Ok(Some(run))) => return Ok(run),
                // The stream ended early (a restart, a proxy): ask where the run is, then listen again.
                Ok(Ok(None)) | Ok(Err(_)) if attempts < 30 => {
                    attempts += 1;
                    let run: DatasetRun = decode(self.get(&format!("/api/v1/runs/{id}")).await?, "the run")?;
                    if run.status.is_finished() {
                        return Ok(run);
                    }
                    tokio::time::sleep(Duration::from_millis(200 * attempts.min(10))).await;
                }
                Ok(Err(e)) => return Err(e),
                Ok(Ok(None)) => return Err(GateError::Failed(format!("the event stream of run {id} kept closing"))),
            }
        }
    }

    /// One connection to the run's event stream: `Some(run)` at `done`.
    async fn stream(
        &self,
        id: i64,
        last_event: &mut Option<String>,
        progress: &mut impl FnMut(&RunProgress),
    ) -> Result<Option<DatasetRun>, GateError> {
        let path = format!("/api/v1/runs/{id}/events");
        let mut request = self.http.get(self.url(&path)).bearer_auth(&self.key).header("accept", "text/event-stream");
        if let Some(last) = last_event.as_deref() {
            request = request.header("last-event-id", last);
        }
        let mut response = request.send().await.map_err(|e| self.unreachable(e))?;
        if !response.status().is_success() {
            let status = response.status();
            let body = response.json::<Value>().await.ok();
            return Err(GateError::Failed(self.refusal(status, &path, body.as_ref())));
        }
        let mut buffer = String::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| self.unreachable(e))? {
            buffer.push_str(&String::from_utf8_lossy(&chunk));
            while let Some(end) = buffer.find("\n\n") {
                let frame: String = buffer.drain(..end + 2).collect();
                let event = Frame::parse(&frame);
                if let Some(event_id) = event.id {
                    *last_event = Some(event_id.to_string());
                }
                match event.name {
                    "progress" => progress(&decode(serde_json::from_str(event.data).unwrap_or_default(), "progress")?),
                    "snapshot" | "done" => {
                        let run: DatasetRun = decode(serde_json::from_str(event.data).unwrap_or_default(), "the run")?;
                        progress(&RunProgress::from(&run));
                        if event.name == "done" || run.status.is_finished() {
                            return Ok(Some(run));
                        }
                    }
                    _ => {}
                }
            }
        }
        Ok(None)
    }
}

fn too_slow(id: i64, limit: Duration) -> GateError {
    GateError::Failed(format!(
        "run {id} did not finish within {} s (--timeout); it goes on on the server",
        limit.as_secs()
    ))
}

fn list(why: &Value) -> String {
    match why {
        Value::Array(all) => all.iter().map(|m| m.as_str().unwrap_or_default()).collect::<Vec<_>>().join(", "),
        other => other.as_str().unwrap_or_default().to_string(),
    }
}

/// Reads a JSON value as `T`, naming `what` when the server's answer doesn't fit.
pub fn decode<T: serde::de::DeserializeOwned>(value: Value, what: &str) -> Result<T, GateError> {
    serde_json::from_value(value).map_err(|e| {
        GateError::Failed(format!("{what}: unexpected answer from the server ({e}); is it the same version?"))
    })
}

/// One server-sent event frame.
struct Frame<'a> {
    id: Option<&'a str>,
    name: &'a str,
    data: &'a str,
}

impl<'a> Frame<'a> {
    fn parse(text: &'a str) -> Frame<'a> {
        let mut frame = Frame { id: None, name: "message", data: "" };
        for line in text.lines() {
            if let Some(v) = line.strip_prefix("id:") {
                frame.id = Some(v.trim());
            } else if let Some(v) = line.strip_prefix("event:") {
                frame.name = v.trim();
            } else if let Some(v) = line.strip_prefix("data:") {
                frame.data = v.trim_start();
            }
        }
        frame
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_read_by_field_and_comments_ignored() {
        let f = Frame::parse(": keep-alive\nid: 7\nevent: progress\ndata: {\"id\":1}\n\n");
        assert_eq!((f.id, f.name, f.data), (Some("7"), "progress", "{\"id\":1}"));
        let comment = Frame::parse(": keep-alive\n\n");
        assert_eq!((comment.id, comment.name), (None, "message"));
    }

    #[test]
    fn urls_must_be_http() {
        assert!(matches!(Api::new("ftp://example", "k"), Err(GateError::Usage(_))));
        assert!(matches!(Api::new("not a url", "k"), Err(GateError::Usage(_))));
        assert_eq!(Api::new("http://127.0.0.1:3000/", "k").unwrap().base(), "http://127.0.0.1:3000");
    }
}
