//! One target's posting pass, the words `engine`, `send` and `settle` share: what a pass is given
//! (`PostOptions`), the entries it has in hand (`Pending`), the tokens and batch keys it sends
//! under, and what it did (`TargetSummary`).

use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate};
use sha2::{Digest, Sha256};

use super::target::LookupRequest;
use crate::domain::format_amount;
use crate::http::Pause;
use crate::journal::BalancedEntry;
use crate::report::progress::Progress;
use crate::state::{OutboxRow, StateError};

/// How often one entry may be sent in one run in a request of its own composition (each after a
/// lookup found nothing).
pub(super) const ROUNDS_MAX: u32 = 3;

#[derive(Debug, thiserror::Error)]
pub enum PostError {
    #[error(transparent)]
    State(#[from] StateError),
    #[error(transparent)]
    Body(#[from] super::body::BodyError),
}

/// What one entry came to at one target in this run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryResult {
    pub key: String,
    pub doc_number: String,
    pub property_id: String,
    pub date: NaiveDate,
    /// The sum of the debits, two decimals.
    pub total: String,
    pub currency: String,
    pub detail: String,
}

#[derive(Debug, Clone, Default)]
pub struct TargetSummary {
    /// Posted in this run (or found already posted by a lookup).
    pub posted: Vec<EntryResult>,
    /// Refused by the target, with its message.
    pub failed: Vec<EntryResult>,
    /// Outcome not known; looked up on the next run before anything is resent.
    pub uncertain: Vec<EntryResult>,
    /// Not sent to this target at all, with the reason (e.g. `currency_mismatch`).
    pub held: Vec<EntryResult>,
    /// Posted on another date than their own: their period is closed in the target (also in
    /// `posted`).
    pub redated: Vec<EntryResult>,
    /// Would be sent (`--dry-run`).
    pub would_post: Vec<EntryResult>,
    /// Confirmed before this run: nothing to do.
    pub already_posted: u64,
    /// Write calls made.
    pub write_calls: u64,
    /// Lookup calls made.
    pub lookup_calls: u64,
    /// Why the run stopped for this target, if it stopped early.
    pub stopped: Option<String>,
    /// The stop was the target's daily allowance (exit 1, resume later), not a failure (exit 2).
    pub stopped_for_allowance: bool,
    /// The stop was the connection (exit 2: run `connect` again).
    pub stopped_for_auth: bool,
    /// Postings whose outcome is not known, recorded against a company of this target that is no
    /// longer connected (company id, '' when not known; how many): they need a person (connect
    /// that company again to settle them).
    pub elsewhere: Vec<(String, u64)>,
    /// Entries adopted from a company that holds them with other money than planned (a lost or
    /// replaced state file): recorded as held, so that recording again books the difference.
    pub adopted_as_held: u64,
    /// The stop was history the company holds that this state file cannot know (`adopt`): final
    /// until a person acts, unlike a company that could not be asked.
    pub stopped_for_history: bool,
}

impl TargetSummary {
    /// This run's summary followed by a later pass over the same target in the same run: what
    /// was posted adds up; what is still open, held or stopped is the later pass's word.
    pub fn absorb(&mut self, later: TargetSummary) {
        self.posted.extend(later.posted);
        self.redated.extend(later.redated);
        self.failed = later.failed;
        self.uncertain = later.uncertain;
        self.held = later.held;
        self.elsewhere = later.elsewhere;
        self.write_calls += later.write_calls;
        self.lookup_calls += later.lookup_calls;
        self.stopped = later.stopped;
        self.stopped_for_allowance = later.stopped_for_allowance;
        self.stopped_for_auth = later.stopped_for_auth;
        self.adopted_as_held += later.adopted_as_held;
        self.stopped_for_history = later.stopped_for_history;
    }
}

/// A row of the outbox, rebuilt and ready.
pub(super) struct Pending {
    pub(super) row: OutboxRow,
    pub(super) entry: BalancedEntry,
    /// Sends in this run in a request of its own composition.
    pub(super) rounds: u32,
    /// The date to send it on instead of its own (its period is closed in the target).
    pub(super) redate: Option<NaiveDate>,
    /// When its last request in this run left (on the run's clock).
    pub(super) sent_at: Option<Instant>,
}

impl Pending {
    pub(super) fn result(&self, detail: impl Into<String>) -> EntryResult {
        EntryResult {
            key: self.row.header.key.clone(),
            doc_number: self.row.header.doc_number.clone(),
            property_id: self.row.header.property_id.clone(),
            date: self.entry.date(),
            total: format_amount(self.entry.total()),
            currency: self.entry.currency().as_str().to_owned(),
            detail: detail.into(),
        }
    }

    /// The lookup of this entry, sent as a document of `class` (`Target::batch_class`).
    pub(super) fn lookup(&self, class: u8) -> LookupRequest {
        LookupRequest {
            key: self.row.header.key.clone(),
            doc_number: self.row.header.doc_number.clone(),
            date: self.entry.date(),
            kind: self.entry.kind(),
            class,
            since: self
                .row
                .last_attempt_at
                .as_deref()
                .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                .map(|t| t.to_utc()),
        }
    }
}

/// The idempotency token of an entry's `generation`-th try at a target: the same for resends of
/// one try, new after a refusal. Derived, not random, so a crash between writing it and sending
/// cannot lose it.
pub fn token(key: &str, target: &str, generation: u32) -> String {
    let digest = Sha256::digest(format!("{target}\n{key}\n{generation}").as_bytes());
    let hex: String = digest.iter().take(12).map(|b| format!("{b:02x}")).collect();
    format!("er{hex}g{generation}")
}

/// The request-level key of a batch: the same batch of the same tries gives the same key, so a
/// vendor that remembers it answers a resend with the first answer.
pub fn batch_key(tokens: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for token in tokens {
        hasher.update(token.as_bytes());
        hasher.update(b"\n");
    }
    hasher.finalize().iter().take(16).map(|b| format!("{b:02x}")).collect()
}

#[derive(Clone)]
pub struct PostOptions<'a> {
    pub dry_run: bool,
    pub progress: &'a Progress,
    /// How long after a send whose outcome is unknown a lookup may clear the entry for a resend
    /// (`[posting] settle_seconds`).
    pub settle: Duration,
    /// The run's clock, on which the settle interval is waited.
    pub pause: Pause,
    /// Only adopt: on the first post from this state file to a company that holds documents,
    /// look up and adopt what it holds, and send nothing (`run::post` does this for every such
    /// company before any is sent to, so that no company is given an entry another one is found
    /// holding with other money).
    pub adopt_only: bool,
    /// The book's share of the target's outbox when the config names several books (`None`: all
    /// of it).
    pub scope: Option<std::sync::Arc<crate::state::BookScope>>,
}
