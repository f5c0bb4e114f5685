//! Queries on `observ_scores`: writing (one per target, name and source —
//! re-scoring replaces it) and reading scores, and a run's aggregates.

use super::exec::{query, query_as, query_scalar, Pool, Tx};
use super::Db;
use super::NOW;
use crate::model::score::{Score, ScoreDataType, ScoreDraft, ScoreSource, ScoreSummary};
use crate::server::error::AppError;
use std::collections::HashMap;

const COLUMNS: &str = "id, name, value, string_value, data_type, source, passed, comment, error, created_by, \
     observ_dataset_run_item_id, observ_trace_id, observ_session_id, observation_id, created_at";

#[derive(sqlx::FromRow)]
struct ScoreRow {
    id: i64,
    name: String,
    value: Option<f64>,
    string_value: Option<String>,
    data_type: String,
    source: String,
    /// 0 or 1: an integer column on both backends.
    passed: Option<i64>,
    comment: Option<String>,
    error: Option<String>,
    created_by: Option<String>,
    observ_dataset_run_item_id: Option<i64>,
    observ_trace_id: Option<i64>,
    observ_session_id: Option<i64>,
    observation_id: Option<String>,
    created_at: String,
}

impl From<ScoreRow> for Score {
    fn from(r: ScoreRow) -> Score {
        Score {
            id: r.id,
            name: r.name,
            value: r.value,
            string_value: r.string_value,
            // The table's CHECKs admit only these words.
            data_type: ScoreDataType::parse(&r.data_type).unwrap_or(ScoreDataType::Numeric),
            source: ScoreSource::parse(&r.source).unwrap_or(ScoreSource::Programmatic),
            passed: r.passed.map(|p| p != 0),
            comment: r.comment,
            error: r.error,
            created_by: r.created_by,
            dataset_run_item_id: r.observ_dataset_run_item_id,
            trace_id: r.observ_trace_id,
            session_id: r.observ_session_id,
            observation_id: r.observation_id,
            created_at: r.created_at,
        }
    }
}

/// What a score is about.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ScoreTarget {
    /// A run item, with its run (kept on the score for the run's aggregates).
    RunItem {
        run_id: i64,
        run_item_id: i64,
    },
    Trace(i64),
    Session(i64),
}

impl ScoreTarget {
    fn column(self) -> &'static str {
        match self {
            Self::RunItem { .. } => "observ_dataset_run_item_id",
            Self::Trace(_) => "observ_trace_id",
            Self::Session(_) => "observ_session_id",
        }
    }

    fn id(self) -> i64 {
        match self {
            Self::RunItem { run_item_id, .. } => run_item_id,
            Self::Trace(id) | Self::Session(id) => id,
        }
    }
}

/// Writes a score, replacing the target's score of the same name and source,
/// and returns it as stored.
pub async fn save(db: &Db, target: ScoreTarget, draft: &ScoreDraft) -> Result<Score, AppError> {
    let pool = &db.write;
    let mut tx = pool.begin().await?;
    let id = upsert(&mut tx, target, draft).await?;
    if let ScoreTarget::RunItem { run_id, .. } = target {
        super::changes::announce_in(&mut tx, run_id).await?;
    }
    tx.commit().await?;
    if let ScoreTarget::RunItem { run_id, .. } = target {
        db.scores_changed(run_id);
    }
    find(pool, id).await
}

/// Replaces a run's evaluator scores (manual ones stay) with `scores`, given
/// per run item, in one transaction.
pub async fn replace_evaluated(db: &Db, run_id: i64, scores: &[(i64, Vec<ScoreDraft>)]) -> Result<(), AppError> {
    let pool = &db.write;
    let mut tx = pool.begin().await?;
    delete_evaluated(&mut tx, run_id).await?;
    for (run_item_id, drafts) in scores {
        for draft in drafts {
            upsert(&mut tx, ScoreTarget::RunItem { run_id, run_item_id: *run_item_id }, draft).await?;
        }
    }
    super::changes::announce_in(&mut tx, run_id).await?;
    tx.commit().await?;
    db.scores_changed(run_id);
    Ok(())
}

/// Writes a score, replacing the target's score of the same name and source.
pub(super) async fn upsert(conn: &mut Tx, target: ScoreTarget, draft: &ScoreDraft) -> Result<i64, AppError> {
    let run_id = match target {
        ScoreTarget::RunItem { run_id, .. } => Some(run_id),
        _ => None,
    };
    let column = target.column();
    // A trace's own scores; a score on one of its observations is another row.
    let only = if column == "observ_trace_id" { " AND observation_id IS NULL" } else { "" };
    let id: i64 = with_draft(query_scalar(format!(
        "INSERT INTO observ_scores (name, value, string_value, data_type, source, passed, comment, error, created_by, \
         {column}, observ_dataset_run_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, {NOW}, {NOW}) \
         ON CONFLICT ({column}, name, source) WHERE {column} IS NOT NULL{only} DO UPDATE SET \
         value = excluded.value, string_value = excluded.string_value, data_type = excluded.data_type, \
         passed = excluded.passed, comment = excluded.comment, error = excluded.error, \
         created_by = excluded.created_by, updated_at = excluded.updated_at RETURNING id"
    )), draft)
    .bind(target.id())
    .bind(run_id)
    .fetch_one(&mut *conn)
    .await?;
    Ok(id)
}

pub(super) async fn find(pool: &Pool, id: i64) -> Result<Score, AppError> {
    let row: Option<ScoreRow> =
        query_as(format!("SELECT {COLUMNS} FROM observ_scores WHERE id = ?")).bind(id).fetch_optional(pool).await?;
    row.map(Score::from).ok_or_else(|| AppError::not_found("score", id))
}

/// The scores of the given run items, by run item id, ordered by name.
pub(super) async fn for_run_items(pool: &Pool, ids: &[i64]) -> Result<HashMap<i64, Vec<Score>>, AppError> {
    let mut by_item: HashMap<i64, Vec<Score>> = HashMap::new();
    for chunk in ids.chunks(500) {
        let mut q = query(format!("SELECT {COLUMNS} FROM observ_scores WHERE observ_dataset_run_item_id IN ("));
        q.push_list(chunk.iter().copied());
        q.push(") ORDER BY name, source");
        for row in q.build_query_as::<ScoreRow>().fetch_all(pool).await? {
            let score = Score::from(row);
            by_item.entry(score.dataset_run_item_id.unwrap_or_default()).or_default().push(score);
        }
    }
    Ok(by_item)
}

/// A trace's scores: its own, its observations', and those of the run items
/// it is the trace of.
pub async fn for_trace(db: &Db, trace_id: i64) -> Result<Vec<Score>, AppError> {
    let pool = &db.read;
    let rows: Vec<ScoreRow> = query_as(format!(
        "SELECT {COLUMNS} FROM observ_scores WHERE observ_trace_id = ?1 OR observ_dataset_run_item_id IN \
         (SELECT id FROM observ_dataset_run_items WHERE trace_id = ?1) ORDER BY name, id"
    ))
    .bind(trace_id)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(Score::from).collect())
}

/// Removes a run's evaluator scores (not the manual ones) before it is evaluated again.
async fn delete_evaluated(conn: &mut Tx, run_id: i64) -> Result<u64, AppError> {
    Ok(query("DELETE FROM observ_scores WHERE observ_dataset_run_id = ? AND source <> ?")
        .bind(run_id)
        .bind(ScoreSource::Manual.as_str())
        .execute(&mut *conn)
        .await?)
}

/// [`summary`] of every run of a dataset at once, by run id.
pub(super) async fn summaries_of_dataset(
    pool: &Pool,
    dataset_id: i64,
) -> Result<std::collections::HashMap<i64, Vec<ScoreSummary>>, AppError> {
    type Row = (i64, String, i64, Option<f64>, Option<f64>, i64);
    let rows: Vec<Row> = query_as(
        "SELECT s.observ_dataset_run_id, s.name, count(s.value), CAST(avg(s.value) AS REAL), CAST(avg(s.passed) AS REAL), \
         count(s.error) FROM observ_scores s JOIN observ_dataset_runs r ON r.id = s.observ_dataset_run_id \
         WHERE r.dataset_id = ? GROUP BY s.observ_dataset_run_id, s.name ORDER BY s.name",
    )
    .bind(dataset_id)
    .fetch_all(pool)
    .await?;
    let mut by_run: std::collections::HashMap<i64, Vec<ScoreSummary>> = Default::default();
    for (run, name, count, mean, pass_rate, errors) in rows {
        by_run.entry(run).or_default().push(ScoreSummary { name, count, mean, pass_rate, errors });
    }
    Ok(by_run)
}

/// Per score name: how many, the mean, the pass rate and the errors.
pub(super) async fn summary(pool: &Pool, run_id: i64) -> Result<Vec<ScoreSummary>, AppError> {
    type Row = (String, i64, Option<f64>, Option<f64>, i64);
    let rows: Vec<Row> = query_as(
        "SELECT name, count(value), CAST(avg(value) AS REAL), CAST(avg(passed) AS REAL), count(error) FROM observ_scores \
         WHERE observ_dataset_run_id = ? GROUP BY name ORDER BY name",
    )
    .bind(run_id)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(name, count, mean, pass_rate, errors)| ScoreSummary { name, count, mean, pass_rate, errors })
        .collect())
}

/// Writes a score on one observation of a trace (by the observation's external
/// id), replacing that observation's score of the same name and source.
pub(super) async fn upsert_on_observation(
    conn: &mut Tx,
    trace_id: i64,
    observation_id: &str,
    draft: &ScoreDraft,
    metadata: Option<&serde_json::Value>,
) -> Result<i64, AppError> {
    Ok(with_draft(
        query_scalar(format!(
        "INSERT INTO observ_scores (name, value, string_value, data_type, source, passed, comment, error, created_by, \
         observ_trace_id, observation_id, metadata, created_at, updated_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, {NOW}, {NOW}) \
         ON CONFLICT (observation_id, name, source) WHERE observation_id IS NOT NULL DO UPDATE SET \
         value = excluded.value, string_value = excluded.string_value, data_type = excluded.data_type, \
         passed = excluded.passed, comment = excluded.comment, observ_trace_id = excluded.observ_trace_id, \
         metadata = excluded.metadata, created_by = excluded.created_by, updated_at = excluded.updated_at RETURNING id"
    )),
        draft,
    )
    .bind(trace_id)
    .bind(observation_id)
    .bind(super::exec::json(metadata.map(serde_json::Value::to_string)))
    .fetch_one(&mut *conn)
    .await?)
}

/// Binds a draft's nine values, in the order both score inserts list them.
fn with_draft<O: super::exec::Scalar>(
    q: super::exec::QueryScalar<O>,
    draft: &ScoreDraft,
) -> super::exec::QueryScalar<O> {
    q.bind(draft.name.trim())
        .bind(draft.value)
        .bind(&draft.string_value)
        .bind(draft.data_type.as_str())
        .bind(draft.source.as_str())
        .bind(draft.passed)
        .bind(&draft.comment)
        .bind(&draft.error)
        .bind(&draft.created_by)
}
