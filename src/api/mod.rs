//! Server functions the pages call, one module per domain. Their bodies run on
//! the server and reach the database only through `server::db`.

pub mod datasets;
pub mod items;
pub mod meta;
pub mod runs;
pub mod settings;
pub mod traces;
pub mod transfer;

/// Rows per page in the UI's tables.
pub const PAGE_SIZE: i64 = 50;
