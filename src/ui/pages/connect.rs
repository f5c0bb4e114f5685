//! `/connect`: how an app sends its traces here — the endpoints, a key (admins
//! make one on the spot; its secret fills the snippets, shown this once) and
//! copy-paste snippets for OpenTelemetry, the Langfuse SDKs and OpenInference.

use super::snippets::{snippets, Keys};
use crate::api::meta::base_url;
use crate::api::settings::create_api_key;
use crate::model::user::{NewApiKey, Role};
use crate::ui::components::{current_viewer, ErrorNote, Loading};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;

#[component]
pub fn ConnectPage() -> impl IntoView {
    let base = Resource::new(|| (), |_| base_url());
    let key = RwSignal::new(None::<NewApiKey>);
    let admin = current_viewer().is_some_and(|v| v.role == Role::Admin);
    view! {
        <Title text="Connect your app"/>
        <div class="page-head"><h1>"Connect your app"</h1></div>
        <p class="hint">"Point the tracing your app already does at Observ: change a URL and a key. "
            "Spans become traces here within milliseconds of the exporter's request. "
            <a href="/api-docs">"API reference"</a></p>
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match base.await {
                    Err(error) => view! { <ErrorNote error/> }.into_any(),
                    Ok(base) => view! {
                        <section class="card" id="endpoints">
                            <h2>"Endpoints"</h2>
                            <dl class="info">
                                <dt>"OpenTelemetry (OTLP/HTTP, protobuf or JSON)"</dt>
                                <dd><code data-testid="otlp-endpoint">{format!("{base}/v1/traces")}</code></dd>
                                <dt>"Langfuse SDKs (host)"</dt>
                                <dd><code data-testid="langfuse-host">{base.clone()}</code></dd>
                                <dt>"Authentication"</dt>
                                <dd><code>"Authorization: Bearer <secret key>"</code>" or Basic "<code>"<public key>:<secret key>"</code></dd>
                            </dl>
                        </section>
                        <KeySection admin key/>
                        <Snippets base key/>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn KeySection(admin: bool, key: RwSignal<Option<NewApiKey>>) -> impl IntoView {
    if !admin {
        return view! {
            <section class="card" id="connect-key">
                <h2>"A key"</h2>
                <p>"Ask an admin for a key with the member role (viewers' keys can't send traces), then put it where the snippets say "<code>"sk-…"</code>"."</p>
            </section>
        }
        .into_any();
    }
    let name = RwSignal::new("my-app".to_string());
    let error = RwSignal::new(None::<String>);
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let name = name.get_untracked();
        spawn_local(async move {
            match create_api_key(name, Role::Member).await {
                Ok(Ok(new)) => {
                    error.set(None);
                    key.set(Some(new));
                }
                Ok(Err(fields)) => error.set(Some(fields.0.values().flatten().cloned().collect::<Vec<_>>().join("; "))),
                Err(e) => error.set(Some(e.to_string())),
            }
        });
    };
    view! {
        <section class="card" id="connect-key">
            <h2>"A key"</h2>
            {move || match key.get() {
                Some(k) => view! {
                    <p class="notice" role="status">"Key “" {k.name.clone()} "” created. Its secret is in the snippets below — copy it now, it will not be shown again."</p>
                    <dl class="info">
                        <dt>"Public key"</dt><dd><code data-testid="connect-public-key">{k.public_key.clone()}</code></dd>
                        <dt>"Secret key"</dt><dd><code data-testid="connect-secret-key">{k.secret_key.clone()}</code></dd>
                    </dl>
                }.into_any(),
                None => view! {
                    <form class="inline-form" on:submit=create>
                        <label>"Name " <input type="text" prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev)) aria-label="key name"/></label>
                        <button type="submit" class="btn primary">"Create a member key for this app"</button>
                        {move || error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
                    </form>
                    <p class="hint">"Or use one from "<a href="/settings/api-keys">"Settings → API keys"</a>"."</p>
                }.into_any(),
            }}
        </section>
    }
    .into_any()
}

#[component]
fn Snippets(base: String, key: RwSignal<Option<NewApiKey>>) -> impl IntoView {
    let chosen = RwSignal::new(0usize);
    let all = Signal::derive(move || {
        let keys = key.get().map(|k| Keys { public: k.public_key, secret: k.secret_key }).unwrap_or_default();
        snippets(&base, &keys)
    });
    view! {
        <section class="card" id="snippets">
            <h2>"Snippets"</h2>
            <div class="tabs" role="tablist">
                {move || all.get().into_iter().enumerate().map(|(n, s)| view! {
                    <button type="button" role="tab" class="tab" class:active=move || chosen.get() == n
                        aria-selected=move || (chosen.get() == n).to_string() on:click=move |_| chosen.set(n)>{s.title}</button>
                }).collect_view()}
            </div>
            {move || all.get().into_iter().nth(chosen.get()).map(|s| view! {
                <p class="hint">{s.note}</p>
                <pre class="snippet" data-testid="snippet"><code>{s.code}</code></pre>
            })}
        </section>
    }
}
