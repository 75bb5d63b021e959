//! The `entrata-recon` command: its arguments and commands (`cli`), and what `demo` needs besides
//! them (`demo`). The connector itself is the `entrata_recon` library (`crates/recon`); the
//! sandboxes `demo` and `sandbox` start are `entrata_recon_sandbox` (`crates/sandbox`), which the
//! library never depends on.

pub mod cli;
pub mod demo;
