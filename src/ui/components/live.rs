//! Live updates in the browser: an `EventSource` on a server-sent event stream.
//! The browser reconnects by itself with `Last-Event-ID`, so nothing is missed.

use crate::model::run_item::{RunCounters, RunEvent};

/// Calls `on_event` for every event of run `run_id` until `done` (browser only;
/// on the server this does nothing).
#[allow(unused_variables)]
pub fn watch_run(run_id: i64, on_event: impl Fn(RunEvent) + Clone + 'static) {
    #[cfg(feature = "hydrate")]
    listen(format!("/api/v1/runs/{run_id}/events"), &["snapshot", "item", "progress", "done"], move |name, data| {
        let event = match name {
            "snapshot" => serde_json::from_str(data).ok().map(RunEvent::Snapshot),
            "item" => serde_json::from_str(data).ok().map(RunEvent::Item),
            "progress" => serde_json::from_str(data).ok().map(RunEvent::Progress),
            _ => serde_json::from_str(data).ok().map(RunEvent::Done),
        };
        if let Some(event) = event {
            on_event(event);
        }
    });
}

/// Calls `on_counters` with run `run_id`'s counters on every `snapshot`,
/// `progress` and `done` event, for a page that lists runs: it skips the
/// finished items and never reads a whole run (browser only).
#[allow(unused_variables)]
pub fn watch_run_counters(run_id: i64, on_counters: impl Fn(RunCounters) + Clone + 'static) {
    #[cfg(feature = "hydrate")]
    listen(format!("/api/v1/runs/{run_id}/events"), &["snapshot", "progress", "done"], move |_, data| {
        if let Ok(counters) = serde_json::from_str(data) {
            on_counters(counters);
        }
    });
}

/// Calls `on_event` for every install-wide change (`GET /api/v1/events`) for as
/// long as the calling view lives (browser only). After a dropped connection
/// the browser reconnects by itself, and the stream says `hello` again.
#[allow(unused_variables)]
pub fn follow_install(on_event: impl Fn(crate::model::dashboard_live::InstallEvent) + Clone + 'static) {
    #[cfg(feature = "hydrate")]
    listen("/api/v1/events".to_string(), &crate::model::dashboard_live::Change::NAMES, move |_, data| {
        if let Ok(event) = serde_json::from_str(data) {
            on_event(event);
        }
    });
}

/// Opens an `EventSource` on `url` for as long as the calling view lives and
/// passes each event named in `names` to `on_message` with its data. A `done`
/// event is the stream's last: the source closes after it.
#[cfg(feature = "hydrate")]
fn listen(url: String, names: &'static [&'static str], on_message: impl Fn(&'static str, &str) + Clone + 'static) {
    use leptos::prelude::{on_cleanup, Effect};
    use wasm_bindgen::{closure::Closure, JsCast};
    Effect::new(move |_| {
        let Ok(source) = web_sys::EventSource::new(&url) else {
            return;
        };
        for &name in names {
            let (on_message, this) = (on_message.clone(), source.clone());
            let listener = Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
                if name == "done" {
                    this.close();
                }
                on_message(name, &ev.data().as_string().unwrap_or_default());
            });
            let _ = source.add_event_listener_with_callback(name, listener.as_ref().unchecked_ref());
            // The listener lives as long as the page's EventSource.
            listener.forget();
        }
        let source = send_wrapper::SendWrapper::new(source);
        on_cleanup(move || source.close());
    });
}
