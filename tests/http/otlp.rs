//! OTLP/HTTP ingestion at `/v1/traces` and `/api/public/otel/v1/traces`:
//! protobuf and JSON bodies built here, out of order, duplicated, gzipped,
//! split across requests; auth, bad bodies and size limits.

use crate::server::{read, TestServer};
use flate2::write::GzEncoder;
use observ::model::user::Role;
use observ::server::otlp::proto::{
    ExportTraceServiceRequest, KeyValue, Message, ResourceSpans, ScopeSpans, Span, Status, STATUS_ERROR,
};
use serde_json::{json, Value};
use std::io::Write;

const T0: u64 = 1_764_000_000_000_000_000;
const MS: u64 = 1_000_000;

fn trace_id(n: u8) -> Vec<u8> {
    let mut id = vec![0xab; 16];
    id[15] = n;
    id
}

fn span_id(n: u8) -> Vec<u8> {
    vec![0, 0, 0, 0, 0, 0, 0x10, n]
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A span of trace `t`: `id` under `parent`, from `start` to `end` ms after T0.
fn span(t: u8, id: u8, parent: Option<u8>, name: &str, start: u64, end: u64, attributes: Vec<KeyValue>) -> Span {
    Span {
        trace_id: trace_id(t),
        span_id: span_id(id),
        parent_span_id: parent.map(span_id).unwrap_or_default(),
        name: name.into(),
        start_time_unix_nano: T0 + start * MS,
        end_time_unix_nano: T0 + end * MS,
        attributes,
        ..Default::default()
    }
}

fn request(spans: Vec<Span>) -> ExportTraceServiceRequest {
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(observ::server::otlp::proto::Resource {
                attributes: vec![
                    KeyValue::string("service.name", "shop"),
                    KeyValue::string("deployment.environment", "staging"),
                ],
            }),
            scope_spans: vec![ScopeSpans { scope: None, spans }],
        }],
    }
}

fn generation(model: &str, input: i64, output: i64) -> Vec<KeyValue> {
    vec![
        KeyValue::string("gen_ai.operation.name", "chat"),
        KeyValue::string("gen_ai.request.model", model),
        KeyValue::int("gen_ai.usage.input_tokens", input),
        KeyValue::int("gen_ai.usage.output_tokens", output),
    ]
}

async fn post_proto(s: &TestServer, path: &str, body: Vec<u8>, gzip: bool) -> (u16, Vec<u8>) {
    let mut req = s.client.post(s.url(path)).header("content-type", "application/x-protobuf");
    let body = if gzip {
        let mut enc = GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(&body).unwrap();
        req = req.header("content-encoding", "gzip");
        enc.finish().unwrap()
    } else {
        body
    };
    let res = req.body(body).send().await.unwrap();
    (res.status().as_u16(), res.bytes().await.unwrap().to_vec())
}

async fn trace_json(s: &TestServer, t: u8) -> Value {
    let (status, body) = read(s.get(&format!("/api/v1/traces/{}", hex(&trace_id(t)))).await).await;
    assert_eq!(status, 200, "{body}");
    body
}

#[tokio::test]
async fn spans_out_of_order_across_requests_make_one_trace_with_right_totals() {
    let s = TestServer::start().await;
    let root = {
        let mut root = span(
            1,
            1,
            None,
            "checkout",
            0,
            900,
            vec![KeyValue::string("user.id", "u-7"), KeyValue::string("session.id", "cart-1")],
        );
        root.attributes.push(KeyValue::string("langfuse.trace.tags", r#"["shop","v2"]"#));
        root
    };
    let child_a = span(1, 2, Some(1), "plan", 100, 300, generation("gpt-4o", 1000, 100));
    let mut child_b =
        span(1, 3, Some(2), "tool", 350, 400, vec![KeyValue::string("gen_ai.operation.name", "execute_tool")]);
    child_b.status = Some(Status { message: "timeout".into(), code: STATUS_ERROR });
    let grandchild = span(1, 4, Some(1), "answer", 500, 880, generation("gpt-4o", 200, 50));

    // Three requests: the grandchild first (its parent unknown yet), then a
    // duplicate and the root, then the rest gzipped — twice.
    let one = request(vec![grandchild.clone()]).encode_to_vec();
    let two = request(vec![grandchild.clone(), root.clone()]).encode_to_vec();
    let three = request(vec![child_b.clone(), child_a.clone()]).encode_to_vec();
    assert_eq!(post_proto(&s, "/v1/traces", one, false).await.0, 200);
    assert_eq!(post_proto(&s, "/api/public/otel/v1/traces", two, false).await.0, 200);
    for _ in 0..2 {
        let (status, body) = post_proto(&s, "/v1/traces", three.clone(), true).await;
        assert_eq!(status, 200);
        observ::server::otlp::proto::ExportTraceServiceResponse::decode(body.as_slice()).unwrap();
    }

    let t = trace_json(&s, 1).await;
    let observations = t["observations"].as_array().unwrap();
    assert_eq!(observations.len(), 4, "the duplicate is one observation");
    let by_name = |n: &str| observations.iter().find(|o| o["name"] == n).unwrap().clone();
    assert_eq!(by_name("plan")["parent_observation_id"], hex(&span_id(1)));
    assert_eq!(by_name("answer")["parent_observation_id"], hex(&span_id(1)));
    assert_eq!(by_name("plan")["type"], "generation");
    assert_eq!(by_name("tool")["type"], "tool");
    assert_eq!(
        (by_name("tool")["level"].clone(), by_name("tool")["status_message"].clone()),
        (json!("ERROR"), json!("timeout"))
    );
    assert_eq!(t["name"], "checkout");
    assert_eq!((t["user_id"].clone(), t["session_id"].clone()), (json!("u-7"), json!("cart-1")));
    assert_eq!(t["tags"], json!(["shop", "v2"]));
    assert_eq!(t["environment"], "staging");
    assert_eq!(t["total_tokens"], 1350);
    assert_eq!(t["latency_ms"], 900);
    assert_eq!(t["has_error"], true);
    assert_eq!(t["start_time"], "2025-11-24T16:00:00.000Z");

    // The session adds the trace up, once however often its spans came.
    let (_, sessions) = read(s.get("/api/v1/traces?session_id=cart-1").await).await;
    assert_eq!(sessions["data"].as_array().unwrap().len(), 1);
    let row: (i64, i64) = observ::server::db::exec::query_as(
        "SELECT total_traces_count, total_tokens FROM observ_sessions WHERE session_id = 'cart-1'",
    )
    .fetch_one(s.db.read_pool_for_tests())
    .await
    .unwrap();
    assert_eq!(row, (1, 1350));

    // Filters find it by user, tag, model, error and environment.
    for query in
        ["user_id=u-7", "tags=shop,v2", "model=gpt-4o", "has_error=true", "environment=staging", "min_latency_ms=800"]
    {
        let (status, list) = read(s.get(&format!("/api/v1/traces?{query}")).await).await;
        assert_eq!((status, list["data"].as_array().map(Vec::len)), (200, Some(1)), "{query}: {list}");
    }
    for query in ["user_id=u-8", "tags=shop,v3", "has_error=false", "min_latency_ms=901"] {
        assert_eq!(read(s.get(&format!("/api/v1/traces?{query}")).await).await.1["data"], json!([]), "{query}");
    }
}

#[tokio::test]
async fn json_bodies_and_their_errors() {
    let s = TestServer::start().await;
    let body = json!({"resourceSpans": [{"resource": {"attributes": []}, "scopeSpans": [{"scope": {"name": "app"}, "spans": [{
        "traceId": hex(&trace_id(9)), "spanId": hex(&span_id(1)), "name": "ask",
        "startTimeUnixNano": (T0).to_string(), "endTimeUnixNano": T0 + 40 * MS,
        "attributes": [
            {"key": "openinference.span.kind", "value": {"stringValue": "LLM"}},
            {"key": "llm.model_name", "value": {"stringValue": "m"}},
            {"key": "llm.token_count.prompt", "value": {"intValue": "11"}},
            {"key": "input.value", "value": {"stringValue": "where is my parcel"}},
            {"key": "custom.flag", "value": {"boolValue": true}}
        ]
    }]}]}]});
    let res = s.client.post(s.url("/v1/traces")).json(&body).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let t = trace_json(&s, 9).await;
    let o = &t["observations"][0];
    assert_eq!((o["type"].clone(), o["model"].clone()), (json!("generation"), json!("m")));
    assert_eq!(o["metadata"]["attributes"], json!({"custom.flag": true}));
    assert_eq!(o["metadata"]["scope"], "app");
    assert_eq!(t["input"], "where is my parcel");
    // Full-text search finds it by a word of its input.
    assert_eq!(read(s.get("/api/v1/traces?search=parcel").await).await.1["data"].as_array().unwrap().len(), 1);
    assert_eq!(read(s.get("/api/v1/traces?search=umbrella").await).await.1["data"], json!([]));

    // A bad id names the span and field, and nothing of the request is written.
    let mut bad = body.clone();
    let spans = bad["resourceSpans"][0]["scopeSpans"][0]["spans"].as_array_mut().unwrap();
    let mut second = spans[0].clone();
    second["traceId"] = json!(hex(&trace_id(10)));
    second["spanId"] = json!("abc");
    spans.insert(
        0,
        json!({"traceId": hex(&trace_id(11)), "spanId": hex(&span_id(2)), "name": "fine", "startTimeUnixNano": "1"}),
    );
    spans.push(second);
    let (status, error) = read(s.client.post(s.url("/v1/traces")).json(&bad).send().await.unwrap()).await;
    assert_eq!(status, 400);
    assert!(
        error["error"]["message"].as_str().unwrap().contains("resourceSpans[0].scopeSpans[0].spans[2].spanId"),
        "{error}"
    );
    assert_eq!(read(s.get(&format!("/api/v1/traces/{}", hex(&trace_id(11)))).await).await.0, 404);

    let (status, error) =
        read(s.client.post(s.url("/v1/traces")).json(&json!({"resourceSpans": 3})).send().await.unwrap()).await;
    assert_eq!((status, error["error"]["message"].clone()), (400, json!("body: resourceSpans: must be an array")));
}

#[tokio::test]
async fn bad_protobuf_auth_and_size_are_refused() {
    let s = TestServer::start().await;
    let good = request(vec![span(2, 1, None, "x", 0, 1, vec![])]).encode_to_vec();
    let (status, body) = post_proto(&s, "/v1/traces", vec![0x0a, 0xff, 0xff, 0x01], false).await;
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(status, 400);
    assert!(
        body["error"]["message"].as_str().unwrap().starts_with("body: not an OTLP ExportTraceServiceRequest"),
        "{body}"
    );
    let (status, _) = post_proto(&s, "/v1/traces", b"not gzip".to_vec(), false).await;
    assert_eq!(status, 400);
    let res = s
        .client
        .post(s.url("/v1/traces"))
        .header("content-type", "application/x-protobuf")
        .header("content-encoding", "gzip")
        .body("plain")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);

    // No key, a wrong key, a viewer's key: nothing written.
    let anon = s
        .anon
        .post(s.url("/v1/traces"))
        .header("content-type", "application/x-protobuf")
        .body(good.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(anon.status(), 401);
    let wrong = reqwest::Client::new()
        .post(s.url("/api/public/otel/v1/traces"))
        .basic_auth(&s.public_key, Some("sk-wrong"))
        .header("content-type", "application/x-protobuf")
        .body(good.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    let (_, viewer) = s.key("v", Role::Viewer).await;
    let res = crate::server::client_with_key(&viewer)
        .post(s.url("/v1/traces"))
        .header("content-type", "application/x-protobuf")
        .body(good.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(s.count("observ_traces").await, 0);
    // Basic public:secret works (the Langfuse SDKs' way).
    let basic = reqwest::Client::new()
        .post(s.url("/api/public/otel/v1/traces"))
        .basic_auth(&s.public_key, Some(&s.secret))
        .header("content-type", "application/x-protobuf")
        .body(good)
        .send()
        .await
        .unwrap();
    assert_eq!(basic.status(), 200);

    // Over the limit: 413, compressed or once inflated.
    let big = vec![0u8; observ::server::otlp::BODY_LIMIT_MB * 1024 * 1024 + 1];
    assert_eq!(post_proto(&s, "/v1/traces", big, false).await.0, 413);
    let bomb = vec![0u8; observ::server::otlp::INFLATED_LIMIT_MB * 1024 * 1024 + 1];
    assert_eq!(post_proto(&s, "/v1/traces", bomb, true).await.0, 413);
    let res = s.client.post(s.url("/v1/traces")).header("content-type", "text/plain").body("x").send().await.unwrap();
    assert_eq!(res.status(), 415);
    assert_eq!(s.count("observ_traces").await, 1);
}

#[tokio::test]
async fn two_instances_take_spans_of_the_same_traces_at_once() {
    let s = TestServer::start().await;
    // Several instances share PostgreSQL; a SQLite file has one process, which
    // takes the same concurrent requests alone.
    let other = if crate::server::on_postgres() { s.another_instance().await } else { s.base.clone() };
    // 40 requests, alternating between the instances, all at once: each adds
    // one generation to one of two traces in one session.
    let sends = (0..40u8).map(|n| {
        let t = 20 + n % 2;
        let mut spans =
            vec![span(t, n + 2, Some(1), "call", u64::from(n) * 10, u64::from(n) * 10 + 5, generation("m", 10, 1))];
        spans[0].attributes.push(KeyValue::string("session.id", "shared"));
        let body = request(spans).encode_to_vec();
        let base = if n % 4 < 2 { s.base.clone() } else { other.clone() };
        let client = s.client.clone();
        tokio::spawn(async move {
            client
                .post(format!("{base}/v1/traces"))
                .header("content-type", "application/x-protobuf")
                .body(body)
                .send()
                .await
                .unwrap()
                .status()
        })
    });
    let tasks: Vec<_> = sends.collect();
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    assert!(statuses.iter().all(|st| *st == 200), "{statuses:?}");
    for t in [20, 21] {
        let trace = trace_json(&s, t).await;
        assert_eq!(trace["observations"].as_array().unwrap().len(), 20);
        assert_eq!(trace["total_tokens"], 220, "no request's spans missed in the totals");
    }
    let row: (i64, i64) = observ::server::db::exec::query_as(
        "SELECT total_traces_count, total_tokens FROM observ_sessions WHERE session_id = 'shared'",
    )
    .fetch_one(s.db.read_pool_for_tests())
    .await
    .unwrap();
    assert_eq!(row, (2, 440));
}

#[tokio::test]
async fn the_model_filter_pages_newest_first_with_other_filters() {
    let s = TestServer::start().await;
    for t in 30..35u8 {
        let model = if t == 32 { "other" } else { "paged" };
        let mut attrs = generation(model, 1, 1);
        attrs.push(KeyValue::string("user.id", if t == 34 { "u-b" } else { "u-a" }));
        let body = request(vec![span(t, 1, None, "gen", u64::from(t) * 1000, u64::from(t) * 1000 + 10, attrs)])
            .encode_to_vec();
        assert_eq!(post_proto(&s, "/v1/traces", body, false).await.0, 200);
    }
    let (_, first) = read(s.get("/api/v1/traces?model=paged&limit=2").await).await;
    let names = |page: &Value| {
        page["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["trace_id"].as_str().unwrap()[30..].to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(names(&first), ["22", "21"], "newest first: {first}");
    let cursor = first["next_cursor"].as_str().unwrap();
    let (_, second) = read(s.get(&format!("/api/v1/traces?model=paged&limit=2&cursor={cursor}")).await).await;
    assert_eq!(names(&second), ["1f", "1e"]);
    assert_eq!(second["next_cursor"], Value::Null);
    let (_, mixed) = read(s.get("/api/v1/traces?model=paged&user_id=u-a&sort=tokens").await).await;
    assert_eq!(mixed["data"].as_array().unwrap().len(), 3);
}
