//! Entrata's own API as a source (issue 19; docs/sources.md has the facts, their sources and, in
//! section 7, the contract with the sandbox): the RPC envelope every call and answer goes through
//! (`envelope`), the per-service rate-limit windows its answers state (`limits`), the client
//! (`client`), the readers for values sent in more than one form (`read`, `json`), the methods'
//! result shapes (`shape`) and their translation into the connector's items (`translate`). The
//! pull itself is `run::pull::api`.

pub mod client;
pub mod envelope;
pub mod json;
pub mod limits;
pub mod read;
pub mod shape;
pub mod translate;

#[cfg(test)]
mod tests;
