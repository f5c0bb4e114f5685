//! `GET /api/v1/runs/{id}/events`: a run's progress as server-sent events.
//! Every event carries an `id:` (the run's finished-item sequence); a client
//! reconnecting with `Last-Event-ID` gets what it missed from the database,
//! a page at a time. One client may hold only so many streams open at once
//! (`OBSERV_MAX_STREAMS_PER_CLIENT`); past that it gets 429.
//!
//! On SQLite the run executes in this process and its events come from the
//! runner; on PostgreSQL it may execute on any instance, and `shared` follows
//! it through the database instead.
//!
//! `install` is the install-wide stream (`GET /api/v1/events`) the dashboard follows.

pub mod install;
mod shared;
mod trace_sums;

use crate::model::run_item::RunEvent;
use crate::server::db;
use crate::server::error::AppError;
use crate::server::runner::events::{encode, Batch, Published};
use crate::server::AppState;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{header, Extensions, HeaderMap};
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{broadcast, mpsc};

/// A comment line goes out when nothing else has for this long.
const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// A watcher's socket gets at most one write per this interval: under load its
/// events leave together; an event after a quiet spell leaves at once.
const MIN_WRITE_INTERVAL: Duration = Duration::from_millis(50);
/// Finished items read from the database per catch-up query.
const CATCH_UP_PAGE: i64 = 500;

/// Who a stream counts against: the signed-in user or the API key, else the
/// remote address. `None` when neither is known: such streams are not counted.
fn client_of(extensions: &Extensions) -> Option<String> {
    if let Some(principal) = extensions.get::<crate::server::auth::Principal>() {
        return Some(principal.client_id());
    }
    extensions.get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(addr)| addr.ip().to_string())
}

/// Open event streams per client.
pub struct OpenStreams {
    cap: usize,
    open: Mutex<HashMap<String, usize>>,
}

/// One open stream; gives its place back when dropped.
pub struct StreamSlot {
    streams: Arc<OpenStreams>,
    client: String,
}

impl OpenStreams {
    pub fn new(cap: usize) -> Arc<Self> {
        Arc::new(OpenStreams { cap, open: Mutex::new(HashMap::new()) })
    }

    /// The cap from `OBSERV_MAX_STREAMS_PER_CLIENT`.
    pub fn from_env() -> Arc<Self> {
        Self::new(crate::server::limits::max_streams_per_client())
    }

    fn open(&self) -> std::sync::MutexGuard<'_, HashMap<String, usize>> {
        self.open.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A place for one more stream of `client`, or 429 when it holds the cap.
    pub fn claim(self: &Arc<Self>, client: String) -> Result<StreamSlot, AppError> {
        let mut open = self.open();
        let count = open.entry(client.clone()).or_default();
        if *count >= self.cap {
            return Err(AppError::TooMany(format!(
                "too many open event streams: at most {} per client; close one first",
                self.cap
            )));
        }
        *count += 1;
        Ok(StreamSlot { streams: self.clone(), client })
    }
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut open = self.streams.open();
        if let Some(count) = open.get_mut(&self.client) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.client);
            }
        }
    }
}

/// Why a stream's feed stopped early.
enum Stop {
    /// The client closed the stream: nothing to report.
    Gone,
    Failed(AppError),
}

impl From<AppError> for Stop {
    fn from(error: AppError) -> Self {
        Stop::Failed(error)
    }
}

pub async fn run_events(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    extensions: Extensions,
) -> Result<Response, AppError> {
    // Held by the body: the place is given back when the client goes.
    let slot = client_of(&extensions).map(|client| state.streams.claim(client)).transpose()?;
    let last_seen: Option<i64> =
        headers.get("last-event-id").and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse().ok());
    // Subscribe before reading the database, so nothing falls between the two.
    let shared = state.db.dialect() == db::Dialect::Postgres;
    let live = if shared { None } else { state.runner.subscribe(id) };
    let wake = if shared { Some(db::changes::subscribe(&state.db)) } else { None };
    let run = db::runs::find(&state.db, id).await?;
    // An SDK's experiment moves by ingestion, not by this process's runner:
    // its watchers follow the database (polled on SQLite).
    let wake = match wake {
        None if run.origin == "sdk" => Some(None),
        wake => wake,
    };
    let (out, writes) = mpsc::channel::<Bytes>(4);
    tokio::spawn(async move {
        let mut outbox = Outbox { pending: Vec::new(), out, last_write: None };
        let fed = match wake {
            Some(wake) => shared::follow(&state, run, wake, last_seen, &mut outbox).await,
            None => feed(&state, run, live, last_seen, &mut outbox).await,
        };
        if let Err(Stop::Failed(err)) = fed {
            eprintln!("observ: event stream of run {id}: {err}");
        }
    });
    let body = futures_util::stream::unfold((writes, slot), |(mut writes, slot)| async move {
        match tokio::time::timeout(KEEP_ALIVE, writes.recv()).await {
            Ok(None) => None,
            Ok(Some(bytes)) => Some((Ok::<_, Infallible>(bytes), (writes, slot))),
            Err(_) => Some((Ok(Bytes::from_static(b": keep-alive\n\n")), (writes, slot))),
        }
    });
    Ok(event_stream(Body::from_stream(body)))
}

/// A `text/event-stream` response with headers that keep caches and proxies from holding it.
fn event_stream(body: Body) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/event-stream"),
            (header::CACHE_CONTROL, "no-cache"),
            // Tells a proxy in front (nginx) not to buffer the stream.
            (header::HeaderName::from_static("x-accel-buffering"), "no"),
        ],
        body,
    )
        .into_response()
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
    async fn flush(&mut self) -> Result<(), Stop> {
        let bytes = match self.pending.len() {
            0 => return Ok(()),
            1 => self.pending.pop().unwrap_or_default(),
            _ => Bytes::from(self.pending.concat()),
        };
        self.pending.clear();
        self.last_write = Some(Instant::now());
        self.out.send(bytes).await.map_err(|_| Stop::Gone)
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
) -> Result<(), Stop> {
    let id = run.id;
    out.push(encode(&RunEvent::Snapshot(run.clone()), run.event_seq));
    // Without Last-Event-ID the snapshot stands for everything so far.
    let mut sent = last_seen.unwrap_or(run.event_seq);
    sent = catch_up(state, id, sent, out).await?;
    out.flush().await?;
    let Some(mut live) = live.filter(|_| !run.status.is_finished()) else {
        let run = db::runs::find(&state.db, id).await?;
        out.push(encode(&RunEvent::Done(run.clone()), run.event_seq));
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
            let run = db::runs::find(&state.db, id).await?;
            out.push(encode(&RunEvent::Done(run), sent));
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
                        out.push(encode(e, sent));
                    }
                    RunEvent::Progress(_) => out.push(encode(e, sent)),
                    _ => {}
                }
            }
            sent
        }
    }
}

/// Sends the items finished after `sent` from the database, a page at a time;
/// returns the new high mark.
async fn catch_up(state: &AppState, id: i64, mut sent: i64, out: &mut Outbox) -> Result<i64, Stop> {
    loop {
        let page = db::run_items::finished_after(&state.db, id, sent, CATCH_UP_PAGE).await?;
        let full = page.len() as i64 == CATCH_UP_PAGE;
        for item in page {
            let seq = item.seq.unwrap_or_default();
            out.push(encode(&RunEvent::Item(item), seq));
            sent = seq;
        }
        if !full {
            return Ok(sent);
        }
        // A page at a time: the socket's backpressure paces the next query.
        out.flush().await?;
    }
}
