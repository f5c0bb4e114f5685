//! A run's item tasks. A task that panics still ends its item: the item is
//! recorded as failed with the panic's message, so a finished run never keeps
//! a pending item. Cancelling the run stops the tasks in flight (their agents'
//! subprocesses die with them); their items end as cancelled.

use super::item_trace::ItemResult;
use super::ActiveRun;
use crate::server::db::leases::PendingItem;
use std::collections::HashMap;
use std::future::Future;
use tokio::sync::mpsc;
use tokio::task::{Id, JoinError, JoinSet};

#[derive(Default)]
pub struct ItemTasks {
    tasks: JoinSet<()>,
    /// What each running task works on, to fail its item should it panic.
    items: HashMap<Id, PendingItem>,
}

impl ItemTasks {
    /// Starts `work` on `item`.
    pub fn spawn<F, Fut>(&mut self, item: PendingItem, work: F)
    where
        F: FnOnce(PendingItem) -> Fut,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let kept = item.clone();
        let id = self.tasks.spawn(work(item)).id();
        self.items.insert(id, kept);
    }

    pub fn is_empty(&self) -> bool {
        self.tasks.is_empty()
    }

    /// Waits for the next task to end (forever when none runs).
    pub async fn settle_next(&mut self, results: &mpsc::Sender<ItemResult>) {
        match self.tasks.join_next_with_id().await {
            Some(joined) => self.settle(joined, results).await,
            None => std::future::pending().await,
        }
    }

    /// Collects the tasks already done without waiting.
    pub async fn settle_ready(&mut self, results: &mpsc::Sender<ItemResult>) {
        while let Some(joined) = self.tasks.try_join_next_with_id() {
            self.settle(joined, results).await;
        }
    }

    /// Waits for every task; stops those still running if the run is cancelled.
    pub async fn settle_all(&mut self, results: &mpsc::Sender<ItemResult>, run: &ActiveRun) {
        loop {
            // Listen before looking, so a cancel between the two is not missed.
            let cancelled = run.cancel.notified();
            tokio::pin!(cancelled);
            cancelled.as_mut().enable();
            if run.is_cancelled() {
                self.tasks.abort_all();
            }
            tokio::select! {
                joined = self.tasks.join_next_with_id() => match joined {
                    Some(joined) => self.settle(joined, results).await,
                    None => return,
                },
                _ = &mut cancelled => {}
            }
        }
    }

    async fn settle(&mut self, joined: Result<(Id, ()), JoinError>, results: &mpsc::Sender<ItemResult>) {
        let err = match joined {
            Ok((id, ())) => {
                self.items.remove(&id);
                return;
            }
            Err(err) => err,
        };
        let Some(item) = self.items.remove(&err.id()) else { return };
        // A stopped task's item stays pending: finishing the cancelled run marks it cancelled.
        if err.is_panic() {
            let reason = panic_message(err);
            eprintln!("observ: run item {} failed: {reason}", item.id);
            let _ = results.send(failed(item, reason)).await;
        }
    }
}

fn panic_message(err: JoinError) -> String {
    let payload = err.into_panic();
    let text = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".to_string());
    format!("the item's task panicked: {text}")
}

fn failed(item: PendingItem, error: String) -> ItemResult {
    ItemResult {
        run_item_id: item.id,
        dataset_item_id: item.dataset_item_id,
        repetition: item.repetition,
        input: item.input,
        output: None,
        error: Some(error),
        started_at: crate::model::stats::format_timestamp_ms(crate::model::stats::now_ms()),
        latency_ms: 0,
        observations: Vec::new(),
        expected: item.expected_output,
        scores: Vec::new(),
    }
}
