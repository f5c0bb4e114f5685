//! Reading one config table key by key, so that every error names its key.

use crate::server::redact::redact_url;

/// One `[agents.<name>]` (or `[prices."<model>"]`) table.
pub(super) struct Spec<'a> {
    pub at: String,
    pub table: &'a toml::Table,
}

impl Spec<'_> {
    pub fn key(&self, key: &str) -> String {
        format!("{}.{key}", self.at)
    }

    pub fn string(&self, key: &str) -> Result<Option<String>, String> {
        match self.table.get(key) {
            None => Ok(None),
            Some(v) => {
                v.as_str().map(|s| Some(s.to_string())).ok_or_else(|| format!("{}: must be a string", self.key(key)))
            }
        }
    }

    pub fn required_string(&self, key: &str, example: &str) -> Result<String, String> {
        self.string(key)?
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| format!("{}: required, e.g. {key} = {example}", self.key(key)))
    }

    pub fn positive(&self, key: &str, default: u64, what: &str) -> Result<u64, String> {
        match self.table.get(key) {
            None => Ok(default),
            Some(v) => v
                .as_integer()
                .filter(|t| *t > 0)
                .map(|t| t as u64)
                .ok_or_else(|| format!("{}: must be a positive number of {what}", self.key(key))),
        }
    }

    pub fn number(&self, key: &str) -> Result<Option<f64>, String> {
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
    pub fn strings(&self, key: &str) -> Result<Option<Vec<String>>, String> {
        let Some(value) = self.table.get(key) else { return Ok(None) };
        let list = value.as_array().map(|a| a.iter().map(|s| s.as_str().map(String::from)).collect::<Option<Vec<_>>>());
        list.flatten().map(Some).ok_or_else(|| format!("{}: must be an array of strings", self.key(key)))
    }

    /// `env = ["NAME", …]`: variables a command agent gets from the server's environment.
    pub fn env_names(&self) -> Result<Vec<String>, String> {
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

    pub fn only(&self, allowed: &[&str], kind: &str) -> Result<(), String> {
        match self.table.keys().find(|k| !allowed.contains(&k.as_str())) {
            Some(key) => Err(format!("{}: unknown key for {kind} (allowed: {})", self.key(key), allowed.join(", "))),
            None => Ok(()),
        }
    }

    /// A URL with `${ENV}` expanded; it must be http(s).
    pub fn url(&self, key: &str, example: &str) -> Result<String, String> {
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
