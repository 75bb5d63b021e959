//! Posting recorded entries to one target, exactly once (PRODUCT.md §10).
//!
//! 1. **Resolve.** Postings whose outcome is not known (`uncertain`, or `pending` after an attempt:
//!    a crash may have come between the request and its answer) are looked up in the target by
//!    document number and the key in the memo. Found: `confirmed`. Not found: sent again below,
//!    under the same idempotency token. Not looked up (the lookup failed): not sent this run.
//! 2. **Send.** Everything else not confirmed goes out in batches of the target's size, each of one
//!    `Target::batch_class` (Xero: journals and bank transactions apart). Each batch
//!    is first written `pending` (attempt counted, token recorded) in its own transaction; then the
//!    request; then the outcomes in another transaction. An outcome that is not known is looked up
//!    again at once (at most `ROUNDS_MAX` times per entry and run) before the entry may be resent.
//!
//! The state file, not the vendor, says what was sent; the vendors' idempotency keys are a second
//! line only.

use chrono::{DateTime, NaiveDate};
use sha2::{Digest, Sha256};

use super::body::rebuild;
use super::outbox::{PostingState, Transition};
use super::target::{LookupRequest, Outgoing, SendOutcome, Target, TargetError};
use crate::domain::format_amount;
use crate::journal::BalancedEntry;
use crate::report::progress::Progress;
use crate::state::{Move, OutboxRow, StateError, StateFile};

/// How often one entry may be sent in one run (each after a lookup found nothing).
const ROUNDS_MAX: u32 = 3;
/// Lookups per request to the target.
const LOOKUPS_PER_CALL: usize = 50;

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
}

/// A row of the outbox, rebuilt and ready.
struct Pending {
    row: OutboxRow,
    entry: BalancedEntry,
    /// Sends in this run.
    rounds: u32,
    /// The date to send it on instead of its own (its period is closed in the target).
    redate: Option<NaiveDate>,
}

impl Pending {
    fn result(&self, detail: impl Into<String>) -> EntryResult {
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

    fn lookup(&self) -> LookupRequest {
        LookupRequest {
            key: self.row.header.key.clone(),
            doc_number: self.row.header.doc_number.clone(),
            date: self.entry.date(),
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

pub struct PostOptions<'a> {
    pub dry_run: bool,
    pub progress: &'a Progress,
}

/// Posts every recorded entry `target` has not confirmed. Stops early (saying why in the summary)
/// when the target cannot be used at all; what was done stays recorded.
pub async fn post_to<T: Target>(
    state: &StateFile,
    target: &mut T,
    options: &PostOptions<'_>,
) -> Result<TargetSummary, PostError> {
    let kind = target.kind();
    let mut summary = TargetSummary {
        already_posted: state
            .posting_counts()
            .await?
            .get(&(kind, PostingState::Confirmed))
            .copied()
            .unwrap_or(0),
        ..TargetSummary::default()
    };
    let mut to_resolve = Vec::new();
    let mut to_send = Vec::new();
    for row in state.outbox(kind).await? {
        let entry = rebuild(&row.header, &row.body)?;
        let pending = Pending { row, entry, rounds: 0, redate: None };
        // What may already be in the target is looked up first, whatever holds it now; holds
        // apply to what is about to be sent (below).
        match pending.row.state {
            Some(PostingState::Uncertain) => to_resolve.push(pending),
            Some(PostingState::Pending) if pending.row.attempts > 0 => to_resolve.push(pending),
            _ => to_send.push(pending),
        }
    }
    if options.dry_run {
        summary.would_post = to_send.iter().chain(&to_resolve).map(|p| p.result("would be posted")).collect();
        return Ok(summary);
    }

    options.progress.set_total((to_send.len() + to_resolve.len()) as u64, "entries");
    tracing::info!(target = %kind, to_send = to_send.len(), to_look_up = to_resolve.len(), "posting");
    // 1. Resolve what may already be there.
    if let Err(e) = resolve(state, target, &mut to_resolve, &mut to_send, &mut summary).await {
        stop(&mut summary, e, &to_resolve, "not looked up");
        options.progress.finish();
        return Ok(summary);
    }
    // 2. Send the rest, a batch at a time; what comes back unknown is looked up and requeued.
    let batch_size = target.batch_size().max(1);
    let (sendable, held): (Vec<Pending>, Vec<Pending>) =
        std::mem::take(&mut to_send).into_iter().partition(|p| target.hold_reason(&p.entry).is_none());
    for p in held {
        if let Some(hold) = target.hold_reason(&p.entry) {
            summary.held.push(p.result(format!("{}: {}", hold.kind, hold.message)));
        }
    }
    to_send = sendable;
    while !to_send.is_empty() {
        // A batch holds one class of entries (stable: the outbox order stays within a class).
        to_send.sort_by_key(|p| target.batch_class(&p.entry));
        let class = target.batch_class(&to_send[0].entry);
        let same = to_send.iter().take_while(|p| target.batch_class(&p.entry) == class).count();
        let take = batch_size.min(same);
        let mut batch: Vec<Pending> = to_send.drain(..take).collect();
        let outgoing: Vec<Outgoing> = batch
            .iter()
            .map(|p| Outgoing {
                entry: p.entry.clone(),
                token: next_token(&p.row, kind.as_str()),
                redate: p.redate,
            })
            .collect();
        let moves: Vec<Move> = batch
            .iter()
            .zip(&outgoing)
            .map(|(p, o)| Move {
                token: Some(o.token.clone()),
                ..Move::new(&p.row.header.key, Transition::Send)
            })
            .collect();
        state.move_postings(kind, &moves).await?;
        for (p, o) in batch.iter_mut().zip(&outgoing) {
            p.rounds += 1;
            p.row.state = Some(PostingState::Pending);
            p.row.token = Some(o.token.clone());
            p.row.attempts += 1;
        }
        summary.write_calls += 1;
        let outcomes = match target.send(&outgoing).await {
            Ok(outcomes) if outcomes.len() == batch.len() => outcomes,
            Ok(outcomes) => {
                let reason =
                    format!("the target answered {} outcomes for {} entries", outcomes.len(), batch.len());
                vec![SendOutcome::Unknown { reason }; batch.len()]
            }
            Err(e) => {
                // Nothing can be said of the batch: it stays pending and is looked up next run.
                stop(&mut summary, e, &batch, "not confirmed; looked up on the next run");
                summary.uncertain.extend(to_send.iter().map(|p| p.result("not sent: the run stopped")));
                options.progress.finish();
                return Ok(summary);
            }
        };
        let mut moves = Vec::with_capacity(batch.len());
        let mut unknown = Vec::new();
        let mut closed = Vec::new();
        for (p, outcome) in batch.into_iter().zip(outcomes) {
            let key = p.row.header.key.clone();
            match outcome {
                SendOutcome::Confirmed { target_id } => {
                    if let Some(date) = p.redate {
                        summary.redated.push(p.result(format!(
                            "dated {} in Entrata; posted on {date}, the first open day",
                            p.entry.date()
                        )));
                    }
                    summary.posted.push(p.result(format!("{kind} id {target_id}")));
                    moves.push(Move {
                        target_id: Some(target_id),
                        target_date: p.redate.map(|d| d.to_string()),
                        ..Move::new(key, Transition::Confirm)
                    });
                }
                SendOutcome::Refused { message, closed_period } => {
                    moves.push(Move { error: Some(message.clone()), ..Move::new(key, Transition::Refuse) });
                    if closed_period && p.rounds < ROUNDS_MAX {
                        closed.push((p, message));
                    } else {
                        summary.failed.push(p.result(message));
                    }
                }
                SendOutcome::Unknown { reason } => {
                    moves.push(Move { error: Some(reason.clone()), ..Move::new(key, Transition::LoseTrack) });
                    unknown.push(p);
                }
            }
            options.progress.step();
        }
        state.move_postings(kind, &moves).await?;
        if !closed.is_empty() {
            redate_closed(target, closed, &mut to_send, &mut summary).await;
        }
        if !unknown.is_empty() {
            for p in &mut unknown {
                p.row.state = Some(PostingState::Uncertain);
            }
            let (mut retry, exhausted): (Vec<Pending>, Vec<Pending>) =
                unknown.into_iter().partition(|p| p.rounds < ROUNDS_MAX);
            summary
                .uncertain
                .extend(exhausted.iter().map(|p| p.result("outcome not known after several tries")));
            if let Err(e) = resolve(state, target, &mut retry, &mut to_send, &mut summary).await {
                stop(&mut summary, e, &retry, "outcome not known; looked up on the next run");
                summary.uncertain.extend(to_send.iter().map(|p| p.result("not sent: the run stopped")));
                options.progress.finish();
                return Ok(summary);
            }
        }
    }
    options.progress.finish();
    Ok(summary)
}

/// Entries refused for a closed period go out again dated on the target's first open day, with
/// their own date in the memo (a new try: a new token); if the target cannot say which day that is,
/// or it is not later, they stay refused.
async fn redate_closed<T: Target>(
    target: &mut T,
    closed: Vec<(Pending, String)>,
    to_send: &mut Vec<Pending>,
    summary: &mut TargetSummary,
) {
    let first_open = match target.first_open_date().await {
        Ok(first_open) => first_open,
        Err(e) => {
            tracing::warn!(error = %e, "cannot read the target's first open day");
            None
        }
    };
    for (mut p, message) in closed {
        match first_open {
            Some(date) if date > p.entry.date() => {
                tracing::info!(key = %p.row.header.key, from = %p.entry.date(), to = %date, "period closed; re-dating");
                p.redate = Some(date);
                p.row.state = Some(PostingState::Failed);
                to_send.push(p);
            }
            _ => summary.failed.push(p.result(message)),
        }
    }
}

/// Looks `unresolved` up: found ones are confirmed; absent ones move to `to_send`.
async fn resolve<T: Target>(
    state: &StateFile,
    target: &mut T,
    unresolved: &mut Vec<Pending>,
    to_send: &mut Vec<Pending>,
    summary: &mut TargetSummary,
) -> Result<(), TargetError> {
    let kind = target.kind();
    while !unresolved.is_empty() {
        let take = LOOKUPS_PER_CALL.min(unresolved.len());
        let requests: Vec<LookupRequest> = unresolved[..take].iter().map(Pending::lookup).collect();
        summary.lookup_calls += 1;
        let answers = target.lookup(&requests).await?;
        if answers.len() != take {
            return Err(TargetError::Protocol(format!("{} answers to {take} lookups", answers.len())));
        }
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
                None => to_send.push(p),
            }
        }
        state.move_postings(kind, &moves).await.map_err(|e| TargetError::Protocol(e.to_string()))?;
    }
    Ok(())
}

/// The token for the next try: the recorded one while the last try's outcome is open (a resend
/// of the same try), a new generation after a refusal or for a first try.
fn next_token(row: &OutboxRow, target: &str) -> String {
    let generation = row.attempts.saturating_add(1);
    match (&row.state, &row.token) {
        (Some(PostingState::Pending | PostingState::Uncertain), Some(token)) if row.attempts > 0 => {
            token.clone()
        }
        _ => token(&row.header.key, target, generation),
    }
}

fn stop(summary: &mut TargetSummary, error: TargetError, affected: &[Pending], what: &str) {
    summary.stopped_for_allowance = matches!(error, TargetError::Allowance { .. });
    summary.stopped_for_auth = matches!(error, TargetError::Auth(_));
    summary.uncertain.extend(affected.iter().map(|p| p.result(what)));
    summary.stopped = Some(error.to_string());
}

/// Postings that need a person, per state, from a summary (for exit codes).
pub fn needs_attention(summary: &TargetSummary) -> bool {
    !summary.failed.is_empty()
        || !summary.uncertain.is_empty()
        || !summary.held.is_empty()
        || summary.stopped.is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_stable_short_and_change_with_the_generation() {
        let a = token("prop_1/charges/2026-02-01/1", "qbo", 1);
        assert_eq!(a, token("prop_1/charges/2026-02-01/1", "qbo", 1));
        assert_ne!(a, token("prop_1/charges/2026-02-01/1", "qbo", 2));
        assert_ne!(a, token("prop_1/charges/2026-02-01/1", "xero", 1));
        assert!(a.len() <= 36, "{a}");
        let key = batch_key(&[&a, "x"]);
        assert_eq!(key.len(), 32);
        assert_eq!(key, batch_key(&[&a, "x"]));
        assert_ne!(key, batch_key(&["x", &a]));
    }
}
