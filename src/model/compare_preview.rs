//! The compare page's lean payload. The REST payload ([`ComparePayload`]) holds
//! whole inputs and outputs; the page gets [`ComparePreview`] instead: each text
//! cut to a preview of [`PREVIEW_CHARS`] characters and each result sent as a
//! JSON array rather than an object (the field names were most of the bytes).
//! The browser turns it back into a `ComparePayload` (the filters, summaries and
//! statistics run on that); a row's whole texts come as [`CompareTexts`] when the
//! row is opened.

use super::compare::{output_text, CompareItem, ComparePayload, CompareResult};
use super::json_text::preview;
use super::paired::Comparison;
use super::run::DatasetRun;
use super::run_item::RunItemStatus;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// How many characters of each input, expected output, output and error the page gets.
pub const PREVIEW_CHARS: usize = 200;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComparePreview {
    pub dataset_id: i64,
    pub dataset_name: String,
    pub runs: Vec<DatasetRun>,
    pub score_names: Vec<String>,
    pub boolean_scores: Vec<String>,
    pub baseline_run_id: i64,
    /// The statistics against the first run, as the REST payload has them.
    pub comparisons: Vec<Comparison>,
    items: Vec<PreviewItem>,
}

/// `[dataset_item_id, input preview, expected output preview, results aligned with the runs]`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct PreviewItem(i64, String, Option<String>, Vec<Option<PreviewResult>>);

/// `[run_item_id, status, output preview, error preview, latency_ms, cost, tokens,
/// trace_id, scores aligned with score_names, repetitions, failed repetitions, output group]`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct PreviewResult(
    i64,
    RunItemStatus,
    Option<String>,
    Option<String>,
    Option<i64>,
    f64,
    i64,
    Option<i64>,
    Vec<Option<f64>>,
    u32,
    u32,
    u8,
);

/// Per run of an item: the index of the first run with the same output text, so
/// "Outputs differ" stays exact although the page only has previews.
fn output_groups(results: &[Option<CompareResult>]) -> Vec<u8> {
    let texts: Vec<Option<String>> = results.iter().map(|r| r.as_ref().map(output_text)).collect();
    texts
        .iter()
        .enumerate()
        .map(|(r, text)| texts[..r].iter().position(|t| t.is_some() && t == text).unwrap_or(r) as u8)
        .collect()
}

impl ComparePreview {
    pub fn new(payload: ComparePayload, baseline_run_id: i64, comparisons: Vec<Comparison>) -> Self {
        let names = payload.score_names.clone();
        let items = payload
            .items
            .into_iter()
            .map(|item| {
                let groups = output_groups(&item.results);
                let results = item
                    .results
                    .into_iter()
                    .zip(groups)
                    .map(|(r, group)| {
                        r.map(|r| {
                            PreviewResult(
                                r.run_item_id,
                                r.status,
                                r.output.as_ref().map(|o| preview(o, PREVIEW_CHARS)),
                                r.error.map(|e| preview(&Value::String(e), PREVIEW_CHARS)),
                                r.latency_ms,
                                r.cost,
                                r.tokens,
                                r.trace_id,
                                names.iter().map(|n| r.scores.get(n).copied()).collect(),
                                r.repetitions,
                                r.failed_repetitions,
                                group,
                            )
                        })
                    })
                    .collect();
                PreviewItem(
                    item.dataset_item_id,
                    preview(&item.input, PREVIEW_CHARS),
                    item.expected_output.as_ref().map(|e| preview(e, PREVIEW_CHARS)),
                    results,
                )
            })
            .collect();
        ComparePreview {
            dataset_id: payload.dataset_id,
            dataset_name: payload.dataset_name,
            runs: payload.runs,
            score_names: payload.score_names,
            boolean_scores: payload.boolean_scores,
            baseline_run_id,
            comparisons,
            items,
        }
    }

    /// The payload the page works on (texts are previews, as JSON strings) and the statistics.
    pub fn into_parts(self) -> (ComparePayload, Vec<Comparison>) {
        let names = &self.score_names;
        let items = self
            .items
            .into_iter()
            .map(|PreviewItem(dataset_item_id, input, expected, results)| CompareItem {
                dataset_item_id,
                input: Value::String(input),
                expected_output: expected.map(Value::String),
                results: results
                    .into_iter()
                    .map(|r| {
                        r.map(
                            |PreviewResult(
                                run_item_id,
                                status,
                                output,
                                error,
                                latency_ms,
                                cost,
                                tokens,
                                trace_id,
                                scores,
                                repetitions,
                                failed_repetitions,
                                group,
                            )| {
                                CompareResult {
                                    run_item_id,
                                    status,
                                    output: output.map(Value::String),
                                    error,
                                    latency_ms,
                                    cost,
                                    tokens,
                                    trace_id,
                                    scores: names
                                        .iter()
                                        .zip(scores)
                                        .filter_map(|(n, v)| Some((n.clone(), v?)))
                                        .collect(),
                                    repetitions,
                                    failed_repetitions,
                                    output_group: Some(group),
                                }
                            },
                        )
                    })
                    .collect(),
            })
            .collect();
        let payload = ComparePayload {
            dataset_id: self.dataset_id,
            dataset_name: self.dataset_name,
            runs: self.runs,
            score_names: self.score_names,
            boolean_scores: self.boolean_scores,
            items,
        };
        (payload, self.comparisons)
    }
}

/// One item's whole texts in the compared runs, fetched when its row is opened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompareTexts {
    pub dataset_item_id: i64,
    /// The newest compared run's snapshot of the item, as in the payload.
    pub input: Value,
    pub expected_output: Option<Value>,
    /// Each run's output as compared and diffed (`error: …` for a failure),
    /// aligned with the runs; `None` where the item was not in that run.
    pub outputs: Vec<Option<String>>,
    /// Each run's attempts at the item, first attempt first, aligned with the
    /// runs: only where the run repeated the item (empty for one attempt, or
    /// where the item was not in that run).
    #[serde(default)]
    pub attempts: Vec<Vec<CompareAttempt>>,
}

/// One attempt (repetition) of an item in a run, as the opened row lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompareAttempt {
    /// 0 for the first attempt.
    pub repetition: u32,
    pub status: RunItemStatus,
    /// The whole output (`error: …` for a failure).
    pub output: String,
    pub scores: BTreeMap<String, f64>,
    pub latency_ms: Option<i64>,
    pub cost: f64,
    pub tokens: i64,
    pub trace_id: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::compare::{visible_rows, RowFilter, RowOrder};
    use serde_json::json;

    fn result(output: Value, score: Option<f64>) -> Option<CompareResult> {
        Some(CompareResult {
            run_item_id: 7,
            status: RunItemStatus::Succeeded,
            output: Some(output),
            error: None,
            latency_ms: Some(12),
            cost: 0.25,
            tokens: 3,
            trace_id: Some(9),
            scores: score.map(|s| BTreeMap::from([("exact".to_string(), s)])).unwrap_or_default(),
            repetitions: 2,
            failed_repetitions: 1,
            output_group: None,
        })
    }

    #[test]
    fn previews_cut_the_texts_and_keep_everything_else() {
        let long = "x".repeat(5_000);
        let later = format!("{}y", "x".repeat(4_999));
        let payload = ComparePayload {
            dataset_id: 1,
            dataset_name: "d".into(),
            runs: vec![],
            score_names: vec!["exact".into(), "other".into()],
            boolean_scores: vec!["exact".into()],
            items: vec![CompareItem {
                dataset_item_id: 4,
                input: json!({"q": long}),
                expected_output: Some(json!(long)),
                // The second output differs from the first only after the preview.
                results: vec![
                    result(json!(long), Some(1.0)),
                    result(json!(later), None),
                    None,
                    result(json!(long), Some(0.5)),
                ],
            }],
        };
        let lean = ComparePreview::new(payload.clone(), 11, vec![]);
        let wire = serde_json::to_string(&lean).unwrap();
        assert!(wire.len() < 2_000, "no whole texts on the wire: {} bytes", wire.len());
        let (back, _) = serde_json::from_str::<ComparePreview>(&wire).unwrap().into_parts();
        let item = &back.items[0];
        let shown = item.results[0].as_ref().unwrap().output.as_ref().unwrap().as_str().unwrap();
        assert_eq!(shown.chars().count(), PREVIEW_CHARS);
        assert!(shown.ends_with('…'));
        assert!(item.input.as_str().unwrap().starts_with("{\"q\":\"xxx"));
        assert_eq!(item.results[2], None);
        let first = item.results[0].as_ref().unwrap();
        assert_eq!((first.run_item_id, first.latency_ms, first.cost, first.tokens), (7, Some(12), 0.25, 3));
        assert_eq!((first.trace_id, first.repetitions, first.failed_repetitions), (Some(9), 2, 1));
        assert_eq!(first.scores, BTreeMap::from([("exact".to_string(), 1.0)]), "no value, no score");
        let groups: Vec<_> = item.results.iter().map(|r| r.as_ref().map(|r| r.output_group)).collect();
        assert_eq!(groups, [Some(Some(0)), Some(Some(1)), None, Some(Some(0))]);
        // "Outputs differ" sees the difference past the preview, as on the whole payload.
        let differ = |p: &ComparePayload, base| visible_rows(p, RowFilter::OutputsDiffer, base, &RowOrder::Item);
        assert_eq!(differ(&back, 0), differ(&payload, 0));
        assert_eq!(differ(&back, 0), vec![0]);
    }
}
