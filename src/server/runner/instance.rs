//! This instance among others on one database: its name on the leases it
//! holds, and the loop that, every beat, keeps those leases alive, stops runs
//! cancelled by another instance, and joins runs another instance started.

use super::Runner;
use crate::server::db::{self, leases};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};
use std::time::Duration;

/// A random name for this process's leases (host names repeat in containers).
pub fn name() -> String {
    format!("observ-{}-{}", std::process::id(), crate::server::auth::secrets::random_token(8))
}

/// How long a claimed item stays this instance's without a heartbeat:
/// `OBSERV_LEASE_SECS` (default 30). An instance that dies loses its items to
/// the others after this long; a live one renews every third of it.
#[derive(Clone, Copy, Debug)]
pub struct Lease(Duration);

impl Lease {
    pub fn from_env() -> Lease {
        let secs = std::env::var("OBSERV_LEASE_SECS").ok().and_then(|v| v.trim().parse::<u64>().ok());
        Lease(Duration::from_secs(secs.filter(|s| *s >= 1).unwrap_or(30)))
    }

    pub fn ms(&self) -> i64 {
        self.0.as_millis() as i64
    }

    /// How often the leases are renewed and other instances' news looked at.
    pub fn beat(&self) -> Duration {
        (self.0 / 3).min(Duration::from_secs(1))
    }

    /// How soon a run with nothing to claim here looks again.
    pub fn poll(&self) -> Duration {
        Duration::from_millis(250).min(self.beat())
    }
}

/// Starts the beat for `runner` (when a runtime is there to run it); it ends
/// with the runner or when the server drains.
pub fn watch(runner: &Arc<Runner>) {
    let Ok(handle) = tokio::runtime::Handle::try_current() else { return };
    let weak = Arc::downgrade(runner);
    let beat = runner.lease.beat();
    handle.spawn(async move {
        let mut ticks = tokio::time::interval(beat);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            let Some(runner) = Weak::upgrade(&weak) else { return };
            if runner.is_draining() {
                return;
            }
            if let Err(err) = beat_once(&runner).await {
                eprintln!("observ: run heartbeat: {err}");
            }
        }
    });
}

async fn beat_once(runner: &Arc<Runner>) -> Result<(), crate::server::error::AppError> {
    let active: Vec<i64> = runner.active().keys().copied().collect();
    if !active.is_empty() {
        leases::renew(&runner.db, &runner.instance, runner.lease.ms()).await?;
        for id in leases::stopped_among(&runner.db, &active).await? {
            if let Some(run) = runner.active().get(&id).cloned() {
                run.cancelled.store(true, Ordering::SeqCst);
                run.cancel.notify_waiters();
            }
        }
    }
    // SDK experiments that went quiet are over.
    db::experiments::finish_quiet(&runner.db, experiment_quiet_ms()).await?;
    // Runs started (or retried) on another instance: help with their items.
    if runner.db.dialect() == db::Dialect::Postgres {
        for id in db::runs::unfinished(&runner.db).await? {
            runner.launch(id);
        }
    }
    Ok(())
}

/// How long an SDK experiment's run waits for more items before it completes
/// with what arrived (`OBSERV_EXPERIMENT_QUIET_SECS`, default 60).
fn experiment_quiet_ms() -> i64 {
    std::env::var("OBSERV_EXPERIMENT_QUIET_SECS")
        .ok()
        .and_then(|v| v.trim().parse::<i64>().ok())
        .filter(|s| *s > 0)
        .unwrap_or(60)
        * 1000
}
