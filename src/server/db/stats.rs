//! Figures for the dashboard: a period's cards and series, and what changed
//! since the live stream last looked (runs that moved, traces that arrived).
//! Buckets are prefixes of the stored timestamp text (`YYYY-MM-DDTHH` or
//! `YYYY-MM-DD`), which both backends cut the same way.

use super::exec::{query, query_as, query_scalar, Query, Tx};
use super::Db;
use crate::model::dashboard::{
    latency_buckets, Cards, Dashboard, LatencyBucket, LiveRun, Range, RunBucket, ScorePoint, UsageBucket, Window,
};
use crate::model::run::RunStatus;
use crate::model::stats::format_timestamp_ms;
use crate::server::error::AppError;

const LIVE_RUN_COLUMNS: &str = "r.id, r.dataset_id, d.name AS dataset, r.name, r.status, \
     COALESCE(r.total_items, 0) AS total_items, COALESCE(r.completed_items, 0) AS completed_items, \
     COALESCE(r.failed_items, 0) AS failed_items, CAST(COALESCE(r.total_cost, 0) AS REAL) AS total_cost, \
     COALESCE(r.total_tokens, 0) AS total_tokens, r.created_at \
     FROM observ_dataset_runs r JOIN observ_datasets d ON d.id = r.dataset_id";

/// Everything the dashboard shows for `range` ending now.
pub async fn dashboard(db: &Db, range: Range, now_ms: i64) -> Result<Dashboard, AppError> {
    let window = range.window(now_ms);
    Ok(Dashboard {
        range,
        current: cards(db, &window.from, &window.to).await?,
        previous: cards(db, &window.previous_from, &window.from).await?,
        runs: run_buckets(db, range, &window).await?,
        usage: usage_buckets(db, range, &window).await?,
        latency: latency(db, range, &window).await?,
        scores: score_trends(db, &window).await?,
        recent_runs: recent_runs(db, 10).await?,
        from: window.from,
        to: window.to,
        buckets: window.buckets,
    })
}

async fn cards(db: &Db, from: &str, to: &str) -> Result<Cards, AppError> {
    let pool = &db.read;
    let (runs, items_evaluated, items_succeeded): (i64, i64, i64) = query_as(
        "SELECT count(*), CAST(COALESCE(sum(completed_items + failed_items), 0) AS BIGINT), \
         CAST(COALESCE(sum(completed_items), 0) AS BIGINT) \
         FROM observ_dataset_runs WHERE created_at >= ? AND created_at < ?",
    )
    .bind(from)
    .bind(to)
    .fetch_one(pool)
    .await?;
    let (traces, tokens, cost, latency_ms_total, latency_count): (i64, i64, f64, f64, i64) = query_as(
        "SELECT count(*), CAST(COALESCE(sum(total_tokens), 0) AS BIGINT), CAST(COALESCE(sum(total_cost), 0) AS REAL), \
         CAST(COALESCE(sum(latency_ms), 0) AS REAL), count(latency_ms) \
         FROM observ_traces WHERE start_time >= ? AND start_time < ?",
    )
    .bind(from)
    .bind(to)
    .fetch_one(pool)
    .await?;
    Ok(Cards { runs, items_evaluated, items_succeeded, traces, tokens, cost, latency_ms_total, latency_count })
}

async fn run_buckets(db: &Db, range: Range, w: &Window) -> Result<Vec<RunBucket>, AppError> {
    let bucket = format!("substr(r.created_at, 1, {})", range.key_len());
    let rows: Vec<(String, i64, String, i64, i64, i64)> = query_as(format!(
        "SELECT {bucket}, r.dataset_id, d.name, count(*), \
         CAST(COALESCE(sum(r.completed_items + r.failed_items), 0) AS BIGINT), \
         CAST(COALESCE(sum(r.completed_items), 0) AS BIGINT) \
         FROM observ_dataset_runs r JOIN observ_datasets d ON d.id = r.dataset_id \
         WHERE r.created_at >= ? AND r.created_at < ? \
         GROUP BY {bucket}, r.dataset_id, d.name ORDER BY {bucket}, r.dataset_id"
    ))
    .bind(w.from.as_str())
    .bind(w.to.as_str())
    .fetch_all(&db.read)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(bucket, dataset_id, dataset, runs, items_evaluated, items_succeeded)| RunBucket {
            bucket,
            dataset_id,
            dataset,
            runs,
            items_evaluated,
            items_succeeded,
        })
        .collect())
}

async fn usage_buckets(db: &Db, range: Range, w: &Window) -> Result<Vec<UsageBucket>, AppError> {
    let bucket = format!("substr(m.start_time, 1, {})", range.key_len());
    let rows: Vec<(String, String, i64, f64)> = query_as(format!(
        "SELECT {bucket}, m.model, CAST(COALESCE(sum(t.total_tokens), 0) AS BIGINT), \
         CAST(COALESCE(sum(t.total_cost), 0) AS REAL) \
         FROM observ_trace_models m JOIN observ_traces t ON t.id = m.trace_id \
         WHERE m.start_time >= ? AND m.start_time < ? \
         GROUP BY {bucket}, m.model ORDER BY {bucket}, m.model"
    ))
    .bind(w.from.as_str())
    .bind(w.to.as_str())
    .fetch_all(&db.read)
    .await?;
    Ok(rows.into_iter().map(|(bucket, model, tokens, cost)| UsageBucket { bucket, model, tokens, cost }).collect())
}

/// p50/p95 per bucket from the traces' latencies (read in order, ranked here:
/// SQLite has no percentile function).
async fn latency(db: &Db, range: Range, w: &Window) -> Result<Vec<LatencyBucket>, AppError> {
    let bucket = format!("substr(start_time, 1, {})", range.key_len());
    let rows: Vec<(String, i64)> = query_as(format!(
        "SELECT {bucket}, latency_ms FROM observ_traces \
         WHERE start_time >= ? AND start_time < ? AND latency_ms IS NOT NULL ORDER BY {bucket}, latency_ms"
    ))
    .bind(w.from.as_str())
    .bind(w.to.as_str())
    .fetch_all(&db.read)
    .await?;
    Ok(latency_buckets(&rows))
}

/// Each score's mean over completed runs (those of `where_`, binding the
/// status first), per dataset, oldest run first.
fn score_points(where_: &str) -> String {
    format!(
        "SELECT r.dataset_id, d.name AS dataset, r.id AS run_id, r.name AS run, r.created_at, s.name AS score, \
         CAST(avg(s.value) AS REAL) AS mean \
         FROM observ_scores s JOIN observ_dataset_runs r ON r.id = s.observ_dataset_run_id \
         JOIN observ_datasets d ON d.id = r.dataset_id \
         WHERE r.status = ? AND s.value IS NOT NULL AND {where_} \
         GROUP BY r.dataset_id, d.name, r.id, r.name, r.created_at, s.name ORDER BY r.dataset_id, r.id, s.name"
    )
}

/// Each score's mean per completed run of the period, per dataset, oldest run first.
async fn score_trends(db: &Db, w: &Window) -> Result<Vec<ScorePoint>, AppError> {
    Ok(query_as(score_points("r.created_at >= ? AND r.created_at < ?"))
        .bind(RunStatus::Completed.code())
        .bind(w.from.as_str())
        .bind(w.to.as_str())
        .fetch_all(&db.read)
        .await?)
}

/// The newest runs across datasets.
pub async fn recent_runs(db: &Db, limit: i64) -> Result<Vec<LiveRun>, AppError> {
    Ok(query_as(format!("SELECT {LIVE_RUN_COLUMNS} ORDER BY r.id DESC LIMIT ?"))
        .bind(limit)
        .fetch_all(&db.read)
        .await?)
}

/// Which runs a deletion takes: one run, or every run of a dataset.
#[derive(Clone, Copy, Debug)]
pub enum Deleting {
    Run(i64),
    Dataset(i64),
}

/// A deletion tells dashboards about at most this many runs; above it they
/// read everything again.
pub const MAX_DELETED_TOLD: usize = 500;
/// How far back a deleted run can still count on a dashboard: the widest range
/// (30 days) and the period before it, with a day to spare.
const DELETED_TOLD_DAYS: i64 = 61;

/// The runs a deletion is about to take, as they stand, read in its
/// transaction: those created recently enough to count on a dashboard, at most
/// one more than [`MAX_DELETED_TOLD`].
pub async fn runs_being_deleted(tx: &mut Tx, which: Deleting, now_ms: i64) -> Result<Vec<LiveRun>, AppError> {
    let (column, id) = match which {
        Deleting::Run(id) => ("r.id", id),
        Deleting::Dataset(id) => ("r.dataset_id", id),
    };
    let since = format_timestamp_ms(now_ms - DELETED_TOLD_DAYS * 86_400_000);
    Ok(query_as(format!("SELECT {LIVE_RUN_COLUMNS} WHERE {column} = ? AND r.created_at >= ? ORDER BY r.id LIMIT ?"))
        .bind(id)
        .bind(since)
        .bind(MAX_DELETED_TOLD as i64 + 1)
        .fetch_all(&mut *tx)
        .await?)
}

/// Where the live stream starts looking: the newest run and trace ids.
pub async fn high_marks(db: &Db) -> Result<(i64, i64), AppError> {
    Ok(query_as(
        "SELECT (SELECT COALESCE(max(id), 0) FROM observ_dataset_runs), (SELECT COALESCE(max(id), 0) FROM observ_traces)",
    )
    .fetch_one(&db.write)
    .await?)
}

/// Runs created after `after_id`, unfinished runs, and the runs in `watched`
/// (unfinished when last seen): what may have moved since.
pub async fn runs_to_watch(db: &Db, after_id: i64, watched: &[i64]) -> Result<Vec<LiveRun>, AppError> {
    let mut q = query(format!("SELECT {LIVE_RUN_COLUMNS} WHERE r.id > ? OR r.status IN (?, ?)"));
    q = q.bind(after_id).bind(RunStatus::Pending.code()).bind(RunStatus::Running.code());
    if !watched.is_empty() {
        q.push(" OR r.id IN (").push_list(watched.iter().copied()).push(")");
    }
    q.push(" ORDER BY r.id");
    // The write pool: on SQLite it sees this process's commits at once.
    Ok(q.build_query_as().fetch_all(&db.write).await?)
}

/// What one trace adds to the dashboard, as last read: the hour it started in,
/// its totals, and the models it used (each with the hour its usage counts in).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TraceFigures {
    pub hour: String,
    pub tokens: i64,
    pub cost: f64,
    pub latency_ms: Option<i64>,
    pub models: Vec<(String, String)>,
}

/// Traces new since the last look, grouped for the dashboard.
#[derive(Debug, Default)]
pub struct NewTraces {
    /// Each new trace's figures (what was counted), by id.
    pub traces: Vec<(i64, TraceFigures)>,
    /// The newest trace id now: where the next look starts.
    pub high: i64,
    /// Ids up to `high` that are not visible yet: on PostgreSQL, a transaction
    /// that took an id before a later one committed can commit after it (or
    /// never, when it rolls back). Look again for them.
    pub missing: Vec<i64>,
    /// Those of the ids looked for again that have appeared (counted here).
    pub found: Vec<i64>,
}

/// At most this many unseen ids are looked for again.
const MAX_MISSING: i64 = 1000;

/// The traces with ids in (`after_id`, newest id], and those of `again` (ids
/// that were missing) that have appeared since, each with its figures.
pub async fn traces_after(db: &Db, after_id: i64, again: &[i64]) -> Result<NewTraces, AppError> {
    let high: i64 = query_scalar("SELECT COALESCE(max(id), 0) FROM observ_traces").fetch_one(&db.write).await?;
    let high = high.max(after_id);
    let mut new = NewTraces { high, ..NewTraces::default() };
    if !again.is_empty() {
        let mut q = query("SELECT id FROM observ_traces WHERE id IN (");
        q.push_list(again.iter().copied()).push(")");
        new.found = q.build_query_scalar().fetch_all(&db.write).await?;
    }
    if high > after_id {
        let visible: i64 = query_scalar("SELECT count(*) FROM observ_traces WHERE id > ? AND id <= ?")
            .bind(after_id)
            .bind(high)
            .fetch_one(&db.write)
            .await?;
        if visible < high - after_id {
            // Rare: an id taken but not committed (yet), or deleted meanwhile.
            let from = after_id.max(high - MAX_MISSING);
            let ids: Vec<i64> = query_scalar("SELECT id FROM observ_traces WHERE id > ? AND id <= ? ORDER BY id")
                .bind(from)
                .bind(high)
                .fetch_all(&db.write)
                .await?;
            let ids: std::collections::HashSet<i64> = ids.into_iter().collect();
            new.missing = (from + 1..=high).filter(|id| !ids.contains(id)).collect();
        }
    } else if new.found.is_empty() {
        return Ok(new);
    }
    // The range, and the ids found again.
    let (found, range) = (new.found.clone(), high > after_id);
    new.traces = trace_figures(db, |q, id| {
        q.push("(");
        if range {
            q.push(format!("{id} > ")).push_bind(after_id).push(format!(" AND {id} <= ")).push_bind(high);
        } else {
            q.push("1 = 0");
        }
        if !found.is_empty() {
            q.push(format!(" OR {id} IN (")).push_list(found.iter().copied()).push(")");
        }
        q.push(")");
    })
    .await?;
    Ok(new)
}

/// The figures of the traces among `ids` as they stand now (gone ones are left out).
pub async fn traces_now(db: &Db, ids: &[i64]) -> Result<Vec<(i64, TraceFigures)>, AppError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    trace_figures(db, |q, id| {
        q.push(format!("{id} IN (")).push_list(ids.iter().copied()).push(")");
    })
    .await
}

/// The figures of the traces `which` picks (given the query and the id column to test).
async fn trace_figures(db: &Db, which: impl Fn(&mut Query, &str)) -> Result<Vec<(i64, TraceFigures)>, AppError> {
    let mut q = query(
        "SELECT id, substr(start_time, 1, 13), COALESCE(total_tokens, 0), CAST(COALESCE(total_cost, 0) AS REAL), \
         latency_ms FROM observ_traces WHERE ",
    );
    which(&mut q, "id");
    q.push(" ORDER BY id");
    let rows = q.build_query_as::<(i64, String, i64, f64, Option<i64>)>().fetch_all(&db.write).await?;
    let mut traces: Vec<(i64, TraceFigures)> = rows
        .into_iter()
        .map(|(id, hour, tokens, cost, latency_ms)| {
            (id, TraceFigures { hour, tokens, cost, latency_ms, models: Vec::new() })
        })
        .collect();
    if traces.is_empty() {
        return Ok(traces);
    }
    let mut q = query("SELECT trace_id, model, substr(start_time, 1, 13) FROM observ_trace_models WHERE ");
    which(&mut q, "trace_id");
    q.push(" ORDER BY trace_id, model");
    for (trace_id, model, hour) in q.build_query_as::<(i64, String, String)>().fetch_all(&db.write).await? {
        if let Ok(at) = traces.binary_search_by_key(&trace_id, |(id, _)| *id) {
            traces[at].1.models.push((model, hour));
        }
    }
    Ok(traces)
}

/// The latency percentiles of each bucket in `keys` (hours `YYYY-MM-DDTHH` or
/// days `YYYY-MM-DD`) as they stand now: a bucket is every trace whose start
/// time begins with its key.
pub async fn latency_of(db: &Db, keys: &[String]) -> Result<Vec<LatencyBucket>, AppError> {
    let mut out = Vec::with_capacity(keys.len());
    for key in keys {
        let rows: Vec<(i64,)> = query_as(
            "SELECT latency_ms FROM observ_traces \
             WHERE start_time >= ? AND start_time < ? AND latency_ms IS NOT NULL ORDER BY latency_ms",
        )
        .bind(key.as_str())
        // Past every timestamp that starts with the key (they go on with digits, `-`, `:`, `T`).
        .bind(format!("{key}~"))
        .fetch_all(&db.write)
        .await?;
        let rows: Vec<(String, i64)> = rows.into_iter().map(|(ms,)| (key.clone(), ms)).collect();
        out.extend(latency_buckets(&rows));
    }
    Ok(out)
}

/// Each score's mean over one completed run, as the score trends show it
/// (none unless it completed).
pub async fn run_score_points(db: &Db, run_id: i64) -> Result<Vec<ScorePoint>, AppError> {
    Ok(query_as(score_points("r.id = ?")).bind(RunStatus::Completed.code()).bind(run_id).fetch_all(&db.write).await?)
}

/// The score means of run `run_id` if it completed (`None` when it did not,
/// or is gone): what its points in the score trends now are.
pub async fn completed_run_score_points(db: &Db, run_id: i64) -> Result<Option<Vec<ScorePoint>>, AppError> {
    let completed: Option<i64> = query_scalar("SELECT id FROM observ_dataset_runs WHERE id = ? AND status = ?")
        .bind(run_id)
        .bind(RunStatus::Completed.code())
        .fetch_optional(&db.write)
        .await?;
    match completed {
        Some(_) => Ok(Some(run_score_points(db, run_id).await?)),
        None => Ok(None),
    }
}
