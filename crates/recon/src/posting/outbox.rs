//! The outbox's states and the transitions between them (STYLE.md: "atomic phases and recovery
//! points"). One enum, one table of allowed transitions; `state` checks every write against it,
//! and nothing else writes a posting's state.
//!
//! ```text
//!   (none) ──record──► pending ──[request]──► confirmed
//!      ▲                 │  ▲                 failed ──looked up: absent──► pending
//!      │                 │  │                    └────looked up: present──► confirmed
//!      │                 │  ├── looked up: absent ◄── uncertain
//!      │                 │  └── the identical request again ◄── uncertain
//!      │                 └────────────────────────► uncertain ──looked up: present──► confirmed
//! ```
//!
//! `pending` is written, with the attempt counted and the idempotency key it will carry, in its own
//! transaction before the request leaves. A crash between the request and the next write leaves it
//! `pending` with attempts > 0: it may have reached the target, so it is looked up before it is sent
//! again, exactly like `uncertain` (the outcome of a request known to have left is not known:
//! timeout, reset, a 5xx after the body was sent). There is no `sent` state: the instant between
//! "sent" and "recorded" is exactly what a crash cannot record, so a `sent` mark could not be
//! trusted.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PostingState {
    Pending,
    Confirmed,
    Failed,
    Uncertain,
}

impl PostingState {
    pub const ALL: [PostingState; 4] =
        [PostingState::Pending, PostingState::Confirmed, PostingState::Failed, PostingState::Uncertain];

    pub fn as_str(&self) -> &'static str {
        match self {
            PostingState::Pending => "pending",
            PostingState::Confirmed => "confirmed",
            PostingState::Failed => "failed",
            PostingState::Uncertain => "uncertain",
        }
    }

    pub fn parse(text: &str) -> Option<PostingState> {
        PostingState::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Whether the target holds the entry, or may: its content is then frozen.
    pub fn may_be_held(&self) -> bool {
        !matches!(self, PostingState::Failed)
    }
}

impl fmt::Display for PostingState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a posting moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// Intent committed; the request leaves next (from nothing, or after a refusal or a lookup
    /// that found nothing).
    Send,
    /// The target answered with its id.
    Confirm,
    /// The target refused the entry and said why.
    Refuse,
    /// The request left and what became of it is not known.
    LoseTrack,
    /// A lookup found the entry in the target.
    FoundByLookup,
    /// A lookup found a document under the entry's key and number, which this state file never
    /// sent, holding other money than the entry, and it cannot be adopted as held
    /// (`posting::adopt`): neither confirmed nor ever sent again.
    FoundOther,
}

/// The table of allowed transitions: `(from, transition) -> to`. `None` as `from` is a posting not
/// yet written.
pub fn next(from: Option<PostingState>, transition: Transition) -> Option<PostingState> {
    use PostingState::*;
    use Transition::*;
    match (from, transition) {
        // A failed posting is sent again on a later run (a person may have fixed the mapping or
        // the target); a pending one whose earlier attempt may have landed only after a lookup
        // came back empty, which the caller guarantees by sending only what lookups cleared.
        (None | Some(Failed) | Some(Pending), Send) => Some(Pending),
        (Some(Pending), Confirm | Refuse | LoseTrack) => Some(match transition {
            Confirm => Confirmed,
            Refuse => Failed,
            _ => Uncertain,
        }),
        // A refused posting is looked up before it is sent again: a refusal can come after a
        // commit we could not see, and a person may have posted it by hand.
        (Some(Pending | Uncertain | Failed), FoundByLookup) => Some(Confirmed),
        // Adoption: before the first post from a state file, what the company already holds of
        // ours (a lost or replaced state file made it) is confirmed, never sent again.
        (None, FoundByLookup) => Some(Confirmed),
        // A lookup that finds nothing returns an uncertain posting to the queue by sending it.
        (Some(Uncertain), Send) => Some(Pending),
        (None | Some(Pending | Uncertain), FoundOther) => Some(Uncertain),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_transition_table() {
        use PostingState::*;
        use Transition::*;
        let check = |from: Option<PostingState>, t: Transition, want: Option<PostingState>| {
            assert_eq!(next(from, t), want, "{from:?} --{t:?}-->");
        };
        check(None, Send, Some(Pending));
        check(Some(Pending), Confirm, Some(Confirmed));
        check(Some(Pending), Refuse, Some(Failed));
        check(Some(Pending), LoseTrack, Some(Uncertain));
        check(Some(Uncertain), FoundByLookup, Some(Confirmed));
        check(Some(Pending), FoundByLookup, Some(Confirmed));
        check(Some(Uncertain), Send, Some(Pending));
        check(Some(Failed), Send, Some(Pending));
        check(Some(Failed), FoundByLookup, Some(Confirmed));
        // A confirmed posting never moves: a posted entry is never sent again or edited.
        for t in [Send, Confirm, Refuse, LoseTrack, FoundByLookup, FoundOther] {
            check(Some(Confirmed), t, None);
        }
        check(None, FoundByLookup, Some(Confirmed));
        // A document found holding other money, which cannot be adopted as held: never sent.
        check(None, FoundOther, Some(Uncertain));
        check(Some(Pending), FoundOther, Some(Uncertain));
        check(Some(Uncertain), FoundOther, Some(Uncertain));
        check(Some(Failed), FoundOther, None);
        // An answer belongs to a request in flight.
        check(None, Confirm, None);
        check(Some(Uncertain), Confirm, None);
        check(Some(Failed), LoseTrack, None);
        for state in PostingState::ALL {
            assert_eq!(PostingState::parse(state.as_str()), Some(state));
        }
    }
}
