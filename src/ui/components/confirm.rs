//! A destructive button that asks once more, inline, before acting.

use leptos::prelude::*;

#[component]
pub fn ConfirmButton(
    #[prop(into)] label: String,
    /// The question shown after the first click.
    #[prop(into)]
    question: String,
    on_confirm: Callback<()>,
) -> impl IntoView {
    let asking = RwSignal::new(false);
    let label_text = label.clone();
    view! {
        <span class="confirm">
            <Show
                when=move || asking.get()
                fallback=move || {
                    let label = label_text.clone();
                    view! { <button type="button" class="btn btn-danger-quiet" on:click=move |_| asking.set(true)>{label}</button> }
                }
            >
                <span class="confirm-question">{question.clone()}</span>
                <button type="button" class="btn btn-danger" on:click=move |_| { asking.set(false); on_confirm.run(()) }>
                    {format!("Yes, {}", label.to_ascii_lowercase())}
                </button>
                <button type="button" class="btn" on:click=move |_| asking.set(false)>"Cancel"</button>
            </Show>
        </span>
    }
}
