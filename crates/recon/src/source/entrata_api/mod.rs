//! Entrata's own API as a source (issue 19; docs/sources.md has the facts and their sources): the
//! RPC envelope every call and answer goes through (`envelope`), the per-service rate-limit windows
//! its answers state (`limits`), and the readers for the values it sends in more than one form
//! (`read`).
//!
//! Not wired to `pull` yet: the client, the methods' shapes and their conversion into the
//! connector's items, and the sandbox that serves this API, are the next steps.

pub mod envelope;
pub mod limits;
pub mod read;
