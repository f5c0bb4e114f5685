//! Types shared by the browser (WASM) and the server: the product's nouns, their
//! serde shapes on the wire and their validation rules. Nothing here may import
//! server-only crates; sqlx derives sit behind `cfg_attr(feature = "ssr")`.

pub mod agent;
#[cfg(test)]
pub mod arbitrary;
pub mod calibration;
pub mod compare;
pub mod compare_preview;
pub mod csv;
pub mod dashboard;
mod dashboard_apply;
pub mod dashboard_live;
pub mod dataset;
pub mod evaluator;
pub mod explorer;
pub mod gate;
pub mod import;
pub mod item;
pub mod json_path;
pub mod json_text;
pub mod page;
pub mod paired;
pub mod repetitions;
pub mod run;
pub mod run_item;
pub mod score;
pub mod stats;
pub mod trace;
pub mod user;
pub mod validation;

pub use validation::FieldErrors;
