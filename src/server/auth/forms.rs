//! The plain-HTML forms that work before (and without) the WASM bundle:
//! `POST /login` (`email`, `password`, `next`), `POST /logout` and the one-time
//! `POST /setup` that creates the first admin. Answers are redirects (so a
//! reload never re-posts), except throttling, which is a 429 page.

use super::accounts;
use super::guard::{cookie, percent_encode, safe_next};
use super::security::SESSION_COOKIE;
use crate::server::error::AppError;
use crate::server::AppState;
use axum::extract::{ConnectInfo, FromRequest, Request, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::post;
use axum::{Form, Router};
use serde::Deserialize;
use std::net::SocketAddr;

pub fn routes() -> Router<AppState> {
    Router::new().route("/login", post(login)).route("/logout", post(logout)).route("/setup", post(setup))
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

/// The client's address, for per-address throttling.
fn client_address(req: &Request) -> String {
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

async fn read_form<T: serde::de::DeserializeOwned>(req: Request) -> Result<T, Response> {
    Form::<T>::from_request(req, &())
        .await
        .map(|Form(form)| form)
        .map_err(|e| AppError::BadRequest(format!("form: {}", e.body_text())).into_response())
}

async fn login(State(state): State<AppState>, req: Request) -> Response {
    let address = client_address(&req);
    let form: LoginForm = match read_form(req).await {
        Ok(form) => form,
        Err(response) => return response,
    };
    let next = safe_next(form.next.trim()).to_string();
    match accounts::sign_in(&state.db, &form.email, &form.password, &address).await {
        Ok(token) => signed_in(&state, &token, &next),
        Err(AppError::TooManyAttempts(wait)) => throttled(wait),
        Err(AppError::Unauthorized(_)) => {
            let back = if next == "/" { String::new() } else { format!("&next={}", percent_encode(&next)) };
            Redirect::to(&format!("/login?error=wrong{back}")).into_response()
        }
        Err(other) => other.into_response(),
    }
}

fn signed_in(state: &AppState, token: &str, next: &str) -> Response {
    let mut response = Redirect::to(next).into_response();
    response.headers_mut().insert(header::SET_COOKIE, state.auth.security.session_cookie(token));
    response
}

fn throttled(wait: u64) -> Response {
    let body = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Too many attempts · Observ</title>\
         <link rel=\"stylesheet\" href=\"/pkg/observ.css\"></head><body><main class=\"content\"><section class=\"card\">\
         <h1>Too many failed sign-ins</h1><p>Try again in {wait} seconds.</p><p><a href=\"/login\">Back to sign in</a></p>\
         </section></main></body></html>"
    );
    let mut response = (StatusCode::TOO_MANY_REQUESTS, Html(body)).into_response();
    response.headers_mut().insert(header::RETRY_AFTER, wait.into());
    response
}

async fn logout(State(state): State<AppState>, req: Request) -> Response {
    if let Some(token) = cookie(req.headers(), SESSION_COOKIE) {
        if let Err(e) = accounts::sign_out(&state.db, token).await {
            return e.into_response();
        }
    }
    let mut response = Redirect::to("/login?signed_out=1").into_response();
    response.headers_mut().insert(header::SET_COOKIE, state.auth.security.cleared_cookie());
    response
}

#[derive(Deserialize)]
struct SetupForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirmation: String,
}

async fn setup(State(state): State<AppState>, req: Request) -> Response {
    let form: SetupForm = match read_form(req).await {
        Ok(form) => form,
        Err(response) => return response,
    };
    if form.password != form.password_confirmation {
        return Redirect::to("/setup?error=password_confirmation%3A%20does%20not%20match%20the%20password")
            .into_response();
    }
    match accounts::create_first_admin(&state.db, &form.email, &form.password).await {
        Ok(Some(user)) => match accounts::open_session(&state.db, user.id).await {
            Ok(token) => signed_in(&state, &token, "/"),
            Err(e) => e.into_response(),
        },
        // Someone else was first: this page is gone for good.
        Ok(None) => Redirect::to("/login").into_response(),
        Err(AppError::Validation(fields)) => {
            let message: Vec<String> = fields.0.iter().map(|(f, m)| format!("{f}: {}", m.join(", "))).collect();
            Redirect::to(&format!("/setup?error={}", percent_encode(&message.join("; ")))).into_response()
        }
        Err(other) => other.into_response(),
    }
}
