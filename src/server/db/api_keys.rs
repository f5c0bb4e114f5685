//! Queries on `observ_api_keys`. Keys are found by the SHA-256 of their secret;
//! the secret itself never reaches the database.

use super::exec::{query, query_as, Pool};
use super::Db;
use super::NOW;
use crate::model::user::{ApiKey, Role};
use crate::server::error::AppError;

const COLUMNS: &str = "id, name, role, public_key, secret_hint, created_by, created_at, last_used_at";

/// What a request authenticated by a key may do.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct KeyGrant {
    pub id: i64,
    pub name: String,
    pub public_key: String,
    #[sqlx(try_from = "String")]
    pub role: Role,
}

pub struct KeyRow<'a> {
    pub name: &'a str,
    pub role: Role,
    pub public_key: &'a str,
    pub secret_hash: &'a str,
    pub secret_hint: &'a str,
    pub created_by: &'a str,
}

pub async fn insert(db: &Db, key: KeyRow<'_>) -> Result<ApiKey, AppError> {
    let pool = &db.write;
    let (id,): (i64,) = query_as(format!(
        "INSERT INTO observ_api_keys (name, role, public_key, secret_hash, secret_hint, created_by, created_at) \
         VALUES (?, ?, ?, ?, ?, ?, {NOW}) RETURNING id"
    ))
    .bind(key.name)
    .bind(key.role.as_str())
    .bind(key.public_key)
    .bind(key.secret_hash)
    .bind(key.secret_hint)
    .bind(key.created_by)
    .fetch_one(pool)
    .await?;
    find(pool, id).await
}

pub(super) async fn find(pool: &Pool, id: i64) -> Result<ApiKey, AppError> {
    query_as(format!("SELECT {COLUMNS} FROM observ_api_keys WHERE id = ?"))
        .bind(id)
        .fetch_optional(pool)
        .await?
        .ok_or_else(|| AppError::not_found("API key", id))
}

pub async fn list(db: &Db) -> Result<Vec<ApiKey>, AppError> {
    let pool = &db.read;
    Ok(query_as(format!("SELECT {COLUMNS} FROM observ_api_keys ORDER BY id DESC")).fetch_all(pool).await?)
}

pub async fn by_secret_hash(db: &Db, secret_hash: &str) -> Result<Option<KeyGrant>, AppError> {
    let pool = &db.read;
    Ok(query_as("SELECT id, name, public_key, role FROM observ_api_keys WHERE secret_hash = ?")
        .bind(secret_hash)
        .fetch_optional(pool)
        .await?)
}

pub async fn touch(db: &Db, id: i64) -> Result<(), AppError> {
    let pool = &db.write;
    query(format!("UPDATE observ_api_keys SET last_used_at = {NOW} WHERE id = ?")).bind(id).execute(pool).await?;
    Ok(())
}

/// Revokes a key: the row goes, so the next request with it is refused.
pub async fn delete(db: &Db, id: i64) -> Result<(), AppError> {
    let pool = &db.write;
    let done = query("DELETE FROM observ_api_keys WHERE id = ?").bind(id).execute(pool).await?;
    if done == 0 {
        return Err(AppError::not_found("API key", id));
    }
    Ok(())
}
