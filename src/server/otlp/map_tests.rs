//! Unit tests of the span mapping.

use super::super::proto::{ResourceSpans, ScopeSpans, Status};
use super::*;

fn span(attributes: Vec<KeyValue>) -> Span {
    Span {
        trace_id: vec![1; 16],
        span_id: vec![2; 8],
        parent_span_id: vec![3; 8],
        name: "call".into(),
        start_time_unix_nano: 1_764_000_000_000_000_000,
        end_time_unix_nano: 1_764_000_001_500_000_000,
        attributes,
        ..Default::default()
    }
}

fn map_one(span: Span) -> Mapped {
    let request = ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: None,
            scope_spans: vec![ScopeSpans { scope: None, spans: vec![span] }],
        }],
    };
    let mut prices = PriceTable::default();
    prices.0.insert("gpt-4o".into(), crate::server::llm::Price { input_per_million: 2.5, output_per_million: 10.0 });
    map_request(request, &prices).unwrap()
}

#[test]
fn gen_ai_spans_become_priced_generations() {
    let m = map_one(span(vec![
        KeyValue::string("gen_ai.operation.name", "chat"),
        KeyValue::string("gen_ai.request.model", "gpt-4o"),
        KeyValue::int("gen_ai.usage.input_tokens", 1000),
        KeyValue::int("gen_ai.usage.output_tokens", 100),
        KeyValue::string("gen_ai.input.messages", r#"[{"role":"user","content":"hi"}]"#),
        KeyValue::string("http.route", "/chat"),
    ]));
    let s = &m.batch.spans[0];
    assert_eq!((s.kind.as_str(), s.model.as_deref()), ("generation", Some("gpt-4o")));
    assert_eq!(s.usage, Some(json!({"input_tokens": 1000, "output_tokens": 100, "total_tokens": 1100})));
    assert!((s.cost_usd.unwrap() - 0.0035).abs() < 1e-12);
    assert_eq!(s.input, Some(json!([{"role": "user", "content": "hi"}])));
    assert_eq!(
        s.metadata.as_ref().unwrap()["attributes"],
        json!({"gen_ai.operation.name": "chat", "http.route": "/chat"})
    );
    assert_eq!(s.trace_id, "01".repeat(16));
    assert_eq!(s.parent_observation_id.as_deref(), Some("0303030303030303"));
    assert_eq!(s.start_time.as_deref(), Some("2025-11-24T16:00:00.000Z"));
    assert_eq!(s.end_time.as_deref(), Some("2025-11-24T16:00:01.500Z"));
}

#[test]
fn langfuse_attributes_fill_the_trace_and_observation() {
    let mut root = span(vec![
        KeyValue::string("langfuse.observation.type", "agent"),
        KeyValue::string("langfuse.trace.name", "support"),
        KeyValue::string("user.id", "u-1"),
        KeyValue::string("session.id", "s-1"),
        KeyValue::string("langfuse.trace.tags", r#"["a","b"]"#),
        KeyValue::string("langfuse.trace.metadata.team", "blue"),
        KeyValue::string("langfuse.observation.usage_details", r#"{"input":12,"output":3}"#),
        KeyValue::string("langfuse.observation.cost_details", r#"{"input":0.001,"output":0.002}"#),
        KeyValue::string("langfuse.observation.metadata.step", "1"),
        KeyValue::string("langfuse.environment", "production"),
    ]);
    root.parent_span_id = vec![];
    root.status = Some(Status { message: "boom".into(), code: STATUS_ERROR });
    let m = map_one(root);
    let (t, s) = (&m.batch.traces[0], &m.batch.spans[0]);
    assert_eq!(
        (t.name.as_deref(), t.user_id.as_deref(), t.session_id.as_deref()),
        (Some("support"), Some("u-1"), Some("s-1"))
    );
    assert_eq!(t.tags, Some(vec!["a".to_string(), "b".to_string()]));
    assert_eq!(t.metadata, Some(json!({"team": "blue"})));
    assert_eq!(t.environment.as_deref(), Some("production"));
    assert_eq!(s.kind, "agent");
    assert_eq!(s.usage, Some(json!({"input_tokens": 12, "output_tokens": 3, "total_tokens": 15})));
    assert!((s.cost_usd.unwrap() - 0.003).abs() < 1e-12);
    assert_eq!((s.level.as_deref(), s.status_message.as_deref()), (Some("ERROR"), Some("boom")));
    assert_eq!(s.metadata, Some(json!({"step": 1})));
    assert_eq!(s.parent_observation_id, None);
}

#[test]
fn openinference_kinds_and_tokens() {
    let m = map_one(span(vec![
        KeyValue::string("openinference.span.kind", "RETRIEVER"),
        KeyValue::string("llm.model_name", "m"),
        KeyValue::int("llm.token_count.prompt", 7),
        KeyValue::string("input.value", "what is x"),
    ]));
    let s = &m.batch.spans[0];
    assert_eq!(s.kind, "retriever");
    assert_eq!(s.usage, Some(json!({"input_tokens": 7, "total_tokens": 7})));
    assert_eq!(s.input, Some(json!("what is x")));
    assert_eq!(s.cost_usd, None);
}

#[test]
fn experiment_attributes_name_the_item() {
    let m = map_one(span(vec![
        KeyValue::string("langfuse.experiment.name", "run 1"),
        KeyValue::string("langfuse.experiment.id", "e1"),
        KeyValue::string("langfuse.experiment.dataset.id", "4"),
        KeyValue::string("langfuse.experiment.item.id", "17"),
        KeyValue::string("langfuse.experiment.item.expected_output", r#"{"a":1}"#),
    ]));
    let e = &m.experiments[0];
    assert_eq!((e.run_name.as_str(), e.dataset_id.as_str(), e.item_id.as_str()), ("run 1", "4", "17"));
    assert_eq!(e.expected_output, Some(json!({"a": 1})));
    assert!(m.batch.spans[0].metadata.as_ref().unwrap().get("attributes").is_none());
}

#[test]
fn bad_ids_name_the_span() {
    let mut bad = span(vec![]);
    bad.trace_id = vec![1; 3];
    let request = ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: None,
            scope_spans: vec![ScopeSpans { scope: None, spans: vec![span(vec![]), bad] }],
        }],
    };
    let error = map_request(request, &PriceTable::default()).unwrap_err();
    assert_eq!(error, "resourceSpans[0].scopeSpans[0].spans[1].traceId: must be 16 bytes, found 3");
}
