//! Queries on `observ_users`. Emails are unique without regard to case; the
//! database enforces it and a clash comes back as a field error.

use super::exec::{query, query_as, query_scalar, Pool};
use super::Db;
use super::{unique_as_field, NOW};
use crate::model::user::{Role, User};
use crate::server::error::AppError;

const COLUMNS: &str = "id, email, name, role, created_at";

/// A user with the hash their password is checked against.
#[derive(Debug, sqlx::FromRow)]
pub struct Credentials {
    pub id: i64,
    #[sqlx(try_from = "String")]
    pub role: Role,
    pub email: String,
    pub password_hash: String,
}

pub async fn count(db: &Db) -> Result<i64, AppError> {
    let pool = &db.read;
    Ok(query_scalar("SELECT count(*) FROM observ_users").fetch_one(pool).await?)
}

pub async fn list(db: &Db) -> Result<Vec<User>, AppError> {
    let pool = &db.read;
    Ok(query_as(format!("SELECT {COLUMNS} FROM observ_users ORDER BY email")).fetch_all(pool).await?)
}

pub(super) async fn find(pool: &Pool, id: i64) -> Result<User, AppError> {
    query_as(format!("SELECT {COLUMNS} FROM observ_users WHERE id = ?"))
        .bind(id)
        .fetch_optional(pool)
        .await?
        .ok_or_else(|| AppError::not_found("user", id))
}

pub async fn credentials(db: &Db, email: &str) -> Result<Option<Credentials>, AppError> {
    let pool = &db.read;
    Ok(query_as("SELECT id, role, email, password_hash FROM observ_users WHERE lower(email) = lower(?)")
        .bind(email.trim())
        .fetch_optional(pool)
        .await?)
}

pub async fn credentials_by_id(db: &Db, id: i64) -> Result<Credentials, AppError> {
    let pool = &db.read;
    query_as("SELECT id, role, email, password_hash FROM observ_users WHERE id = ?")
        .bind(id)
        .fetch_optional(pool)
        .await?
        .ok_or_else(|| AppError::not_found("user", id))
}

/// Inserts a user whose password is already hashed. `only_if_none` makes it the
/// first-admin insert: it writes nothing when any user exists (checked in the
/// same statement, so two racing first visits cannot both create an admin).
pub async fn insert(
    db: &Db,
    email: &str,
    name: &str,
    role: Role,
    password_hash: &str,
    only_if_none: bool,
) -> Result<Option<User>, AppError> {
    let pool = &db.write;
    let guard = if only_if_none { " WHERE NOT EXISTS (SELECT 1 FROM observ_users)" } else { "" };
    let inserted: Option<(i64,)> = query_as(format!(
        "INSERT INTO observ_users (email, name, role, password_hash, created_at, updated_at) \
         SELECT ?, ?, ?, ?, {NOW}, {NOW}{guard} RETURNING id"
    ))
    .bind(email)
    .bind(name)
    .bind(role.as_str())
    .bind(password_hash)
    .fetch_optional(pool)
    .await
    .map_err(|e| unique_as_field(e, "email", "is already taken"))?;
    match inserted {
        Some((id,)) => Ok(Some(find(pool, id).await?)),
        None => Ok(None),
    }
}

/// Changes a role; refuses to leave the install without an admin.
pub async fn set_role(db: &Db, id: i64, role: Role) -> Result<User, AppError> {
    let pool = &db.write;
    let done = query(format!(
        "UPDATE observ_users SET role = ?, updated_at = {NOW} WHERE id = ? \
         AND (? = ? OR role <> ? OR (SELECT count(*) FROM observ_users WHERE role = ?) > 1)"
    ))
    .bind(role.as_str())
    .bind(id)
    .bind(role.as_str())
    .bind(Role::Admin.as_str())
    .bind(Role::Admin.as_str())
    .bind(Role::Admin.as_str())
    .execute(pool)
    .await?;
    let user = find(pool, id).await?;
    if done == 0 {
        return Err(AppError::field("role", "the last admin cannot give up the admin role"));
    }
    Ok(user)
}

pub async fn set_password_hash(db: &Db, id: i64, password_hash: &str) -> Result<(), AppError> {
    let pool = &db.write;
    query(format!("UPDATE observ_users SET password_hash = ?, updated_at = {NOW} WHERE id = ?"))
        .bind(password_hash)
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}

/// Removes a user and, by cascade, their sessions; never the last admin.
pub async fn delete(db: &Db, id: i64) -> Result<(), AppError> {
    let pool = &db.write;
    find(pool, id).await?;
    let done = query(
        "DELETE FROM observ_users WHERE id = ? \
         AND (role <> ? OR (SELECT count(*) FROM observ_users WHERE role = ?) > 1)",
    )
    .bind(id)
    .bind(Role::Admin.as_str())
    .bind(Role::Admin.as_str())
    .execute(pool)
    .await?;
    if done == 0 {
        return Err(AppError::Conflict("the last admin cannot be removed".into()));
    }
    Ok(())
}
