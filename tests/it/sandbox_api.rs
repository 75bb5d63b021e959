//! The Entrata sandbox over real HTTP on 127.0.0.1, with reqwest as the connector uses it.
//! The cases live in tests/it/sandbox_api/.

pub(crate) mod support;

mod auth;
mod config;
mod dataset;
mod faults;
mod lists;
mod throughput;
mod writes;
