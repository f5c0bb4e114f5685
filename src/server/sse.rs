//! `GET /api/v1/runs/{id}/events`: a run's progress as server-sent events.
//! Every event carries an `id:` (the run's finished-item sequence); a client
//! reconnecting with `Last-Event-ID` gets what it missed from the database.

use crate::model::run_item::RunEvent;
use crate::server::db;
use crate::server::error::AppError;
use crate::server::AppState;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::stream::Stream;
use std::convert::Infallible;
use std::time::Duration;
use tokio::sync::{broadcast, mpsc};

fn event(e: &RunEvent, id: i64) -> Event {
    let data = match e {
        RunEvent::Snapshot(run) | RunEvent::Done(run) => serde_json::to_string(run),
        RunEvent::Item(item) => serde_json::to_string(item),
        RunEvent::Progress(progress) => serde_json::to_string(progress),
    };
    Event::default().event(e.name()).id(id.to_string()).data(data.unwrap_or_default())
}

pub async fn run_events(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, AppError> {
    let last_seen: Option<i64> =
        headers.get("last-event-id").and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse().ok());
    // Subscribe before reading the database, so nothing falls between the two.
    let live = state.runner.subscribe(id);
    let run = db::runs::find(&state.db.read, id).await?;
    let (out, stream) = mpsc::channel::<Event>(256);
    tokio::spawn(async move {
        if let Err(err) = feed(&state, run, live, last_seen, &out).await {
            eprintln!("observ: event stream of run {id}: {err}");
        }
    });
    let stream = futures_util::stream::unfold(stream, |mut rx| async move { rx.recv().await.map(|e| (Ok(e), rx)) });
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

/// Sends snapshot, missed items, live events and done; returns when done is sent
/// or the client has gone.
async fn feed(
    state: &AppState,
    run: crate::model::run::DatasetRun,
    live: Option<broadcast::Receiver<RunEvent>>,
    last_seen: Option<i64>,
    out: &mpsc::Sender<Event>,
) -> Result<(), AppError> {
    let id = run.id;
    let closed = |_| AppError::Conflict("client went away".into());
    out.send(event(&RunEvent::Snapshot(run.clone()), run.event_seq)).await.map_err(closed)?;
    // Without Last-Event-ID the snapshot stands for everything so far.
    let mut sent = last_seen.unwrap_or(run.event_seq);
    sent = catch_up(state, id, sent, out).await?;
    let Some(mut live) = live.filter(|_| !run.status.is_finished()) else {
        let run = db::runs::find(&state.db.read, id).await?;
        out.send(event(&RunEvent::Done(run.clone()), run.event_seq)).await.map_err(closed)?;
        return Ok(());
    };
    loop {
        match live.recv().await {
            Ok(RunEvent::Item(item)) => {
                let seq = item.seq.unwrap_or_default();
                if seq > sent {
                    out.send(event(&RunEvent::Item(item), seq)).await.map_err(closed)?;
                    sent = seq;
                }
            }
            Ok(progress @ RunEvent::Progress(_)) => out.send(event(&progress, sent)).await.map_err(closed)?,
            Ok(RunEvent::Snapshot(_)) => {}
            // A slow watcher re-reads what it missed; the run never waits for it.
            Err(broadcast::error::RecvError::Lagged(_)) => sent = catch_up(state, id, sent, out).await?,
            Ok(RunEvent::Done(_)) | Err(broadcast::error::RecvError::Closed) => {
                sent = catch_up(state, id, sent, out).await?;
                let run = db::runs::find(&state.db.read, id).await?;
                out.send(event(&RunEvent::Done(run), sent)).await.map_err(closed)?;
                return Ok(());
            }
        }
    }
}

/// Sends the items finished after `sent` from the database; returns the new high mark.
async fn catch_up(state: &AppState, id: i64, mut sent: i64, out: &mpsc::Sender<Event>) -> Result<i64, AppError> {
    for item in db::run_items::finished_after(&state.db.read, id, sent).await? {
        let seq = item.seq.unwrap_or_default();
        out.send(event(&RunEvent::Item(item), seq)).await.map_err(|_| AppError::Conflict("client went away".into()))?;
        sent = seq;
    }
    Ok(sent)
}
