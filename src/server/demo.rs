//! The demo dataset a newcomer can create with one click: language detection
//! over the built-in `language-detector`, with expected outputs it sometimes misses.

use super::db;
use super::error::AppError;
use super::AppState;
use crate::model::dataset::DatasetDraft;
use crate::model::evaluator::{Evaluator, EvaluatorKind};
use crate::model::item::ItemDraft;
use crate::model::run::{RunDraft, DEFAULT_CONCURRENCY};
use serde_json::json;

const CASES: &[(&str, &str)] = &[
    ("What is the weather like in London today?", "en"),
    ("Bonjour, je voudrais un café et un croissant, merci", "fr"),
    ("Hola, ¿dónde está la estación de tren? Gracias", "es"),
    ("Ich habe keine Zeit, das ist nicht gut", "de"),
    ("Ciao, come stai? Grazie per il regalo", "it"),
    ("The quick brown fox jumps over the lazy dog", "en"),
    ("Je ne sais pas", "fr"),
    ("Buenos días", "es"),
    ("Guten Morgen", "de"),
    ("Buongiorno a tutti", "it"),
    ("Merci beaucoup", "fr"),
    ("Danke schön", "de"),
    ("How are you doing?", "en"),
    ("Obrigado pela ajuda", "pt"),
    ("Tack så mycket", "sv"),
    ("Il est très tard et la gare est fermée", "fr"),
    ("La casa es muy grande y bonita", "es"),
    ("Das Wetter ist heute sehr schön", "de"),
    ("Non ho capito la domanda", "it"),
    ("It is what it is", "en"),
];

/// Creates the demo dataset (a free name) and starts its first run.
/// Returns (dataset id, run id).
pub async fn create(state: &AppState) -> Result<(i64, i64), AppError> {
    let mut draft = DatasetDraft {
        name: "Language detection demo".into(),
        description: Some("Guess the language of short texts. The rule-based agent misses some: compare its outputs with the expected ones.".into()),
        agent_class: "language-detector".into(),
        metadata: json!({"demo": true}),
        evaluators: vec![
            Evaluator { name: "correct".into(), kind: EvaluatorKind::ExactMatch { case_insensitive: true } },
            Evaluator { name: "similarity".into(), kind: EvaluatorKind::Levenshtein { threshold: 0.5 } },
        ],
    };
    // The unique index decides whether a name is free: on a taken one, try the next.
    let mut n = 1;
    let dataset = loop {
        if let Some(id) = db::datasets::create_if_name_free(&state.db, &draft).await? {
            break id;
        }
        n += 1;
        draft.name = format!("Language detection demo {n}");
    };
    let items: Vec<ItemDraft> = CASES
        .iter()
        .map(|(text, lang)| {
            let mut item = ItemDraft::new(json!({ "text": text }));
            item.expected_output = Some(json!(lang));
            item
        })
        // Not text at all: the agent fails on it, so the run shows a failure too.
        .chain(std::iter::once(ItemDraft::new(json!({"image": "cat.png"}))))
        .collect();
    db::items::create_many(&state.db, dataset, &items).await?;
    let run =
        RunDraft { name: "First run".into(), description: None, concurrency: DEFAULT_CONCURRENCY, repetitions: 1 };
    let run = state.runner.start(dataset, &run).await?;
    Ok((dataset, run.id))
}
