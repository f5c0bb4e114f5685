//! Pagination shapes: the REST API's cursor pages and the UI's keyset pages.

use serde::{Deserialize, Serialize};

/// `{"data": [...], "next_cursor": "…" | null}` — the REST list shape.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CursorPage<T> {
    pub data: Vec<T>,
    pub next_cursor: Option<String>,
}

/// Cursors are opaque to clients; inside they carry the last row id seen.
pub fn encode_cursor(id: i64) -> String {
    format!("c{id:x}")
}

pub fn decode_cursor(cursor: &str) -> Option<i64> {
    cursor.strip_prefix('c').and_then(|hex| i64::from_str_radix(hex, 16).ok()).filter(|id| *id >= 0)
}

/// Where a UI page starts: keyset pagination keeps the last page as fast as the first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum PageAt {
    /// Newest rows.
    #[default]
    First,
    /// Rows older than this id.
    After(i64),
    /// Rows newer than this id.
    Before(i64),
    /// Oldest rows.
    Last,
}

impl PageAt {
    /// Reads `?after=`, `?before=` and `?last=1` from a page's query string.
    pub fn from_query(after: Option<String>, before: Option<String>, last: Option<String>) -> Self {
        if let Some(id) = after.and_then(|v| v.parse().ok()) {
            PageAt::After(id)
        } else if let Some(id) = before.and_then(|v| v.parse().ok()) {
            PageAt::Before(id)
        } else if last.is_some() {
            PageAt::Last
        } else {
            PageAt::First
        }
    }
}

/// One page of a newest-first list in the UI, with what the pager needs.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KeysetPage<T> {
    pub rows: Vec<T>,
    /// Rows matching the filters, across all pages.
    pub total: i64,
    pub has_newer: bool,
    pub has_older: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_and_rejects_garbage() {
        for id in [0, 1, 255, 99_999, i64::MAX] {
            assert_eq!(decode_cursor(&encode_cursor(id)), Some(id));
        }
        assert_eq!(decode_cursor("42"), None);
        assert_eq!(decode_cursor("czz"), None);
        assert_eq!(decode_cursor(""), None);
    }

    #[test]
    fn page_at_reads_query() {
        assert_eq!(PageAt::from_query(Some("7".into()), None, None), PageAt::After(7));
        assert_eq!(PageAt::from_query(None, Some("9".into()), None), PageAt::Before(9));
        assert_eq!(PageAt::from_query(None, None, Some("1".into())), PageAt::Last);
        assert_eq!(PageAt::from_query(Some("x".into()), None, None), PageAt::First);
    }
}
