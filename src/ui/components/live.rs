//! Live run progress in the browser: an `EventSource` on the run's SSE stream.
//! The browser reconnects by itself with `Last-Event-ID`, so nothing is missed.

use crate::model::run_item::RunEvent;

/// Calls `on_event` for every event of run `run_id` until `done` (browser only;
/// on the server this does nothing).
#[allow(unused_variables)]
pub fn watch_run(run_id: i64, on_event: impl Fn(RunEvent) + Clone + 'static) {
    #[cfg(feature = "hydrate")]
    {
        use leptos::prelude::{on_cleanup, Effect};
        use wasm_bindgen::{closure::Closure, JsCast};
        Effect::new(move |_| {
            let Ok(source) = web_sys::EventSource::new(&format!("/api/v1/runs/{run_id}/events")) else {
                return;
            };
            for name in ["snapshot", "item", "progress", "done"] {
                let (on_event, this) = (on_event.clone(), source.clone());
                let listener = Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
                    let data = ev.data().as_string().unwrap_or_default();
                    let event = match name {
                        "snapshot" => serde_json::from_str(&data).ok().map(RunEvent::Snapshot),
                        "item" => serde_json::from_str(&data).ok().map(RunEvent::Item),
                        "progress" => serde_json::from_str(&data).ok().map(RunEvent::Progress),
                        _ => {
                            this.close();
                            serde_json::from_str(&data).ok().map(RunEvent::Done)
                        }
                    };
                    if let Some(event) = event {
                        on_event(event);
                    }
                });
                let _ = source.add_event_listener_with_callback(name, listener.as_ref().unchecked_ref());
                // The listener lives as long as the page's EventSource.
                listener.forget();
            }
            let source = send_wrapper::SendWrapper::new(source);
            on_cleanup(move || source.close());
        });
    }
}

/// Calls `on_event` for every install-wide change (`GET /api/v1/events`) for as
/// long as the calling view lives (browser only). After a dropped connection
/// the browser reconnects by itself, and the stream says `hello` again.
#[allow(unused_variables)]
pub fn follow_install(on_event: impl Fn(crate::model::dashboard_live::InstallEvent) + Clone + 'static) {
    #[cfg(feature = "hydrate")]
    {
        use crate::model::dashboard_live::Change;
        use leptos::prelude::{on_cleanup, Effect};
        use wasm_bindgen::{closure::Closure, JsCast};
        Effect::new(move |_| {
            let Ok(source) = web_sys::EventSource::new("/api/v1/events") else {
                return;
            };
            let on_event = on_event.clone();
            let listener = Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
                let data = ev.data().as_string().unwrap_or_default();
                if let Ok(event) = serde_json::from_str(&data) {
                    on_event(event);
                }
            });
            for name in Change::NAMES {
                let _ = source.add_event_listener_with_callback(name, listener.as_ref().unchecked_ref());
            }
            // The listener lives as long as the page's EventSource.
            listener.forget();
            let source = send_wrapper::SendWrapper::new(source);
            on_cleanup(move || source.close());
        });
    }
}
