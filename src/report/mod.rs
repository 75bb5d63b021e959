//! What people read: progress bars, summaries, `status`, `plan` output.

pub mod progress;
pub mod status;
