//! Run-engine throughput: a zero-latency agent (`echo`) over 10,000 items at
//! concurrency 8, beside this machine's SQLite limit for a comparable write
//! (one committed transaction inserting a row per item into the same file).
//!
//! Run with `cargo bench --features ssr --bench runs`.

#[path = "support/mod.rs"]
mod support;

use serde_json::{json, Value};
use std::time::{Duration, Instant};

const ITEMS: usize = 10_000;

#[tokio::main]
async fn main() {
    let server = support::start().await;
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
}
