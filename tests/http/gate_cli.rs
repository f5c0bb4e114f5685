//! The `observ gate` binary against a real server: it starts a run, follows it
//! to the end, and exits 0 when the gate holds, 1 on a regression (naming the
//! newly failing items on stdout and in its JUnit file), 2 on a bad URL, key
//! or dataset.

use crate::server::{read, TestServer};
use serde_json::json;
use std::process::Output;

async fn gate(s: &TestServer, key: &str, args: &[&str]) -> Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_observ"))
        .arg("gate")
        .args(["--url", &s.base])
        .args(args)
        .env("OBSERV_API_KEY", key)
        .env_remove("OBSERV_URL")
        .kill_on_drop(true)
        .output()
        .await
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test]
async fn the_gate_command_holds_fails_and_errs_with_its_exit_status() {
    let s = TestServer::start().await;
    let body =
        json!({"name": "gate cli", "agent_class": "echo", "evaluators": [{"name": "exact", "type": "exact_match"}]});
    let d = read(s.post("/api/v1/datasets", &body).await).await.1["id"].as_i64().unwrap();
    let mut ids = Vec::new();
    for n in 0..12 {
        let item = json!({"input": format!("question <{n}>"), "expected_output": format!("question <{n}>")});
        ids.push(read(s.post(&format!("/api/v1/datasets/{d}/items"), &item).await).await.1["id"].as_i64().unwrap());
    }
    let dir = tempfile::tempdir().unwrap();
    let junit = dir.path().join("gate.xml");
    let markdown = dir.path().join("gate.md");
    let files = ["--junit", junit.to_str().unwrap(), "--markdown", markdown.to_str().unwrap()];
    let conditions = ["--min", "exact=0.9", "--max-newly-failing", "0"];

    // No baseline yet: an error that says how to get one.
    let out = gate(&s, &s.secret, &[&["--dataset", "gate cli"][..], &conditions].concat()).await;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("has no baseline"), "{}", text(&out.stderr));

    // The baseline: a first run, marked.
    let (_, main) = read(s.post(&format!("/api/v1/datasets/{d}/runs"), &json!({"name": "main"})).await).await;
    let main = main["id"].as_i64().unwrap();
    crate::runs::wait_finished(&s, main).await;
    let same = gate(&s, &s.secret, &["--dataset", "gate cli", "--run", "main", "--baseline", "main"]).await;
    assert_eq!(same.status.code(), Some(2));
    assert!(text(&same.stderr).contains("the run and the baseline are the same run"), "{}", text(&same.stderr));
    s.post(&format!("/api/v1/runs/{main}/baseline"), &json!({})).await;

    // A clean run holds: exit 0, a summary, a JUnit file without failures.
    let out =
        gate(&s, &s.secret, &[&["--dataset", "gate cli", "--run-name", "pr-1"][..], &conditions, &files].concat())
            .await;
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{}", text(&out.stderr));
    assert!(stdout.starts_with("observ gate: PASSED — dataset `gate cli`, run `pr-1`"), "{stdout}");
    assert!(stdout.contains("exact: mean ≥ 0.900 — mean 1.000"), "{stdout}");
    assert!(
        text(&out.stderr).contains("12/12 items  0 failed  0 tokens  $0.0000  completed"),
        "the progress bar reached the end: {}",
        text(&out.stderr)
    );
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.contains("failures=\"0\"") && xml.contains("name=\"exact: mean ≥ 0.900\"/>"), "{xml}");
    assert!(std::fs::read_to_string(&markdown).unwrap().starts_with("### ✅ Observ gate passed"));

    // Two items break: exit 1, each named on stdout and in the JUnit file.
    for id in &ids[..2] {
        s.patch(&format!("/api/v1/datasets/{d}/items/{id}"), &json!({"expected_output": "something else"})).await;
    }
    let out =
        gate(&s, &s.secret, &[&["--dataset", "gate cli", "--run-name", "pr-2"][..], &conditions, &files].concat())
            .await;
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{}", text(&out.stderr));
    assert!(stdout.starts_with("observ gate: FAILED"), "{stdout}");
    assert!(stdout.contains("FAIL exact: mean ≥ 0.900 — exact: mean 0.833 is below the minimum 0.900"), "{stdout}");
    assert!(stdout.contains("FAIL at most 0 newly failing items — 2 items newly fail"), "{stdout}");
    for (n, id) in ids[..2].iter().enumerate() {
        assert!(
            stdout.contains(&format!("item #{id} fails exact (passed in the baseline): question <{n}>")),
            "{stdout}"
        );
    }
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.contains(&format!("name=\"item #{}: question &lt;0&gt;\"", ids[0])), "{xml}");
    assert!(xml.contains(&format!("<failure message=\"newly fails exact (passed in the baseline run #{main})\"")));
    assert!(xml.contains("failures=\"4\""), "two conditions and two items fail: {xml}");
    let md = std::fs::read_to_string(&markdown).unwrap();
    assert!(md.starts_with("### ❌ Observ gate failed") && md.contains(&format!("| #{} | exact |", ids[1])), "{md}");

    // A finished run is taken again by name (no new run), and --run names one outright.
    let again = gate(&s, &s.secret, &["--dataset", "gate cli", "--run-name", "pr-2", "--allow-worse"]).await;
    assert!(text(&again.stderr).contains("exists already"), "{}", text(&again.stderr));
    assert_eq!(again.status.code(), Some(0), "no conditions but worse verdicts, allowed: {}", text(&again.stdout));
    let (_, runs) = read(s.get(&format!("/api/v1/datasets/{d}/runs")).await).await;
    assert_eq!(runs["data"].as_array().unwrap().len(), 3);
    assert!(runs["data"].as_array().unwrap().iter().all(|r| r["status"] == "completed"), "the gate followed its runs");

    // Errors: exit 2 with a sentence naming the cause.
    let out = gate(&s, "sk-not-a-key", &["--dataset", "gate cli"]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("refused the API key (401)"), "{}", text(&out.stderr));
    let out = gate(&s, &s.secret, &["--dataset", "no such dataset"]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("no dataset named `no such dataset`"), "{}", text(&out.stderr));
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_observ"))
        .args(["gate", "--url", &format!("http://{closed}"), "--dataset", "gate cli"])
        .env("OBSERV_API_KEY", &s.secret)
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains(&format!("cannot reach http://{closed}")), "{}", text(&out.stderr));
    let out = gate(&s, "", &["--dataset", "gate cli"]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("OBSERV_API_KEY is not set"));
}
