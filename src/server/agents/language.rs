//! `language-detector`: a rule-based language guesser (en, fr, es, de, it) that
//! counts common words. Deterministic, no network, and wrong on short or mixed
//! text, which gives a demo dataset real passes and failures.

use super::context::AgentContext;
use super::{Agent, AgentError, AgentFuture};
use crate::model::stats::now_ms;
use serde_json::{json, Value};

const LANGUAGES: &[(&str, &[&str])] = &[
    ("en", &["the", "and", "is", "of", "to", "in", "it", "you", "that", "what", "this", "with", "are", "how"]),
    ("fr", &["le", "la", "les", "et", "est", "de", "un", "une", "je", "vous", "que", "pas", "bonjour", "merci"]),
    ("es", &["el", "la", "los", "y", "es", "de", "un", "una", "que", "no", "por", "hola", "gracias", "muy"]),
    ("de", &["der", "die", "das", "und", "ist", "nicht", "ich", "ein", "eine", "zu", "mit", "danke", "sehr"]),
    ("it", &["il", "lo", "gli", "e", "è", "di", "un", "una", "che", "non", "per", "ciao", "grazie", "molto"]),
];

pub struct LanguageDetector;

/// The text to classify: a string input, or its `text` field.
fn text_of(input: &Value) -> Option<&str> {
    input.as_str().or_else(|| input.get("text").and_then(Value::as_str))
}

/// Scores each language by common words; ties go to the first listed.
pub fn detect(text: &str) -> (&'static str, Vec<(&'static str, usize)>) {
    let lower = text.to_lowercase();
    let words: Vec<&str> = lower.split(|c: char| !c.is_alphanumeric() && c != 'è').filter(|w| !w.is_empty()).collect();
    let scores: Vec<(&'static str, usize)> =
        LANGUAGES.iter().map(|(code, common)| (*code, words.iter().filter(|w| common.contains(w)).count())).collect();
    let best = scores.iter().fold(scores[0], |best, s| if s.1 > best.1 { *s } else { best });
    (best.0, scores)
}

impl Agent for LanguageDetector {
    fn kind(&self) -> &'static str {
        "builtin"
    }

    fn description(&self) -> String {
        "Guesses the language (en, fr, es, de, it) of `text` by counting common words; no model call.".into()
    }

    fn run<'a>(&'a self, input: &'a Value, cx: &'a AgentContext) -> AgentFuture<'a> {
        Box::pin(async move {
            let text = text_of(input)
                .ok_or_else(|| AgentError::Failed("input must be a string or an object with a `text` string".into()))?;
            let started = now_ms();
            let (code, scores) = detect(text);
            let scores: serde_json::Map<String, Value> =
                scores.into_iter().map(|(c, n)| (c.to_string(), json!(n))).collect();
            cx.span("count common words", started, now_ms(), json!(text), Value::Object(scores));
            Ok(json!(code))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_clear_cases_and_misses_short_ones() {
        assert_eq!(detect("What is the capital of France and how big is it?").0, "en");
        assert_eq!(detect("Bonjour, je ne sais pas où est la gare").0, "fr");
        assert_eq!(detect("Hola, ¿qué tal? Muy bien, gracias").0, "es");
        assert_eq!(detect("Ich weiß nicht, das ist sehr gut").0, "de");
        assert_eq!(detect("Ciao, grazie molto per il regalo").0, "it");
        // No common word: the detector falls back to English, which is wrong here.
        assert_eq!(detect("Kiitos").0, "en");
    }

    #[tokio::test]
    async fn records_a_span_and_rejects_bad_input() {
        let cx = AgentContext::new();
        let out = LanguageDetector.run(&json!({"text": "merci et bonjour"}), &cx).await.unwrap();
        assert_eq!(out, json!("fr"));
        let observations = cx.into_observations();
        assert_eq!(observations.len(), 1);
        assert_eq!(observations[0].kind, "span");
        let err = LanguageDetector.run(&json!(42), &AgentContext::new()).await.unwrap_err();
        assert!(err.to_string().contains("`text`"));
    }
}
