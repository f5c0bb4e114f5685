//! Figures for import and export, printed as a table:
//! - JSONL import of 100,000 lines over HTTP: wall time, and the server's peak RSS
//!   (this process hosts the server) with its increase over the baseline;
//! - export of a 10,000-item and a 100,000-item run (echo agent) as CSV and JSONL:
//!   wall time, bytes, and peak RSS during the export, to show that memory does
//!   not grow with the row count.
//!
//! Peak RSS is VmHWM, reset before each phase (`/proc/self/clear_refs`).
//! Run with `make bench` (release build).

#[path = "support/mod.rs"]
mod support;

use serde_json::{json, Value};
use std::time::{Duration, Instant};

const IMPORT_LINES: usize = 100_000;

#[tokio::main]
async fn main() {
    let server = support::start().await;
    println!("Observ import/export benchmark (release, loopback HTTP, SQLite file)\n");

    // Import: 100,000 JSONL lines in one request.
    let big = server.dataset("import-100k", "echo", Vec::new()).await;
    let body = jsonl(IMPORT_LINES);
    let bytes = body.len();
    reset_peak();
    let before = rss_mib();
    let started = Instant::now();
    let imported = import(&server, big, body).await;
    let took = started.elapsed();
    let peak = support::peak_rss_mib();
    assert_eq!(imported, IMPORT_LINES as i64);
    println!(
        "import {IMPORT_LINES} JSONL lines ({:.1} MB): {} ({:.0} lines/s) · RSS before {before:.1} MiB · peak {peak:.1} MiB · increase {:.1} MiB",
        bytes as f64 / 1e6,
        secs(took),
        IMPORT_LINES as f64 / took.as_secs_f64(),
        peak - before
    );

    // Runs to export: 10,000 and 100,000 items through the echo agent.
    let small = server.dataset("import-10k", "echo", Vec::new()).await;
    import(&server, small, jsonl(10_000)).await;
    let mut runs = Vec::new();
    for (dataset, n) in [(small, 10_000), (big, IMPORT_LINES)] {
        let (took, run) = server.timed_run(dataset, 32).await;
        println!("run of {n} items (echo, concurrency 32): {}", secs(took));
        runs.push((n, run["id"].as_i64().unwrap()));
    }

    println!(
        "\n{:<26} {:>9} {:>12} {:>12} {:>14} {:>14}",
        "export", "wall", "bytes", "rows/s", "RSS before", "peak during"
    );
    for (n, run) in runs {
        for format in ["csv", "jsonl"] {
            reset_peak();
            let before = rss_mib();
            let started = Instant::now();
            let mut res = server
                .client
                .get(format!("{}/api/v1/runs/{run}/export?format={format}", server.base))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200);
            // Read chunk by chunk so the client does not hold the whole body.
            let (mut total, mut newlines) = (0usize, 0usize);
            while let Some(chunk) = res.chunk().await.unwrap() {
                total += chunk.len();
                newlines += chunk.iter().filter(|&&b| b == b'\n').count();
            }
            let took = started.elapsed();
            assert!(newlines >= n, "{format}: {newlines} lines for {n} run items");
            println!(
                "{:<26} {:>9} {:>12} {:>12.0} {:>10.1} MiB {:>10.1} MiB",
                format!("run of {n}, {format}"),
                secs(took),
                total,
                n as f64 / took.as_secs_f64(),
                before,
                support::peak_rss_mib()
            );
        }
    }
}

fn jsonl(lines: usize) -> String {
    let mut out = String::with_capacity(lines * 120);
    for k in 0..lines {
        let item = json!({"input": {"question": format!("What is {k} + {k}?"), "id": k},
                          "expected_output": (2 * k).to_string(), "metadata": {"batch": k / 1000}});
        out.push_str(&item.to_string());
        out.push('\n');
    }
    out
}

async fn import(server: &support::BenchServer, dataset: i64, body: String) -> i64 {
    let res = server
        .client
        .post(format!("{}/api/v1/datasets/{dataset}/items/import", server.base))
        .header("content-type", "application/x-ndjson")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    res.json::<Value>().await.unwrap()["imported"].as_i64().unwrap()
}

/// Resets VmHWM to the current RSS, so the next reading is this phase's peak.
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Current resident memory (VmRSS), in MiB.
fn rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0.0);
    kib / 1024.0
}

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}
