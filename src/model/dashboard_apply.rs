//! How the dashboard applies an install-wide change (`model::dashboard_live`)
//! to its figures — cards, every chart and the recent runs — without asking
//! the server again.

use super::dashboard::{Dashboard, LiveRun, RunBucket, ScorePoint, UsageBucket};
use super::dashboard_live::Change;
use super::run::RunStatus;
use super::stats::parse_timestamp_ms;

/// Runs the dashboard lists.
const RECENT_RUNS: usize = 10;

impl Dashboard {
    /// The index of bucket `key`, moving the window on when time has passed its
    /// last bucket; `None` for a bucket before the window.
    fn bucket_index(&mut self, key: &str) -> Option<usize> {
        if let Some(at) = self.buckets.iter().position(|b| b == key) {
            return Some(at);
        }
        let last = self.buckets.last()?;
        if key <= last.as_str() {
            return None;
        }
        // A later bucket: the window slides; its oldest buckets drop off the charts.
        self.buckets.remove(0);
        self.buckets.push(key.to_string());
        let first = self.buckets[0].clone();
        self.runs.retain(|b| b.bucket >= first);
        self.usage.retain(|b| b.bucket >= first);
        self.latency.retain(|b| b.bucket >= first);
        Some(self.buckets.len() - 1)
    }

    /// Applies one live change. Item counts move by the difference from the
    /// run's counters as last seen here; a run not seen before counts from
    /// when it started (`run_started`), or from now on.
    pub fn apply(&mut self, change: &Change) {
        match change {
            Change::Hello | Change::Resync => {}
            Change::RunStarted { run } | Change::RunProgress { run } => {
                self.apply_run(run, matches!(change, Change::RunStarted { .. }))
            }
            Change::RunFinished { run, scores } => {
                self.apply_run(run, false);
                self.apply_scores(run, scores);
            }
            Change::RunScored { run_id, scores } => self.replace_scores(*run_id, scores),
            Change::RunsDeleted { runs } => runs.iter().for_each(|run| self.remove_run(run)),
            Change::TracesIngested { traces } => {
                for hour in &traces.hours {
                    let key = self.range.bucket_of(&hour.hour);
                    if self.bucket_index(&key).is_none() {
                        continue;
                    }
                    let c = &mut self.current;
                    c.traces += hour.count;
                    c.tokens += hour.tokens;
                    c.cost += hour.cost;
                    c.latency_ms_total += hour.latency_ms_total;
                    c.latency_count += hour.latency_count;
                }
                for usage in &traces.usage {
                    let key = self.range.bucket_of(&usage.bucket);
                    if self.bucket_index(&key).is_none() {
                        continue;
                    }
                    match self.usage.iter_mut().find(|u| u.bucket == key && u.model == usage.model) {
                        Some(u) => (u.tokens, u.cost) = (u.tokens + usage.tokens, u.cost + usage.cost),
                        None => self.usage.push(UsageBucket { bucket: key, ..usage.clone() }),
                    }
                }
                let key_len = self.range.key_len();
                for latency in traces.latency.iter().filter(|l| l.bucket.len() == key_len) {
                    if self.bucket_index(&latency.bucket).is_none() {
                        continue;
                    }
                    match self.latency.iter_mut().find(|l| l.bucket == latency.bucket) {
                        Some(l) => *l = latency.clone(),
                        None => {
                            self.latency.push(latency.clone());
                            self.latency.sort_by(|a, b| a.bucket.cmp(&b.bucket));
                        }
                    }
                }
            }
        }
    }

    /// A completed run's score means join its dataset's trends (in place of
    /// any it had: a run finishes again after a retry).
    fn apply_scores(&mut self, run: &LiveRun, scores: &[ScorePoint]) {
        if run.status == RunStatus::Completed {
            self.replace_scores(run.id, scores);
        }
    }

    /// Run `run_id`'s points in the score trends become `scores` (those of
    /// them that fall in the window).
    fn replace_scores(&mut self, run_id: i64, scores: &[ScorePoint]) {
        self.scores.retain(|p| p.run_id != run_id);
        for point in scores.iter().filter(|p| p.run_id == run_id) {
            let key = self.range.bucket_of(&point.created_at);
            if self.bucket_index(&key).is_some() {
                self.scores.push(point.clone());
            }
        }
        self.scores.sort_by(|a, b| (a.dataset_id, a.run_id, &a.score).cmp(&(b.dataset_id, b.run_id, &b.score)));
    }

    /// A deleted run leaves the recent runs and the score trends, and what it
    /// counted leaves the cards and the runs chart: as this page last saw it
    /// when listed here, else as it stood when deleted. A run of the period
    /// before comes off the figures the cards compare with.
    fn remove_run(&mut self, deleted: &LiveRun) {
        let run = match self.recent_runs.iter().position(|r| r.id == deleted.id) {
            Some(at) => self.recent_runs.remove(at),
            None => deleted.clone(),
        };
        self.scores.retain(|p| p.run_id != run.id);
        let (evaluated, succeeded) = (run.finished_items(), run.completed_items);
        let key = self.range.bucket_of(&run.created_at);
        let cards = if self.buckets.contains(&key) {
            if let Some(at) = self.runs.iter().position(|b| b.bucket == key && b.dataset_id == run.dataset_id) {
                let bucket = &mut self.runs[at];
                bucket.runs -= 1;
                bucket.items_evaluated -= evaluated;
                bucket.items_succeeded -= succeeded;
                if bucket.runs <= 0 {
                    self.runs.remove(at);
                }
            }
            &mut self.current
        } else if self.in_previous_period(&run.created_at) {
            &mut self.previous
        } else {
            return;
        };
        cards.runs -= 1;
        cards.items_evaluated -= evaluated;
        cards.items_succeeded -= succeeded;
    }

    /// `ts` falls in the period the cards compare with (as long as the current one, just before it).
    fn in_previous_period(&self, ts: &str) -> bool {
        let (Some(at), Some(from), Some(to)) =
            (parse_timestamp_ms(ts), parse_timestamp_ms(&self.from), parse_timestamp_ms(&self.to))
        else {
            return false;
        };
        (from - (to - from)..from).contains(&at)
    }

    fn apply_run(&mut self, run: &LiveRun, started: bool) {
        let known = self.recent_runs.iter().position(|r| r.id == run.id);
        let (finished_before, succeeded_before, is_new) = match known {
            Some(at) => (self.recent_runs[at].finished_items(), self.recent_runs[at].completed_items, false),
            None if started => (0, 0, true),
            None => (run.finished_items(), run.completed_items, false),
        };
        match known {
            Some(at) => self.recent_runs[at] = run.clone(),
            None => {
                self.recent_runs.insert(0, run.clone());
                self.recent_runs.sort_by_key(|r| std::cmp::Reverse(r.id));
                self.recent_runs.truncate(RECENT_RUNS);
            }
        }
        let key = self.range.bucket_of(&run.created_at);
        if self.bucket_index(&key).is_none() {
            return;
        }
        let (evaluated, succeeded) = (run.finished_items() - finished_before, run.completed_items - succeeded_before);
        let new_runs = i64::from(is_new);
        let c = &mut self.current;
        c.runs += new_runs;
        c.items_evaluated += evaluated;
        c.items_succeeded += succeeded;
        let at = self.runs.iter().position(|b| b.bucket == key && b.dataset_id == run.dataset_id);
        let bucket = match at {
            Some(at) => &mut self.runs[at],
            None => {
                self.runs.push(RunBucket {
                    bucket: key,
                    dataset_id: run.dataset_id,
                    dataset: run.dataset.clone(),
                    runs: 0,
                    items_evaluated: 0,
                    items_succeeded: 0,
                });
                self.runs.last_mut().expect("just pushed")
            }
        };
        bucket.runs += new_runs;
        bucket.items_evaluated += evaluated;
        bucket.items_succeeded += succeeded;
    }
}

#[cfg(test)]
mod tests;
