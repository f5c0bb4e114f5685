//! `POST /api/public/ingestion`: the batch older Langfuse SDKs send —
//! `{"batch": [{id, type, timestamp, body}], "metadata"?}` with `trace-create`,
//! `span-create|update`, `generation-create|update`, `event-create`,
//! `score-create` (and `sdk-log`, acknowledged). Each event is checked alone:
//! the answer is 207 with `successes` and `errors` (naming the event and its
//! field); the good events are written together in one transaction.

use super::normalize_time;
use super::scores::parse_score;
use crate::server::auth::Principal;
use crate::server::db;
use crate::server::db::ingest::{Batch, SpanRow, TraceRow};
use crate::server::db::sdk_scores::SdkScore;
use crate::server::error::AppError;
use crate::server::rest::body::JsonObject;
use crate::server::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Extension, Json, Router};
use serde_json::{json, Map, Value};

pub fn routes() -> Router<AppState> {
    Router::new().route("/ingestion", post(ingest))
}

/// What one event adds to the request's writes.
enum Parsed {
    Trace(TraceRow),
    Span(SpanRow),
    Score(SdkScore),
    Nothing,
}

async fn ingest(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    JsonObject(mut body): JsonObject,
) -> Result<(StatusCode, Json<Value>), AppError> {
    let events = match body.remove("batch") {
        Some(Value::Array(events)) => events,
        _ => return Err(AppError::field("batch", "required: an array of events")),
    };
    let (mut successes, mut errors) = (Vec::new(), Vec::new());
    let (mut batch, mut scores) = (Batch::default(), Vec::new());
    for (n, event) in events.into_iter().enumerate() {
        let id = event.get("id").and_then(Value::as_str).map(str::to_string).unwrap_or_else(|| format!("batch[{n}]"));
        match parse_event(event, &principal.name) {
            Ok(parsed) => {
                match parsed {
                    Parsed::Trace(t) => batch.traces.push(t),
                    Parsed::Span(s) => batch.spans.push(s),
                    Parsed::Score(s) => scores.push(s),
                    Parsed::Nothing => {}
                }
                successes.push(json!({"id": id, "status": 201}));
            }
            Err(message) => errors.push(json!({
                "id": id,
                "status": 400,
                "message": format!("batch[{n}]: {message}"),
                "error": message,
            })),
        }
    }
    if !batch.traces.is_empty() || !batch.spans.is_empty() {
        db::ingest::write(&state.db, batch, Vec::new()).await?;
    }
    if !scores.is_empty() {
        db::sdk_scores::save_all(&state.db, scores).await?;
    }
    Ok((StatusCode::MULTI_STATUS, Json(json!({"successes": successes, "errors": errors}))))
}

fn parse_event(event: Value, author: &str) -> Result<Parsed, String> {
    let Value::Object(mut event) = event else { return Err("must be a JSON object".into()) };
    let kind = match event.remove("type") {
        Some(Value::String(t)) => t,
        _ => {
            return Err(
                "type: required (trace-create, span-create, generation-create, event-create, score-create, …)".into()
            )
        }
    };
    let body = match event.remove("body") {
        Some(Value::Object(body)) => body,
        _ => return Err("body: required, a JSON object".into()),
    };
    let stamp = event.get("timestamp").and_then(Value::as_str).and_then(normalize_time);
    match kind.as_str() {
        "trace-create" => trace(body, stamp).map(Parsed::Trace),
        "span-create" | "span-update" => span(body, "span", &kind).map(Parsed::Span),
        "generation-create" | "generation-update" => span(body, "generation", &kind).map(Parsed::Span),
        "event-create" => span(body, "event", &kind).map(Parsed::Span),
        "observation-create" | "observation-update" => {
            let t = body.get("type").and_then(Value::as_str).unwrap_or("SPAN").to_ascii_lowercase();
            span(body, &t, &kind).map(Parsed::Span)
        }
        "score-create" => parse_score(body, author).map(Parsed::Score).map_err(|e| {
            e.0.into_iter().map(|(f, m)| format!("body.{f}: {}", m.join(", "))).collect::<Vec<_>>().join("; ")
        }),
        "sdk-log" => Ok(Parsed::Nothing),
        other => Err(format!("type: `{other}` is not an event Observ takes")),
    }
}

fn text(body: &mut Map<String, Value>, key: &str) -> Result<Option<String>, String> {
    match body.remove(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(format!("body.{key}: must be a string")),
    }
}

fn time(body: &mut Map<String, Value>, key: &str) -> Result<Option<String>, String> {
    match text(body, key)? {
        None => Ok(None),
        Some(t) => normalize_time(&t).map(Some).ok_or_else(|| format!("body.{key}: not an RFC 3339 time: `{t}`")),
    }
}

fn json_value(body: &mut Map<String, Value>, key: &str) -> Option<Value> {
    body.remove(key).filter(|v| !v.is_null())
}

fn trace(mut body: Map<String, Value>, stamp: Option<String>) -> Result<TraceRow, String> {
    let trace_id = text(&mut body, "id")?.ok_or("body.id: required")?;
    let tags = match body.remove("tags") {
        None | Some(Value::Null) => None,
        Some(Value::Array(tags)) => Some(
            tags.into_iter()
                .map(|t| t.as_str().map(str::to_string).ok_or("body.tags: must be strings"))
                .collect::<Result<Vec<_>, _>>()?,
        ),
        Some(_) => return Err("body.tags: must be an array of strings".into()),
    };
    let start = time(&mut body, "timestamp")?.or(stamp);
    Ok(TraceRow {
        trace_id,
        name: text(&mut body, "name")?,
        user_id: text(&mut body, "userId")?,
        session_id: text(&mut body, "sessionId")?,
        tags,
        metadata: json_value(&mut body, "metadata").map(|m| if m.is_object() { m } else { json!({"metadata": m}) }),
        input: json_value(&mut body, "input"),
        output: json_value(&mut body, "output"),
        environment: text(&mut body, "environment")?,
        release: text(&mut body, "release")?,
        version: text(&mut body, "version")?,
        start_time: start.clone(),
        end_time: None,
    })
}

fn span(mut body: Map<String, Value>, kind: &str, event: &str) -> Result<SpanRow, String> {
    if !crate::server::otlp::map::TYPES.contains(&kind) {
        return Err(format!("body.type: `{kind}` is not an observation type"));
    }
    let observation_id = text(&mut body, "id")?.ok_or("body.id: required")?;
    let trace_id = text(&mut body, "traceId")?.ok_or("body.traceId: required")?;
    let usage = match json_value(&mut body, "usageDetails").or_else(|| json_value(&mut body, "usage")) {
        Some(Value::Object(u)) => {
            let mut out = Map::new();
            for (key, value) in u {
                let key = match key.as_str() {
                    "input" | "promptTokens" | "prompt_tokens" => "input_tokens".to_string(),
                    "output" | "completionTokens" | "completion_tokens" => "output_tokens".to_string(),
                    "total" | "totalTokens" => "total_tokens".to_string(),
                    "unit" => continue,
                    _ => key,
                };
                if !value.is_null() {
                    out.insert(key, value);
                }
            }
            Some(Value::Object(out))
        }
        Some(_) => return Err("body.usageDetails: must be an object".into()),
        None => None,
    };
    let cost_details = json_value(&mut body, "costDetails");
    let cost = cost_details.as_ref().and_then(crate::server::otlp::map::total_cost);
    let start = time(&mut body, "startTime")?;
    let created = event.ends_with("-create");
    let end = time(&mut body, "endTime")?.or_else(|| if kind == "event" { start.clone() } else { None });
    Ok(SpanRow {
        trace_id,
        observation_id,
        parent_observation_id: text(&mut body, "parentObservationId")?,
        kind: kind.to_string(),
        name: text(&mut body, "name")?,
        start_time: start
            .or_else(|| created.then(|| crate::model::stats::format_timestamp_ms(crate::model::stats::now_ms()))),
        end_time: end,
        level: text(&mut body, "level")?.map(|l| l.to_ascii_uppercase()),
        status_message: text(&mut body, "statusMessage")?,
        model: text(&mut body, "model")?,
        model_parameters: json_value(&mut body, "modelParameters"),
        input: json_value(&mut body, "input"),
        output: json_value(&mut body, "output"),
        usage,
        cost_usd: cost,
        cost_details,
        completion_start_time: time(&mut body, "completionStartTime")?,
        environment: text(&mut body, "environment")?,
        version: text(&mut body, "version")?,
        metadata: json_value(&mut body, "metadata").map(|m| if m.is_object() { m } else { json!({"metadata": m}) }),
    })
}
