//! What an agent may cost the server: replies past the byte cap fail their
//! item; `command` agents see none of the server's secrets and leave no
//! process behind; secrets in agent URLs are never shown or stored.

use crate::mock_llm::{MockConfig, MockLlm};
use crate::runs::{dataset_with, run_items, wait_finished};
use crate::server::{read, TestServer};
use axum::routing::post;
use axum::Router;
use observ::server::config::agents_from_toml;
use observ::server::limits::DEFAULT_MAX_REPLY_BYTES;
use serde_json::{json, Value};
use std::time::Duration;

async fn server_from(toml: &str) -> TestServer {
    TestServer::start_with(agents_from_toml(toml).expect("valid config")).await
}

/// Runs `inputs` through `agent` to the end; returns the run and its items.
async fn run_over(s: &TestServer, agent: &str, inputs: Vec<Value>) -> (Value, Vec<Value>) {
    let d = dataset_with(s, agent, inputs).await;
    let (status, run) = read(s.post(&format!("/api/v1/datasets/{d}/runs"), &json!({"concurrency": 2})).await).await;
    assert_eq!(status, 201, "{run}");
    let run = wait_finished(s, run["id"].as_i64().unwrap()).await;
    let items = run_items(s, run["id"].as_i64().unwrap()).await;
    (run, items)
}

/// An endpoint on loopback: `/big` answers a JSON string over the reply cap,
/// anything else echoes `{"ok": true}`.
async fn endpoint() -> String {
    let big = format!("\"{}\"", "x".repeat(DEFAULT_MAX_REPLY_BYTES + 1024));
    let app = Router::new()
        .route("/big", post(move || async move { big }))
        .route("/x", post(|| async { axum::Json(json!({"ok": true})) }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr.to_string()
}

#[tokio::test]
async fn replies_over_the_cap_fail_their_item() {
    let addr = endpoint().await;
    let mock =
        MockLlm::start(MockConfig { default_reply: "y".repeat(DEFAULT_MAX_REPLY_BYTES + 1024), ..Default::default() })
            .await;
    let s = server_from(&format!(
        "[agents.big-http]\nkind = \"http\"\nurl = \"http://{addr}/big\"\n\n\
         [agents.big-chat]\nkind = \"openai\"\nbase_url = \"{}\"\nmodel = \"m\"\nmax_retries = 0\n",
        mock.base_url
    ))
    .await;
    for agent in ["big-http", "big-chat"] {
        let (run, items) = run_over(&s, agent, vec![json!("hello")]).await;
        assert_eq!(run["failed_items"], 1, "{agent}: {run}");
        assert_eq!(items[0]["error"], "agent reply is larger than the 10 MB limit", "{agent}");
    }
}

#[tokio::test]
async fn a_command_agent_sees_no_server_secret() {
    std::env::set_var("OBSERV_TEST_SECRET", "hunter2-do-not-leak");
    std::env::set_var("OBSERV_TEST_PASSED", "handed-over");
    let s = server_from(
        r#"
        [agents.env-dump]
        kind = "command"
        env = ["OBSERV_TEST_PASSED"]
        command = ["sh", "-c", "cat > /dev/null; printf '{\"env\": \"%s\"}' \"$(env | tr -d '\\n\"\\\\' )\""]
        "#,
    )
    .await;
    let (run, items) = run_over(&s, "env-dump", vec![json!(1)]).await;
    assert_eq!(run["completed_items"], 1, "{run} {items:?}");
    let env = items[0]["output"]["env"].as_str().unwrap();
    assert!(!env.contains("hunter2-do-not-leak") && !env.contains("OBSERV_TEST_SECRET"), "{env}");
    assert!(env.contains("OBSERV_TEST_PASSED=handed-over") && env.contains("PATH="), "{env}");
}

/// Whether a process is gone (or a zombie nobody has reaped yet).
fn is_dead(pid: &str) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat.rsplit_once(')').is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
    }
}

#[tokio::test]
async fn a_timed_out_command_agent_leaves_no_grandchild() {
    let dir = tempfile::tempdir().unwrap();
    let pidfile = dir.path().join("grandchild.pid");
    let s = server_from(&format!(
        "[agents.spawner]\nkind = \"command\"\ntimeout_ms = 1000\n\
         command = [\"sh\", \"-c\", \"sleep 300 & echo $! > {}; wait\"]\n",
        pidfile.display()
    ))
    .await;
    let (run, items) = run_over(&s, "spawner", vec![json!(1)]).await;
    assert_eq!(run["failed_items"], 1, "{run}");
    assert_eq!(items[0]["error"], "timed out after 1000 ms");
    let pid = std::fs::read_to_string(&pidfile).unwrap().trim().to_string();
    assert!(dies(&pid).await, "the grandchild {pid} outlived its agent's timeout");
}

/// Waits until `pid` is gone; false if it is still there after two seconds.
async fn dies(pid: &str) -> bool {
    for _ in 0..100 {
        if is_dead(pid) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    false
}

#[tokio::test]
async fn cancelling_a_run_kills_its_command_agents_whole() {
    let dir = tempfile::tempdir().unwrap();
    let pidfile = dir.path().join("grandchild.pid");
    let s = server_from(&format!(
        "[agents.spawner]\nkind = \"command\"\ntimeout_ms = 60000\n\
         command = [\"sh\", \"-c\", \"sleep 300 & echo $! > {}.tmp; mv {0}.tmp {0}; wait\"]\n",
        pidfile.display()
    ))
    .await;
    let d = dataset_with(&s, "spawner", vec![json!(1)]).await;
    let (_, run) = read(s.post(&format!("/api/v1/datasets/{d}/runs"), &json!({})).await).await;
    let id = run["id"].as_i64().unwrap();
    let mut pid = String::new();
    for _ in 0..250 {
        if let Ok(text) = std::fs::read_to_string(&pidfile) {
            pid = text.trim().to_string();
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(!pid.is_empty(), "the agent never started");
    let started = std::time::Instant::now();
    let (status, run) = read(s.post(&format!("/api/v1/runs/{id}/cancel"), &json!({})).await).await;
    assert_eq!((status, run["status"].as_str()), (200, Some("cancelled")), "{run}");
    assert!(started.elapsed() < Duration::from_secs(5), "cancel waited {:?}", started.elapsed());
    assert!(dies(&pid).await, "the grandchild {pid} outlived its cancelled run");
    let items = run_items(&s, id).await;
    assert_eq!(items[0]["status"], "cancelled");
}

#[tokio::test]
async fn secrets_in_agent_urls_are_never_shown_or_stored() {
    let addr = endpoint().await;
    let s = server_from(&format!(
        "[agents.secretive]\nkind = \"http\"\nurl = \"http://user:pa55word@{addr}/x?api_key=SECRET-KEY-1\"\n\n\
         [agents.unreachable]\nkind = \"http\"\nurl = \"http://user:pa55word@127.0.0.1:9/x?api_key=SECRET-KEY-2\"\n"
    ))
    .await;
    let leaks = |text: &str| ["pa55word", "SECRET-KEY"].iter().any(|secret| text.contains(secret));
    let (status, agents) = read(s.get("/api/v1/agents").await).await;
    assert_eq!(status, 200);
    assert!(!leaks(&agents.to_string()), "{agents}");
    assert!(agents.to_string().contains(&format!("http://***@{addr}/x?api_key=***")), "{agents}");

    let (run, items) = run_over(&s, "secretive", vec![json!("hi")]).await;
    assert_eq!(run["completed_items"], 1, "{run} {items:?}");
    let (_, trace) = read(s.get(&format!("/api/v1/traces/{}", items[0]["trace_id"])).await).await;
    assert_eq!(trace["observations"][0]["input"]["url"], format!("http://***@{addr}/x?api_key=***"));
    assert!(!leaks(&trace.to_string()), "{trace}");

    let (run, items) = run_over(&s, "unreachable", vec![json!("hi")]).await;
    assert_eq!(run["failed_items"], 1, "{run}");
    let error = items[0]["error"].as_str().unwrap();
    assert!(error.starts_with("POST http://***@127.0.0.1:9/x?api_key=*** failed"), "{error}");
    let (_, trace) = read(s.get(&format!("/api/v1/traces/{}", items[0]["trace_id"])).await).await;
    assert!(!leaks(&trace.to_string()) && !leaks(&run.to_string()), "{trace}");
    let stored: Vec<String> =
        observ::server::db::exec::query_scalar("SELECT COALESCE(error, '') FROM observ_dataset_run_items")
            .fetch_all(s.db.read_pool_for_tests())
            .await
            .unwrap();
    assert!(stored.iter().all(|e| !leaks(e)), "{stored:?}");
}

/// Starts the real binary with `config`, its output going to `log`.
fn spawn_logged(dir: &std::path::Path, config: &str, port: u16, log: &std::path::Path) -> std::process::Child {
    std::fs::write(dir.join("observ.toml"), config).unwrap();
    let log = std::fs::File::create(log).unwrap();
    std::process::Command::new(env!("CARGO_BIN_EXE_observ"))
        .env("OBSERV_DATABASE_URL", crate::server::database_url(dir))
        .env("OBSERV_CONFIG", dir.join("observ.toml"))
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .env("LEPTOS_OUTPUT_NAME", "observ")
        .env("OBSERV_LOG_TEST_SECRET", "l0g-s3cret")
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap()
}

#[tokio::test]
async fn secrets_in_agent_urls_stay_out_of_the_log() {
    use crate::resume::{free_port, wait_up};
    let dir = tempfile::tempdir().unwrap();
    let (port, log) = (free_port(), dir.path().join("observ.log"));
    let config = "[agents.unreachable]\nkind = \"http\"\n\
                  url = \"http://u:${OBSERV_LOG_TEST_SECRET}@127.0.0.1:9/x?key=${OBSERV_LOG_TEST_SECRET}\"\n";
    let key = crate::resume::create_key(dir.path());
    let mut server = spawn_logged(dir.path(), config, port, &log);
    let (base, client) = (format!("http://127.0.0.1:{port}"), crate::server::client_with_key(&key));
    wait_up(&client, &base).await;
    let post = |path: &str, body: Value| client.post(format!("{base}{path}")).json(&body).send();
    let d: Value = post("/api/v1/datasets", json!({"name": "d", "agent_class": "unreachable"}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let d = d["id"].as_i64().unwrap();
    post(&format!("/api/v1/datasets/{d}/items"), json!({"items": [{"input": 1}]})).await.unwrap();
    let run: Value = post(&format!("/api/v1/datasets/{d}/runs"), json!({})).await.unwrap().json().await.unwrap();
    for _ in 0..200 {
        let url = format!("{base}/api/v1/runs/{}", run["id"]);
        let r: Value = client.get(url).send().await.unwrap().json().await.unwrap();
        if r["status"] == "completed" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    server.kill().unwrap();
    server.wait().unwrap();
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.contains("listening on") && !text.contains("l0g-s3cret"), "{text}");
    assert!(!text.contains(&key), "nor the API key");

    // A refused configuration names the key, not the secret.
    let bad = "[agents.bad]\nkind = \"http\"\nurl = \"ftp://u:${OBSERV_LOG_TEST_SECRET}@host/x\"\n";
    let status = spawn_logged(dir.path(), bad, free_port(), &log).wait().unwrap();
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(!status.success() && text.contains("agents.bad.url: must start with http"), "{text}");
    assert!(!text.contains("l0g-s3cret"), "{text}");
}
