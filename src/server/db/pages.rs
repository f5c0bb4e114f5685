//! Keyset pagination shared by every list: pages are found by id through an
//! index, so the last page of 100k rows costs what the first does.

use super::exec::{query, Pool, Query, Rows};
use crate::model::page::{decode_cursor, encode_cursor, CursorPage, KeysetPage, PageAt};
use crate::server::error::AppError;

/// One list query: `SELECT {columns} FROM {from} WHERE {filters}`, keyed by `{id}`.
pub(super) struct Listing<'f> {
    pub columns: &'f str,
    /// Values for the `?` placeholders in `columns`, in order.
    pub column_binds: &'f [i64],
    pub from: &'f str,
    /// Qualified id column, e.g. `i.id`.
    pub id: &'f str,
    /// Pushes ` AND …` conditions with bound values.
    pub filters: &'f (dyn Fn(&mut Query) + Sync),
}

impl Listing<'_> {
    fn base(&self, select: &str, binds: &[i64]) -> Query {
        debug_assert_eq!(select.matches('?').count(), binds.len(), "one value per placeholder in {select}");
        let mut parts = select.split('?');
        let mut q = query("SELECT ");
        q.push(parts.next().unwrap_or_default());
        for (value, part) in binds.iter().zip(parts) {
            q.push_bind(*value).push(part);
        }
        q.push(format!(" FROM {} WHERE 1 = 1", self.from));
        (self.filters)(&mut q);
        q
    }

    fn select_columns(&self) -> Query {
        self.base(self.columns, self.column_binds)
    }

    async fn exists(&self, pool: &Pool, op: &str, id: i64) -> Result<bool, AppError> {
        let mut q = self.base("1", &[]);
        q.push(format!(" AND {} {op} ", self.id)).push_bind(id).push(" LIMIT 1");
        Ok(q.build_query_scalar::<i64>().fetch_optional(pool).await?.is_some())
    }
}

/// A newest-first page for the UI, with the total and both pager directions.
pub(super) async fn keyset_page<T>(
    pool: &Pool,
    listing: &Listing<'_>,
    at: PageAt,
    limit: i64,
    id_of: fn(&T) -> i64,
) -> Result<KeysetPage<T>, AppError>
where
    T: Rows,
{
    let mut q = listing.select_columns();
    let ascending = matches!(at, PageAt::Before(_) | PageAt::Last);
    match at {
        PageAt::After(id) => {
            q.push(format!(" AND {} < ", listing.id)).push_bind(id);
        }
        PageAt::Before(id) => {
            q.push(format!(" AND {} > ", listing.id)).push_bind(id);
        }
        PageAt::First | PageAt::Last => {}
    }
    let order = if ascending { "ASC" } else { "DESC" };
    q.push(format!(" ORDER BY {} {order} LIMIT ", listing.id)).push_bind(limit + 1);
    let mut rows: Vec<T> = q.build_query_as().fetch_all(pool).await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    if ascending {
        rows.reverse();
    }
    let (has_newer, has_older) = match (rows.first().map(id_of), rows.last().map(id_of)) {
        (Some(newest), Some(oldest)) => {
            if ascending {
                (more, listing.exists(pool, "<", oldest).await?)
            } else {
                (listing.exists(pool, ">", newest).await?, more)
            }
        }
        _ => (false, false),
    };
    let total: i64 = listing.base("count(*)", &[]).build_query_scalar().fetch_one(pool).await?;
    Ok(KeysetPage { rows, total, has_newer, has_older })
}

/// An oldest-first page for the REST API: `?cursor=` continues after the last id.
pub(super) async fn cursor_page<T>(
    pool: &Pool,
    listing: &Listing<'_>,
    cursor: Option<&str>,
    limit: i64,
    id_of: fn(&T) -> i64,
) -> Result<CursorPage<T>, AppError>
where
    T: Rows,
{
    let after = match cursor.filter(|c| !c.is_empty()) {
        Some(c) => decode_cursor(c)
            .ok_or_else(|| AppError::BadRequest(format!("cursor: `{c}` is not a cursor from this API")))?,
        None => -1,
    };
    let mut q = listing.select_columns();
    q.push(format!(" AND {} > ", listing.id)).push_bind(after);
    q.push(format!(" ORDER BY {} ASC LIMIT ", listing.id)).push_bind(limit + 1);
    let mut data: Vec<T> = q.build_query_as().fetch_all(pool).await?;
    let more = data.len() as i64 > limit;
    data.truncate(limit as usize);
    let next_cursor = if more { data.last().map(|row| encode_cursor(id_of(row))) } else { None };
    Ok(CursorPage { data, next_cursor })
}
