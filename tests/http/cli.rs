//! The `observ` binary's set-up commands and its refusal to expose a server
//! that has no admin yet.

use serde_json::Value;
use std::io::Write;
use std::process::{Command, Output, Stdio};

fn observ(db: &std::path::Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_observ"))
        .args(args)
        .env("OBSERV_DATABASE_URL", crate::server::database_url(db.parent().unwrap()))
        .env_remove("OBSERV_ADMIN_EMAIL")
        .env_remove("OBSERV_ADMIN_PASSWORD")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(text) = stdin {
        child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

fn json(out: &Output) -> Value {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn keys_and_users_are_managed_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("observ.db");
    let key = json(&observ(&db, &["keys", "create", "--name", "ci"], None));
    assert_eq!((key["name"].as_str(), key["role"].as_str()), (Some("ci"), Some("member")));
    let secret = key["secret_key"].as_str().unwrap();
    let list = json(&observ(&db, &["keys", "list"], None));
    assert_eq!(list[0]["name"], "ci");
    assert_eq!(list[0]["created_by"], "cli");
    assert!(!list.to_string().contains(secret), "listing never shows a secret");

    let id = key["id"].to_string();
    assert_eq!(json(&observ(&db, &["keys", "revoke", &id], None))["revoked"], key["id"]);
    let again = observ(&db, &["keys", "revoke", &id], None);
    assert_eq!(again.status.code(), Some(1));
    assert!(stderr(&again).contains(&format!("API key {id} not found")));

    let user = observ(
        &db,
        &["users", "create", "--email", "ann@example.com", "--role", "viewer", "--password-stdin"],
        Some("a long passphrase\n"),
    );
    assert_eq!(json(&user)["role"], "viewer");
    let weak = observ(&db, &["users", "create", "--email", "bob@example.com", "--password-stdin"], Some("short\n"));
    assert_eq!(weak.status.code(), Some(1));
    assert!(stderr(&weak).contains("password must be at least 10 characters"), "{}", stderr(&weak));
    assert_eq!(json(&observ(&db, &["users", "list"], None)).as_array().unwrap().len(), 1);

    let usage = observ(&db, &["keys", "create"], None);
    assert_eq!(usage.status.code(), Some(2));
    assert!(stderr(&usage).contains("--name: required") && stderr(&usage).contains("usage:"));
    let role = observ(&db, &["keys", "create", "--name", "x", "--role", "root"], None);
    assert_eq!(role.status.code(), Some(2));
    assert!(stderr(&role).contains("--role: expected admin, member or viewer, found `root`"));
}

#[test]
fn a_public_address_without_an_admin_refuses_to_start() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let out = Command::new(env!("CARGO_BIN_EXE_observ"))
        .env("OBSERV_DATABASE_URL", crate::server::database_url(dir.path()))
        .env("LEPTOS_SITE_ADDR", format!("0.0.0.0:{port}"))
        .env("LEPTOS_OUTPUT_NAME", "observ")
        .env_remove("OBSERV_ADMIN_EMAIL")
        .env_remove("OBSERV_ADMIN_PASSWORD")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let message = stderr(&out);
    assert!(message.contains("refusing to listen on 0.0.0.0") && message.contains("OBSERV_ADMIN_EMAIL"), "{message}");

    let bad_url = Command::new(env!("CARGO_BIN_EXE_observ"))
        .env("OBSERV_DATABASE_URL", crate::server::database_url(dir.path()))
        .env("OBSERV_PUBLIC_URL", "observ.example.com")
        .env("LEPTOS_OUTPUT_NAME", "observ")
        .output()
        .unwrap();
    assert_eq!(bad_url.status.code(), Some(1));
    assert!(stderr(&bad_url).contains("OBSERV_PUBLIC_URL: expected https://host[:port]"));
}
