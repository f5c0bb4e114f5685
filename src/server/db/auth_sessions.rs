//! Queries on `observ_auth_sessions`: browser sign-ins looked up by the hash of
//! their cookie token.

use super::exec::{query, query_as};
use super::Db;
use crate::model::user::Role;
use crate::server::error::AppError;

/// The user behind a live session.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionUser {
    pub session_id: i64,
    pub user_id: i64,
    pub email: String,
    #[sqlx(try_from = "String")]
    pub role: Role,
    pub expires_at_ms: i64,
}

pub async fn insert(db: &Db, user_id: i64, token_hash: &str, now_ms: i64, ttl_ms: i64) -> Result<(), AppError> {
    let pool = &db.write;
    query("INSERT INTO observ_auth_sessions (user_id, token_hash, created_at_ms, expires_at_ms) VALUES (?, ?, ?, ?)")
        .bind(user_id)
        .bind(token_hash)
        .bind(now_ms)
        .bind(now_ms + ttl_ms)
        .execute(pool)
        .await?;
    Ok(())
}

/// The unexpired session with this token hash, with its user.
pub async fn find(db: &Db, token_hash: &str, now_ms: i64) -> Result<Option<SessionUser>, AppError> {
    let pool = &db.read;
    Ok(query_as(
        "SELECT s.id AS session_id, u.id AS user_id, u.email, u.role, s.expires_at_ms \
         FROM observ_auth_sessions s JOIN observ_users u ON u.id = s.user_id \
         WHERE s.token_hash = ? AND s.expires_at_ms > ?",
    )
    .bind(token_hash)
    .bind(now_ms)
    .fetch_optional(pool)
    .await?)
}

/// Slides a session's expiry forward (called at most once an hour per session).
pub async fn extend(db: &Db, session_id: i64, expires_at_ms: i64) -> Result<(), AppError> {
    let pool = &db.write;
    query("UPDATE observ_auth_sessions SET expires_at_ms = ? WHERE id = ?")
        .bind(expires_at_ms)
        .bind(session_id)
        .execute(pool)
        .await?;
    Ok(())
}

pub async fn delete_by_hash(db: &Db, token_hash: &str) -> Result<(), AppError> {
    let pool = &db.write;
    query("DELETE FROM observ_auth_sessions WHERE token_hash = ?").bind(token_hash).execute(pool).await?;
    Ok(())
}

/// Signs a user out everywhere but, optionally, the session they are using.
pub async fn delete_for_user(db: &Db, user_id: i64, except_session: Option<i64>) -> Result<(), AppError> {
    let pool = &db.write;
    query("DELETE FROM observ_auth_sessions WHERE user_id = ? AND id IS NOT ?")
        .bind(user_id)
        .bind(except_session)
        .execute(pool)
        .await?;
    Ok(())
}

pub async fn delete_expired(db: &Db, now_ms: i64) -> Result<u64, AppError> {
    let pool = &db.write;
    let done = query("DELETE FROM observ_auth_sessions WHERE expires_at_ms <= ?").bind(now_ms).execute(pool).await?;
    Ok(done)
}
