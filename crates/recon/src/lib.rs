//! entrata-recon: pulls Entrata resident ledgers, maps them into balanced journal entries, posts
//! them exactly once to QuickBooks Online and Xero, and reports drift.
//!
//! See ARCHITECTURE.md for the map of modules and the invariants each keeps.

pub mod blocking;
pub mod config;
pub mod domain;
pub mod drift;
pub mod http;
pub mod interrupt;
pub mod journal;
pub mod mapping;
pub mod posting;
pub mod report;
pub mod run;
pub mod source;
pub mod state;
pub mod targets;
