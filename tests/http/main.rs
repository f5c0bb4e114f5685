//! HTTP-level tests: a real server on loopback over a real SQLite file in a
//! temporary directory, driven with a real HTTP client.

mod agent_safety;
mod agents;
mod auth;
mod cli;
mod compare;
mod dashboard;
mod dashboard_live;
mod datasets;
mod evaluation;
mod gate_cli;
mod instances;
mod items;
mod leases;
mod mock_llm;
mod openapi;
mod ops;
mod otlp;
mod pages;
mod public_api;
mod repetitions;
mod resilience;
mod resume;
mod runs;
mod scale_out;
mod server;
mod to_dataset;
mod traces;
mod transfer;
mod uniqueness;
