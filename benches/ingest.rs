//! Figures for traces from apps (issue 10), printed as a table:
//! - OTLP/HTTP ingestion: spans/s for pre-encoded protobuf batches of 500
//!   spans, one client and 8 concurrent clients;
//! - the time from a request's 2xx to its trace being readable over the API;
//! - peak RSS while ingesting 1,000,000 spans (batches made as they are sent);
//! - the traces list at 1,000,000 traces: first page, filtered pages, a sort,
//!   a full-text search, a deep page (p50/p95 over samples).
//!
//! Real server on loopback over a fresh SQLite file (or PostgreSQL under
//! `scripts/with-postgres`). `OBSERV_BENCH_SPANS` / `OBSERV_BENCH_TRACES`
//! scale it down for a quick look. Run with `make bench`.

#[path = "support/mod.rs"]
mod support;

use observ::server::otlp::proto::{
    ExportTraceServiceRequest, KeyValue, Message, Resource, ResourceSpans, ScopeSpans, Span, Status, STATUS_ERROR,
};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const BATCH_SPANS: usize = 500;
const SPANS_PER_TRACE: usize = 5;
const T0: u64 = 1_764_000_000_000_000_000;
const WORDS: [&str; 16] = [
    "refund", "parcel", "invoice", "delivery", "password", "account", "order", "billing", "shipping", "return",
    "coupon", "address", "upgrade", "cancel", "warranty", "receipt",
];

fn env_usize(key: &str, default: usize) -> usize {
    std::env::var(key).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// A small deterministic generator (no dependency for the benchmark).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Trace number `n` as `spans` spans: a root agent span, generations, a tool.
fn trace_spans(n: u64, spans: usize, rng: &mut Rng) -> Vec<Span> {
    let mut trace_id = [0u8; 16];
    trace_id[..8].copy_from_slice(&n.to_be_bytes());
    trace_id[8..].copy_from_slice(&0x5eed_u64.to_be_bytes());
    let start = T0 + n * 1_000_000_000;
    let word = |rng: &mut Rng| WORDS[rng.below(WORDS.len() as u64) as usize];
    let rare = if n % 1000 == 7 { " zebra" } else { "" };
    let question = format!("Where is my {} about the {} and the {}?{rare}", word(rng), word(rng), word(rng));
    let error = rng.below(50) == 0;
    (0..spans)
        .map(|k| {
            let mut span_id = [0u8; 8];
            span_id[..6].copy_from_slice(&n.to_be_bytes()[2..]);
            span_id[7] = k as u8 + 1;
            let mut attributes = vec![];
            let mut parent = Vec::new();
            if k == 0 {
                attributes.push(KeyValue::string("user.id", format!("user-{}", rng.below(1000))));
                attributes.push(KeyValue::string("session.id", format!("session-{}", n / 4)));
                attributes.push(KeyValue::string("langfuse.trace.tags", if n.is_multiple_of(3) { r#"["vip","web"]"# } else { r#"["web"]"# }));
                attributes.push(KeyValue::string("langfuse.observation.type", "agent"));
                attributes.push(KeyValue::string("langfuse.observation.input", format!(r#"{{"question":"{question}"}}"#)));
                attributes.push(KeyValue::string("langfuse.observation.output", format!(r#"{{"answer":"Your {} is on its way."}}"#, word(rng))));
            } else {
                let mut p = span_id;
                p[7] = 1;
                parent = p.to_vec();
                if k % 2 == 1 {
                    let model = ["gpt-4o", "gpt-4o-mini", "claude-3-5-haiku"][rng.below(3) as usize];
                    attributes.push(KeyValue::string("gen_ai.operation.name", "chat"));
                    attributes.push(KeyValue::string("gen_ai.request.model", model));
                    attributes.push(KeyValue::int("gen_ai.usage.input_tokens", 200 + rng.below(800) as i64));
                    attributes.push(KeyValue::int("gen_ai.usage.output_tokens", 20 + rng.below(200) as i64));
                    attributes.push(KeyValue::string(
                        "gen_ai.input.messages",
                        format!(r#"[{{"role":"system","content":"You answer customers."}},{{"role":"user","content":"{question}"}}]"#),
                    ));
                    attributes.push(KeyValue::string("gen_ai.output.messages", r#"[{"role":"assistant","content":"Let me check."}]"#));
                } else {
                    attributes.push(KeyValue::string("gen_ai.operation.name", "execute_tool"));
                    attributes.push(KeyValue::string("tool.name", "lookup_order"));
                }
            }
            let span_start = start + k as u64 * 50_000_000;
            Span {
                trace_id: trace_id.to_vec(),
                span_id: span_id.to_vec(),
                parent_span_id: parent,
                name: if k == 0 { "support-request".into() } else { format!("step-{k}") },
                kind: 1,
                start_time_unix_nano: span_start,
                end_time_unix_nano: span_start + 40_000_000 + rng.below(400) * 1_000_000,
                attributes,
                events: Vec::new(),
                status: (error && k == spans - 1).then(|| Status { message: "upstream timeout".into(), code: STATUS_ERROR }),
            }
        })
        .collect()
}

/// One request body of `BATCH_SPANS` spans: traces `first..` of `spans` spans each.
fn batch(first: u64, spans: usize, rng: &mut Rng) -> Vec<u8> {
    let traces = (BATCH_SPANS / spans) as u64;
    let all: Vec<Span> = (first..first + traces).flat_map(|n| trace_spans(n, spans, rng)).collect();
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(Resource {
                attributes: vec![
                    KeyValue::string("service.name", "support-bot"),
                    KeyValue::string("deployment.environment", ["production", "staging", "dev"][(first % 3) as usize]),
                ],
            }),
            scope_spans: vec![ScopeSpans { scope: None, spans: all }],
        }],
    }
    .encode_to_vec()
}

async fn send(client: &reqwest::Client, url: &str, body: Vec<u8>) {
    let res = client.post(url).header("content-type", "application/x-protobuf").body(body).send().await.unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap_or_default());
}

/// Sends `bodies` from `clients` concurrent clients; returns the wall time.
async fn ingest(client: &reqwest::Client, url: &str, bodies: Vec<Vec<u8>>, clients: usize) -> Duration {
    let bodies = Arc::new(bodies);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..clients)
        .map(|_| {
            let (client, url, bodies, next) = (client.clone(), url.to_string(), bodies.clone(), next.clone());
            tokio::spawn(async move {
                loop {
                    let n = next.fetch_add(1, Ordering::SeqCst);
                    let Some(body) = bodies.get(n) else { return };
                    send(&client, &url, body.clone()).await;
                }
            })
        })
        .collect();
    for w in workers {
        w.await.unwrap();
    }
    started.elapsed()
}

fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    samples[((samples.len() as f64 * p).ceil() as usize).saturating_sub(1).min(samples.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// Resets this process's peak RSS (Linux), so the next reading is this phase's.
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

#[tokio::main]
async fn main() {
    let spans_total = env_usize("OBSERV_BENCH_SPANS", 1_000_000);
    let traces_total = env_usize("OBSERV_BENCH_TRACES", 1_000_000);
    let server = support::start().await;
    let client = server.client.clone();
    let url = format!("{}/v1/traces", server.base);
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut next_trace: u64 = 0;
    println!("Observ ingestion benchmark ({} backend)\n", support::backend());
    println!("| figure | result |\n|---|---|");

    // Throughput: pre-encoded batches, one client, then 8.
    for clients in [1usize, 8] {
        let batches = 200;
        let bodies: Vec<Vec<u8>> = (0..batches)
            .map(|_| {
                let body = batch(next_trace, SPANS_PER_TRACE, &mut rng);
                next_trace += (BATCH_SPANS / SPANS_PER_TRACE) as u64;
                body
            })
            .collect();
        let bytes: usize = bodies.iter().map(Vec::len).sum();
        let took = ingest(&client, &url, bodies, clients).await;
        let spans = batches * BATCH_SPANS;
        println!(
            "| OTLP protobuf, {BATCH_SPANS}-span batches ({} KiB each), {clients} client{} | {:.0} spans/s ({spans} spans in {:.2} s) |",
            bytes / batches / 1024,
            if clients == 1 { "" } else { "s" },
            spans as f64 / took.as_secs_f64(),
            took.as_secs_f64()
        );
    }

    // 2xx → readable: one small trace, then read it at once.
    let mut readable = Vec::new();
    for _ in 0..50 {
        let n = next_trace;
        next_trace += 1;
        let body = ExportTraceServiceRequest {
            resource_spans: vec![ResourceSpans {
                resource: None,
                scope_spans: vec![ScopeSpans { scope: None, spans: trace_spans(n, 3, &mut rng) }],
            }],
        }
        .encode_to_vec();
        send(&client, &url, body).await;
        let acked = Instant::now();
        let mut id = [0u8; 16];
        id[..8].copy_from_slice(&n.to_be_bytes());
        id[8..].copy_from_slice(&0x5eed_u64.to_be_bytes());
        let hex: String = id.iter().map(|b| format!("{b:02x}")).collect();
        loop {
            let res = client.get(format!("{}/api/v1/traces/{hex}", server.base)).send().await.unwrap();
            if res.status() == 200 {
                break;
            }
        }
        readable.push(acked.elapsed());
    }
    println!(
        "| request 2xx → trace readable over the API (50 samples) | p50 {}, p95 {} |",
        ms(percentile(&mut readable, 0.5)),
        ms(percentile(&mut readable, 0.95))
    );

    // Peak RSS while ingesting `spans_total` spans, batches made as they are sent.
    reset_peak_rss();
    let before = support::peak_rss_mib();
    let started = Instant::now();
    let mut sent = 0;
    while sent < spans_total {
        let body = batch(next_trace, SPANS_PER_TRACE, &mut rng);
        next_trace += (BATCH_SPANS / SPANS_PER_TRACE) as u64;
        send(&client, &url, body).await;
        sent += BATCH_SPANS;
    }
    println!(
        "| peak RSS while ingesting {spans_total} spans (server and client, one process) | {:.0} MiB (at start {:.0} MiB; {:.0} spans/s incl. encoding) |",
        support::peak_rss_mib(),
        before,
        sent as f64 / started.elapsed().as_secs_f64()
    );

    // Fill up to `traces_total` traces (one span each), then time the list.
    let have = next_trace as usize;
    let started = Instant::now();
    while (next_trace as usize) < traces_total {
        let body = batch(next_trace, 1, &mut rng);
        next_trace += BATCH_SPANS as u64;
        send(&client, &url, body).await;
    }
    if (next_trace as usize) > have {
        println!(
            "| filled to {next_trace} traces ({} more, one span each) | {:.1} s |",
            next_trace as usize - have,
            started.elapsed().as_secs_f64()
        );
    }
    let cursor = {
        let mut cursor = String::new();
        for _ in 0..20 {
            let page: serde_json::Value = client
                .get(format!("{}/api/v1/traces?limit=50&cursor={cursor}", server.base))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            cursor = page["next_cursor"].as_str().unwrap_or_default().to_string();
        }
        cursor
    };
    let deep = format!("cursor={cursor}");
    let queries: [(&str, &str); 9] = [
        ("first page", ""),
        ("filtered: one user", "user_id=user-17"),
        ("filtered: environment + tag", "environment=staging&tags=vip"),
        ("filtered: has error", "has_error=true"),
        ("filtered: model (any observation)", "model=claude-3-5-haiku"),
        ("sorted by cost", "sort=cost"),
        ("sorted by latency, min latency 300 ms", "sort=latency&min_latency_ms=300"),
        ("full-text search (rare word)", "search=zebra"),
        ("page 21 (cursor)", deep.as_str()),
    ];
    for (label, query) in queries {
        let mut samples = Vec::new();
        let mut rows = 0;
        for _ in 0..40 {
            let started = Instant::now();
            let res = client.get(format!("{}/api/v1/traces?limit=50&{query}", server.base)).send().await.unwrap();
            assert_eq!(res.status(), 200);
            let page: serde_json::Value = res.json().await.unwrap();
            samples.push(started.elapsed());
            rows = page["data"].as_array().map_or(0, Vec::len);
        }
        println!(
            "| traces list at {next_trace} traces, {label} ({rows} rows) | p50 {}, p95 {} |",
            ms(percentile(&mut samples, 0.5)),
            ms(percentile(&mut samples, 0.95))
        );
    }
}
