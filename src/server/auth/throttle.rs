//! Sign-in throttling: failed attempts are counted per account and per client
//! address in a sliding window; past the limit, attempts answer 429 with the
//! seconds until the oldest failure leaves the window. Kept in memory: a restart
//! forgets it, which costs an attacker a restart they cannot cause.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures allowed per account within the window.
pub const ACCOUNT_LIMIT: usize = 5;
/// Failures allowed per client address within the window (several people may share one).
pub const ADDRESS_LIMIT: usize = 20;
pub const WINDOW: Duration = Duration::from_secs(15 * 60);

#[derive(Default)]
pub struct Throttle {
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

fn account_key(email: &str) -> String {
    format!("account:{}", email.trim().to_lowercase())
}

fn address_key(address: &str) -> String {
    format!("address:{address}")
}

impl Throttle {
    /// `Some(seconds to wait)` when either the account or the address is over its limit.
    pub fn blocked(&self, email: &str, address: &str) -> Option<u64> {
        self.blocked_at(email, address, Instant::now())
    }

    fn blocked_at(&self, email: &str, address: &str, now: Instant) -> Option<u64> {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let mut wait = None::<Duration>;
        for (key, limit) in [(account_key(email), ACCOUNT_LIMIT), (address_key(address), ADDRESS_LIMIT)] {
            let Some(times) = failures.get_mut(&key) else { continue };
            while times.front().is_some_and(|t| now.duration_since(*t) >= WINDOW) {
                times.pop_front();
            }
            if times.len() >= limit {
                let oldest = times[times.len() - limit];
                let left = WINDOW.saturating_sub(now.duration_since(oldest));
                wait = Some(wait.map_or(left, |w| w.max(left)));
            }
        }
        wait.map(|w| w.as_secs().max(1))
    }

    pub fn record_failure(&self, email: &str, address: &str) {
        self.record_failure_at(email, address, Instant::now());
    }

    fn record_failure_at(&self, email: &str, address: &str, now: Instant) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if failures.len() > 100_000 {
            // A flood of distinct names: drop what has aged out rather than grow without bound.
            failures.retain(|_, times| times.back().is_some_and(|t| now.duration_since(*t) < WINDOW));
        }
        for key in [account_key(email), address_key(address)] {
            let times = failures.entry(key).or_default();
            times.push_back(now);
            if times.len() > ADDRESS_LIMIT {
                times.pop_front();
            }
        }
    }

    /// A successful sign-in clears the account's failures (not the address's).
    pub fn record_success(&self, email: &str) {
        self.failures.lock().unwrap_or_else(|e| e.into_inner()).remove(&account_key(email));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_is_blocked_after_its_limit_until_the_window_passes() {
        let throttle = Throttle::default();
        let start = Instant::now();
        for _ in 0..ACCOUNT_LIMIT {
            assert_eq!(throttle.blocked_at("A@x.example", "1.2.3.4", start), None);
            throttle.record_failure_at("a@x.example", "1.2.3.4", start);
        }
        let wait = throttle.blocked_at("a@x.example", "5.6.7.8", start).unwrap();
        assert_eq!(wait, WINDOW.as_secs());
        assert_eq!(throttle.blocked_at("b@x.example", "5.6.7.8", start), None, "other accounts are fine");
        assert_eq!(throttle.blocked_at("a@x.example", "5.6.7.8", start + WINDOW), None);
    }

    #[test]
    fn an_address_is_blocked_across_accounts_and_success_clears_the_account() {
        let throttle = Throttle::default();
        let now = Instant::now();
        for n in 0..ADDRESS_LIMIT {
            throttle.record_failure_at(&format!("user{n}@x.example"), "9.9.9.9", now);
        }
        assert!(throttle.blocked_at("new@x.example", "9.9.9.9", now).is_some());
        assert_eq!(throttle.blocked_at("new@x.example", "8.8.8.8", now), None);
        throttle.record_failure_at("c@x.example", "7.7.7.7", now);
        throttle.record_success("c@x.example");
        assert!(throttle.failures.lock().unwrap().get(&account_key("c@x.example")).is_none());
    }
}
