//! `echo`: returns the input unchanged. Useful to check a dataset's plumbing.

use super::{Agent, AgentContext, AgentFuture};
use serde_json::Value;

pub struct EchoAgent;

impl Agent for EchoAgent {
    fn kind(&self) -> &'static str {
        "builtin"
    }

    fn description(&self) -> String {
        "Returns each item's input as its output (no model call).".to_string()
    }

    fn run<'a>(&'a self, input: &'a Value, _cx: &'a AgentContext) -> AgentFuture<'a> {
        Box::pin(async move { Ok(input.clone()) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[tokio::test]
    async fn echoes_any_json() {
        for input in [json!({"q": "2+2"}), json!("plain"), json!([1, 2])] {
            assert_eq!(EchoAgent.run(&input, &AgentContext::new()).await.unwrap(), input);
        }
    }
}
