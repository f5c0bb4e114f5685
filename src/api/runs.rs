//! Dataset runs, for the run pages.

use crate::model::page::{KeysetPage, PageAt};
use crate::model::run::{DatasetRun, RunDraft};
use crate::model::run_item::{RunItem, RunItemStatus};
use crate::model::score::Score;
use crate::model::FieldErrors;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

#[server(output = crate::api::JsonOut)]
pub async fn suggest_run_name(dataset_id: i64) -> Result<String, ServerFnError> {
    let state = crate::server::state()?;
    Ok(crate::server::db::runs::suggest_name(&state.db, dataset_id).await?)
}

/// Starts a run; returns its id or the form's field errors.
#[server(input = Json, output = crate::api::JsonOut)]
pub async fn start_run(dataset_id: i64, draft: RunDraft) -> Result<Result<i64, FieldErrors>, ServerFnError> {
    use crate::server::error::{form_result, AppError};
    let state = crate::server::state_for_writer()?;
    let draft = RunDraft { name: draft.name.trim().to_string(), ..draft };
    let result: Result<i64, AppError> = async {
        draft.validate().into_result()?;
        Ok(state.runner.start(dataset_id, &draft).await?.id)
    }
    .await;
    form_result(result)
}

#[server(output = crate::api::JsonOut)]
pub async fn get_run(id: i64) -> Result<DatasetRun, ServerFnError> {
    let state = crate::server::state()?;
    Ok(crate::server::db::runs::find(&state.db, id).await?)
}

/// pass@k, pass^k, spread and flaky items of a run with repetitions.
#[server(output = crate::api::JsonOut)]
pub async fn run_repetitions(id: i64) -> Result<crate::model::repetitions::RepetitionReport, ServerFnError> {
    let state = crate::server::state()?;
    Ok(crate::server::db::repetitions::of_run(&state.db, id).await?)
}

/// How well each LLM judge agrees with the run's manual labels.
#[server(output = crate::api::JsonOut)]
pub async fn run_calibration(id: i64) -> Result<crate::model::calibration::Calibration, ServerFnError> {
    let state = crate::server::state()?;
    Ok(crate::server::db::calibration::of_run(&state.db, id).await?)
}

#[server(input = Json, output = crate::api::JsonOut)]
pub async fn list_run_items(
    run_id: i64,
    status: Option<RunItemStatus>,
    at: PageAt,
) -> Result<KeysetPage<RunItem>, ServerFnError> {
    let state = crate::server::state()?;
    Ok(crate::server::db::run_items::page(&state.db, run_id, status, at, super::PAGE_SIZE).await?)
}

#[server(output = crate::api::JsonOut)]
pub async fn cancel_run(id: i64) -> Result<DatasetRun, ServerFnError> {
    Ok(crate::server::state_for_writer()?.runner.cancel(id).await?)
}

#[server(output = crate::api::JsonOut)]
pub async fn retry_run(id: i64) -> Result<DatasetRun, ServerFnError> {
    Ok(crate::server::state_for_writer()?.runner.retry(id).await?)
}

/// Scores the finished run again with the dataset's evaluators; returns the run.
#[server(output = crate::api::JsonOut)]
pub async fn evaluate_run(id: i64) -> Result<DatasetRun, ServerFnError> {
    let state = crate::server::state_for_writer()?;
    crate::server::evaluators::evaluate_run(&state.db, &state.agents, id).await?;
    Ok(crate::server::db::runs::find(&state.db, id).await?)
}

/// A reviewer's verdict on a run item: the manual boolean score `correct`.
#[server(output = crate::api::JsonOut)]
pub async fn review_run_item(run_item_id: i64, correct: bool, comment: String) -> Result<Score, ServerFnError> {
    use crate::model::score::{ScoreDataType, ScoreDraft, ScoreSource};
    use crate::server::db::{self, scores::ScoreTarget};
    use crate::server::error::AppError;
    let state = crate::server::state_for_writer()?;
    let run_id = db::run_items::run_of(&state.db, run_item_id)
        .await?
        .ok_or_else(|| AppError::not_found("run item", run_item_id))?;
    let draft = ScoreDraft {
        name: db::run_items::REVIEW_SCORE.into(),
        value: Some(if correct { 1.0 } else { 0.0 }),
        string_value: None,
        data_type: ScoreDataType::Boolean,
        source: ScoreSource::Manual,
        passed: Some(correct),
        comment: Some(comment.trim().to_string()).filter(|c| !c.is_empty()),
        error: None,
        created_by: Some("reviewer".into()),
    };
    Ok(db::scores::save(&state.db, ScoreTarget::RunItem { run_id, run_item_id }, &draft).await?)
}

/// The next unreviewed item after `after_id`, and how many are left.
#[server(output = crate::api::JsonOut)]
pub async fn next_to_review(run_id: i64, after_id: i64) -> Result<(Option<RunItem>, i64), ServerFnError> {
    let state = crate::server::state()?;
    Ok(crate::server::db::run_items::next_unreviewed(&state.db, run_id, after_id).await?)
}

/// Everything the comparison page needs, in one answer: the REST payload with
/// text previews instead of whole inputs and outputs (`model::compare_preview`).
#[server(output = crate::api::JsonOut)]
pub async fn compare_runs(
    dataset_id: i64,
    runs: String,
) -> Result<crate::model::compare_preview::ComparePreview, ServerFnError> {
    use crate::server::db::compare;
    let state = crate::server::state()?;
    let ids = compare::parse_run_ids(&runs)?;
    let payload = compare::load(&state.db, dataset_id, &ids).await?;
    // The statistics against the first run, computed here (natively) so the
    // page need not compute them again as it hydrates.
    let comparisons = crate::model::paired::compare_runs(&payload, 0);
    Ok(crate::model::compare_preview::ComparePreview::new(payload, ids[0], comparisons))
}

/// One compared item's whole input, expected output and outputs, for its opened row.
#[server(output = crate::api::JsonOut)]
pub async fn compare_texts(
    dataset_id: i64,
    runs: String,
    item_id: i64,
) -> Result<crate::model::compare_preview::CompareTexts, ServerFnError> {
    use crate::server::db::compare;
    let state = crate::server::state()?;
    let ids = compare::parse_run_ids(&runs)?;
    Ok(compare::texts(&state.db, dataset_id, &ids, item_id).await?)
}
