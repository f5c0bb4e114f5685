//! `/api/openapi.json` documents every API route the routers declare (read
//! from their source, so a new route without documentation fails here) and
//! nothing that is not routed.

use crate::server::{read, TestServer};
use std::collections::BTreeSet;

/// `(METHOD, path)` of each `.route("…", get(…).post(…))` in `text`.
fn routes_in(text: &str, prefix: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find(".route(") {
        rest = &rest[at + ".route(".len()..];
        let Some(open) = rest.find('"') else { break };
        let Some(close) = rest[open + 1..].find('"') else { break };
        let path = &rest[open + 1..open + 1 + close];
        // The handler chain: up to the parenthesis that closes `.route(`.
        let (mut depth, mut end) = (1, 0);
        for (i, c) in rest.char_indices() {
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                _ => {}
            }
            if depth == 0 {
                end = i;
                break;
            }
        }
        let chain = &rest[open + 1 + close..end];
        for method in ["get", "post", "patch", "delete", "put"] {
            let calls = chain
                .match_indices(&format!("{method}("))
                .any(|(i, _)| i == 0 || !chain[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_'));
            if calls {
                out.push((method.to_string(), format!("{prefix}{path}")));
            }
        }
    }
    out
}

fn routed() -> BTreeSet<(String, String)> {
    let mut all = BTreeSet::new();
    for (dir, prefix) in [("src/server/rest", "/api/v1"), ("src/server/public", "/api/public")] {
        for entry in std::fs::read_dir(dir).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            all.extend(routes_in(&text, prefix));
        }
    }
    let serve = std::fs::read_to_string("src/serve.rs").unwrap();
    all.extend(routes_in(&serve, "").into_iter().filter(|(_, p)| p.starts_with("/api/") || p.starts_with("/v1/")));
    all
}

#[tokio::test]
async fn the_document_lists_every_routed_endpoint() {
    let s = TestServer::start().await;
    let (status, doc) = read(s.get("/api/openapi.json").await).await;
    assert_eq!(status, 200);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    let documented: BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| item.as_object().unwrap().keys().map(move |m| (m.clone(), path.clone())))
        .collect();
    let routed = routed();
    assert!(routed.len() > 40, "found the routes: {routed:?}");
    let missing: Vec<_> = routed.difference(&documented).collect();
    assert!(missing.is_empty(), "routed but not in /api/openapi.json: {missing:?}");
    let stale: Vec<_> = documented.difference(&routed).collect();
    assert!(stale.is_empty(), "documented but not routed: {stale:?}");
    assert!(doc["components"]["schemas"]["TraceSummary"]["properties"]["has_error"].is_object());
    // Signed out, the document is not served.
    assert_eq!(s.anon.get(s.url("/api/openapi.json")).send().await.unwrap().status(), 401);
}
