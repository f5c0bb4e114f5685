//! `GET /api/v1/runs/{id}/events`: a run's progress as server-sent events.
//! Every event carries an `id:` (the run's finished-item sequence); a client
//! reconnecting with `Last-Event-ID` gets what it missed from the database.

use crate::model::run_item::RunEvent;
use crate::server::db;
use crate::server::error::AppError;
use crate::server::runner::{Batch, Published};
use crate::server::AppState;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use std::convert::Infallible;
use std::time::{Duration, Instant};
use tokio::sync::{broadcast, mpsc};

/// A comment line goes out when nothing else has for this long.
const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// A watcher's socket gets at most one write per this interval: under load its
/// events leave together; an event after a quiet spell leaves at once.
const MIN_WRITE_INTERVAL: Duration = Duration::from_millis(50);

/// One event in the wire format. JSON from serde has no raw newlines, so the
/// payload is always a single `data:` line.
pub fn frame(name: &str, id: i64, data: &str) -> String {
    format!("id: {id}\nevent: {name}\ndata: {data}\n\n")
}

fn event(e: &RunEvent, id: i64) -> Bytes {
    let data = match e {
        RunEvent::Snapshot(run) | RunEvent::Done(run) => serde_json::to_string(run),
        RunEvent::Item(item) => serde_json::to_string(item),
        RunEvent::Progress(progress) => serde_json::to_string(progress),
    };
    Bytes::from(frame(e.name(), id, &data.unwrap_or_default()))
}

pub async fn run_events(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let last_seen: Option<i64> =
        headers.get("last-event-id").and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse().ok());
    // Subscribe before reading the database, so nothing falls between the two.
    let live = state.runner.subscribe(id);
    let run = db::runs::find(&state.db.read, id).await?;
    let (out, writes) = mpsc::channel::<Bytes>(4);
    tokio::spawn(async move {
        let mut outbox = Outbox { pending: Vec::new(), out, last_write: None };
        if let Err(err) = feed(&state, run, live, last_seen, &mut outbox).await {
            eprintln!("observ: event stream of run {id}: {err}");
        }
    });
    let body = futures_util::stream::unfold(writes, |mut writes| async move {
        match tokio::time::timeout(KEEP_ALIVE, writes.recv()).await {
            Ok(None) => None,
            Ok(Some(bytes)) => Some((Ok::<_, Infallible>(bytes), writes)),
            Err(_) => Some((Ok(Bytes::from_static(b": keep-alive\n\n")), writes)),
        }
    });
    Ok((
        [
            (header::CONTENT_TYPE, "text/event-stream"),
            (header::CACHE_CONTROL, "no-cache"),
            // Tells a proxy in front (nginx) not to buffer the stream.
            (header::HeaderName::from_static("x-accel-buffering"), "no"),
        ],
        Body::from_stream(body),
    )
        .into_response())
}

/// Frames on their way to one watcher's socket, written together.
struct Outbox {
    pending: Vec<Bytes>,
    out: mpsc::Sender<Bytes>,
    last_write: Option<Instant>,
}

impl Outbox {
    fn push(&mut self, frame: Bytes) {
        self.pending.push(frame);
    }

    /// Hands what is pending to the socket; fails once the client has gone.
    async fn flush(&mut self) -> Result<(), AppError> {
        let bytes = match self.pending.len() {
            0 => return Ok(()),
            1 => self.pending.pop().unwrap_or_default(),
            _ => Bytes::from(self.pending.concat()),
        };
        self.pending.clear();
        self.last_write = Some(Instant::now());
        self.out.send(bytes).await.map_err(|_| AppError::Conflict("client went away".into()))
    }

    /// When the next write may go without breaking the interval.
    fn next_write(&self) -> Option<Instant> {
        self.last_write.map(|at| at + MIN_WRITE_INTERVAL).filter(|at| *at > Instant::now())
    }
}

/// Sends snapshot, missed items, live events and done; returns when done is sent
/// or the client has gone.
async fn feed(
    state: &AppState,
    run: crate::model::run::DatasetRun,
    live: Option<broadcast::Receiver<Published>>,
    last_seen: Option<i64>,
    out: &mut Outbox,
) -> Result<(), AppError> {
    let id = run.id;
    out.push(event(&RunEvent::Snapshot(run.clone()), run.event_seq));
    // Without Last-Event-ID the snapshot stands for everything so far.
    let mut sent = last_seen.unwrap_or(run.event_seq);
    sent = catch_up(state, id, sent, out).await?;
    out.flush().await?;
    let Some(mut live) = live.filter(|_| !run.status.is_finished()) else {
        let run = db::runs::find(&state.db.read, id).await?;
        out.push(event(&RunEvent::Done(run.clone()), run.event_seq));
        return out.flush().await;
    };
    loop {
        let mut received = Some(live.recv().await);
        // Under load, wait out the write interval and take everything that came meanwhile.
        if let Some(at) = out.next_write() {
            tokio::time::sleep_until(at.into()).await;
        }
        let mut finished = false;
        while let Some(next) = received.take().or_else(|| match live.try_recv() {
            Err(broadcast::error::TryRecvError::Empty) => None,
            Ok(p) => Some(Ok(p)),
            Err(broadcast::error::TryRecvError::Lagged(n)) => Some(Err(broadcast::error::RecvError::Lagged(n))),
            Err(broadcast::error::TryRecvError::Closed) => Some(Err(broadcast::error::RecvError::Closed)),
        }) {
            match next {
                // A slow watcher re-reads what it missed; the run never waits for it.
                Err(broadcast::error::RecvError::Lagged(_)) => sent = catch_up(state, id, sent, out).await?,
                Err(broadcast::error::RecvError::Closed) => finished = true,
                Ok(p) if p.is_done() => finished = true,
                Ok(p) => sent = take(p.batch(), sent, out),
            }
            if finished {
                break;
            }
        }
        if finished {
            sent = catch_up(state, id, sent, out).await?;
            let run = db::runs::find(&state.db.read, id).await?;
            out.push(event(&RunEvent::Done(run), sent));
            return out.flush().await;
        }
        out.flush().await?;
    }
}

/// Queues a published batch for a watcher at `sent`; returns its new position.
fn take(batch: &Batch, mut sent: i64, out: &mut Outbox) -> i64 {
    match batch.span {
        // In step with the stream: the frames every watcher shares.
        Some((before, after)) if before == sent => {
            out.push(batch.frames.clone());
            after
        }
        _ => {
            for e in &batch.events {
                match e {
                    RunEvent::Item(item) if item.seq.unwrap_or_default() > sent => {
                        sent = item.seq.unwrap_or_default();
                        out.push(event(e, sent));
                    }
                    RunEvent::Progress(_) => out.push(event(e, sent)),
                    _ => {}
                }
            }
            sent
        }
    }
}

/// Queues the items finished after `sent` from the database; returns the new high mark.
async fn catch_up(state: &AppState, id: i64, mut sent: i64, out: &mut Outbox) -> Result<i64, AppError> {
    for item in db::run_items::finished_after(&state.db.read, id, sent).await? {
        let seq = item.seq.unwrap_or_default();
        out.push(event(&RunEvent::Item(item), seq));
        sent = seq;
    }
    Ok(sent)
}
