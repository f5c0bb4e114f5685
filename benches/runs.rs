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
    let (base, db, client) = (server.base.clone(), server.db.clone(), server.client.clone());

    let res = client
        .post(format!("{base}/api/v1/datasets"))
        .json(&json!({"name": "bench", "agent_class": "echo"}))
        .send()
        .await
        .unwrap();
    let id = res.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let items: Vec<Value> =
        (0..ITEMS).map(|n| json!({"input": {"question": format!("q{n}")}, "expected_output": n})).collect();
    client.post(format!("{base}/api/v1/datasets/{id}/items")).json(&json!({ "items": items })).send().await.unwrap();

    let started = Instant::now();
    let res = client
        .post(format!("{base}/api/v1/datasets/{id}/runs"))
        .json(&json!({"name": "bench", "concurrency": 8}))
        .send()
        .await
        .unwrap();
    let run = res.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    loop {
        let r: Value = client.get(format!("{base}/api/v1/runs/{run}")).send().await.unwrap().json().await.unwrap();
        if r["status"] == "completed" {
            assert_eq!(r["completed_items"], ITEMS as i64);
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let elapsed = started.elapsed();
    println!(
        "run: {ITEMS} items, echo agent, concurrency 8: {:.2} s → {:.0} items/s",
        elapsed.as_secs_f64(),
        ITEMS as f64 / elapsed.as_secs_f64()
    );

    // The same file's limit for one committed transaction per item.
    sqlx::query("CREATE TABLE bench_limit (id INTEGER PRIMARY KEY, payload TEXT)").execute(&db.write).await.unwrap();
    let started = Instant::now();
    for n in 0..ITEMS {
        let mut tx = db.write.begin().await.unwrap();
        sqlx::query("INSERT INTO bench_limit (payload) VALUES (?)")
            .bind(format!("{{\"n\": {n}}}"))
            .execute(&mut *tx)
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
    let res = client
        .post(format!("{base}/api/v1/datasets"))
        .json(&json!({"name": "sleepy", "agent_class": "sleep-100ms"}))
        .send()
        .await
        .unwrap();
    let id = res.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let items: Vec<Value> = (0..1000).map(|n| json!({ "input": n })).collect();
    client.post(format!("{base}/api/v1/datasets/{id}/items")).json(&json!({ "items": items })).send().await.unwrap();
    let started = Instant::now();
    let res = client
        .post(format!("{base}/api/v1/datasets/{id}/runs"))
        .json(&json!({"name": "sleepy", "concurrency": 32}))
        .send()
        .await
        .unwrap();
    let run = res.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    loop {
        let r: Value = client.get(format!("{base}/api/v1/runs/{run}")).send().await.unwrap().json().await.unwrap();
        if r["status"] == "completed" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let wall = started.elapsed().as_secs_f64();
    let ideal = (1000f64 / 32.0).ceil() * 0.1;
    println!(
        "run: 1,000 items, 100 ms agent, concurrency 32: {wall:.2} s vs ideal {ideal:.2} s → {:.3}×",
        wall / ideal
    );
}
