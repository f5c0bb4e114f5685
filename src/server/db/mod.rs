//! The SQLite store: connection setup, migrations, and the query functions per
//! table. All SQL of the application lives under this module.
//!
//! Writes go through a one-connection pool so they queue in-process instead of
//! failing with SQLITE_BUSY; reads use a separate pool and, thanks to WAL, never
//! wait for a writer.

pub mod api_keys;
pub mod auth_sessions;
pub mod compare;
pub mod datasets;
pub mod items;
mod pages;
pub mod run_items;
pub mod run_summaries;
pub mod runs;
pub mod scores;
pub mod stats;
pub mod traces;
pub mod transfer;
pub mod users;

pub(crate) use pages::{cursor_page, keyset_page, Listing};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use std::str::FromStr;
use std::time::Duration;

/// RFC 3339 UTC with milliseconds, evaluated by SQLite at write time.
pub(crate) const NOW: &str = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

#[derive(Clone, Debug)]
pub struct Db {
    pub read: SqlitePool,
    pub write: SqlitePool,
}

impl Db {
    /// Opens (creating if missing) the database at `url` and applies the embedded migrations.
    pub async fn open(url: &str) -> Result<Db, sqlx::Error> {
        create_parent_dir(url);
        let base = SqliteConnectOptions::from_str(url)?
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            .pragma("cache_size", "-32000")
            .pragma("temp_store", "memory");
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(
                base.clone()
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal),
            )
            .await?;
        sqlx::migrate!("./migrations").run(&write).await?;
        let read = SqlitePoolOptions::new().max_connections(8).connect_with(base.read_only(true)).await?;
        Ok(Db { read, write })
    }
}

/// `sqlite://data/observ.db` needs `data/` to exist before SQLite can create the file.
fn create_parent_dir(url: &str) {
    let path = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
    let path = path.split('?').next().unwrap_or(path);
    if path.is_empty() || path == ":memory:" {
        return;
    }
    if let Some(parent) = std::path::Path::new(path).parent() {
        if !parent.as_os_str().is_empty() {
            let _ = std::fs::create_dir_all(parent);
        }
    }
}

/// Escapes `%`, `_` and `\` so user text matches literally in `LIKE ? ESCAPE '\'`.
pub(crate) fn like_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_pattern_escapes_wildcards() {
        assert_eq!(like_pattern("50%_off\\"), "%50\\%\\_off\\\\%");
    }

    #[tokio::test]
    async fn opens_in_wal_mode_with_foreign_keys() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/nested/observ.db", dir.path().display());
        let db = Db::open(&url).await.unwrap();
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode").fetch_one(&db.read).await.unwrap();
        assert_eq!(mode, "wal");
        let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys").fetch_one(&db.write).await.unwrap();
        assert_eq!(fk, 1);
        let tables: i64 =
            sqlx::query_scalar("SELECT count(*) FROM sqlite_master WHERE name LIKE 'observ_%' AND type = 'table'")
                .fetch_one(&db.read)
                .await
                .unwrap();
        assert_eq!(tables, 11);
    }
}
