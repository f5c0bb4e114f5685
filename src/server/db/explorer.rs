//! The traces explorer's query: filters, full-text search (FTS5 on SQLite, a
//! `tsvector` on PostgreSQL) and four sort orders, each paged by keyset on
//! (sort column, id) through an index — the millionth trace's page costs what
//! the first does. Pages carry no total (counting a million rows per page
//! would cost more than the page).

use super::exec::{query, Dialect, Query};
use super::traces::SUMMARY_COLUMNS;
use super::{like_pattern, Db};
pub use crate::model::explorer::{TraceQuery, TraceSort};
use crate::model::page::CursorPage;
use crate::model::trace::TraceSummary;
use crate::server::error::AppError;

/// The sort column and its value's SQL type for the cursor.
fn sort_column(sort: TraceSort) -> &'static str {
    match sort {
        TraceSort::Time => "t.start_time",
        TraceSort::Cost => "t.total_cost",
        TraceSort::Latency => "t.latency_ms",
        TraceSort::Tokens => "t.total_tokens",
    }
}

/// A cursor: the last row's sort value and id, as opaque text.
fn encode(value: &str, id: i64) -> String {
    let raw = format!("{id}|{value}");
    raw.bytes().map(|b| format!("{b:02x}")).collect()
}

fn decode(cursor: &str) -> Option<(i64, String)> {
    if !cursor.len().is_multiple_of(2) {
        return None;
    }
    let bytes: Option<Vec<u8>> =
        (0..cursor.len()).step_by(2).map(|i| u8::from_str_radix(cursor.get(i..i + 2)?, 16).ok()).collect();
    let text = String::from_utf8(bytes?).ok()?;
    let (id, value) = text.split_once('|')?;
    Some((id.parse().ok()?, value.to_string()))
}

fn sort_value(sort: TraceSort, t: &TraceSummary) -> String {
    match sort {
        TraceSort::Time => t.start_time.clone(),
        TraceSort::Cost => format!("{}", t.total_cost),
        TraceSort::Latency => t.latency_ms.unwrap_or_default().to_string(),
        TraceSort::Tokens => t.total_tokens.to_string(),
    }
}

/// Words of a search as an FTS5 query: each quoted (no operators from users),
/// all required.
fn fts5_query(text: &str) -> String {
    text.split_whitespace().map(|w| format!("\"{}\"", w.replace('"', "\"\""))).collect::<Vec<_>>().join(" ")
}

fn push_filters(q: &mut Query, f: &TraceQuery, dialect: Dialect) {
    let text = |s: &Option<String>| s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
    if let Some(name) = text(&f.name) {
        q.push(" AND t.name LIKE ").push_bind(like_pattern(&name)).push(" ESCAPE '\\'");
    }
    if let Some(user) = text(&f.user_id) {
        q.push(" AND t.user_id = ").push_bind(user);
    }
    if let Some(session) = text(&f.session_id) {
        q.push(" AND t.observ_session_id = (SELECT s.id FROM observ_sessions s WHERE s.session_id = ")
            .push_bind(session);
        q.push(")");
    }
    if let Some(run) = f.run_id {
        q.push(" AND t.id IN (SELECT trace_id FROM observ_dataset_run_items WHERE dataset_run_id = ").push_bind(run);
        q.push(")");
    }
    for tag in f.tags.iter().map(|t| t.trim()).filter(|t| !t.is_empty()) {
        match dialect {
            Dialect::Sqlite => {
                q.push(" AND EXISTS (SELECT 1 FROM json_each(t.tags) WHERE json_each.value = ")
                    .push_bind(tag.to_string());
                q.push(")");
            }
            Dialect::Postgres => {
                q.push(" AND t.tags @> ").push_bind(super::exec::json(serde_json::json!([tag]).to_string()));
            }
        }
    }
    if let Some(environment) = text(&f.environment) {
        q.push(" AND t.environment = ").push_bind(environment);
    }
    if let Some(release) = text(&f.release) {
        q.push(" AND t.release = ").push_bind(release);
    }
    if let Some(model) = text(&f.model) {
        if by_model(f) {
            q.push(" AND m.model = ").push_bind(model);
        } else {
            q.push(" AND t.id IN (SELECT trace_id FROM observ_trace_models WHERE model = ").push_bind(model).push(")");
        }
    }
    if let Some(error) = f.has_error {
        q.push(" AND t.has_error = ").push_bind(i64::from(error));
    }
    if let Some(from) = text(&f.from) {
        q.push(" AND t.start_time >= ").push_bind(from);
    }
    if let Some(to) = text(&f.to) {
        q.push(" AND t.start_time < ").push_bind(to);
    }
    if let Some(cost) = f.min_cost {
        q.push(" AND t.total_cost >= ").push_bind(cost);
    }
    if let Some(latency) = f.min_latency_ms {
        q.push(" AND t.latency_ms >= ").push_bind(latency);
    }
    if let Some(search) = text(&f.search) {
        match dialect {
            Dialect::Sqlite => {
                q.push(" AND t.id IN (SELECT rowid FROM observ_traces_fts WHERE observ_traces_fts MATCH ");
                q.push_bind(fts5_query(&search)).push(")");
            }
            Dialect::Postgres => {
                q.push(" AND t.search @@ plainto_tsquery('simple', ").push_bind(search).push(")");
            }
        }
    }
}

/// Newest traces that called a model are read along that model's index in
/// `observ_trace_models`, so a rare model costs what a common one does.
fn by_model(f: &TraceQuery) -> bool {
    f.sort == TraceSort::Time && f.model.as_deref().is_some_and(|m| !m.trim().is_empty())
}

/// One page, highest sort value first; `next_cursor` continues after it.
pub async fn page(db: &Db, f: &TraceQuery, limit: i64) -> Result<CursorPage<TraceSummary>, AppError> {
    let pool = &db.read;
    let (from, column, id) = if by_model(f) {
        ("observ_trace_models m JOIN observ_traces t ON t.id = m.trace_id", "m.start_time", "m.trace_id")
    } else {
        ("observ_traces t", sort_column(f.sort), "t.id")
    };
    let mut q = query(format!("SELECT {SUMMARY_COLUMNS} FROM {from} WHERE 1 = 1"));
    push_filters(&mut q, f, pool.dialect());
    if f.sort == TraceSort::Latency {
        // Traces still open have no latency yet; a latency sort leaves them out.
        q.push(" AND t.latency_ms IS NOT NULL");
    }
    if let Some(cursor) = f.cursor.as_deref().filter(|c| !c.is_empty()) {
        let bad = || AppError::BadRequest(format!("cursor: `{cursor}` is not a cursor from this list"));
        let (id, value) = decode(cursor).ok_or_else(bad)?;
        q.push(format!(" AND ({column}, {id}) < ("));
        match f.sort {
            TraceSort::Time => q.push_bind(value),
            TraceSort::Cost => q.push("CAST(").push_bind(value).push(" AS NUMERIC)"),
            TraceSort::Latency | TraceSort::Tokens => q.push_bind(value.parse::<i64>().map_err(|_| bad())?),
        };
        q.push(", ").push_bind(id).push(")");
    }
    q.push(format!(" ORDER BY {column} DESC, {id} DESC LIMIT ")).push_bind(limit + 1);
    let mut data: Vec<TraceSummary> = q.build_query_as().fetch_all(pool).await?;
    let more = data.len() as i64 > limit;
    data.truncate(limit as usize);
    let next_cursor = if more { data.last().map(|t| encode(&sort_value(f.sort, t), t.id)) } else { None };
    Ok(CursorPage { data, next_cursor })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_junk() {
        let c = encode("2026-11-30T12:00:00.000Z", 42);
        assert_eq!(decode(&c), Some((42, "2026-11-30T12:00:00.000Z".to_string())));
        assert_eq!(decode("zz"), None);
        assert_eq!(decode("abc"), None);
    }

    #[test]
    fn search_words_are_quoted() {
        assert_eq!(fts5_query("refund  \"policy\" OR x"), "\"refund\" \"\"\"policy\"\"\" \"OR\" \"x\"");
    }
}
