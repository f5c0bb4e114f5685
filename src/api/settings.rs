//! Settings: one's own password (anyone signed in by session), users and API
//! keys (admins).

use crate::model::user::{ApiKey, NewApiKey, Role, User, UserDraft};
use crate::model::FieldErrors;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// Changes the signed-in user's password; other sessions of theirs are signed out.
#[server(input = Json, output = crate::api::JsonOut)]
pub async fn change_password(current: String, new: String) -> Result<Result<(), FieldErrors>, ServerFnError> {
    use crate::server::{auth, error::form_result, error::AppError};
    let principal = auth::require_role(Role::Viewer)?;
    let state = crate::server::state()?;
    let Some(user_id) = principal.user_id else {
        return Err(AppError::Forbidden("API keys have no password".into()).into());
    };
    form_result(auth::accounts::change_password(&state.db, user_id, principal.session_id, &current, &new).await)
}

#[server(output = crate::api::JsonOut)]
pub async fn list_users() -> Result<Vec<User>, ServerFnError> {
    let state = crate::server::state_for_admin()?;
    Ok(crate::server::auth::accounts::list_users(&state.db).await?)
}

#[server(input = Json, output = crate::api::JsonOut)]
pub async fn create_user(draft: UserDraft) -> Result<Result<User, FieldErrors>, ServerFnError> {
    use crate::server::error::form_result;
    let state = crate::server::state_for_admin()?;
    form_result(crate::server::auth::accounts::create_user(&state.db, draft).await)
}

#[server(output = crate::api::JsonOut)]
pub async fn set_user_role(id: i64, role: Role) -> Result<Result<User, FieldErrors>, ServerFnError> {
    use crate::server::error::form_result;
    let state = crate::server::state_for_admin()?;
    form_result(crate::server::auth::accounts::set_role(&state.db, id, role).await)
}

#[server(output = crate::api::JsonOut)]
pub async fn remove_user(id: i64) -> Result<(), ServerFnError> {
    let state = crate::server::state_for_admin()?;
    Ok(crate::server::auth::accounts::remove_user(&state.db, id).await?)
}

#[server(output = crate::api::JsonOut)]
pub async fn list_api_keys() -> Result<Vec<ApiKey>, ServerFnError> {
    let state = crate::server::state_for_admin()?;
    Ok(crate::server::auth::accounts::list_keys(&state.db).await?)
}

/// A new key; its secret is in this answer and nowhere else, ever.
#[server(output = crate::api::JsonOut)]
pub async fn create_api_key(name: String, role: Role) -> Result<Result<NewApiKey, FieldErrors>, ServerFnError> {
    use crate::server::{auth, error::form_result};
    let principal = auth::require_role(Role::Admin)?;
    let state = crate::server::state()?;
    form_result(auth::accounts::create_key(&state.db, &name, role, &principal.name).await)
}

#[server(output = crate::api::JsonOut)]
pub async fn revoke_api_key(id: i64) -> Result<(), ServerFnError> {
    let state = crate::server::state_for_admin()?;
    Ok(crate::server::auth::accounts::revoke_key(&state.db, id).await?)
}
