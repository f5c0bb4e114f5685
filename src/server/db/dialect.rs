//! The two SQL dialects: what a query asks when SQLite and PostgreSQL spell a
//! thing differently (JSON paths, `least`/`greatest`, JSON merges, durations),
//! and the translation of SQLite's text, as every query is written, into
//! PostgreSQL's (placeholders, `LIKE`, `REAL`, the clock).

use super::exec::Arg;

/// Which SQL a query must speak.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    /// The integer at `key` of the JSON column `column` (NULL when absent).
    pub fn json_int(self, column: &str, key: &str) -> String {
        match self {
            Dialect::Sqlite => format!("json_extract({column}, '$.{key}')"),
            Dialect::Postgres => format!("({column}->>'{key}')::bigint"),
        }
    }

    /// The text at `key` of the JSON column `column` (NULL when absent).
    pub fn json_text(self, column: &str, key: &str) -> String {
        match self {
            Dialect::Sqlite => format!("json_extract({column}, '$.{key}')"),
            Dialect::Postgres => format!("({column}->>'{key}')"),
        }
    }

    /// `column` (a JSON object, or NULL) with `key` set to the text bound at `?`.
    pub fn json_set_text(self, column: &str, key: &str) -> String {
        match self {
            Dialect::Sqlite => format!("json_set(COALESCE({column}, '{{}}'), '$.{key}', ?)"),
            Dialect::Postgres => {
                format!("jsonb_set(COALESCE({column}, '{{}}'), '{{{key}}}', to_jsonb(CAST(? AS TEXT)))")
            }
        }
    }

    /// The smaller of two values, ignoring a NULL one.
    pub fn least(self, a: &str, b: &str) -> String {
        match self {
            Dialect::Sqlite => format!("min(COALESCE({a}, {b}), COALESCE({b}, {a}))"),
            Dialect::Postgres => format!("LEAST({a}, {b})"),
        }
    }

    /// The larger of two values, ignoring a NULL one.
    pub fn greatest(self, a: &str, b: &str) -> String {
        match self {
            Dialect::Sqlite => format!("max(COALESCE({a}, {b}), COALESCE({b}, {a}))"),
            Dialect::Postgres => format!("GREATEST({a}, {b})"),
        }
    }

    /// The JSON object `a` with the keys of `b` set over it (NULLs ignored).
    pub fn json_merge(self, a: &str, b: &str) -> String {
        match self {
            Dialect::Sqlite => format!("json_patch(COALESCE({a}, '{{}}'), COALESCE({b}, '{{}}'))"),
            Dialect::Postgres => format!("(COALESCE({a}, '{{}}') || COALESCE({b}, '{{}}'))"),
        }
    }

    /// Whole milliseconds from the RFC 3339 text `start` to `end` (NULL if either is).
    pub fn ms_between(self, start: &str, end: &str) -> String {
        match self {
            Dialect::Sqlite => {
                format!("CAST(ROUND((julianday({end}) - julianday({start})) * 86400000) AS INTEGER)")
            }
            Dialect::Postgres => {
                format!("round(extract(epoch FROM (({end})::timestamptz - ({start})::timestamptz)) * 1000)::bigint")
            }
        }
    }
}

/// The clock as SQLite writes it (see `db::NOW`), and the same text on PostgreSQL.
const SQLITE_NOW: &str = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";
const PG_NOW: &str = "to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')";

/// SQLite's text as PostgreSQL reads it: `?`/`?N` become `$N` (with `::jsonb`
/// where a JSON value is bound), `LIKE` matches ignoring case as SQLite's does,
/// `REAL` is a double and the clock reads the same text.
pub(super) fn to_postgres(sql: &str, args: &[Arg]) -> String {
    let sql =
        sql.replace(SQLITE_NOW, PG_NOW).replace(" LIKE ", " ILIKE ").replace(" AS REAL)", " AS DOUBLE PRECISION)");
    let mut out = String::with_capacity(sql.len() + 16);
    let (mut in_quote, mut next) = (false, 0usize);
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\'' {
            in_quote = !in_quote;
        }
        if c != '?' || in_quote {
            out.push(c);
            continue;
        }
        let mut digits = String::new();
        while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
            digits.push(*d);
            chars.next();
        }
        let n = match digits.parse::<usize>() {
            Ok(n) => n,
            Err(_) => next + 1,
        };
        next = next.max(n);
        out.push('$');
        out.push_str(&n.to_string());
        if matches!(args.get(n - 1), Some(Arg::Json(_))) {
            out.push_str("::jsonb");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::db::exec::json;

    #[test]
    fn placeholders_json_like_and_the_clock_translate_for_postgres() {
        let sql = format!("UPDATE t SET a = ?, b = ?, at = {SQLITE_NOW} WHERE name LIKE ? AND c = '?' AND d = ?1");
        let args = [Arg::Int(Some(1)), json(Some("{}".to_string())), Arg::Text(None)];
        let pg = to_postgres(&sql, &args);
        assert_eq!(
            pg,
            format!("UPDATE t SET a = $1, b = $2::jsonb, at = {PG_NOW} WHERE name ILIKE $3 AND c = '?' AND d = $1")
        );
        assert_eq!(to_postgres("SELECT CAST(x AS REAL) FROM t", &[]), "SELECT CAST(x AS DOUBLE PRECISION) FROM t");
    }
}
