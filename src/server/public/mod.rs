//! `/api/public`: the part of Langfuse's public API its SDKs use, so an app
//! instrumented with a Langfuse SDK points at Observ by changing its host and
//! keys. Observ is single-tenant: one project. Ids are strings on this surface
//! (Observ's integer ids, written as text); names and fields are Langfuse's
//! camelCase. What Langfuse has and Observ does not (prompt management, media
//! uploads) answers 404 naming the route.

mod datasets;
mod ingestion;
mod scores;

use super::error::AppError;
use super::AppState;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/projects", get(projects))
        .route("/health", get(|| async { Json(json!({"status": "OK", "version": env!("CARGO_PKG_VERSION")})) }))
        .route(
            "/otel/v1/traces",
            post(super::otlp::export).layer(DefaultBodyLimit::max(super::otlp::BODY_LIMIT_MB * 1024 * 1024)),
        )
        .merge(scores::routes())
        .merge(datasets::routes())
        .merge(ingestion::routes())
        .fallback(|| async {
            AppError::NotFound("public API route (Observ implements traces, scores, datasets and dataset items)".into())
        })
        .layer(DefaultBodyLimit::max(crate::server::otlp::BODY_LIMIT_MB * 1024 * 1024))
}

/// The one project (what the SDKs' `auth_check` reads).
async fn projects() -> Json<Value> {
    let organization = json!({"id": "observ", "name": "Observ"});
    Json(json!({"data": [{"id": "observ", "name": "Observ", "metadata": {}, "organization": organization}]}))
}

/// An RFC 3339 time as Observ stores it (`…T…​.mmmZ`, UTC); offsets are applied.
pub(crate) fn normalize_time(text: &str) -> Option<String> {
    use crate::model::stats::{format_timestamp_ms, parse_timestamp_ms};
    let text = text.trim();
    let (base, offset_ms) = match text.len().checked_sub(6).and_then(|i| text.get(i..).map(|tail| (i, tail))) {
        Some((i, tail)) if (tail.starts_with('+') || tail.starts_with('-')) && tail.as_bytes()[3] == b':' => {
            let sign = if tail.starts_with('-') { -1 } else { 1 };
            let h: i64 = tail[1..3].parse().ok()?;
            let m: i64 = tail[4..6].parse().ok()?;
            (format!("{}Z", &text[..i]), sign * (h * 60 + m) * 60_000)
        }
        _ => (text.to_string(), 0),
    };
    let base = if base.ends_with('Z') || base.ends_with('z') { base } else { format!("{base}Z") };
    parse_timestamp_ms(&base).map(|ms| format_timestamp_ms(ms - offset_ms))
}

/// `{data, meta: {page, limit, totalItems, totalPages}}`.
pub(crate) fn paginated(data: Vec<Value>, page: i64, limit: i64, total: i64) -> Value {
    let pages = if limit > 0 { (total + limit - 1) / limit } else { 0 };
    json!({"data": data, "meta": {"page": page, "limit": limit, "totalItems": total, "totalPages": pages}})
}

/// `page` (from 1) and `limit` (1–100, default 50) of a list route.
pub(crate) fn page_and_limit(page: Option<&str>, limit: Option<&str>) -> Result<(i64, i64), AppError> {
    let read = |field: &str, text: Option<&str>, default: i64, max: i64| match text.filter(|t| !t.is_empty()) {
        None => Ok(default),
        Some(t) => match t.parse::<i64>() {
            Ok(n) if (1..=max).contains(&n) => Ok(n),
            _ => Err(AppError::field(field, format!("must be a whole number from 1 to {max}"))),
        },
    };
    Ok((read("page", page, 1, i64::MAX)?, read("limit", limit, 50, 100)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_normalized_to_utc_millis() {
        assert_eq!(normalize_time("2026-11-30T12:00:00.123456+00:00").as_deref(), Some("2026-11-30T12:00:00.123Z"));
        assert_eq!(normalize_time("2026-11-30T12:00:00+01:30").as_deref(), Some("2026-11-30T10:30:00.000Z"));
        assert_eq!(normalize_time("2026-11-30T12:00:00Z").as_deref(), Some("2026-11-30T12:00:00.000Z"));
        assert_eq!(normalize_time("2026-11-30T12:00:00").as_deref(), Some("2026-11-30T12:00:00.000Z"));
        assert_eq!(normalize_time("yesterday"), None);
    }

    #[test]
    fn pages_count_up() {
        assert_eq!(
            paginated(vec![], 2, 50, 101)["meta"],
            json!({"page": 2, "limit": 50, "totalItems": 101, "totalPages": 3})
        );
        assert!(page_and_limit(Some("0"), None).is_err());
        assert_eq!(page_and_limit(None, Some("10")).unwrap(), (1, 10));
    }
}
