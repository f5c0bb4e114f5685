//! Sign-in throttling: failed attempts are counted per account and per client
//! address in a sliding window; past the limit, attempts answer 429 with the
//! seconds until the oldest counted failure leaves the window. The failures
//! live in the database, so the limits hold across restarts and instances.

use crate::server::db::{login_failures, Db};
use crate::server::error::AppError;

/// Failures allowed per account within the window.
pub const ACCOUNT_LIMIT: usize = 5;
/// Failures allowed per client address within the window (several people may share one).
pub const ADDRESS_LIMIT: usize = 20;
pub const WINDOW_MS: i64 = 15 * 60 * 1000;

fn account_key(email: &str) -> String {
    format!("account:{}", email.trim().to_lowercase())
}

fn address_key(address: &str) -> String {
    format!("address:{address}")
}

/// `Some(seconds to wait)` when the account or the address is over its limit at `now_ms`.
pub async fn blocked(db: &Db, email: &str, address: &str, now_ms: i64) -> Result<Option<u64>, AppError> {
    let mut wait_ms = None::<i64>;
    for (subject, limit) in [(account_key(email), ACCOUNT_LIMIT), (address_key(address), ADDRESS_LIMIT)] {
        let times = login_failures::since(db, &subject, now_ms - WINDOW_MS).await?;
        if times.len() >= limit {
            // The failure whose expiry brings the count back under the limit.
            let oldest = times[times.len() - limit];
            let left = oldest + WINDOW_MS - now_ms;
            wait_ms = Some(wait_ms.map_or(left, |w| w.max(left)));
        }
    }
    Ok(wait_ms.map(|ms| ((ms + 999) / 1000).max(1) as u64))
}

pub async fn record_failure(db: &Db, email: &str, address: &str, now_ms: i64) -> Result<(), AppError> {
    let (account, address) = (account_key(email), address_key(address));
    login_failures::record(db, &[&account, &address], now_ms, now_ms - WINDOW_MS).await
}

/// A successful sign-in clears the account's failures (not the address's).
pub async fn record_success(db: &Db, email: &str) -> Result<(), AppError> {
    login_failures::clear(db, &account_key(email)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn db() -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&format!("sqlite://{}/observ.db", dir.path().display())).await.unwrap();
        (dir, db)
    }

    #[tokio::test]
    async fn an_account_is_blocked_after_its_limit_until_the_window_passes() {
        let (_dir, db) = db().await;
        let start = 1_000_000_000;
        for _ in 0..ACCOUNT_LIMIT {
            assert_eq!(blocked(&db, "A@x.example", "1.2.3.4", start).await.unwrap(), None);
            record_failure(&db, "a@x.example", "1.2.3.4", start).await.unwrap();
        }
        let wait = blocked(&db, "a@x.example", "5.6.7.8", start).await.unwrap().unwrap();
        assert_eq!(wait, (WINDOW_MS / 1000) as u64);
        assert_eq!(blocked(&db, "b@x.example", "5.6.7.8", start).await.unwrap(), None, "other accounts are fine");
        assert_eq!(blocked(&db, "a@x.example", "5.6.7.8", start + WINDOW_MS).await.unwrap(), None);
    }

    #[tokio::test]
    async fn an_address_is_blocked_across_accounts_and_success_clears_the_account() {
        let (_dir, db) = db().await;
        let now = 2_000_000_000;
        for n in 0..ADDRESS_LIMIT {
            record_failure(&db, &format!("user{n}@x.example"), "9.9.9.9", now).await.unwrap();
        }
        assert!(blocked(&db, "new@x.example", "9.9.9.9", now).await.unwrap().is_some());
        assert_eq!(blocked(&db, "new@x.example", "8.8.8.8", now).await.unwrap(), None);
        for _ in 0..ACCOUNT_LIMIT {
            record_failure(&db, "c@x.example", "7.7.7.7", now).await.unwrap();
        }
        record_success(&db, "c@x.example").await.unwrap();
        assert_eq!(blocked(&db, "c@x.example", "6.6.6.6", now).await.unwrap(), None);
        // Failures from before the window are forgotten as new ones arrive.
        record_failure(&db, "d@x.example", "5.5.5.5", now + WINDOW_MS + 1).await.unwrap();
        let rows: i64 = crate::server::db::exec::query_scalar("SELECT count(*) FROM observ_login_failures")
            .fetch_one(db.read_pool_for_tests())
            .await
            .unwrap();
        assert_eq!(rows, 2);
    }
}
