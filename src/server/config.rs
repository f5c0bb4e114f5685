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

use super::agents::{AgentRegistry, CommandAgent, HttpAgent, OpenAiAgent, ReplyFormat};
use super::llm::{ChatModel, Price, PriceTable};
use super::redact::redact_url;
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

const KINDS: &str = "\"openai\", \"http\" or \"command\"";

/// One `[agents.<name>]` table, read key by key; every error names its key.
struct Spec<'a> {
    at: String,
    table: &'a toml::Table,
}

impl Spec<'_> {
    fn key(&self, key: &str) -> String {
        format!("{}.{key}", self.at)
    }

    fn string(&self, key: &str) -> Result<Option<String>, String> {
        match self.table.get(key) {
            None => Ok(None),
            Some(v) => {
                v.as_str().map(|s| Some(s.to_string())).ok_or_else(|| format!("{}: must be a string", self.key(key)))
            }
        }
    }

    fn required_string(&self, key: &str, example: &str) -> Result<String, String> {
        self.string(key)?
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| format!("{}: required, e.g. {key} = {example}", self.key(key)))
    }

    fn positive(&self, key: &str, default: u64, what: &str) -> Result<u64, String> {
        match self.table.get(key) {
            None => Ok(default),
            Some(v) => v
                .as_integer()
                .filter(|t| *t > 0)
                .map(|t| t as u64)
                .ok_or_else(|| format!("{}: must be a positive number of {what}", self.key(key))),
        }
    }

    fn number(&self, key: &str) -> Result<Option<f64>, String> {
        match self.table.get(key) {
            None => Ok(None),
            Some(v) => v
                .as_float()
                .or_else(|| v.as_integer().map(|i| i as f64))
                .filter(|f| f.is_finite())
                .map(Some)
                .ok_or_else(|| format!("{}: must be a number", self.key(key))),
        }
    }

    /// An array of strings; `Err` names the key when it is anything else.
    fn strings(&self, key: &str) -> Result<Option<Vec<String>>, String> {
        let Some(value) = self.table.get(key) else { return Ok(None) };
        let list = value.as_array().map(|a| a.iter().map(|s| s.as_str().map(String::from)).collect::<Option<Vec<_>>>());
        list.flatten().map(Some).ok_or_else(|| format!("{}: must be an array of strings", self.key(key)))
    }

    /// `env = ["NAME", …]`: variables a command agent gets from the server's environment.
    fn env_names(&self) -> Result<Vec<String>, String> {
        let names = self.strings("env")?.unwrap_or_default();
        let valid = |n: &String| {
            !n.is_empty()
                && !n.starts_with(|c: char| c.is_ascii_digit())
                && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        };
        match names.iter().find(|n| !valid(n)) {
            Some(bad) => Err(format!("{}: `{bad}` is not an environment variable name", self.key("env"))),
            None => Ok(names),
        }
    }

    fn only(&self, allowed: &[&str], kind: &str) -> Result<(), String> {
        match self.table.keys().find(|k| !allowed.contains(&k.as_str())) {
            Some(key) => Err(format!("{}: unknown key for {kind} (allowed: {})", self.key(key), allowed.join(", "))),
            None => Ok(()),
        }
    }

    /// A URL with `${ENV}` expanded; it must be http(s).
    fn url(&self, key: &str, example: &str) -> Result<String, String> {
        let url = expand_env(&self.required_string(key, example)?).map_err(|e| format!("{}: {e}", self.key(key)))?;
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(format!("{}: must start with http:// or https://, got `{}`", self.key(key), redact_url(&url)));
        }
        Ok(url)
    }
}

/// Replaces `${NAME}` with the environment variable NAME; an unset one is an error.
pub fn expand_env(text: &str) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find('}').ok_or_else(|| "`${` is never closed with `}`".to_string())?;
        let name = &after[..end];
        let value = std::env::var(name).map_err(|_| format!("the environment variable {name} is not set"))?;
        out.push_str(&value);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

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
            "command" => {
                spec.only(&["kind", "description", "timeout_ms", "command", "env"], "a command agent")?;
                let command = spec.strings("command").ok().flatten().filter(|c| !c.is_empty()).ok_or_else(|| {
                    format!(
                        "{}: must be a non-empty array of strings, e.g. [\"python3\", \"agent.py\"]",
                        spec.key("command")
                    )
                })?;
                let env = spec.env_names()?;
                let description = description
                    .unwrap_or_else(|| format!("Runs `{}` per item (JSON on stdin and stdout).", command.join(" ")));
                registry.register(name, Arc::new(CommandAgent { command, env, timeout_ms, description }));
            }
            "openai" => {
                spec.only(
                    &[
                        "kind",
                        "description",
                        "timeout_ms",
                        "base_url",
                        "model",
                        "api_key_env",
                        "system_prompt",
                        "user_template",
                        "temperature",
                        "max_tokens",
                        "max_retries",
                        "output",
                    ],
                    "an openai agent",
                )?;
                let base_url = spec.url("base_url", "\"https://api.openai.com/v1\"")?;
                let model = spec.required_string("model", "\"gpt-4o-mini\"")?;
                let api_key = match spec.string("api_key_env")? {
                    None => None,
                    Some(var) => Some(std::env::var(&var).ok().filter(|k| !k.trim().is_empty()).ok_or_else(|| {
                        format!("{}: the environment variable {var} is not set", spec.key("api_key_env"))
                    })?),
                };
                let temperature = spec.number("temperature")?;
                if temperature.is_some_and(|t| !(0.0..=2.0).contains(&t)) {
                    return Err(format!("{}: must be between 0 and 2", spec.key("temperature")));
                }
                let max_tokens = match spec.table.get("max_tokens") {
                    None => None,
                    Some(_) => Some(spec.positive("max_tokens", 1, "tokens")? as i64),
                };
                let max_retries =
                    match spec.table.get("max_retries") {
                        None => 2,
                        Some(v) => v.as_integer().filter(|n| (0..=10).contains(n)).ok_or_else(|| {
                            format!("{}: must be a whole number from 0 to 10", spec.key("max_retries"))
                        })? as u32,
                    };
                let reply = match spec.string("output")?.as_deref() {
                    None | Some("text") => ReplyFormat::Text,
                    Some("json") => ReplyFormat::Json,
                    Some(other) => {
                        return Err(format!("{}: must be \"text\" or \"json\", got `{other}`", spec.key("output")))
                    }
                };
                let user_template = spec.string("user_template")?.unwrap_or_else(|| "{{input}}".to_string());
                // A template naming anything but the input would fail every item: say so now.
                if let Err(e) =
                    crate::server::llm::render_template(&user_template, &[("input", &serde_json::json!({}))])
                {
                    if !e.contains("has no") {
                        return Err(format!("{}: {e}", spec.key("user_template")));
                    }
                }
                let description = description.unwrap_or_else(|| {
                    let priced = if prices.get(&model).is_some() { "" } else { " (no price configured: cost 0)" };
                    format!("Chat completion with {model} at {}{priced}.", redact_url(&base_url))
                });
                let chat = ChatModel {
                    base_url,
                    model,
                    api_key,
                    temperature,
                    max_tokens,
                    timeout_ms,
                    max_retries,
                    prices: prices.clone(),
                    client: client.clone(),
                };
                let system_prompt = spec.string("system_prompt")?;
                registry
                    .register(name, Arc::new(OpenAiAgent { chat, system_prompt, user_template, reply, description }));
            }
            "http" => {
                spec.only(&["kind", "description", "timeout_ms", "url", "headers"], "an http agent")?;
                let url = spec.url("url", "\"http://127.0.0.1:8000/agent\"")?;
                let mut headers = Vec::new();
                if let Some(raw) = spec.table.get("headers") {
                    let raw = raw.as_table().ok_or_else(|| {
                        format!(
                            "{}: must be a table, e.g. {{ Authorization = \"Bearer ${{TOKEN}}\" }}",
                            spec.key("headers")
                        )
                    })?;
                    for (header, value) in raw {
                        let at = format!("{}.{header}", spec.key("headers"));
                        let value = value.as_str().ok_or_else(|| format!("{at}: must be a string"))?;
                        let value = expand_env(value).map_err(|e| format!("{at}: {e}"))?;
                        if reqwest::header::HeaderName::from_bytes(header.as_bytes()).is_err()
                            || reqwest::header::HeaderValue::from_str(&value).is_err()
                        {
                            return Err(format!("{at}: not a valid HTTP header"));
                        }
                        headers.push((header.clone(), value));
                    }
                }
                let description =
                    description.unwrap_or_else(|| format!("POSTs each input as JSON to {}.", redact_url(&url)));
                let agent =
                    HttpAgent { url, headers, timeout_ms, prices: prices.clone(), description, client: client.clone() };
                registry.register(name, Arc::new(agent));
            }
            other => return Err(format!("{}: unknown kind `{other}` (expected {KINDS})", spec.key("kind"))),
        }
    }
    Ok(registry)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_observ_toml_and_its_commented_examples_are_valid() {
        let shipped = include_str!("../../observ.toml");
        assert!(agents_from_toml(shipped).unwrap().get("slow-echo").is_some());
        // Uncomment the examples' TOML lines (not their prose) and read them too.
        std::env::set_var("OPENAI_API_KEY", "sk-example");
        std::env::set_var("MY_SERVICE_TOKEN", "example");
        let examples: String = shipped
            .lines()
            .map(|line| match line.strip_prefix("# ") {
                Some(rest)
                    if rest.starts_with('[') || rest.split_once(" = ").is_some_and(|(k, _)| !k.contains(' ')) =>
                {
                    rest
                }
                _ => line,
            })
            .map(|line| format!("{line}\n"))
            .collect();
        let registry = agents_from_toml(&examples).unwrap();
        let kinds: Vec<_> = registry.list().into_iter().map(|a| (a.name, a.kind)).collect();
        assert!(kinds.contains(&("gpt-language".into(), "openai".into())), "{kinds:?}");
        assert!(kinds.contains(&("my-service".into(), "http".into())), "{kinds:?}");
    }

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
            ("[agents.a]\nkind = \"openai\"\nmodel = \"m\"", "agents.a.base_url: required"),
            ("[agents.a]\nkind = \"openai\"\nbase_url = \"ftp://x\"\nmodel = \"m\"", "agents.a.base_url: must start with http"),
            ("[agents.a]\nkind = \"openai\"\nbase_url = \"http://x\"", "agents.a.model: required"),
            (
                "[agents.a]\nkind = \"openai\"\nbase_url = \"http://x\"\nmodel = \"m\"\napi_key_env = \"OBSERV_TEST_UNSET_KEY\"",
                "agents.a.api_key_env: the environment variable OBSERV_TEST_UNSET_KEY is not set",
            ),
            ("[agents.a]\nkind = \"openai\"\nbase_url = \"http://x\"\nmodel = \"m\"\ntemperature = 3", "agents.a.temperature: must be between"),
            ("[agents.a]\nkind = \"openai\"\nbase_url = \"http://x\"\nmodel = \"m\"\noutput = \"xml\"", "agents.a.output: must be"),
            ("[agents.a]\nkind = \"openai\"\nbase_url = \"http://x\"\nmodel = \"m\"\nuser_template = \"{{item}}\"", "agents.a.user_template: unknown placeholder"),
            ("[agents.a]\nkind = \"openai\"\nbase_url = \"http://x\"\nmodel = \"m\"\ncommand = [\"x\"]", "agents.a.command: unknown key for an openai agent"),
            ("[agents.a]\nkind = \"http\"", "agents.a.url: required"),
            ("[agents.a]\nkind = \"http\"\nurl = \"http://x\"\nheaders = \"x\"", "agents.a.headers: must be a table"),
            ("[agents.a]\nkind = \"http\"\nurl = \"http://x\"\nheaders = { X-Key = \"${OBSERV_TEST_UNSET_KEY}\" }", "agents.a.headers.X-Key: the environment variable OBSERV_TEST_UNSET_KEY is not set"),
            ("[prices.m]\ninput_per_million = 1", "prices.m.output_per_million: required"),
            ("[prices.m]\ninput_per_million = -1\noutput_per_million = 1", "prices.m.input_per_million: must not be negative"),
            ("[agents.a]\nkind = \"command\"\ncommand = []", "agents.a.command: must be a non-empty array"),
            ("[agents.a]\nkind = \"command\"\ncommand = [\"x\", 1]", "agents.a.command: must be a non-empty array"),
            (
                "[agents.a]\nkind = \"command\"\ncommand = [\"x\"]\ntimeout_ms = 0",
                "agents.a.timeout_ms: must be a positive",
            ),
            ("[agents.a]\nkind = \"command\"\ncommand = [\"x\"]\nmodel = \"m\"", "agents.a.model: unknown key"),
            ("[agents.a]\nkind = \"command\"\ncommand = [\"x\"]\nenv = \"A\"", "agents.a.env: must be an array of strings"),
            ("[agents.a]\nkind = \"command\"\ncommand = [\"x\"]\nenv = [\"A B\"]", "agents.a.env: `A B` is not an environment"),
            ("[agents.echo]\nkind = \"command\"\ncommand = [\"x\"]", "agents.echo: the name is taken"),
            ("[server]\nport = 1", "server: unknown section"),
        ];
        for (text, expected) in cases {
            let err = agents_from_toml(text).err().unwrap_or_default();
            assert!(err.starts_with(expected), "{text:?} gave {err:?}");
        }
        assert!(agents_from_toml("[agents.a\n").err().unwrap_or_default().contains("line 1"));
    }

    #[test]
    fn reads_openai_and_http_agents_with_prices() {
        std::env::set_var("OBSERV_TEST_TOKEN", "s3cret");
        let registry = agents_from_toml(
            r#"
            [prices."gpt-4o-mini"]
            input_per_million = 0.15
            output_per_million = 0.6

            [agents.gpt]
            kind = "openai"
            base_url = "http://127.0.0.1:11434/v1"
            model = "gpt-4o-mini"
            user_template = "Language of: {{input.text}}"
            temperature = 0
            max_tokens = 20

            [agents.mine]
            kind = "http"
            url = "http://127.0.0.1:8000/agent"
            headers = { Authorization = "Bearer ${OBSERV_TEST_TOKEN}" }
            "#,
        )
        .unwrap();
        let list = registry.list();
        let gpt = list.iter().find(|a| a.name == "gpt").unwrap();
        assert_eq!(gpt.kind, "openai");
        assert_eq!(gpt.description, "Chat completion with gpt-4o-mini at http://127.0.0.1:11434/v1.");
        let mine = list.iter().find(|a| a.name == "mine").unwrap();
        assert_eq!(
            (mine.kind.as_str(), mine.description.as_str()),
            ("http", "POSTs each input as JSON to http://127.0.0.1:8000/agent.")
        );
        assert_eq!(expand_env("a ${OBSERV_TEST_TOKEN} b").unwrap(), "a s3cret b");
        assert!(expand_env("${OBSERV_TEST_TOKEN").unwrap_err().contains("never closed"));
    }
}
