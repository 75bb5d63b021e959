//! The QuickBooks Online sandbox over real HTTP on 127.0.0.1, with plain reqwest calls shaped like
//! the vendor SDKs' (python-quickbooks, node-quickbooks, intuit-oauth). The cases live
//! in tests/it/sandbox_qbo/.

use crate::sandbox_api::support as api_support;
mod support;

mod batch;
mod cdc;
mod companies;
mod control;
mod entries;
mod faults;
mod limits;
mod oauth;
mod query;
mod replay;
mod validation;
