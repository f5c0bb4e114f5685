//! Import, duplicate and add-to-dataset, for the pages. They run the same code
//! as the REST endpoints (`server::import`, `server::db::transfer`).

use crate::model::import::{ColumnMapping, FileFormat};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// Imports a file's text into a dataset, all or nothing; returns the item count.
/// A bad row fails with a message naming its line.
#[server(input = Json)]
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
#[server]
pub async fn duplicate_dataset(id: i64) -> Result<i64, ServerFnError> {
    let state = crate::server::state_for_writer()?;
    Ok(crate::server::db::transfer::duplicate(&state.db, id, None).await?)
}

/// Every dataset's id and name, for pickers.
#[server]
pub async fn dataset_choices() -> Result<Vec<(i64, String)>, ServerFnError> {
    let state = crate::server::state()?;
    Ok(crate::server::db::transfer::dataset_choices(&state.db).await?)
}

/// Makes an item from a trace. `expected_output` is the editor's text (blank: none).
#[server(input = Json)]
pub async fn add_trace_to_dataset(
    trace_id: i64,
    dataset_id: i64,
    expected_output: String,
) -> Result<i64, ServerFnError> {
    use crate::model::json_text::{parse_json_text, JsonField};
    use crate::server::db::transfer::{items_from_traces, TracePick};
    let state = crate::server::state_for_writer()?;
    let expected =
        parse_json_text("expected_output", &expected_output, JsonField::Optional).map_err(ServerFnError::new)?;
    let picks = [TracePick { trace_id, expected_output: Some(expected) }];
    Ok(items_from_traces(&state.db, dataset_id, &picks).await?[0])
}

/// One item per trace (expected = the trace's output), in one transaction; returns the count.
#[server(input = Json)]
pub async fn add_traces_to_dataset(dataset_id: i64, trace_ids: Vec<i64>) -> Result<usize, ServerFnError> {
    use crate::server::db::transfer::{items_from_traces, TracePick};
    let state = crate::server::state_for_writer()?;
    let picks: Vec<TracePick> =
        trace_ids.into_iter().map(|trace_id| TracePick { trace_id, expected_output: None }).collect();
    Ok(items_from_traces(&state.db, dataset_id, &picks).await?.len())
}
