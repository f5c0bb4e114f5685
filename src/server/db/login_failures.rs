//! Queries on `observ_login_failures`: the failed sign-ins throttling counts,
//! kept in the database so every instance sees the same counts.

use super::exec::{query, query_scalar};
use super::Db;
use crate::server::error::AppError;

/// Times (Unix ms) of `subject`'s failures since `since_ms`, oldest first.
pub async fn since(db: &Db, subject: &str, since_ms: i64) -> Result<Vec<i64>, AppError> {
    let pool = &db.read;
    Ok(query_scalar("SELECT at_ms FROM observ_login_failures WHERE subject = ? AND at_ms > ? ORDER BY at_ms")
        .bind(subject)
        .bind(since_ms)
        .fetch_all(pool)
        .await?)
}

/// Records one failure for each subject and forgets those older than `expired_ms`, in one transaction.
pub async fn record(db: &Db, subjects: &[&str], at_ms: i64, expired_ms: i64) -> Result<(), AppError> {
    let pool = &db.write;
    let mut tx = pool.begin().await?;
    for subject in subjects {
        query("INSERT INTO observ_login_failures (subject, at_ms) VALUES (?, ?)")
            .bind(subject)
            .bind(at_ms)
            .execute(&mut tx)
            .await?;
    }
    query("DELETE FROM observ_login_failures WHERE at_ms <= ?").bind(expired_ms).execute(&mut tx).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn clear(db: &Db, subject: &str) -> Result<(), AppError> {
    let pool = &db.write;
    query("DELETE FROM observ_login_failures WHERE subject = ?").bind(subject).execute(pool).await?;
    Ok(())
}
