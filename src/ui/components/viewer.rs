//! Who the page is for. The server provides [`CurrentViewer`] while rendering
//! and writes it on `<body data-viewer-email data-viewer-role>`; the browser
//! reads it back from there before hydrating, so both render the same controls.
//! Hiding a control is a courtesy: the server refuses a viewer's writes anyway.

use crate::model::user::{CurrentViewer, Role, Viewer};
use leptos::prelude::*;

/// On the browser, provides the viewer the server rendered for.
pub fn provide_viewer() {
    #[cfg(feature = "hydrate")]
    {
        let body = web_sys::window().and_then(|w| w.document()).and_then(|d| d.body());
        let viewer = body.and_then(|b| {
            let email = b.get_attribute("data-viewer-email")?;
            let role = Role::parse(&b.get_attribute("data-viewer-role")?)?;
            Some(Viewer { email, role })
        });
        provide_context(CurrentViewer(viewer));
    }
}

pub fn current_viewer() -> Option<Viewer> {
    use_context::<CurrentViewer>().and_then(|c| c.0)
}

/// Whether the viewer may change things (members and admins).
pub fn can_write() -> bool {
    current_viewer().is_some_and(|v| v.role.can_write())
}

/// Renders its children only for members and admins.
#[component]
pub fn WriteOnly(children: Children) -> impl IntoView {
    can_write().then(children)
}

/// Renders its children only for admins.
#[component]
pub fn AdminOnly(children: Children) -> impl IntoView {
    current_viewer().is_some_and(|v| v.role == Role::Admin).then(children)
}

/// The signed-in person in the top bar, with Settings and a sign-out form that
/// works without the WASM bundle.
#[component]
pub fn AccountMenu() -> impl IntoView {
    current_viewer().map(|viewer| {
        view! {
            <div class="account">
                <a href="/settings" class="account-name" data-testid="account">{viewer.email.clone()}</a>
                <span class="badge" data-testid="account-role">{viewer.role.as_str()}</span>
                <form method="post" action="/logout" class="inline">
                    <button type="submit" class="btn btn-small">"Sign out"</button>
                </form>
            </div>
        }
    })
}
