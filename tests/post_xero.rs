//! The Xero posting adapter over real HTTP against the Xero sandbox, driven through the real
//! library: pull, record, `connect`, `targets::xero::open` and `posting::post_to`. No mocks.
//! One test binary; the cases live in tests/post_xero/.

mod common;

#[path = "post_xero/support.rs"]
mod support;

#[path = "post_xero/connect.rs"]
mod connect;
#[path = "post_xero/corrections.rs"]
mod corrections;
#[path = "post_xero/exactly_once.rs"]
mod exactly_once;
#[path = "post_xero/limits.rs"]
mod limits;
#[path = "post_xero/lookup.rs"]
mod lookup;
#[path = "post_xero/month.rs"]
mod month;
#[path = "post_xero/recovery.rs"]
mod recovery;
