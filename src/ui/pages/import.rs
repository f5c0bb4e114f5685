//! `/datasets/:id/import`: pick a CSV or JSONL file (read in the browser), see
//! its first rows, map CSV columns to input / expected output / metadata, and
//! import it all or nothing. File content is shown as text only.

use crate::api::datasets::get_dataset;
use crate::api::transfer::import_file;
use crate::model::csv::parse_first;
use crate::model::import::{json_cell, jsonl_item, ColumnMapping, FileFormat};
use crate::ui::components::{can_write, ErrorNote, Loading, ReadOnlyNotice};
use crate::ui::param_id;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::hooks::use_navigate;

/// Rows the preview shows.
const PREVIEW_ROWS: usize = 5;

/// What the preview table shows: column names and the first rows, or why it can't.
#[derive(Clone, Default, PartialEq)]
struct Preview {
    columns: Vec<String>,
    rows: Vec<Vec<String>>,
    error: Option<String>,
}

fn preview(format: FileFormat, text: &str) -> Preview {
    match format {
        FileFormat::Csv => match parse_first(text, PREVIEW_ROWS + 1) {
            Ok(mut records) if !records.is_empty() => {
                let header = records.remove(0);
                Preview { columns: header.fields, rows: records.into_iter().map(|r| r.fields).collect(), error: None }
            }
            Ok(_) => Preview { error: Some("The file is empty.".into()), ..Default::default() },
            Err(e) => Preview { error: Some(format!("line {}: {}", e.line, e.message)), ..Default::default() },
        },
        FileFormat::Jsonl => {
            let columns = ["line", "input", "expected_output", "metadata"].map(String::from).to_vec();
            let rows = text
                .lines()
                .enumerate()
                .filter(|(_, l)| !l.trim().is_empty())
                .take(PREVIEW_ROWS)
                .map(|(n, l)| match jsonl_item(n + 1, l) {
                    Ok(Some(d)) => vec![
                        (n + 1).to_string(),
                        json_cell(Some(&d.input)),
                        json_cell(d.expected_output.as_ref()),
                        json_cell(Some(&d.metadata)),
                    ],
                    Ok(None) => Vec::new(),
                    Err(e) => vec![(n + 1).to_string(), e.message, String::new(), String::new()],
                })
                .collect();
            Preview { columns, rows, error: None }
        }
    }
}

/// The format from the file name, else from the first character.
fn detect_format(name: &str, text: &str) -> FileFormat {
    FileFormat::from_file_name(name).unwrap_or(if text.trim_start().starts_with('{') {
        FileFormat::Jsonl
    } else {
        FileFormat::Csv
    })
}

#[component]
pub fn ImportPage() -> impl IntoView {
    let id = param_id("id");
    if !can_write() {
        return view! {
            <Title text="Import items"/>
            <p class="crumbs"><a href=format!("/datasets/{}?tab=items", id())>"Back to the dataset"</a></p>
            <ReadOnlyNotice/>
        }
        .into_any();
    }
    let dataset = Resource::new(id, get_dataset);
    view! {
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match dataset.await {
                    Ok(d) => view! {
                        <Title text=format!("Import into {}", d.name)/>
                        <p class="crumbs"><a href=format!("/datasets/{}?tab=items", d.id)>{d.name.clone()}</a> " /"</p>
                        <h1>"Import items"</h1>
                        <ImportForm dataset_id=d.id/>
                    }.into_any(),
                    Err(error) => view! { <ErrorNote error/> }.into_any(),
                }
            })}
        </Suspense>
    }
    .into_any()
}

#[component]
fn ImportForm(dataset_id: i64) -> impl IntoView {
    let file_name = RwSignal::new(String::new());
    let text = RwSignal::new(None::<String>);
    let format = RwSignal::new(FileFormat::Csv);
    let (input_col, expected_col, metadata_col) =
        (RwSignal::new(String::new()), RwSignal::new(String::new()), RwSignal::new(String::new()));
    let failure = RwSignal::new(None::<String>);
    let importing = RwSignal::new(false);
    let shown = Memo::new(move |_| text.with(|t| t.as_deref().map(|t| preview(format.get(), t))));

    // A new file: detect its format and map same-named columns.
    let loaded = move |name: String, content: String| {
        let detected = detect_format(&name, &content);
        let header = match detected {
            FileFormat::Csv => parse_first(&content, 1).ok().and_then(|r| r.into_iter().next()).map(|r| r.fields),
            FileFormat::Jsonl => None,
        }
        .unwrap_or_default();
        let same = |col: &str| if header.iter().any(|h| h.trim() == col) { col.to_string() } else { String::new() };
        input_col.set(same("input"));
        expected_col.set(same("expected_output"));
        metadata_col.set(same("metadata"));
        failure.set(None);
        file_name.set(name);
        format.set(detected);
        text.set(Some(content));
    };
    let on_file = move |ev: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            let input: web_sys::HtmlInputElement = ev.target().expect("change event target").unchecked_into();
            if let Some(file) = input.files().and_then(|files| files.get(0)) {
                spawn_local(async move {
                    let read = wasm_bindgen_futures::JsFuture::from(file.text()).await;
                    match read.ok().and_then(|v| v.as_string()) {
                        Some(content) => loaded(file.name(), content),
                        None => failure.set(Some("The file could not be read as text.".into())),
                    }
                });
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (ev, loaded);
    };

    let navigate = use_navigate();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(content) = text.get_untracked() else {
            failure.set(Some("Choose a file first.".into()));
            return;
        };
        if importing.get_untracked() {
            return;
        }
        let mapping = match format.get_untracked() {
            FileFormat::Csv => ColumnMapping {
                input: Some(input_col.get_untracked()),
                expected_output: Some(expected_col.get_untracked()),
                metadata: Some(metadata_col.get_untracked()),
            },
            FileFormat::Jsonl => ColumnMapping::default(),
        };
        importing.set(true);
        failure.set(None);
        let navigate = navigate.clone();
        spawn_local(async move {
            match import_file(dataset_id, format.get_untracked(), mapping, content).await {
                Ok(n) => navigate(&format!("/datasets/{dataset_id}?tab=items&imported={n}"), Default::default()),
                Err(ServerFnError::ServerError(message)) => failure.set(Some(message)),
                Err(other) => failure.set(Some(other.to_string())),
            }
            importing.set(false);
        });
    };

    let column_select = move |id: &'static str, label: &'static str, value: RwSignal<String>| {
        view! {
            <div class="field">
                <label for=id>{label}</label>
                <select id=id prop:value=move || value.get() on:change=move |ev| value.set(event_target_value(&ev))>
                    <option value="" selected=move || value.get().is_empty()>"(none)"</option>
                    {move || shown.get().map(|p| p.columns).unwrap_or_default().into_iter().map(|c| {
                        let selected = c == value.get_untracked();
                        view! { <option value=c.clone() selected=selected>{c.clone()}</option> }
                    }).collect_view()}
                </select>
            </div>
        }
        .into_any()
    };

    view! {
        <form class="form" on:submit=submit novalidate>
            <div class="field">
                <label for="import-file">"File (CSV or JSONL)"</label>
                <input id="import-file" type="file" accept=".csv,.jsonl,.ndjson,text/csv,application/x-ndjson" on:change=on_file/>
                <p class="hint">
                    "CSV: a header row, then one item per row. Columns input (required), expected_output and metadata; "
                    "a cell that is JSON is that value, other text is a string. JSONL: one object per line with those keys. "
                    "One bad row and nothing is imported."
                </p>
            </div>
            {move || (!file_name.get().is_empty()).then(|| view! {
                <p class="muted" data-testid="import-format">
                    {format!("{} — read as {}", file_name.get(), format.get().extension().to_ascii_uppercase())}
                </p>
            }.into_any())}
            {move || shown.get().map(|p| view! {
                <h3>"Preview (first rows)"</h3>
                {p.error.clone().map(|e| view! { <p class="error" role="alert">{e}</p> })}
                <table class="table" id="import-preview">
                    <thead><tr>{p.columns.iter().map(|c| view! { <th>{c.clone()}</th> }).collect_view()}</tr></thead>
                    <tbody>{p.rows.iter().map(|r| view! {
                        <tr>{r.iter().map(|cell| view! { <td class="mono cell-preview">{cell.clone()}</td> }).collect_view()}</tr>
                    }).collect_view()}</tbody>
                </table>
            }.into_any())}
            {move || (shown.get().is_some() && format.get() == FileFormat::Csv).then(|| view! {
                <h3>"Columns"</h3>
                <div class="grid-3">
                    {column_select("map-input", "Input column", input_col)}
                    {column_select("map-expected", "Expected output column", expected_col)}
                    {column_select("map-metadata", "Metadata column", metadata_col)}
                </div>
            }.into_any())}
            {move || failure.get().map(|e| view! { <p class="error" role="alert" data-testid="import-error">{e}</p> })}
            <div class="actions">
                <button type="submit" class="btn btn-primary" disabled=move || importing.get() || text.with(Option::is_none)>
                    {move || if importing.get() { "Importing…" } else { "Import" }}
                </button>
                <a href=format!("/datasets/{dataset_id}?tab=items") class="btn">"Cancel"</a>
            </div>
        </form>
    }
    .into_any()
}
