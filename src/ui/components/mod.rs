//! Reusable views: badges, ages, JSON viewer and editor, pager, confirm button,
//! progress bar, empty states, charts, the JSON tree and a trace's waterfall.

mod chart;
mod confirm;
mod evaluators;
mod get_form;
mod history;
mod json;
mod json_tree;
mod live;
mod misc;
mod pager;
mod scores;
mod timeline;
mod viewer;
mod waterfall;

pub use chart::{Chart, ChartData, ChartKind, Series};
pub use confirm::ConfirmButton;
pub use evaluators::{evaluators_of, EvaluatorRow, EvaluatorsEditor};
pub use get_form::GetForm;
pub use history::ItemHistory;
pub use json::{JsonEditor, JsonView};
pub use json_tree::JsonTree;
pub use live::{follow_install, watch_run, watch_run_counters};
pub use misc::{Age, EmptyState, ErrorNote, FieldError, Loading, OnDemand, ProgressBar, ReadOnlyNotice, StatusBadge};
pub use pager::Pager;
pub use scores::{percent, ItemScores, ScoreChip, ScoreSummaryTable};
pub use viewer::{can_write, current_viewer, provide_viewer, AccountMenu, AdminOnly, WriteOnly};
pub use waterfall::{level_class, Waterfall};
