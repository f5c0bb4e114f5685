//! Authentication and authorisation: who is asking (an API key or a browser
//! session), what their role lets them do, and the defences every request passes
//! (allowed `Host`, same origin for cookie-authenticated writes, security headers).
//!
//! `guard` is the one middleware in front of the whole app; `forms` answers the
//! plain-HTML sign-in, sign-out and first-admin forms; `accounts` holds the
//! operations on users and keys shared by the REST API, server functions and CLI.

pub mod accounts;
pub mod forms;
pub mod guard;
pub mod secrets;
pub mod security;
pub mod throttle;

use crate::model::user::{Role, Viewer};
use crate::server::error::AppError;

/// How a request proved who it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// The session cookie of a signed-in browser.
    Session,
    /// `Authorization: Bearer sk-…` or `Basic base64(pk-…:sk-…)`.
    Key,
}

/// The authenticated caller, put in the request's extensions by the guard.
#[derive(Debug, Clone)]
pub struct Principal {
    /// The user's email, or `key:<name>` for an API key.
    pub name: String,
    pub role: Role,
    pub via: Via,
    /// The signed-in user (sessions only).
    pub user_id: Option<i64>,
    /// The session's row, so "sign out other sessions" can keep this one.
    pub session_id: Option<i64>,
    /// The API key (keys only).
    pub key_id: Option<i64>,
}

impl Principal {
    /// What per-client limits count against: the user, or the key.
    pub fn client_id(&self) -> String {
        match (self.user_id, self.key_id) {
            (Some(user), _) => format!("user:{user}"),
            (None, Some(key)) => format!("key:{key}"),
            (None, None) => format!("name:{}", self.name),
        }
    }

    pub fn viewer(&self) -> Viewer {
        Viewer { email: self.name.clone(), role: self.role }
    }

    /// 403 unless the role is at least `role`.
    pub fn require(&self, role: Role) -> Result<(), AppError> {
        if self.role >= role {
            Ok(())
        } else {
            Err(AppError::Forbidden(format!("this needs the {role} role; you are signed in as {}", self.role)))
        }
    }
}

/// For server functions: the caller, and a 403 status on the response when
/// their role falls short.
pub fn require_role(role: Role) -> Result<Principal, leptos::prelude::ServerFnError> {
    use leptos::prelude::use_context;
    let principal = use_context::<axum::http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<Principal>().cloned())
        .ok_or_else(|| status_error(AppError::Unauthorized("sign in first".into())))?;
    principal.require(role).map_err(status_error)?;
    Ok(principal)
}

/// Sets the HTTP status of a server function's response to the error's, then
/// converts it.
fn status_error(error: AppError) -> leptos::prelude::ServerFnError {
    if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(error.status());
    }
    error.into()
}

/// Per-process authentication state: the host rules, and
/// which keys' `last_used_at` were written lately (at most once a minute each).
pub struct Auth {
    pub security: security::Security,
    key_touches: std::sync::Mutex<std::collections::HashMap<i64, std::time::Instant>>,
    /// Set once a user exists; users never go back to none (the last admin stays).
    has_users: std::sync::atomic::AtomicBool,
}

impl Auth {
    pub fn new(security: security::Security) -> Auth {
        Auth { security, key_touches: Default::default(), has_users: Default::default() }
    }

    /// Whether any user exists yet (the first-admin page shows until one does).
    pub async fn has_users(&self, db: &crate::server::db::Db) -> Result<bool, AppError> {
        use std::sync::atomic::Ordering;
        if self.has_users.load(Ordering::Relaxed) {
            return Ok(true);
        }
        let exists = crate::server::db::users::count(db).await? > 0;
        if exists {
            self.has_users.store(true, Ordering::Relaxed);
        }
        Ok(exists)
    }

    /// True when this key's last use should be written now.
    fn should_touch(&self, key_id: i64) -> bool {
        let now = std::time::Instant::now();
        let mut touches = self.key_touches.lock().unwrap_or_else(|e| e.into_inner());
        match touches.get(&key_id) {
            Some(at) if now.duration_since(*at) < std::time::Duration::from_secs(60) => false,
            _ => {
                touches.insert(key_id, now);
                true
            }
        }
    }
}

pub use crate::model::stats::now_ms;
