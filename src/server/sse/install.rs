//! `GET /api/v1/events`: install-wide changes as server-sent events, for the
//! dashboard — a run started, progressed (its counters), finished (with its
//! score means), or had its scores change afterwards; traces arrived (count,
//! tokens, cost per hour, tokens and cost per model, and the latency
//! percentiles of the hours and days they fell in), also those whose id was
//! taken before a newer one but committed after it. Each event is one `data:` line of
//! JSON with its `type` and the server's `sent_ms`; the stream opens with
//! `hello`, and says `resync` when this client fell behind and missed some.
//!
//! One watcher per process follows the database itself, so runs executing on
//! other instances and traces any instance ingested arrive too: it looks when
//! this process commits something (`Db::touch`), when another instance
//! announces a run (PostgreSQL `NOTIFY`), and every second. It looks at most
//! once per [`COALESCE`], so a fast run sends one event per window, not one
//! per item, and every open stream shares the frames it writes.

use super::{client_of, KEEP_ALIVE};
use crate::model::dashboard::LiveRun;
use crate::model::dashboard_live::{Change, InstallEvent, TraceBatch};
use crate::model::stats::now_ms;
use crate::server::db::{self, Db};
use crate::server::error::AppError;
use crate::server::AppState;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::Extensions;
use axum::response::Response;
use std::collections::{BTreeMap, BTreeSet, HashMap};
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
        self.trace_gaps.retain(|_, since| since.elapsed() < GAP_PATIENCE);
        let again: Vec<i64> = self.trace_gaps.keys().copied().collect();
        let db::stats::NewTraces { hours, usage, high, missing, found } =
            db::stats::traces_after(db, self.trace_high, &again).await?;
        self.trace_high = high;
        for id in found {
            self.trace_gaps.remove(&id);
        }
        let now = Instant::now();
        self.trace_gaps.extend(missing.into_iter().map(|id| (id, now)));
        if !listening {
            self.latency_due.clear();
        }
        let mut traces = TraceBatch { usage, ..TraceBatch::default() };
        for hour in &hours {
            (traces.count, traces.tokens, traces.cost) =
                (traces.count + hour.count, traces.tokens + hour.tokens, traces.cost + hour.cost);
            if listening {
                self.latency_due.insert(hour.hour.clone());
            }
        }
        traces.hours = hours;
        if !self.latency_due.is_empty() && self.latency_read.is_none_or(|at| at.elapsed() >= LATENCY_EVERY) {
            self.latency_read = Some(Instant::now());
            let mut keys: Vec<String> = std::mem::take(&mut self.latency_due).into_iter().collect();
            let days: BTreeSet<String> = keys.iter().filter_map(|hour| hour.get(..10)).map(str::to_string).collect();
            keys.extend(days);
            traces.latency = db::stats::latency_of(db, &keys).await?;
        }
        if !traces.hours.is_empty() || !traces.latency.is_empty() {
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
