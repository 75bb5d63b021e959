//! What people read: progress bars, summaries, `status`, `plan` output.

pub mod drift;
pub mod exceptions;
pub mod nightly;
pub mod plan;
pub mod post;
pub mod progress;
pub mod status;
pub mod targets;
