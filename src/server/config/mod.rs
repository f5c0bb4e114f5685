//! Server settings from the environment, and the agents of the config file
//! (`observ.toml`): one module per agent kind reads that kind's keys.

mod command;
mod http;
mod openai;
mod spec;

pub use spec::expand_env;

use super::agents::AgentRegistry;
use super::llm::{Price, PriceTable};
use spec::Spec;
use std::sync::Arc;

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

const KINDS: &str = "\"openai\", \"http\" or \"command\"";

fn prices_from(table: &toml::Table) -> Result<PriceTable, String> {
    let mut prices = PriceTable::default();
    let Some(section) = table.get("prices") else {
        return Ok(prices);
    };
    let section = section.as_table().ok_or("prices: must be a table of [prices.\"<model>\"] sections")?;
    for (model, entry) in section {
        let spec = Spec {
            at: format!("prices.{model}"),
            table: entry.as_table().ok_or_else(|| format!("prices.{model}: must be a table"))?,
        };
        spec.only(&["input_per_million", "output_per_million"], "a price")?;
        let get = |key: &str| match spec.number(key)? {
            Some(n) if n >= 0.0 => Ok(n),
            Some(_) => Err(format!("{}: must not be negative", spec.key(key))),
            None => Err(format!("{}: required (USD per million tokens)", spec.key(key))),
        };
        let price =
            Price { input_per_million: get("input_per_million")?, output_per_million: get("output_per_million")? };
        prices.0.insert(model.clone(), price);
    }
    Ok(prices)
}

/// Parses `[prices."<model>"]` and `[agents.<name>]` tables. Every error names its key.
pub fn agents_from_toml(text: &str) -> Result<AgentRegistry, String> {
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| e.to_string().trim().to_string())?;
    let mut registry = AgentRegistry::builtin();
    if let Some(key) = table.keys().find(|k| !["agents", "prices"].contains(&k.as_str())) {
        return Err(format!("{key}: unknown section (expected [agents.<name>] or [prices.\"<model>\"])"));
    }
    let prices = prices_from(&table)?;
    registry.prices = prices.clone();
    let Some(agents) = table.get("agents") else {
        return Ok(registry);
    };
    let agents = agents.as_table().ok_or("agents: must be a table of [agents.<name>] sections")?;
    let client = reqwest::Client::new();
    for (name, spec) in agents {
        if registry.get(name).is_some() {
            return Err(format!("agents.{name}: the name is taken by a built-in agent"));
        }
        let spec = Spec {
            at: format!("agents.{name}"),
            table: spec.as_table().ok_or_else(|| format!("agents.{name}: must be a table"))?,
        };
        let kind = spec.string("kind")?.ok_or_else(|| format!("{}: required, one of {KINDS}", spec.key("kind")))?;
        let description = spec.string("description")?;
        let timeout_ms = spec.positive("timeout_ms", 30_000, "milliseconds")?;
        match kind.as_str() {
            "command" => registry.register(name, Arc::new(command::command_agent(&spec, description, timeout_ms)?)),
            "openai" => registry
                .register(name, Arc::new(openai::openai_agent(&spec, description, timeout_ms, &prices, &client)?)),
            "http" => {
                registry.register(name, Arc::new(http::http_agent(&spec, description, timeout_ms, &prices, &client)?))
            }
            other => return Err(format!("{}: unknown kind `{other}` (expected {KINDS})", spec.key("kind"))),
        }
    }
    Ok(registry)
}

#[cfg(test)]
mod tests;
