//! The middleware in front of every route. In order: the `Host` must be one this
//! server answers for (421); the caller is identified by key or session cookie;
//! a write authenticated by the cookie must come from this origin (403); the API
//! and server functions need a caller (401) and the API a writer's role for
//! writes (403) and JSON bodies (415); pages send strangers to sign in. Every
//! response leaves with the security headers and a per-response CSP nonce.

use super::security::{content_security_policy, is_write, same_origin, SESSION_COOKIE, SESSION_TTL_MS};
use super::{now_ms, secrets, Principal, Via};
use crate::server::db::{api_keys, auth_sessions};
use crate::server::error::AppError;
use crate::server::AppState;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;

/// The CSP nonce of one response; the page renderer puts it on inline scripts.
#[derive(Debug, Clone)]
pub struct CspNonce(pub String);

/// What a path is, for the access rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `/pkg/…` and files such as `/favicon.svg`: public.
    Asset,
    /// `/login`, `/logout`, `/setup`: reachable signed out.
    SignIn,
    /// `/api/v1/…`, `/api/public/…` (the Langfuse-compatible API) and
    /// `/v1/traces` (OTLP): callers send keys.
    Api,
    /// Any other `/api/…`: the pages' server functions.
    ServerFn,
    Page,
}

impl Kind {
    fn of(path: &str) -> Kind {
        if path.starts_with("/api/v1/") || path == "/api/v1" || path.starts_with("/api/public/") || path == "/v1/traces"
        {
            Kind::Api
        } else if path.starts_with("/api/") {
            Kind::ServerFn
        } else if matches!(path, "/login" | "/logout" | "/setup") {
            Kind::SignIn
        } else if path.starts_with("/pkg/") || path.rsplit('/').next().is_some_and(|last| last.contains('.')) {
            Kind::Asset
        } else {
            Kind::Page
        }
    }
}

pub async fn guard(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let nonce = secrets::random_token(16);
    let response = match check(&state, &mut req).await {
        Ok(()) => {
            req.extensions_mut().insert(CspNonce(nonce.clone()));
            next.run(req).await
        }
        Err(refusal) => refusal,
    };
    with_security_headers(response, &nonce)
}

/// Applies the rules; `Err` is the answer that replaces the route's.
async fn check(state: &AppState, req: &mut Request) -> Result<(), Response> {
    // Probes come from load balancers that name the instance by its address.
    if matches!(req.uri().path(), "/healthz" | "/readyz") && req.method() == axum::http::Method::GET {
        return Ok(());
    }
    let host = req.headers().get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("");
    if !state.auth.security.host_allowed(host) {
        let message = format!("this server does not answer for host `{host}`; add it with OBSERV_PUBLIC_URL");
        return Err(AppError::MisdirectedRequest(message).into_response());
    }
    let path = req.uri().path().to_string();
    let kind = Kind::of(&path);
    if kind == Kind::Asset {
        return Ok(());
    }
    let principal = authenticate(state, req.headers()).await.map_err(IntoResponse::into_response)?;
    let method = req.method().clone();
    let by_cookie = principal.as_ref().is_none_or(|p| p.via == Via::Session);
    if is_write(&method) && by_cookie && !same_origin(req.headers()) {
        let message = "cross-site request refused: a write signed in by cookie must come from Observ's own pages";
        return Err(AppError::Forbidden(message.into()).into_response());
    }
    if kind == Kind::SignIn && !is_write(&method) {
        if let Some(to) =
            sign_in_redirect(state, &path, principal.is_some()).await.map_err(IntoResponse::into_response)?
        {
            return Err(Redirect::to(to).into_response());
        }
    }
    match (kind, &principal) {
        (Kind::Api | Kind::ServerFn, None) => {
            let message = "sign in, or send an API key: Authorization: Bearer <secret key> or Basic base64(<public key>:<secret key>)";
            return Err(AppError::Unauthorized(message.into()).into_response());
        }
        (Kind::Api, Some(p)) if is_write(&method) => {
            if !p.role.can_write() {
                return Err(
                    AppError::Forbidden(format!("{} is a viewer and cannot change anything", p.name)).into_response()
                );
            }
            check_content_type(&path, req.headers()).map_err(IntoResponse::into_response)?;
        }
        (Kind::Page, None) => {
            let back = req.uri().path_and_query().map(|p| p.as_str().to_string()).unwrap_or_default();
            return Err(to_sign_in(state, &back).await);
        }
        _ => {}
    }
    if let Some(principal) = principal {
        req.extensions_mut().insert(principal);
    }
    Ok(())
}

/// Where a stranger asking for a page goes: the first-admin page while nobody
/// exists, otherwise the sign-in page, which brings them back afterwards.
async fn to_sign_in(state: &AppState, back: &str) -> Response {
    match state.auth.has_users(&state.db).await {
        Ok(false) => Redirect::to("/setup").into_response(),
        Ok(true) => {
            let next =
                if back == "/" || back.is_empty() { String::new() } else { format!("?next={}", percent_encode(back)) };
            Redirect::to(&format!("/login{next}")).into_response()
        }
        Err(error) => error.into_response(),
    }
}

/// The first-admin page exists only while nobody does; the sign-in page only
/// once someone does, and not for those already signed in.
async fn sign_in_redirect(state: &AppState, path: &str, signed_in: bool) -> Result<Option<&'static str>, AppError> {
    let has_users = state.auth.has_users(&state.db).await?;
    Ok(match path {
        "/setup" if has_users => Some(if signed_in { "/" } else { "/login" }),
        "/login" if !has_users => Some("/setup"),
        "/login" if signed_in => Some("/"),
        _ => None,
    })
}

/// The caller, if any. A malformed or unknown key is refused outright (401),
/// never silently downgraded to the cookie; a stale cookie just means nobody.
async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<Option<Principal>, AppError> {
    if let Some(value) = headers.get(header::AUTHORIZATION) {
        return key_principal(state, value).await.map(Some);
    }
    let Some(token) = cookie(headers, SESSION_COOKIE) else { return Ok(None) };
    let now = now_ms();
    let Some(session) = auth_sessions::find(&state.db, &secrets::sha256_hex(token), now).await? else {
        return Ok(None);
    };
    // Slide the expiry forward at most once a day of use.
    if session.expires_at_ms - now < SESSION_TTL_MS - 24 * 3600 * 1000 {
        let db = state.db.clone();
        tokio::spawn(async move {
            if let Err(e) = auth_sessions::extend(&db, session.session_id, now + SESSION_TTL_MS).await {
                eprintln!("observ: extending a session failed: {e}");
            }
        });
    }
    Ok(Some(Principal {
        name: session.email,
        role: session.role,
        via: Via::Session,
        user_id: Some(session.user_id),
        session_id: Some(session.session_id),
        key_id: None,
    }))
}

async fn key_principal(state: &AppState, value: &HeaderValue) -> Result<Principal, AppError> {
    let invalid = |why: &str| AppError::Unauthorized(format!("Authorization: {why}"));
    let value = value.to_str().map_err(|_| invalid("not valid text"))?.trim();
    let (scheme, credentials) = value.split_once(' ').ok_or_else(|| invalid("expected `Bearer <secret key>`"))?;
    let (public, secret) = match scheme.to_ascii_lowercase().as_str() {
        "bearer" => (None, credentials.trim().to_string()),
        "basic" => {
            let decoded =
                STANDARD.decode(credentials.trim()).map_err(|_| invalid("Basic credentials are not base64"))?;
            let decoded = String::from_utf8(decoded).map_err(|_| invalid("Basic credentials are not UTF-8"))?;
            let (public, secret) = decoded
                .split_once(':')
                .ok_or_else(|| invalid("Basic credentials must be <public key>:<secret key>"))?;
            (Some(public.to_string()), secret.to_string())
        }
        _ => return Err(invalid("expected the Bearer or Basic scheme")),
    };
    let grant = api_keys::by_secret_hash(&state.db, &secrets::sha256_hex(&secret))
        .await?
        .filter(|grant| public.as_deref().is_none_or(|p| secrets::constant_time_eq(p, &grant.public_key)))
        .ok_or_else(|| invalid("unknown or revoked API key"))?;
    if state.auth.should_touch(grant.id) {
        let (db, id) = (state.db.clone(), grant.id);
        tokio::spawn(async move {
            if let Err(e) = api_keys::touch(&db, id).await {
                eprintln!("observ: recording an API key's last use failed: {e}");
            }
        });
    }
    Ok(Principal {
        name: format!("key:{}", grant.name),
        role: grant.role,
        via: Via::Key,
        user_id: None,
        session_id: None,
        key_id: Some(grant.id),
    })
}

/// A cookie's value by name.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
        .filter(|v| !v.is_empty())
}

/// REST writes with a body must say it is JSON; the import route reads CSV and JSON Lines too.
fn check_content_type(path: &str, headers: &HeaderMap) -> Result<(), AppError> {
    let has_body = headers.contains_key(header::TRANSFER_ENCODING)
        || headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).is_some_and(|v| v.trim() != "0");
    if !has_body {
        return Ok(());
    }
    let given = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let mime = given.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    let import = path.ends_with("/items/import");
    let otlp = path == "/v1/traces" || path == "/api/public/otel/v1/traces";
    let accepted: &[&str] = if import {
        &["application/json", "text/csv", "application/x-ndjson", "application/jsonl"]
    } else if otlp {
        &["application/x-protobuf", "application/protobuf", "application/json"]
    } else {
        &["application/json"]
    };
    if accepted.contains(&mime.as_str()) {
        return Ok(());
    }
    let shown = if given.is_empty() { "none".to_string() } else { format!("`{given}`") };
    Err(AppError::UnsupportedMediaType(format!("Content-Type: expected {}, found {shown}", accepted.join(" or "))))
}

fn with_security_headers(mut response: Response, nonce: &str) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if let Ok(csp) = HeaderValue::from_str(&content_security_policy(nonce)) {
        headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    response
}

/// Percent-encodes everything but unreserved characters and `/`.
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Only same-site paths are followed after sign-in (`/x`, never `//evil` or `https://…`).
pub fn safe_next(next: &str) -> &str {
    let ok =
        next.starts_with('/') && !next.starts_with("//") && !next.starts_with("/\\") && !next.contains(['\r', '\n']);
    if ok {
        next
    } else {
        "/"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_classified() {
        assert_eq!(Kind::of("/api/v1/datasets"), Kind::Api);
        assert_eq!(Kind::of("/api/delete_dataset123"), Kind::ServerFn);
        assert_eq!(Kind::of("/pkg/observ.wasm"), Kind::Asset);
        assert_eq!(Kind::of("/favicon.svg"), Kind::Asset);
        assert_eq!(Kind::of("/login"), Kind::SignIn);
        assert_eq!(Kind::of("/datasets/3"), Kind::Page);
    }

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next("/datasets/1?tab=runs"), "/datasets/1?tab=runs");
        for bad in ["//evil.example", "https://evil.example", "/\\evil", "datasets"] {
            assert_eq!(safe_next(bad), "/", "{bad}");
        }
        assert_eq!(percent_encode("/d/1?tab=runs&x=ä"), "/d/1%3Ftab%3Druns%26x%3D%C3%A4");
    }

    #[test]
    fn rest_bodies_must_be_json() {
        let mut h = HeaderMap::new();
        h.insert(header::CONTENT_LENGTH, HeaderValue::from_static("12"));
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
        let err = check_content_type("/api/v1/datasets", &h).unwrap_err();
        assert_eq!(err.to_string(), "Content-Type: expected application/json, found `text/plain`");
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv"));
        assert!(check_content_type("/api/v1/datasets/1/items/import", &h).is_ok());
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json; charset=utf-8"));
        assert!(check_content_type("/api/v1/datasets", &h).is_ok());
        h.insert(header::CONTENT_LENGTH, HeaderValue::from_static("0"));
        h.remove(header::CONTENT_TYPE);
        assert!(check_content_type("/api/v1/runs/1/cancel", &h).is_ok());
    }
}
