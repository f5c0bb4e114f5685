//! A search or filter form: its fields become the address's query, and the app
//! moves there without a reload (without WASM, the browser submits it as a plain
//! GET to the same address).
//!
//! Leptos's router `Form` does the same and more (POST, actions, `replace`), but
//! brings core's Unicode case tables into every page that has one; this is the
//! one thing Observ's forms need.

use leptos::prelude::*;

#[component]
pub fn GetForm(
    /// The page the query goes to, e.g. `/traces`.
    #[prop(into)]
    action: String,
    #[prop(optional)] class: &'static str,
    #[prop(optional)] id: &'static str,
    children: Children,
) -> impl IntoView {
    #[cfg(feature = "hydrate")]
    let submit = {
        let navigate = leptos_router::hooks::use_navigate();
        let action = action.clone();
        move |ev: leptos::ev::SubmitEvent| {
            use wasm_bindgen::JsCast;
            let Some(form) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlFormElement>().ok()) else { return };
            let Ok(query) = web_sys::FormData::new_with_form(&form)
                .and_then(|data| web_sys::UrlSearchParams::new_with_str_sequence_sequence(&data))
            else {
                return;
            };
            ev.prevent_default();
            navigate(&format!("{action}?{}", String::from(query.to_string())), Default::default());
        }
    };
    #[cfg(not(feature = "hydrate"))]
    let submit = |_: leptos::ev::SubmitEvent| {};
    view! {
        <form method="get" action=action class=class id=(!id.is_empty()).then_some(id) on:submit=submit>
            {children()}
        </form>
    }
}
