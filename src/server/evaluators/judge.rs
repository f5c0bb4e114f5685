//! `llm_judge`: an OpenAI-compatible model grades an output against a rubric and
//! answers `{"score": 0..1, "reasoning": "…"}`; the reasoning becomes the
//! score's comment. A reply without such a score is an error, never a guess.

use super::{clip, text, Outcome, Subject};
use crate::model::score::ScoreDataType;
use crate::server::agents::AgentRegistry;
use crate::server::llm::parse_json_reply;
use serde_json::{json, Value};

const INSTRUCTIONS: &str = "You are a strict evaluator of an AI system's outputs. Grade the output \
against the rubric. Reply with only a JSON object: {\"score\": <a number from 0 (wrong) to 1 (fully \
correct)>, \"reasoning\": \"<one or two sentences>\"}.";

pub fn prompt(rubric: &str, s: &Subject<'_>) -> Value {
    let expected = s.expected.map(text).unwrap_or_else(|| "(none)".to_string());
    let user = format!(
        "Rubric:\n{rubric}\n\nInput:\n{}\n\nExpected output:\n{expected}\n\nOutput:\n{}",
        text(s.input),
        text(s.output)
    );
    json!([{"role": "system", "content": INSTRUCTIONS}, {"role": "user", "content": user}])
}

/// The score and reasoning in a judge's reply.
pub fn read_verdict(reply: &str) -> Result<(f64, Option<String>), String> {
    let garbage = || format!("the judge's reply is not JSON with a score from 0 to 1: `{}`", clip(reply.trim(), 120));
    let parsed = parse_json_reply(reply).map_err(|_| garbage())?;
    let score = match &parsed["score"] {
        Value::Number(n) => n.as_f64(),
        Value::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .filter(|s: &f64| (0.0..=1.0).contains(s))
    .ok_or_else(garbage)?;
    let reasoning = parsed["reasoning"].as_str().map(|r| r.trim().to_string()).filter(|r| !r.is_empty());
    Ok((score, reasoning))
}

pub async fn judge(agents: &AgentRegistry, agent: &str, rubric: &str, threshold: f64, s: &Subject<'_>) -> Outcome {
    let Some(model) = agents.get(agent).and_then(|a| a.chat_model().cloned()) else {
        return Outcome::Failed(format!("agent `{agent}` is not an openai agent"));
    };
    let reply = match model.chat(&prompt(rubric, s)).await {
        Ok(reply) => reply,
        Err(e) => return Outcome::Failed(format!("the judge call failed: {e}")),
    };
    match read_verdict(&reply.content) {
        Ok((score, reasoning)) => Outcome::Scored {
            value: score,
            data_type: ScoreDataType::Numeric,
            passed: score >= threshold,
            comment: reasoning,
        },
        Err(e) => Outcome::Failed(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_need_a_score_between_0_and_1() {
        assert_eq!(read_verdict("{\"score\": 0.8, \"reasoning\": \"close\"}").unwrap(), (0.8, Some("close".into())));
        assert_eq!(read_verdict("```json\n{\"score\": true}\n```").unwrap(), (1.0, None));
        assert_eq!(read_verdict("{\"score\": \"0.25\"}").unwrap().0, 0.25);
        for garbage in ["I think it is fine", "{\"score\": 7}", "{\"reasoning\": \"x\"}", "", "[0.5]"] {
            assert!(read_verdict(garbage).unwrap_err().starts_with("the judge's reply is not JSON"), "{garbage}");
        }
    }

    #[test]
    fn the_prompt_carries_rubric_input_expected_and_output() {
        let (input, output) = (json!({"q": "2+2"}), json!("4"));
        let messages = prompt("Is it right?", &Subject { input: &input, expected: None, output: &output });
        let user = messages[1]["content"].as_str().unwrap();
        assert!(user.contains("Is it right?") && user.contains("{\"q\":\"2+2\"}") && user.contains("(none)"));
        assert!(user.ends_with("Output:\n4"));
    }
}
