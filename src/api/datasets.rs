//! Datasets and agents, for the pages.

use crate::model::agent::AgentInfo;
use crate::model::dashboard::{Dashboard, Range};
use crate::model::dataset::{Dataset, DatasetForm};
use crate::model::page::{KeysetPage, PageAt};
use crate::model::run::DatasetRuns;
use crate::model::FieldErrors;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

#[server(output = crate::api::JsonOut)]
pub async fn list_agents() -> Result<Vec<AgentInfo>, ServerFnError> {
    Ok(crate::server::state()?.agents.list())
}

#[server(input = Json, output = crate::api::JsonOut)]
pub async fn list_datasets(search: String, at: PageAt) -> Result<KeysetPage<Dataset>, ServerFnError> {
    let state = crate::server::state()?;
    Ok(crate::server::db::datasets::page(&state.db, Some(search), at, super::PAGE_SIZE).await?)
}

#[server(output = crate::api::JsonOut)]
pub async fn get_dataset(id: i64) -> Result<Dataset, ServerFnError> {
    let state = crate::server::state()?;
    Ok(crate::server::db::datasets::find(&state.db, id).await?)
}

/// Creates (`id` none) or updates a dataset; returns its id or the form's field errors.
#[server(input = Json, output = crate::api::JsonOut)]
pub async fn save_dataset(id: Option<i64>, form: DatasetForm) -> Result<Result<i64, FieldErrors>, ServerFnError> {
    use crate::server::{db, error::form_result, error::AppError};
    let state = crate::server::state_for_writer()?;
    let result: Result<i64, AppError> = async {
        let draft = form.parse()?;
        draft.validate(&state.agents.names()).into_result()?;
        crate::server::evaluators::check_on_server(&draft.evaluators, &state.agents).into_result()?;
        match id {
            Some(id) => db::datasets::update(&state.db, id, &draft).await.map(|_| id),
            None => db::datasets::create(&state.db, &draft).await,
        }
    }
    .await;
    form_result(result)
}

#[server(output = crate::api::JsonOut)]
pub async fn delete_dataset(id: i64) -> Result<(), ServerFnError> {
    let state = crate::server::state_for_writer()?;
    Ok(crate::server::db::datasets::delete(&state.db, id).await?)
}

/// The Runs tab's data in one request: the dataset's latest runs and its
/// baseline run, if one is marked.
#[server(output = crate::api::JsonOut)]
pub async fn list_dataset_runs(id: i64) -> Result<DatasetRuns, ServerFnError> {
    let state = crate::server::state()?;
    let baseline_run_id = crate::server::db::datasets::find(&state.db, id).await?.baseline_run_id;
    let runs = crate::server::db::runs::for_dataset(&state.db, id, 200).await?;
    Ok(DatasetRuns { runs, baseline_run_id })
}

/// Marks a run as its dataset's baseline (`None` clears it).
#[server(output = crate::api::JsonOut)]
pub async fn set_dataset_baseline(id: i64, run_id: Option<i64>) -> Result<(), ServerFnError> {
    let state = crate::server::state_for_writer()?;
    Ok(crate::server::db::datasets::set_baseline(&state.db, id, run_id).await?)
}

/// The dashboard's figures for `range` ending now.
#[server(output = crate::api::JsonOut)]
pub async fn get_dashboard(range: Range) -> Result<Dashboard, ServerFnError> {
    let state = crate::server::state()?;
    Ok(crate::server::db::stats::dashboard(&state.db, range, crate::model::stats::now_ms()).await?)
}

/// Creates the language-detection demo dataset and starts its first run;
/// returns (dataset id, run id).
#[server(output = crate::api::JsonOut)]
pub async fn create_demo() -> Result<(i64, i64), ServerFnError> {
    let state = crate::server::state_for_writer()?;
    Ok(crate::server::demo::create(&state).await?)
}
