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
    let url = crate::server::database_url(dir.path());
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
    if crate::server::on_postgres() {
        assert_eq!(out.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&out.stderr).contains("pg_dump"), "PostgreSQL's own tool is named");
    } else {
        assert!(out.status.success() && copy.exists(), "{}", String::from_utf8_lossy(&out.stderr));
        let again = observ(dir.path(), &url, &["backup", copy.to_str().unwrap()]);
        assert_eq!(again.status.code(), Some(1), "never overwrites");
    }

    for (bad, expected) in [
        ("postgres://observ:hunter2@127.0.0.1:1/observ", "OBSERV_DATABASE_URL"),
        ("mysql://observ:hunter2@db/observ", "expected sqlite://PATH"),
        ("data/observ.db", "postgres://"),
    ] {
        for args in [&[][..], &["migrate"][..], &["check"][..]] {
            let out = observ(dir.path(), bad, args);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(1), "{args:?} {stderr}");
            assert!(stderr.contains("OBSERV_DATABASE_URL") && stderr.contains(expected), "{stderr}");
            assert!(!stderr.contains("hunter2"), "the password is never shown: {stderr}");
        }
    }
    // The pool size each backend reads: SQLite's readers, PostgreSQL's one pool.
    let variable =
        if crate::server::on_postgres() { "OBSERV_DB_MAX_CONNECTIONS" } else { "OBSERV_DB_READ_CONNECTIONS" };
    let out = Command::new(env!("CARGO_BIN_EXE_observ"))
        .args(["migrate"])
        .env("OBSERV_DATABASE_URL", &url)
        .env(variable, "0")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&format!("{variable}: expected a whole number from 1 to 64, found `0`")), "{stderr}");
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
        .env("OBSERV_DATABASE_URL", crate::server::database_url(dir.path()))
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

#[tokio::test]
async fn sigterm_mid_run_finishes_the_items_in_flight_and_the_next_start_does_the_rest() {
    use observ::model::run_item::RunItemStatus;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("observ.toml"),
        "[agents.slow]\nkind = \"command\"\ncommand = [\"sh\", \"-c\", \"sleep 0.3; cat\"]\ntimeout_ms = 5000\n",
    )
    .unwrap();
    let key = create_key(dir.path());
    let client = crate::server::client_with_key(&key);
    let start = |port: u16| {
        Command::new(env!("CARGO_BIN_EXE_observ"))
            .env("OBSERV_DATABASE_URL", crate::server::database_url(dir.path()))
            .env("OBSERV_CONFIG", dir.path().join("observ.toml"))
            .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
            .env("LEPTOS_OUTPUT_NAME", "observ")
            .env("OBSERV_SHUTDOWN_GRACE_SECS", "5")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut server = start(port);
    crate::resume::wait_up(&client, &base).await;
    let post = |path: String, body: serde_json::Value| client.post(format!("{base}{path}")).json(&body).send();
    let d: serde_json::Value = post("/api/v1/datasets".into(), serde_json::json!({"name": "t", "agent_class": "slow"}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let items: Vec<serde_json::Value> = (0..30).map(|n| serde_json::json!({"input": {"n": n}})).collect();
    post(format!("/api/v1/datasets/{}/items", d["id"]), serde_json::json!({"items": items})).await.unwrap();
    let run: serde_json::Value =
        post(format!("/api/v1/datasets/{}/runs", d["id"]), serde_json::json!({"concurrency": 3}))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    let run_id = run["id"].as_i64().unwrap();
    // Wait for progress by watching the run's own events.
    let mut events = client.get(format!("{base}/api/v1/runs/{run_id}/events")).send().await.unwrap();
    let mut seen = String::new();
    while seen.matches("event: item").count() < 4 {
        seen.push_str(&String::from_utf8_lossy(&events.chunk().await.unwrap().unwrap()));
    }
    sigterm(server.id());
    let status = tokio::task::spawn_blocking(move || server.wait().unwrap()).await.unwrap();
    assert!(status.success(), "{status:?}");

    // Nothing was left half-done: the items in flight finished, the rest still wait, the run is unfinished.
    let db = observ::server::db::Db::open(&crate::server::database_url(dir.path())).await.unwrap();
    let count = |code: i64| {
        observ::server::db::exec::query_scalar::<i64>(
            "SELECT count(*) FROM observ_dataset_run_items WHERE dataset_run_id = ? AND status = ?",
        )
        .bind(run_id)
        .bind(code)
        .fetch_one(db.read_pool_for_tests())
    };
    let (done, running) =
        (count(RunItemStatus::Succeeded.code()).await.unwrap(), count(RunItemStatus::Running.code()).await.unwrap());
    assert!((4..30).contains(&done), "{done} finished before the stop");
    assert_eq!(running, 0, "no item was abandoned mid-call");
    drop(db);

    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut server = start(port);
    crate::resume::wait_up(&client, &base).await;
    let mut events = client.get(format!("{base}/api/v1/runs/{run_id}/events")).send().await.unwrap();
    let mut seen = String::new();
    while !seen.contains("event: done") {
        seen.push_str(&String::from_utf8_lossy(&events.chunk().await.unwrap().unwrap()));
    }
    let (_, finished) = read(client.get(format!("{base}/api/v1/runs/{run_id}")).send().await.unwrap()).await;
    assert_eq!((finished["status"].as_str(), finished["completed_items"].as_i64()), (Some("completed"), Some(30)));
    let (_, page) =
        read(client.get(format!("{base}/api/v1/runs/{run_id}/items?limit=500")).send().await.unwrap()).await;
    assert_eq!(page["data"].as_array().unwrap().len(), 30);
    let (_, traces) =
        read(client.get(format!("{base}/api/v1/traces?run_id={run_id}&limit=500")).send().await.unwrap()).await;
    assert_eq!(traces["data"].as_array().unwrap().len(), 30, "one trace per item: none ran twice");
    server.kill().unwrap();
    server.wait().unwrap();
}

#[tokio::test]
async fn a_database_migrated_by_a_newer_version_is_refused_naming_both_versions() {
    let dir = tempfile::tempdir().unwrap();
    let url = crate::server::database_url(dir.path());
    std::fs::write(dir.path().join("absent.toml"), "").unwrap();
    let db = observ::server::db::Db::open(&url).await.unwrap();
    // What a newer release would leave: one more migration applied.
    let future = if crate::server::on_postgres() {
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (9999, 'from the future', true, '\\x00'::bytea, 0)"
    } else {
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (9999, 'from the future', 1, x'00', 0)"
    };
    observ::server::db::exec::query(future).execute(db.write_pool_for_tests()).await.unwrap();
    db.close().await;
    let known = observ::server::db::latest_version();
    for args in [&["migrate"][..], &["check"][..], &[][..]] {
        let out = observ(dir.path(), &url, args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?} {stderr}");
        assert!(stderr.contains("migration 9999") && stderr.contains(&format!("up to {known}")), "{stderr}");
    }
}
