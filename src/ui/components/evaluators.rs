//! The dataset form's evaluator editor: add, remove and configure evaluators
//! with plain inputs (no hand-written JSON). Each row keeps its own signals so
//! typing in one field never re-renders the others.

use crate::model::evaluator::{Evaluator, EvaluatorKind, KeywordMode, EVALUATOR_TYPES};
use crate::model::FieldErrors;
use leptos::prelude::*;

/// One evaluator as typed: every setting as text or a flag.
#[derive(Clone, Copy)]
pub struct EvaluatorRow {
    key: u64,
    type_name: &'static str,
    name: RwSignal<String>,
    case_insensitive: RwSignal<bool>,
    keywords: RwSignal<String>,
    any: RwSignal<bool>,
    pattern: RwSignal<String>,
    required_keys: RwSignal<String>,
    match_expected: RwSignal<bool>,
    abs_tolerance: RwSignal<String>,
    rel_tolerance: RwSignal<String>,
    threshold: RwSignal<String>,
    agent: RwSignal<String>,
    rubric: RwSignal<String>,
}

fn list(text: &str) -> Vec<String> {
    text.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect()
}

impl EvaluatorRow {
    pub fn new(key: u64, evaluator: &Evaluator) -> Self {
        let type_name =
            EVALUATOR_TYPES.iter().copied().find(|t| *t == evaluator.kind.type_name()).unwrap_or("exact_match");
        let row = EvaluatorRow {
            key,
            type_name,
            name: RwSignal::new(evaluator.name.clone()),
            case_insensitive: RwSignal::new(false),
            keywords: RwSignal::new(String::new()),
            any: RwSignal::new(false),
            pattern: RwSignal::new(String::new()),
            required_keys: RwSignal::new(String::new()),
            match_expected: RwSignal::new(true),
            abs_tolerance: RwSignal::new("0".into()),
            rel_tolerance: RwSignal::new("0".into()),
            threshold: RwSignal::new(String::new()),
            agent: RwSignal::new(String::new()),
            rubric: RwSignal::new(String::new()),
        };
        match &evaluator.kind {
            EvaluatorKind::ExactMatch { case_insensitive } => row.case_insensitive.set(*case_insensitive),
            EvaluatorKind::Contains { keywords, mode, case_insensitive } => {
                row.keywords.set(keywords.join(", "));
                row.any.set(*mode == KeywordMode::Any);
                row.case_insensitive.set(*case_insensitive);
            }
            EvaluatorKind::Regex { pattern, case_insensitive } => {
                row.pattern.set(pattern.clone());
                row.case_insensitive.set(*case_insensitive);
            }
            EvaluatorKind::Json { required_keys, match_expected } => {
                row.required_keys.set(required_keys.join(", "));
                row.match_expected.set(*match_expected);
            }
            EvaluatorKind::Numeric { abs_tolerance, rel_tolerance } => {
                row.abs_tolerance.set(abs_tolerance.to_string());
                row.rel_tolerance.set(rel_tolerance.to_string());
            }
            EvaluatorKind::Levenshtein { threshold } => row.threshold.set(threshold.to_string()),
            EvaluatorKind::LlmJudge { agent, rubric, threshold } => {
                row.agent.set(agent.clone());
                row.rubric.set(rubric.clone());
                row.threshold.set(threshold.to_string());
            }
        }
        row
    }

    /// The evaluator the row describes; a number that does not parse is an error on its field.
    pub fn evaluator(&self) -> Result<Evaluator, FieldErrors> {
        let number = |field: &str, signal: RwSignal<String>| {
            let text = signal.get_untracked();
            crate::model::stats::parse_number(&text)
                .ok_or_else(|| FieldErrors::single(field, format!("must be a number, got `{text}`")))
        };
        let kind = match self.type_name {
            "contains" => EvaluatorKind::Contains {
                keywords: list(&self.keywords.get_untracked()),
                mode: if self.any.get_untracked() { KeywordMode::Any } else { KeywordMode::All },
                case_insensitive: self.case_insensitive.get_untracked(),
            },
            "regex" => EvaluatorKind::Regex {
                pattern: self.pattern.get_untracked(),
                case_insensitive: self.case_insensitive.get_untracked(),
            },
            "json" => EvaluatorKind::Json {
                required_keys: list(&self.required_keys.get_untracked()),
                match_expected: self.match_expected.get_untracked(),
            },
            "numeric" => EvaluatorKind::Numeric {
                abs_tolerance: number("abs_tolerance", self.abs_tolerance)?,
                rel_tolerance: number("rel_tolerance", self.rel_tolerance)?,
            },
            "levenshtein" => EvaluatorKind::Levenshtein { threshold: number("threshold", self.threshold)? },
            "llm_judge" => EvaluatorKind::LlmJudge {
                agent: self.agent.get_untracked(),
                rubric: self.rubric.get_untracked(),
                threshold: number("threshold", self.threshold)?,
            },
            _ => EvaluatorKind::ExactMatch { case_insensitive: self.case_insensitive.get_untracked() },
        };
        Ok(Evaluator { name: self.name.get_untracked().trim().to_string(), kind })
    }
}

/// Reads every row; errors are named `evaluators[i].field`.
pub fn evaluators_of(rows: &[EvaluatorRow]) -> Result<Vec<Evaluator>, FieldErrors> {
    let mut errors = FieldErrors::new();
    let mut out = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        match row.evaluator() {
            Ok(e) => out.push(e),
            Err(e) => errors.merge_prefixed(&format!("evaluators[{i}]"), e),
        }
    }
    errors.into_result()?;
    Ok(out)
}

#[component]
fn Check(label: &'static str, value: RwSignal<bool>) -> impl IntoView {
    view! {
        <label class="check">
            <input type="checkbox" prop:checked=move || value.get() on:change=move |ev| value.set(event_target_checked(&ev))/>
            {label}
        </label>
    }
}

#[component]
fn Setting(
    label: &'static str,
    value: RwSignal<String>,
    #[prop(optional)] hint: &'static str,
    #[prop(optional)] multiline: bool,
) -> impl IntoView {
    let input = if multiline {
        view! { <textarea rows="3" prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev))></textarea> }.into_any()
    } else {
        view! { <input type="text" prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev))/> }.into_any()
    };
    view! {
        <label class="setting">
            <span>{label}</span>
            {input}
            {(!hint.is_empty()).then(|| view! { <span class="hint">{hint}</span> })}
        </label>
    }
}

/// Settings inputs for the row's type.
fn settings(row: EvaluatorRow, judges: Vec<String>) -> AnyView {
    match row.type_name {
        "exact_match" => view! { <Check label="Ignore case" value=row.case_insensitive/> }.into_any(),
        "contains" => view! {
            <Setting label="Keywords" value=row.keywords hint="Comma-separated. Empty: the expected output (a string, or a list of strings)."/>
            <Check label="Pass when any is found (otherwise all)" value=row.any/>
            <Check label="Ignore case" value=row.case_insensitive/>
        }
        .into_any(),
        "regex" => view! {
            <Setting label="Pattern" value=row.pattern hint="Matched anywhere in the output text; use ^…$ for the whole."/>
            <Check label="Ignore case" value=row.case_insensitive/>
        }
        .into_any(),
        "json" => view! {
            <Setting label="Required keys" value=row.required_keys hint="Comma-separated; a.b for nested keys."/>
            <Check label="Same structure as the expected output" value=row.match_expected/>
        }
        .into_any(),
        "numeric" => view! {
            <Setting label="Absolute tolerance" value=row.abs_tolerance/>
            <Setting label="Relative tolerance" value=row.rel_tolerance hint="0.01 = within 1% of the expected number."/>
        }
        .into_any(),
        "levenshtein" => view! { <Setting label="Pass threshold (0–1)" value=row.threshold/> }.into_any(),
        _ => view! {
            <label class="setting">
                <span>"Judge (an openai agent)"</span>
                <select prop:value=move || row.agent.get() on:change=move |ev| row.agent.set(event_target_value(&ev))>
                    <option value="">"— pick one —"</option>
                    {judges.into_iter().map(|j| view! { <option value=j.clone()>{j.clone()}</option> }).collect_view()}
                </select>
            </label>
            <Setting label="Rubric" value=row.rubric multiline=true hint="What a good output is. The judge sees input, expected output and output, and answers a score from 0 to 1 with its reasoning."/>
            <Setting label="Pass threshold (0–1)" value=row.threshold/>
        }
        .into_any(),
    }
}

#[component]
pub fn EvaluatorsEditor(
    rows: RwSignal<Vec<EvaluatorRow>>,
    /// Names of the `openai` agents a judge can use.
    judges: Vec<String>,
    errors: RwSignal<FieldErrors>,
) -> impl IntoView {
    let next_key = StoredValue::new(rows.with_untracked(|r| r.iter().map(|r| r.key).max().unwrap_or(0)) + 1);
    let new_type = RwSignal::new("exact_match".to_string());
    let add = move |_| {
        let type_name = new_type.get_untracked();
        let Some(kind) = EvaluatorKind::default_for(&type_name) else { return };
        let taken = rows.with_untracked(|r| r.iter().map(|r| r.name.get_untracked()).collect::<Vec<_>>());
        let mut name = type_name.clone();
        let mut n = 2;
        while taken.contains(&name) {
            name = format!("{type_name}_{n}");
            n += 1;
        }
        let key = next_key.get_value();
        next_key.set_value(key + 1);
        rows.update(|r| r.push(EvaluatorRow::new(key, &Evaluator { name, kind })));
    };
    view! {
        <fieldset class="evaluators">
            <legend>"Evaluators"</legend>
            <p class="hint">"Each evaluator scores every output of a run as items finish (scores are named after the evaluator). Without an expected output, the ones that compare with it write no score."</p>
            <For each=move || rows.get() key=|row| row.key let:row>
                {
                    let judges = judges.clone();
                    let index = move || rows.with(|r| r.iter().position(|x| x.key == row.key).unwrap_or(0));
                    let field_errors = move || {
                        let prefix = format!("evaluators[{}].", index());
                        errors.with(|e| {
                            e.0.iter()
                                .filter(|(k, _)| k.starts_with(&prefix))
                                .map(|(k, m)| format!("{}: {}", &k[prefix.len()..], m.join("; ")))
                                .collect::<Vec<_>>()
                        })
                    };
                    view! {
                        <div class="evaluator" data-type=row.type_name>
                            <div class="evaluator-head">
                                <span class="badge">{row.type_name}</span>
                                <label class="setting inline">
                                    <span>"Score name"</span>
                                    <input type="text" class="evaluator-name" prop:value=move || row.name.get() on:input=move |ev| row.name.set(event_target_value(&ev))/>
                                </label>
                                <button type="button" class="btn btn-small" on:click=move |_| rows.update(|r| r.retain(|x| x.key != row.key))>"Remove"</button>
                            </div>
                            <div class="evaluator-settings">{settings(row, judges)}</div>
                            {move || field_errors().into_iter().map(|e| view! { <p class="field-error" role="alert">{e}</p> }).collect_view()}
                        </div>
                    }
                }
            </For>
            <div class="evaluator-add">
                <select aria-label="Evaluator type" prop:value=move || new_type.get() on:change=move |ev| new_type.set(event_target_value(&ev))>
                    {EVALUATOR_TYPES.iter().map(|t| view! { <option value=*t>{*t}</option> }).collect_view()}
                </select>
                <button type="button" class="btn" on:click=add>"Add evaluator"</button>
            </div>
        </fieldset>
    }
}
