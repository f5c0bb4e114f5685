//! Server settings from the environment.

/// Where the SQLite file lives when `OBSERV_DATABASE_URL` is not set.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/observ.db";

#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: String,
}

impl Config {
    pub fn from_env() -> Self {
        Config {
            database_url: std::env::var("OBSERV_DATABASE_URL")
                .ok()
                .filter(|v| !v.trim().is_empty())
                .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_string()),
        }
    }
}

use super::agents::{AgentRegistry, CommandAgent};
use std::sync::Arc;

/// Where agents are configured when `OBSERV_CONFIG` is not set (optional file).
pub const DEFAULT_CONFIG_PATH: &str = "observ.toml";

/// The built-in agents plus those of the config file. A missing default file
/// is fine; a missing `OBSERV_CONFIG` file or any bad key is an error naming it.
pub fn load_agents() -> Result<AgentRegistry, String> {
    let (path, required) = match std::env::var("OBSERV_CONFIG").ok().filter(|p| !p.trim().is_empty()) {
        Some(path) => (path, true),
        None => (DEFAULT_CONFIG_PATH.to_string(), false),
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => agents_from_toml(&text).map_err(|e| format!("{path}: {e}")),
        Err(_) if !required => Ok(AgentRegistry::builtin()),
        Err(e) => Err(format!("{path}: {e}")),
    }
}

/// Parses `[agents.<name>]` tables. Every error names its key.
pub fn agents_from_toml(text: &str) -> Result<AgentRegistry, String> {
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| e.to_string().trim().to_string())?;
    let mut registry = AgentRegistry::builtin();
    if let Some(key) = table.keys().find(|k| *k != "agents") {
        return Err(format!("{key}: unknown section (expected [agents.<name>])"));
    }
    let Some(agents) = table.get("agents") else {
        return Ok(registry);
    };
    let agents = agents.as_table().ok_or("agents: must be a table of [agents.<name>] sections")?;
    for (name, spec) in agents {
        let at = |field: &str| format!("agents.{name}.{field}");
        if registry.get(name).is_some() {
            return Err(format!("agents.{name}: the name is taken by a built-in agent"));
        }
        let spec = spec.as_table().ok_or_else(|| format!("agents.{name}: must be a table"))?;
        let kind = spec
            .get("kind")
            .and_then(|v| v.as_str())
            .ok_or_else(|| format!("{}: required, one of \"command\"", at("kind")))?;
        let description = match spec.get("description") {
            None => None,
            Some(v) => Some(v.as_str().ok_or_else(|| format!("{}: must be a string", at("description")))?.to_string()),
        };
        let timeout_ms = match spec.get("timeout_ms") {
            None => 30_000,
            Some(v) => v
                .as_integer()
                .filter(|t| *t > 0)
                .ok_or_else(|| format!("{}: must be a positive number of milliseconds", at("timeout_ms")))?
                as u64,
        };
        match kind {
            "command" => {
                let command: Vec<String> = spec
                    .get("command")
                    .and_then(|v| v.as_array())
                    .map(|a| a.iter().filter_map(|s| s.as_str().map(String::from)).collect::<Vec<_>>())
                    .filter(|c: &Vec<String>| {
                        !c.is_empty() && c.len() == spec["command"].as_array().map_or(0, |a| a.len())
                    })
                    .ok_or_else(|| {
                        format!(
                            "{}: must be a non-empty array of strings, e.g. [\"python3\", \"agent.py\"]",
                            at("command")
                        )
                    })?;
                if let Some(key) =
                    spec.keys().find(|k| !["kind", "description", "timeout_ms", "command"].contains(&k.as_str()))
                {
                    return Err(format!("{}: unknown key for a command agent", at(key)));
                }
                let description = description
                    .unwrap_or_else(|| format!("Runs `{}` per item (JSON on stdin and stdout).", command.join(" ")));
                registry.register(name, Arc::new(CommandAgent { command, timeout_ms, description }));
            }
            other => return Err(format!("{}: unknown kind `{other}` (expected \"command\")", at("kind"))),
        }
    }
    Ok(registry)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_command_agents() {
        let registry = agents_from_toml(
            "[agents.slow]\nkind = \"command\"\ncommand = [\"sh\", \"-c\", \"sleep 1; cat\"]\ntimeout_ms = 5000\n",
        )
        .unwrap();
        let info = registry.list().into_iter().find(|a| a.name == "slow").unwrap();
        assert_eq!(info.kind, "command");
        assert!(info.description.contains("sh -c"));
        assert!(registry.get("echo").is_some(), "built-ins stay");
        assert_eq!(agents_from_toml("").unwrap().names().len(), 2);
    }

    #[test]
    fn errors_name_the_key() {
        let cases = [
            ("[agents.a]\ncommand = [\"x\"]", "agents.a.kind: required"),
            ("[agents.a]\nkind = \"magic\"", "agents.a.kind: unknown kind `magic`"),
            ("[agents.a]\nkind = \"command\"\ncommand = []", "agents.a.command: must be a non-empty array"),
            ("[agents.a]\nkind = \"command\"\ncommand = [\"x\", 1]", "agents.a.command: must be a non-empty array"),
            (
                "[agents.a]\nkind = \"command\"\ncommand = [\"x\"]\ntimeout_ms = 0",
                "agents.a.timeout_ms: must be a positive",
            ),
            ("[agents.a]\nkind = \"command\"\ncommand = [\"x\"]\nmodel = \"m\"", "agents.a.model: unknown key"),
            ("[agents.echo]\nkind = \"command\"\ncommand = [\"x\"]", "agents.echo: the name is taken"),
            ("[server]\nport = 1", "server: unknown section"),
        ];
        for (text, expected) in cases {
            let err = agents_from_toml(text).err().unwrap_or_default();
            assert!(err.starts_with(expected), "{text:?} gave {err:?}");
        }
        assert!(agents_from_toml("[agents.a\n").err().unwrap_or_default().contains("line 1"));
    }
}
