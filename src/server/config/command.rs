//! `kind = "command"`: an agent that runs a local program per item.

use super::spec::Spec;
use crate::server::agents::CommandAgent;

/// Reads a command agent's keys (after `kind`, `description` and `timeout_ms`).
pub(super) fn command_agent(spec: &Spec, description: Option<String>, timeout_ms: u64) -> Result<CommandAgent, String> {
    spec.only(&["kind", "description", "timeout_ms", "command", "env"], "a command agent")?;
    let command = spec.strings("command").ok().flatten().filter(|c| !c.is_empty()).ok_or_else(|| {
        format!("{}: must be a non-empty array of strings, e.g. [\"python3\", \"agent.py\"]", spec.key("command"))
    })?;
    let env = spec.env_names()?;
    let description =
        description.unwrap_or_else(|| format!("Runs `{}` per item (JSON on stdin and stdout).", command.join(" ")));
    Ok(CommandAgent { command, env, timeout_ms, description })
}
