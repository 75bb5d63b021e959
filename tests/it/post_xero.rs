//! The Xero posting adapter over real HTTP against the Xero sandbox, driven through the real
//! library: pull, record, `connect`, `targets::xero::open` and `posting::post_to`. No mocks.
//! The cases live in tests/it/post_xero/.

mod support;

mod connect;
mod corrections;
mod exactly_once;
mod limits;
mod lookup;
mod month;
mod recovery;
