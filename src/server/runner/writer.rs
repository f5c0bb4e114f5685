//! Commits finished items in batches: each item's trace, result and the run's
//! counters share one transaction; watchers hear about items only once committed.
//! A result whose lease this instance lost (it took too long, and another
//! instance claimed the item) is dropped: that instance's result counts.

use super::events::Published;
use super::item_trace::{finished_item, ItemResult, RunLabels};
use crate::server::db::record::record_batch;
use crate::server::db::{self, Db};
use crate::server::error::AppError;
use tokio::sync::{broadcast, mpsc};

/// Most results one transaction commits.
const BATCH: usize = 256;

pub async fn write_results(
    db: Db,
    owner: String,
    labels: RunLabels,
    mut inbox: mpsc::Receiver<ItemResult>,
    events: broadcast::Sender<Published>,
) -> Result<(), AppError> {
    let mut batch = Vec::with_capacity(BATCH);
    while inbox.recv_many(&mut batch, BATCH).await > 0 {
        // Results already on their way join the batch: one turn of the scheduler,
        // never a timer (a wait here holds back the next claims and the events).
        tokio::task::yield_now().await;
        while batch.len() < BATCH {
            match inbox.try_recv() {
                Ok(result) => batch.push(result),
                Err(_) => break,
            }
        }
        let results = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
        let items = record_batch(
            &db,
            labels.run_id,
            &owner,
            results,
            |r| r.run_item_id,
            |r, seq| finished_item(&labels, r, seq),
        )
        .await?;
        // Events go out after the commit: a watcher never sees what a crash could undo.
        if events.receiver_count() > 0 && !items.is_empty() {
            let progress = db::runs::find_progress(&db, labels.run_id).await?;
            let _ = events.send(Published::items(items, progress));
        }
    }
    Ok(())
}
