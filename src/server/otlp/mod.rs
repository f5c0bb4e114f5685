//! OTLP/HTTP trace ingestion: `POST /v1/traces` and (for the Langfuse SDKs)
//! `POST /api/public/otel/v1/traces`. Protobuf or JSON, optionally gzip; each
//! request is mapped whole before anything is written, then written in one
//! transaction — a bad span refuses the request and writes nothing.

pub mod json;
pub mod map;
pub mod proto;

use crate::server::error::AppError;
use crate::server::AppState;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use proto::Message;
use std::io::Read;

/// Largest request body read, compressed or not (OTLP exporters batch to a few MB).
pub const BODY_LIMIT_MB: usize = 16;
/// Largest body once gunzipped (a zip bomb stops here).
pub const INFLATED_LIMIT_MB: usize = 64;

/// How a body is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Protobuf,
    Json,
}

pub async fn export(State(state): State<AppState>, req: Request) -> Result<Response, AppError> {
    let format = match content_type(req.headers()).as_str() {
        "application/x-protobuf" | "application/protobuf" => Format::Protobuf,
        "application/json" => Format::Json,
        other => {
            let found = if other.is_empty() { "none".to_string() } else { format!("`{other}`") };
            return Err(AppError::UnsupportedMediaType(format!(
                "Content-Type: expected application/x-protobuf or application/json, found {found}"
            )));
        }
    };
    let body = read_body(req, &state, BODY_LIMIT_MB).await?;
    let request = match format {
        Format::Protobuf => proto::ExportTraceServiceRequest::decode(body.as_slice())
            .map_err(|e| AppError::BadRequest(format!("body: not an OTLP ExportTraceServiceRequest: {e}")))?,
        Format::Json => json::decode(&body).map_err(|e| AppError::BadRequest(format!("body: {e}")))?,
    };
    let mapped = map::map_request(request, &state.agents.prices).map_err(AppError::BadRequest)?;
    crate::server::db::ingest::write(&state.db, mapped.batch, mapped.experiments).await?;
    Ok(match format {
        Format::Protobuf => {
            let bytes = proto::ExportTraceServiceResponse::default().encode_to_vec();
            ([(header::CONTENT_TYPE, HeaderValue::from_static("application/x-protobuf"))], bytes).into_response()
        }
        Format::Json => (StatusCode::OK, axum::Json(serde_json::json!({}))).into_response(),
    })
}

fn content_type(headers: &HeaderMap) -> String {
    let given = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    given.split(';').next().unwrap_or("").trim().to_ascii_lowercase()
}

/// The request body, gunzipped when `Content-Encoding: gzip`; 413 past the
/// limits (`limit_mb` is the route's `DefaultBodyLimit`, named in the error).
pub async fn read_body<S: Send + Sync>(req: Request, state: &S, limit_mb: usize) -> Result<Vec<u8>, AppError> {
    let encoding = req
        .headers()
        .get(header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("identity")
        .trim()
        .to_ascii_lowercase();
    let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::TooLarge(limit_mb)
        } else {
            AppError::BadRequest(format!("body: {}", rejection.body_text()))
        }
    })?;
    match encoding.as_str() {
        "identity" | "" => Ok(bytes.to_vec()),
        "gzip" | "x-gzip" => {
            let cap = (INFLATED_LIMIT_MB * 1024 * 1024) as u64;
            let mut out = Vec::with_capacity(bytes.len() * 4);
            flate2::read::GzDecoder::new(bytes.as_ref())
                .take(cap + 1)
                .read_to_end(&mut out)
                .map_err(|e| AppError::BadRequest(format!("body: not valid gzip: {e}")))?;
            if out.len() as u64 > cap {
                return Err(AppError::TooLarge(INFLATED_LIMIT_MB));
            }
            Ok(out)
        }
        other => {
            Err(AppError::UnsupportedMediaType(format!("Content-Encoding: expected gzip or none, found `{other}`")))
        }
    }
}
