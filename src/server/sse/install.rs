//! `GET /api/v1/events`: install-wide changes as server-sent events, for the
//! dashboard — a run started, progressed (its counters), finished (with its
//! score means), or had its scores change afterwards; traces arrived (count,
//! tokens, cost per hour, tokens and cost per model, and the latency
//! percentiles of the hours and days they fell in), also those whose id was
//! taken before a newer one but committed after it, and the difference spans
//! arriving later made to a trace already told (for [`LATE_PATIENCE`]); runs
//! were deleted (each as it stood, or `resync` above
//! [`db::stats::MAX_DELETED_TOLD`] at once). Each
//! event is one `data:` line of JSON with its `type` and the server's
//! `sent_ms`; the stream opens with `hello`, and says `resync` when this client
//! fell behind and missed some.
//!
//! One watcher per process follows the database itself, so runs executing on
//! other instances and traces any instance ingested arrive too: it looks when
//! this process commits something (`Db::touch`), when another instance
//! announces a run (PostgreSQL `NOTIFY`), and every second. It looks at most
//! once per [`COALESCE`], so a fast run sends one event per window, not one
//! per item, and every open stream shares the frames it writes.

use super::trace_sums::TraceSums;
use super::{client_of, KEEP_ALIVE};
use crate::model::dashboard::LiveRun;
use crate::model::dashboard_live::{Change, InstallEvent};
use crate::model::stats::now_ms;
use crate::server::db::stats::TraceFigures;
use crate::server::db::{self, Db};
use crate::server::error::AppError;
use crate::server::AppState;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::Extensions;
use axum::response::Response;
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{broadcast, OnceCell};
use tokio::time::Instant;

/// Changes within this window leave together.
pub const COALESCE: Duration = Duration::from_millis(100);
/// The watcher looks this often even when nobody told it anything.
const TICK: Duration = Duration::from_secs(1);
/// Event batches a slow client may fall behind by before it must resync.
const BUFFER: usize = 256;
/// Latency percentiles are read again (a scan of each touched hour and day)
/// at most this often; the buckets touched meanwhile wait for the next read.
const LATENCY_EVERY: Duration = Duration::from_secs(1);
/// How long a trace id passed over while not visible (an ingestion on another
/// instance that took it has not committed yet) is looked for again.
const GAP_PATIENCE: Duration = Duration::from_secs(30);
/// How long a told trace's figures are kept, so that spans arriving later for
/// it are told as the difference they make.
const LATE_PATIENCE: Duration = Duration::from_secs(600);
/// At most this many told traces are kept (the oldest go first).
const MAX_TOLD: usize = 200_000;

/// The process's one watcher and the frames it hands to every open stream.
pub struct InstallFeed {
    frames: broadcast::Sender<Bytes>,
    started: OnceCell<()>,
}

impl InstallFeed {
    pub fn new() -> Arc<InstallFeed> {
        Arc::new(InstallFeed { frames: broadcast::channel(BUFFER).0, started: OnceCell::new() })
    }

    /// The frames from now on; the first call starts the watcher, after it has
    /// read where things stand (so nothing committed after this call is missed).
    async fn subscribe(&self, db: &Db) -> Result<broadcast::Receiver<Bytes>, AppError> {
        self.started
            .get_or_try_init(|| async {
                let seen = Seen::read(db).await?;
                tokio::spawn(watch(db.clone(), self.frames.clone(), seen));
                Ok::<(), AppError>(())
            })
            .await?;
        Ok(self.frames.subscribe())
    }
}

/// What the watcher saw last: the newest ids, and the runs then unfinished.
struct Seen {
    run_high: i64,
    trace_high: i64,
    unfinished: HashMap<i64, LiveRun>,
    /// Hours (`YYYY-MM-DDTHH`) with new traces whose percentiles are not sent yet.
    latency_due: BTreeSet<String>,
    latency_read: Option<Instant>,
    /// Runs other instances announced since the last look (PostgreSQL).
    heard: BTreeSet<i64>,
    /// Trace ids passed over while not visible, and since when: looked for
    /// again until they appear or [`GAP_PATIENCE`] has passed.
    trace_gaps: BTreeMap<i64, Instant>,
    /// Traces told lately, with their figures as told, oldest first in `told_order`.
    told: HashMap<i64, TraceFigures>,
    told_order: VecDeque<(Instant, i64)>,
    /// Traces other instances' ingestions wrote to since the last look (PostgreSQL).
    heard_traces: BTreeSet<i64>,
    /// Runs other instances deleted since the last look (PostgreSQL).
    heard_deleted: Vec<LiveRun>,
    /// Deleted runs told lately (this process hears its own deletions twice
    /// on PostgreSQL: directly and as a notification).
    deleted_told: HashMap<i64, Instant>,
    /// Notifications of deleted runs were missed (this instance fell behind).
    deleted_missed: bool,
}

impl Seen {
    async fn read(db: &Db) -> Result<Seen, AppError> {
        let (run_high, trace_high) = db::stats::high_marks(db).await?;
        let unfinished = db::stats::runs_to_watch(db, run_high, &[]).await?;
        let unfinished = unfinished.into_iter().filter(|r| !r.status.is_finished()).map(|r| (r.id, r)).collect();
        Ok(Seen {
            run_high,
            trace_high,
            unfinished,
            latency_due: BTreeSet::new(),
            latency_read: None,
            heard: BTreeSet::new(),
            trace_gaps: BTreeMap::new(),
            told: HashMap::new(),
            told_order: VecDeque::new(),
            heard_traces: BTreeSet::new(),
            heard_deleted: Vec::new(),
            deleted_told: HashMap::new(),
            deleted_missed: false,
        })
    }

    /// What changed since the last look. The costlier figures (latency
    /// percentiles) are read only while somebody is `listening`.
    async fn look(&mut self, db: &Db, listening: bool) -> Result<Vec<Change>, AppError> {
        let watched: Vec<i64> = self.unfinished.keys().copied().collect();
        // Runs whose scores may have changed since they finished: scored in this
        // process, or announced by another instance while not unfinished here
        // (an unfinished run's announcements are its progress).
        let mut rescored = db.take_rescored();
        rescored.extend(std::mem::take(&mut self.heard));
        rescored.retain(|id| *id <= self.run_high && !watched.contains(id));
        let runs = db::stats::runs_to_watch(db, self.run_high, &watched).await?;
        let mut changes = Vec::new();
        let mut present = Vec::with_capacity(runs.len());
        for run in runs {
            present.push(run.id);
            changes.extend(self.run_changes(run));
        }
        // Deleted meanwhile: nothing more to say about them.
        self.unfinished.retain(|id, _| present.contains(id));
        let mut deleted = db.take_deleted();
        deleted.extend(std::mem::take(&mut self.heard_deleted));
        self.deleted_told.retain(|_, at| at.elapsed() < LATE_PATIENCE);
        let now = Instant::now();
        deleted.retain(|run| self.deleted_told.insert(run.id, now).is_none());
        if deleted.len() > db::stats::MAX_DELETED_TOLD || std::mem::take(&mut self.deleted_missed) {
            changes.push(Change::Resync);
        } else if !deleted.is_empty() {
            changes.push(Change::RunsDeleted { runs: deleted });
        }
        if listening {
            for change in &mut changes {
                if let Change::RunFinished { run, scores } = change {
                    *scores = db::stats::run_score_points(db, run.id).await?;
                }
            }
            for run_id in rescored {
                if let Some(scores) = db::stats::completed_run_score_points(db, run_id).await? {
                    changes.push(Change::RunScored { run_id, scores });
                }
            }
        }
        let mut sums = TraceSums::default();
        // Told traces that ingestions wrote to since: the difference they made.
        let mut touched = db.take_traces_changed();
        touched.extend(std::mem::take(&mut self.heard_traces));
        touched.retain(|id| self.told.contains_key(id));
        let touched: Vec<i64> = touched.into_iter().collect();
        for (id, now) in db::stats::traces_now(db, &touched).await? {
            let Some(told) = self.told.get_mut(&id) else { continue };
            if *told != now {
                sums.add(told, -1);
                sums.add(&now, 1);
                *told = now;
            }
        }
        self.trace_gaps.retain(|_, since| since.elapsed() < GAP_PATIENCE);
        let again: Vec<i64> = self.trace_gaps.keys().copied().collect();
        let db::stats::NewTraces { traces: new, high, missing, found } =
            db::stats::traces_after(db, self.trace_high, &again).await?;
        self.trace_high = high;
        for id in found {
            self.trace_gaps.remove(&id);
        }
        let now = Instant::now();
        self.trace_gaps.extend(missing.into_iter().map(|id| (id, now)));
        for (id, figures) in new {
            sums.add(&figures, 1);
            self.told.insert(id, figures);
            self.told_order.push_back((now, id));
        }
        while let Some(&(at, id)) = self.told_order.front() {
            if at.elapsed() < LATE_PATIENCE && self.told_order.len() <= MAX_TOLD {
                break;
            }
            self.told_order.pop_front();
            self.told.remove(&id);
        }
        if !listening {
            self.latency_due.clear();
        }
        let mut traces = sums.batch();
        if listening {
            self.latency_due.extend(traces.hours.iter().map(|h| h.hour.clone()));
        }
        if !self.latency_due.is_empty() && self.latency_read.is_none_or(|at| at.elapsed() >= LATENCY_EVERY) {
            self.latency_read = Some(Instant::now());
            let mut keys: Vec<String> = std::mem::take(&mut self.latency_due).into_iter().collect();
            let days: BTreeSet<String> = keys.iter().filter_map(|hour| hour.get(..10)).map(str::to_string).collect();
            keys.extend(days);
            traces.latency = db::stats::latency_of(db, &keys).await?;
        }
        if !traces.hours.is_empty() || !traces.usage.is_empty() || !traces.latency.is_empty() {
            changes.push(Change::TracesIngested { traces });
        }
        Ok(changes)
    }

    fn run_changes(&mut self, run: LiveRun) -> Vec<Change> {
        let finished = run.status.is_finished();
        let mut changes = Vec::new();
        if run.id > self.run_high {
            self.run_high = run.id;
            changes.push(Change::RunStarted { run: run.clone() });
            if finished {
                changes.push(Change::RunFinished { run, scores: Vec::new() });
            } else {
                self.unfinished.insert(run.id, run);
            }
            return changes;
        }
        if self.unfinished.get(&run.id) == Some(&run) {
            return changes;
        }
        if finished {
            // Only runs seen unfinished are asked for, so this one just ended.
            self.unfinished.remove(&run.id);
            changes.push(Change::RunFinished { run, scores: Vec::new() });
        } else {
            // Moved, or back to pending (a retry).
            self.unfinished.insert(run.id, run.clone());
            changes.push(Change::RunProgress { run });
        }
        changes
    }
}

/// One event in the wire format.
fn frame(change: Change) -> Bytes {
    let name = change.name();
    let data = serde_json::to_string(&InstallEvent { sent_ms: now_ms(), change }).unwrap_or_default();
    Bytes::from(format!("event: {name}\ndata: {data}\n\n"))
}

/// Looks whenever something may have changed, at most once per [`COALESCE`],
/// for as long as the process lives; a failed look is logged and tried again.
async fn watch(db: Db, frames: broadcast::Sender<Bytes>, mut seen: Seen) {
    let mut touches = db.touches();
    let mut remote = db::changes::subscribe(&db);
    let mut remote_traces = db::changes::subscribe_traces(&db);
    let mut remote_deleted = db::changes::subscribe_deleted(&db);
    let mut next_look = Instant::now();
    loop {
        tokio::select! {
            changed = touches.changed() => {
                if changed.is_err() {
                    // The database handle is gone: so is the server.
                    return;
                }
            }
            note = async { match remote.as_mut() { Some(r) => r.recv().await, None => std::future::pending().await } } => {
                match note {
                    Ok(run_id) => {
                        seen.heard.insert(run_id);
                    }
                    Err(broadcast::error::RecvError::Closed) => remote = None,
                    Err(broadcast::error::RecvError::Lagged(_)) => {}
                }
            }
            note = async { match remote_traces.as_mut() { Some(r) => r.recv().await, None => std::future::pending().await } } => {
                match note {
                    Ok(ids) => seen.heard_traces.extend(ids),
                    Err(broadcast::error::RecvError::Closed) => remote_traces = None,
                    Err(broadcast::error::RecvError::Lagged(_)) => {}
                }
            }
            note = async { match remote_deleted.as_mut() { Some(r) => r.recv().await, None => std::future::pending().await } } => {
                match note {
                    Ok(runs) => seen.heard_deleted.extend(runs),
                    Err(broadcast::error::RecvError::Closed) => remote_deleted = None,
                    // Missed deletions: every dashboard reads its figures again.
                    Err(broadcast::error::RecvError::Lagged(_)) => seen.deleted_missed = true,
                }
            }
            _ = tokio::time::sleep(TICK) => {}
        }
        tokio::time::sleep_until(next_look).await;
        next_look = Instant::now() + COALESCE;
        touches.borrow_and_update();
        let listening = frames.receiver_count() > 0;
        match seen.look(&db, listening).await {
            Ok(changes) if listening && !changes.is_empty() => {
                let batch: Vec<Bytes> = changes.into_iter().map(frame).collect();
                let _ = frames.send(Bytes::from(batch.concat()));
            }
            Ok(_) => {}
            Err(err) => eprintln!("observ: install-wide events: {err}"),
        }
    }
}

pub async fn install_events(State(state): State<AppState>, extensions: Extensions) -> Result<Response, AppError> {
    // Held by the body: the place is given back when the client goes.
    let slot = client_of(&extensions).map(|client| state.streams.claim(client)).transpose()?;
    let feed = state.install.subscribe(&state.db).await?;
    let hello = Some(frame(Change::Hello));
    let body = futures_util::stream::unfold((feed, hello, slot), |(mut feed, hello, slot)| async move {
        if let Some(hello) = hello {
            return Some((Ok::<_, Infallible>(hello), (feed, None, slot)));
        }
        let bytes = match tokio::time::timeout(KEEP_ALIVE, feed.recv()).await {
            Ok(Ok(bytes)) => bytes,
            Ok(Err(broadcast::error::RecvError::Lagged(_))) => frame(Change::Resync),
            Ok(Err(broadcast::error::RecvError::Closed)) => return None,
            Err(_) => Bytes::from_static(b": keep-alive\n\n"),
        };
        Some((Ok(bytes), (feed, None, slot)))
    });
    Ok(super::event_stream(Body::from_stream(body)))
}
