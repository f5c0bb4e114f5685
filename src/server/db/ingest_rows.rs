//! What one ingestion request writes, and how it is folded before writing:
//! one row per trace (fields given later win, times widened over its spans)
//! and one per observation id (a span sent twice is one row).

use serde_json::Value;
use std::collections::BTreeMap;

/// One observation (a span), as mapped from the wire.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SpanRow {
    pub trace_id: String,
    pub observation_id: String,
    pub parent_observation_id: Option<String>,
    /// One of the observation types the table admits.
    pub kind: String,
    pub name: Option<String>,
    /// RFC 3339; `None` on an update that does not move it.
    pub start_time: Option<String>,
    pub end_time: Option<String>,
    /// `DEBUG`, `DEFAULT`, `WARNING` or `ERROR`; `None` keeps what is stored.
    pub level: Option<String>,
    pub status_message: Option<String>,
    pub model: Option<String>,
    pub model_parameters: Option<Value>,
    pub input: Option<Value>,
    pub output: Option<Value>,
    /// `{"input_tokens", "output_tokens", "total_tokens", …}`.
    pub usage: Option<Value>,
    pub cost_usd: Option<f64>,
    pub cost_details: Option<Value>,
    pub completion_start_time: Option<String>,
    pub environment: Option<String>,
    pub version: Option<String>,
    pub metadata: Option<Value>,
}

/// What one request says about a trace (merged over its spans).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TraceRow {
    pub trace_id: String,
    pub name: Option<String>,
    pub user_id: Option<String>,
    /// The external session id.
    pub session_id: Option<String>,
    pub tags: Option<Vec<String>>,
    pub metadata: Option<Value>,
    pub input: Option<Value>,
    pub output: Option<Value>,
    pub environment: Option<String>,
    pub release: Option<String>,
    pub version: Option<String>,
    pub start_time: Option<String>,
    pub end_time: Option<String>,
}

/// One request's worth of writes.
#[derive(Debug, Clone, Default)]
pub struct Batch {
    pub traces: Vec<TraceRow>,
    pub spans: Vec<SpanRow>,
}

/// One row per trace id (fields given later win), sorted by trace id; every
/// span's trace is there, its times widened to the span's.
pub(super) fn merge_traces(traces: Vec<TraceRow>, spans: &[SpanRow]) -> Vec<TraceRow> {
    let mut merged: BTreeMap<String, TraceRow> = BTreeMap::new();
    for t in traces {
        let row = merged
            .entry(t.trace_id.clone())
            .or_insert_with(|| TraceRow { trace_id: t.trace_id.clone(), ..Default::default() });
        macro_rules! take {
            ($($f:ident),*) => { $( if t.$f.is_some() { row.$f = t.$f; } )* };
        }
        take!(name, user_id, session_id, tags, input, output, environment, release, version);
        if let Some(Value::Object(extra)) = t.metadata {
            match &mut row.metadata {
                Some(Value::Object(have)) => have.extend(extra),
                _ => row.metadata = Some(Value::Object(extra)),
            }
        }
        widen(row, t.start_time.as_deref(), t.end_time.as_deref());
    }
    for s in spans {
        let row = merged
            .entry(s.trace_id.clone())
            .or_insert_with(|| TraceRow { trace_id: s.trace_id.clone(), ..Default::default() });
        widen(row, s.start_time.as_deref(), s.end_time.as_deref().or(s.start_time.as_deref()));
    }
    merged.into_values().collect()
}

fn widen(row: &mut TraceRow, start: Option<&str>, end: Option<&str>) {
    if let Some(start) = start {
        if row.start_time.as_deref().is_none_or(|have| start < have) {
            row.start_time = Some(start.to_string());
        }
    }
    if let Some(end) = end {
        if row.end_time.as_deref().is_none_or(|have| end > have) {
            row.end_time = Some(end.to_string());
        }
    }
}

/// The last of each observation id, sorted by it (the lock order).
pub(super) fn dedupe_spans(spans: Vec<SpanRow>) -> Vec<SpanRow> {
    let mut by_id: BTreeMap<String, SpanRow> = BTreeMap::new();
    for s in spans {
        match by_id.get_mut(&s.observation_id) {
            Some(have) => merge_span(have, s),
            None => {
                by_id.insert(s.observation_id.clone(), s);
            }
        }
    }
    by_id.into_values().collect()
}

/// A later event about the same observation: its fields win where given.
fn merge_span(have: &mut SpanRow, s: SpanRow) {
    macro_rules! take {
        ($($f:ident),*) => { $( if s.$f.is_some() { have.$f = s.$f; } )* };
    }
    take!(
        parent_observation_id,
        name,
        start_time,
        end_time,
        level,
        status_message,
        model,
        model_parameters,
        input,
        output,
        usage,
        cost_usd,
        cost_details,
        completion_start_time,
        environment,
        version,
        metadata
    );
    have.kind = s.kind;
    have.trace_id = s.trace_id;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(trace: &str, id: &str, start: &str, end: &str) -> SpanRow {
        SpanRow {
            trace_id: trace.into(),
            observation_id: id.into(),
            kind: "span".into(),
            start_time: Some(start.into()),
            end_time: Some(end.into()),
            ..Default::default()
        }
    }

    #[test]
    fn traces_merge_over_spans_and_rows() {
        let spans = [
            span("b", "2", "2026-01-01T00:00:02.000Z", "2026-01-01T00:00:03.000Z"),
            span("b", "1", "2026-01-01T00:00:01.000Z", "2026-01-01T00:00:02.500Z"),
            span("a", "3", "2026-01-01T00:00:05.000Z", "2026-01-01T00:00:06.000Z"),
        ];
        let rows = vec![
            TraceRow {
                trace_id: "b".into(),
                name: Some("first".into()),
                metadata: Some(serde_json::json!({"x": 1})),
                ..Default::default()
            },
            TraceRow {
                trace_id: "b".into(),
                user_id: Some("u".into()),
                metadata: Some(serde_json::json!({"y": 2})),
                ..Default::default()
            },
        ];
        let merged = merge_traces(rows, &spans);
        assert_eq!(merged.iter().map(|t| t.trace_id.as_str()).collect::<Vec<_>>(), ["a", "b"]);
        let b = &merged[1];
        assert_eq!((b.name.as_deref(), b.user_id.as_deref()), (Some("first"), Some("u")));
        assert_eq!(b.metadata, Some(serde_json::json!({"x": 1, "y": 2})));
        assert_eq!(b.start_time.as_deref(), Some("2026-01-01T00:00:01.000Z"));
        assert_eq!(b.end_time.as_deref(), Some("2026-01-01T00:00:03.000Z"));
    }

    #[test]
    fn a_span_twice_is_one_row_with_the_later_fields() {
        let mut later = span("t", "1", "2026-01-01T00:00:01.000Z", "2026-01-01T00:00:04.000Z");
        later.output = Some(serde_json::json!("done"));
        let spans = vec![span("t", "2", "x", "y"), span("t", "1", "2026-01-01T00:00:01.000Z", "z"), later];
        let rows = dedupe_spans(spans);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].observation_id, "1");
        assert_eq!(rows[0].output, Some(serde_json::json!("done")));
        assert_eq!(rows[0].end_time.as_deref(), Some("2026-01-01T00:00:04.000Z"));
    }
}
