//! The server's ceilings, from the environment: agent calls in flight across
//! all runs (`OBSERV_MAX_AGENT_CALLS`), bytes of one reply
//! (`OBSERV_MAX_REPLY_BYTES`, and reading a reply under that cap), and event
//! streams one client may hold open (`OBSERV_MAX_STREAMS_PER_CLIENT`).

use std::sync::OnceLock;

/// Agent calls in flight across all runs when `OBSERV_MAX_AGENT_CALLS` is unset.
pub const DEFAULT_MAX_AGENT_CALLS: usize = 64;
/// Bytes of one agent, subprocess or judge reply when `OBSERV_MAX_REPLY_BYTES` is unset.
pub const DEFAULT_MAX_REPLY_BYTES: usize = 10 * 1024 * 1024;

/// Event streams one client may hold open when `OBSERV_MAX_STREAMS_PER_CLIENT` is unset.
pub const DEFAULT_MAX_STREAMS_PER_CLIENT: usize = 32;

fn positive_env(name: &str, default: usize) -> usize {
    match std::env::var(name).ok().map(|v| v.trim().parse::<usize>()) {
        Some(Ok(n)) if n > 0 => n,
        Some(_) => {
            eprintln!("observ: {name} must be a positive whole number; using {default}");
            default
        }
        None => default,
    }
}

/// Agent calls the runner lets run at once; more wait their turn.
pub fn max_agent_calls() -> usize {
    static VALUE: OnceLock<usize> = OnceLock::new();
    *VALUE.get_or_init(|| positive_env("OBSERV_MAX_AGENT_CALLS", DEFAULT_MAX_AGENT_CALLS))
}

/// The largest reply read from an agent, a subprocess or a judge.
pub fn max_reply_bytes() -> usize {
    static VALUE: OnceLock<usize> = OnceLock::new();
    *VALUE.get_or_init(|| positive_env("OBSERV_MAX_REPLY_BYTES", DEFAULT_MAX_REPLY_BYTES))
}

/// Run event streams one client may hold open at once.
pub fn max_streams_per_client() -> usize {
    static VALUE: OnceLock<usize> = OnceLock::new();
    *VALUE.get_or_init(|| positive_env("OBSERV_MAX_STREAMS_PER_CLIENT", DEFAULT_MAX_STREAMS_PER_CLIENT))
}

/// A byte count as people say it: `10 MB`, `512 KB`, `100 bytes`.
pub fn human_size(bytes: usize) -> String {
    const MB: usize = 1024 * 1024;
    match bytes {
        b if b >= MB && b % MB == 0 => format!("{} MB", b / MB),
        b if b >= 1024 && b % 1024 == 0 => format!("{} KB", b / 1024),
        b => format!("{b} bytes"),
    }
}

/// The error past the cap, e.g. "agent reply is larger than the 10 MB limit".
pub fn reply_too_large(what: &str, limit: usize) -> String {
    format!("{what} is larger than the {} limit", human_size(limit))
}

/// Why a capped read stopped.
pub enum ReadError {
    TooLarge,
    Transport(reqwest::Error),
}

/// A response body as text, read chunk by chunk and given up past `limit` bytes.
pub async fn read_capped(mut response: reqwest::Response, limit: usize) -> Result<String, ReadError> {
    if response.content_length().is_some_and(|n| n > limit as u64) {
        return Err(ReadError::TooLarge);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(ReadError::Transport)? {
        if body.len() + chunk.len() > limit {
            return Err(ReadError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(String::from_utf8_lossy(&body).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_people_say_them() {
        assert_eq!(
            reply_too_large("agent reply", DEFAULT_MAX_REPLY_BYTES),
            "agent reply is larger than the 10 MB limit"
        );
        assert_eq!(human_size(2048), "2 KB");
        assert_eq!(human_size(1000), "1000 bytes");
    }
}
