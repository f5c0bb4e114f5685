//! OTLP/JSON bodies read into the same messages as protobuf ones. The JSON
//! mapping writes ids as hex, 64-bit integers as strings or numbers, enums as
//! numbers; keys are lowerCamelCase (snake_case accepted too). Errors name the
//! path of the bad value.

use super::proto::{
    any_value, AnyValue, ArrayValue, Event, ExportTraceServiceRequest, KeyValue, KeyValueList, Resource, ResourceSpans,
    ScopeSpans, Span, Status,
};
use serde_json::{Map, Value};

pub fn decode(bytes: &[u8]) -> Result<ExportTraceServiceRequest, String> {
    let value: Value = serde_json::from_slice(bytes).map_err(|e| format!("malformed JSON: {e}"))?;
    let root = object(&value, "body")?;
    let mut request = ExportTraceServiceRequest::default();
    for (r, rs) in array(root, "resourceSpans", "")?.iter().enumerate() {
        let at = format!("resourceSpans[{r}]");
        let rs = object(rs, &at)?;
        let resource = match field(rs, "resource") {
            Some(res) => {
                let res = object(res, &format!("{at}.resource"))?;
                Some(Resource { attributes: attributes(res, &format!("{at}.resource"))? })
            }
            None => None,
        };
        let mut scope_spans = Vec::new();
        for (s, ss) in array(rs, "scopeSpans", &at)?.iter().enumerate() {
            let at = format!("{at}.scopeSpans[{s}]");
            let ss = object(ss, &at)?;
            let mut spans = Vec::new();
            for (n, span) in array(ss, "spans", &at)?.iter().enumerate() {
                spans.push(read_span(object(span, &format!("{at}.spans[{n}]"))?, &format!("{at}.spans[{n}]"))?);
            }
            let scope = match field(ss, "scope").and_then(Value::as_object) {
                Some(scope) => Some(super::proto::InstrumentationScope {
                    name: text(scope, "name", &at)?.unwrap_or_default(),
                    version: text(scope, "version", &at)?.unwrap_or_default(),
                }),
                None => None,
            };
            scope_spans.push(ScopeSpans { scope, spans });
        }
        request.resource_spans.push(ResourceSpans { resource, scope_spans });
    }
    Ok(request)
}

fn read_span(span: &Map<String, Value>, at: &str) -> Result<Span, String> {
    let status = match field(span, "status") {
        Some(status) => {
            let status = object(status, &format!("{at}.status"))?;
            Some(Status {
                message: text(status, "message", at)?.unwrap_or_default(),
                code: integer(status, "code", at)?.unwrap_or(0) as i32,
            })
        }
        None => None,
    };
    let mut events = Vec::new();
    for (n, event) in array(span, "events", at)?.iter().enumerate() {
        let at = format!("{at}.events[{n}]");
        let event = object(event, &at)?;
        events.push(Event {
            time_unix_nano: integer(event, "timeUnixNano", &at)?.unwrap_or(0) as u64,
            name: text(event, "name", &at)?.unwrap_or_default(),
            attributes: attributes(event, &at)?,
        });
    }
    Ok(Span {
        trace_id: hex(span, "traceId", at)?,
        span_id: hex(span, "spanId", at)?,
        parent_span_id: hex(span, "parentSpanId", at)?,
        name: text(span, "name", at)?.unwrap_or_default(),
        kind: integer(span, "kind", at)?.unwrap_or(0) as i32,
        start_time_unix_nano: integer(span, "startTimeUnixNano", at)?.unwrap_or(0) as u64,
        end_time_unix_nano: integer(span, "endTimeUnixNano", at)?.unwrap_or(0) as u64,
        attributes: attributes(span, at)?,
        events,
        status,
    })
}

/// `camelCase` or its `snake_case` spelling.
fn field<'a>(map: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    map.get(key).or_else(|| map.get(&snake(key))).filter(|v| !v.is_null())
}

fn snake(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + 4);
    for c in key.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

fn path(at: &str, key: &str) -> String {
    if at.is_empty() {
        key.to_string()
    } else {
        format!("{at}.{key}")
    }
}

fn object<'a>(value: &'a Value, at: &str) -> Result<&'a Map<String, Value>, String> {
    value.as_object().ok_or_else(|| format!("{at}: must be a JSON object"))
}

fn array<'a>(map: &'a Map<String, Value>, key: &str, at: &str) -> Result<&'a [Value], String> {
    match field(map, key) {
        None => Ok(&[]),
        Some(Value::Array(items)) => Ok(items),
        Some(_) => Err(format!("{}: must be an array", path(at, key))),
    }
}

fn text(map: &Map<String, Value>, key: &str, at: &str) -> Result<Option<String>, String> {
    match field(map, key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(format!("{}: must be a string", path(at, key))),
    }
}

/// A 64-bit integer: a JSON number or a decimal string.
fn integer(map: &Map<String, Value>, key: &str, at: &str) -> Result<Option<i64>, String> {
    let bad = || format!("{}: must be an integer (a number or a decimal string)", path(at, key));
    match field(map, key) {
        None => Ok(None),
        Some(Value::Number(n)) => n.as_i64().or_else(|| n.as_u64().map(|u| u as i64)).map(Some).ok_or_else(bad),
        Some(Value::String(s)) => {
            s.parse::<i64>().or_else(|_| s.parse::<u64>().map(|u| u as i64)).map(Some).map_err(|_| bad())
        }
        Some(_) => Err(bad()),
    }
}

fn hex(map: &Map<String, Value>, key: &str, at: &str) -> Result<Vec<u8>, String> {
    let Some(s) = text(map, key, at)? else { return Ok(Vec::new()) };
    let bad = || format!("{}: must be hex digits, found `{}`", path(at, key), s.chars().take(40).collect::<String>());
    if s.len() % 2 != 0 {
        return Err(bad());
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2).ok_or_else(bad)?, 16).map_err(|_| bad()))
        .collect()
}

fn attributes(map: &Map<String, Value>, at: &str) -> Result<Vec<KeyValue>, String> {
    let mut out = Vec::new();
    for (n, kv) in array(map, "attributes", at)?.iter().enumerate() {
        let at = format!("{}[{n}]", path(at, "attributes"));
        out.push(key_value(object(kv, &at)?, &at)?);
    }
    Ok(out)
}

fn key_value(kv: &Map<String, Value>, at: &str) -> Result<KeyValue, String> {
    let key = text(kv, "key", at)?.ok_or_else(|| format!("{at}.key: required"))?;
    let value = match field(kv, "value") {
        Some(v) => Some(any(object(v, &format!("{at}.value"))?, &format!("{at}.value"))?),
        None => None,
    };
    Ok(KeyValue { key, value })
}

fn any(v: &Map<String, Value>, at: &str) -> Result<AnyValue, String> {
    use any_value::Value as V;
    let value = if let Some(s) = text(v, "stringValue", at)? {
        Some(V::StringValue(s))
    } else if let Some(b) = field(v, "boolValue") {
        Some(V::BoolValue(b.as_bool().ok_or_else(|| format!("{at}.boolValue: must be true or false"))?))
    } else if let Some(i) = integer(v, "intValue", at)? {
        Some(V::IntValue(i))
    } else if let Some(d) = field(v, "doubleValue") {
        let d = match d {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => s.parse().ok(),
            _ => None,
        };
        Some(V::DoubleValue(d.ok_or_else(|| format!("{at}.doubleValue: must be a number"))?))
    } else if let Some(arr) = field(v, "arrayValue") {
        let arr = object(arr, &format!("{at}.arrayValue"))?;
        let mut values = Vec::new();
        for (n, item) in array(arr, "values", &format!("{at}.arrayValue"))?.iter().enumerate() {
            let at = format!("{at}.arrayValue.values[{n}]");
            values.push(any(object(item, &at)?, &at)?);
        }
        Some(V::ArrayValue(ArrayValue { values }))
    } else if let Some(list) = field(v, "kvlistValue") {
        let list = object(list, &format!("{at}.kvlistValue"))?;
        let mut values = Vec::new();
        for (n, item) in array(list, "values", &format!("{at}.kvlistValue"))?.iter().enumerate() {
            let at = format!("{at}.kvlistValue.values[{n}]");
            values.push(key_value(object(item, &at)?, &at)?);
        }
        Some(V::KvlistValue(KeyValueList { values }))
    } else {
        // Bytes are base64 in OTLP/JSON.
        use base64::Engine;
        text(v, "bytesValue", at)?.map(|b| {
            V::BytesValue(base64::engine::general_purpose::STANDARD.decode(&b).unwrap_or_else(|_| b.into_bytes()))
        })
    };
    Ok(AnyValue { value })
}
