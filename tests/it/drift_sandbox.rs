//! The drift report end to end, over real HTTP against the sandboxes, with the real binary: a
//! posted world, then each kind of drift made behind the connector's back (in Entrata, in
//! QuickBooks, in Xero), found exactly, with its amounts; a clean period; what a second
//! comparison costs; what `run` writes. The cases live in tests/it/drift_sandbox/.

use crate::post_qbo::support as qbo;
mod support;

mod calls;
mod clean;
mod kinds_qbo;
mod kinds_xero;
mod mapping;
mod run_reports;
