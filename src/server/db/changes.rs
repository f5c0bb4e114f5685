//! Word that a run changed, between instances. On PostgreSQL a commit that
//! moves a run also sends `NOTIFY observ_runs, '<run id>'` (delivered when the
//! transaction commits, never before); each instance keeps one listening
//! connection and hands the run ids to its event streams. On SQLite one
//! process serves the database, so its runner's own events say it all.
//!
//! Within this process, every commit the dashboard shows (a run created,
//! started, moved or finished; traces ingested) also bumps a local counter,
//! so the install-wide event stream looks at once instead of at its next tick.
//! A finished run whose scores change (evaluated again, or reviewed) is also
//! noted by id, for the stream's score trends; on PostgreSQL the same commit
//! announces the run to the other instances. So are the traces an ingestion
//! wrote (`NOTIFY observ_traces, '<id>,<id>,…'`): spans that arrive for a trace
//! the dashboard already counted change its figures. A deletion of runs (one,
//! or a dataset's) notes them as they stood before it, and on PostgreSQL sends
//! them in `NOTIFY observ_runs_deleted, '<JSON array>'`, since no instance can
//! read them afterwards.

use super::exec::{query, Dialect, Pool, Tx};
use super::Db;
use crate::model::dashboard::LiveRun;
use crate::server::error::AppError;
use sqlx::postgres::PgListener;
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex, OnceLock};
use tokio::sync::{broadcast, watch};

const CHANNEL: &str = "observ_runs";
const TRACES_CHANNEL: &str = "observ_traces";
const DELETED_CHANNEL: &str = "observ_runs_deleted";
/// A notification's payload must stay under 8,000 bytes.
const PAYLOAD_BYTES: usize = 7_000;

type Remote = (broadcast::Sender<i64>, broadcast::Sender<Vec<i64>>, broadcast::Sender<Vec<LiveRun>>);

/// The ids of runs that changed, as this instance hears them, and this
/// process's own commits (a counter).
#[derive(Clone, Debug)]
pub struct Changes {
    remote: Arc<OnceLock<Remote>>,
    local: Arc<watch::Sender<u64>>,
    rescored: Arc<Mutex<BTreeSet<i64>>>,
    traces: Arc<Mutex<BTreeSet<i64>>>,
    deleted: Arc<Mutex<Vec<LiveRun>>>,
}

impl Default for Changes {
    fn default() -> Self {
        Changes {
            remote: Arc::default(),
            local: Arc::new(watch::channel(0).0),
            rescored: Arc::default(),
            traces: Arc::default(),
            deleted: Arc::default(),
        }
    }
}

impl Db {
    /// Tells this process's watchers that a commit changed what the dashboard shows.
    pub fn touch(&self) {
        self.changes.local.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// This process's commits, as a counter that moves with each.
    pub fn touches(&self) -> watch::Receiver<u64> {
        self.changes.local.subscribe()
    }

    /// Tells this process's watchers that run `run_id`'s scores changed.
    pub fn scores_changed(&self, run_id: i64) {
        self.changes.rescored.lock().unwrap_or_else(|e| e.into_inner()).insert(run_id);
        self.touch();
    }

    /// The runs whose scores changed in this process since the last call.
    pub fn take_rescored(&self) -> BTreeSet<i64> {
        std::mem::take(&mut *self.changes.rescored.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// Tells this process's watchers that an ingestion wrote to these traces.
    pub fn traces_changed(&self, ids: impl IntoIterator<Item = i64>) {
        self.changes.traces.lock().unwrap_or_else(|e| e.into_inner()).extend(ids);
        self.touch();
    }

    /// The traces ingestions in this process wrote to since the last call.
    pub fn take_traces_changed(&self) -> BTreeSet<i64> {
        std::mem::take(&mut *self.changes.traces.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// Tells this process's watchers that these runs were deleted (as they stood).
    pub fn runs_deleted(&self, runs: Vec<LiveRun>) {
        if runs.is_empty() {
            return;
        }
        self.changes.deleted.lock().unwrap_or_else(|e| e.into_inner()).extend(runs);
        self.touch();
    }

    /// The runs deleted in this process since the last call.
    pub fn take_deleted(&self) -> Vec<LiveRun> {
        std::mem::take(&mut *self.changes.deleted.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

/// Tells every instance, when `tx` commits, that run `run_id` moved.
pub(super) async fn announce_in(tx: &mut Tx, run_id: i64) -> Result<(), AppError> {
    if tx.dialect() == Dialect::Postgres {
        query("SELECT pg_notify(?, ?)").bind(CHANNEL).bind(run_id.to_string()).execute(tx).await?;
    }
    Ok(())
}

/// Tells every instance, when `tx` commits, that an ingestion wrote to these traces.
pub(super) async fn announce_traces_in(tx: &mut Tx, ids: &[i64]) -> Result<(), AppError> {
    if tx.dialect() != Dialect::Postgres {
        return Ok(());
    }
    for payload in traces_payloads(ids) {
        query("SELECT pg_notify(?, ?)").bind(TRACES_CHANNEL).bind(payload).execute(&mut *tx).await?;
    }
    Ok(())
}

/// Tells every instance, when `tx` commits, that these runs were deleted.
pub(super) async fn announce_deleted_in(tx: &mut Tx, runs: &[LiveRun]) -> Result<(), AppError> {
    if tx.dialect() != Dialect::Postgres {
        return Ok(());
    }
    for payload in deleted_payloads(runs) {
        query("SELECT pg_notify(?, ?)").bind(DELETED_CHANNEL).bind(payload).execute(&mut *tx).await?;
    }
    Ok(())
}

/// The runs as JSON arrays under the size limit. Names stay behind (a run's
/// name could fill a payload alone): what is subtracted needs only the figures.
fn deleted_payloads(runs: &[LiveRun]) -> Vec<String> {
    let mut payloads = Vec::new();
    let mut current: Vec<String> = Vec::new();
    let mut size = 2;
    for run in runs {
        let run = LiveRun { dataset: String::new(), name: String::new(), ..run.clone() };
        let json = serde_json::to_string(&run).unwrap_or_default();
        if !current.is_empty() && size + json.len() + 1 > PAYLOAD_BYTES {
            payloads.push(format!("[{}]", current.join(",")));
            (current, size) = (Vec::new(), 2);
        }
        size += json.len() + 1;
        current.push(json);
    }
    if !current.is_empty() {
        payloads.push(format!("[{}]", current.join(",")));
    }
    payloads
}

/// `1,2,3`, in as many payloads as their size needs.
fn traces_payloads(ids: &[i64]) -> Vec<String> {
    let mut payloads: Vec<String> = Vec::new();
    for id in ids {
        match payloads.last_mut() {
            // Room for a comma and the longest id (20 characters).
            Some(last) if last.len() + 21 <= PAYLOAD_BYTES => {
                last.push(',');
                last.push_str(&id.to_string());
            }
            _ => payloads.push(id.to_string()),
        }
    }
    payloads
}

/// Run ids as other instances announce them (PostgreSQL), or `None` on
/// SQLite. The first call starts this instance's one listening connection.
pub fn subscribe(db: &Db) -> Option<broadcast::Receiver<i64>> {
    remote(db).map(|(runs, _, _)| runs.subscribe())
}

/// Ids of traces other instances' ingestions wrote to (PostgreSQL), or `None` on SQLite.
pub fn subscribe_traces(db: &Db) -> Option<broadcast::Receiver<Vec<i64>>> {
    remote(db).map(|(_, traces, _)| traces.subscribe())
}

/// Runs other instances deleted, as they stood (PostgreSQL), or `None` on SQLite.
pub fn subscribe_deleted(db: &Db) -> Option<broadcast::Receiver<Vec<LiveRun>>> {
    remote(db).map(|(_, _, deleted)| deleted.subscribe())
}

fn remote(db: &Db) -> Option<&Remote> {
    let Pool::Postgres(pool) = &db.write else { return None };
    Some(db.changes.remote.get_or_init(|| {
        let senders: Remote = (broadcast::channel(4096).0, broadcast::channel(1024).0, broadcast::channel(256).0);
        tokio::spawn(listen(pool.clone(), senders.clone()));
        senders
    }))
}

/// Forwards notifications for as long as the process lives. `recv` reconnects
/// by itself after a lost connection; watchers also poll, so a gap only delays.
async fn listen(pool: sqlx::PgPool, (runs, traces, deleted): Remote) {
    loop {
        let listener = async {
            let mut listener = PgListener::connect_with(&pool).await?;
            listener.listen_all([CHANNEL, TRACES_CHANNEL, DELETED_CHANNEL]).await?;
            loop {
                let note = listener.recv().await?;
                if note.channel() == TRACES_CHANNEL {
                    let ids: Vec<i64> = note.payload().split(',').filter_map(|id| id.parse().ok()).collect();
                    let _ = traces.send(ids);
                } else if note.channel() == DELETED_CHANNEL {
                    match serde_json::from_str::<Vec<LiveRun>>(note.payload()) {
                        Ok(runs) => {
                            let _ = deleted.send(runs);
                        }
                        Err(error) => eprintln!("observ: an unreadable note of deleted runs: {error}"),
                    }
                } else if let Ok(id) = note.payload().parse::<i64>() {
                    let _ = runs.send(id);
                }
            }
        };
        let outcome: Result<(), sqlx::Error> = listener.await;
        if let Err(error) = outcome {
            eprintln!("observ: listening for run changes: {error}; again in 1 s");
        }
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trace_ids_are_split_into_payloads_under_the_limit() {
        assert!(traces_payloads(&[]).is_empty());
        assert_eq!(traces_payloads(&[1, 22, 333]), vec!["1,22,333"]);
        let ids: Vec<i64> = (1_000_000..1_002_000).collect();
        let payloads = traces_payloads(&ids);
        assert!(payloads.len() > 1 && payloads.iter().all(|p| p.len() <= PAYLOAD_BYTES), "{}", payloads.len());
        let back: Vec<i64> = payloads.iter().flat_map(|p| p.split(',').map(|id| id.parse::<i64>().unwrap())).collect();
        assert_eq!(back, ids);
    }

    #[test]
    fn deleted_runs_are_split_into_json_payloads_under_the_limit_without_names() {
        use crate::model::run::RunStatus;
        assert!(deleted_payloads(&[]).is_empty());
        let runs: Vec<LiveRun> = (1..=200)
            .map(|id| LiveRun {
                id,
                dataset_id: 3,
                dataset: "x".repeat(5_000),
                name: format!("Run {id}"),
                status: RunStatus::Completed,
                total_items: 10,
                completed_items: 9,
                failed_items: 1,
                total_cost: 0.25,
                total_tokens: 100,
                created_at: "2026-11-25T09:30:00.000Z".into(),
            })
            .collect();
        let payloads = deleted_payloads(&runs);
        assert!(payloads.len() > 1 && payloads.iter().all(|p| p.len() <= PAYLOAD_BYTES), "{}", payloads.len());
        let back: Vec<LiveRun> =
            payloads.iter().flat_map(|p| serde_json::from_str::<Vec<LiveRun>>(p).unwrap()).collect();
        assert_eq!(back.len(), 200);
        assert!(back.iter().zip(&runs).all(|(b, r)| b.id == r.id && b.completed_items == 9 && b.name.is_empty()));
    }
}
