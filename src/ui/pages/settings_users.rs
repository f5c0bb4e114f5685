//! `/settings/users` (admins): everyone who can sign in, their roles, adding
//! and removing people.

use super::settings::SettingsTabs;
use crate::api::settings::{create_user, list_users, remove_user, set_user_role};
use crate::model::user::{Role, User, UserDraft};
use crate::model::FieldErrors;
use crate::ui::components::{current_viewer, Age, ConfirmButton, ErrorNote, FieldError, Loading};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;

#[component]
pub fn UsersPage() -> impl IntoView {
    let version = RwSignal::new(0u32);
    let users = Resource::new(move || version.get(), |_| list_users());
    let failure = RwSignal::new(None::<String>);
    let reload = Callback::new(move |_: ()| version.update(|v| *v += 1));
    view! {
        <Title text="Users"/>
        <SettingsTabs current="/settings/users"/>
        {move || failure.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match users.await {
                    Ok(rows) => view! { <UsersTable rows reload failure/> }.into_any(),
                    Err(error) => view! { <ErrorNote error/> }.into_any(),
                }
            })}
        </Suspense>
        <NewUserForm reload/>
    }
}

#[component]
fn UsersTable(rows: Vec<User>, reload: Callback<()>, failure: RwSignal<Option<String>>) -> impl IntoView {
    let me = current_viewer().map(|v| v.email).unwrap_or_default();
    let rows = rows
        .into_iter()
        .map(|user| {
            let id = user.id;
            let is_me = user.email.eq_ignore_ascii_case(&me);
            let change_role = move |ev: leptos::ev::Event| {
                let Some(role) = Role::parse(&event_target_value(&ev)) else { return };
                spawn_local(async move {
                    match set_user_role(id, role).await {
                        Ok(Ok(_)) => failure.set(None),
                        Ok(Err(fields)) => failure.set(fields.get("role")),
                        Err(e) => failure.set(Some(e.to_string())),
                    }
                    reload.run(());
                });
            };
            let remove = Callback::new(move |_| {
                spawn_local(async move {
                    if let Err(e) = remove_user(id).await {
                        failure.set(Some(e.to_string()));
                    }
                    reload.run(());
                });
            });
            view! {
                <tr data-email=user.email.clone()>
                    <td>{user.email.clone()}</td>
                    <td>{user.name.clone()}</td>
                    <td>
                        <select aria-label=format!("Role of {}", user.email) on:change=change_role>
                            {Role::ALL.into_iter().map(|r| view! {
                                <option value=r.as_str() selected=r == user.role>{r.as_str()}</option>
                            }).collect_view()}
                        </select>
                    </td>
                    <td><Age ts=user.created_at.clone()/></td>
                    <td>{(!is_me).then(|| view! {
                        <ConfirmButton label="Remove" question=format!("Remove {}?", user.email) on_confirm=remove/>
                    })}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="table" id="users-table">
            <thead><tr><th>"Email"</th><th>"Name"</th><th>"Role"</th><th>"Added"</th><th></th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

#[component]
fn NewUserForm(reload: Callback<()>) -> impl IntoView {
    let email = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let role = RwSignal::new(Role::Member);
    let errors = RwSignal::new(FieldErrors::new());
    let failure = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let draft = UserDraft {
            email: email.get_untracked(),
            name: name.get_untracked(),
            password: password.get_untracked(),
            role: role.get_untracked(),
        };
        spawn_local(async move {
            match create_user(draft).await {
                Ok(Ok(_)) => {
                    errors.set(FieldErrors::new());
                    failure.set(None);
                    email.set(String::new());
                    name.set(String::new());
                    password.set(String::new());
                    reload.run(());
                }
                Ok(Err(fields)) => errors.set(fields),
                Err(e) => failure.set(Some(e.to_string())),
            }
        });
    };
    view! {
        <section class="card">
            <h2>"Add a user"</h2>
            <p class="hint">"Share the password with them privately; they can change it under Settings."</p>
            <form class="form" on:submit=submit novalidate>
                <div class="field">
                    <label for="user-email">"Email"</label>
                    <input id="user-email" type="email" prop:value=move || email.get() on:input=move |ev| email.set(event_target_value(&ev))/>
                    <FieldError errors field="email"/>
                </div>
                <div class="field">
                    <label for="user-name">"Name (optional)"</label>
                    <input id="user-name" type="text" prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
                    <FieldError errors field="name"/>
                </div>
                <div class="field">
                    <label for="user-password">"Initial password"</label>
                    <input id="user-password" type="password" autocomplete="new-password"
                        prop:value=move || password.get() on:input=move |ev| password.set(event_target_value(&ev))/>
                    <FieldError errors field="password"/>
                </div>
                <div class="field">
                    <label for="user-role">"Role"</label>
                    <select id="user-role" on:change=move |ev| { if let Some(r) = Role::parse(&event_target_value(&ev)) { role.set(r) } }>
                        {Role::ALL.into_iter().map(|r| view! {
                            <option value=r.as_str() selected=move || role.get() == r>{r.describe()}</option>
                        }).collect_view()}
                    </select>
                </div>
                {move || failure.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
                <div class="actions"><button type="submit" class="btn btn-primary">"Add user"</button></div>
            </form>
        </section>
    }
}
