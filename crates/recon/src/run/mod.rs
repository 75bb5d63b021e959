//! The commands' work, sequenced: each function takes a settled configuration and returns what
//! happened; `main` only turns that into output and an exit code.

pub mod books;
pub mod company;
pub mod connect;
pub mod drift;
pub mod mappings;
pub mod mark_exported;
pub mod nightly;
pub mod plan;
pub mod post;
pub mod pull;
pub mod record;
pub mod target_check;
