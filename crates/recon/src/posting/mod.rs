//! The target-neutral posting core (PRODUCT.md §5 "Identity", §10): which planned entries are
//! recorded and under which identity (`record`), how a recorded entry is stored and read back
//! (`body`), the outbox's states and transitions (`outbox`), what a target must offer (`target`),
//! and the loop that posts to one target exactly once (`engine`).
//!
//! Architecture invariants: a recorded entry's key and document number never change and are
//! never given to another entry; an entry a target holds (or may hold) is never rewritten or sent
//! again without a lookup; intent is committed before a request leaves; only `outbox::next`
//! decides which posting state follows which. No vendor JSON here: that is `crate::targets`.

mod adopt;
pub mod body;
pub mod engine;
mod history;
pub mod outbox;
mod pass;
pub mod record;
mod send;
mod settle;
pub mod target;

pub use engine::{EntryResult, PostError, PostOptions, TargetSummary, post_to};
pub use outbox::{PostingState, Transition};
pub use record::{
    Change, HeldElsewhere, PlannedEntry, Reconciled, RecordedEntry, Replan, Slot, SlotDrift, SourceRef,
    reconcile,
};
pub use target::{
    Found, FoundLine, HeldDocument, HeldHistory, Hold, LookupRequest, Outgoing, SendOutcome, Target,
    TargetError,
};
