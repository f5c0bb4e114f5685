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
pub mod login_failures;
mod pages;
pub mod run_items;
pub mod run_summaries;
pub mod runs;
pub mod scores;
pub mod stats;
pub mod traces;
pub mod transfer;
pub mod users;

use crate::server::error::AppError;
use pages::{cursor_page, keyset_page, Listing};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use std::str::FromStr;
use std::time::Duration;

/// RFC 3339 UTC with milliseconds, evaluated by SQLite at write time.
const NOW: &str = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

#[derive(Clone, Debug)]
pub struct Db {
    read: SqlitePool,
    write: SqlitePool,
}

impl Db {
    /// Opens (creating if missing) the database at `url` and applies the embedded migrations.
    pub async fn open(url: &str) -> Result<Db, sqlx::Error> {
        check_url(url).map_err(|m| sqlx::Error::Configuration(m.into()))?;
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
        if let (Some(found), known) = (applied_version(&write).await, latest_version()) {
            if found > known {
                let message = format!(
                    "the database was migrated by a newer Observ (migration {found}); this binary knows migrations \
                     up to {known}: run the newer version, or restore a backup taken before the upgrade"
                );
                return Err(sqlx::Error::Configuration(message.into()));
            }
        }
        MIGRATOR.run(&write).await?;
        let read =
            SqlitePoolOptions::new().max_connections(read_pool_size()?).connect_with(base.read_only(true)).await?;
        Ok(Db { read, write })
    }

    /// For `/readyz` and `observ check`: the database answers, and its
    /// migrations are exactly the ones this binary carries.
    pub async fn readiness(&self) -> Result<i64, String> {
        sqlx::query_scalar::<_, i64>("SELECT 1").fetch_one(&self.read).await.map_err(|e| format!("database: {e}"))?;
        let (applied, known) = (applied_version(&self.read).await.unwrap_or(0), latest_version());
        if applied == known {
            Ok(applied)
        } else {
            Err(format!("migrations: the database is at {applied}, this binary at {known}"))
        }
    }
}

impl Db {
    /// The read pool, for raw SQL in tests and benches only: the application
    /// goes through this module's query functions.
    #[doc(hidden)]
    pub fn read_pool_for_tests(&self) -> &SqlitePool {
        &self.read
    }

    /// The write pool, for raw SQL in tests and benches only.
    #[doc(hidden)]
    pub fn write_pool_for_tests(&self) -> &SqlitePool {
        &self.write
    }

    /// A consistent copy of the whole database in a new file at `path`, taken
    /// while the server runs (SQLite's `VACUUM INTO`: readers and the writer go on).
    pub async fn backup(&self, path: &std::path::Path) -> Result<(), String> {
        if path.exists() {
            return Err(format!("{}: already exists; choose a new file", path.display()));
        }
        let target = path.to_str().ok_or_else(|| format!("{}: not a UTF-8 path", path.display()))?;
        sqlx::query("VACUUM INTO ?").bind(target).execute(&self.read).await.map_err(|e| format!("backup: {e}"))?;
        Ok(())
    }
}

/// Read connections: `OBSERV_DB_READ_CONNECTIONS` (1–64, default 8). SQLite has
/// one writer, so the write pool always holds one connection.
fn read_pool_size() -> Result<u32, sqlx::Error> {
    match std::env::var("OBSERV_DB_READ_CONNECTIONS") {
        Err(_) => Ok(8),
        Ok(text) => text.trim().parse::<u32>().ok().filter(|n| (1..=64).contains(n)).ok_or_else(|| {
            let message = format!("OBSERV_DB_READ_CONNECTIONS: expected a whole number from 1 to 64, found `{text}`");
            sqlx::Error::Configuration(message.into())
        }),
    }
}

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// The newest migration this binary carries.
pub fn latest_version() -> i64 {
    MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0)
}

/// The newest migration applied to the database (`None` for a new file).
async fn applied_version(pool: &SqlitePool) -> Option<i64> {
    sqlx::query_scalar("SELECT max(version) FROM _sqlx_migrations WHERE success").fetch_one(pool).await.ok().flatten()
}

/// `OBSERV_DATABASE_URL` must name a SQLite file (`sqlite://path`, `sqlite:path`
/// or `sqlite::memory:`); anything else is refused before a file is written.
pub fn check_url(url: &str) -> Result<(), String> {
    let scheme = url.split_once(':').map(|(s, _)| s.to_ascii_lowercase());
    match scheme.as_deref() {
        Some("sqlite") => Ok(()),
        Some("postgres" | "postgresql") => Err(format!(
            "OBSERV_DATABASE_URL: `{}` is PostgreSQL, which this version cannot use yet; use sqlite://PATH",
            crate::server::redact::redact_url(url)
        )),
        _ => Err(format!(
            "OBSERV_DATABASE_URL: expected sqlite://PATH (e.g. sqlite://data/observ.db), found `{}`",
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
        sqlx::query(
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
            sqlx::query_scalar("SELECT name FROM observ_datasets").fetch_all(&restored.read).await.unwrap();
        assert_eq!(names, ["kept"]);
        assert_eq!(restored.readiness().await, Ok(latest_version()));
    }

    #[test]
    fn only_sqlite_urls_are_accepted() {
        assert!(check_url("sqlite://data/observ.db").is_ok() && check_url("sqlite::memory:").is_ok());
        let pg = check_url("postgres://observ:hunter2@db/observ").unwrap_err();
        assert!(pg.starts_with("OBSERV_DATABASE_URL:") && pg.contains("PostgreSQL") && !pg.contains("hunter2"), "{pg}");
        let other = check_url("data/observ.db").unwrap_err();
        assert!(other.contains("expected sqlite://PATH"), "{other}");
    }

    #[tokio::test]
    async fn a_database_from_a_newer_version_is_refused_naming_both_versions() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/observ.db", dir.path().display());
        let db = Db::open(&url).await.unwrap();
        assert_eq!(db.readiness().await, Ok(latest_version()));
        sqlx::query(
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
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode").fetch_one(&db.read).await.unwrap();
        assert_eq!(mode, "wal");
        let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys").fetch_one(&db.write).await.unwrap();
        assert_eq!(fk, 1);
        let tables: i64 =
            sqlx::query_scalar("SELECT count(*) FROM sqlite_master WHERE name LIKE 'observ_%' AND type = 'table'")
                .fetch_one(&db.read)
                .await
                .unwrap();
        assert_eq!(tables, 12);
    }
}
