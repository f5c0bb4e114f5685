//! Two real `observ` processes on one PostgreSQL database (the suite's
//! PostgreSQL pass): both serve; a run started on A streams to a watcher on B;
//! A killed with SIGKILL mid-run leaves B to finish it, every item exactly
//! once; a cancel sent to one instance stops the run on the other.

use crate::resume::{create_key, free_port, spawn, wait_up};
use crate::server::{on_postgres, read};
use reqwest::Client;
use serde_json::{json, Value};
use std::time::Duration;

async fn get(client: &Client, url: String) -> Value {
    let (status, body) = read(client.get(url).send().await.unwrap()).await;
    assert_eq!(status, 200, "{body}");
    body
}

async fn post(client: &Client, url: String, body: Value) -> Value {
    let (status, body) = read(client.post(url).json(&body).send().await.unwrap()).await;
    assert!(status == 200 || status == 201, "{status} {body}");
    body
}

/// Polls (at most ~20 s) until `done` holds for the run as `base` reports it.
async fn run_until(client: &Client, base: &str, run: i64, done: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..800 {
        let r = get(client, format!("{base}/api/v1/runs/{run}")).await;
        if done(&r) {
            return r;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("run {run} never reached the state waited for");
}

/// `id`s of the `item` events read from an event stream until `want` arrived.
async fn item_events(res: &mut reqwest::Response, want: usize) -> Vec<i64> {
    let (mut buffer, mut ids) = (String::new(), Vec::new());
    while ids.len() < want {
        let chunk = tokio::time::timeout(Duration::from_secs(20), res.chunk()).await.unwrap().unwrap().unwrap();
        buffer.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buffer.find("\n\n") {
            let frame: String = buffer.drain(..end + 2).collect();
            if frame.contains("event: item\n") {
                let id = frame.lines().find_map(|l| l.strip_prefix("id: ")).unwrap();
                ids.push(id.parse().unwrap());
            }
        }
    }
    ids
}

#[tokio::test]
async fn two_instances_share_runs_survive_a_kill_and_cancel_across() {
    if !on_postgres() {
        return; // Several instances need PostgreSQL: this runs in the suite's PostgreSQL pass.
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("observ.toml"),
        "[agents.slow]\nkind = \"command\"\ncommand = [\"sh\", \"-c\", \"sleep 0.1; cat\"]\ntimeout_ms = 5000\n",
    )
    .unwrap();
    let client = crate::server::client_with_key(&create_key(dir.path()));
    let (port_a, port_b) = (free_port(), free_port());
    let (a, b) = (format!("http://127.0.0.1:{port_a}"), format!("http://127.0.0.1:{port_b}"));
    let mut server_a = spawn(dir.path(), port_a);
    let mut server_b = spawn(dir.path(), port_b);
    wait_up(&client, &a).await;
    wait_up(&client, &b).await;

    // Both serve pages and the API.
    for base in [&a, &b] {
        let page = client.get(format!("{base}/datasets")).send().await.unwrap();
        assert_eq!(page.status(), 200);
        assert!(page.text().await.unwrap().contains("Datasets"));
    }
    let d = post(&client, format!("{a}/api/v1/datasets"), json!({"name": "shared", "agent_class": "slow"})).await;
    let d = d["id"].as_i64().unwrap();
    let items: Vec<Value> = (0..60).map(|n| json!({ "input": { "n": n } })).collect();
    post(&client, format!("{b}/api/v1/datasets/{d}/items"), json!({ "items": items })).await;
    assert_eq!(get(&client, format!("{a}/api/v1/datasets/{d}")).await["items_count"], 60, "B's write, read on A");

    // A run started on A streams to a watcher on B, in order.
    let run = post(&client, format!("{a}/api/v1/datasets/{d}/runs"), json!({"name": "r1", "concurrency": 4})).await;
    let run = run["id"].as_i64().unwrap();
    let mut watch = client.get(format!("{b}/api/v1/runs/{run}/events")).send().await.unwrap();
    assert_eq!(watch.status(), 200);
    let seen = item_events(&mut watch, 10).await;
    assert!(seen.windows(2).all(|w| w[1] == w[0] + 1), "in order, none missing: {seen:?}");
    // Resuming on B after the 5th event gives the 6th next.
    let mut resumed = client
        .get(format!("{b}/api/v1/runs/{run}/events"))
        .header("last-event-id", seen[4].to_string())
        .send()
        .await
        .unwrap();
    let after = item_events(&mut resumed, 1).await;
    assert_eq!(after[0], seen[5], "{after:?}");
    assert!(after.windows(2).all(|w| w[1] == w[0] + 1), "{after:?}");

    // A dies mid-run; B takes over A's items once their leases expire.
    let r = get(&client, format!("{a}/api/v1/runs/{run}")).await;
    assert!(r["completed_items"].as_i64().unwrap() < 60, "killed mid-run");
    server_a.kill().unwrap(); // SIGKILL
    server_a.wait().unwrap();
    let done = run_until(&client, &b, run, |r| r["status"] == "completed").await;
    assert_eq!((done["completed_items"].as_i64(), done["failed_items"].as_i64()), (Some(60), Some(0)));
    let page = get(&client, format!("{b}/api/v1/runs/{run}/items?limit=500")).await;
    let results = page["data"].as_array().unwrap();
    assert_eq!(results.len(), 60);
    assert!(results.iter().all(|i| i["status"] == "succeeded"));
    let traces = get(&client, format!("{b}/api/v1/traces?limit=500")).await;
    assert_eq!(traces["data"].as_array().unwrap().len(), 60, "every item exactly once");
    let mut seqs: Vec<i64> = results.iter().map(|i| i["seq"].as_i64().unwrap()).collect();
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=60).collect::<Vec<_>>(), "one event per item");

    // A cancel sent to B stops a run executing on A.
    let port_a = free_port();
    let a = format!("http://127.0.0.1:{port_a}");
    let mut server_a = spawn(dir.path(), port_a);
    wait_up(&client, &a).await;
    let run = post(&client, format!("{a}/api/v1/datasets/{d}/runs"), json!({"name": "r2", "concurrency": 2})).await;
    let run = run["id"].as_i64().unwrap();
    run_until(&client, &a, run, |r| r["completed_items"].as_i64() >= Some(2)).await;
    let cancelled = post(&client, format!("{b}/api/v1/runs/{run}/cancel"), json!({})).await;
    assert_eq!(cancelled["status"], "cancelled");
    let page = get(&client, format!("{a}/api/v1/runs/{run}/items?limit=500")).await;
    let statuses: Vec<&str> = page["data"].as_array().unwrap().iter().map(|i| i["status"].as_str().unwrap()).collect();
    let cancelled_items = statuses.iter().filter(|s| **s == "cancelled").count();
    assert!(cancelled_items > 0 && statuses.iter().all(|s| *s == "succeeded" || *s == "cancelled"), "{statuses:?}");
    let r = get(&client, format!("{a}/api/v1/runs/{run}")).await;
    let succeeded = statuses.iter().filter(|s| **s == "succeeded").count() as i64;
    assert_eq!(r["completed_items"].as_i64(), Some(succeeded), "counters equal the items");
    server_a.kill().unwrap();
    server_b.kill().unwrap();
    server_a.wait().unwrap();
    server_b.wait().unwrap();
}
