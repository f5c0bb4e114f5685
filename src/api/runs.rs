//! Dataset runs, for the run pages.

use crate::model::page::{KeysetPage, PageAt};
use crate::model::run::{DatasetRun, RunDraft};
use crate::model::run_item::{RunItem, RunItemStatus};
use crate::model::FieldErrors;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

#[server]
pub async fn suggest_run_name(dataset_id: i64) -> Result<String, ServerFnError> {
    let state = crate::server::state()?;
    Ok(crate::server::db::runs::suggest_name(&state.db.read, dataset_id).await?)
}

/// Starts a run; returns its id or the form's field errors.
#[server(input = Json)]
pub async fn start_run(dataset_id: i64, draft: RunDraft) -> Result<Result<i64, FieldErrors>, ServerFnError> {
    use crate::server::error::{form_result, AppError};
    let state = crate::server::state()?;
    let draft = RunDraft { name: draft.name.trim().to_string(), ..draft };
    let result: Result<i64, AppError> = async {
        draft.validate().into_result()?;
        Ok(state.runner.start(dataset_id, &draft).await?.id)
    }
    .await;
    form_result(result)
}

#[server]
pub async fn get_run(id: i64) -> Result<DatasetRun, ServerFnError> {
    let state = crate::server::state()?;
    Ok(crate::server::db::runs::find(&state.db.read, id).await?)
}

#[server(input = Json)]
pub async fn list_run_items(
    run_id: i64,
    status: Option<RunItemStatus>,
    at: PageAt,
) -> Result<KeysetPage<RunItem>, ServerFnError> {
    let state = crate::server::state()?;
    Ok(crate::server::db::run_items::page(&state.db.read, run_id, status, at, super::PAGE_SIZE).await?)
}

#[server]
pub async fn cancel_run(id: i64) -> Result<DatasetRun, ServerFnError> {
    Ok(crate::server::state()?.runner.cancel(id).await?)
}

#[server]
pub async fn retry_run(id: i64) -> Result<DatasetRun, ServerFnError> {
    Ok(crate::server::state()?.runner.retry(id).await?)
}
