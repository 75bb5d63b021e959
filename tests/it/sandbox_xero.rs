//! The Xero sandbox over real HTTP on 127.0.0.1 with plain reqwest calls, as Xero's SDKs and the
//! connector make them. The cases live in tests/it/sandbox_xero/.

mod support;

mod bank;
mod control;
mod faults;
mod generated;
mod journals;
mod limits;
mod oauth;
mod organisations;
mod validation;
