//! Operations: health probes, `observ migrate` / `observ check`, refusing a
//! database URL it cannot use, and stopping on SIGTERM.

use crate::resume::{create_key, free_port};
use crate::server::{read, TestServer};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[tokio::test]
async fn probes_answer_without_credentials_for_any_host() {
    let s = TestServer::start().await;
    let (status, body) = read(s.anon.get(s.url("/healthz")).header("host", "10.1.2.3:80").send().await.unwrap()).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("ok")));
    let (status, body) = read(s.anon.get(s.url("/readyz")).send().await.unwrap()).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("ready")));
    assert_eq!(body["migration"], observ::server::db::latest_version());
}

fn observ(cwd: &std::path::Path, url: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_observ"))
        .args(args)
        .current_dir(cwd)
        .env("OBSERV_DATABASE_URL", url)
        .env("OBSERV_CONFIG", cwd.join("absent.toml"))
        .env_remove("OBSERV_ADMIN_EMAIL")
        .env_remove("OBSERV_ADMIN_PASSWORD")
        .output()
        .unwrap()
}

#[test]
fn migrate_and_check_and_a_database_url_it_cannot_use() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/observ.db", dir.path().display());
    std::fs::write(dir.path().join("absent.toml"), "").unwrap();
    let out = observ(dir.path(), &url, &["migrate"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let migrated: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(migrated["migration"], observ::server::db::latest_version());
    let out = observ(dir.path(), &url, &["check"]);
    let checked: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(checked["ok"], true);
    assert!(checked["agents"].as_array().unwrap().iter().any(|a| a == "echo"));
    let copy = dir.path().join("backup.db");
    let out = observ(dir.path(), &url, &["backup", copy.to_str().unwrap()]);
    assert!(out.status.success() && copy.exists(), "{}", String::from_utf8_lossy(&out.stderr));
    let again = observ(dir.path(), &url, &["backup", copy.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(1), "never overwrites");

    for (bad, expected) in [
        ("postgres://observ:hunter2@db.example/observ", "is PostgreSQL"),
        ("mysql://db/observ", "expected sqlite://PATH"),
    ] {
        for args in [&[][..], &["migrate"][..], &["check"][..]] {
            let out = observ(dir.path(), bad, args);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(1), "{args:?} {stderr}");
            assert!(stderr.contains("OBSERV_DATABASE_URL") && stderr.contains(expected), "{stderr}");
            assert!(!stderr.contains("hunter2"), "the password is never shown: {stderr}");
        }
    }
    let out = Command::new(env!("CARGO_BIN_EXE_observ"))
        .args(["migrate"])
        .env("OBSERV_DATABASE_URL", &url)
        .env("OBSERV_DB_READ_CONNECTIONS", "0")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("OBSERV_DB_READ_CONNECTIONS: expected a whole number from 1 to 64, found `0`"));
    let entries: Vec<String> =
        std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert!(entries.iter().all(|e| !e.starts_with("postgres") && !e.starts_with("mysql")), "{entries:?}");
}

#[tokio::test]
async fn sigterm_stops_the_server_even_with_an_event_stream_open() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let key = create_key(dir.path());
    let mut server = Command::new(env!("CARGO_BIN_EXE_observ"))
        .env("OBSERV_DATABASE_URL", format!("sqlite://{}/observ.db", dir.path().display()))
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .env("LEPTOS_OUTPUT_NAME", "observ")
        .env("OBSERV_SHUTDOWN_GRACE_SECS", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let client = crate::server::client_with_key(&key);
    let base = format!("http://127.0.0.1:{port}");
    crate::resume::wait_up(&client, &base).await;
    let d: serde_json::Value = client
        .post(format!("{base}/api/v1/datasets"))
        .json(&serde_json::json!({"name": "d", "agent_class": "echo"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    client
        .post(format!("{base}/api/v1/datasets/{}/items", d["id"]))
        .json(&serde_json::json!({"input": 1}))
        .send()
        .await
        .unwrap();
    let run: serde_json::Value = client
        .post(format!("{base}/api/v1/datasets/{}/runs", d["id"]))
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut events = client.get(format!("{base}/api/v1/runs/{}/events", run["id"])).send().await.unwrap();
    assert!(events.chunk().await.unwrap().is_some(), "the stream is open");

    let asked = Instant::now();
    sigterm(server.id());
    let status = tokio::task::spawn_blocking(move || server.wait().unwrap()).await.unwrap();
    assert!(status.success(), "{status:?}");
    assert!(asked.elapsed() < Duration::from_secs(8), "stopped within the grace period: {:?}", asked.elapsed());
}

fn sigterm(pid: u32) {
    let done = Command::new("kill").args(["-TERM", &pid.to_string()]).status().unwrap();
    assert!(done.success());
}
