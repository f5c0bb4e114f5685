//! `POST /api/public/scores`: one score object, or an array of them (all
//! written or none). Langfuse's fields: `traceId`, `observationId`,
//! `sessionId`, `datasetRunId`, `name`, `value` (number, boolean or string),
//! `stringValue`, `dataType` (NUMERIC | BOOLEAN | CATEGORICAL), `comment`,
//! `metadata`; `id`, `configId`, `environment` and `queueId` are accepted and
//! not kept.

use crate::model::score::{ScoreDataType, ScoreDraft, ScoreSource};
use crate::model::FieldErrors;
use crate::server::auth::Principal;
use crate::server::db;
use crate::server::db::sdk_scores::{SdkScore, Subject};
use crate::server::error::AppError;
use crate::server::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Extension, Json, Router};
use serde_json::{json, Map, Value};

pub fn routes() -> Router<AppState> {
    Router::new().route("/scores", post(create))
}

async fn create(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), AppError> {
    let value: Value =
        serde_json::from_slice(&body).map_err(|e| AppError::BadRequest(format!("body: malformed JSON: {e}")))?;
    let (objects, many) = match value {
        Value::Array(items) => (items, true),
        object @ Value::Object(_) => (vec![object], false),
        _ => return Err(AppError::BadRequest("body: must be a score object or an array of them".into())),
    };
    let mut errors = FieldErrors::new();
    let mut scores = Vec::new();
    for (n, object) in objects.into_iter().enumerate() {
        let prefix = if many { format!("[{n}].") } else { String::new() };
        match object {
            Value::Object(map) => match parse_score(map, &principal.name) {
                Ok(score) => scores.push(score),
                Err(fields) => {
                    for (field, messages) in fields.0 {
                        messages.into_iter().for_each(|m| errors.add(format!("{prefix}{field}"), m));
                    }
                }
            },
            _ => errors.add(format!("[{n}]"), "must be a JSON object"),
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let count = scores.len();
    db::sdk_scores::save_all(&state.db, scores).await?;
    if many {
        Ok((StatusCode::ACCEPTED, Json(json!({"message": "Accepted", "count": count}))))
    } else {
        Ok((StatusCode::OK, Json(json!({"message": "Accepted"}))))
    }
}

fn text(map: &mut Map<String, Value>, key: &str, errors: &mut FieldErrors) -> Option<String> {
    match map.remove(key) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.trim().is_empty() => None,
        Some(Value::String(s)) => Some(s),
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(_) => {
            errors.add(key, "must be a string");
            None
        }
    }
}

/// A Langfuse score object to a draft and its subject (shared with the
/// ingestion batch's `score-create`).
pub(super) fn parse_score(mut map: Map<String, Value>, author: &str) -> Result<SdkScore, FieldErrors> {
    let mut errors = FieldErrors::new();
    let name = text(&mut map, "name", &mut errors).unwrap_or_default();
    if name.trim().is_empty() {
        errors.add("name", "can't be blank");
    }
    let trace = text(&mut map, "traceId", &mut errors);
    let observation = text(&mut map, "observationId", &mut errors);
    let session = text(&mut map, "sessionId", &mut errors);
    let run = text(&mut map, "datasetRunId", &mut errors);
    let subject = match (trace, observation, session, run) {
        (Some(trace_id), observation_id, None, None) => Some(Subject::Trace { trace_id, observation_id }),
        (None, None, Some(session), None) => Some(Subject::Session(session)),
        (None, None, None, Some(run)) => Some(Subject::Run(run)),
        (None, Some(_), None, None) => {
            errors.add("traceId", "required with observationId");
            None
        }
        (None, None, None, None) => {
            errors.add("traceId", "one of traceId, sessionId or datasetRunId is required");
            None
        }
        _ => {
            errors.add("traceId", "give one of traceId (with observationId), sessionId or datasetRunId");
            None
        }
    };
    let declared = text(&mut map, "dataType", &mut errors).map(|t| t.to_ascii_uppercase());
    let raw = map.remove("value").unwrap_or(Value::Null);
    let string_value = text(&mut map, "stringValue", &mut errors);
    let data_type = match (declared.as_deref(), &raw) {
        (Some("NUMERIC"), _) => ScoreDataType::Numeric,
        (Some("BOOLEAN"), _) => ScoreDataType::Boolean,
        (Some("CATEGORICAL"), _) => ScoreDataType::Categorical,
        (Some(other), _) => {
            errors.add("dataType", format!("must be NUMERIC, BOOLEAN or CATEGORICAL, got `{other}`"));
            ScoreDataType::Numeric
        }
        (None, Value::Bool(_)) => ScoreDataType::Boolean,
        (None, Value::String(_)) => ScoreDataType::Categorical,
        (None, _) => ScoreDataType::Numeric,
    };
    let (value, string_value) = match (data_type, &raw) {
        (ScoreDataType::Categorical, Value::String(s)) => (None, Some(s.clone())),
        (ScoreDataType::Categorical, Value::Number(n)) => (n.as_f64(), string_value.or(Some(n.to_string()))),
        (ScoreDataType::Categorical, Value::Null) if string_value.is_some() => (None, string_value),
        (ScoreDataType::Boolean, Value::Bool(b)) => (Some(if *b { 1.0 } else { 0.0 }), None),
        (ScoreDataType::Boolean, Value::Number(n)) if matches!(n.as_f64(), Some(v) if v == 0.0 || v == 1.0) => {
            (n.as_f64(), None)
        }
        (ScoreDataType::Numeric, Value::Number(n)) => (n.as_f64(), None),
        (kind, _) => {
            let expected = match kind {
                ScoreDataType::Numeric => "a number",
                ScoreDataType::Boolean => "true, false, 1 or 0",
                ScoreDataType::Categorical => "a string",
            };
            errors.add("value", format!("must be {expected} for a {} score", kind.as_str()));
            (None, None)
        }
    };
    let comment = text(&mut map, "comment", &mut errors);
    let metadata = map.remove("metadata").filter(|m| !m.is_null());
    for ignored in ["id", "configId", "environment", "queueId", "timestamp", "source"] {
        map.remove(ignored);
    }
    if let Some(key) = map.keys().next() {
        errors.add(key, "unknown field");
    }
    let Some(subject) = subject.filter(|_| errors.is_empty()) else { return Err(errors) };
    let passed = (data_type == ScoreDataType::Boolean).then(|| value.unwrap_or(0.0) >= 0.5);
    Ok(SdkScore {
        subject,
        draft: ScoreDraft {
            name: name.trim().to_string(),
            value,
            string_value,
            data_type,
            source: ScoreSource::Programmatic,
            passed,
            comment,
            error: None,
            created_by: Some(author.to_string()),
        },
        metadata,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(v: Value) -> Result<SdkScore, FieldErrors> {
        parse_score(v.as_object().unwrap().clone(), "t")
    }

    #[test]
    fn score_types_follow_the_value() {
        let s = parse(json!({"traceId": "t1", "name": "ok", "value": true})).unwrap();
        assert_eq!((s.draft.data_type, s.draft.value, s.draft.passed), (ScoreDataType::Boolean, Some(1.0), Some(true)));
        let s = parse(json!({"traceId": "t1", "observationId": "o", "name": "tone", "value": "polite"})).unwrap();
        assert_eq!(s.draft.string_value.as_deref(), Some("polite"));
        assert_eq!(s.subject, Subject::Trace { trace_id: "t1".into(), observation_id: Some("o".into()) });
        let s = parse(json!({"sessionId": "s", "name": "n", "value": 0.5, "dataType": "NUMERIC"})).unwrap();
        assert_eq!((s.subject, s.draft.value), (Subject::Session("s".into()), Some(0.5)));
    }

    #[test]
    fn bad_scores_name_their_fields() {
        let e = parse(json!({"name": "", "value": "x", "dataType": "NUMERIC", "bogus": 1})).unwrap_err();
        let fields: Vec<&str> = e.0.keys().map(String::as_str).collect();
        assert_eq!(fields, ["bogus", "name", "traceId", "value"]);
    }
}
