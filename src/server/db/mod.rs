//! The store: connection setup, migrations, and the query functions per table,
//! on SQLite (the default) or PostgreSQL. All SQL of the application lives
//! under this module; `exec` runs each query on either backend.
//!
//! On SQLite, writes go through a one-connection pool so they queue in-process
//! instead of failing with SQLITE_BUSY; reads use a separate pool and, thanks
//! to WAL, never wait for a writer. On PostgreSQL one pool serves both.

pub mod api_keys;
pub mod auth_sessions;
pub mod calibration;
pub mod changes;
pub mod compare;
pub mod datasets;
mod dialect;
pub mod exec;
pub mod experiments;
pub mod explorer;
pub mod ingest;
mod ingest_rows;
pub mod items;
pub mod leases;
pub mod login_failures;
mod pages;
pub mod public;
pub mod record;
pub mod repetitions;
pub mod run_items;
pub mod run_summaries;
pub mod runs;
pub mod scores;
pub mod sdk_scores;
pub mod stats;
pub mod traces;
pub mod transfer;
pub mod users;

use crate::server::error::AppError;
use exec::{query, query_scalar};
pub use exec::{Dialect, Pool};
use pages::{cursor_page, keyset_page, Listing};
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::Connection;
use std::str::FromStr;
use std::time::Duration;

/// RFC 3339 UTC with milliseconds, evaluated by the database at write time
/// (SQLite's spelling; `exec` says it in PostgreSQL's).
const NOW: &str = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

#[derive(Clone, Debug)]
pub struct Db {
    read: Pool,
    write: Pool,
    changes: changes::Changes,
}

impl Db {
    /// Opens the database at `url` (creating a SQLite file if missing) and
    /// applies the embedded migrations of its backend.
    pub async fn open(url: &str) -> Result<Db, sqlx::Error> {
        match check_url(url).map_err(|m| sqlx::Error::Configuration(m.into()))? {
            Dialect::Sqlite => Self::open_sqlite(url).await,
            Dialect::Postgres => Self::open_postgres(url).await,
        }
    }

    async fn open_sqlite(url: &str) -> Result<Db, sqlx::Error> {
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
        let write = Pool::Sqlite(write);
        refuse_newer(&write).await?;
        if let Pool::Sqlite(pool) = &write {
            SQLITE_MIGRATOR.run(pool).await?;
        }
        let read = SqlitePoolOptions::new()
            .max_connections(pool_size("OBSERV_DB_READ_CONNECTIONS", 8)?)
            .connect_with(base.read_only(true))
            .await?;
        Ok(Db { read: Pool::Sqlite(read), write, changes: Default::default() })
    }

    /// One pool serves reads and writes: PostgreSQL has no single writer.
    async fn open_postgres(url: &str) -> Result<Db, sqlx::Error> {
        let options = PgConnectOptions::from_str(url)?;
        // One plain connection first: an unreachable server or a wrong password
        // is reported at once, where the pool would retry until its timeout.
        PgConnection::connect_with(&options).await?.close().await?;
        let pool = PgPoolOptions::new()
            .max_connections(pool_size("OBSERV_DB_MAX_CONNECTIONS", 16)?)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options)
            .await?;
        let pool = Pool::Postgres(pool);
        refuse_newer(&pool).await?;
        if let Pool::Postgres(pg) = &pool {
            // The migrator takes an advisory lock: instances starting together migrate once.
            POSTGRES_MIGRATOR.run(pg).await?;
        }
        Ok(Db { read: pool.clone(), write: pool, changes: Default::default() })
    }

    pub fn dialect(&self) -> Dialect {
        self.write.dialect()
    }

    /// For `/readyz` and `observ check`: the database answers, and its
    /// migrations are exactly the ones this binary carries.
    pub async fn readiness(&self) -> Result<i64, String> {
        query_scalar::<i64>("SELECT CAST(1 AS BIGINT)")
            .fetch_one(&self.read)
            .await
            .map_err(|e| format!("database: {e}"))?;
        let (applied, known) = (applied_version(&self.read).await.unwrap_or(0), latest_version());
        if applied == known {
            Ok(applied)
        } else {
            Err(format!("migrations: the database is at {applied}, this binary at {known}"))
        }
    }

    pub async fn close(&self) {
        self.read.close().await;
        self.write.close().await;
    }
}

impl Db {
    /// The read pool, for raw SQL in tests and benches only: the application
    /// goes through this module's query functions.
    #[doc(hidden)]
    pub fn read_pool_for_tests(&self) -> &Pool {
        &self.read
    }

    /// The write pool, for raw SQL in tests and benches only.
    #[doc(hidden)]
    pub fn write_pool_for_tests(&self) -> &Pool {
        &self.write
    }

    /// A consistent copy of the whole database in a new file at `path`, taken
    /// while the server runs (SQLite's `VACUUM INTO`: readers and the writer go on).
    /// PostgreSQL has its own tools for this (`pg_dump`), which the error names.
    pub async fn backup(&self, path: &std::path::Path) -> Result<(), String> {
        if self.dialect() == Dialect::Postgres {
            return Err("backup: on PostgreSQL use `pg_dump --format=custom` (see README, Backups)".into());
        }
        if path.exists() {
            return Err(format!("{}: already exists; choose a new file", path.display()));
        }
        let target = path.to_str().ok_or_else(|| format!("{}: not a UTF-8 path", path.display()))?;
        query("VACUUM INTO ?").bind(target).execute(&self.read).await.map_err(|e| format!("backup: {e}"))?;
        Ok(())
    }
}

/// A pool size from `variable` (1–64), or `default`.
fn pool_size(variable: &str, default: u32) -> Result<u32, sqlx::Error> {
    match std::env::var(variable) {
        Err(_) => Ok(default),
        Ok(text) => text.trim().parse::<u32>().ok().filter(|n| (1..=64).contains(n)).ok_or_else(|| {
            let message = format!("{variable}: expected a whole number from 1 to 64, found `{text}`");
            sqlx::Error::Configuration(message.into())
        }),
    }
}

static SQLITE_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// The newest migration this binary carries (the same number on both backends).
pub fn latest_version() -> i64 {
    SQLITE_MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0)
}

/// The newest migration applied to the database (`None` for a new one).
async fn applied_version(pool: &Pool) -> Option<i64> {
    query_scalar::<Option<i64>>("SELECT max(version) FROM _sqlx_migrations WHERE success")
        .fetch_one(pool)
        .await
        .ok()
        .flatten()
}

/// A database migrated by a newer Observ is left alone, naming both versions.
async fn refuse_newer(pool: &Pool) -> Result<(), sqlx::Error> {
    if let (Some(found), known) = (applied_version(pool).await, latest_version()) {
        if found > known {
            let message = format!(
                "the database was migrated by a newer Observ (migration {found}); this binary knows migrations \
                 up to {known}: run the newer version, or restore a backup taken before the upgrade"
            );
            return Err(sqlx::Error::Configuration(message.into()));
        }
    }
    Ok(())
}

/// `OBSERV_DATABASE_URL` names a SQLite file (`sqlite://path`, `sqlite:path`,
/// `sqlite::memory:`) or a PostgreSQL database (`postgres://…`); anything
/// else is refused before anything is written.
pub fn check_url(url: &str) -> Result<Dialect, String> {
    let scheme = url.split_once(':').map(|(s, _)| s.to_ascii_lowercase());
    match scheme.as_deref() {
        Some("sqlite") => Ok(Dialect::Sqlite),
        Some("postgres" | "postgresql") => Ok(Dialect::Postgres),
        _ => Err(format!(
            "OBSERV_DATABASE_URL: expected sqlite://PATH (e.g. sqlite://data/observ.db) or postgres://USER@HOST/DATABASE, \
             found `{}`",
            crate::server::redact::redact_url(url)
        )),
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

/// A unique-constraint violation is the user's mistake (422 on `field`), anything else stays internal.
fn unique_as_field(error: sqlx::Error, field: &str, message: &str) -> AppError {
    if is_unique_violation(&error) {
        AppError::field(field, message)
    } else {
        AppError::from(error)
    }
}

/// A write's result, with a unique-constraint violation (a name already taken)
/// as `None`: for callers that pick another name and try again.
fn unless_taken<T>(result: Result<T, sqlx::Error>) -> Result<Option<T>, AppError> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(error) if is_unique_violation(&error) => Ok(None),
        Err(error) => Err(error.into()),
    }
}

fn is_unique_violation(error: &sqlx::Error) -> bool {
    error.as_database_error().is_some_and(|db| db.is_unique_violation())
}

/// Escapes `%`, `_` and `\` so user text matches literally in `LIKE ? ESCAPE '\'`.
fn like_pattern(text: &str) -> String {
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

    #[tokio::test]
    async fn a_backup_is_a_whole_database_that_opens() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&format!("sqlite://{}/observ.db", dir.path().display())).await.unwrap();
        query(
            "INSERT INTO observ_datasets (name, agent_class, created_at, updated_at) VALUES ('kept', 'echo', 'x', 'x')",
        )
        .execute(&db.write)
        .await
        .unwrap();
        let copy = dir.path().join("copy.db");
        db.backup(&copy).await.unwrap();
        assert!(db.backup(&copy).await.unwrap_err().contains("already exists"));
        let restored = Db::open(&format!("sqlite://{}", copy.display())).await.unwrap();
        let names: Vec<String> =
            query_scalar("SELECT name FROM observ_datasets").fetch_all(&restored.read).await.unwrap();
        assert_eq!(names, ["kept"]);
        assert_eq!(restored.readiness().await, Ok(latest_version()));
    }

    #[test]
    fn sqlite_and_postgres_urls_are_accepted_and_nothing_else() {
        assert_eq!(check_url("sqlite://data/observ.db"), Ok(Dialect::Sqlite));
        assert_eq!(check_url("sqlite::memory:"), Ok(Dialect::Sqlite));
        assert_eq!(check_url("postgres://observ:hunter2@db/observ"), Ok(Dialect::Postgres));
        assert_eq!(check_url("postgresql://db/observ"), Ok(Dialect::Postgres));
        let other = check_url("mysql://observ:hunter2@db/observ").unwrap_err();
        assert!(other.starts_with("OBSERV_DATABASE_URL:") && other.contains("expected sqlite://PATH"), "{other}");
        assert!(!other.contains("hunter2"), "{other}");
        assert!(check_url("data/observ.db").unwrap_err().contains("postgres://"));
    }

    #[tokio::test]
    async fn a_database_from_a_newer_version_is_refused_naming_both_versions() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/observ.db", dir.path().display());
        let db = Db::open(&url).await.unwrap();
        assert_eq!(db.readiness().await, Ok(latest_version()));
        query(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
             VALUES (9999, 'from the future', 1, x'00', 0)",
        )
        .execute(&db.write)
        .await
        .unwrap();
        assert!(db.readiness().await.unwrap_err().contains("9999"));
        drop(db);
        let error = Db::open(&url).await.unwrap_err().to_string();
        assert!(error.contains("migration 9999") && error.contains(&format!("up to {}", latest_version())), "{error}");
    }

    #[test]
    fn like_pattern_escapes_wildcards() {
        assert_eq!(like_pattern("50%_off\\"), "%50\\%\\_off\\\\%");
    }

    #[tokio::test]
    async fn opens_in_wal_mode_with_foreign_keys() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/nested/observ.db", dir.path().display());
        let db = Db::open(&url).await.unwrap();
        let mode: String = query_scalar("PRAGMA journal_mode").fetch_one(&db.read).await.unwrap();
        assert_eq!(mode, "wal");
        let fk: i64 = query_scalar("PRAGMA foreign_keys").fetch_one(&db.write).await.unwrap();
        assert_eq!(fk, 1);
        let tables: i64 =
            query_scalar("SELECT count(*) FROM sqlite_master WHERE name LIKE 'observ_%' AND type = 'table' AND name NOT LIKE 'observ_traces_fts%'")
                .fetch_one(&db.read)
                .await
                .unwrap();
        assert_eq!(tables, 13);
        let search: i64 = query_scalar("SELECT count(*) FROM sqlite_master WHERE name = 'observ_traces_fts'")
            .fetch_one(&db.read)
            .await
            .unwrap();
        assert_eq!(search, 1, "the traces' full-text index");
    }
}
