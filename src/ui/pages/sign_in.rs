//! `/login` and `/setup`: plain HTML forms posted to the server, so they work
//! before the WASM bundle loads (or without it). Errors come back in the query
//! string after a redirect and are shown as text.

use crate::model::user::MIN_PASSWORD_CHARS;
use crate::ui::query_param;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn LoginPage() -> impl IntoView {
    let error = query_param("error");
    let next = query_param("next");
    let signed_out = query_param("signed_out");
    view! {
        <Title text="Sign in"/>
        <section class="card auth-card">
            <h1>"Sign in to Observ"</h1>
            {move || (error() == "wrong").then(|| view! { <p class="error" role="alert">"Wrong email or password."</p> })}
            {move || (!signed_out().is_empty()).then(|| view! { <p class="notice">"You are signed out."</p> })}
            <form method="post" action="/login" class="form" id="login-form">
                <div class="field">
                    <label for="login-email">"Email"</label>
                    <input id="login-email" name="email" type="email" autocomplete="username" required autofocus/>
                </div>
                <div class="field">
                    <label for="login-password">"Password"</label>
                    <input id="login-password" name="password" type="password" autocomplete="current-password" required/>
                </div>
                <input type="hidden" name="next" value=next/>
                <div class="actions">
                    <button type="submit" class="btn btn-primary">"Sign in"</button>
                </div>
            </form>
            <p class="hint">"Forgot your password? An admin can set a new one: remove and re-add you, or run "
                <code>"observ users create"</code>" on the server."</p>
        </section>
    }
}

/// The one-time page that creates the first admin; gone once anyone exists.
#[component]
pub fn SetupPage() -> impl IntoView {
    let error = query_param("error");
    view! {
        <Title text="Create the admin"/>
        <section class="card auth-card">
            <h1>"Welcome to Observ"</h1>
            <p>"Nobody has an account yet. Create the admin: they can invite everyone else and make API keys."</p>
            {move || {
                let e = error();
                (!e.is_empty()).then(|| view! { <p class="error" role="alert" data-testid="setup-error">{e}</p> })
            }}
            <form method="post" action="/setup" class="form" id="setup-form">
                <div class="field">
                    <label for="setup-email">"Admin email"</label>
                    <input id="setup-email" name="email" type="email" autocomplete="username" required autofocus/>
                </div>
                <div class="field">
                    <label for="setup-password">"Password"</label>
                    <input id="setup-password" name="password" type="password" autocomplete="new-password"
                        minlength=MIN_PASSWORD_CHARS required/>
                    <p class="hint">{format!("At least {MIN_PASSWORD_CHARS} characters.")}</p>
                </div>
                <div class="field">
                    <label for="setup-password-confirmation">"Password again"</label>
                    <input id="setup-password-confirmation" name="password_confirmation" type="password"
                        autocomplete="new-password" required/>
                </div>
                <div class="actions">
                    <button type="submit" class="btn btn-primary">"Create the admin"</button>
                </div>
            </form>
        </section>
    }
}
