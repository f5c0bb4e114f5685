//! `/api-docs`: the OpenAPI document (`/api/openapi.json`) as a page — routes
//! by tag with what they take and answer, and the schemas with their fields.
//! Everything is rendered as text.

use crate::api::meta::openapi_document;
use crate::ui::components::{ErrorNote, Loading};
use leptos::prelude::*;
use leptos_meta::Title;
use serde_json::Value;

#[component]
pub fn ApiDocsPage() -> impl IntoView {
    let doc = Resource::new(|| (), |_| openapi_document());
    view! {
        <Title text="API reference"/>
        <div class="page-head"><h1>"API reference"</h1>
            <a class="btn" href="/api/openapi.json" rel="external">"openapi.json"</a></div>
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match doc.await.map(|text| serde_json::from_str::<Value>(&text).unwrap_or(Value::Null)) {
                    Err(error) => view! { <ErrorNote error/> }.into_any(),
                    Ok(doc) => view! { <Document doc/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// What a request or response body is: a schema name, an array of one, or words.
fn body_label(content: &Value) -> String {
    let Some((media, body)) = content.as_object().and_then(|m| m.iter().next()) else { return String::new() };
    let schema = &body["schema"];
    let name = |v: &Value| v["$ref"].as_str().map(|r| r.rsplit('/').next().unwrap_or(r).to_string());
    let what = name(schema)
        .or_else(|| name(&schema["items"]).map(|n| format!("[{n}]")))
        .or_else(|| name(&schema["properties"]["data"]["items"]).map(|n| format!("{{data: [{n}], next_cursor}}")))
        .or_else(|| schema["description"].as_str().map(str::to_string))
        .unwrap_or_default();
    if media == "application/json" {
        what
    } else {
        format!("{media}: {what}")
    }
}

#[component]
fn Document(doc: Value) -> impl IntoView {
    let mut routes: Vec<(String, String, String, String, String, String)> = Vec::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            let tag = op["tags"][0].as_str().unwrap_or("other").to_string();
            let summary = op["summary"].as_str().unwrap_or_default().to_string();
            let request = body_label(&op["requestBody"]["content"]);
            let (status, ok) = op["responses"]
                .as_object()
                .and_then(|r| r.iter().find(|(code, _)| code.starts_with('2')))
                .map(|(code, r)| (code.clone(), body_label(&r["content"])))
                .unwrap_or_default();
            routes.push((tag, path.clone(), method.to_ascii_uppercase(), summary, request, format!("{status} {ok}")));
        }
    }
    routes.sort();
    let mut tags: Vec<String> = routes.iter().map(|r| r.0.clone()).collect();
    tags.dedup();
    let schemas: Vec<(String, Value)> =
        doc["components"]["schemas"].as_object().into_iter().flatten().map(|(k, v)| (k.clone(), v.clone())).collect();
    view! {
        <p class="hint">{doc["info"]["description"].as_str().unwrap_or_default().to_string()}
            " Authenticate with "<code>"Authorization: Bearer <secret key>"</code>" or Basic "<code>"<public key>:<secret key>"</code>"."</p>
        {tags.into_iter().map(|tag| {
            let rows: Vec<_> = routes.iter().filter(|r| r.0 == tag).cloned().collect();
            view! {
                <section class="card api-tag">
                    <h2>{tag.clone()}</h2>
                    <table class="table api-routes">
                        <thead><tr><th>"Route"</th><th>"What"</th><th>"Takes"</th><th>"Answers"</th></tr></thead>
                        <tbody>{rows.into_iter().map(|(_, path, method, summary, request, response)| {
                            let class = format!("badge method-{}", method.to_ascii_lowercase());
                            view! {
                            <tr><td><span class=class>{method}</span>" "<code>{path}</code></td>
                                <td>{summary}</td><td class="small">{request}</td><td class="small">{response}</td></tr>
                        }}).collect_view()}</tbody>
                    </table>
                </section>
            }
        }).collect_view()}
        <h2>"Schemas"</h2>
        {schemas.into_iter().map(|(name, schema)| {
            let fields: Vec<(String, String)> = schema["properties"].as_object().into_iter().flatten().map(|(k, v)| {
                let kind = v["type"].as_str().map(str::to_string)
                    .or_else(|| v["type"].as_array().map(|t| t.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(" | ")))
                    .or_else(|| v["$ref"].as_str().map(|r| r.rsplit('/').next().unwrap_or(r).to_string()))
                    .unwrap_or_else(|| "any".into());
                (k.clone(), kind)
            }).collect();
            view! {
                <details class="card schema" id=format!("schema-{name}")>
                    <summary><code>{name.clone()}</code></summary>
                    <table class="table"><tbody>{fields.into_iter().map(|(k, t)| view! {
                        <tr><td><code>{k}</code></td><td class="small">{t}</td></tr>
                    }).collect_view()}</tbody></table>
                </details>
            }
        }).collect_view()}
    }
}
