//! Dataset items, for the items tab and the item form.

use crate::model::item::{DatasetItem, ItemForm, ItemStatus};
use crate::model::page::{KeysetPage, PageAt};
use crate::model::FieldErrors;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

#[server(input = Json, output = crate::api::JsonOut)]
pub async fn list_items(
    dataset_id: i64,
    status: Option<ItemStatus>,
    search: String,
    at: PageAt,
) -> Result<KeysetPage<DatasetItem>, ServerFnError> {
    use crate::server::db::items::{page, ItemFilter};
    let state = crate::server::state()?;
    let filter = ItemFilter { status, search: Some(search) };
    Ok(page(&state.db, dataset_id, filter, at, super::PAGE_SIZE).await?)
}

#[server(output = crate::api::JsonOut)]
pub async fn get_item(dataset_id: i64, item_id: i64) -> Result<DatasetItem, ServerFnError> {
    let state = crate::server::state()?;
    Ok(crate::server::db::items::find(&state.db, dataset_id, item_id).await?)
}

/// Creates (`item_id` none) or updates an item from the form's editors.
#[server(input = Json, output = crate::api::JsonOut)]
pub async fn save_item(
    dataset_id: i64,
    item_id: Option<i64>,
    form: ItemForm,
) -> Result<Result<i64, FieldErrors>, ServerFnError> {
    use crate::server::{db, error::form_result, error::AppError};
    let state = crate::server::state_for_writer()?;
    let result: Result<i64, AppError> = async {
        let mut draft = form.parse()?;
        match item_id {
            Some(item_id) => {
                // The form does not show the source trace; keep it.
                draft.source_trace_id = db::items::find(&state.db, dataset_id, item_id).await?.source_trace_id;
                db::items::update(&state.db, dataset_id, item_id, &draft).await.map(|_| item_id)
            }
            None => db::items::create(&state.db, dataset_id, &draft).await,
        }
    }
    .await;
    form_result(result)
}

#[server(input = Json, output = crate::api::JsonOut)]
pub async fn set_item_status(dataset_id: i64, item_id: i64, status: ItemStatus) -> Result<(), ServerFnError> {
    let state = crate::server::state_for_writer()?;
    Ok(crate::server::db::items::set_status(&state.db, dataset_id, item_id, status).await?)
}

#[server(output = crate::api::JsonOut)]
pub async fn delete_item(dataset_id: i64, item_id: i64) -> Result<(), ServerFnError> {
    let state = crate::server::state_for_writer()?;
    Ok(crate::server::db::items::delete(&state.db, dataset_id, item_id).await?)
}

/// Every run's result for an item, newest first.
#[server(output = crate::api::JsonOut)]
pub async fn item_history(item_id: i64) -> Result<Vec<crate::model::run_item::ItemRun>, ServerFnError> {
    let state = crate::server::state()?;
    Ok(crate::server::db::run_items::history(&state.db, item_id).await?)
}
