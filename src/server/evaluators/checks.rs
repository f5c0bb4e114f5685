//! The programmatic evaluators: pure functions of output and expected output.

use super::distance::{edit_distance, MAX_EDIT_CHARS};
use super::{clip, text, Outcome, Subject};
use crate::model::evaluator::{EvaluatorKind, KeywordMode};
use crate::model::score::ScoreDataType;
use serde_json::Value;

pub fn compile(pattern: &str, case_insensitive: bool) -> Result<regex::Regex, regex::Error> {
    regex::RegexBuilder::new(pattern).case_insensitive(case_insensitive).size_limit(1 << 20).build()
}

pub fn check(kind: &EvaluatorKind, s: &Subject<'_>) -> Outcome {
    match kind {
        EvaluatorKind::ExactMatch { case_insensitive } => exact_match(s, *case_insensitive),
        EvaluatorKind::Contains { keywords, mode, case_insensitive } => contains(s, keywords, *mode, *case_insensitive),
        EvaluatorKind::Regex { pattern, case_insensitive } => match compile(pattern, *case_insensitive) {
            Ok(re) => {
                let found = re.is_match(&text(s.output));
                Outcome::boolean(found, (!found).then(|| format!("no match for /{pattern}/")))
            }
            Err(e) => Outcome::Failed(format!("pattern: {e}")),
        },
        EvaluatorKind::Json { required_keys, match_expected } => json(s, required_keys, *match_expected),
        EvaluatorKind::Numeric { abs_tolerance, rel_tolerance } => numeric(s, *abs_tolerance, *rel_tolerance),
        EvaluatorKind::Levenshtein { threshold } => levenshtein(s, *threshold),
        EvaluatorKind::LlmJudge { .. } => Outcome::Failed("llm_judge is not a programmatic check".into()),
    }
}

/// A value as compared: strings trimmed, and a string holding JSON (an object,
/// array, number…) read as that JSON, so `"{\"a\": 1}"` equals `{"a":1}`.
fn normalized(value: &Value, case_insensitive: bool) -> Value {
    match value {
        Value::String(s) => {
            let trimmed = s.trim();
            match serde_json::from_str::<Value>(trimmed) {
                Ok(parsed) if !parsed.is_string() => normalized(&parsed, case_insensitive),
                _ if case_insensitive => Value::String(trimmed.to_lowercase()),
                _ => Value::String(trimmed.to_string()),
            }
        }
        Value::Array(items) => Value::Array(items.iter().map(|v| normalized(v, case_insensitive)).collect()),
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), normalized(v, case_insensitive))).collect())
        }
        // 1 and 1.0 are the same answer.
        Value::Number(n) => n.as_f64().map(Value::from).unwrap_or_else(|| value.clone()),
        other => other.clone(),
    }
}

fn exact_match(s: &Subject<'_>, case_insensitive: bool) -> Outcome {
    let Some(expected) = s.expected else { return Outcome::NotApplicable };
    let equal = normalized(s.output, case_insensitive) == normalized(expected, case_insensitive);
    let comment =
        (!equal).then(|| format!("expected `{}`, got `{}`", clip(&text(expected), 80), clip(&text(s.output), 80)));
    Outcome::boolean(equal, comment)
}

fn contains(s: &Subject<'_>, keywords: &[String], mode: KeywordMode, case_insensitive: bool) -> Outcome {
    let keywords: Vec<String> = if !keywords.is_empty() {
        keywords.to_vec()
    } else {
        match s.expected {
            Some(Value::String(k)) if !k.trim().is_empty() => vec![k.trim().to_string()],
            Some(Value::Array(list)) if !list.is_empty() => list.iter().map(|k| text(k).trim().to_string()).collect(),
            Some(Value::Null) | None => return Outcome::NotApplicable,
            Some(other) => vec![text(other)],
        }
    };
    let fold = |t: &str| if case_insensitive { t.to_lowercase() } else { t.to_string() };
    let haystack = fold(&text(s.output));
    let (found, missing): (Vec<&String>, Vec<&String>) = keywords.iter().partition(|k| haystack.contains(&fold(k)));
    let fraction = found.len() as f64 / keywords.len() as f64;
    let passed = match mode {
        KeywordMode::Any => !found.is_empty(),
        KeywordMode::All => missing.is_empty(),
    };
    let comment = format!(
        "found {} of {}{}",
        found.len(),
        keywords.len(),
        if missing.is_empty() {
            String::new()
        } else {
            format!("; missing: {}", missing.iter().map(|k| clip(k, 40)).collect::<Vec<_>>().join(", "))
        }
    );
    Outcome::Scored { value: fraction, data_type: ScoreDataType::Numeric, passed, comment: Some(comment) }
}

/// The output as JSON: itself, or the JSON a string holds.
fn as_json(output: &Value) -> Result<Value, String> {
    match output {
        Value::String(s) => crate::server::llm::parse_json_reply(s).map_err(|_| {
            if s.trim().is_empty() {
                "the output is empty".to_string()
            } else {
                format!("the output is not valid JSON: `{}`", clip(s.trim(), 60))
            }
        }),
        other => Ok(other.clone()),
    }
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Where `actual` is not shaped like `expected`: same keys, same kinds, recursively.
fn shape_differences(expected: &Value, actual: &Value, at: &str, out: &mut Vec<String>) {
    let here = if at.is_empty() { "the top level".to_string() } else { at.to_string() };
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for (key, ev) in e {
                let path = if at.is_empty() { key.clone() } else { format!("{at}.{key}") };
                match a.get(key) {
                    Some(av) => shape_differences(ev, av, &path, out),
                    None => out.push(format!("missing `{path}`")),
                }
            }
            for key in a.keys().filter(|k| !e.contains_key(*k)) {
                out.push(format!("unexpected `{}`", if at.is_empty() { key.clone() } else { format!("{at}.{key}") }));
            }
        }
        (Value::Array(e), Value::Array(a)) => {
            if let Some(first) = e.first() {
                for (i, av) in a.iter().enumerate() {
                    shape_differences(first, av, &format!("{at}[{i}]"), out);
                }
            }
        }
        (Value::Null, _) => {}
        (e, a) if kind_of(e) != kind_of(a) => out.push(format!("{here}: expected {}, got {}", kind_of(e), kind_of(a))),
        _ => {}
    }
}

fn json(s: &Subject<'_>, required_keys: &[String], match_expected: bool) -> Outcome {
    let parsed = match as_json(s.output) {
        Ok(v) => v,
        Err(reason) => return Outcome::boolean(false, Some(reason)),
    };
    let mut problems = Vec::new();
    for key in required_keys {
        let mut at = Some(&parsed);
        for part in key.split('.') {
            at = at.and_then(|v| v.get(part));
        }
        if at.is_none() {
            problems.push(format!("missing key `{key}`"));
        }
    }
    if match_expected {
        if let Some(expected) = s.expected.filter(|e| !e.is_null()) {
            let expected = as_json(expected).unwrap_or_else(|_| expected.clone());
            shape_differences(&expected, &parsed, "", &mut problems);
        }
    }
    let passed = problems.is_empty();
    problems.truncate(5);
    Outcome::boolean(passed, (!passed).then(|| problems.join("; ")))
}

/// A number, or a string that is one (`" 3.5 "`).
fn number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok().filter(|f| f.is_finite()),
        _ => None,
    }
}

fn numeric(s: &Subject<'_>, abs_tolerance: f64, rel_tolerance: f64) -> Outcome {
    let Some(expected) = s.expected.and_then(number) else { return Outcome::NotApplicable };
    let Some(actual) = number(s.output) else {
        return Outcome::boolean(false, Some(format!("the output is not a number: `{}`", clip(&text(s.output), 60))));
    };
    let difference = (actual - expected).abs();
    let passed =
        difference <= abs_tolerance.max(rel_tolerance * expected.abs()) + f64::EPSILON * expected.abs().max(1.0);
    let comment = (!passed).then(|| format!("expected {expected}, got {actual} (off by {difference})"));
    Outcome::boolean(passed, comment)
}

fn levenshtein(s: &Subject<'_>, threshold: f64) -> Outcome {
    let Some(expected) = s.expected.filter(|e| !e.is_null()) else { return Outcome::NotApplicable };
    let (a, b) = (text(s.output), text(expected));
    let (a, b) = (a.trim(), b.trim());
    let longer = a.chars().count().max(b.chars().count());
    if longer > MAX_EDIT_CHARS {
        return Outcome::Failed(format!("text longer than {MAX_EDIT_CHARS} characters (the levenshtein limit)"));
    }
    let ratio = if longer == 0 { 1.0 } else { 1.0 - edit_distance(a, b) as f64 / longer as f64 };
    Outcome::Scored {
        value: ratio,
        data_type: ScoreDataType::Numeric,
        passed: ratio >= threshold,
        comment: Some(format!("similarity {ratio:.3} (passes at {threshold})")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(kind: EvaluatorKind, output: Value, expected: Option<Value>) -> Outcome {
        let input = json!({"q": "?"});
        check(&kind, &Subject { input: &input, expected: expected.as_ref(), output: &output })
    }

    fn value(outcome: &Outcome) -> (f64, bool) {
        match outcome {
            Outcome::Scored { value, passed, .. } => (*value, *passed),
            other => panic!("expected a score, got {other:?}"),
        }
    }

    #[test]
    fn exact_match_is_json_aware_and_trims_strings() {
        let exact = || EvaluatorKind::ExactMatch { case_insensitive: false };
        assert_eq!(value(&run(exact(), json!("{ \"a\": 1 }"), Some(json!({"a": 1})))), (1.0, true));
        assert_eq!(value(&run(exact(), json!({"a": 1.0}), Some(json!({"a": 1})))), (1.0, true));
        assert_eq!(value(&run(exact(), json!("  fr \n"), Some(json!("fr")))), (1.0, true));
        assert_eq!(value(&run(exact(), json!("Fr"), Some(json!("fr")))), (0.0, false));
        let loose = EvaluatorKind::ExactMatch { case_insensitive: true };
        assert_eq!(value(&run(loose, json!("Ünïcode"), Some(json!("ünïcode")))), (1.0, true));
        assert_eq!(value(&run(exact(), json!(""), Some(json!("fr")))), (0.0, false), "empty output");
        assert_eq!(value(&run(exact(), json!("42"), Some(json!(42)))), (1.0, true));
        assert_eq!(run(exact(), json!("fr"), None), Outcome::NotApplicable, "no expected output");
        match run(exact(), json!("es"), Some(json!("fr"))) {
            Outcome::Scored { comment, .. } => assert_eq!(comment.as_deref(), Some("expected `fr`, got `es`")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn contains_counts_keywords_from_settings_or_expected() {
        let kw = |k: &[&str], mode| EvaluatorKind::Contains {
            keywords: k.iter().map(|s| s.to_string()).collect(),
            mode,
            case_insensitive: true,
        };
        let out = json!("We are SORRY, a refund is on its way");
        let (v, passed) = value(&run(kw(&["sorry", "refund", "voucher"], KeywordMode::All), out.clone(), None));
        assert!(((v - 2.0 / 3.0).abs() < 1e-9, passed) == (true, false));
        assert!(value(&run(kw(&["sorry", "voucher"], KeywordMode::Any), out.clone(), None)).1);
        assert_eq!(value(&run(kw(&[], KeywordMode::All), out.clone(), Some(json!(["refund", "way"])))), (1.0, true));
        assert_eq!(run(kw(&[], KeywordMode::All), out.clone(), None), Outcome::NotApplicable);
        assert_eq!(value(&run(kw(&["ß"], KeywordMode::All), json!("straße"), None)), (1.0, true));
        assert_eq!(value(&run(kw(&["x"], KeywordMode::Any), json!(""), None)), (0.0, false));
        let strict =
            EvaluatorKind::Contains { keywords: vec!["sorry".into()], mode: KeywordMode::All, case_insensitive: false };
        assert_eq!(value(&run(strict, out, None)), (0.0, false));
    }

    #[test]
    fn regex_matches_the_output_text() {
        let re = |p: &str| EvaluatorKind::Regex { pattern: p.into(), case_insensitive: false };
        assert_eq!(value(&run(re(r"^\d{3}-\d{4}$"), json!("555-1234"), None)), (1.0, true));
        assert_eq!(value(&run(re(r"^\d+$"), json!(""), None)), (0.0, false));
        assert_eq!(value(&run(re(r#""a":1"#), json!({"a": 1}), None)), (1.0, true), "non-strings as JSON");
        assert_eq!(value(&run(re("日本"), json!("日本語"), None)), (1.0, true));
        assert!(matches!(run(re("("), json!("x"), None), Outcome::Failed(e) if e.starts_with("pattern:")));
    }

    #[test]
    fn json_checks_validity_keys_and_shape() {
        let j = |keys: &[&str], shape| EvaluatorKind::Json {
            required_keys: keys.iter().map(|s| s.to_string()).collect(),
            match_expected: shape,
        };
        assert_eq!(value(&run(j(&[], false), json!("{\"a\": [1]}"), None)), (1.0, true));
        assert_eq!(value(&run(j(&[], false), json!("not json"), None)), (0.0, false));
        assert_eq!(value(&run(j(&[], false), json!(""), None)), (0.0, false));
        assert_eq!(value(&run(j(&["a.b"], false), json!({"a": {"b": null}}), None)), (1.0, true));
        assert_eq!(value(&run(j(&["a.c"], false), json!({"a": {"b": 1}}), None)), (0.0, false));
        let expected = Some(json!({"label": "spam", "score": 0.5, "tags": ["x"]}));
        assert_eq!(
            value(&run(j(&[], true), json!({"label": "ham", "score": 1, "tags": []}), expected.clone())),
            (1.0, true)
        );
        match run(j(&[], true), json!({"label": 3, "tags": [1], "extra": true}), expected) {
            Outcome::Scored { passed: false, comment: Some(c), .. } => {
                assert!(c.contains("label: expected string, got number"), "{c}");
                assert!(
                    c.contains("missing `score`") && c.contains("unexpected `extra`") && c.contains("tags[0]"),
                    "{c}"
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn numeric_uses_absolute_or_relative_tolerance() {
        let n = |abs, rel| EvaluatorKind::Numeric { abs_tolerance: abs, rel_tolerance: rel };
        assert_eq!(value(&run(n(0.0, 0.0), json!(4), Some(json!(4.0)))), (1.0, true));
        assert_eq!(value(&run(n(0.05, 0.0), json!(" 3.1 "), Some(json!("3.14")))), (1.0, true));
        assert_eq!(value(&run(n(0.0, 0.01), json!(101), Some(json!(100)))), (1.0, true));
        assert_eq!(value(&run(n(0.0, 0.01), json!(102), Some(json!(100)))), (0.0, false));
        assert_eq!(value(&run(n(1.0, 0.0), json!("four"), Some(json!(4)))), (0.0, false));
        assert_eq!(run(n(1.0, 0.0), json!(4), Some(json!("many"))), Outcome::NotApplicable);
        assert_eq!(run(n(1.0, 0.0), json!(4), None), Outcome::NotApplicable);
    }

    #[test]
    fn levenshtein_is_a_ratio_over_characters() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("café", "cafe"), 1, "characters, not bytes");
        let l = |t| EvaluatorKind::Levenshtein { threshold: t };
        let (v, passed) = value(&run(l(0.5), json!("kitten"), Some(json!("sitting"))));
        assert!((v - (1.0 - 3.0 / 7.0)).abs() < 1e-9 && passed);
        assert!(!value(&run(l(0.9), json!("kitten"), Some(json!("sitting")))).1);
        assert_eq!(value(&run(l(0.8), json!(""), Some(json!("")))), (1.0, true));
        assert_eq!(value(&run(l(0.8), json!(""), Some(json!("abc")))), (0.0, false));
        assert_eq!(run(l(0.8), json!("x"), None), Outcome::NotApplicable);
        let huge = "x".repeat(MAX_EDIT_CHARS + 1);
        assert_eq!(
            run(l(0.8), json!(huge), Some(json!("x"))),
            Outcome::Failed("text longer than 100000 characters (the levenshtein limit)".into())
        );
    }
}
