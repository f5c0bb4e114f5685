//! The comparison payload: the chosen runs of a dataset and, per dataset item,
//! each run's result: the first repetition's output, error and status; the cost
//! and tokens of all the item's repetitions, their mean latency and how many
//! failed; and each score's mean over them (so runs pair on every attempt).

use super::exec::{query, Query};
use super::Db;
use crate::model::compare::{outcome_text, CompareItem, ComparePayload, CompareResult, MAX_RUNS, MIN_RUNS};
use crate::model::compare_preview::{CompareAttempt, CompareTexts};
use crate::model::run::DatasetRun;
use crate::model::run_item::RunItemStatus;
use crate::server::error::AppError;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    dataset_run_id: i64,
    dataset_item_id: i64,
    repetition: i64,
    status: i64,
    input: Option<String>,
    expected_output: Option<String>,
    output: Option<String>,
    error: Option<String>,
    latency_ms: Option<i64>,
    cost: f64,
    tokens: i64,
    trace_id: Option<i64>,
}

fn json(text: Option<String>) -> Option<Value> {
    text.and_then(|t| serde_json::from_str(&t).ok())
}

fn in_list(q: &mut Query, ids: &[i64]) {
    q.push(" IN (");
    q.push_list(ids.iter().copied());
    q.push(")");
}

/// The compared runs, checked: 2–8 different runs of the dataset.
async fn compared_runs(db: &Db, dataset_id: i64, run_ids: &[i64]) -> Result<Vec<DatasetRun>, AppError> {
    let unique: BTreeSet<i64> = run_ids.iter().copied().collect();
    if unique.len() != run_ids.len() || !(MIN_RUNS..=MAX_RUNS).contains(&run_ids.len()) {
        return Err(AppError::field("runs", format!("pick {MIN_RUNS} to {MAX_RUNS} different runs, e.g. runs=1,2")));
    }
    let mut runs = Vec::with_capacity(run_ids.len());
    for &id in run_ids {
        let run = super::runs::find(db, id).await.map_err(|_| AppError::field("runs", format!("no run {id}")))?;
        if run.dataset_id != dataset_id {
            return Err(AppError::field("runs", format!("run {id} belongs to another dataset")));
        }
        runs.push(run);
    }
    Ok(runs)
}

pub async fn load(db: &Db, dataset_id: i64, run_ids: &[i64]) -> Result<ComparePayload, AppError> {
    let pool = &db.read;
    let dataset = super::datasets::find(db, dataset_id).await?;
    let runs = compared_runs(db, dataset_id, run_ids).await?;
    let column: HashMap<i64, usize> = run_ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();

    let mut q = query(
        "SELECT id, dataset_run_id, dataset_item_id, repetition, status, \
         CASE WHEN repetition = 0 THEN CAST(input AS TEXT) END AS input, \
         CASE WHEN repetition = 0 THEN CAST(expected_output AS TEXT) END AS expected_output, \
         CASE WHEN repetition = 0 THEN CAST(output AS TEXT) END AS output, error, latency_ms, \
         CAST(COALESCE(cost, 0) AS REAL) AS cost, COALESCE(tokens, 0) AS tokens, trace_id \
         FROM observ_dataset_run_items WHERE dataset_run_id",
    );
    in_list(&mut q, run_ids);
    q.push(" ORDER BY dataset_item_id, dataset_run_id, repetition");
    let rows: Vec<Row> = q.build_query_as().fetch_all(pool).await?;

    let mut q = query(
        "SELECT observ_dataset_run_item_id, name, value FROM observ_scores WHERE value IS NOT NULL AND observ_dataset_run_id",
    );
    in_list(&mut q, run_ids);
    let mut scores: HashMap<i64, BTreeMap<String, f64>> = HashMap::new();
    let mut names = BTreeSet::new();
    let mut not_boolean = BTreeSet::new();
    for (run_item, name, value) in q.build_query_as::<(i64, String, f64)>().fetch_all(pool).await? {
        if value != 0.0 && value != 1.0 {
            not_boolean.insert(name.clone());
        }
        names.insert(name.clone());
        scores.entry(run_item).or_default().insert(name, value);
    }
    // Per (run, item): each score's sum and count over the repetitions, and the latency's.
    let mut sums: HashMap<(i64, i64), BTreeMap<String, (f64, u32)>> = HashMap::new();
    let mut latencies: HashMap<(i64, i64), (i64, i64)> = HashMap::new();

    let mut items: Vec<CompareItem> = Vec::new();
    for row in rows {
        let values = scores.remove(&row.id).unwrap_or_default();
        let sum = sums.entry((row.dataset_run_id, row.dataset_item_id)).or_default();
        for (name, value) in values {
            let entry = sum.entry(name).or_insert((0.0, 0));
            *entry = (entry.0 + value, entry.1 + 1);
        }
        if let Some(ms) = row.latency_ms {
            let latency = latencies.entry((row.dataset_run_id, row.dataset_item_id)).or_default();
            *latency = (latency.0 + ms, latency.1 + 1);
        }
        let failed = u32::from(row.status == RunItemStatus::Failed.code());
        if row.repetition != 0 {
            // Rows come item by item, repetition 0 first: the result is the last item's.
            if let Some(result) = items.last_mut().and_then(|i| i.results[column[&row.dataset_run_id]].as_mut()) {
                result.repetitions += 1;
                result.failed_repetitions += failed;
                result.cost += row.cost;
                result.tokens += row.tokens;
            }
            continue;
        }
        if items.last().is_none_or(|i| i.dataset_item_id != row.dataset_item_id) {
            items.push(CompareItem {
                dataset_item_id: row.dataset_item_id,
                input: Value::Null,
                expected_output: None,
                results: vec![None; run_ids.len()],
            });
        }
        let item = items.last_mut().expect("pushed above");
        // The newest run's snapshot of the item is the one shown.
        item.input = json(row.input).unwrap_or(Value::Null);
        item.expected_output = json(row.expected_output);
        item.results[column[&row.dataset_run_id]] = Some(CompareResult {
            run_item_id: row.id,
            status: RunItemStatus::try_from(row.status).map_err(AppError::Conflict)?,
            output: json(row.output),
            error: row.error,
            latency_ms: row.latency_ms,
            cost: row.cost,
            tokens: row.tokens,
            trace_id: row.trace_id,
            scores: BTreeMap::new(),
            repetitions: 1,
            failed_repetitions: failed,
            output_group: None,
        });
    }
    for item in &mut items {
        for (col, result) in item.results.iter_mut().enumerate() {
            let Some(result) = result else { continue };
            let key = (run_ids[col], item.dataset_item_id);
            if let Some(sum) = sums.remove(&key) {
                result.scores = sum.into_iter().map(|(name, (total, n))| (name, total / f64::from(n))).collect();
            }
            if let Some((total, n)) = latencies.remove(&key) {
                result.latency_ms = Some((total as f64 / n as f64).round() as i64);
            }
        }
    }
    let boolean_scores = names.iter().filter(|n| !not_boolean.contains(*n)).cloned().collect();
    Ok(ComparePayload {
        dataset_id,
        dataset_name: dataset.name,
        runs,
        score_names: names.into_iter().collect(),
        boolean_scores,
        items,
    })
}

#[derive(sqlx::FromRow)]
struct TextRow {
    id: i64,
    dataset_run_id: i64,
    repetition: i64,
    status: i64,
    input: Option<String>,
    expected_output: Option<String>,
    output: Option<String>,
    error: Option<String>,
    latency_ms: Option<i64>,
    cost: f64,
    tokens: i64,
    trace_id: Option<i64>,
}

/// One item's whole texts in the compared runs (the first repetition's, as in
/// [`load`]), with every attempt where a run repeated the item.
pub async fn texts(db: &Db, dataset_id: i64, run_ids: &[i64], item_id: i64) -> Result<CompareTexts, AppError> {
    super::datasets::find(db, dataset_id).await?;
    compared_runs(db, dataset_id, run_ids).await?;
    let mut q = query(
        "SELECT id, dataset_run_id, repetition, status, \
         CASE WHEN repetition = 0 THEN CAST(input AS TEXT) END AS input, \
         CASE WHEN repetition = 0 THEN CAST(expected_output AS TEXT) END AS expected_output, \
         CAST(output AS TEXT) AS output, error, latency_ms, CAST(COALESCE(cost, 0) AS REAL) AS cost, \
         COALESCE(tokens, 0) AS tokens, trace_id FROM observ_dataset_run_items WHERE dataset_item_id = ",
    );
    q.push_bind(item_id);
    q.push(" AND dataset_run_id");
    in_list(&mut q, run_ids);
    q.push(" ORDER BY dataset_run_id, repetition");
    let rows: Vec<TextRow> = q.build_query_as().fetch_all(&db.read).await?;
    // The newest run's snapshot of the item is the one shown (rows come oldest run first).
    let Some(newest) = rows.iter().rev().find(|r| r.repetition == 0) else {
        return Err(AppError::NotFound(format!("item {item_id} is in none of the compared runs")));
    };
    let mut texts = CompareTexts {
        dataset_item_id: item_id,
        input: json(newest.input.clone()).unwrap_or(Value::Null),
        expected_output: json(newest.expected_output.clone()),
        outputs: vec![None; run_ids.len()],
        attempts: vec![Vec::new(); run_ids.len()],
    };
    let mut scores = attempt_scores(db, &rows).await?;
    for row in rows {
        let Some(col) = run_ids.iter().position(|id| *id == row.dataset_run_id) else { continue };
        let output = outcome_text(row.error.as_deref(), json(row.output).as_ref());
        if row.repetition == 0 {
            texts.outputs[col] = Some(output.clone());
        }
        texts.attempts[col].push(CompareAttempt {
            repetition: u32::try_from(row.repetition).unwrap_or_default(),
            status: RunItemStatus::try_from(row.status).map_err(AppError::Conflict)?,
            output,
            scores: scores.remove(&row.id).unwrap_or_default(),
            latency_ms: row.latency_ms,
            cost: row.cost,
            tokens: row.tokens,
            trace_id: row.trace_id,
        });
    }
    // A run of one attempt says all it has in `outputs`.
    for attempts in &mut texts.attempts {
        if attempts.len() < 2 {
            attempts.clear();
        }
    }
    Ok(texts)
}

/// The scores of the given attempts, by run item.
async fn attempt_scores(db: &Db, rows: &[TextRow]) -> Result<HashMap<i64, BTreeMap<String, f64>>, AppError> {
    let mut scores: HashMap<i64, BTreeMap<String, f64>> = HashMap::new();
    if rows.is_empty() {
        return Ok(scores);
    }
    let mut q = query("SELECT observ_dataset_run_item_id, name, value FROM observ_scores WHERE value IS NOT NULL AND observ_dataset_run_item_id");
    in_list(&mut q, &rows.iter().map(|r| r.id).collect::<Vec<_>>());
    for (run_item, name, value) in q.build_query_as::<(i64, String, f64)>().fetch_all(&db.read).await? {
        scores.entry(run_item).or_default().insert(name, value);
    }
    Ok(scores)
}

/// Reads `runs=1,2,3`.
pub fn parse_run_ids(text: &str) -> Result<Vec<i64>, AppError> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<i64>().map_err(|_| AppError::field("runs", format!("`{s}` is not a run id"))))
        .collect()
}
