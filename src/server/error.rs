//! The server's one error type, mapped once to an HTTP status with a JSON body
//! and once to `ServerFnError` for the pages.

use crate::model::import::ImportError;
use crate::model::FieldErrors;
use crate::server::redact::redact_text;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The body or a query parameter could not be read (400).
    #[error("{0}")]
    BadRequest(String),
    /// Well-formed but invalid (422), per field.
    #[error("validation failed: {0}")]
    Validation(FieldErrors),
    /// `what` names the missing thing: "dataset 12 not found" (404).
    #[error("{0} not found")]
    NotFound(String),
    /// The resource's state does not allow it (409).
    #[error("{0}")]
    Conflict(String),
    /// An import row that cannot be read (422); the message names its line.
    #[error("{0}")]
    Import(ImportError),
    #[error("request body is larger than the {0} MB limit")]
    TooLarge(usize),
    /// No valid credentials (401): a key, a session cookie, or a sign-in.
    #[error("{0}")]
    Unauthorized(String),
    /// Signed in, but the role does not allow it, or a cross-site request (403).
    #[error("{0}")]
    Forbidden(String),
    /// Too many failed sign-ins (429); try again after this many seconds.
    #[error("too many failed sign-ins; try again in {0} s")]
    TooManyAttempts(u64),
    /// The body's `Content-Type` is not one this route reads (415).
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// A `Host` this server does not answer for (421): DNS rebinding ends here.
    #[error("{0}")]
    MisdirectedRequest(String),
    /// The client stopped sending its body (408).
    #[error("{0}")]
    Timeout(String),
    /// Too many open streams or requests from one client (429).
    #[error("{0}")]
    TooMany(String),
    /// A failure the client cannot act on (500). Made by [`AppError::internal`],
    /// which logs the detail with a request id; only the id is shown.
    #[error("internal error (request id {0})")]
    Internal(String),
}

impl AppError {
    pub fn not_found(what: &str, id: i64) -> Self {
        AppError::NotFound(format!("{what} {id}"))
    }

    /// Logs `detail` (redacted) under a fresh request id and returns the error naming only that id.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        let id = request_id();
        eprintln!("observ: internal error (request id {id}): {}", redact_text(&detail.to_string()));
        AppError::Internal(id)
    }

    pub fn field(field: &str, message: impl Into<String>) -> Self {
        AppError::Validation(FieldErrors::single(field, message))
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Validation(_) | AppError::Import(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::TooManyAttempts(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::MisdirectedRequest(_) => StatusCode::MISDIRECTED_REQUEST,
            AppError::Timeout(_) => StatusCode::REQUEST_TIMEOUT,
            AppError::TooMany(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            AppError::BadRequest(_) => "bad_request",
            AppError::Validation(_) | AppError::Import(_) => "validation_failed",
            AppError::NotFound(_) => "not_found",
            AppError::Conflict(_) => "conflict",
            AppError::TooLarge(_) => "payload_too_large",
            AppError::Unauthorized(_) => "unauthorized",
            AppError::Forbidden(_) => "forbidden",
            AppError::TooManyAttempts(_) => "too_many_requests",
            AppError::UnsupportedMediaType(_) => "unsupported_media_type",
            AppError::MisdirectedRequest(_) => "misdirected_request",
            AppError::Timeout(_) => "request_timeout",
            AppError::TooMany(_) => "too_many_requests",
            AppError::Internal(_) => "internal_error",
        }
    }
}

impl From<sqlx::Error> for AppError {
    fn from(error: sqlx::Error) -> Self {
        AppError::internal(format_args!("database: {error}"))
    }
}

impl From<ImportError> for AppError {
    fn from(error: ImportError) -> Self {
        AppError::Import(error)
    }
}

impl From<FieldErrors> for AppError {
    fn from(errors: FieldErrors) -> Self {
        AppError::Validation(errors)
    }
}

// `ServerFnError` converts from any `std::error::Error` by its message.
impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let mut error = json!({"code": self.code(), "message": self.to_string()});
        if let AppError::Validation(fields) = &self {
            error["fields"] = json!(fields.0);
        }
        if let AppError::Import(row) = &self {
            error["fields"] = json!({ format!("line {}", row.line): [row.message] });
        }
        let mut response = (self.status(), Json(json!({ "error": error }))).into_response();
        match &self {
            AppError::TooManyAttempts(seconds) => {
                response.headers_mut().insert(axum::http::header::RETRY_AFTER, (*seconds).into());
            }
            AppError::Unauthorized(_) => {
                let challenge = axum::http::HeaderValue::from_static("Bearer realm=\"observ\"");
                response.headers_mut().insert(axum::http::header::WWW_AUTHENTICATE, challenge);
            }
            _ => {}
        }
        response
    }
}

/// A short random id that ties a 500 answer to its log line.
fn request_id() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher
        .write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos());
    format!("{:012x}", hasher.finish() & 0xffff_ffff_ffff)
}

/// For form server functions: validation failures are a normal answer the form
/// shows next to its fields; anything else is an error.
pub fn form_result<T>(result: Result<T, AppError>) -> Result<Result<T, FieldErrors>, leptos::prelude::ServerFnError> {
    match result {
        Ok(value) => Ok(Ok(value)),
        Err(AppError::Validation(fields)) => Ok(Err(fields)),
        Err(other) => Err(other.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn internal_errors_answer_500_with_only_a_request_id() {
        let err: AppError = sqlx::Error::Protocol("secret table observ_x is locked".into()).into();
        assert_eq!(err.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let response = err.into_response();
        let body = axum::body::to_bytes(response.into_body(), 1 << 16).await.unwrap();
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["error"]["code"], "internal_error");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.starts_with("internal error (request id ") && !message.contains("observ_x"), "{message}");
        assert_ne!(request_id(), request_id());
    }
}
