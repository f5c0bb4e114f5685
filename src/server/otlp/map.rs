//! OTLP spans to Observ's model: a trace per OTel trace id, an observation per
//! span. Attributes are read in the conventions apps emit — Langfuse's
//! (`langfuse.*`), OpenTelemetry's GenAI (`gen_ai.*`) and OpenInference's
//! (`llm.*`, `input.value`, `openinference.span.kind`); what no convention
//! claims is kept in the observation's metadata under `attributes`.

use super::proto::{any_value, AnyValue, ExportTraceServiceRequest, KeyValue, Span, STATUS_ERROR};
use crate::model::stats::format_timestamp_ms;
use crate::server::db::ingest::{Batch, ExperimentItem, SpanRow, TraceRow};
use crate::server::llm::PriceTable;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// The observation types Observ stores (Langfuse's list).
pub const TYPES: [&str; 10] =
    ["span", "generation", "event", "agent", "tool", "chain", "retriever", "evaluator", "embedding", "guardrail"];

/// A request mapped: the rows to write and the experiment items it reports.
#[derive(Debug, Clone, Default)]
pub struct Mapped {
    pub batch: Batch,
    pub experiments: Vec<ExperimentItem>,
}

/// Maps a decoded request; an error names the span and field at fault.
pub fn map_request(request: ExportTraceServiceRequest, prices: &PriceTable) -> Result<Mapped, String> {
    let mut mapped = Mapped::default();
    for (r, rs) in request.resource_spans.into_iter().enumerate() {
        let resource = attribute_map(rs.resource.map(|r| r.attributes).unwrap_or_default());
        for (s, ss) in rs.scope_spans.into_iter().enumerate() {
            let scope = ss.scope.map(|s| s.name).filter(|n| !n.is_empty());
            for (n, span) in ss.spans.into_iter().enumerate() {
                let at = format!("resourceSpans[{r}].scopeSpans[{s}].spans[{n}]");
                map_span(span, &resource, scope.as_deref(), prices, &mut mapped).map_err(|e| format!("{at}.{e}"))?;
            }
        }
    }
    Ok(mapped)
}

fn map_span(
    span: Span,
    resource: &BTreeMap<String, Value>,
    scope: Option<&str>,
    prices: &PriceTable,
    out: &mut Mapped,
) -> Result<(), String> {
    let trace_id = id_hex(&span.trace_id, 16, "traceId")?;
    let observation_id = id_hex(&span.span_id, 8, "spanId")?;
    let parent = if span.parent_span_id.is_empty() || span.parent_span_id.iter().all(|b| *b == 0) {
        None
    } else {
        Some(id_hex(&span.parent_span_id, 8, "parentSpanId")?)
    };
    if span.start_time_unix_nano == 0 {
        return Err("startTimeUnixNano: required".into());
    }
    let start = time(span.start_time_unix_nano);
    let end = (span.end_time_unix_nano != 0).then(|| time(span.end_time_unix_nano));
    let mut a = attribute_map(span.attributes);

    let kind = observation_type(&mut a, end.is_none());
    let model = ["gen_ai.response.model", "gen_ai.request.model", "llm.model_name", "langfuse.observation.model.name"]
        .iter()
        .filter_map(|k| a.remove(*k))
        .filter_map(|v| text_of(&v))
        .next();
    let usage = usage(&mut a);
    let cost_details = take_json(&mut a, "langfuse.observation.cost_details");
    let cost = cost_details
        .as_ref()
        .and_then(total_cost)
        .or_else(|| a.remove("gen_ai.usage.cost").and_then(|v| v.as_f64()))
        .or_else(|| {
            let (model, usage) = (model.as_deref()?, usage.as_ref()?);
            let tokens = |k: &str| usage.get(k).and_then(Value::as_i64).unwrap_or(0);
            prices.get(model).map(|_| prices.cost(model, tokens("input_tokens"), tokens("output_tokens")))
        });
    let model_parameters = take_json(&mut a, "langfuse.observation.model.parameters")
        .or_else(|| take_json(&mut a, "llm.invocation_parameters"))
        .or_else(|| request_parameters(&mut a));
    let input = take_json(&mut a, "langfuse.observation.input")
        .or_else(|| take_json(&mut a, "gen_ai.input.messages"))
        .or_else(|| take_json(&mut a, "gen_ai.prompt"))
        .or_else(|| take_json(&mut a, "input.value"));
    let output = take_json(&mut a, "langfuse.observation.output")
        .or_else(|| take_json(&mut a, "gen_ai.output.messages"))
        .or_else(|| take_json(&mut a, "gen_ai.completion"))
        .or_else(|| take_json(&mut a, "output.value"));
    a.remove("input.mime_type");
    a.remove("output.mime_type");

    let failed = span.status.as_ref().is_some_and(|s| s.code == STATUS_ERROR);
    let exception = span.events.iter().find(|e| e.name == "exception").and_then(|e| {
        let ev = attribute_map(e.attributes.clone());
        ev.get("exception.message").and_then(text_of)
    });
    let mut level = take_text(&mut a, "langfuse.observation.level").map(|l| l.to_ascii_uppercase());
    if failed {
        level = Some("ERROR".into());
    }
    let status_message = take_text(&mut a, "langfuse.observation.status_message")
        .or_else(|| span.status.as_ref().map(|s| s.message.clone()).filter(|m| !m.is_empty()))
        .or(if failed { exception } else { None });
    let completion_start_time =
        take_text(&mut a, "langfuse.observation.completion_start_time").map(|t| t.trim_matches('"').to_string());
    let environment = take_text(&mut a, "langfuse.environment")
        .or_else(|| resource.get("deployment.environment.name").and_then(text_of))
        .or_else(|| resource.get("deployment.environment").and_then(text_of));
    let release = take_text(&mut a, "langfuse.release").or_else(|| resource.get("service.version").and_then(text_of));
    let version = take_text(&mut a, "langfuse.version");

    // Trace-level attributes (Langfuse propagates them onto every span).
    let trace_name = take_text(&mut a, "langfuse.trace.name");
    let user_id = ["langfuse.user.id", "user.id", "enduser.id"].iter().find_map(|k| take_text(&mut a, k));
    let session_id = ["langfuse.session.id", "session.id"].iter().find_map(|k| take_text(&mut a, k));
    let tags = a.remove("langfuse.trace.tags").map(tags_of);
    let trace_input = take_json(&mut a, "langfuse.trace.input");
    let trace_output = take_json(&mut a, "langfuse.trace.output");
    a.remove("langfuse.trace.public");
    let trace_metadata = prefixed(&mut a, "langfuse.trace.metadata.");
    let mut metadata = prefixed(&mut a, "langfuse.observation.metadata.");
    if let Some(Value::Object(m)) = take_json(&mut a, "langfuse.observation.metadata") {
        metadata.extend(m);
    }

    let experiment = experiment(&mut a, &trace_id);
    a.retain(|k, _| !k.starts_with("langfuse.internal."));
    if !a.is_empty() {
        metadata.insert("attributes".into(), Value::Object(a.into_iter().collect()));
    }
    if let Some(scope) = scope {
        metadata.insert("scope".into(), json!(scope));
    }
    let root = parent.is_none();
    let mut trace_meta = Map::new();
    if root && !resource.is_empty() {
        trace_meta.insert("resource".into(), Value::Object(resource.clone().into_iter().collect()));
    }
    trace_meta.extend(trace_metadata);
    out.batch.traces.push(TraceRow {
        trace_id: trace_id.clone(),
        name: trace_name.or_else(|| root.then(|| span.name.clone())),
        user_id,
        session_id,
        tags,
        metadata: (!trace_meta.is_empty()).then_some(Value::Object(trace_meta)),
        input: trace_input.or_else(|| if root { input.clone() } else { None }),
        output: trace_output.or_else(|| if root { output.clone() } else { None }),
        environment: environment.clone(),
        release,
        version: version.clone(),
        start_time: Some(start.clone()),
        end_time: end.clone(),
    });
    if let Some(item) = experiment {
        out.experiments.push(item);
    }
    out.batch.spans.push(SpanRow {
        trace_id,
        observation_id,
        parent_observation_id: parent,
        kind,
        name: Some(span.name),
        start_time: Some(start),
        end_time: end,
        level,
        status_message,
        model,
        model_parameters,
        input,
        output,
        usage,
        cost_usd: cost,
        cost_details,
        completion_start_time,
        environment,
        version,
        metadata: Some(Value::Object(metadata)),
    });
    Ok(())
}

fn id_hex(bytes: &[u8], len: usize, field: &str) -> Result<String, String> {
    if bytes.len() != len {
        return Err(format!("{field}: must be {len} bytes, found {}", bytes.len()));
    }
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

fn time(nanos: u64) -> String {
    format_timestamp_ms((nanos / 1_000_000) as i64)
}

fn observation_type(a: &mut BTreeMap<String, Value>, no_end: bool) -> String {
    if let Some(t) = take_text(a, "langfuse.observation.type").map(|t| t.to_ascii_lowercase()) {
        if TYPES.contains(&t.as_str()) {
            return t;
        }
    }
    let operation = a.get("gen_ai.operation.name").and_then(text_of);
    if let Some(kind) = operation.as_deref().and_then(|op| match op {
        "chat" | "text_completion" | "generate_content" => Some("generation"),
        "embeddings" => Some("embedding"),
        "execute_tool" => Some("tool"),
        "invoke_agent" | "create_agent" => Some("agent"),
        _ => None,
    }) {
        return kind.into();
    }
    let openinference = take_text(a, "openinference.span.kind").map(|k| k.to_ascii_uppercase());
    if let Some(kind) = openinference.as_deref().and_then(|k| match k {
        "LLM" => Some("generation"),
        "EMBEDDING" => Some("embedding"),
        "TOOL" => Some("tool"),
        "CHAIN" => Some("chain"),
        "RETRIEVER" | "RERANKER" => Some("retriever"),
        "AGENT" => Some("agent"),
        "GUARDRAIL" => Some("guardrail"),
        "EVALUATOR" => Some("evaluator"),
        _ => None,
    }) {
        return kind.into();
    }
    if no_end { "event" } else { "span" }.into()
}

/// Token usage as `{input_tokens, output_tokens, total_tokens, …}`.
fn usage(a: &mut BTreeMap<String, Value>) -> Option<Value> {
    let mut usage = Map::new();
    if let Some(Value::Object(details)) = take_json(a, "langfuse.observation.usage_details") {
        for (key, value) in details {
            let key = match key.as_str() {
                "input" | "prompt_tokens" => "input_tokens".to_string(),
                "output" | "completion_tokens" => "output_tokens".to_string(),
                "total" => "total_tokens".to_string(),
                _ => key,
            };
            usage.insert(key, value);
        }
    }
    let mut put = |keys: &[&str], to: &str, a: &mut BTreeMap<String, Value>| {
        for key in keys {
            if let Some(n) = a.remove(*key).and_then(|v| int_of(&v)) {
                usage.entry(to.to_string()).or_insert(json!(n));
            }
        }
    };
    put(&["gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens", "llm.token_count.prompt"], "input_tokens", a);
    put(
        &["gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens", "llm.token_count.completion"],
        "output_tokens",
        a,
    );
    put(&["gen_ai.usage.total_tokens", "llm.token_count.total"], "total_tokens", a);
    if usage.is_empty() {
        return None;
    }
    if !usage.contains_key("total_tokens") {
        let n = |k: &str| usage.get(k).and_then(Value::as_i64).unwrap_or(0);
        let total = n("input_tokens") + n("output_tokens");
        usage.insert("total_tokens".into(), json!(total));
    }
    Some(Value::Object(usage))
}

/// `cost_details.total`, else the sum of its parts.
pub(crate) fn total_cost(details: &Value) -> Option<f64> {
    let map = details.as_object()?;
    map.get("total").and_then(Value::as_f64).or_else(|| {
        let parts: Vec<f64> = map.values().filter_map(Value::as_f64).collect();
        (!parts.is_empty()).then(|| parts.iter().sum())
    })
}

fn request_parameters(a: &mut BTreeMap<String, Value>) -> Option<Value> {
    let keys: Vec<String> = a.keys().filter(|k| k.starts_with("gen_ai.request.")).cloned().collect();
    let mut params = Map::new();
    for key in keys {
        if let Some(value) = a.remove(&key) {
            params.insert(key.trim_start_matches("gen_ai.request.").to_string(), value);
        }
    }
    (!params.is_empty()).then_some(Value::Object(params))
}

fn experiment(a: &mut BTreeMap<String, Value>, trace_id: &str) -> Option<ExperimentItem> {
    let keys: Vec<String> = a.keys().filter(|k| k.starts_with("langfuse.experiment.")).cloned().collect();
    if keys.is_empty() {
        return None;
    }
    let mut e: BTreeMap<String, Value> = keys.into_iter().filter_map(|k| a.remove(&k).map(|v| (k, v))).collect();
    let mut text = |k: &str| e.remove(&format!("langfuse.experiment.{k}")).as_ref().and_then(text_of);
    let run_name = text("name")?;
    let dataset_id = text("dataset.id")?;
    let item_id = text("item.id")?;
    let description = text("description");
    let experiment_id = text("id");
    let parse = |t: Option<String>| t.map(|t| serde_json::from_str(&t).unwrap_or(Value::String(t)));
    let expected_output = parse(text("item.expected_output"));
    let metadata = parse(text("metadata"));
    Some(ExperimentItem {
        experiment_id,
        run_name,
        description,
        metadata,
        dataset_id,
        item_id,
        expected_output,
        trace_id: trace_id.to_string(),
    })
}

fn attribute_map(attributes: Vec<KeyValue>) -> BTreeMap<String, Value> {
    attributes.into_iter().map(|kv| (kv.key, kv.value.map(value_of).unwrap_or(Value::Null))).collect()
}

fn value_of(v: AnyValue) -> Value {
    use any_value::Value as V;
    match v.value {
        None => Value::Null,
        Some(V::StringValue(s)) => Value::String(s),
        Some(V::BoolValue(b)) => Value::Bool(b),
        Some(V::IntValue(i)) => json!(i),
        Some(V::DoubleValue(d)) => json!(d),
        Some(V::ArrayValue(a)) => Value::Array(a.values.into_iter().map(value_of).collect()),
        Some(V::KvlistValue(l)) => Value::Object(
            l.values.into_iter().map(|kv| (kv.key, kv.value.map(value_of).unwrap_or(Value::Null))).collect(),
        ),
        Some(V::BytesValue(b)) => Value::String(b.iter().map(|b| format!("{b:02x}")).collect()),
    }
}

fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn int_of(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn take_text(a: &mut BTreeMap<String, Value>, key: &str) -> Option<String> {
    a.remove(key).as_ref().and_then(text_of)
}

/// A value that is JSON text (Langfuse and GenAI attributes carry JSON as
/// strings): parsed when it parses, kept as the string otherwise.
fn take_json(a: &mut BTreeMap<String, Value>, key: &str) -> Option<Value> {
    match a.remove(key)? {
        Value::String(s) => Some(serde_json::from_str(&s).unwrap_or(Value::String(s))),
        Value::Null => None,
        other => Some(other),
    }
}

/// Attributes under `prefix`, as an object of their JSON values.
fn prefixed(a: &mut BTreeMap<String, Value>, prefix: &str) -> Map<String, Value> {
    let keys: Vec<String> = a.keys().filter(|k| k.starts_with(prefix)).cloned().collect();
    let mut out = Map::new();
    for key in keys {
        if let Some(value) = take_json(a, &key) {
            out.insert(key[prefix.len()..].to_string(), value);
        }
    }
    out
}

fn tags_of(v: Value) -> Vec<String> {
    let list = match v {
        Value::String(s) => match serde_json::from_str::<Value>(&s) {
            Ok(Value::Array(items)) => items,
            _ => s.split(',').map(|t| Value::String(t.trim().to_string())).collect(),
        },
        Value::Array(items) => items,
        _ => Vec::new(),
    };
    list.iter().filter_map(text_of).collect()
}

#[cfg(test)]
#[path = "map_tests.rs"]
mod tests;
