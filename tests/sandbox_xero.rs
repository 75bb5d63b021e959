//! The Xero sandbox over real HTTP on 127.0.0.1 with plain reqwest calls, as Xero's SDKs and the
//! connector make them. One test binary; the cases live in tests/sandbox_xero/.

#[path = "sandbox_xero/support.rs"]
mod support;

#[path = "sandbox_xero/bank.rs"]
mod bank;
#[path = "sandbox_xero/control.rs"]
mod control;
#[path = "sandbox_xero/faults.rs"]
mod faults;
#[path = "sandbox_xero/generated.rs"]
mod generated;
#[path = "sandbox_xero/journals.rs"]
mod journals;
#[path = "sandbox_xero/limits.rs"]
mod limits;
#[path = "sandbox_xero/oauth.rs"]
mod oauth;
#[path = "sandbox_xero/validation.rs"]
mod validation;
