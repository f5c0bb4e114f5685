//! Running a dataset's evaluators over one output. Programmatic checks are
//! pure functions (`checks`); `llm_judge` calls a model (`judge`). Each
//! evaluator gives a score, nothing (it does not apply), or an error.
//!
//! Checks can be CPU-heavy on long texts (edit distance, regular expressions,
//! JSON shapes), so they run on tokio's blocking threads behind a small pool,
//! never on the async workers that answer requests.

mod checks;
mod distance;
mod judge;
mod rerun;

pub use rerun::{evaluate_run, EvaluationReport};

use crate::model::evaluator::{Evaluator, EvaluatorKind};
use crate::model::score::{ScoreDataType, ScoreDraft, ScoreSource};
use crate::model::FieldErrors;
use crate::server::agents::AgentRegistry;
use serde_json::Value;
use std::sync::{Arc, OnceLock};
use tokio::sync::Semaphore;

pub use distance::MAX_EDIT_CHARS;

/// What one evaluator concluded about one output.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Scored {
        value: f64,
        data_type: ScoreDataType,
        passed: bool,
        comment: Option<String>,
    },
    /// No expected output (or nothing else to compare with): no score.
    NotApplicable,
    Failed(String),
}

impl Outcome {
    fn boolean(passed: bool, comment: Option<String>) -> Self {
        Outcome::Scored { value: if passed { 1.0 } else { 0.0 }, data_type: ScoreDataType::Boolean, passed, comment }
    }
}

/// What an evaluator sees of a run item.
pub struct Subject<'a> {
    pub input: &'a Value,
    pub expected: Option<&'a Value>,
    pub output: &'a Value,
}

/// Runs one evaluator.
pub async fn evaluate(evaluator: &Evaluator, subject: &Subject<'_>, agents: &AgentRegistry) -> Outcome {
    match &evaluator.kind {
        EvaluatorKind::LlmJudge { agent, rubric, threshold } => {
            judge::judge(agents, agent, rubric, *threshold, subject).await
        }
        kind => check_off_workers(kind, subject).await,
    }
}

/// Checks at once: one per core but one, leaving a core for requests.
fn check_pool() -> Arc<Semaphore> {
    static POOL: OnceLock<Arc<Semaphore>> = OnceLock::new();
    POOL.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Arc::new(Semaphore::new(cores.saturating_sub(1).max(1)))
    })
    .clone()
}

/// Runs a programmatic check on a blocking thread; a long item waits for a
/// slot and costs its own latency only.
async fn check_off_workers(kind: &EvaluatorKind, subject: &Subject<'_>) -> Outcome {
    let Ok(permit) = check_pool().acquire_owned().await else {
        return Outcome::Failed("the evaluation pool is closed".into());
    };
    let kind = kind.clone();
    let (input, expected, output) = (subject.input.clone(), subject.expected.cloned(), subject.output.clone());
    let task = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        checks::check(&kind, &Subject { input: &input, expected: expected.as_ref(), output: &output })
    });
    task.await.unwrap_or_else(|e| Outcome::Failed(format!("the check stopped: {e}")))
}

/// Runs every evaluator; returns the scores to store (none for those that do not apply).
pub async fn score_all(evaluators: &[Evaluator], subject: &Subject<'_>, agents: &AgentRegistry) -> Vec<ScoreDraft> {
    let mut scores = Vec::new();
    for evaluator in evaluators {
        let source = match evaluator.kind {
            EvaluatorKind::LlmJudge { .. } => ScoreSource::LlmJudge,
            _ => ScoreSource::Programmatic,
        };
        let base = ScoreDraft {
            name: evaluator.name.clone(),
            value: None,
            string_value: None,
            data_type: ScoreDataType::Numeric,
            source,
            passed: None,
            comment: None,
            error: None,
            created_by: Some(format!("evaluator:{}", evaluator.kind.type_name())),
        };
        match evaluate(evaluator, subject, agents).await {
            Outcome::Scored { value, data_type, passed, comment } => {
                scores.push(ScoreDraft { value: Some(value), data_type, passed: Some(passed), comment, ..base })
            }
            Outcome::Failed(error) => scores.push(ScoreDraft { error: Some(error), ..base }),
            Outcome::NotApplicable => {}
        }
    }
    scores
}

/// The checks only the server can make: a regex compiles, a judge names an
/// `openai` agent. Errors are named `evaluators[i].setting`.
pub fn check_on_server(evaluators: &[Evaluator], agents: &AgentRegistry) -> FieldErrors {
    check_each(evaluators.iter().enumerate(), agents)
}

/// The server's checks over a JSON list, for each evaluator that reads, so one
/// request reports every problem at once.
pub fn check_json_on_server(list: &Value, agents: &AgentRegistry) -> FieldErrors {
    let parsed: Vec<(usize, Evaluator)> = list
        .as_array()
        .map(|l| l.iter().enumerate().filter_map(|(i, v)| Evaluator::from_json(v).ok().map(|e| (i, e))).collect())
        .unwrap_or_default();
    check_each(parsed.iter().map(|(i, e)| (*i, e)), agents)
}

fn check_each<'a>(evaluators: impl Iterator<Item = (usize, &'a Evaluator)>, agents: &AgentRegistry) -> FieldErrors {
    let mut errors = FieldErrors::new();
    for (i, evaluator) in evaluators {
        match &evaluator.kind {
            EvaluatorKind::Regex { pattern, case_insensitive } if !pattern.is_empty() => {
                if let Err(e) = checks::compile(pattern, *case_insensitive) {
                    errors.add(format!("evaluators[{i}].pattern"), format!("is not a valid regular expression: {e}"));
                }
            }
            EvaluatorKind::LlmJudge { agent, .. }
                if !agent.trim().is_empty() && agents.get(agent).and_then(|a| a.chat_model().cloned()).is_none() =>
            {
                let judges: Vec<String> =
                    agents.list().into_iter().filter(|a| a.kind == "openai").map(|a| a.name).collect();
                let offer =
                    if judges.is_empty() { "none is configured in observ.toml".to_string() } else { judges.join(", ") };
                errors.add(
                    format!("evaluators[{i}].agent"),
                    format!("must name an openai agent ({offer}), got `{agent}`"),
                );
            }
            _ => {}
        }
    }
    errors
}

/// A value as text: a string as it is, anything else as compact JSON.
pub fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// At most `max` characters of a text, for comments.
fn clip(text: &str, max: usize) -> String {
    let clipped: String = text.chars().take(max).collect();
    if clipped.len() < text.len() {
        format!("{clipped}…")
    } else {
        clipped
    }
}
