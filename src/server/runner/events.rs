//! Run events and their wire encoding: what a run tells its watchers, in
//! order, and the server-sent-event frames they travel in. The runner
//! publishes; the event stream endpoint forwards the frames as they are.

use crate::model::run_item::{RunEvent, RunItem, RunProgress};
use axum::body::Bytes;
use std::sync::Arc;

/// What a run tells its watchers: events in order, formatted for the wire once
/// and shared by every watcher.
#[derive(Clone)]
pub struct Published(Arc<Batch>);

pub struct Batch {
    pub events: Vec<RunEvent>,
    /// For items committed together: the stream position before and after them.
    /// A watcher standing at the first can forward `frames` untouched.
    pub span: Option<(i64, i64)>,
    pub frames: Bytes,
}

impl Published {
    /// A single event (a status change, the end of the run).
    pub fn one(event: RunEvent) -> Self {
        Published(Arc::new(Batch { events: vec![event], span: None, frames: Bytes::new() }))
    }

    /// Items of one commit (consecutive `seq`s) and the counters after it.
    pub fn items(items: Vec<RunItem>, progress: RunProgress) -> Self {
        let seqs = items.iter().filter_map(|i| i.seq);
        let span = match (seqs.clone().min(), seqs.max()) {
            (Some(first), Some(last)) if last - first + 1 == items.len() as i64 => Some((first - 1, last)),
            _ => None,
        };
        let mut frames = String::new();
        if let Some((_, last)) = span {
            for item in &items {
                let data = serde_json::to_string(item).unwrap_or_default();
                frames.push_str(&frame("item", item.seq.unwrap_or_default(), &data));
            }
            frames.push_str(&frame("progress", last, &serde_json::to_string(&progress).unwrap_or_default()));
        }
        let mut events: Vec<RunEvent> = items.into_iter().map(RunEvent::Item).collect();
        events.push(RunEvent::Progress(progress));
        Published(Arc::new(Batch { events, span, frames: Bytes::from(frames) }))
    }

    pub fn batch(&self) -> &Batch {
        &self.0
    }

    pub fn is_done(&self) -> bool {
        self.0.events.iter().any(|e| matches!(e, RunEvent::Done(_)))
    }
}

/// One event in the wire format. JSON from serde has no raw newlines, so the
/// payload is always a single `data:` line.
pub fn frame(name: &str, id: i64, data: &str) -> String {
    format!("id: {id}\nevent: {name}\ndata: {data}\n\n")
}

/// One run event as a frame with stream position `id`.
pub fn encode(e: &RunEvent, id: i64) -> Bytes {
    let data = match e {
        RunEvent::Snapshot(run) | RunEvent::Done(run) => serde_json::to_string(run),
        RunEvent::Item(item) => serde_json::to_string(item),
        RunEvent::Progress(progress) => serde_json::to_string(progress),
    };
    Bytes::from(frame(e.name(), id, &data.unwrap_or_default()))
}
