//! `command` agents: one subprocess per item. The item's input goes to stdin as
//! JSON; stdout must be JSON and is the output. Stderr is kept with any error.
//!
//! The subprocess sees none of the server's secrets: its environment is empty
//! but for `PATH`, `HOME`, `LANG` and the variables its `env` key names. It
//! runs in its own process group, killed whole when the item ends, times out
//! or is cancelled, so no grandchild outlives it. Its output is read up to
//! `OBSERV_MAX_REPLY_BYTES`.

use super::context::AgentContext;
use super::{Agent, AgentError, AgentFuture};
use crate::model::stats::now_ms;
use crate::server::limits::{max_reply_bytes, reply_too_large};
use serde_json::{json, Value};
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::process::Command;

/// Variables every command agent gets from the server, when set.
const BASE_ENV: [&str; 3] = ["PATH", "HOME", "LANG"];

pub struct CommandAgent {
    /// Program and arguments.
    pub command: Vec<String>,
    /// Names of further environment variables passed through (config key `env`).
    pub env: Vec<String>,
    pub timeout_ms: u64,
    pub description: String,
}

/// The last lines of stderr, enough to explain a failure.
fn stderr_tail(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let tail: Vec<&str> = text.trim_end().lines().rev().take(5).collect();
    tail.into_iter().rev().collect::<Vec<_>>().join("\n")
}

/// A subprocess's process group, killed whole when this is dropped.
struct ProcessGroup(Option<u32>);

impl Drop for ProcessGroup {
    fn drop(&mut self) {
        if let Some(pid) = self.0.and_then(|p| i32::try_from(p).ok()).filter(|p| *p > 0) {
            // SAFETY: kill(2) has no memory effects; a negative pid names the group.
            unsafe { libc::kill(-pid, libc::SIGKILL) };
        }
    }
}

/// Everything a pipe gives, or an error once it passes `limit` bytes.
async fn read_pipe<R: AsyncRead + Unpin>(pipe: Option<R>, what: &str, limit: usize) -> Result<Vec<u8>, AgentError> {
    let mut bytes = Vec::new();
    if let Some(pipe) = pipe {
        let read = pipe.take(limit as u64 + 1).read_to_end(&mut bytes).await;
        read.map_err(|e| AgentError::Failed(format!("reading {what} failed: {e}")))?;
    }
    if bytes.len() > limit {
        return Err(AgentError::Failed(reply_too_large(what, limit)));
    }
    Ok(bytes)
}

impl CommandAgent {
    fn environment(&self) -> Vec<(String, String)> {
        let names = BASE_ENV.iter().map(|n| n.to_string()).chain(self.env.iter().cloned());
        names.filter_map(|name| std::env::var(&name).ok().map(|value| (name, value))).collect()
    }

    async fn call(&self, input: &Value) -> Result<Value, AgentError> {
        let mut child = Command::new(&self.command[0])
            .args(&self.command[1..])
            .env_clear()
            .envs(self.environment())
            .process_group(0)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| AgentError::Failed(format!("cannot start `{}`: {e}", self.command[0])))?;
        // Declared after `child`, so dropped first: the group dies before the child is reaped.
        let _group = ProcessGroup(child.id());
        let mut stdin = child.stdin.take().expect("stdin is piped");
        let (stdout, stderr) = (child.stdout.take(), child.stderr.take());
        let payload = input.to_string();
        let limit = max_reply_bytes();
        let output = async {
            let write = async {
                // A program that does not read its stdin must not block the item.
                let _ = stdin.write_all(payload.as_bytes()).await;
                drop(stdin);
                Ok(())
            };
            let wait = async {
                child.wait().await.map_err(|e| AgentError::Failed(format!("`{}` failed: {e}", self.command[0])))
            };
            tokio::try_join!(write, read_pipe(stdout, "agent reply", limit), read_pipe(stderr, "stderr", limit), wait)
        };
        let (_, stdout, stderr, status) = tokio::time::timeout(Duration::from_millis(self.timeout_ms), output)
            .await
            .map_err(|_| AgentError::Timeout(self.timeout_ms))??;
        let stderr = stderr_tail(&stderr);
        if !status.success() {
            return Err(AgentError::Failed(format!("exited with {status}; stderr: {stderr}")));
        }
        let stdout = String::from_utf8_lossy(&stdout);
        serde_json::from_str(stdout.trim()).map_err(|e| {
            let shown: String = stdout.trim().chars().take(200).collect();
            AgentError::Failed(format!("stdout is not JSON ({e}): `{shown}`; stderr: {stderr}"))
        })
    }
}

impl Agent for CommandAgent {
    fn kind(&self) -> &'static str {
        "command"
    }

    fn description(&self) -> String {
        self.description.clone()
    }

    fn run<'a>(&'a self, input: &'a Value, cx: &'a AgentContext) -> AgentFuture<'a> {
        Box::pin(async move {
            let started = now_ms();
            let result = self.call(input).await;
            let output = match &result {
                Ok(value) => value.clone(),
                Err(err) => json!({ "error": err.to_string() }),
            };
            cx.span(&format!("command {}", self.command[0]), started, now_ms(), input.clone(), output);
            result
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agent(script: &str, timeout_ms: u64) -> CommandAgent {
        CommandAgent {
            command: vec!["sh".into(), "-c".into(), script.into()],
            env: Vec::new(),
            timeout_ms,
            description: String::new(),
        }
    }

    #[tokio::test]
    async fn stdin_json_in_stdout_json_out() {
        let cx = AgentContext::new();
        let out = agent("cat", 5000).run(&json!({"q": "2+2"}), &cx).await.unwrap();
        assert_eq!(out, json!({"q": "2+2"}));
        assert_eq!(cx.into_observations()[0].kind, "span");
    }

    #[tokio::test]
    async fn non_json_stdout_and_failures_keep_stderr() {
        let err = agent("echo hello; echo oops >&2", 5000).run(&json!(1), &AgentContext::new()).await.unwrap_err();
        let message = err.to_string();
        assert!(message.starts_with("stdout is not JSON"), "{message}");
        assert!(message.contains("`hello`") && message.contains("stderr: oops"), "{message}");
        let err = agent("echo broken >&2; exit 3", 5000).run(&json!(1), &AgentContext::new()).await.unwrap_err();
        assert_eq!(err.to_string(), "exited with exit status: 3; stderr: broken");
    }

    #[tokio::test]
    async fn timeout_kills_the_process() {
        let started = std::time::Instant::now();
        let err = agent("sleep 5; echo 1", 200).run(&json!(1), &AgentContext::new()).await.unwrap_err();
        assert_eq!(err, AgentError::Timeout(200));
        assert!(started.elapsed() < Duration::from_secs(2));
        let err = CommandAgent {
            command: vec!["/no/such/program".into()],
            env: Vec::new(),
            timeout_ms: 1000,
            description: String::new(),
        }
        .run(&json!(1), &AgentContext::new())
        .await
        .unwrap_err();
        assert!(err.to_string().starts_with("cannot start `/no/such/program`"), "{err}");
    }

    #[tokio::test]
    async fn sees_only_its_own_environment() {
        std::env::set_var("OBSERV_UNIT_SECRET", "hunter2");
        std::env::set_var("OBSERV_UNIT_PASSED", "given");
        let script = "printf '\"%s|%s|%s\"' \"$OBSERV_UNIT_SECRET\" \"$OBSERV_UNIT_PASSED\" \"$PATH\"";
        let mut agent = agent(script, 5000);
        agent.env = vec!["OBSERV_UNIT_PASSED".into()];
        let out = agent.run(&json!(1), &AgentContext::new()).await.unwrap();
        let out = out.as_str().unwrap();
        assert!(out.starts_with("|given|") && out.len() > "|given|".len(), "{out}");
    }

    #[tokio::test]
    async fn output_past_the_cap_is_an_error() {
        let limit = max_reply_bytes();
        let script = format!("head -c {} /dev/zero | tr '\\0' 'x'", limit + 10);
        let err = agent(&script, 10_000).run(&json!(1), &AgentContext::new()).await.unwrap_err();
        assert_eq!(err.to_string(), reply_too_large("agent reply", limit));
    }
}
