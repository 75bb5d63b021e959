//! The integration tests: one binary (one link of the three crates), a module per subject. The
//! fault suite (`tests/fault_suite.rs`) is a binary of its own: its soak and sweep are run by name.

#[path = "../common/mod.rs"]
mod common;
mod generate_wire;
mod journal_support;

mod adjustments;
mod amounts_exact;
mod books_connect;
mod connect_cli;
mod demo;
mod docs_commands;
mod drift_html;
mod drift_sandbox;
mod generate_dataset;
mod generate_fixtures;
mod generate_size;
mod generate_snapshot;
mod import_circles;
mod journal_perf;
mod journal_plan;
mod journal_props;
mod journal_snapshot;
mod logs_cli;
mod mapping_books;
mod mapping_check;
mod mapping_diagnostics;
mod mapping_load;
mod plan_cli;
mod plan_forms;
mod plan_table;
mod post_qbo;
mod post_xero;
mod pull_api;
mod pull_auth;
mod pull_cli;
mod pull_drift;
mod pull_incremental;
mod pull_resilience;
mod read_only_cli;
mod sandbox_api;
mod sandbox_qbo;
mod sandbox_xero;
mod secrets_trace;
mod setup_cli;
mod source_parity;
mod state_place_cli;
mod status_cli;
