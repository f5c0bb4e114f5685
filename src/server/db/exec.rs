//! One face over the two backends. Query functions in `db` are written once,
//! in SQLite's dialect with `?` placeholders, and run on either backend: on
//! PostgreSQL the text is translated (placeholders, `LIKE`, the clock, casts)
//! and JSON values are bound as `jsonb` (`db::dialect`). Where the dialects
//! differ beyond that (JSON paths, row locks), the query asks [`Dialect`] and
//! says both.

use super::dialect::to_postgres;
pub use super::dialect::Dialect;
use sqlx::postgres::{PgArguments, PgConnection, PgPool, PgRow};
use sqlx::sqlite::{SqliteArguments, SqliteConnection, SqlitePool, SqliteRow};
use sqlx::{Arguments, Decode, FromRow, Postgres, Sqlite, Type};
use std::marker::PhantomData;

/// A connection pool on one of the backends.
#[derive(Clone, Debug)]
pub enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

impl Pool {
    pub fn dialect(&self) -> Dialect {
        match self {
            Pool::Sqlite(_) => Dialect::Sqlite,
            Pool::Postgres(_) => Dialect::Postgres,
        }
    }

    /// Begins a transaction; it rolls back unless [`Tx::commit`] is called.
    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        Ok(match self {
            Pool::Sqlite(pool) => Tx::Sqlite(pool.begin().await?),
            Pool::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        })
    }

    pub async fn close(&self) {
        match self {
            Pool::Sqlite(pool) => pool.close().await,
            Pool::Postgres(pool) => pool.close().await,
        }
    }
}

/// An open transaction on one of the backends.
pub enum Tx {
    Sqlite(sqlx::Transaction<'static, Sqlite>),
    Postgres(sqlx::Transaction<'static, Postgres>),
}

impl Tx {
    pub fn dialect(&self) -> Dialect {
        match self {
            Tx::Sqlite(_) => Dialect::Sqlite,
            Tx::Postgres(_) => Dialect::Postgres,
        }
    }

    pub async fn commit(self) -> Result<(), sqlx::Error> {
        match self {
            Tx::Sqlite(tx) => tx.commit().await,
            Tx::Postgres(tx) => tx.commit().await,
        }
    }
}

/// Where a query runs: a pool, or the connection of a transaction.
pub enum Target<'a> {
    SqlitePool(&'a SqlitePool),
    PgPool(&'a PgPool),
    SqliteConn(&'a mut SqliteConnection),
    PgConn(&'a mut PgConnection),
}

impl<'a> From<&'a Pool> for Target<'a> {
    fn from(pool: &'a Pool) -> Self {
        match pool {
            Pool::Sqlite(pool) => Target::SqlitePool(pool),
            Pool::Postgres(pool) => Target::PgPool(pool),
        }
    }
}

impl<'a> From<&'a mut Tx> for Target<'a> {
    fn from(tx: &'a mut Tx) -> Self {
        match tx {
            Tx::Sqlite(tx) => Target::SqliteConn(tx),
            Tx::Postgres(tx) => Target::PgConn(tx),
        }
    }
}

/// A bound value. JSON is text that PostgreSQL must read as `jsonb`.
#[derive(Clone, Debug, PartialEq)]
pub enum Arg {
    Int(Option<i64>),
    Real(Option<f64>),
    Text(Option<String>),
    Json(Option<String>),
}

/// JSON text to bind (serialised already): stored as `jsonb` on PostgreSQL.
pub fn json(text: impl Into<Option<String>>) -> Arg {
    Arg::Json(text.into())
}

/// A value serialised to JSON, bound as [`json`].
pub fn json_of<T: serde::Serialize + ?Sized>(value: &T) -> Arg {
    Arg::Json(Some(serde_json::to_string(value).expect("a model value serialises to JSON")))
}

impl From<&&str> for Arg {
    fn from(v: &&str) -> Self {
        Arg::Text(Some((*v).to_owned()))
    }
}
impl From<i64> for Arg {
    fn from(v: i64) -> Self {
        Arg::Int(Some(v))
    }
}
impl From<Option<i64>> for Arg {
    fn from(v: Option<i64>) -> Self {
        Arg::Int(v)
    }
}
impl From<bool> for Arg {
    fn from(v: bool) -> Self {
        Arg::Int(Some(v as i64))
    }
}
impl From<Option<bool>> for Arg {
    fn from(v: Option<bool>) -> Self {
        Arg::Int(v.map(i64::from))
    }
}
impl From<f64> for Arg {
    fn from(v: f64) -> Self {
        Arg::Real(Some(v))
    }
}
impl From<Option<f64>> for Arg {
    fn from(v: Option<f64>) -> Self {
        Arg::Real(v)
    }
}
impl From<String> for Arg {
    fn from(v: String) -> Self {
        Arg::Text(Some(v))
    }
}
impl From<&String> for Arg {
    fn from(v: &String) -> Self {
        Arg::Text(Some(v.clone()))
    }
}
impl From<&str> for Arg {
    fn from(v: &str) -> Self {
        Arg::Text(Some(v.to_owned()))
    }
}
impl From<Option<String>> for Arg {
    fn from(v: Option<String>) -> Self {
        Arg::Text(v)
    }
}
impl From<&Option<String>> for Arg {
    fn from(v: &Option<String>) -> Self {
        Arg::Text(v.clone())
    }
}
impl From<Option<&str>> for Arg {
    fn from(v: Option<&str>) -> Self {
        Arg::Text(v.map(str::to_owned))
    }
}
impl From<Option<&String>> for Arg {
    fn from(v: Option<&String>) -> Self {
        Arg::Text(v.cloned())
    }
}

/// A type a row decodes into on both backends.
pub trait Rows: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin {}
impl<T> Rows for T where T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin {}

/// A single column's type on both backends.
pub trait Scalar:
    for<'r> Decode<'r, Sqlite> + Type<Sqlite> + for<'r> Decode<'r, Postgres> + Type<Postgres> + Send + Unpin
{
}
impl<T> Scalar for T where
    T: for<'r> Decode<'r, Sqlite> + Type<Sqlite> + for<'r> Decode<'r, Postgres> + Type<Postgres> + Send + Unpin
{
}

/// SQL text and its values, built up in order (like sqlx's `QueryBuilder`).
#[derive(Clone, Debug, Default)]
pub struct Query {
    sql: String,
    args: Vec<Arg>,
}

/// A statement whose rows are not read.
pub fn query(sql: impl AsRef<str>) -> Query {
    Query { sql: sql.as_ref().to_owned(), args: Vec::new() }
}

/// A query whose rows decode into `O`.
pub fn query_as<O: Rows>(sql: impl AsRef<str>) -> QueryAs<O> {
    query(sql).build_query_as()
}

/// A query whose first column decodes into `O`.
pub fn query_scalar<O: Scalar>(sql: impl AsRef<str>) -> QueryScalar<O> {
    query(sql).build_query_scalar()
}

impl Query {
    pub fn bind(mut self, value: impl Into<Arg>) -> Self {
        self.args.push(value.into());
        self
    }

    pub fn push(&mut self, sql: impl AsRef<str>) -> &mut Self {
        self.sql.push_str(sql.as_ref());
        self
    }

    pub fn push_bind(&mut self, value: impl Into<Arg>) -> &mut Self {
        self.sql.push('?');
        self.args.push(value.into());
        self
    }

    /// `?, ?, ?`: one placeholder per value, for `IN (…)` lists.
    pub fn push_list<T: Into<Arg>>(&mut self, values: impl IntoIterator<Item = T>) -> &mut Self {
        for (n, value) in values.into_iter().enumerate() {
            if n > 0 {
                self.sql.push_str(", ");
            }
            self.push_bind(value);
        }
        self
    }

    pub fn build_query_as<O: Rows>(self) -> QueryAs<O> {
        QueryAs { query: self, out: PhantomData }
    }

    pub fn build_query_scalar<O: Scalar>(self) -> QueryScalar<O> {
        QueryScalar { query: self, out: PhantomData }
    }

    /// Runs an `INSERT`; returns the number of rows and, on SQLite, the last
    /// row id (a multi-row insert takes consecutive ids: one writer, in order).
    pub async fn insert<'a>(self, on: impl Into<Target<'a>>) -> Result<(u64, Option<i64>), sqlx::Error> {
        match on.into() {
            Target::SqlitePool(p) => {
                let done = sqlx::query_with(&self.sql, sqlite_args(self.args)?).execute(p).await?;
                Ok((done.rows_affected(), Some(done.last_insert_rowid())))
            }
            Target::SqliteConn(c) => {
                let done = sqlx::query_with(&self.sql, sqlite_args(self.args)?).execute(c).await?;
                Ok((done.rows_affected(), Some(done.last_insert_rowid())))
            }
            other => Ok((self.execute(other).await?, None)),
        }
    }

    /// Runs the statement; returns the number of rows it changed.
    pub async fn execute<'a>(self, on: impl Into<Target<'a>>) -> Result<u64, sqlx::Error> {
        Ok(match on.into() {
            Target::SqlitePool(p) => {
                sqlx::query_with(&self.sql, sqlite_args(self.args)?).execute(p).await?.rows_affected()
            }
            Target::SqliteConn(c) => {
                sqlx::query_with(&self.sql, sqlite_args(self.args)?).execute(c).await?.rows_affected()
            }
            Target::PgPool(p) => {
                let sql = to_postgres(&self.sql, &self.args);
                sqlx::query_with(&sql, pg_args(self.args)?).execute(p).await?.rows_affected()
            }
            Target::PgConn(c) => {
                let sql = to_postgres(&self.sql, &self.args);
                sqlx::query_with(&sql, pg_args(self.args)?).execute(c).await?.rows_affected()
            }
        })
    }
}

pub struct QueryAs<O> {
    query: Query,
    out: PhantomData<O>,
}

pub struct QueryScalar<O> {
    query: Query,
    out: PhantomData<O>,
}

impl<O: Rows> QueryAs<O> {
    pub fn bind(mut self, value: impl Into<Arg>) -> Self {
        self.query.args.push(value.into());
        self
    }

    pub async fn fetch_all<'a>(self, on: impl Into<Target<'a>>) -> Result<Vec<O>, sqlx::Error> {
        let Query { sql, args } = self.query;
        match on.into() {
            Target::SqlitePool(p) => sqlx::query_as_with(&sql, sqlite_args(args)?).fetch_all(p).await,
            Target::SqliteConn(c) => sqlx::query_as_with(&sql, sqlite_args(args)?).fetch_all(c).await,
            Target::PgPool(p) => {
                let sql = to_postgres(&sql, &args);
                sqlx::query_as_with(&sql, pg_args(args)?).fetch_all(p).await
            }
            Target::PgConn(c) => {
                let sql = to_postgres(&sql, &args);
                sqlx::query_as_with(&sql, pg_args(args)?).fetch_all(c).await
            }
        }
    }

    pub async fn fetch_optional<'a>(self, on: impl Into<Target<'a>>) -> Result<Option<O>, sqlx::Error> {
        let Query { sql, args } = self.query;
        match on.into() {
            Target::SqlitePool(p) => sqlx::query_as_with(&sql, sqlite_args(args)?).fetch_optional(p).await,
            Target::SqliteConn(c) => sqlx::query_as_with(&sql, sqlite_args(args)?).fetch_optional(c).await,
            Target::PgPool(p) => {
                let sql = to_postgres(&sql, &args);
                sqlx::query_as_with(&sql, pg_args(args)?).fetch_optional(p).await
            }
            Target::PgConn(c) => {
                let sql = to_postgres(&sql, &args);
                sqlx::query_as_with(&sql, pg_args(args)?).fetch_optional(c).await
            }
        }
    }

    pub async fn fetch_one<'a>(self, on: impl Into<Target<'a>>) -> Result<O, sqlx::Error> {
        self.fetch_optional(on).await?.ok_or(sqlx::Error::RowNotFound)
    }
}

impl<O: Scalar> QueryScalar<O> {
    pub fn bind(mut self, value: impl Into<Arg>) -> Self {
        self.query.args.push(value.into());
        self
    }

    pub async fn fetch_all<'a>(self, on: impl Into<Target<'a>>) -> Result<Vec<O>, sqlx::Error> {
        let rows: Vec<(O,)> = self.query.build_query_as().fetch_all(on).await?;
        Ok(rows.into_iter().map(|(o,)| o).collect())
    }

    pub async fn fetch_optional<'a>(self, on: impl Into<Target<'a>>) -> Result<Option<O>, sqlx::Error> {
        let row: Option<(O,)> = self.query.build_query_as().fetch_optional(on).await?;
        Ok(row.map(|(o,)| o))
    }

    pub async fn fetch_one<'a>(self, on: impl Into<Target<'a>>) -> Result<O, sqlx::Error> {
        self.fetch_optional(on).await?.ok_or(sqlx::Error::RowNotFound)
    }
}

fn sqlite_args(args: Vec<Arg>) -> Result<SqliteArguments<'static>, sqlx::Error> {
    let mut out = SqliteArguments::default();
    for arg in args {
        match arg {
            Arg::Int(v) => out.add(v),
            Arg::Real(v) => out.add(v),
            Arg::Text(v) | Arg::Json(v) => out.add(v),
        }
        .map_err(sqlx::Error::Encode)?;
    }
    Ok(out)
}

fn pg_args(args: Vec<Arg>) -> Result<PgArguments, sqlx::Error> {
    let mut out = PgArguments::default();
    for arg in args {
        match arg {
            Arg::Int(v) => out.add(v),
            Arg::Real(v) => out.add(v),
            Arg::Text(v) | Arg::Json(v) => out.add(v),
        }
        .map_err(sqlx::Error::Encode)?;
    }
    Ok(out)
}
