//! Evaluating a finished run again (after the dataset's evaluators changed):
//! every succeeded item is scored afresh; the run's evaluator scores are
//! replaced in one transaction, manual scores are kept.

use super::{score_all, Subject};
use crate::model::score::ScoreDraft;
use crate::server::agents::AgentRegistry;
use crate::server::db::{self, Db};
use crate::server::error::AppError;
use serde::Serialize;
use std::sync::Arc;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

#[derive(Debug, Clone, Serialize)]
pub struct EvaluationReport {
    /// Items evaluated (the run's succeeded items).
    pub evaluated: i64,
    /// Scores written, errors included.
    pub scores: i64,
    /// Evaluations that failed and recorded their error.
    pub errors: i64,
}

const PAGE: i64 = 1000;

pub async fn evaluate_run(db: &Db, agents: &Arc<AgentRegistry>, run_id: i64) -> Result<EvaluationReport, AppError> {
    let run = db::runs::find(db, run_id).await?;
    if !run.status.is_finished() {
        return Err(AppError::Conflict(format!(
            "run: it is {}; evaluate it once it has finished",
            run.status.as_str()
        )));
    }
    let dataset = db::datasets::find(db, run.dataset_id).await?;
    if dataset.evaluators.is_empty() {
        return Err(AppError::field("evaluators", "the dataset has none: add evaluators on its edit page first"));
    }
    let evaluators = Arc::new(dataset.evaluators);
    // Judges call a model: as many at once as the run itself ran.
    let permits = Arc::new(Semaphore::new(run.concurrency.max(1) as usize));
    let mut results: Vec<(i64, Vec<ScoreDraft>)> = Vec::new();
    let mut after = 0;
    loop {
        let items = db::run_items::succeeded_page(db, run_id, after, PAGE).await?;
        let Some(last) = items.last() else { break };
        after = last.id;
        let mut tasks = JoinSet::new();
        for item in items {
            let (evaluators, agents, permits) = (evaluators.clone(), agents.clone(), permits.clone());
            tasks.spawn(async move {
                let _permit = permits.acquire_owned().await;
                let output = item.output.clone().unwrap_or_default();
                let subject = Subject { input: &item.input, expected: item.expected_output.as_ref(), output: &output };
                (item.id, score_all(&evaluators, &subject, &agents).await)
            });
        }
        while let Some(done) = tasks.join_next().await {
            results.push(done.map_err(|e| AppError::internal(format!("an evaluation task failed: {e}")))?);
        }
    }
    let mut report = EvaluationReport { evaluated: results.len() as i64, scores: 0, errors: 0 };
    for score in results.iter().flat_map(|(_, scores)| scores) {
        report.scores += 1;
        report.errors += i64::from(score.error.is_some());
    }
    db::scores::replace_evaluated(db, run_id, &results).await?;
    Ok(report)
}
