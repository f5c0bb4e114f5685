//! Starts the whole app (REST, server functions, pages) on 127.0.0.1:0.

use axum::serve::ListenerExt;
use leptos::prelude::LeptosOptions;
use observ::server::{agents::AgentRegistry, app, db::Db, AppState};
use reqwest::{Client, Response};
use serde_json::Value;

pub struct TestServer {
    pub base: String,
    pub db: Db,
    pub client: Client,
    _dir: tempfile::TempDir,
}

impl TestServer {
    pub async fn start() -> TestServer {
        Self::start_with(AgentRegistry::builtin()).await
    }

    pub async fn start_with(agents: AgentRegistry) -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&format!("sqlite://{}/observ.db", dir.path().display())).await.unwrap();
        let leptos_options = LeptosOptions::builder().output_name("observ").site_root("target/site").build();
        let state = AppState::new(db.clone(), agents, leptos_options);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let listener = listener.tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
        let app = app(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        TestServer { base, db, client: Client::new(), _dir: dir }
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
        sqlx::query_scalar(&format!("SELECT count(*) FROM {table}")).fetch_one(&self.db.read).await.unwrap()
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
