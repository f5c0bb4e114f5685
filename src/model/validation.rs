//! Field-level validation errors: every message names the field it is about.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The longest name a dataset or a run may have.
pub const NAME_MAX_CHARS: usize = 255;

/// Validation failures keyed by field name (`name`, `input`, `items[3].input`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldErrors(pub BTreeMap<String, Vec<String>>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn single(field: impl Into<String>, message: impl Into<String>) -> Self {
        let mut errors = Self::new();
        errors.add(field, message);
        errors
    }

    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.entry(field.into()).or_default().push(message.into());
    }

    /// Copies every error of `other` under `prefix` (`items[2]` + `input` → `items[2].input`).
    pub fn merge_prefixed(&mut self, prefix: &str, other: FieldErrors) {
        for (field, messages) in other.0 {
            for message in messages {
                self.add(format!("{prefix}.{field}"), message);
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn get(&self, field: &str) -> Option<String> {
        self.0.get(field).map(|m| m.join("; "))
    }

    /// `Ok(())` when nothing failed, so callers can write `errors.into_result()?`.
    pub fn into_result(self) -> Result<(), FieldErrors> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(self)
        }
    }
}

impl std::fmt::Display for FieldErrors {
    /// `name has already been taken; input can't be blank`
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> =
            self.0.iter().map(|(field, messages)| format!("{field} {}", messages.join(", "))).collect();
        f.write_str(&parts.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collects_messages_per_field_and_prefixes() {
        let mut inner = FieldErrors::single("input", "can't be blank");
        inner.add("input", "is odd");
        let mut outer = FieldErrors::new();
        assert!(outer.is_empty());
        outer.merge_prefixed("items[2]", inner);
        assert_eq!(outer.get("items[2].input").unwrap(), "can't be blank; is odd");
        assert_eq!(outer.to_string(), "items[2].input can't be blank, is odd");
        assert!(outer.into_result().is_err());
        assert!(FieldErrors::new().into_result().is_ok());
    }
}
