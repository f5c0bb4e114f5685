//! One module per page or route group (routes in `app.rs`).

mod add_observation;
mod add_to_dataset;
pub mod api_docs;
pub mod compare;
mod compare_verdicts;
pub mod connect;
pub mod dashboard;
pub mod dataset;
pub mod dataset_form;
pub mod datasets;
pub mod import;
pub mod item_form;
mod items_tab;
mod observation_detail;
pub mod review;
pub mod run;
pub mod run_form;
mod runs_tab;
pub mod sessions;
pub mod settings;
pub mod settings_keys;
pub mod settings_users;
pub mod sign_in;
mod snippets;
pub mod trace;
mod trace_filters;
pub mod traces;
