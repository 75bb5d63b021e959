//! The QuickBooks Online sandbox over real HTTP on 127.0.0.1, with plain reqwest calls shaped like
//! the vendor SDKs' (python-quickbooks, node-quickbooks, intuit-oauth). One test binary; the cases
//! live in tests/sandbox_qbo/.

#[allow(dead_code)]
#[path = "sandbox_api/support.rs"]
mod api_support;
#[path = "sandbox_qbo/support.rs"]
mod support;

#[path = "sandbox_qbo/batch.rs"]
mod batch;
#[path = "sandbox_qbo/cdc.rs"]
mod cdc;
#[path = "sandbox_qbo/control.rs"]
mod control;
#[path = "sandbox_qbo/entries.rs"]
mod entries;
#[path = "sandbox_qbo/faults.rs"]
mod faults;
#[path = "sandbox_qbo/limits.rs"]
mod limits;
#[path = "sandbox_qbo/oauth.rs"]
mod oauth;
#[path = "sandbox_qbo/query.rs"]
mod query;
#[path = "sandbox_qbo/replay.rs"]
mod replay;
#[path = "sandbox_qbo/validation.rs"]
mod validation;
