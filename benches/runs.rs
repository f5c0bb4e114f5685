//! Run-engine throughput: a zero-latency agent (`echo`) over 10,000 items at
//! concurrency 8, beside the database's own limit for the same writes (the
//! rows a run writes per item, 256 items per transaction, with no runner), and
//! a 100 ms agent against its ideal wall time.
//!
//! Run with `cargo bench --features ssr --bench runs` (SQLite), or under
//! `scripts/with-postgres` with `OBSERV_PG_DURABLE=1` (PostgreSQL).

#[path = "support/mod.rs"]
mod support;

use observ::server::agents::{Agent, AgentContext, AgentFuture, AgentRegistry};
use serde_json::{json, Value};

/// An agent that takes 100 ms and does nothing else.
struct Sleeper;

impl Agent for Sleeper {
    fn kind(&self) -> &'static str {
        "builtin"
    }
    fn description(&self) -> String {
        "sleeps 100 ms".into()
    }
    fn run<'a>(&'a self, input: &'a Value, _cx: &'a AgentContext) -> AgentFuture<'a> {
        Box::pin(async move {
            tokio::time::sleep(Duration::from_millis(100)).await;
            Ok(input.clone())
        })
    }
}
use std::time::{Duration, Instant};

const ITEMS: usize = 10_000;

#[tokio::main]
async fn main() {
    let mut agents = AgentRegistry::builtin();
    agents.register("sleep-100ms", std::sync::Arc::new(Sleeper));
    let server = support::start_with(agents).await;
    let db = server.db.clone();

    let items: Vec<Value> =
        (0..ITEMS).map(|n| json!({"input": {"question": format!("q{n}")}, "expected_output": n})).collect();
    let id = server.dataset("bench", "echo", items).await;
    let (elapsed, run) = server.timed_run(id, 8).await;
    assert_eq!(run["completed_items"], ITEMS as i64);
    println!(
        "{} run: {ITEMS} items, echo agent, concurrency 8: {:.2} s → {:.0} items/s",
        support::backend(),
        elapsed.as_secs_f64(),
        ITEMS as f64 / elapsed.as_secs_f64()
    );

    // The database's own limit for the same writes: session, trace, run-item
    // result, counters and event numbers, 256 items per transaction, written
    // straight through `db::record` with no runner, agent or HTTP in between.
    let items: Vec<Value> =
        (0..ITEMS).map(|n| json!({"input": {"question": format!("q{n}")}, "expected_output": n})).collect();
    let limit_dataset = server.dataset("limit", "echo", items).await;
    let elapsed = write_limit(&db, limit_dataset).await;
    println!(
        "{} limit: the same writes for {ITEMS} items, 256 per transaction: {:.2} s → {:.0} items/s",
        support::backend(),
        elapsed.as_secs_f64(),
        ITEMS as f64 / elapsed.as_secs_f64()
    );

    println!("peak RSS after the 10,000-item run: {:.0} MiB", support::peak_rss_mib());

    // 100 ms agent, 1,000 items, concurrency 32, against ceil(1000/32) × 100 ms.
    let id = server.dataset("sleepy", "sleep-100ms", (0..1000).map(|n| json!({ "input": n })).collect()).await;
    let wall = server.timed_run(id, 32).await.0.as_secs_f64();
    let ideal = (1000f64 / 32.0).ceil() * 0.1;
    println!(
        "{} run: 1,000 items, 100 ms agent, concurrency 32: {wall:.2} s vs ideal {ideal:.2} s → {:.3}×",
        support::backend(),
        wall / ideal
    );
}

/// Claims every item of a new run on `dataset` and records them as the runner
/// would (same session, trace and result rows), timing the recording only.
async fn write_limit(db: &observ::server::db::Db, dataset: i64) -> Duration {
    use observ::server::db::{leases, record, runs, traces};
    let draft =
        observ::model::run::RunDraft { name: "limit".into(), description: None, concurrency: 8, repetitions: 1 };
    let run = runs::create(db, dataset, &draft).await.unwrap();
    runs::mark_running(db, run).await.unwrap();
    let claimed = leases::claim(db, run, "bench", ITEMS as i64, 600_000, &mut 0).await.unwrap();
    assert_eq!(claimed.len(), ITEMS);
    let shape = |item: leases::PendingItem, seq: i64| {
        let key = format!("{run}-{}-{seq}", item.id);
        let metadata = json!({"dataset_id": dataset, "dataset_name": "limit", "dataset_run_id": run,
            "dataset_run_name": "limit", "dataset_item_id": item.dataset_item_id, "dataset_run_item_id": item.id});
        record::FinishedItem {
            run_item_id: item.id,
            dataset_item_id: item.dataset_item_id,
            repetition: item.repetition,
            input: item.input.clone(),
            expected_output: item.expected_output.clone(),
            output: Some(item.input.clone()),
            error: None,
            latency_ms: 0,
            session: traces::NewSession {
                session_id: format!("dataset-run-{key}"),
                user_id: Some(format!("dataset_run_{run}")),
                metadata: metadata.clone(),
            },
            trace: traces::NewTrace {
                trace_id: format!("trace-{key}"),
                start_time: None,
                name: "dataset_run_item".into(),
                input: Some(item.input),
                metadata,
                tags: vec!["dataset".into(), "dataset:limit".into(), "run:limit".into()],
                user_id: Some(format!("dataset_run_{run}")),
            },
            observations: Vec::new(),
            scores: Vec::new(),
        }
    };
    let started = Instant::now();
    let mut claimed = claimed.into_iter().peekable();
    while claimed.peek().is_some() {
        let batch: Vec<leases::PendingItem> = claimed.by_ref().take(256).collect();
        record::record_batch(db, run, "bench", batch, |i| i.id, shape).await.unwrap();
    }
    started.elapsed()
}
