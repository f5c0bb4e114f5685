//! Strategies for the parsers' property tests: arbitrary JSON values, and
//! JSON-ish text that is often almost valid (where parsers break).

use crate::model::evaluator::EVALUATOR_TYPES;
use proptest::prelude::*;
use serde_json::{json, Map, Value};

/// Any JSON value, nested a few levels deep.
pub fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        ".{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec(("[a-z_]{0,8}", inner), 0..4)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect::<Map<String, Value>>())),
        ]
    })
}

/// Text that is JSON, broken JSON, or anything at all.
pub fn json_text() -> impl Strategy<Value = String> {
    prop_oneof![
        json_value().prop_map(|v| v.to_string()),
        (json_value(), 0usize..40).prop_map(|(v, cut)| v.to_string().chars().take(cut).collect()),
        "[{}\\[\\]\":,0-9a-z \\n\\\\]{0,40}",
        any::<String>(),
    ]
}

/// An evaluator-shaped object: a real type, real and made-up settings, any values.
pub fn evaluator_json() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        prop::sample::select(vec![
            "name",
            "type",
            "case_insensitive",
            "keywords",
            "mode",
            "pattern",
            "required_keys",
            "match_expected",
            "abs_tolerance",
            "rel_tolerance",
            "threshold",
            "agent",
            "rubric"
        ]),
        Just("colour"),
    ];
    (prop::sample::select(EVALUATOR_TYPES.to_vec()), prop::collection::vec((key, json_value()), 0..6)).prop_map(
        |(type_name, settings)| {
            let mut object = json!({"name": "n", "type": type_name});
            for (key, value) in settings {
                object[key] = value;
            }
            object
        },
    )
}
