//! `POST /api/v1/scores`: a manual or external score on a run item, a trace or
//! a session. Re-posting the same (target, name, source) replaces the score.

use super::body::{Fields, JsonObject};
use crate::model::score::{Score, ScoreDataType, ScoreDraft, ScoreSource};
use crate::server::db;
use crate::server::db::scores::ScoreTarget;
use crate::server::error::AppError;
use crate::server::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use serde_json::Value;

pub fn routes() -> Router<AppState> {
    Router::new().route("/scores", post(create))
}

const TARGETS: [&str; 3] = ["run_item_id", "trace_id", "session_id"];

async fn create(State(state): State<AppState>, body: JsonObject) -> Result<(StatusCode, Json<Score>), AppError> {
    let mut f = Fields::new(body.0);
    let targets: Vec<(&str, Value)> = TARGETS.iter().filter_map(|t| f.value(t).map(|v| (*t, v))).collect();
    let name = f.string("name").unwrap_or_default();
    let raw_value = f.value("value");
    let string_value = f.optional_string("string_value").flatten();
    let data_type = f.value("data_type");
    let source = f.value("source");
    let comment = f.optional_string("comment").flatten();
    let created_by = f.optional_string("created_by").flatten();
    let mut errors = f.finish(&["id", "created_at", "passed", "error"]);

    let target_id = match targets.as_slice() {
        [(field, value)] => match value.as_i64() {
            Some(id) => Some((*field, id)),
            None => {
                errors.add(*field, "must be an integer id");
                None
            }
        },
        [] => {
            errors.add("run_item_id", "one of run_item_id, trace_id or session_id is required");
            None
        }
        _ => {
            errors.add(targets[1].0, "give only one of run_item_id, trace_id or session_id");
            None
        }
    };
    let value = match &raw_value {
        None | Some(Value::Null) => None,
        Some(Value::Bool(b)) => Some(if *b { 1.0 } else { 0.0 }),
        Some(Value::Number(n)) => n.as_f64(),
        Some(_) => {
            errors.add("value", "must be a number or true/false");
            None
        }
    };
    let data_type = match data_type.as_ref().map(|v| v.as_str().and_then(ScoreDataType::parse)) {
        Some(Some(t)) => t,
        Some(None) => {
            errors.add("data_type", "must be \"numeric\", \"boolean\" or \"categorical\"");
            ScoreDataType::Numeric
        }
        None if matches!(raw_value, Some(Value::Bool(_))) => ScoreDataType::Boolean,
        None if raw_value.is_none() && string_value.is_some() => ScoreDataType::Categorical,
        None => ScoreDataType::Numeric,
    };
    let source = match source.as_ref().map(|v| v.as_str().and_then(ScoreSource::parse)) {
        Some(Some(s)) => s,
        Some(None) => {
            errors.add("source", "must be \"manual\", \"programmatic\" or \"llm_judge\"");
            ScoreSource::Manual
        }
        None => ScoreSource::Manual,
    };
    let passed = match data_type {
        ScoreDataType::Boolean => value.map(|v| v >= 0.5),
        _ => None,
    };
    let draft = ScoreDraft {
        name: name.trim().to_string(),
        value,
        string_value,
        data_type,
        source,
        passed,
        comment,
        error: None,
        created_by,
    };
    for (field, messages) in draft.validate().0 {
        if !errors.0.contains_key(&field) {
            messages.into_iter().for_each(|m| errors.add(field.clone(), m));
        }
    }
    errors.into_result()?;
    let Some((field, id)) = target_id else { unreachable!("a missing target is a validation error") };
    let target = match field {
        "run_item_id" => {
            let run_id = db::run_items::run_of(&state.db, id)
                .await?
                .ok_or_else(|| AppError::field("run_item_id", format!("no run item {id}")))?;
            ScoreTarget::RunItem { run_id, run_item_id: id }
        }
        "trace_id" => {
            db::traces::find(&state.db, id).await.map_err(|_| AppError::field("trace_id", format!("no trace {id}")))?;
            ScoreTarget::Trace(id)
        }
        _ => {
            db::traces::find_session(&state.db, id)
                .await
                .map_err(|_| AppError::field("session_id", format!("no session {id}")))?;
            ScoreTarget::Session(id)
        }
    };
    Ok((StatusCode::CREATED, Json(db::scores::save(&state.db, target, &draft).await?)))
}
