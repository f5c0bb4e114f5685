//! Server settings from the environment.

/// Where the SQLite file lives when `OBSERV_DATABASE_URL` is not set.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/observ.db";

#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: String,
}

impl Config {
    pub fn from_env() -> Self {
        Config {
            database_url: std::env::var("OBSERV_DATABASE_URL")
                .ok()
                .filter(|v| !v.trim().is_empty())
                .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_string()),
        }
    }
}
