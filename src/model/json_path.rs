//! JSON paths that pick part of a trace's or an observation's payload when it
//! becomes a dataset item: `$.messages[0].content`, or the same without `$`
//! and with dots for indexes, `messages.0.content`. One parser and one
//! evaluator, used by the add-to-dataset forms (live, in the browser), the
//! server functions and the REST API.

use super::FieldErrors;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One step of a path: an object key or an array index. A bare dotted step
/// that is a number (`messages.0`) is either, whichever the value holds.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Key(String),
    Index(usize),
    /// `.0`: an index into an array, or the key `"0"` of an object.
    Either(String),
}

/// A parsed path; [`JsonPath::select`] finds what it names in a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonPath {
    text: String,
    steps: Vec<Step>,
}

fn bare_key_char(c: char) -> bool {
    !matches!(c, '.' | '[' | ']' | '"' | '\'') && !c.is_whitespace()
}

impl JsonPath {
    /// Parses `$`, `$.a.b`, `$.a[0]`, `$["a b"]`, `a.0.b`, `a[0].b`. Blank or
    /// `$` alone is the whole value.
    pub fn parse(text: &str) -> Result<JsonPath, String> {
        let trimmed = text.trim();
        let chars: Vec<char> = trimmed.chars().collect();
        let bad = |at: usize, what: &str| format!("`{trimmed}` is not a JSON path: {what} at character {}", at + 1);
        let mut steps = Vec::new();
        let mut i = 0;
        if chars.first() == Some(&'$') {
            i = 1;
        } else if chars.first().is_some_and(|c| bare_key_char(*c)) {
            // `messages.0`: the first key needs no dot.
            let start = i;
            while i < chars.len() && bare_key_char(chars[i]) {
                i += 1;
            }
            steps.push(bare_step(chars[start..i].iter().collect()));
        }
        while i < chars.len() {
            match chars[i] {
                '.' => {
                    let start = i + 1;
                    i = start;
                    while i < chars.len() && bare_key_char(chars[i]) {
                        i += 1;
                    }
                    if i == start {
                        return Err(bad(start, "expected a key after `.`"));
                    }
                    steps.push(bare_step(chars[start..i].iter().collect()));
                }
                '[' => {
                    let (step, next) = bracket_step(&chars, i + 1).map_err(|(at, what)| bad(at, what))?;
                    steps.push(step);
                    i = next;
                }
                _ => return Err(bad(i, "expected `.key` or `[index]`")),
            }
        }
        Ok(JsonPath { text: trimmed.to_string(), steps })
    }

    /// What the path names in `value`, or a message that says where it stopped
    /// matching: "`$.messages[3]` matches nothing: `$.messages` has 2 elements".
    pub fn select<'v>(&self, value: &'v Value) -> Result<&'v Value, String> {
        self.locate(value).map_err(|why| format!("`{}` matches nothing: {why}", self.text))
    }

    /// [`JsonPath::select`] with only the reason when it fails.
    fn locate<'v>(&self, value: &'v Value) -> Result<&'v Value, String> {
        let mut at = value;
        let mut walked = String::from("$");
        for step in &self.steps {
            let written = match step {
                Step::Index(n) => format!("[{n}]"),
                Step::Either(t) if at.is_array() => format!("[{t}]"),
                Step::Key(k) | Step::Either(k) if !k.is_empty() && k.chars().all(bare_key_char) => format!(".{k}"),
                Step::Key(k) | Step::Either(k) => format!("[{}]", Value::String(k.clone())),
            };
            let next = match (step, at) {
                (Step::Index(n), Value::Array(items)) => items.get(*n).ok_or_else(|| elements(&walked, items.len())),
                (Step::Either(text), Value::Array(items)) => {
                    text.parse::<usize>().ok().and_then(|n| items.get(n)).ok_or_else(|| elements(&walked, items.len()))
                }
                (Step::Key(key) | Step::Either(key), Value::Object(map)) => {
                    map.get(key).ok_or_else(|| format!("`{walked}` has no key `{key}`"))
                }
                (Step::Index(_), other) => Err(format!("`{walked}` is {}, not an array", kind(other))),
                (Step::Key(_) | Step::Either(_), other) => Err(format!("`{walked}` is {}, not an object", kind(other))),
            };
            at = next?;
            walked.push_str(&written);
        }
        Ok(at)
    }
}

fn bare_step(text: String) -> Step {
    if text.parse::<usize>().is_ok() {
        Step::Either(text)
    } else {
        Step::Key(text)
    }
}

/// `[0]`, `["key"]` or `['key']` starting after the `[`; the step and the
/// position after the `]`.
fn bracket_step(chars: &[char], start: usize) -> Result<(Step, usize), (usize, &'static str)> {
    let mut i = start;
    match chars.get(i) {
        Some(q @ ('"' | '\'')) => {
            let quote = *q;
            let mut key = String::new();
            i += 1;
            loop {
                match chars.get(i) {
                    None => return Err((i, "a quoted key never closes")),
                    Some('\\') if chars.get(i + 1).is_some() => {
                        key.push(chars[i + 1]);
                        i += 2;
                    }
                    Some(c) if *c == quote => break,
                    Some(c) => {
                        key.push(*c);
                        i += 1;
                    }
                }
            }
            i += 1;
            if chars.get(i) != Some(&']') {
                return Err((i, "expected `]` after the quoted key"));
            }
            Ok((Step::Key(key), i + 1))
        }
        _ => {
            while chars.get(i).is_some_and(char::is_ascii_digit) {
                i += 1;
            }
            if i == start || chars.get(i) != Some(&']') {
                return Err((i, "expected an index (0, 1, …) or a quoted key inside `[…]`"));
            }
            let digits: String = chars[start..i].iter().collect();
            let index = digits.parse().map_err(|_| (start, "the index is too large"))?;
            Ok((Step::Index(index), i + 1))
        }
    }
}

fn elements(walked: &str, len: usize) -> String {
    match len {
        0 => format!("`{walked}` is an empty array"),
        1 => format!("`{walked}` has 1 element"),
        n => format!("`{walked}` has {n} elements"),
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Which parts of a trace or an observation become an item: `input_path` in
/// its input is the item's input (all of it when absent), `expected_path` in
/// its output the expected output.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemPaths {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_path: Option<String>,
}

impl ItemPaths {
    /// Blank paths count as absent.
    pub fn new(input_path: Option<String>, expected_path: Option<String>) -> ItemPaths {
        let keep = |p: Option<String>| p.map(|p| p.trim().to_string()).filter(|p| !p.is_empty());
        ItemPaths { input_path: keep(input_path), expected_path: keep(expected_path) }
    }

    /// Both paths parse; errors name `input_path` / `expected_path`.
    pub fn validate(&self) -> FieldErrors {
        let mut errors = FieldErrors::new();
        for (field, path) in [("input_path", &self.input_path), ("expected_path", &self.expected_path)] {
            if let Some(Err(message)) = path.as_deref().map(JsonPath::parse) {
                errors.add(field, message);
            }
        }
        errors
    }

    /// The item's input from `source`'s input (`source` reads like "trace 12"
    /// in messages). `Ok(None)` when there is no path and no input at all.
    pub fn input_of(&self, input: Option<&Value>, source: &str) -> Result<Option<Value>, FieldErrors> {
        let input = input.filter(|v| !v.is_null());
        let Some(path) = &self.input_path else { return Ok(input.cloned()) };
        let picked = pick("input_path", path, input, source, "input")?;
        if picked.is_null() {
            let message = format!("`{path}` is null in {source}'s input; an item's input can't be null");
            return Err(FieldErrors::single("input_path", message));
        }
        Ok(Some(picked))
    }

    /// The part of `source`'s output at `expected_path`; `Ok(None)` without a
    /// path (the caller decides what no path means).
    pub fn expected_of(&self, output: Option<&Value>, source: &str) -> Result<Option<Value>, FieldErrors> {
        let Some(path) = &self.expected_path else { return Ok(None) };
        let output = output.filter(|v| !v.is_null());
        pick("expected_path", path, output, source, "output").map(Some)
    }
}

/// The part of `source`'s `part` (input or output) at `path`; errors say
/// which source the path missed in ("trace 12's input").
fn pick(field: &str, path: &str, value: Option<&Value>, source: &str, part: &str) -> Result<Value, FieldErrors> {
    let parsed = JsonPath::parse(path).map_err(|m| FieldErrors::single(field, m))?;
    let Some(value) = value else {
        return Err(FieldErrors::single(field, format!("`{path}` matches nothing: {source} has no {part}")));
    };
    parsed
        .locate(value)
        .cloned()
        .map_err(|why| FieldErrors::single(field, format!("`{path}` matches nothing in {source}'s {part}: {why}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn select(value: &Value, path: &str) -> Result<Value, String> {
        JsonPath::parse(path)?.select(value).cloned()
    }

    #[test]
    fn both_spellings_reach_the_same_value() {
        let v = json!({"messages": [{"role": "user", "content": "hi"}, {"content": "yo"}], "a b": {"0": "zero"}});
        for path in ["$.messages[0].content", "messages.0.content", "messages[0].content", "$.messages.0.content"] {
            assert_eq!(select(&v, path), Ok(json!("hi")), "{path}");
        }
        assert_eq!(select(&v, "$.messages[1]"), Ok(json!({"content": "yo"})));
        assert_eq!(select(&v, "$['a b'][\"0\"]"), Ok(json!("zero")));
        assert_eq!(select(&v, "$[\"a b\"].0"), Ok(json!("zero")), "a numeric step is a key in an object");
        assert_eq!(select(&v, "$"), Ok(v.clone()));
        assert_eq!(select(&v, "  "), Ok(v.clone()));
        assert_eq!(select(&json!([1, [2, 3]]), "$[1][0]"), Ok(json!(2)));
        assert_eq!(select(&json!([1, [2, 3]]), "1.1"), Ok(json!(3)));
    }

    #[test]
    fn a_missing_path_says_where_it_stopped() {
        let v = json!({"messages": [{"content": "hi"}], "n": 3});
        assert_eq!(
            select(&v, "$.messages[3].content").unwrap_err(),
            "`$.messages[3].content` matches nothing: `$.messages` has 1 element"
        );
        assert_eq!(
            select(&v, "messages.0.text").unwrap_err(),
            "`messages.0.text` matches nothing: `$.messages[0]` has no key `text`"
        );
        assert_eq!(select(&v, "$.n.k").unwrap_err(), "`$.n.k` matches nothing: `$.n` is a number, not an object");
        assert_eq!(select(&v, "$.n[0]").unwrap_err(), "`$.n[0]` matches nothing: `$.n` is a number, not an array");
        assert_eq!(select(&json!([]), "$[0]").unwrap_err(), "`$[0]` matches nothing: `$` is an empty array");
        assert_eq!(
            select(&json!({"a": [1]}), "a.first").unwrap_err(),
            "`a.first` matches nothing: `$.a` is an array, not an object"
        );
    }

    #[test]
    fn malformed_paths_are_named() {
        assert_eq!(
            select(&json!({}), "$.a[x]").unwrap_err(),
            "`$.a[x]` is not a JSON path: expected an index (0, 1, …) or a quoted key inside `[…]` at character 5"
        );
        assert_eq!(
            select(&json!({}), "$.").unwrap_err(),
            "`$.` is not a JSON path: expected a key after `.` at character 3"
        );
        assert_eq!(
            select(&json!({}), "$['a").unwrap_err(),
            "`$['a` is not a JSON path: a quoted key never closes at character 5"
        );
        assert!(select(&json!({}), "$a").unwrap_err().contains("expected `.key` or `[index]`"));
    }

    #[test]
    fn item_paths_pick_input_and_expected() {
        let input = json!({"messages": [{"content": "hi"}]});
        let output = json!({"answer": "fr", "extra": null});
        let paths = ItemPaths::new(Some(" $.messages[0].content ".into()), Some("answer".into()));
        assert_eq!(paths.input_of(Some(&input), "observation 4"), Ok(Some(json!("hi"))));
        assert_eq!(paths.expected_of(Some(&output), "observation 4"), Ok(Some(json!("fr"))));
        let whole = ItemPaths::new(Some(String::new()), None);
        assert_eq!(whole, ItemPaths::default());
        assert_eq!(whole.input_of(Some(&input), "t"), Ok(Some(input.clone())));
        assert_eq!(whole.input_of(Some(&Value::Null), "t"), Ok(None));
        assert_eq!(whole.expected_of(Some(&output), "t"), Ok(None));

        let err = paths.input_of(None, "trace 9").unwrap_err();
        assert_eq!(err.get("input_path").unwrap(), "`$.messages[0].content` matches nothing: trace 9 has no input");
        let nulls = ItemPaths::new(Some("$.messages".into()), Some("$.nope".into()));
        let err = nulls.input_of(Some(&json!({"messages": null})), "trace 9").unwrap_err();
        assert!(err.get("input_path").unwrap().contains("can't be null"));
        let err = nulls.expected_of(Some(&output), "trace 9").unwrap_err();
        assert_eq!(
            err.get("expected_path").unwrap(),
            "`$.nope` matches nothing in trace 9's output: `$` has no key `nope`"
        );
        let bad = ItemPaths::new(Some("$[".into()), Some("a..b".into()));
        let errors = bad.validate();
        assert!(errors.get("input_path").is_some() && errors.get("expected_path").is_some(), "{errors}");
    }
}
