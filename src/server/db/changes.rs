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
//! announces the run to the other instances.

use super::exec::{query, Dialect, Pool, Tx};
use super::Db;
use crate::server::error::AppError;
use sqlx::postgres::PgListener;
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex, OnceLock};
use tokio::sync::{broadcast, watch};

const CHANNEL: &str = "observ_runs";

/// The ids of runs that changed, as this instance hears them, and this
/// process's own commits (a counter).
#[derive(Clone, Debug)]
pub struct Changes {
    remote: Arc<OnceLock<broadcast::Sender<i64>>>,
    local: Arc<watch::Sender<u64>>,
    rescored: Arc<Mutex<BTreeSet<i64>>>,
}

impl Default for Changes {
    fn default() -> Self {
        Changes { remote: Arc::default(), local: Arc::new(watch::channel(0).0), rescored: Arc::default() }
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
}

/// Tells every instance, when `tx` commits, that run `run_id` moved.
pub(super) async fn announce_in(tx: &mut Tx, run_id: i64) -> Result<(), AppError> {
    if tx.dialect() == Dialect::Postgres {
        query("SELECT pg_notify(?, ?)").bind(CHANNEL).bind(run_id.to_string()).execute(tx).await?;
    }
    Ok(())
}

/// Run ids as other instances announce them (PostgreSQL), or `None` on
/// SQLite. The first call starts this instance's one listening connection.
pub fn subscribe(db: &Db) -> Option<broadcast::Receiver<i64>> {
    let Pool::Postgres(pool) = &db.write else { return None };
    let sender = db.changes.remote.get_or_init(|| {
        let (sender, _) = broadcast::channel(4096);
        tokio::spawn(listen(pool.clone(), sender.clone()));
        sender
    });
    Some(sender.subscribe())
}

/// Forwards notifications for as long as the process lives. `recv` reconnects
/// by itself after a lost connection; watchers also poll, so a gap only delays.
async fn listen(pool: sqlx::PgPool, sender: broadcast::Sender<i64>) {
    loop {
        let listener = async {
            let mut listener = PgListener::connect_with(&pool).await?;
            listener.listen(CHANNEL).await?;
            loop {
                let note = listener.recv().await?;
                if let Ok(id) = note.payload().parse::<i64>() {
                    let _ = sender.send(id);
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
