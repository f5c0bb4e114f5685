//! `/settings/api-keys` (admins): key pairs for scripts and SDKs. A new key's
//! secret is shown once, right after creation, and never again.

use super::settings::SettingsTabs;
use crate::api::settings::{create_api_key, list_api_keys, revoke_api_key};
use crate::model::user::{ApiKey, NewApiKey, Role};
use crate::model::FieldErrors;
use crate::ui::components::{Age, ConfirmButton, ErrorNote, FieldError, Loading};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;

#[component]
pub fn ApiKeysPage() -> impl IntoView {
    let version = RwSignal::new(0u32);
    let keys = Resource::new(move || version.get(), |_| list_api_keys());
    let reload = Callback::new(move |_: ()| version.update(|v| *v += 1));
    let created = RwSignal::new(None::<NewApiKey>);
    view! {
        <Title text="API keys"/>
        <SettingsTabs current="/settings/api-keys"/>
        <p class="hint">"Scripts and SDKs authenticate with a key: "
            <code>"Authorization: Bearer <secret key>"</code>" or HTTP Basic with the public key as the user and the secret as the password."</p>
        <NewKeyForm reload created/>
        {move || created.get().map(|key| view! { <NewKeyShown key/> })}
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match keys.await {
                    Ok(rows) => view! { <KeysTable rows reload/> }.into_any(),
                    Err(error) => view! { <ErrorNote error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn NewKeyShown(key: NewApiKey) -> impl IntoView {
    view! {
        <section class="card key-created" id="new-key" role="status">
            <h2>{format!("Key “{}” created", key.name)}</h2>
            <p class="notice">"Copy the secret key now: it is not stored and will not be shown again."</p>
            <dl class="info">
                <dt>"Public key"</dt><dd><code data-testid="new-public-key">{key.public_key.clone()}</code></dd>
                <dt>"Secret key"</dt><dd><code data-testid="new-secret-key">{key.secret_key.clone()}</code></dd>
                <dt>"Role"</dt><dd>{key.role.as_str()}</dd>
            </dl>
        </section>
    }
}

#[component]
fn KeysTable(rows: Vec<ApiKey>, reload: Callback<()>) -> impl IntoView {
    if rows.is_empty() {
        return view! { <p class="hint" id="keys-empty">"No API keys yet."</p> }.into_any();
    }
    let rows = rows
        .into_iter()
        .map(|key| {
            let id = key.id;
            let revoke = Callback::new(move |_| {
                spawn_local(async move {
                    let _ = revoke_api_key(id).await;
                    reload.run(());
                });
            });
            view! {
                <tr data-key-name=key.name.clone()>
                    <td>{key.name.clone()}</td>
                    <td><code>{key.public_key.clone()}</code></td>
                    <td><code>{format!("sk-…{}", key.secret_hint)}</code></td>
                    <td><span class="badge">{key.role.as_str()}</span></td>
                    <td>{key.created_by.clone()}</td>
                    <td><Age ts=key.created_at.clone()/></td>
                    <td>{match key.last_used_at.clone() {
                        Some(ts) => view! { <Age ts/> }.into_any(),
                        None => view! { <span class="muted">"never"</span> }.into_any(),
                    }}</td>
                    <td><ConfirmButton label="Revoke" question=format!("Revoke {}? Scripts using it stop at once.", key.name) on_confirm=revoke/></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="table" id="keys-table">
            <thead><tr>
                <th>"Name"</th><th>"Public key"</th><th>"Secret"</th><th>"Role"</th>
                <th>"Created by"</th><th>"Created"</th><th>"Last used"</th><th></th>
            </tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

#[component]
fn NewKeyForm(reload: Callback<()>, created: RwSignal<Option<NewApiKey>>) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let role = RwSignal::new(Role::Member);
    let errors = RwSignal::new(FieldErrors::new());
    let failure = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        spawn_local(async move {
            match create_api_key(name.get_untracked(), role.get_untracked()).await {
                Ok(Ok(key)) => {
                    errors.set(FieldErrors::new());
                    failure.set(None);
                    name.set(String::new());
                    created.set(Some(key));
                    reload.run(());
                }
                Ok(Err(fields)) => errors.set(fields),
                Err(e) => failure.set(Some(e.to_string())),
            }
        });
    };
    view! {
        <section class="card">
            <h2>"Create a key"</h2>
            <form class="form form-inline" on:submit=submit novalidate>
                <div class="field">
                    <label for="key-name">"Key name"</label>
                    <input id="key-name" type="text" placeholder="ci" prop:value=move || name.get()
                        on:input=move |ev| name.set(event_target_value(&ev))/>
                    <FieldError errors field="name"/>
                </div>
                <div class="field">
                    <label for="key-role">"Key role"</label>
                    <select id="key-role" on:change=move |ev| { if let Some(r) = Role::parse(&event_target_value(&ev)) { role.set(r) } }>
                        {Role::ALL.into_iter().map(|r| view! {
                            <option value=r.as_str() selected=move || role.get() == r>{r.describe()}</option>
                        }).collect_view()}
                    </select>
                </div>
                {move || failure.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
                <div class="actions"><button type="submit" class="btn btn-primary">"Create key"</button></div>
            </form>
        </section>
    }
}
