//! Small views used on many pages.

use crate::model::stats::age_label;
use leptos::prelude::*;

/// A colored label for a status word (`active`, `running`, `failed`, …).
#[component]
pub fn StatusBadge(#[prop(into)] status: String) -> impl IntoView {
    let class = format!("badge badge-{status}");
    view! { <span class=class>{status}</span> }
}

/// "5 min ago", with the exact timestamp on hover.
#[component]
pub fn Age(#[prop(into)] ts: String) -> impl IntoView {
    let label = age_label(&ts, crate::ui::now_ms());
    view! { <time datetime=ts.clone() title=ts>{label}</time> }
}

/// A thin bar filled to `percent` (0–100).
#[component]
pub fn ProgressBar(percent: f64, #[prop(optional, into)] label: String) -> impl IntoView {
    let width = format!("width: {:.1}%", percent.clamp(0.0, 100.0));
    view! {
        <div class="progress" role="progressbar" aria-valuenow=format!("{percent:.1}") aria-valuemin="0" aria-valuemax="100" title=label>
            <div class="progress-fill" style=width></div>
        </div>
    }
}

/// What to do next when a list is empty.
#[component]
pub fn EmptyState(#[prop(into)] title: String, children: Children) -> impl IntoView {
    view! {
        <div class="empty">
            <h3>{title}</h3>
            {children()}
        </div>
    }
}

/// In place of a page that only changes things, for someone who may not.
#[component]
pub fn ReadOnlyNotice() -> impl IntoView {
    view! { <p class="notice" role="status" data-testid="read-only">"Your role (viewer) can read but not change things."</p> }
}

#[component]
pub fn Loading() -> impl IntoView {
    view! { <p class="muted loading">"Loading…"</p> }
}

/// A failed server call, said plainly.
#[component]
pub fn ErrorNote(error: ServerFnError) -> impl IntoView {
    let message = match &error {
        ServerFnError::ServerError(m) => m.clone(),
        other => other.to_string(),
    };
    view! { <p class="error" role="alert">{message}</p> }
}

/// The error a form has for one field (from the server or the page), or nothing.
#[component]
pub fn FieldError(errors: RwSignal<crate::model::FieldErrors>, field: &'static str) -> impl IntoView {
    move || errors.read().get(field).map(|e| view! { <p class="field-error" data-field=field role="alert">{e}</p> })
}

/// A part of a page used now and then (a `#[lazy]` function's view): a card with
/// a button in its place, which fetches the part's code and shows it.
#[component]
pub fn OnDemand<L, F>(
    id: &'static str,
    class: &'static str,
    #[prop(optional)] heading: Option<&'static str>,
    button: &'static str,
    load: L,
) -> impl IntoView
where
    L: Fn() -> F + Send + Sync + 'static,
    F: std::future::Future<Output = AnyView> + Send + 'static,
{
    let open = RwSignal::new(false);
    move || {
        if open.get() {
            let part = load();
            view! { <Suspense fallback=Loading>{Suspend::new(part)}</Suspense> }.into_any()
        } else {
            view! {
                <section class=class id=id>
                    {heading.map(|h| view! { <h3>{h}</h3> })}
                    <button type="button" class="btn" on:click=move |_| open.set(true)>{button}</button>
                </section>
            }
            .into_any()
        }
    }
}
