//! `/datasets/:id/items/new` and `/datasets/:id/items/:item_id/edit`: JSON editors
//! for input, expected output and metadata, checked before submit.

use crate::api::items::{get_item, save_item};
use crate::model::item::{DatasetItem, ItemForm, ItemStatus};
use crate::model::json_text::{editor_text, JsonField};
use crate::model::FieldErrors;
use crate::ui::components::{can_write, ErrorNote, ItemHistory, JsonEditor, Loading, ReadOnlyNotice};
use crate::ui::param_id;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::hooks::use_navigate;

#[component]
pub fn ItemFormPage() -> impl IntoView {
    let dataset_id = param_id("id");
    let item_id = param_id("item_id");
    if !can_write() {
        // The item's history is worth reading even when the form is not for you.
        let (dataset_id, item_id) = (dataset_id(), item_id());
        return view! {
            <Title text="Item"/>
            <p class="crumbs"><a href=format!("/datasets/{dataset_id}?tab=items")>"Back to the dataset"</a></p>
            <ReadOnlyNotice/>
            {(item_id > 0).then(|| view! { <ItemHistory dataset_id item_id/> })}
        }
        .into_any();
    }
    let item = Resource::new(
        move || (dataset_id(), item_id()),
        |(dataset_id, item_id)| async move {
            if item_id > 0 {
                get_item(dataset_id, item_id).await.map(Some)
            } else {
                Ok(None)
            }
        },
    );
    view! {
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match item.await {
                    Ok(item) => view! { <ItemFormView dataset_id=dataset_id() item/> }.into_any(),
                    Err(error) => view! { <ErrorNote error/> }.into_any(),
                }
            })}
        </Suspense>
    }
    .into_any()
}

#[component]
fn ItemFormView(dataset_id: i64, item: Option<DatasetItem>) -> impl IntoView {
    let item_id = item.as_ref().map(|i| i.id);
    let title = if item_id.is_some() { "Edit item" } else { "New item" };
    let input = RwSignal::new(item.as_ref().map(|i| editor_text(Some(&i.input))).unwrap_or_default());
    let expected = RwSignal::new(item.as_ref().map(|i| editor_text(i.expected_output.as_ref())).unwrap_or_default());
    let metadata = RwSignal::new(
        item.as_ref()
            .filter(|i| i.metadata.as_object().is_some_and(|m| !m.is_empty()))
            .map(|i| editor_text(Some(&i.metadata)))
            .unwrap_or_default(),
    );
    let status = RwSignal::new(item.as_ref().map(|i| i.status).unwrap_or_default());
    let errors = RwSignal::new(FieldErrors::new());
    let failure = RwSignal::new(None::<String>);
    let saving = RwSignal::new(false);
    let navigate = use_navigate();
    let back = format!("/datasets/{dataset_id}?tab=items");
    let error_for = move |field: &'static str| Signal::derive(move || errors.read().get(field));
    // The server's verdict is about the text it saw; editing clears it.
    Effect::new(move |_| {
        input.track();
        expected.track();
        metadata.track();
        status.track();
        errors.set(FieldErrors::new());
    });

    let submit = {
        let back = back.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            if saving.get_untracked() {
                return;
            }
            let form = ItemForm {
                input: input.get_untracked(),
                expected_output: expected.get_untracked(),
                metadata: metadata.get_untracked(),
                status: status.get_untracked(),
            };
            // Broken JSON never leaves the page; the editors already show why.
            if form.parse().is_err() {
                return;
            }
            saving.set(true);
            let (navigate, back) = (navigate.clone(), back.clone());
            spawn_local(async move {
                match save_item(dataset_id, item_id, form).await {
                    Ok(Ok(_)) => navigate(&back, Default::default()),
                    Ok(Err(field_errors)) => errors.set(field_errors),
                    Err(e) => failure.set(Some(e.to_string())),
                }
                saving.set(false);
            });
        }
    };

    view! {
        <Title text=title/>
        <p class="crumbs"><a href=back.clone()>"Back to the dataset"</a></p>
        <h1>{title}</h1>
        <form class="form" on:submit=submit novalidate>
            <JsonEditor field="input" label="Input" kind=JsonField::Required text=input server_error=error_for("input")
                hint="What the agent receives: any JSON, e.g. {\"question\": \"What is 2+2?\"}. Plain text is saved as a JSON string."/>
            <JsonEditor field="expected_output" label="Expected output (optional)" kind=JsonField::Optional text=expected server_error=error_for("expected_output")
                hint="What a correct answer looks like, for evaluators and reviewers. Leave empty if there is none."/>
            <JsonEditor field="metadata" label="Metadata (optional JSON object)" kind=JsonField::Object text=metadata server_error=error_for("metadata")
                hint="Tags for your own use, e.g. {\"difficulty\": \"hard\"}."/>
            <div class="field">
                <label for="field-status">"Status"</label>
                <select id="field-status" name="status" prop:value=move || status.get().as_str().to_string()
                    on:change=move |ev| status.set(ItemStatus::parse(&event_target_value(&ev)).unwrap_or_default())>
                    <option value="active" selected=move || status.get() == ItemStatus::Active>"active — included in runs"</option>
                    <option value="archived" selected=move || status.get() == ItemStatus::Archived>"archived — kept, but skipped by runs"</option>
                </select>
            </div>
            {move || failure.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            <div class="actions">
                <button type="submit" class="btn btn-primary" disabled=move || saving.get()>{if item_id.is_some() { "Save item" } else { "Add item" }}</button>
                <a href=back class="btn">"Cancel"</a>
            </div>
        </form>
        {item_id.map(|item_id| view! { <ItemHistory dataset_id item_id/> })}
    }
}
