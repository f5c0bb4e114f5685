//! `/datasets/:id/runs/:run_id/review`: walks a run's finished items that no
//! one has reviewed, one at a time — input, expected and output side by side —
//! and records a verdict with an optional comment. Keys: c correct, x
//! incorrect, s skip (while not typing in the comment). Viewers get a note instead.

use crate::api::runs::{get_run, next_to_review, review_run_item};
use crate::model::run_item::RunItem;
use crate::ui::components::{can_write, ErrorNote, JsonView, Loading, ReadOnlyNotice, ScoreChip, StatusBadge};
use crate::ui::param_id;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;

#[component]
pub fn ReviewPage() -> impl IntoView {
    if can_write() {
        return view! { <ReviewDesk/> }.into_any();
    }
    let (dataset_id, run_id) = (param_id("id"), param_id("run_id"));
    view! {
        <Title text="Review"/>
        <p class="crumbs"><a href=move || format!("/datasets/{}/runs/{}", dataset_id(), run_id())>"Back to the run"</a></p>
        <ReadOnlyNotice/>
    }
    .into_any()
}

/// The review itself: the next item, its verdict buttons and their keys.
#[component]
fn ReviewDesk() -> impl IntoView {
    let dataset_id = param_id("id");
    let run_id = param_id("run_id");
    let run = Resource::new(run_id, get_run);
    // The last item decided on or skipped: the next one comes after it.
    let after = RwSignal::new(0_i64);
    let next = Resource::new(move || (run_id(), after.get()), |(run, after)| next_to_review(run, after));
    let comment = RwSignal::new(String::new());
    let failure = RwSignal::new(None::<String>);
    let reviewed = RwSignal::new(0_i64);
    let current = RwSignal::new(None::<RunItem>);

    // A key pressed while no item is ready (the next one still loading) does
    // nothing, and says so, instead of landing on the item before.
    let waiting = RwSignal::new(false);
    let decide = move |verdict: Option<bool>| {
        let Some(item) = current.get_untracked() else {
            waiting.set(true);
            return;
        };
        // The item is being decided: no second key may decide it again.
        current.set(None);
        waiting.set(false);
        let text = comment.get_untracked();
        spawn_local(async move {
            if let Some(correct) = verdict {
                if let Err(e) = review_run_item(item.id, correct, text).await {
                    current.set(Some(item));
                    return failure.set(Some(e.to_string()));
                }
                reviewed.update(|n| *n += 1);
            }
            failure.set(None);
            comment.set(String::new());
            after.set(item.id);
        });
    };
    let start_over = move || {
        current.set(None);
        after.set(0);
    };
    Effect::new(move |_| {
        if let Some(Ok((item, _))) = next.get() {
            current.set(item);
            waiting.set(false);
        }
    });
    let keys = window_event_listener(leptos::ev::keydown, move |ev| {
        let typing = ev
            .target()
            .and_then(|t| leptos::wasm_bindgen::JsCast::dyn_into::<leptos::web_sys::Element>(t).ok())
            .is_some_and(|el| matches!(el.tag_name().as_str(), "TEXTAREA" | "INPUT" | "SELECT"));
        if typing || ev.ctrl_key() || ev.meta_key() || ev.alt_key() {
            return;
        }
        match ev.key().as_str() {
            "c" => decide(Some(true)),
            "x" => decide(Some(false)),
            "s" => decide(None),
            _ => {}
        }
    });
    on_cleanup(move || keys.remove());

    view! {
        <Title text="Review"/>
        <p class="crumbs"><a href=move || format!("/datasets/{}/runs/{}", dataset_id(), run_id())>"Back to the run"</a></p>
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match run.await {
                    Err(error) => view! { <ErrorNote error/> }.into_any(),
                    Ok(run) => view! { <h1>"Review " {run.name}</h1> }.into_any(),
                }
            })}
        </Suspense>
        <p class="muted">"Keys: " <kbd>"c"</kbd> " correct · " <kbd>"x"</kbd> " incorrect · " <kbd>"s"</kbd> " skip"</p>
        {move || failure.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        {move || waiting.get().then(|| view! {
            <p class="notice" role="status" id="review-waiting">"The next item is still loading: press the key again once it shows."</p>
        })}
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match next.await {
                    Err(error) => view! { <ErrorNote error/> }.into_any(),
                    Ok((None, left)) => view! {
                        <div class="card" id="review-done">
                            <p>{if left == 0 { "Every finished item has been reviewed.".to_string() } else { format!("{left} skipped items remain unreviewed.") }}</p>
                            <p class="muted">{move || format!("{} reviewed in this session.", reviewed.get())}</p>
                            {(left > 0).then(|| view! { <button type="button" class="btn" on:click=move |_| start_over()>"Start over with the skipped ones"</button> })}
                        </div>
                    }.into_any(),
                    Ok((Some(item), left)) => view! {
                        <div class="card review" id="review-item" data-run-item-id=item.id
                            data-ready=move || (current.read().as_ref().map(|c| c.id) == Some(item.id)).then_some("")>
                            <p class="muted">{format!("{left} left to review")} " · " <StatusBadge status=item.status.as_str()/></p>
                            <div class="review-grid">
                                <section><h3>"Input"</h3><JsonView value=Some(item.input.clone())/></section>
                                <section><h3>"Expected"</h3><JsonView value=item.expected_output.clone()/></section>
                                <section>
                                    <h3>{if item.error.is_some() { "Error" } else { "Output" }}</h3>
                                    {match &item.error {
                                        Some(e) => view! { <pre class="error-text">{e.clone()}</pre> }.into_any(),
                                        None => view! { <JsonView value=item.output.clone()/> }.into_any(),
                                    }}
                                </section>
                            </div>
                            <div class="scores">{item.scores.iter().cloned().map(|score| view! { <ScoreChip score/> }).collect_view()}</div>
                            <label class="field">
                                <span>"Comment (optional)"</span>
                                <textarea rows="2" prop:value=move || comment.get() on:input=move |ev| comment.set(event_target_value(&ev))></textarea>
                            </label>
                            <div class="actions">
                                <button type="button" class="btn btn-primary" id="review-correct" on:click=move |_| decide(Some(true))>"Correct (c)"</button>
                                <button type="button" class="btn btn-danger-quiet" id="review-incorrect" on:click=move |_| decide(Some(false))>"Incorrect (x)"</button>
                                <button type="button" class="btn" id="review-skip" on:click=move |_| decide(None)>"Skip (s)"</button>
                            </div>
                        </div>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}
