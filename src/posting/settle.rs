//! Looking entries up before anything is sent again (PRODUCT.md §10, issue 15 items 1 and 2): how
//! long to wait for earlier sends to settle, and the lookup itself.
//!
//! A lookup clears an entry for a resend only when it began at least the settle interval after
//! the entry's last send: a vendor may still commit a request whose client gave up, and its
//! queries may lag its writes. Within a run the interval is measured on the run's clock (the
//! engine keeps each send's instant); across runs, from the send's time in the state file.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::engine::{Pending, TargetSummary};
use super::outbox::Transition;
use super::target::{LookupRequest, Target, TargetError};
use crate::state::{Move, StateFile};

/// Lookups per request to the target.
const LOOKUPS_PER_CALL: usize = 50;

/// How long to wait before `rows` (sent in earlier runs) may be looked up: until the last of their
/// sends is `settle` old. A send whose time is not recorded or cannot be read is taken as just now.
pub(super) fn settle_wait(rows: &[Pending], settle: Duration, now: DateTime<Utc>) -> Duration {
    rows.iter()
        .map(|p| {
            let sent = p.row.last_attempt_at.as_deref().and_then(|t| DateTime::parse_from_rfc3339(t).ok());
            match sent {
                Some(sent) => {
                    let age = (now - sent.to_utc()).to_std().unwrap_or(Duration::ZERO);
                    settle.saturating_sub(age)
                }
                None => settle,
            }
        })
        .max()
        .unwrap_or(Duration::ZERO)
}

/// Looks `unresolved` up: found ones are confirmed (with the date the target holds them on);
/// the absent ones are returned. On a failed lookup, the error and every entry not yet resolved.
pub(super) async fn resolve<T: Target>(
    state: &StateFile,
    target: &mut T,
    mut unresolved: Vec<Pending>,
    summary: &mut TargetSummary,
) -> Result<Vec<Pending>, (TargetError, Vec<Pending>)> {
    let kind = target.kind();
    let mut absent = Vec::new();
    while !unresolved.is_empty() {
        let take = LOOKUPS_PER_CALL.min(unresolved.len());
        let requests: Vec<LookupRequest> = unresolved[..take].iter().map(Pending::lookup).collect();
        summary.lookup_calls += 1;
        let answers = match target.lookup(&requests).await {
            Ok(answers) if answers.len() == take => answers,
            Ok(answers) => {
                let e = TargetError::Protocol(format!("{} answers to {take} lookups", answers.len()));
                return Err((e, unresolved));
            }
            Err(e) => return Err((e, unresolved)),
        };
        let chunk: Vec<Pending> = unresolved.drain(..take).collect();
        let mut moves = Vec::new();
        for (p, answer) in chunk.into_iter().zip(answers) {
            match answer {
                Some(found) => {
                    summary.posted.push(p.result(format!("found in {kind} as id {}", found.target_id)));
                    // A re-dated entry found after its answer was lost (in this run or, killed,
                    // in an earlier one) holds the date the target gave it: record that one.
                    let target_date = match found.date {
                        Some(date) => (date != p.entry.date()).then_some(date),
                        None => p.redate,
                    };
                    moves.push(Move {
                        target_id: Some(found.target_id),
                        target_date: target_date.map(|d| d.to_string()),
                        ..Move::new(&p.row.header.key, Transition::FoundByLookup)
                    });
                }
                None => absent.push(p),
            }
        }
        if let Err(e) = state.move_postings(kind, &moves).await {
            return Err((TargetError::Protocol(e.to_string()), unresolved));
        }
    }
    Ok(absent)
}
