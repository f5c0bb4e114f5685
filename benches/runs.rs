//! Run-engine throughput: a zero-latency agent (`echo`) over 10,000 items at
//! concurrency 8, beside this machine's SQLite limit for a comparable write
//! (one committed transaction inserting a row per item into the same file).
//!
//! Run with `cargo bench --features ssr --bench runs`.

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
        "run: {ITEMS} items, echo agent, concurrency 8: {:.2} s → {:.0} items/s",
        elapsed.as_secs_f64(),
        ITEMS as f64 / elapsed.as_secs_f64()
    );

    // The same file's limit for one committed transaction per item.
    observ::server::db::exec::query("CREATE TABLE bench_limit (id INTEGER PRIMARY KEY, payload TEXT)")
        .execute(db.write_pool_for_tests())
        .await
        .unwrap();
    let started = Instant::now();
    for n in 0..ITEMS {
        let mut tx = db.write_pool_for_tests().begin().await.unwrap();
        observ::server::db::exec::query("INSERT INTO bench_limit (payload) VALUES (?)")
            .bind(format!("{{\"n\": {n}}}"))
            .execute(&mut tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
    let elapsed = started.elapsed();
    println!(
        "sqlite limit: {ITEMS} single-row transactions: {:.2} s → {:.0} commits/s",
        elapsed.as_secs_f64(),
        ITEMS as f64 / elapsed.as_secs_f64()
    );

    println!("peak RSS after the 10,000-item run: {:.0} MiB", support::peak_rss_mib());

    // 100 ms agent, 1,000 items, concurrency 32, against ceil(1000/32) × 100 ms.
    let id = server.dataset("sleepy", "sleep-100ms", (0..1000).map(|n| json!({ "input": n })).collect()).await;
    let wall = server.timed_run(id, 32).await.0.as_secs_f64();
    let ideal = (1000f64 / 32.0).ceil() * 0.1;
    println!(
        "run: 1,000 items, 100 ms agent, concurrency 32: {wall:.2} s vs ideal {ideal:.2} s → {:.3}×",
        wall / ideal
    );
}
