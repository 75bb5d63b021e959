//! The Entrata side: the normalized REST API's wire shapes, the HTTP client (sessions, MFA,
//! paging, retries) and the conversion of wire items into domain items.
//!
//! Architecture invariant: only this module knows Entrata's JSON.

pub mod client;
pub mod convert;
pub mod entrata_api;
pub mod pager;
pub mod totp;
pub mod transport;
pub mod wire;
