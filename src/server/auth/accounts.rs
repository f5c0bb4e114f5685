//! Operations on users, sessions and keys, shared by the sign-in forms, the
//! settings pages, the REST API and the `observ keys|users` commands.

use super::{now_ms, secrets, security::SESSION_TTL_MS, throttle};
use crate::model::user::{check_key_name, check_password, ApiKey, NewApiKey, Role, User, UserDraft};
use crate::model::FieldErrors;
use crate::server::db::{api_keys, auth_sessions, users, Db};
use crate::server::error::AppError;

/// Creates a user (any role) after validating the draft.
pub async fn create_user(db: &Db, draft: UserDraft) -> Result<User, AppError> {
    let draft = draft.validate()?;
    let hash = secrets::hash_password(draft.password.clone()).await?;
    let user = users::insert(db, &draft.email, &draft.name, draft.role, &hash, false).await?;
    user.ok_or_else(|| AppError::BadRequest("user was not created".into()))
}

/// Creates the first admin, only while no user exists. `Ok(None)`: someone was first.
pub async fn create_first_admin(db: &Db, email: &str, password: &str) -> Result<Option<User>, AppError> {
    let draft = UserDraft { email: email.into(), name: String::new(), password: password.into(), role: Role::Admin };
    let draft = draft.validate()?;
    let hash = secrets::hash_password(draft.password.clone()).await?;
    users::insert(db, &draft.email, &draft.name, Role::Admin, &hash, true).await
}

/// At start: `OBSERV_ADMIN_EMAIL` + `OBSERV_ADMIN_PASSWORD` make the first admin
/// when nobody exists yet (and are ignored afterwards).
pub async fn admin_from_env(db: &Db) -> Result<Option<User>, String> {
    let email = std::env::var("OBSERV_ADMIN_EMAIL").ok().filter(|v| !v.trim().is_empty());
    let password = std::env::var("OBSERV_ADMIN_PASSWORD").ok().filter(|v| !v.is_empty());
    match (email, password) {
        (None, None) => Ok(None),
        (Some(email), Some(password)) => create_first_admin(db, &email, &password).await.map_err(|e| match e {
            AppError::Validation(fields) => format!("OBSERV_ADMIN_*: {}", describe(&fields)),
            other => format!("creating the admin: {other}"),
        }),
        _ => Err("OBSERV_ADMIN_EMAIL and OBSERV_ADMIN_PASSWORD must be set together".into()),
    }
}

fn describe(fields: &FieldErrors) -> String {
    fields.0.iter().map(|(field, messages)| format!("{field} {}", messages.join(", "))).collect::<Vec<_>>().join("; ")
}

/// Checks a password with throttling; on success opens a session and returns its
/// cookie token (the only copy: the database keeps its hash).
pub async fn sign_in(db: &Db, email: &str, password: &str, address: &str) -> Result<String, AppError> {
    if let Some(wait) = throttle::blocked(db, email, address, now_ms()).await? {
        return Err(AppError::TooManyAttempts(wait));
    }
    let found = users::credentials(db, email).await?;
    let ok = secrets::verify_password(password.to_string(), found.as_ref().map(|c| c.password_hash.clone())).await;
    let Some(user) = found.filter(|_| ok) else {
        throttle::record_failure(db, email, address, now_ms()).await?;
        return Err(AppError::Unauthorized("wrong email or password".into()));
    };
    throttle::record_success(db, email).await?;
    open_session(db, user.id).await
}

pub async fn open_session(db: &Db, user_id: i64) -> Result<String, AppError> {
    let token = secrets::random_token(32);
    auth_sessions::insert(db, user_id, &secrets::sha256_hex(&token), now_ms(), SESSION_TTL_MS).await?;
    // Housekeeping rides along with sign-ins: expired rows go.
    auth_sessions::delete_expired(db, now_ms()).await?;
    Ok(token)
}

pub async fn sign_out(db: &Db, token: &str) -> Result<(), AppError> {
    auth_sessions::delete_by_hash(db, &secrets::sha256_hex(token)).await
}

/// Changes one's own password after checking the current one; every other
/// session of the user is signed out.
pub async fn change_password(
    db: &Db,
    user_id: i64,
    session_id: Option<i64>,
    current: &str,
    new: &str,
) -> Result<(), AppError> {
    let user = users::credentials_by_id(db, user_id).await?;
    if !secrets::verify_password(current.to_string(), Some(user.password_hash)).await {
        return Err(AppError::field("current_password", "is not your current password"));
    }
    check_password(new).map_err(|m| AppError::field("new_password", m))?;
    let hash = secrets::hash_password(new.to_string()).await?;
    users::set_password_hash(db, user_id, &hash).await?;
    auth_sessions::delete_for_user(db, user_id, session_id).await
}

/// Removes a user; their sessions end with them.
pub async fn remove_user(db: &Db, id: i64) -> Result<(), AppError> {
    users::delete(db, id).await
}

pub async fn set_role(db: &Db, id: i64, role: Role) -> Result<User, AppError> {
    users::set_role(db, id, role).await
}

/// A new key pair. The secret is returned here once and stored only as a hash.
pub async fn create_key(db: &Db, name: &str, role: Role, created_by: &str) -> Result<NewApiKey, AppError> {
    let name = check_key_name(name).map_err(|m| AppError::field("name", m))?;
    let public_key = format!("pk-{}", secrets::random_token(18));
    let secret_key = format!("sk-{}", secrets::random_token(32));
    let hint = secret_key[secret_key.len() - 4..].to_string();
    let row = api_keys::KeyRow {
        name: &name,
        role,
        public_key: &public_key,
        secret_hash: &secrets::sha256_hex(&secret_key),
        secret_hint: &hint,
        created_by,
    };
    let key: ApiKey = api_keys::insert(db, row).await?;
    Ok(NewApiKey { id: key.id, name: key.name, role: key.role, public_key, secret_key })
}

pub async fn list_keys(db: &Db) -> Result<Vec<ApiKey>, AppError> {
    api_keys::list(db).await
}

pub async fn revoke_key(db: &Db, id: i64) -> Result<(), AppError> {
    api_keys::delete(db, id).await
}

pub async fn list_users(db: &Db) -> Result<Vec<User>, AppError> {
    users::list(db).await
}
