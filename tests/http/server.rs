//! Starts the whole app (REST, server functions, pages) on 127.0.0.1:0.

use leptos::prelude::LeptosOptions;
use observ::model::user::Role;
use observ::serve::serve;
use observ::server::auth::{accounts, security::Security};
use observ::server::{agents::AgentRegistry, db::Db, AppState};
use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION};
use reqwest::{Client, Response};
use serde_json::Value;

pub struct TestServer {
    pub base: String,
    pub db: Db,
    /// Sends the admin key of `secret` on every request.
    pub client: Client,
    /// Sends no credentials at all.
    pub anon: Client,
    /// The admin key the tests' `client` uses.
    pub secret: String,
    pub public_key: String,
    _dir: tempfile::TempDir,
}

/// The backend the suite runs on: PostgreSQL when `OBSERV_TEST_POSTGRES_URL`
/// names a cluster (`scripts/with-postgres` sets it), SQLite otherwise.
pub fn on_postgres() -> bool {
    std::env::var("OBSERV_TEST_POSTGRES_URL").is_ok()
}

/// The test database kept under `dir`: a SQLite file in it, or on PostgreSQL a
/// database named after it (created on first use), so a restarted server, the
/// CLI and a second instance given the same `dir` share one database.
pub fn database_url(dir: &std::path::Path) -> String {
    let Ok(admin) = std::env::var("OBSERV_TEST_POSTGRES_URL") else {
        return format!("sqlite://{}/observ.db", dir.display());
    };
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    dir.hash(&mut hasher);
    let name = format!("observ_test_{:016x}", hasher.finish());
    let (server, _) = admin.rsplit_once('/').expect("a postgres://…/database URL");
    let url = format!("{server}/{name}");
    // Its own thread and runtime: callable from sync code and from inside a test's runtime.
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async move {
            use sqlx::Connection;
            let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap();
            let exists: Option<i32> = sqlx::query_scalar("SELECT 1 FROM pg_database WHERE datname = $1")
                .bind(&name)
                .fetch_optional(&mut conn)
                .await
                .unwrap();
            if exists.is_none() {
                sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await.unwrap();
            }
        })
    })
    .join()
    .unwrap();
    url
}

/// A client that sends `Authorization: Bearer <secret>` on every request.
pub fn client_with_key(secret: &str) -> Client {
    let mut headers = HeaderMap::new();
    headers.insert(AUTHORIZATION, HeaderValue::from_str(&format!("Bearer {secret}")).unwrap());
    Client::builder().default_headers(headers).build().unwrap()
}

impl TestServer {
    pub async fn start() -> TestServer {
        Self::start_with(AgentRegistry::builtin()).await
    }

    pub async fn start_with(agents: AgentRegistry) -> TestServer {
        Self::start_with_site(agents, "target/site").await
    }

    /// A server whose static files come from `site_root`.
    pub async fn start_with_site(agents: AgentRegistry, site_root: &str) -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&database_url(dir.path())).await.unwrap();
        let leptos_options = LeptosOptions::builder().output_name("observ").site_root(site_root).build();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let security = Security::new(addr, None, &[]).unwrap();
        let state = AppState::new(db.clone(), agents, leptos_options).with_security(security);
        tokio::spawn(async move { serve(listener, state, std::future::pending()).await.unwrap() });
        let key = accounts::create_key(&db, "tests", Role::Admin, "tests").await.unwrap();
        TestServer {
            base: format!("http://{addr}"),
            db,
            client: client_with_key(&key.secret_key),
            anon: Client::new(),
            secret: key.secret_key,
            public_key: key.public_key,
            _dir: dir,
        }
    }

    /// A second server process-alike on the same database file (another
    /// instance behind the same load balancer): its own port and state.
    pub async fn another_instance(&self) -> String {
        let db = Db::open(&database_url(self._dir.path())).await.unwrap();
        let leptos_options = LeptosOptions::builder().output_name("observ").site_root("target/site").build();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = AppState::new(db, AgentRegistry::builtin(), leptos_options)
            .with_security(Security::new(addr, None, &[]).unwrap());
        tokio::spawn(async move { serve(listener, state, std::future::pending()).await.unwrap() });
        format!("http://{addr}")
    }

    /// A key with `role`, returned as (public, secret).
    pub async fn key(&self, name: &str, role: Role) -> (String, String) {
        let key = accounts::create_key(&self.db, name, role, "tests").await.unwrap();
        (key.public_key, key.secret_key)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    pub async fn post(&self, path: &str, body: &Value) -> Response {
        self.client.post(self.url(path)).json(body).send().await.unwrap()
    }

    pub async fn post_raw(&self, path: &str, body: impl Into<reqwest::Body>) -> Response {
        self.client.post(self.url(path)).header("content-type", "application/json").body(body).send().await.unwrap()
    }

    pub async fn patch(&self, path: &str, body: &Value) -> Response {
        self.client.patch(self.url(path)).json(body).send().await.unwrap()
    }

    pub async fn delete(&self, path: &str) -> Response {
        self.client.delete(self.url(path)).send().await.unwrap()
    }

    /// Rows in a table, read straight from the database file.
    pub async fn count(&self, table: &str) -> i64 {
        observ::server::db::exec::query_scalar(format!("SELECT count(*) FROM {table}"))
            .fetch_one(self.db.read_pool_for_tests())
            .await
            .unwrap()
    }

    /// Creates a dataset over the API and returns its id.
    pub async fn dataset(&self, name: &str) -> i64 {
        let res = self.post("/api/v1/datasets", &serde_json::json!({"name": name, "agent_class": "echo"})).await;
        assert_eq!(res.status(), 201);
        res.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
    }
}

/// Status and JSON body of a response.
pub async fn read(res: Response) -> (u16, Value) {
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}
