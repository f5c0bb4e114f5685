//! Leases on run items: how several instances share a run (PostgreSQL). An
//! instance claims pending items (or items whose lease expired) up to the run's
//! concurrency across all instances, keeps its leases alive while the items
//! run, and may write an item's result only while it still holds the lease.
//!
//! On SQLite one process serves the database, so a claim writes nothing: the
//! process reads the next pending items after the last one it took (its
//! cursor), and an item stays pending until its result is written. A process
//! killed mid-run leaves its items pending, and the next start runs them.

use super::exec::{query, query_as, query_scalar, Dialect, Tx};
use super::Db;
use crate::model::run::RunStatus;
use crate::model::run_item::RunItemStatus;
use crate::model::stats::now_ms;
use crate::server::error::AppError;
use serde_json::Value;
use std::collections::HashSet;

/// What an item needs to run.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PendingItem {
    pub id: i64,
    pub dataset_item_id: i64,
    pub repetition: i64,
    #[sqlx(json)]
    pub input: Value,
    #[sqlx(json(nullable))]
    pub expected_output: Option<Value>,
}

/// Claims up to `free` claimable items of `run_id` for `owner` (`free`: the
/// run's concurrency less the items `owner` is running), fewer by the live
/// leases other instances hold: so the run's concurrency holds across all
/// instances. Another instance's items that finished but are not yet written
/// still count, which errs on the safe side. Nothing is claimed once the run
/// is no longer pending or running.
///
/// On SQLite one statement (its one writer orders the claims); on PostgreSQL
/// the same statement under a lock on the run row, so concurrent claims of
/// several instances see each other's leases.
/// On SQLite: the next `free` pending items after `*after`, which moves past them.
pub async fn claim(
    db: &Db,
    run_id: i64,
    owner: &str,
    free: i64,
    lease_ms: i64,
    after: &mut i64,
) -> Result<Vec<PendingItem>, AppError> {
    if free <= 0 {
        return Ok(Vec::new());
    }
    if db.dialect() == Dialect::Sqlite {
        let items: Vec<PendingItem> = query_as(
            "SELECT id, dataset_item_id, repetition, COALESCE(input, 'null') AS input, expected_output \
             FROM observ_dataset_run_items WHERE dataset_run_id = ? AND status = ? AND id > ? \
             AND EXISTS (SELECT 1 FROM observ_dataset_runs WHERE id = ? AND status IN (?, ?)) ORDER BY id LIMIT ?",
        )
        .bind(run_id)
        .bind(RunItemStatus::Pending.code())
        .bind(*after)
        .bind(run_id)
        .bind(RunStatus::Pending.code())
        .bind(RunStatus::Running.code())
        .bind(free)
        .fetch_all(&db.read)
        .await?;
        *after = items.last().map_or(*after, |i| i.id);
        return Ok(items);
    }
    let now = now_ms();
    let postgres = db.dialect() == Dialect::Postgres;
    // How many: `free` less the live leases of other instances (never below 0).
    let n = "(SELECT CASE WHEN n > 0 THEN n ELSE 0 END FROM (SELECT ?1 - count(*) AS n \
         FROM observ_dataset_run_items WHERE dataset_run_id = ?2 AND status = ?3 AND lease_expires_ms >= ?4 \
         AND lease_owner <> ?5) AS others)";
    // Items whose lease expired first, then pending ones, each walked along the
    // (run, status, id) index: a claim costs the same late in a long run.
    let skip = if postgres { " FOR NO KEY UPDATE SKIP LOCKED" } else { "" };
    let claim = query_as::<PendingItem>(format!(
        "UPDATE observ_dataset_run_items SET status = ?3, lease_owner = ?5, lease_expires_ms = ?6 WHERE id IN \
         (SELECT id FROM (SELECT id FROM (SELECT id FROM observ_dataset_run_items WHERE dataset_run_id = ?2 \
         AND status = ?3 AND (lease_expires_ms IS NULL OR lease_expires_ms < ?4) ORDER BY id LIMIT {n}{skip}) AS expired \
         UNION ALL SELECT id FROM (SELECT id FROM observ_dataset_run_items WHERE dataset_run_id = ?2 AND status = ?7 \
         ORDER BY id LIMIT {n}{skip}) AS pending) AS claimable LIMIT {n}) \
         AND EXISTS (SELECT 1 FROM observ_dataset_runs WHERE id = ?2 AND status IN (?8, ?9)) \
         RETURNING id, dataset_item_id, repetition, COALESCE(input, 'null') AS input, expected_output"
    ))
    .bind(free)
    .bind(run_id)
    .bind(RunItemStatus::Running.code())
    .bind(now)
    .bind(owner)
    .bind(now + lease_ms)
    .bind(RunItemStatus::Pending.code())
    .bind(RunStatus::Pending.code())
    .bind(RunStatus::Running.code());
    let mut items = if postgres {
        // The run row's lock orders the claims of all instances on this run.
        let mut tx = db.write.begin().await?;
        query("SELECT id FROM observ_dataset_runs WHERE id = ? FOR NO KEY UPDATE")
            .bind(run_id)
            .execute(&mut tx)
            .await?;
        let items = claim.fetch_all(&mut tx).await?;
        tx.commit().await?;
        items
    } else {
        // One statement: SQLite's one writer orders the claims.
        claim.fetch_all(&db.write).await?
    };
    items.sort_by_key(|i| i.id);
    Ok(items)
}

/// Of `ids`, those `owner` still holds (locked for the caller's transaction):
/// only their results may be written. `None` when it holds them all, and
/// always on SQLite, where one process runs everything.
pub(super) async fn held(tx: &mut Tx, owner: &str, ids: &[i64]) -> Result<Option<HashSet<i64>>, AppError> {
    // SQLite: one process, no leases; everything it ran is its own.
    if ids.is_empty() || tx.dialect() == Dialect::Sqlite {
        return Ok(None);
    }
    // Locked: a cancel or another instance's claim can't take them before the commit.
    let mut q = query("SELECT id FROM observ_dataset_run_items WHERE status = ");
    q.push_bind(RunItemStatus::Running.code()).push(" AND lease_owner = ").push_bind(owner).push(" AND id IN (");
    q.push_list(ids.iter().copied()).push(") FOR NO KEY UPDATE");
    let held: HashSet<i64> = q.build_query_scalar().fetch_all(tx).await?.into_iter().collect();
    Ok(if held.len() == ids.len() { None } else { Some(held) })
}

/// Extends every lease `owner` holds; returns how many. On PostgreSQL it
/// skips rows another transaction holds (a result being written, a cancel):
/// it never waits for them, so it can never deadlock with them.
pub async fn renew(db: &Db, owner: &str, lease_ms: i64) -> Result<u64, AppError> {
    if db.dialect() == Dialect::Sqlite {
        return Ok(0); // no leases on SQLite
    }
    Ok(query(
        "UPDATE observ_dataset_run_items SET lease_expires_ms = ? WHERE id IN (SELECT id FROM observ_dataset_run_items \
         WHERE lease_owner = ? AND status = ? FOR NO KEY UPDATE SKIP LOCKED)",
    )
    .bind(now_ms() + lease_ms)
    .bind(owner)
    .bind(RunItemStatus::Running.code())
    .execute(&db.write)
    .await?)
}

/// Gives back `owner`'s unfinished items (a graceful stop): they are pending
/// again, for whichever instance claims next. Returns how many.
pub async fn release(db: &Db, owner: &str) -> Result<u64, AppError> {
    Ok(query(
        "UPDATE observ_dataset_run_items SET status = ?, lease_owner = NULL, lease_expires_ms = NULL \
         WHERE lease_owner = ? AND status = ?",
    )
    .bind(RunItemStatus::Pending.code())
    .bind(owner)
    .bind(RunItemStatus::Running.code())
    .execute(&db.write)
    .await?)
}

/// Every lease, whoever held it: for a SQLite database, which one process
/// serves, when that process starts (a killed one's items run again at once).
pub async fn release_all(db: &Db) -> Result<u64, AppError> {
    Ok(query(
        "UPDATE observ_dataset_run_items SET status = ?, lease_owner = NULL, lease_expires_ms = NULL WHERE status = ?",
    )
    .bind(RunItemStatus::Pending.code())
    .bind(RunItemStatus::Running.code())
    .execute(&db.write)
    .await?)
}

/// Whether a run has nothing left for this process once it runs nothing and
/// claims nothing more. On SQLite, yes: its cursor passed every pending item,
/// and the results of what it ran are on their way to the writer. On
/// PostgreSQL only when no item is pending or leased to any instance.
pub async fn nothing_left(db: &Db, run_id: i64) -> Result<bool, AppError> {
    Ok(db.dialect() == Dialect::Sqlite || remaining(db, run_id).await? == 0)
}

/// Items of a run not yet finished: pending, or running under some lease.
pub async fn remaining(db: &Db, run_id: i64) -> Result<i64, AppError> {
    Ok(query_scalar("SELECT count(*) FROM observ_dataset_run_items WHERE dataset_run_id = ? AND status IN (?, ?)")
        .bind(run_id)
        .bind(RunItemStatus::Pending.code())
        .bind(RunItemStatus::Running.code())
        .fetch_one(&db.write)
        .await?)
}

/// Of the runs in `ids`, those no longer pending or running (so an instance
/// executing them stops: cancelled from another instance, or finished).
pub async fn stopped_among(db: &Db, ids: &[i64]) -> Result<Vec<i64>, AppError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = query("SELECT id FROM observ_dataset_runs WHERE status NOT IN (");
    q.push_bind(RunStatus::Pending.code()).push(", ").push_bind(RunStatus::Running.code()).push(") AND id IN (");
    q.push_list(ids.iter().copied()).push(")");
    Ok(q.build_query_scalar().fetch_all(&db.write).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A SQLite file as the previous release left it (migrations up to 021, a
    /// run killed with an item in flight), opened by this version: migrated in
    /// place, nothing lost, and the item in flight is claimable again.
    #[tokio::test]
    async fn a_database_of_the_previous_release_upgrades_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/observ.db", dir.path().display());
        {
            let options = <sqlx::sqlite::SqliteConnectOptions as std::str::FromStr>::from_str(&url)
                .unwrap()
                .create_if_missing(true);
            let old = sqlx::SqlitePool::connect_with(options).await.unwrap();
            let mut migrator = sqlx::migrate::Migrator::new(std::path::Path::new("migrations/sqlite")).await.unwrap();
            migrator.migrations = migrator.migrations.iter().filter(|m| m.version <= 21).cloned().collect();
            migrator.run(&old).await.unwrap();
            for sql in [
                "INSERT INTO observ_datasets (id, name, agent_class, created_at, updated_at) VALUES (1, 'kept', 'echo', 'x', 'x')",
                "INSERT INTO observ_dataset_items (id, dataset_id, input, created_at, updated_at) VALUES (1, 1, '{\"q\": 1}', 'x', 'x'), (2, 1, '{\"q\": 2}', 'x', 'x')",
                "INSERT INTO observ_dataset_runs (id, dataset_id, name, status, total_items, completed_items, created_at, updated_at) VALUES (1, 1, 'r', 1, 2, 1, 'x', 'x')",
                "INSERT INTO observ_dataset_run_items (dataset_run_id, dataset_item_id, status, input, output, created_at, updated_at) VALUES (1, 1, 2, '{\"q\": 1}', '{\"q\": 1}', 'x', 'x'), (1, 2, 1, '{\"q\": 2}', NULL, 'x', 'x')",
                "INSERT INTO observ_users (email, role, password_hash, created_at, updated_at) VALUES ('a@example.com', 'admin', 'h', 'x', 'x')",
            ] {
                sqlx::query(sql).execute(&old).await.unwrap();
            }
            old.close().await;
        }
        let db = Db::open(&url).await.unwrap();
        assert_eq!(db.readiness().await, Ok(crate::server::db::latest_version()));
        let dataset = crate::server::db::datasets::find(&db, 1).await.unwrap();
        assert_eq!((dataset.name.as_str(), dataset.items_count), ("kept", 2));
        let run = crate::server::db::runs::find(&db, 1).await.unwrap();
        assert_eq!((run.status, run.completed_items, run.total_items), (RunStatus::Running, 1, 2));
        assert_eq!(crate::server::db::users::list(&db).await.unwrap().len(), 1);
        // The item the killed process had in flight goes back to pending at the start, as
        // `Runner::resume_unfinished` does, and is claimed again; the finished one is not.
        assert_eq!(release_all(&db).await.unwrap(), 1);
        let mut after = 0;
        let claim = claim(&db, 1, "me", 8, 30_000, &mut after).await.unwrap();
        assert_eq!(claim.iter().map(|i| i.dataset_item_id).collect::<Vec<_>>(), [2]);
        assert_eq!(claim[0].input, serde_json::json!({"q": 2}));
        assert_eq!(remaining(&db, 1).await.unwrap(), 1);
    }
}
