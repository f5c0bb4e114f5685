//! A real server process killed with SIGKILL mid-run, restarted on the same
//! database: nothing finished is lost, nothing runs twice, counters match items.

use crate::server::read;
use serde_json::{json, Value};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// `observ keys create` against the test's database: the headless way to get a key.
pub fn create_key(dir: &std::path::Path) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_observ"))
        .args(["keys", "create", "--name", "resume", "--role", "admin"])
        .env("OBSERV_DATABASE_URL", crate::server::database_url(dir))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let key: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(key["role"], "admin");
    assert!(key["public_key"].as_str().unwrap().starts_with("pk-"));
    key["secret_key"].as_str().unwrap().to_string()
}

pub fn spawn(dir: &std::path::Path, port: u16) -> Child {
    Command::new(env!("CARGO_BIN_EXE_observ"))
        .env("OBSERV_DATABASE_URL", crate::server::database_url(dir))
        .env("OBSERV_CONFIG", dir.join("observ.toml"))
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .env("LEPTOS_OUTPUT_NAME", "observ")
        // On PostgreSQL a killed instance's items wait out their lease before another claims them.
        .env("OBSERV_LEASE_SECS", "2")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

pub async fn wait_up(client: &reqwest::Client, base: &str) {
    for _ in 0..200 {
        if client.get(format!("{base}/api/v1/agents")).send().await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("server did not come up");
}

#[tokio::test]
async fn sigkill_mid_run_then_restart_loses_and_duplicates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("observ.toml"),
        "[agents.slow]\nkind = \"command\"\ncommand = [\"sh\", \"-c\", \"sleep 0.1; cat\"]\ntimeout_ms = 5000\n",
    )
    .unwrap();
    let (port, client) = (free_port(), crate::server::client_with_key(&create_key(dir.path())));
    let base = format!("http://127.0.0.1:{port}");
    let mut server = spawn(dir.path(), port);
    wait_up(&client, &base).await;

    let d: Value = client
        .post(format!("{base}/api/v1/datasets"))
        .json(&json!({"name": "k", "agent_class": "slow"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let d = d["id"].as_i64().unwrap();
    let items: Vec<Value> = (0..40).map(|n| json!({ "input": { "n": n } })).collect();
    client.post(format!("{base}/api/v1/datasets/{d}/items")).json(&json!({ "items": items })).send().await.unwrap();
    let run: Value = client
        .post(format!("{base}/api/v1/datasets/{d}/runs"))
        .json(&json!({"name": "r", "concurrency": 4}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let run = run["id"].as_i64().unwrap();

    let mut before = 0;
    for _ in 0..200 {
        let (_, r) = read(client.get(format!("{base}/api/v1/runs/{run}")).send().await.unwrap()).await;
        before = r["completed_items"].as_i64().unwrap();
        if before >= 8 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!((8..40).contains(&before), "killed mid-run ({before} done)");
    server.kill().unwrap(); // SIGKILL
    server.wait().unwrap();

    let mut server = spawn(dir.path(), port);
    wait_up(&client, &base).await;
    let mut finished = Value::Null;
    for _ in 0..400 {
        let (_, r) = read(client.get(format!("{base}/api/v1/runs/{run}")).send().await.unwrap()).await;
        if r["status"] == "completed" {
            finished = r;
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(finished["status"], "completed", "resumed and finished");
    let (_, page) = read(client.get(format!("{base}/api/v1/runs/{run}/items?limit=500")).send().await.unwrap()).await;
    let items = page["data"].as_array().unwrap();
    assert_eq!(items.len(), 40, "no duplicated run items");
    assert!(items.iter().all(|i| i["status"] == "succeeded"));
    assert_eq!(finished["completed_items"], 40, "counters equal the items");
    assert_eq!(finished["failed_items"], 0);
    let traces: std::collections::HashSet<i64> = items.iter().map(|i| i["trace_id"].as_i64().unwrap()).collect();
    assert_eq!(traces.len(), 40);
    let (_, all_traces) = read(client.get(format!("{base}/api/v1/traces?limit=500")).send().await.unwrap()).await;
    assert_eq!(all_traces["data"].as_array().unwrap().len(), 40, "no trace of an unfinished item survives");
    server.kill().unwrap();
    server.wait().unwrap();
}
