//! The run engine: executes a dataset's agent over a run's pending items with
//! bounded concurrency in a server task, hands each result to a writer that
//! commits it (trace, result, counters) and then tells the run's watchers.
//!
//! Everything a run has finished is in the database, so a restarted server
//! resumes unfinished runs by running their pending items only.
//!
//! Several instances may share one database (PostgreSQL): each claims items
//! under a lease (`db::leases`), so a run's concurrency holds across them and
//! an instance that dies loses its items to the others once its leases expire.
//! `instance` keeps this instance's leases alive and joins runs started elsewhere.

pub mod events;
mod instance;
mod item_trace;
mod tasks;
mod writer;

use crate::model::run::{DatasetRun, RunDraft, RunStatus};
use crate::model::run_item::RunEvent;
use crate::model::stats::now_ms;
use crate::server::agents::{AgentContext, AgentRegistry};
use crate::server::db::leases::{self, PendingItem};
use crate::server::db::{self, Db};
use crate::server::error::AppError;
use crate::server::evaluators::{score_all, Subject};
use crate::server::limits::max_agent_calls;
use crate::server::redact::redact_text;
use events::Published;
use item_trace::{ItemResult, RunLabels};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use tasks::ItemTasks;
use tokio::sync::{broadcast, mpsc, Notify, Semaphore};

/// Events a slow watcher may fall behind by before it re-reads from the database.
const EVENT_BUFFER: usize = 1024;

/// A run executing in this process.
pub struct ActiveRun {
    cancelled: AtomicBool,
    cancel: Notify,
    pub events: broadcast::Sender<Published>,
}

impl ActiveRun {
    fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::SeqCst)
    }
}

pub struct Runner {
    db: Db,
    agents: Arc<AgentRegistry>,
    active: Mutex<HashMap<i64, Arc<ActiveRun>>>,
    /// Agent calls in flight across all runs (`OBSERV_MAX_AGENT_CALLS`).
    calls: Arc<Semaphore>,
    /// Set when the server is stopping: no run here claims another item.
    draining: AtomicBool,
    drain: Notify,
    /// This process's name on the leases it holds.
    instance: String,
    lease: instance::Lease,
}

impl Runner {
    pub fn new(db: Db, agents: Arc<AgentRegistry>) -> Arc<Runner> {
        let calls = Arc::new(Semaphore::new(max_agent_calls()));
        let (draining, drain) = (AtomicBool::new(false), Notify::new());
        let (instance, lease) = (instance::name(), instance::Lease::from_env());
        let runner = Arc::new(Runner {
            db,
            agents,
            active: Mutex::new(HashMap::new()),
            calls,
            draining,
            drain,
            instance,
            lease,
        });
        instance::watch(&runner);
        runner
    }

    fn active(&self) -> std::sync::MutexGuard<'_, HashMap<i64, Arc<ActiveRun>>> {
        self.active.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Live events of a run executing here (none when it is not running).
    pub fn subscribe(&self, run_id: i64) -> Option<broadcast::Receiver<Published>> {
        self.active().get(&run_id).map(|run| run.events.subscribe())
    }

    /// Picks up the runs a previous server process left pending or running.
    /// On SQLite, which one process serves, that process's leases go first:
    /// its items in flight run again at once instead of after the lease.
    pub async fn resume_unfinished(self: &Arc<Self>) -> Result<Vec<i64>, AppError> {
        if self.db.dialect() == db::Dialect::Sqlite {
            leases::release_all(&self.db).await?;
        }
        let ids = db::runs::unfinished(&self.db).await?;
        for &id in &ids {
            self.launch(id);
        }
        Ok(ids)
    }

    /// Creates the run (snapshotting the active items) and starts it.
    pub async fn start(self: &Arc<Self>, dataset_id: i64, draft: &RunDraft) -> Result<DatasetRun, AppError> {
        let id = db::runs::create(&self.db, dataset_id, draft).await?;
        self.launch(id);
        db::runs::find_fresh(&self.db, id).await
    }

    /// [`Runner::start`] under the next free default name (`Run n`), whatever `draft.name` says.
    pub async fn start_with_free_name(
        self: &Arc<Self>,
        dataset_id: i64,
        draft: &RunDraft,
    ) -> Result<DatasetRun, AppError> {
        let id = db::runs::create_with_free_name(&self.db, dataset_id, draft).await?;
        self.launch(id);
        db::runs::find_fresh(&self.db, id).await
    }

    /// Stops a pending or running run: no new items start; finished ones stay.
    pub async fn cancel(&self, run_id: i64) -> Result<DatasetRun, AppError> {
        let run = db::runs::find(&self.db, run_id).await?;
        if run.status.is_finished() {
            return Err(AppError::Conflict(format!("run: it is already {}", run.status.as_str())));
        }
        let active = self.active().get(&run_id).cloned();
        match active {
            Some(active) => {
                // Subscribe first: `Done` is sent only after the status is written.
                let mut events = active.events.subscribe();
                active.cancelled.store(true, Ordering::SeqCst);
                active.cancel.notify_waiters();
                // Answer once the run has stopped, so the caller sees `cancelled`.
                while !db::runs::find_progress(&self.db, run_id).await?.status.is_finished() {
                    match events.recv().await {
                        Ok(p) if p.is_done() => break,
                        Err(broadcast::error::RecvError::Closed) => break,
                        _ => {}
                    }
                }
            }
            None => {
                db::runs::finish(&self.db, run_id, true).await?;
            }
        }
        db::runs::find(&self.db, run_id).await
    }

    /// For a graceful stop: no run claims another item, the items in flight
    /// finish and are written, and their runs stay unfinished so the next start
    /// resumes them. Returns true when every run here settled within `deadline`.
    pub async fn drain(&self, deadline: std::time::Duration) -> bool {
        self.draining.store(true, Ordering::SeqCst);
        self.drain.notify_waiters();
        let settled = async {
            while !self.active().is_empty() {
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
        };
        let settled = tokio::time::timeout(deadline, settled).await.is_ok();
        // What is still in flight goes back to pending for another instance (or the next start).
        if let Err(err) = leases::release(&self.db, &self.instance).await {
            eprintln!("observ: releasing this instance's run items: {err}");
        }
        settled
    }

    fn is_draining(&self) -> bool {
        self.draining.load(Ordering::SeqCst)
    }

    /// Runs a finished run's failed items again.
    pub async fn retry(self: &Arc<Self>, run_id: i64) -> Result<DatasetRun, AppError> {
        if db::runs::find_fresh(&self.db, run_id).await?.origin == "sdk" {
            return Err(AppError::Conflict(
                "run: an SDK's experiment reported it, so Observ cannot run its items; run the experiment again from your app"
                    .into(),
            ));
        }
        db::runs::reset_failed(&self.db, run_id).await?;
        self.launch(run_id);
        db::runs::find_fresh(&self.db, run_id).await
    }

    /// Starts executing a run in a server task, unless it already runs here.
    fn launch(self: &Arc<Self>, run_id: i64) {
        let handle = {
            let mut active = self.active();
            if active.contains_key(&run_id) {
                return;
            }
            let (events, _) = broadcast::channel(EVENT_BUFFER);
            let handle = Arc::new(ActiveRun { cancelled: AtomicBool::new(false), cancel: Notify::new(), events });
            active.insert(run_id, handle.clone());
            handle
        };
        if self.is_draining() {
            self.active().remove(&run_id);
            return;
        }
        let runner = self.clone();
        tokio::spawn(async move {
            let task = tokio::spawn(runner.clone().execute(run_id, handle.clone()));
            let outcome = match task.await {
                Ok(result) => result,
                Err(panic) => Err(AppError::internal(format!("run {run_id}: its task panicked: {panic}"))),
            };
            if let Err(err) = outcome {
                // Nobody awaits this task, so its failure is logged and kept on the run.
                eprintln!("observ: run {run_id} failed: {}", redact_text(&err.to_string()));
                let _ = db::runs::fail_to_start(&runner.db, run_id, &err.to_string()).await;
            }
            // A run left for the next start is not done.
            match db::runs::find(&runner.db, run_id).await {
                Ok(run) if run.status.is_finished() => {
                    let _ = handle.events.send(Published::one(RunEvent::Done(run)));
                }
                _ => {}
            }
            runner.active().remove(&run_id);
        });
    }

    async fn execute(self: Arc<Self>, run_id: i64, handle: Arc<ActiveRun>) -> Result<(), AppError> {
        let run = db::runs::find(&self.db, run_id).await?;
        let dataset = db::datasets::find(&self.db, run.dataset_id).await?;
        let Some(agent) = self.agents.get(&dataset.agent_class) else {
            let reason = format!("agent `{}` is not registered", dataset.agent_class);
            db::runs::fail_to_start(&self.db, run_id, &reason).await?;
            return Ok(());
        };
        db::runs::mark_running(&self.db, run_id).await?;
        let _ =
            handle.events.send(Published::one(RunEvent::Progress(db::runs::find_progress(&self.db, run_id).await?)));

        let labels = RunLabels {
            run_id,
            run_name: run.name.clone(),
            dataset_id: dataset.id,
            dataset_name: dataset.name.clone(),
        };
        let (results, inbox) = mpsc::channel::<ItemResult>(run.concurrency as usize * 4);
        let writer = tokio::spawn(writer::write_results(
            self.db.clone(),
            self.instance.clone(),
            labels,
            inbox,
            handle.events.clone(),
        ));

        let evaluators = Some(Arc::new(dataset.evaluators.clone())).filter(|e| !e.is_empty());
        let concurrency = run.concurrency.max(1) as usize;
        let permits = Arc::new(Semaphore::new(concurrency));
        let mut tasks = ItemTasks::default();
        let mut cursor = 0;
        loop {
            if handle.is_cancelled() || self.is_draining() {
                break;
            }
            // Claim a few at a time (half the concurrency free, or nothing running here),
            // after letting the items just started run: fewer, larger claims.
            tokio::task::yield_now().await;
            let free = permits.available_permits();
            let claimed = if free > 0 && (free * 2 >= concurrency || tasks.is_empty()) {
                leases::claim(&self.db, run_id, &self.instance, free as i64, self.lease.ms(), &mut cursor).await?
            } else {
                Vec::new()
            };
            if claimed.is_empty() {
                if tasks.is_empty() && leases::nothing_left(&self.db, run_id).await? {
                    break;
                }
                // Wait for an item here to end, or look again for items other instances left.
                tokio::select! {
                    _ = tasks.settle_next(&results) => {},
                    _ = handle.cancel.notified() => {},
                    _ = self.drain.notified() => {},
                    _ = tokio::time::sleep(self.lease.poll()) => {},
                }
                continue;
            }
            for item in claimed {
                let permit = permits.clone().try_acquire_owned().expect("claimed no more items than free permits");
                let (agent, sender) = (agent.clone(), results.clone());
                let (evaluators, agents, calls) = (evaluators.clone(), self.agents.clone(), self.calls.clone());
                tasks.spawn(item, move |item| async move {
                    // Queued behind every run's calls, never refused.
                    let call = calls.acquire_owned().await.expect("the semaphore is never closed");
                    let mut result = run_item(agent.as_ref(), item).await;
                    drop(call);
                    // Scored before the write, so scores commit with the result they judge.
                    if let (Some(output), Some(evaluators)) = (&result.output, evaluators.as_deref()) {
                        let subject = Subject { input: &result.input, expected: result.expected.as_ref(), output };
                        result.scores = score_all(evaluators, &subject, &agents).await;
                    }
                    let _ = sender.send(result).await;
                    drop(permit);
                });
            }
            tasks.settle_ready(&results).await;
        }
        tasks.settle_all(&results, &handle).await;
        drop(results);
        writer.await.map_err(|e| AppError::internal(format!("result writer stopped: {e}")))??;
        if self.is_draining() && !handle.is_cancelled() {
            // Stopping: what finished is written; the rest waits for another instance or the next start.
            return Ok(());
        }
        // `None`: another instance ended it, or (cancelled there) already has.
        if let Some(status) = db::runs::finish(&self.db, run_id, handle.is_cancelled()).await? {
            debug_assert!(status.is_finished() && status != RunStatus::Pending);
        }
        Ok(())
    }
}

/// Calls the agent on one item and times it; an error is a result too.
async fn run_item(agent: &dyn crate::server::agents::Agent, item: PendingItem) -> ItemResult {
    let cx = AgentContext::new();
    let started_ms = now_ms();
    let clock = std::time::Instant::now();
    let outcome = agent.run(&item.input, &cx).await;
    let latency_ms = clock.elapsed().as_millis() as i64;
    let (output, error) = match outcome {
        Ok(output) => (Some(output), None),
        Err(err) => (None, Some(redact_text(&err.to_string()))),
    };
    ItemResult {
        run_item_id: item.id,
        dataset_item_id: item.dataset_item_id,
        repetition: item.repetition,
        input: item.input,
        output,
        error,
        started_at: crate::model::stats::format_timestamp_ms(started_ms),
        latency_ms,
        observations: cx.into_observations(),
        expected: item.expected_output,
        scores: Vec::new(),
    }
}
