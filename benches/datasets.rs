//! Figures for the datasets & items issue, printed as a table:
//! bulk create of 10,000 items in one request, and first/last page times of the
//! items tab (server-rendered HTML) and of `GET /api/v1/datasets/{id}/items`
//! with 100,000 items in one dataset. Real server on loopback, real SQLite file.
//!
//! Run with `make bench` (release build).

#[path = "support/mod.rs"]
mod support;

use serde_json::{json, Value};
use std::time::{Duration, Instant};

const ITEMS: usize = 100_000;
const SAMPLES: usize = 200;

#[tokio::main]
async fn main() {
    let server = support::start().await;
    let (base, client) = (server.base.clone(), server.client.clone());

    let id = server.dataset("bench", "echo", Vec::new()).await;

    println!("Observ datasets benchmark ({ITEMS} items, {SAMPLES} samples per figure)\n");
    let mut bulk = Vec::new();
    for batch in 0..ITEMS / 10_000 {
        let items: Vec<Value> = (0..10_000)
            .map(|n| {
                let k = batch * 10_000 + n;
                json!({"input": {"question": format!("What is {k} + {k}?"), "id": k}, "expected_output": (2 * k).to_string(),
                       "metadata": {"batch": batch}, "status": if k % 5 == 0 { "archived" } else { "active" }})
            })
            .collect();
        let body = serde_json::to_vec(&json!({ "items": items })).unwrap();
        let started = Instant::now();
        let res = client
            .post(format!("{base}/api/v1/datasets/{id}/items"))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
        res.bytes().await.unwrap();
        bulk.push(started.elapsed());
    }
    bulk.sort();
    println!(
        "bulk create, 10,000 items per request (10 requests): p50 {} · max {}",
        ms(bulk[bulk.len() / 2]),
        ms(*bulk.last().unwrap())
    );

    let last_cursor = {
        // The cursor of the page before the last API page (ids ascend).
        let res = client.get(format!("{base}/api/v1/datasets/{id}/items?limit=1&cursor=c0")).send().await.unwrap();
        let first_id = res.json::<Value>().await.unwrap()["data"][0]["id"].as_i64().unwrap();
        format!("c{:x}", first_id + ITEMS as i64 - 51)
    };
    let figures = [
        ("items tab, first page (SSR HTML)", format!("/datasets/{id}?tab=items")),
        ("items tab, last page (SSR HTML)", format!("/datasets/{id}?tab=items&last=1")),
        ("items tab, archived filter, last page", format!("/datasets/{id}?tab=items&status=archived&last=1")),
        ("items tab, search (full scan)", format!("/datasets/{id}?tab=items&search=99999")),
        ("GET /api/v1/…/items, first page", format!("/api/v1/datasets/{id}/items")),
        ("GET /api/v1/…/items, last page", format!("/api/v1/datasets/{id}/items?cursor={last_cursor}")),
        ("GET /api/v1/…/items?status=active, first page", format!("/api/v1/datasets/{id}/items?status=active")),
        ("GET /api/v1/datasets (list with counters)", "/api/v1/datasets".to_string()),
    ];
    println!("\n{:<46} {:>9} {:>9} {:>9}", "request", "p50", "p95", "bytes");
    for (label, path) in figures {
        let url = format!("{base}{path}");
        let mut times = Vec::with_capacity(SAMPLES);
        let mut bytes = 0;
        for _ in 0..SAMPLES {
            let started = Instant::now();
            let res = client.get(&url).send().await.unwrap();
            assert_eq!(res.status(), 200, "{path}");
            bytes = res.bytes().await.unwrap().len();
            times.push(started.elapsed());
        }
        times.sort();
        let p = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
        println!("{label:<46} {:>9} {:>9} {bytes:>9}", ms(p(0.5)), ms(p(0.95)));
    }
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}
