//! The Entrata sandbox over real HTTP on 127.0.0.1, with reqwest as the connector uses it.
//! One test binary (one link of the library); the cases live in tests/sandbox_api/.

#[path = "sandbox_api/support.rs"]
mod support;

#[path = "sandbox_api/auth.rs"]
mod auth;
#[path = "sandbox_api/config.rs"]
mod config;
#[path = "sandbox_api/dataset.rs"]
mod dataset;
#[path = "sandbox_api/faults.rs"]
mod faults;
#[path = "sandbox_api/lists.rs"]
mod lists;
#[path = "sandbox_api/throughput.rs"]
mod throughput;
#[path = "sandbox_api/writes.rs"]
mod writes;
