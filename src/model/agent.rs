//! What the UI and the API show about a registered agent.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AgentInfo {
    /// The name datasets refer to in `agent_class`.
    pub name: String,
    /// `builtin`, `openai`, `http` or `command`.
    pub kind: String,
    pub description: String,
}
