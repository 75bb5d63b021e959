//! The drift report end to end, over real HTTP against the sandboxes, with the real binary: a
//! posted world, then each kind of drift made behind the connector's back (in Entrata, in
//! QuickBooks, in Xero), found exactly, with its amounts; a clean period; what a second
//! comparison costs; what `run` writes. The cases live in tests/drift/.

mod common;

#[path = "post_qbo/support.rs"]
mod qbo;
#[path = "drift/support.rs"]
mod support;

#[path = "drift/calls.rs"]
mod calls;
#[path = "drift/clean.rs"]
mod clean;
#[path = "drift/kinds_qbo.rs"]
mod kinds_qbo;
#[path = "drift/kinds_xero.rs"]
mod kinds_xero;
#[path = "drift/mapping.rs"]
mod mapping;
#[path = "drift/run_reports.rs"]
mod run_reports;
