//! Agents: what a dataset run calls with each item's input. An agent is anything
//! implementing [`Agent`]; the [`AgentRegistry`] maps the names datasets store in
//! `agent_class` to instances.

mod command;
pub mod context;
mod echo;
mod http;
mod language;
mod openai;

pub use command::CommandAgent;
pub use context::AgentContext;
pub use echo::EchoAgent;
pub use http::HttpAgent;
pub use language::LanguageDetector;
pub use openai::{OpenAiAgent, ReplyFormat};

use crate::model::agent::AgentInfo;
use crate::server::llm::{ChatModel, LlmError};
use serde_json::Value;
use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AgentError {
    #[error("{0}")]
    Failed(String),
    #[error("timed out after {0} ms")]
    Timeout(u64),
}

/// A chat call's failure is the agent's, word for word.
impl From<LlmError> for AgentError {
    fn from(error: LlmError) -> Self {
        match error {
            LlmError::Failed(message) => AgentError::Failed(message),
            LlmError::Timeout(ms) => AgentError::Timeout(ms),
        }
    }
}

pub type AgentFuture<'a> = Pin<Box<dyn Future<Output = Result<Value, AgentError>> + Send + 'a>>;

/// An LLM application under test: takes an item's input, returns its output.
pub trait Agent: Send + Sync {
    /// `builtin`, `openai`, `http` or `command`.
    fn kind(&self) -> &'static str;
    fn description(&self) -> String;
    /// Runs one input. Model calls and steps are recorded through `cx`.
    fn run<'a>(&'a self, input: &'a Value, cx: &'a AgentContext) -> AgentFuture<'a>;
    /// The chat model behind an `openai` agent, which `llm_judge` evaluators reuse.
    fn chat_model(&self) -> Option<&ChatModel> {
        None
    }
}

/// Registered agents by name.
#[derive(Clone, Default)]
pub struct AgentRegistry {
    agents: BTreeMap<String, Arc<dyn Agent>>,
    /// Prices of models (the config's `[prices]`), also used to cost the
    /// generations apps send without a cost.
    pub prices: crate::server::llm::PriceTable,
}

impl AgentRegistry {
    /// The agents that need no configuration.
    pub fn builtin() -> Self {
        let mut registry = Self::default();
        registry.register("echo", Arc::new(EchoAgent));
        registry.register("language-detector", Arc::new(LanguageDetector));
        registry
    }

    pub fn register(&mut self, name: &str, agent: Arc<dyn Agent>) {
        self.agents.insert(name.to_string(), agent);
    }

    pub fn get(&self, name: &str) -> Option<Arc<dyn Agent>> {
        self.agents.get(name).cloned()
    }

    pub fn names(&self) -> Vec<String> {
        self.agents.keys().cloned().collect()
    }

    pub fn list(&self) -> Vec<AgentInfo> {
        self.agents
            .iter()
            .map(|(name, agent)| AgentInfo {
                name: name.clone(),
                kind: agent.kind().to_string(),
                description: crate::server::redact::redact_text(&agent.description()),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_registry_lists_echo() {
        let registry = AgentRegistry::builtin();
        assert_eq!(registry.names(), vec!["echo".to_string(), "language-detector".to_string()]);
        let info = &registry.list()[0];
        assert_eq!((info.name.as_str(), info.kind.as_str()), ("echo", "builtin"));
        assert!(registry.get("echo").is_some());
        assert!(registry.get("Echo").is_none());
    }

    #[test]
    fn chat_failures_keep_their_message_as_agent_errors() {
        for error in
            [LlmError::Failed("HTTP 400 from http://x/v1/chat/completions: bad".into()), LlmError::Timeout(250)]
        {
            assert_eq!(AgentError::from(error.clone()).to_string(), error.to_string());
        }
        assert_eq!(AgentError::from(LlmError::Timeout(250)), AgentError::Timeout(250));
    }
}
