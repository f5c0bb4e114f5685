//! One item's row of the compare table: each run's output preview, status and
//! scores, with deltas against the baseline that follow a baseline switch in
//! place. Opening the row fetches the item's whole texts (the payload only has
//! previews) and shows them as word diffs of each run's output against the
//! baseline's, and, where a run repeated the item, each of its attempts.
//!
//! A row's cells are one HTML string (every text escaped), rebuilt when the
//! baseline changes: a filter creates up to a page of rows at once, and as Leptos
//! views each row was ~100 DOM nodes and a dozen reactive closures (~45 ms per
//! filter for 50 rows); one `innerHTML` per row is a few milliseconds.

use super::compare::delta_class_and_sign;
use crate::api::runs::compare_texts;
use crate::model::compare::{diff_words, score_delta, ComparePayload, DiffPart};
use crate::model::compare_preview::{CompareAttempt, CompareTexts, PREVIEW_CHARS};
use crate::model::json_text::preview;
use crate::model::run_item::RunItemStatus;
use crate::model::score::format_score;
use crate::model::stats::{cost_label, duration_label};
use crate::ui::components::ErrorNote;
use leptos::prelude::*;
use serde_json::Value;
use std::fmt::Write;
use std::sync::Arc;

#[component]
pub fn CompareRow(
    payload: Arc<ComparePayload>,
    index: usize,
    baseline: RwSignal<usize>,
    expanded: RwSignal<Option<usize>>,
) -> impl IntoView {
    let item_id = payload.items[index].dataset_item_id;
    let open = move || expanded.get() == Some(index);
    let cells = {
        let payload = payload.clone();
        move || cells_html(&payload, index, baseline.get())
    };
    let toggle = move || expanded.update(|e| *e = if *e == Some(index) { None } else { Some(index) });
    view! {
        // A row opens with a click, or from the keyboard: Tab to it, then Enter or Space.
        <tr class="compare-row" data-item-id=item_id class:open=open title="Open for the whole texts and the diffs"
            tabindex="0" aria-expanded=move || open().to_string()
            on:click=move |_| toggle()
            on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                if ev.key() == "Enter" || ev.key() == " " {
                    ev.prevent_default();
                    toggle();
                }
            }
            inner_html=cells></tr>
        {move || open().then(|| {
            let columns = payload.items[index].results.len() + 1;
            let fallback = move || view! {
                <tr class="compare-diff"><td colspan=columns><p class="muted loading compare-loading">"Loading the whole texts…"</p></td></tr>
            };
            let opened = compare_texts_row(payload.clone(), index, baseline);
            view! { <Suspense fallback>{Suspend::new(opened)}</Suspense> }
        })}
    }
}

/// An opened row's code (the whole texts, the diffs, the attempts) is a chunk
/// of its own: not part of the page's first load, it is prefetched once the
/// page is live ([`preload_opened_row`]), or fetched when a row is first opened.
#[lazy]
fn compare_texts_row(payload: Arc<ComparePayload>, index: usize, baseline: RwSignal<usize>) -> AnyView {
    view! { <CompareTextsRow payload index baseline/> }.into_any()
}

/// Fetches the code of an opened row ahead of the first click.
#[cfg(feature = "hydrate")]
pub async fn preload_opened_row() {
    __preload_compare_texts_row().await
}

/// `text` with `&`, `<`, `>` and quotes escaped, for element text and quoted attribute values.
fn push_text(html: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => html.push_str("&amp;"),
            '<' => html.push_str("&lt;"),
            '>' => html.push_str("&gt;"),
            '"' => html.push_str("&quot;"),
            '\'' => html.push_str("&#39;"),
            c => html.push(c),
        }
    }
}

/// `<span class="delta …">+0.25</span>`, as `delta_view` renders it.
fn push_delta(html: &mut String, delta: Option<f64>, higher_is_good: bool, text: impl Fn(f64) -> String) {
    let Some(d) = delta else { return };
    let (class, sign) = delta_class_and_sign(d, higher_is_good);
    let _ = write!(html, "<span class=\"{class}\">{sign}");
    push_text(html, &text(d.abs()));
    html.push_str("</span>");
}

/// The row's cells against baseline `b`: the input and expected output, then per run
/// the output (or error) preview, the status, the attempts (and how many failed)
/// when the run repeated items, the scores and latency with their deltas, the cost.
fn cells_html(payload: &ComparePayload, index: usize, b: usize) -> String {
    let item = &payload.items[index];
    let mut html = String::with_capacity(400 + 500 * item.results.len());
    html.push_str("<td><div class=\"mono cell-preview\">");
    push_text(&mut html, &preview(&item.input, PREVIEW_CHARS));
    html.push_str("</div>");
    if let Some(expected) = &item.expected_output {
        html.push_str("<div class=\"muted mono cell-preview\">expected: ");
        push_text(&mut html, &preview(expected, PREVIEW_CHARS));
        html.push_str("</div>");
    }
    html.push_str("</td>");
    let base_latency = item.results.get(b).and_then(|x| x.as_ref()).and_then(|x| x.latency_ms);
    for (r, result) in item.results.iter().enumerate() {
        let Some(result) = result else {
            html.push_str("<td class=\"muted\">not in this run</td>");
            continue;
        };
        let _ = write!(html, "<td data-run=\"{r}\"><div class=\"mono cell-preview\">");
        match (&result.error, &result.output) {
            (Some(e), _) => {
                html.push_str("<span class=\"error-text\">");
                push_text(&mut html, &preview(&Value::String(e.clone()), PREVIEW_CHARS));
            }
            (None, output) => {
                html.push_str("<span>");
                push_text(&mut html, &output.as_ref().map(|o| preview(o, PREVIEW_CHARS)).unwrap_or_default());
            }
        }
        let status = result.status.as_str();
        let _ = write!(
            html,
            "</span></div><div class=\"compare-meta\"><span class=\"badge badge-{status}\">{status}</span>"
        );
        let (n, failed) = (result.repetitions, result.failed_repetitions);
        if n > 1 {
            let _ = write!(
                html,
                "<span class=\"muted repetitions\" title=\"Output and status of attempt 1 (open the row for every \
                 attempt); scores and latency are means over the {n} attempts, cost their sum\">{n} attempts</span>"
            );
        }
        if failed > 0 && n > 1 {
            let _ = write!(html, "<span class=\"badge badge-flaky failed-repetitions\">{failed} of {n} failed</span>");
        }
        for (name, value) in payload.score_names.iter().filter_map(|n| result.scores.get(n).map(|v| (n, *v))) {
            html.push_str("<span class=\"score\" data-score=\"");
            push_text(&mut html, name);
            html.push_str("\">");
            push_text(&mut html, name);
            let _ = write!(html, " {} ", format_score(value));
            let delta = if r != b { score_delta(item, r, b, name) } else { None };
            push_delta(&mut html, delta, true, format_score);
            html.push_str("</span>");
        }
        let _ =
            write!(html, "<span class=\"muted\">{}</span>", result.latency_ms.map(duration_label).unwrap_or_default());
        let latency_delta = result.latency_ms.zip(base_latency).map(|(m, t)| (m - t) as f64).filter(|_| r != b);
        push_delta(&mut html, latency_delta, false, |d| duration_label(d as i64));
        let _ = write!(html, "<span class=\"muted\">{}</span></div></td>", cost_label(result.cost));
    }
    html
}

/// The opened row: the item's whole input and expected output, and each run's
/// whole output as a word diff against the baseline's, fetched on opening.
#[component]
fn CompareTextsRow(payload: Arc<ComparePayload>, index: usize, baseline: RwSignal<usize>) -> impl IntoView {
    let item_id = payload.items[index].dataset_item_id;
    let dataset_id = payload.dataset_id;
    let runs = payload.runs.iter().map(|r| r.id.to_string()).collect::<Vec<_>>().join(",");
    let texts = Resource::new(move || (dataset_id, runs.clone(), item_id), |(d, r, i)| compare_texts(d, r, i));
    let columns = payload.items[index].results.len() + 1;
    let loading = || view! { <p class="muted loading compare-loading">"Loading the whole texts…"</p> };
    view! {
        <tr class="compare-diff"><td colspan=columns>
            <Suspense fallback=loading>
                {move || {
                    let payload = payload.clone();
                    Suspend::new(async move {
                        match texts.await {
                            Ok(texts) => {
                                let texts = Arc::new(texts);
                                (move || whole_texts(&payload, &texts, baseline.get())).into_any()
                            }
                            Err(error) => view! {
                                <p class="error" role="alert">"Could not load the whole texts of this item."</p>
                                <ErrorNote error/>
                            }.into_any(),
                        }
                    })
                }}
            </Suspense>
        </td></tr>
    }
}

fn whole_texts(payload: &ComparePayload, texts: &CompareTexts, b: usize) -> impl IntoView {
    let json = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => serde_json::to_string_pretty(other).unwrap_or_default(),
    };
    let base = texts.outputs.get(b).cloned().flatten().unwrap_or_default();
    view! {
        <div class="compare-texts" data-item-id=texts.dataset_item_id>
            <p class="muted">"Input"</p>
            <pre class="compare-input">{json(&texts.input)}</pre>
            {texts.expected_output.as_ref().map(|e| view! {
                <p class="muted">"Expected output"</p>
                <pre class="compare-expected">{json(e)}</pre>
            })}
        </div>
        {texts.outputs.iter().enumerate().filter(|(r, x)| *r != b && x.is_some()).map(|(r, x)| {
            let text = x.clone().unwrap_or_default();
            view! {
                <div class="diff" data-run=r>
                    <p class="muted">{format!("{} vs {}", payload.runs[r].name, payload.runs[b].name)}</p>
                    <pre>{diff_words(&base, &text).into_iter().map(|part| match part {
                        DiffPart::Same(t) => view! { <span>{t}</span> }.into_any(),
                        DiffPart::Added(t) => view! { <ins>{t}</ins> }.into_any(),
                        DiffPart::Removed(t) => view! { <del>{t}</del> }.into_any(),
                    }).collect_view()}</pre>
                </div>
            }
        }).collect_view()}
        {texts.attempts.iter().enumerate().filter(|(_, a)| !a.is_empty()).map(|(r, attempts)| {
            view! { <div class="compare-attempts" data-run=r inner_html=attempts_html(&payload.runs[r].name, attempts)></div> }
        }).collect_view()}
    }
}

/// A run's attempts at the opened item: a table of each attempt's status,
/// scores, latency, cost, tokens, trace and whole output (every text escaped).
fn attempts_html(run_name: &str, attempts: &[CompareAttempt]) -> String {
    let mut html = String::with_capacity(300 + 300 * attempts.len());
    html.push_str("<p class=\"muted\">");
    push_text(&mut html, run_name);
    let failed = attempts.iter().filter(|a| a.status == RunItemStatus::Failed).count();
    let _ = write!(html, ": {} attempts, {failed} failed</p>", attempts.len());
    html.push_str(
        "<table class=\"table attempts-table\"><thead><tr><th>Attempt</th><th>Status</th><th>Scores</th>\
         <th>Latency</th><th>Cost</th><th>Tokens</th><th>Output</th></tr></thead><tbody>",
    );
    for a in attempts {
        let (n, status) = (a.repetition + 1, a.status.as_str());
        let _ = write!(html, "<tr data-attempt=\"{n}\"><td>");
        match a.trace_id {
            Some(trace) => {
                let _ = write!(html, "<a href=\"/traces/{trace}\" title=\"This attempt's trace\">#{n}</a>");
            }
            None => {
                let _ = write!(html, "#{n}");
            }
        }
        let _ = write!(html, "</td><td><span class=\"badge badge-{status}\">{status}</span></td><td>");
        for (name, value) in &a.scores {
            html.push_str("<span class=\"score\" data-score=\"");
            push_text(&mut html, name);
            html.push_str("\">");
            push_text(&mut html, name);
            let _ = write!(html, " {}</span> ", format_score(*value));
        }
        let latency = a.latency_ms.map(duration_label).unwrap_or_default();
        let _ = write!(html, "</td><td>{latency}</td><td>{}</td><td>{}</td>", cost_label(a.cost), a.tokens);
        html.push_str("<td><pre class=\"attempt-output\">");
        push_text(&mut html, &a.output);
        html.push_str("</pre></td></tr>");
    }
    html.push_str("</tbody></table>");
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_are_escaped() {
        let mut html = String::new();
        push_text(&mut html, "<img src=x onerror=\"alert('1')\"> & co");
        assert_eq!(html, "&lt;img src=x onerror=&quot;alert(&#39;1&#39;)&quot;&gt; &amp; co");
    }

    #[test]
    fn a_row_escapes_untrusted_texts_and_shows_the_deltas() {
        use crate::model::compare::{CompareItem, CompareResult};
        use std::collections::BTreeMap;
        let result = |score: f64, output: &str| {
            Some(CompareResult {
                run_item_id: 1,
                status: RunItemStatus::Succeeded,
                output: Some(Value::String(output.into())),
                error: None,
                latency_ms: Some(100),
                cost: 0.0,
                tokens: 0,
                trace_id: None,
                scores: BTreeMap::from([("<b>".to_string(), score)]),
                repetitions: 1,
                failed_repetitions: 0,
                output_group: None,
            })
        };
        let payload = ComparePayload {
            dataset_id: 1,
            dataset_name: "d".into(),
            runs: vec![],
            score_names: vec!["<b>".into()],
            boolean_scores: vec![],
            items: vec![CompareItem {
                dataset_item_id: 3,
                input: Value::String("<script>".into()),
                expected_output: None,
                results: vec![result(1.0, "a</td>"), result(0.0, "b"), None],
            }],
        };
        let html = cells_html(&payload, 0, 0);
        assert!(!html.contains("<script>") && !html.contains("<b>") && !html.contains("a</td>"), "{html}");
        assert!(html.contains("&lt;script&gt;") && html.contains("data-score=\"&lt;b&gt;\""), "{html}");
        assert!(html.contains("<span class=\"delta delta-bad\">−1</span>"), "{html}");
        assert!(html.ends_with("<td class=\"muted\">not in this run</td>"), "{html}");
        assert!(cells_html(&payload, 0, 1).contains("<span class=\"delta delta-good\">+1</span>"));
        assert!(!html.contains("attempts"), "one attempt each: {html}");
        let mut repeated = payload.clone();
        if let Some(r) = repeated.items[0].results[1].as_mut() {
            (r.repetitions, r.failed_repetitions) = (3, 1);
        }
        let html = cells_html(&repeated, 0, 0);
        assert!(html.contains(">3 attempts</span>") && html.contains(">1 of 3 failed</span>"), "{html}");
    }

    #[test]
    fn attempts_list_each_repetition_escaped() {
        use std::collections::BTreeMap;
        let attempt = |repetition: u32, status: RunItemStatus, output: &str, score: f64| CompareAttempt {
            repetition,
            status,
            output: output.into(),
            scores: BTreeMap::from([("<i>".to_string(), score)]),
            latency_ms: Some(1500),
            cost: 0.25,
            tokens: 12,
            trace_id: (repetition == 0).then_some(44),
        };
        let html = attempts_html(
            "run <1>",
            &[
                attempt(0, RunItemStatus::Succeeded, "<b>yes</b>", 1.0),
                attempt(1, RunItemStatus::Failed, "error: boom", 0.0),
            ],
        );
        assert!(html.starts_with("<p class=\"muted\">run &lt;1&gt;: 2 attempts, 1 failed</p>"), "{html}");
        assert!(!html.contains("<b>") && !html.contains("<i>"), "{html}");
        assert!(html.contains("<tr data-attempt=\"1\"><td><a href=\"/traces/44\""), "{html}");
        assert!(
            html.contains("<tr data-attempt=\"2\"><td>#2</td><td><span class=\"badge badge-failed\">failed</span>"),
            "{html}"
        );
        assert!(html.contains("<pre class=\"attempt-output\">&lt;b&gt;yes&lt;/b&gt;</pre>"), "{html}");
        assert!(html.contains("<span class=\"score\" data-score=\"&lt;i&gt;\">&lt;i&gt; 0</span>"), "{html}");
        assert!(
            html.contains(&format!("<td>{}</td><td>{}</td><td>12</td>", duration_label(1500), cost_label(0.25))),
            "{html}"
        );
    }
}
