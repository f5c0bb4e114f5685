//! Who is calling and who may: `GET /api/v1/me`, and for admins
//! `/api/v1/api-keys` (list, create — the secret is in that answer only —
//! revoke) and `/api/v1/users` (list, create, change role, remove).

use super::body::{Fields, JsonObject};
use crate::model::user::{check_key_name, ApiKey, NewApiKey, Role, User, UserDraft};
use crate::server::auth::{accounts, Principal, Via};
use crate::server::error::AppError;
use crate::server::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::{Extension, Json, Router};
use serde_json::{json, Value};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/me", get(me))
        .route("/api-keys", get(list_keys).post(create_key))
        .route("/api-keys/{id}", delete(revoke_key))
        .route("/users", get(list_users).post(create_user))
        .route("/users/{id}", delete(remove_user).patch(update_user))
}

async fn me(Extension(p): Extension<Principal>) -> Json<Value> {
    let via = match p.via {
        Via::Session => "session",
        Via::Key => "api_key",
    };
    Json(json!({"name": p.name, "role": p.role, "via": via}))
}

fn role_field(f: &mut Fields, default: Role) -> Option<Role> {
    match f.optional_string("role") {
        None | Some(None) => Some(default),
        Some(Some(text)) => Role::parse(&text).or_else(|| {
            f.add("role", "must be admin, member or viewer");
            None
        }),
    }
}

async fn list_keys(State(state): State<AppState>, Extension(p): Extension<Principal>) -> Result<Json<Value>, AppError> {
    p.require(Role::Admin)?;
    let keys: Vec<ApiKey> = accounts::list_keys(&state.db).await?;
    Ok(Json(json!({"data": keys, "next_cursor": null})))
}

async fn create_key(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    body: JsonObject,
) -> Result<(StatusCode, Json<NewApiKey>), AppError> {
    p.require(Role::Admin)?;
    let mut f = Fields::new(body.0);
    let name = f.string("name");
    let role = role_field(&mut f, Role::Member);
    let mut errors = f.finish(&[]);
    match name.as_deref().map(check_key_name) {
        Some(Err(message)) => errors.add("name", message),
        None if errors.get("name").is_none() => errors.add("name", "is required"),
        _ => {}
    }
    errors.into_result()?;
    let name = name.ok_or_else(|| AppError::field("name", "is required"))?;
    let role = role.ok_or_else(|| AppError::field("role", "must be admin, member or viewer"))?;
    Ok((StatusCode::CREATED, Json(accounts::create_key(&state.db, &name, role, &p.name).await?)))
}

async fn revoke_key(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(id): Path<i64>,
) -> Result<StatusCode, AppError> {
    p.require(Role::Admin)?;
    accounts::revoke_key(&state.db, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn list_users(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
) -> Result<Json<Value>, AppError> {
    p.require(Role::Admin)?;
    let users: Vec<User> = accounts::list_users(&state.db).await?;
    Ok(Json(json!({"data": users, "next_cursor": null})))
}

async fn create_user(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    body: JsonObject,
) -> Result<(StatusCode, Json<User>), AppError> {
    p.require(Role::Admin)?;
    let mut f = Fields::new(body.0);
    let email = f.string("email").unwrap_or_default();
    let name = f.optional_string("name").flatten().unwrap_or_default();
    let password = f.string("password").unwrap_or_default();
    let role = role_field(&mut f, Role::Member);
    let errors = f.finish(&["id", "created_at"]);
    errors.into_result()?;
    let draft = UserDraft { email, name, password, role: role.unwrap_or_default() };
    Ok((StatusCode::CREATED, Json(accounts::create_user(&state.db, draft).await?)))
}

async fn update_user(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(id): Path<i64>,
    body: JsonObject,
) -> Result<Json<User>, AppError> {
    p.require(Role::Admin)?;
    let mut f = Fields::new(body.0);
    let role = match f.optional_string("role") {
        Some(Some(text)) => Role::parse(&text).or_else(|| {
            f.add("role", "must be admin, member or viewer");
            None
        }),
        _ => {
            f.add("role", "is required");
            None
        }
    };
    f.finish(&["id", "email", "name", "created_at"]).into_result()?;
    let role = role.ok_or_else(|| AppError::field("role", "is required"))?;
    Ok(Json(accounts::set_role(&state.db, id, role).await?))
}

async fn remove_user(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(id): Path<i64>,
) -> Result<StatusCode, AppError> {
    p.require(Role::Admin)?;
    accounts::remove_user(&state.db, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
