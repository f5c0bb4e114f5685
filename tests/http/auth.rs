//! Authentication and the defences in front of every route: credentials on the
//! API, roles, revoked keys, same-origin writes, JSON bodies, the Host
//! allow-list, security headers, sign-in throttling and the first-admin page.

use crate::server::{client_with_key, read, TestServer};
use observ::model::user::{Role, UserDraft};
use observ::server::auth::accounts;
use reqwest::redirect::Policy;
use reqwest::{Client, Method, Response};
use serde_json::json;

/// A client that neither follows redirects nor sends credentials.
pub fn bare() -> Client {
    Client::builder().redirect(Policy::none()).build().unwrap()
}

/// Every `/api/v1` route (path parameters filled in) with a method it answers.
const API_ROUTES: &[(&str, &str)] = &[
    ("GET", "/api/v1/agents"),
    ("GET", "/api/v1/dashboard"),
    ("GET", "/api/v1/events"),
    ("GET", "/api/v1/me"),
    ("GET", "/api/v1/datasets"),
    ("POST", "/api/v1/datasets"),
    ("GET", "/api/v1/datasets/1"),
    ("PATCH", "/api/v1/datasets/1"),
    ("DELETE", "/api/v1/datasets/1"),
    ("GET", "/api/v1/datasets/1/items"),
    ("POST", "/api/v1/datasets/1/items"),
    ("GET", "/api/v1/datasets/1/items/1"),
    ("PATCH", "/api/v1/datasets/1/items/1"),
    ("DELETE", "/api/v1/datasets/1/items/1"),
    ("POST", "/api/v1/datasets/1/items/import"),
    ("GET", "/api/v1/datasets/1/items/export?format=csv"),
    ("GET", "/api/v1/datasets/1/items/1/runs"),
    ("GET", "/api/v1/datasets/1/runs"),
    ("POST", "/api/v1/datasets/1/runs"),
    ("POST", "/api/v1/datasets/1/duplicate"),
    ("GET", "/api/v1/datasets/1/compare?runs=1,2"),
    ("GET", "/api/v1/runs/1"),
    ("DELETE", "/api/v1/runs/1"),
    ("GET", "/api/v1/runs/1/items"),
    ("POST", "/api/v1/runs/1/cancel"),
    ("POST", "/api/v1/runs/1/retry"),
    ("GET", "/api/v1/runs/1/events"),
    ("GET", "/api/v1/runs/1/repetitions"),
    ("GET", "/api/v1/runs/1/calibration"),
    ("GET", "/api/v1/runs/1/export?format=jsonl"),
    ("POST", "/api/v1/runs/1/evaluate"),
    ("POST", "/api/v1/scores"),
    ("GET", "/api/v1/traces"),
    ("GET", "/api/v1/traces/1"),
    ("POST", "/api/v1/traces/1/add-to-dataset"),
    ("POST", "/api/v1/traces/add-to-dataset"),
    ("GET", "/api/v1/api-keys"),
    ("POST", "/api/v1/api-keys"),
    ("DELETE", "/api/v1/api-keys/1"),
    ("GET", "/api/v1/users"),
    ("POST", "/api/v1/users"),
    ("PATCH", "/api/v1/users/1"),
    ("DELETE", "/api/v1/users/1"),
    ("POST", "/api/v1/observations/1/add-to-dataset"),
    ("POST", "/api/v1/runs/1/baseline"),
    ("DELETE", "/api/v1/datasets/1/baseline"),
    ("POST", "/api/v1/datasets/1/gate"),
    ("POST", "/v1/traces"),
    ("GET", "/api/public/projects"),
    ("GET", "/api/public/health"),
    ("POST", "/api/public/otel/v1/traces"),
    ("POST", "/api/public/scores"),
    ("GET", "/api/public/v2/datasets"),
    ("POST", "/api/public/v2/datasets"),
    ("GET", "/api/public/v2/datasets/a%2Fb"),
    ("GET", "/api/public/datasets"),
    ("POST", "/api/public/datasets"),
    ("GET", "/api/public/datasets/a"),
    ("GET", "/api/public/dataset-items?datasetName=a"),
    ("POST", "/api/public/dataset-items"),
    ("GET", "/api/public/dataset-items/1"),
    ("POST", "/api/public/ingestion"),
    ("GET", "/api/public/no-such-route"),
    ("GET", "/api/openapi.json"),
    ("GET", "/api/v1/no-such-route"),
];

async fn call(client: &Client, s: &TestServer, method: &str, path: &str) -> Response {
    let method = Method::from_bytes(method.as_bytes()).unwrap();
    let builder = client.request(method.clone(), s.url(path));
    let builder = if method == Method::GET || method == Method::DELETE { builder } else { builder.json(&json!({})) };
    builder.send().await.unwrap()
}

#[tokio::test]
async fn every_api_route_refuses_strangers_with_401() {
    let s = TestServer::start().await;
    let d = s.dataset("kept").await;
    assert_eq!(d, 1);
    for (method, path) in API_ROUTES {
        let (status, body) = read(call(&s.anon, &s, method, path).await).await;
        assert_eq!(status, 401, "{method} {path}");
        assert_eq!(body["error"]["code"], "unauthorized", "{method} {path}");
    }
    // The same table with the admin key reaches the handlers: never a 401.
    for (method, path) in API_ROUTES.iter().filter(|(m, _)| *m == "GET") {
        let res = call(&s.client, &s, method, path).await;
        assert_ne!(res.status(), 401, "{method} {path}");
    }
    assert_eq!(s.count("observ_datasets").await, 1, "nothing was written or deleted");
}

#[tokio::test]
async fn bearer_and_basic_keys_both_work_and_bad_ones_do_not() {
    let s = TestServer::start().await;
    let res = s.anon.get(s.url("/api/v1/me")).bearer_auth(&s.secret).send().await.unwrap();
    let (status, me) = read(res).await;
    assert_eq!((status, me["role"].as_str(), me["via"].as_str()), (200, Some("admin"), Some("api_key")));
    let basic = s.anon.get(s.url("/api/v1/datasets")).basic_auth(&s.public_key, Some(&s.secret));
    assert_eq!(basic.send().await.unwrap().status(), 200);

    let wrong_public = s.anon.get(s.url("/api/v1/datasets")).basic_auth("pk-someone-else", Some(&s.secret));
    assert_eq!(wrong_public.send().await.unwrap().status(), 401);
    let wrong_secret = s.anon.get(s.url("/api/v1/datasets")).bearer_auth("sk-not-a-key");
    let (status, body) = read(wrong_secret.send().await.unwrap()).await;
    assert_eq!(status, 401);
    assert_eq!(body["error"]["message"], "Authorization: unknown or revoked API key");
    let garbage = s.anon.get(s.url("/api/v1/datasets")).header("authorization", "Token abc");
    assert_eq!(garbage.send().await.unwrap().status(), 401);
}

#[tokio::test]
async fn viewers_read_but_their_writes_are_403_in_rest_and_server_functions() {
    let s = TestServer::start().await;
    let d = s.dataset("read me").await;
    let (_, viewer_secret) = s.key("viewer", Role::Viewer).await;
    let viewer = client_with_key(&viewer_secret);
    assert_eq!(viewer.get(s.url(&format!("/api/v1/datasets/{d}"))).send().await.unwrap().status(), 200);
    let (status, body) = read(
        viewer.post(s.url("/api/v1/datasets")).json(&json!({"name": "x", "agent_class": "echo"})).send().await.unwrap(),
    )
    .await;
    assert_eq!(status, 403);
    assert!(body["error"]["message"].as_str().unwrap().contains("viewer"), "{body}");
    assert_eq!(viewer.delete(s.url(&format!("/api/v1/datasets/{d}"))).send().await.unwrap().status(), 403);

    // A server function that writes, called with the viewer's key.
    let path = server_fn_path("delete_dataset");
    let res = viewer.post(s.url(&path)).form(&[("id", d.to_string())]).send().await.unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(s.count("observ_datasets").await, 1);
    // A member's key may write; a member may not manage keys.
    let (_, member_secret) = s.key("member", Role::Member).await;
    let member = client_with_key(&member_secret);
    let created = member.post(s.url("/api/v1/datasets")).json(&json!({"name": "m", "agent_class": "echo"}));
    assert_eq!(created.send().await.unwrap().status(), 201);
    assert_eq!(member.get(s.url("/api/v1/api-keys")).send().await.unwrap().status(), 403);
}

/// The URL of a server function, found by name among the registered ones.
pub fn server_fn_path(name: &str) -> String {
    let paths: Vec<&str> = leptos::server_fn::axum::server_fn_paths().map(|(p, _)| p).collect();
    paths
        .iter()
        .find(|p| {
            p.strip_prefix("/api/")
                .is_some_and(|rest| rest.starts_with(name) && rest[name.len()..].chars().all(|c| c.is_ascii_digit()))
        })
        .unwrap_or_else(|| panic!("no server function {name} among {paths:?}"))
        .to_string()
}

#[tokio::test]
async fn keys_are_created_listed_and_revoked_at_once() {
    let s = TestServer::start().await;
    let (status, key) = read(s.post("/api/v1/api-keys", &json!({"name": "ci", "role": "member"})).await).await;
    assert_eq!(status, 201, "{key}");
    let secret = key["secret_key"].as_str().unwrap().to_string();
    assert!(secret.starts_with("sk-") && key["public_key"].as_str().unwrap().starts_with("pk-"));
    let ci = client_with_key(&secret);
    assert_eq!(ci.get(s.url("/api/v1/datasets")).send().await.unwrap().status(), 200);

    let (_, list) = read(s.get("/api/v1/api-keys").await).await;
    let listed = list["data"].as_array().unwrap().iter().find(|k| k["name"] == "ci").unwrap().clone();
    assert!(listed.get("secret_key").is_none(), "the secret is shown once only");
    assert_eq!(listed["secret_hint"].as_str().unwrap(), &secret[secret.len() - 4..]);
    assert_eq!(listed["created_by"], "key:tests");
    let stored: Vec<String> = observ::server::db::exec::query_scalar("SELECT secret_hash FROM observ_api_keys")
        .fetch_all(s.db.read_pool_for_tests())
        .await
        .unwrap();
    assert!(stored.iter().all(|h| h.len() == 64 && !h.contains(&secret)), "stored as SHA-256 only");

    let (status, body) = read(s.post("/api/v1/api-keys", &json!({"name": " ", "role": "root"})).await).await;
    assert_eq!(status, 422);
    assert!(body["error"]["fields"]["role"].is_array() && body["error"]["fields"]["name"].is_array(), "{body}");

    assert_eq!(s.delete(&format!("/api/v1/api-keys/{}", key["id"])).await.status(), 204);
    assert_eq!(ci.get(s.url("/api/v1/datasets")).send().await.unwrap().status(), 401, "revoked: refused at once");
}

/// Signs in through the HTML form; returns the `name=value` of the session cookie.
pub async fn sign_in(s: &TestServer, email: &str, password: &str) -> String {
    let res = bare()
        .post(s.url("/login"))
        .header("origin", &s.base)
        .form(&[("email", email), ("password", password), ("next", "/datasets")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/datasets");
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(!cookie.contains("Secure"), "plain http on loopback");
    cookie.split(';').next().unwrap().to_string()
}

pub async fn user(s: &TestServer, email: &str, role: Role) {
    let draft = UserDraft { email: email.into(), name: String::new(), password: "long enough password".into(), role };
    accounts::create_user(&s.db, draft).await.unwrap();
}

#[tokio::test]
async fn cookie_writes_from_another_origin_are_403_in_rest_and_server_functions() {
    let s = TestServer::start().await;
    user(&s, "ann@example.com", Role::Member).await;
    let cookie = sign_in(&s, "ann@example.com", "long enough password").await;
    let d = s.dataset("target").await;
    let body = json!({"name": "forged", "agent_class": "echo"});
    let forged =
        bare().post(s.url("/api/v1/datasets")).header("cookie", &cookie).header("origin", "http://evil.example");
    assert_eq!(forged.json(&body).send().await.unwrap().status(), 403);
    let forged =
        bare().post(s.url("/api/v1/datasets")).header("cookie", &cookie).header("sec-fetch-site", "cross-site");
    assert_eq!(forged.json(&body).send().await.unwrap().status(), 403);
    let delete = server_fn_path("delete_dataset");
    let forged = bare().post(s.url(&delete)).header("cookie", &cookie).header("origin", "http://evil.example");
    assert_eq!(forged.form(&[("id", d.to_string())]).send().await.unwrap().status(), 403);
    assert_eq!(s.count("observ_datasets").await, 1, "nothing forged was written or deleted");

    // The same requests from Observ's own origin go through.
    let own = bare().post(s.url("/api/v1/datasets")).header("cookie", &cookie).header("origin", &s.base);
    assert_eq!(own.json(&body).send().await.unwrap().status(), 201);
    let own = bare().post(s.url(&delete)).header("cookie", &cookie).header("origin", &s.base);
    assert_eq!(own.form(&[("id", d.to_string())]).send().await.unwrap().status(), 200);
    assert_eq!(s.count("observ_datasets").await, 1);
}

#[tokio::test]
async fn json_bodies_must_say_so_and_foreign_hosts_get_421() {
    let s = TestServer::start().await;
    let res = s.client.post(s.url("/api/v1/datasets")).header("content-type", "text/plain");
    let (status, body) = read(res.body(r#"{"name":"x","agent_class":"echo"}"#).send().await.unwrap()).await;
    assert_eq!(status, 415);
    assert_eq!(body["error"]["message"], "Content-Type: expected application/json, found `text/plain`");
    assert_eq!(s.count("observ_datasets").await, 0);

    let port = s.base.rsplit(':').next().unwrap();
    let rebound = s.client.get(s.url("/api/v1/datasets")).header("host", format!("attacker.example:{port}"));
    let (status, body) = read(rebound.send().await.unwrap()).await;
    assert_eq!(status, 421);
    assert!(body["error"]["message"].as_str().unwrap().contains("attacker.example"));
    let page = s.client.get(s.url("/")).header("host", format!("attacker.example:{port}"));
    assert_eq!(page.send().await.unwrap().status(), 421);
    let local = s.client.get(s.url("/api/v1/datasets")).header("host", format!("localhost:{port}"));
    assert_eq!(local.send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn pages_carry_security_headers_and_the_nonce_of_their_scripts() {
    let s = TestServer::start().await;
    let res = s.get("/datasets").await;
    assert_eq!(res.status(), 200, "a key authenticates pages too");
    let headers = res.headers().clone();
    let csp = headers["content-security-policy"].to_str().unwrap().to_string();
    assert!(
        csp.contains("default-src 'self'")
            && csp.contains("'wasm-unsafe-eval'")
            && csp.contains("frame-ancestors 'none'")
    );
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["referrer-policy"], "same-origin");
    let nonce = csp.split("'nonce-").nth(1).unwrap().split('\'').next().unwrap().to_string();
    let html = res.text().await.unwrap();
    assert!(html.contains(&format!("nonce=\"{nonce}\"")), "inline scripts carry this response's nonce");
    assert!(!html.contains(" onclick="), "no inline event handlers");
    let other = s.get("/datasets").await.headers()["content-security-policy"].to_str().unwrap().to_string();
    assert_ne!(csp, other, "a fresh nonce per response");
    let api = s.get("/api/v1/datasets").await;
    assert_eq!(api.headers()["x-content-type-options"], "nosniff");
}

#[tokio::test]
async fn strangers_are_sent_to_sign_in_and_come_back() {
    let s = TestServer::start().await;
    user(&s, "bob@example.com", Role::Viewer).await;
    let res = bare().get(s.url("/datasets?search=a%20b")).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/login?next=/datasets%3Fsearch%3Da%2520b");
    let login = bare().get(s.url("/login")).send().await.unwrap();
    assert_eq!(login.status(), 200);
    let html = login.text().await.unwrap();
    assert!(html.contains("action=\"/login\"") && html.contains("name=\"password\""));

    let cookie = sign_in(&s, "bob@example.com", "long enough password").await;
    let page = bare().get(s.url("/datasets")).header("cookie", &cookie).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("data-viewer-role=\"viewer\""));
    let (status, me) = read(bare().get(s.url("/api/v1/me")).header("cookie", &cookie).send().await.unwrap()).await;
    assert_eq!((status, me["via"].as_str()), (200, Some("session")));

    let out = bare().post(s.url("/logout")).header("cookie", &cookie).header("origin", &s.base).send().await.unwrap();
    assert_eq!(out.status(), 303);
    assert!(out.headers()["set-cookie"].to_str().unwrap().contains("Max-Age=0"));
    let stale = bare().get(s.url("/datasets")).header("cookie", &cookie).send().await.unwrap();
    assert_eq!(stale.status(), 303, "the session is gone from the database");
    assert_eq!(s.count("observ_auth_sessions").await, 0);
}

#[tokio::test]
async fn wrong_passwords_are_throttled_with_429_and_retry_after() {
    let s = TestServer::start().await;
    user(&s, "carol@example.com", Role::Member).await;
    let attempt = |password: &'static str| {
        bare()
            .post(s.url("/login"))
            .header("origin", &s.base)
            .form(&[("email", "carol@example.com"), ("password", password), ("next", "/")])
            .send()
    };
    for _ in 0..5 {
        let res = attempt("wrong password!").await.unwrap();
        assert_eq!(res.status(), 303);
        assert_eq!(res.headers()["location"], "/login?error=wrong");
    }
    let res = attempt("wrong password!").await.unwrap();
    assert_eq!(res.status(), 429);
    let wait: u64 = res.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(wait > 0 && wait <= 900);
    let res = attempt("long enough password").await.unwrap();
    assert_eq!(res.status(), 429, "even the right password waits");
    assert_eq!(s.count("observ_auth_sessions").await, 0);
}

#[tokio::test]
async fn the_first_admin_page_exists_only_until_an_admin_does() {
    let s = TestServer::start().await;
    let res = bare().get(s.url("/")).send().await.unwrap();
    assert_eq!((res.status().as_u16(), res.headers()["location"].to_str().unwrap()), (303, "/setup"));
    let page = bare().get(s.url("/setup")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("Create the admin"));

    let form = |email: &'static str, password: &'static str, again: &'static str| {
        bare()
            .post(s.url("/setup"))
            .header("origin", &s.base)
            .form(&[("email", email), ("password", password), ("password_confirmation", again)])
            .send()
    };
    let short = form("admin@example.com", "short", "short").await.unwrap();
    assert_eq!(short.status(), 303);
    assert!(short.headers()["location"].to_str().unwrap().starts_with("/setup?error=password"));
    let mismatch = form("admin@example.com", "long enough password", "other password!").await.unwrap();
    assert!(mismatch.headers()["location"].to_str().unwrap().contains("password_confirmation"));
    assert_eq!(s.count("observ_users").await, 0, "bad input writes nothing");

    let created = form("admin@example.com", "long enough password", "long enough password").await.unwrap();
    assert_eq!((created.status().as_u16(), created.headers()["location"].to_str().unwrap()), (303, "/"));
    assert!(created.headers()["set-cookie"].to_str().unwrap().starts_with("observ_session="));
    let (_, users) = read(s.get("/api/v1/users").await).await;
    assert_eq!(users["data"][0]["role"], "admin");

    let gone = bare().get(s.url("/setup")).send().await.unwrap();
    assert_eq!((gone.status().as_u16(), gone.headers()["location"].to_str().unwrap()), (303, "/login"));
    let again = form("mallory@example.com", "long enough password", "long enough password").await.unwrap();
    assert_eq!(again.headers()["location"], "/login");
    assert_eq!(s.count("observ_users").await, 1, "a second first admin is never made");
}

#[tokio::test]
async fn admins_manage_users_and_the_last_admin_stays() {
    let s = TestServer::start().await;
    let body = json!({"email": "dan@example.com", "password": "long enough password", "role": "viewer"});
    let (status, dan) = read(s.post("/api/v1/users", &body).await).await;
    assert_eq!(status, 201, "{dan}");
    assert!(dan.get("password_hash").is_none());
    let (status, dup) =
        read(s.post("/api/v1/users", &json!({"email": "DAN@example.com", "password": "long enough password"})).await)
            .await;
    assert_eq!(status, 422);
    assert_eq!(dup["error"]["fields"]["email"][0], "is already taken");
    let (status, promoted) =
        read(s.patch(&format!("/api/v1/users/{}", dan["id"]), &json!({"role": "admin"})).await).await;
    assert_eq!((status, promoted["role"].as_str()), (200, Some("admin")));
    let (status, _) = read(s.patch(&format!("/api/v1/users/{}", dan["id"]), &json!({"role": "member"})).await).await;
    assert_eq!(status, 422, "the only admin keeps the role");
    let hash: String = observ::server::db::exec::query_scalar("SELECT password_hash FROM observ_users")
        .fetch_one(s.db.read_pool_for_tests())
        .await
        .unwrap();
    assert!(hash.starts_with("$argon2id$"));
}
