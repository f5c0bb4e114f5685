//! A run's events when several instances share the database: the run may
//! execute on any of them, so a watcher follows the database itself — the
//! items after its position (by `seq`) and the run's counters — woken when a
//! commit announces the run (`NOTIFY`, see `db::changes`), and by a timer.
//! `OBSERV_EVENTS=poll` skips the notifications and polls every
//! `OBSERV_EVENT_POLL_MS` (default 100); with notifications the timer is a
//! safety net (every second).

use super::{catch_up, Outbox, Stop};
use crate::model::run::DatasetRun;
use crate::model::run_item::RunEvent;
use crate::server::db;
use crate::server::runner::events::encode;
use crate::server::AppState;
use std::time::Duration;
use tokio::sync::broadcast;

/// How this instance hears of other instances' commits.
fn poll_only() -> bool {
    std::env::var("OBSERV_EVENTS").is_ok_and(|v| v.trim().eq_ignore_ascii_case("poll"))
}

fn poll_interval(poll_only: bool) -> Duration {
    let default = if poll_only { 100 } else { 1000 };
    let ms = std::env::var("OBSERV_EVENT_POLL_MS").ok().and_then(|v| v.trim().parse::<u64>().ok());
    Duration::from_millis(ms.filter(|ms| *ms >= 5).unwrap_or(default))
}

/// Waits until run `id` is announced (any lag counts as news).
async fn announced(wake: &mut Option<broadcast::Receiver<i64>>, id: i64) {
    let Some(receiver) = wake else { return std::future::pending().await };
    loop {
        match receiver.recv().await {
            Ok(run) if run == id => return,
            Ok(_) => {}
            Err(broadcast::error::RecvError::Lagged(_)) => return,
            Err(broadcast::error::RecvError::Closed) => return std::future::pending().await,
        }
    }
}

/// Sends snapshot, missed items, then each commit's items and the counters
/// after it, and done; returns when done is sent or the client has gone.
/// `wake` was subscribed before `run` was read, so no commit falls between.
pub(super) async fn follow(
    state: &AppState,
    run: DatasetRun,
    wake: Option<broadcast::Receiver<i64>>,
    last_seen: Option<i64>,
    out: &mut Outbox,
) -> Result<(), Stop> {
    let id = run.id;
    let poll_only = poll_only();
    let mut wake = wake.filter(|_| !poll_only);
    let every = poll_interval(poll_only);
    out.push(encode(&RunEvent::Snapshot(run.clone()), run.event_seq));
    let mut sent = catch_up(state, id, last_seen.unwrap_or(run.event_seq), out).await?;
    out.flush().await?;
    let mut status = run.status;
    while !status.is_finished() {
        tokio::select! {
            _ = announced(&mut wake, id) => {}
            _ = tokio::time::sleep(every) => {}
        }
        if let Some(at) = out.next_write() {
            tokio::time::sleep_until(at.into()).await;
        }
        let before = sent;
        sent = catch_up(state, id, sent, out).await?;
        let progress = db::runs::find_progress(&state.db, id).await?;
        if sent != before || progress.status != status {
            out.push(encode(&RunEvent::Progress(progress.clone()), sent));
        }
        status = progress.status;
        out.flush().await?;
    }
    sent = catch_up(state, id, sent, out).await?;
    let run = db::runs::find(&state.db, id).await?;
    out.push(encode(&RunEvent::Done(run), sent));
    out.flush().await
}
