//! Scores sent through `/api/public` (Langfuse SDKs): on a trace, on one of
//! its observations, on a session, or on a dataset run. A trace score whose
//! trace is an SDK experiment's item lands on that run item, where compare,
//! review and export read run scores. A trace or session not seen yet is
//! created empty (spans travel separately and may come later).

use super::exec::{query, query_scalar, Tx};
use super::ingest::{self, Batch, TraceRow};
use super::scores::{upsert, upsert_on_observation, ScoreTarget};
use super::{Db, NOW};
use crate::model::score::ScoreDraft;
use crate::server::error::AppError;
use serde_json::Value;

/// What one score is about (external ids, as the SDK sends them).
#[derive(Debug, Clone, PartialEq)]
pub enum Subject {
    Trace {
        trace_id: String,
        observation_id: Option<String>,
    },
    Session(String),
    /// A dataset run by its Observ id, or an SDK experiment's id.
    Run(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct SdkScore {
    pub subject: Subject,
    pub draft: ScoreDraft,
    pub metadata: Option<Value>,
}

/// Writes every score or none, in one transaction.
pub async fn save_all(db: &Db, scores: Vec<SdkScore>) -> Result<(), AppError> {
    let mut tx = db.write.begin().await?;
    save_all_in(&mut tx, scores).await?;
    tx.commit().await?;
    Ok(())
}

pub(super) async fn save_all_in(tx: &mut Tx, scores: Vec<SdkScore>) -> Result<(), AppError> {
    // Make sure every trace and session named exists (sorted: the lock order).
    let mut traces: Vec<TraceRow> = Vec::new();
    for score in &scores {
        match &score.subject {
            Subject::Trace { trace_id, .. } => {
                traces.push(TraceRow { trace_id: trace_id.clone(), ..Default::default() });
            }
            Subject::Session(session) => traces.push(TraceRow {
                trace_id: format!("session:{session}"),
                session_id: Some(session.clone()),
                ..Default::default()
            }),
            Subject::Run(_) => {}
        }
    }
    let sessions_only: Vec<String> = scores
        .iter()
        .filter_map(|s| match &s.subject {
            Subject::Session(id) => Some(id.clone()),
            _ => None,
        })
        .collect();
    traces.retain(|t| !t.trace_id.starts_with("session:"));
    let written = ingest::write_in(tx, Batch { traces, spans: Vec::new() }).await?;
    let session_ids = ensure_sessions(tx, &sessions_only).await?;
    for score in scores {
        match score.subject {
            Subject::Trace { trace_id, observation_id } => {
                let trace = written.traces.get(&trace_id).copied().unwrap_or_default();
                let run_item: Option<(i64, i64)> = super::exec::query_as(
                    "SELECT id, dataset_run_id FROM observ_dataset_run_items WHERE trace_id = ? ORDER BY id DESC LIMIT 1",
                )
                .bind(trace)
                .fetch_optional(&mut *tx)
                .await?;
                // An experiment item's scores (its evaluators score the task
                // span) belong to its run item.
                match (run_item, observation_id) {
                    (Some((run_item_id, run_id)), _) => {
                        upsert(tx, ScoreTarget::RunItem { run_id, run_item_id }, &score.draft).await?;
                    }
                    (None, Some(observation)) => {
                        upsert_on_observation(tx, trace, &observation, &score.draft, score.metadata.as_ref()).await?;
                    }
                    (None, None) => {
                        upsert(tx, ScoreTarget::Trace(trace), &score.draft).await?;
                    }
                }
            }
            Subject::Session(session) => {
                let id = session_ids.iter().find(|(s, _)| *s == session).map(|(_, id)| *id).unwrap_or_default();
                upsert(tx, ScoreTarget::Session(id), &score.draft).await?;
            }
            Subject::Run(run) => save_run_score(tx, &run, &score.draft).await?,
        }
    }
    Ok(())
}

async fn ensure_sessions(tx: &mut Tx, sessions: &[String]) -> Result<Vec<(String, i64)>, AppError> {
    let mut sorted = sessions.to_vec();
    sorted.sort();
    sorted.dedup();
    let mut out = Vec::new();
    for session in sorted {
        let id: i64 = query_scalar(format!(
            "INSERT INTO observ_sessions (session_id, start_time, created_at, updated_at) VALUES (?, {NOW}, {NOW}, {NOW}) \
             ON CONFLICT (session_id) DO UPDATE SET updated_at = excluded.updated_at RETURNING id"
        ))
        .bind(session.clone())
        .fetch_one(&mut *tx)
        .await?;
        out.push((session, id));
    }
    Ok(out)
}

/// A run-level score (an SDK's run evaluator) kept in the run's metadata
/// under `scores`, by name. The run is named by its id or, as SDKs do, by its
/// experiment id; a score for a run not (yet) known is dropped with a log line.
async fn save_run_score(tx: &mut Tx, run: &str, draft: &ScoreDraft) -> Result<(), AppError> {
    let value = match (&draft.string_value, draft.value) {
        (Some(text), _) => Value::String(text.clone()),
        (None, Some(v)) => serde_json::json!(v),
        (None, None) => Value::Null,
    };
    let entry = serde_json::json!({"value": value, "data_type": draft.data_type.as_str(), "comment": draft.comment});
    let d = tx.dialect();
    let patch = serde_json::json!({"scores": {draft.name.trim(): entry}}).to_string();
    let merged = match d {
        super::exec::Dialect::Sqlite => "json_patch(COALESCE(metadata, '{}'), ?)".to_string(),
        // jsonb `||` is shallow; merge the `scores` object one level down.
        super::exec::Dialect::Postgres => "COALESCE(metadata, '{}') || jsonb_build_object('scores', \
             COALESCE(metadata->'scores', '{}') || (CAST(? AS jsonb)->'scores'))"
            .to_string(),
    };
    let by_experiment = d.json_text("metadata", "experiment_id");
    let changed = query(format!(
        "UPDATE observ_dataset_runs SET metadata = {merged} WHERE id = (SELECT id FROM observ_dataset_runs \
         WHERE CAST(id AS TEXT) = ? OR {by_experiment} = ? ORDER BY id LIMIT 1)"
    ))
    .bind(patch)
    .bind(run)
    .bind(run)
    .execute(&mut *tx)
    .await?;
    if changed == 0 {
        eprintln!("observ: a score named dataset run `{run}`, which is not known; it was dropped");
    }
    Ok(())
}
