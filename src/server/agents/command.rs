//! `command` agents: one subprocess per item. The item's input goes to stdin as
//! JSON; stdout must be JSON and is the output. Stderr is kept with any error;
//! the timeout kills the process.

use super::context::{now_ms, AgentContext};
use super::{Agent, AgentError, AgentFuture};
use serde_json::{json, Value};
use std::process::Stdio;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::process::Command;

pub struct CommandAgent {
    /// Program and arguments.
    pub command: Vec<String>,
    pub timeout_ms: u64,
    pub description: String,
}

/// The last lines of stderr, enough to explain a failure.
fn stderr_tail(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let tail: Vec<&str> = text.trim_end().lines().rev().take(5).collect();
    tail.into_iter().rev().collect::<Vec<_>>().join("\n")
}

impl CommandAgent {
    async fn call(&self, input: &Value) -> Result<Value, AgentError> {
        let mut child = Command::new(&self.command[0])
            .args(&self.command[1..])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| AgentError::Failed(format!("cannot start `{}`: {e}", self.command[0])))?;
        let mut stdin = child.stdin.take().expect("stdin is piped");
        let payload = input.to_string();
        let output = async {
            // A program that does not read its stdin must not block the item.
            let _ = stdin.write_all(payload.as_bytes()).await;
            drop(stdin);
            child.wait_with_output().await
        };
        let output = tokio::time::timeout(Duration::from_millis(self.timeout_ms), output)
            .await
            .map_err(|_| AgentError::Timeout(self.timeout_ms))?
            .map_err(|e| AgentError::Failed(format!("`{}` failed: {e}", self.command[0])))?;
        let stderr = stderr_tail(&output.stderr);
        if !output.status.success() {
            return Err(AgentError::Failed(format!("exited with {}; stderr: {stderr}", output.status)));
        }
        let stdout = String::from_utf8_lossy(&output.stdout);
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
        CommandAgent { command: vec!["sh".into(), "-c".into(), script.into()], timeout_ms, description: String::new() }
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
        let err =
            CommandAgent { command: vec!["/no/such/program".into()], timeout_ms: 1000, description: String::new() }
                .run(&json!(1), &AgentContext::new())
                .await
                .unwrap_err();
        assert!(err.to_string().starts_with("cannot start `/no/such/program`"), "{err}");
    }
}
