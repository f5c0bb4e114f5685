//! `openai` agents: one chat completion per item against any OpenAI-compatible
//! endpoint. The user message is a template over the item's input; the call is
//! recorded as a generation with its usage and cost.

use super::{Agent, AgentContext, AgentError, AgentFuture};
use crate::server::agents::context::Generation;
use crate::server::llm::{parse_json_reply, render_template, ChatModel};
use serde_json::{json, Value};

/// What the agent's output is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyFormat {
    /// The reply's text, as a JSON string.
    Text,
    /// The reply parsed as JSON (an item fails when it is not).
    Json,
}

pub struct OpenAiAgent {
    pub chat: ChatModel,
    pub system_prompt: Option<String>,
    pub user_template: String,
    pub reply: ReplyFormat,
    pub description: String,
}

impl OpenAiAgent {
    async fn call(&self, input: &Value, cx: &AgentContext) -> Result<Value, AgentError> {
        let user = render_template(&self.user_template, &[("input", input)])
            .map_err(|e| AgentError::Failed(format!("user_template: {e}")))?;
        let mut messages = Vec::new();
        if let Some(system) = &self.system_prompt {
            messages.push(json!({"role": "system", "content": system}));
        }
        messages.push(json!({"role": "user", "content": user}));
        let messages = Value::Array(messages);
        let reply = self.chat.chat(&messages).await?;
        cx.generation(Generation {
            name: "chat.completions".into(),
            model: reply.model.clone(),
            input: messages,
            output: Value::String(reply.content.clone()),
            input_tokens: reply.input_tokens,
            output_tokens: reply.output_tokens,
            cost_usd: reply.cost_usd,
            started_ms: reply.started_ms,
            ended_ms: reply.ended_ms,
        });
        match self.reply {
            ReplyFormat::Text => Ok(Value::String(reply.content)),
            ReplyFormat::Json => parse_json_reply(&reply.content).map_err(AgentError::Failed),
        }
    }
}

impl Agent for OpenAiAgent {
    fn kind(&self) -> &'static str {
        "openai"
    }

    fn description(&self) -> String {
        self.description.clone()
    }

    fn run<'a>(&'a self, input: &'a Value, cx: &'a AgentContext) -> AgentFuture<'a> {
        Box::pin(self.call(input, cx))
    }

    fn chat_model(&self) -> Option<&ChatModel> {
        Some(&self.chat)
    }
}
