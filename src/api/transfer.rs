//! Import, duplicate and add-to-dataset (from traces and observations), for the
//! pages. They run the same code as the REST endpoints (`server::import`,
//! `server::db::transfer`).

use crate::model::import::{ColumnMapping, FileFormat};
use crate::model::json_path::ItemPaths;
use crate::model::FieldErrors;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// Imports a file's text into a dataset, all or nothing; returns the item count.
/// A bad row fails with a message naming its line.
#[server(input = Json, output = crate::api::JsonOut)]
pub async fn import_file(
    dataset_id: i64,
    format: FileFormat,
    mapping: ColumnMapping,
    text: String,
) -> Result<u64, ServerFnError> {
    let state = crate::server::state_for_writer()?;
    let body = futures_util::stream::iter([Ok::<_, std::convert::Infallible>(axum::body::Bytes::from(text))]);
    Ok(crate::server::import::import_items(&state.db, dataset_id, format, &mapping, body).await?)
}

/// Copies a dataset with its items; returns the copy's id.
#[server(output = crate::api::JsonOut)]
pub async fn duplicate_dataset(id: i64) -> Result<i64, ServerFnError> {
    let state = crate::server::state_for_writer()?;
    Ok(crate::server::db::transfer::duplicate(&state.db, id, None).await?)
}

/// Every dataset's id and name, for pickers.
#[server(output = crate::api::JsonOut)]
pub async fn dataset_choices() -> Result<Vec<(i64, String)>, ServerFnError> {
    let state = crate::server::state()?;
    Ok(crate::server::db::transfer::dataset_choices(&state.db).await?)
}

/// Makes an item from a trace: its input (or the part at `paths.input_path`),
/// and `expected_output`, the editor's text (blank: none). Path problems come
/// back as field errors (`input_path`).
#[server(input = Json, output = crate::api::JsonOut)]
pub async fn add_trace_to_dataset(
    trace_id: i64,
    dataset_id: i64,
    expected_output: String,
    paths: ItemPaths,
) -> Result<Result<i64, FieldErrors>, ServerFnError> {
    use crate::model::json_text::{parse_json_text, JsonField};
    use crate::server::db::transfer::{items_from_traces, TracePick};
    use crate::server::error::{form_result, AppError};
    let state = crate::server::state_for_writer()?;
    let result = async {
        let expected = parse_json_text("expected_output", &expected_output, JsonField::Optional)
            .map_err(|m| AppError::field("expected_output", m))?;
        let picks = [TracePick { trace_id, expected_output: Some(expected) }];
        let paths = ItemPaths { expected_path: None, ..paths };
        Ok(items_from_traces(&state.db, dataset_id, &picks, &paths).await?[0])
    }
    .await;
    form_result(result)
}

/// One item per trace (expected = the trace's output, or its part at
/// `paths.expected_path`), in one transaction; returns the count.
#[server(input = Json, output = crate::api::JsonOut)]
pub async fn add_traces_to_dataset(
    dataset_id: i64,
    trace_ids: Vec<i64>,
    paths: ItemPaths,
) -> Result<Result<usize, FieldErrors>, ServerFnError> {
    use crate::server::db::transfer::{items_from_traces, TracePick};
    use crate::server::error::form_result;
    let state = crate::server::state_for_writer()?;
    let picks: Vec<TracePick> =
        trace_ids.into_iter().map(|trace_id| TracePick { trace_id, expected_output: None }).collect();
    form_result(items_from_traces(&state.db, dataset_id, &picks, &paths).await.map(|ids| ids.len()))
}

/// Makes an item from one observation (see `db::transfer::item_from_observation`);
/// path problems come back as field errors (`input_path`, `expected_path`).
#[server(input = Json, output = crate::api::JsonOut)]
pub async fn add_observation_to_dataset(
    observation_id: i64,
    dataset_id: i64,
    paths: ItemPaths,
    use_output_as_expected: bool,
) -> Result<Result<i64, FieldErrors>, ServerFnError> {
    use crate::server::db::transfer::item_from_observation;
    use crate::server::error::form_result;
    let state = crate::server::state_for_writer()?;
    let result = item_from_observation(&state.db, dataset_id, observation_id, &paths, use_output_as_expected).await;
    form_result(result)
}
