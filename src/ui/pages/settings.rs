//! `/settings`: one's own account and password, with tabs to the admin pages
//! (users, API keys).

use crate::api::settings::change_password;
use crate::model::FieldErrors;
use crate::ui::components::{current_viewer, AdminOnly, FieldError};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;

/// The tabs over every settings page.
#[component]
pub fn SettingsTabs(current: &'static str) -> impl IntoView {
    let tab = move |href: &'static str, label: &'static str| {
        let class = if href == current { "active" } else { "" };
        view! { <a href=href class=class>{label}</a> }
    };
    view! {
        <h1>"Settings"</h1>
        <nav class="tabs">
            {tab("/settings", "My account")}
            <AdminOnly>
                {tab("/settings/users", "Users")}
                {tab("/settings/api-keys", "API keys")}
            </AdminOnly>
        </nav>
    }
}

#[component]
pub fn SettingsPage() -> impl IntoView {
    let viewer = current_viewer();
    view! {
        <Title text="Settings"/>
        <SettingsTabs current="/settings"/>
        <section class="card">
            <h2>"My account"</h2>
            {viewer.map(|v| view! {
                <p>"Signed in as " <strong data-testid="my-email">{v.email}</strong> " with the role "
                   <span class="badge">{v.role.as_str()}</span> "."</p>
                <p class="hint">{v.role.describe()}</p>
            })}
        </section>
        <PasswordForm/>
    }
}

#[component]
fn PasswordForm() -> impl IntoView {
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let again = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::new());
    let done = RwSignal::new(false);
    let failure = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        done.set(false);
        failure.set(None);
        if new.get_untracked() != again.get_untracked() {
            errors.set(FieldErrors::single("new_password_again", "does not match the new password"));
            return;
        }
        spawn_local(async move {
            match change_password(current.get_untracked(), new.get_untracked()).await {
                Ok(Ok(())) => {
                    errors.set(FieldErrors::new());
                    current.set(String::new());
                    new.set(String::new());
                    again.set(String::new());
                    done.set(true);
                }
                Ok(Err(fields)) => errors.set(fields),
                Err(e) => failure.set(Some(e.to_string())),
            }
        });
    };
    view! {
        <section class="card">
            <h2>"Change password"</h2>
            <form class="form" on:submit=submit novalidate>
                <div class="field">
                    <label for="pw-current">"Current password"</label>
                    <input id="pw-current" type="password" autocomplete="current-password"
                        prop:value=move || current.get() on:input=move |ev| current.set(event_target_value(&ev))/>
                    <FieldError errors field="current_password"/>
                </div>
                <div class="field">
                    <label for="pw-new">"New password"</label>
                    <input id="pw-new" type="password" autocomplete="new-password"
                        prop:value=move || new.get() on:input=move |ev| new.set(event_target_value(&ev))/>
                    <FieldError errors field="new_password"/>
                </div>
                <div class="field">
                    <label for="pw-again">"New password again"</label>
                    <input id="pw-again" type="password" autocomplete="new-password"
                        prop:value=move || again.get() on:input=move |ev| again.set(event_target_value(&ev))/>
                    <FieldError errors field="new_password_again"/>
                </div>
                {move || failure.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
                {move || done.get().then(|| view! {
                    <p class="notice" role="status">"Password changed. Your other sessions are signed out."</p>
                })}
                <div class="actions"><button type="submit" class="btn btn-primary">"Change password"</button></div>
            </form>
        </section>
    }
}
