//! The Items tab of a dataset: filter by status, search in the JSON, keyset pages,
//! and per-row edit, archive/restore and delete (for those who may write).

use crate::api::items::{delete_item, list_items, set_item_status};
use crate::model::item::{DatasetItem, ItemStatus};
use crate::model::json_text::preview;
use crate::model::page::PageAt;
use crate::ui::components::{
    can_write, Age, ConfirmButton, EmptyState, ErrorNote, GetForm, Loading, Pager, StatusBadge, WriteOnly,
};
use crate::ui::{href, query_param};
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn ItemsTab(dataset_id: i64, on_change: Callback<()>) -> impl IntoView {
    let status = query_param("status");
    let search = query_param("search");
    let (after, before, last) = (query_param("after"), query_param("before"), query_param("last"));
    let at = move || PageAt::from_query(Some(after()), Some(before()), Some(last()).filter(|l| !l.is_empty()));
    let items = Resource::new(
        move || (status(), search(), at()),
        move |(status, search, at)| list_items(dataset_id, ItemStatus::parse(&status), search, at),
    );
    let failure = RwSignal::new(None::<String>);
    let writer = can_write();
    // After a change, reload the rows and the dataset's counters.
    let changed = Callback::new(move |result: Result<(), ServerFnError>| match result {
        Ok(()) => {
            failure.set(None);
            items.refetch();
            on_change.run(());
        }
        Err(e) => failure.set(Some(e.to_string())),
    });
    let path = format!("/datasets/{dataset_id}");
    let status_link = {
        let path = path.clone();
        move |value: &'static str| {
            href(&path, &[("tab", "items".into()), ("status", value.into()), ("search", search())])
        }
    };
    let filter_link = move |value: &'static str, label: &'static str| {
        let link = status_link.clone();
        view! { <a href=move || link(value) class="chip" class:active=move || status() == value>{label}</a> }
    };
    view! {
        <div class="filters">
            <div class="chips" role="group" aria-label="status filter">
                {filter_link("", "All")}
                {filter_link("active", "Active")}
                {filter_link("archived", "Archived")}
            </div>
            <GetForm action=path.clone() class="search-form">
                <input type="hidden" name="tab" value="items"/>
                <input type="hidden" name="status" prop:value=status/>
                <input type="search" name="search" placeholder="Search input and expected output" prop:value=search aria-label="Search items"/>
                <button type="submit" class="btn">"Search"</button>
            </GetForm>
            <div class="actions export-links">
                <a href=format!("/api/v1/datasets/{dataset_id}/items/export?format=csv") class="btn btn-small" rel="external">"Export CSV"</a>
                <a href=format!("/api/v1/datasets/{dataset_id}/items/export?format=jsonl") class="btn btn-small" rel="external">"Export JSONL"</a>
            </div>
        </div>
        {move || failure.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        <Transition fallback=Loading>
            {move || {
                let path = path.clone();
                Suspend::new(async move {
                    match items.await {
                        Err(error) => view! { <ErrorNote error/> }.into_any(),
                        Ok(page) if page.rows.is_empty() => empty_items(dataset_id, !search().is_empty() || !status().is_empty()),
                        Ok(page) => {
                            let pager = view! {
                                <Pager
                                    path=path
                                    params=vec![("tab", "items".to_string()), ("status", status()), ("search", search())]
                                    total=page.total
                                    shown=page.rows.len()
                                    has_newer=page.has_newer
                                    has_older=page.has_older
                                    newest_id=page.rows.first().map(|i| i.id)
                                    oldest_id=page.rows.last().map(|i| i.id)
                                />
                            };
                            view! {
                                <table class="table" id="items-table">
                                    <thead><tr>
                                        <th>"Input"</th><th>"Expected output"</th><th>"Status"</th><th>"Created"</th>
                                        {writer.then(|| view! { <th></th> })}
                                    </tr></thead>
                                    <tbody>{page.rows.into_iter().map(|item| view! { <ItemRow item changed/> }).collect_view()}</tbody>
                                </table>
                                {pager}
                            }.into_any()
                        }
                    }
                })
            }}
        </Transition>
    }
}

fn empty_items(dataset_id: i64, filtered: bool) -> AnyView {
    if filtered {
        view! {
            <EmptyState title="No item matches">
                <p>"Try another status or search. " <a href=format!("/datasets/{dataset_id}?tab=items")>"Clear filters"</a></p>
            </EmptyState>
        }
        .into_any()
    } else {
        view! {
            <EmptyState title="This dataset has no items yet">
                <p>"Each item is one test case: the input your agent receives and, optionally, the output you expect."</p>
                <WriteOnly>
                    <a href=format!("/datasets/{dataset_id}/items/new") class="btn btn-primary">"Add the first item"</a>
                    " "
                    <a href=format!("/datasets/{dataset_id}/import") class="btn">"Import a CSV or JSONL file"</a>
                    <p class="muted small">"Or send many at once: POST /api/v1/datasets/" {dataset_id} "/items with {\"items\": [...]}."</p>
                </WriteOnly>
            </EmptyState>
        }
        .into_any()
    }
}

#[component]
fn ItemRow(item: DatasetItem, changed: Callback<Result<(), ServerFnError>>) -> impl IntoView {
    let (dataset_id, item_id) = (item.dataset_id, item.id);
    let toggle_to = match item.status {
        ItemStatus::Active => ItemStatus::Archived,
        ItemStatus::Archived => ItemStatus::Active,
    };
    let toggle_label = if toggle_to == ItemStatus::Archived { "Archive" } else { "Restore" };
    let toggle =
        move |_| spawn_local(async move { changed.run(set_item_status(dataset_id, item_id, toggle_to).await) });
    let delete =
        Callback::new(move |_: ()| spawn_local(async move { changed.run(delete_item(dataset_id, item_id).await) }));
    let expected = item.expected_output.as_ref().map(|v| preview(v, 120));
    view! {
        <tr data-item-id=item_id>
            <td class="mono cell-preview">{preview(&item.input, 120)}</td>
            <td class="mono cell-preview">{expected.unwrap_or_else(|| "—".to_string())}</td>
            <td><StatusBadge status=item.status.as_str()/></td>
            <td><Age ts=item.created_at.clone()/></td>
            {can_write().then(|| view! {
                <td class="row-actions">
                    <a href=format!("/datasets/{dataset_id}/items/{item_id}/edit") class="btn btn-small">"Edit"</a>
                    <button type="button" class="btn btn-small" on:click=toggle>{toggle_label}</button>
                    <ConfirmButton label="Delete" question="Delete this item?" on_confirm=delete/>
                </td>
            })}
        </tr>
    }
}
