//! One batch on its way to a target (the engine's step 2 and 3): intent committed, the request,
//! the identical request again when its whole outcome was lost, the outcomes recorded; entries a
//! closed period refused re-dated to the target's first open day.

use std::time::Duration;

use super::outbox::{PostingState, Transition};
use super::pass::{Pending, PostError, PostOptions, ROUNDS_MAX, TargetSummary, token};
use super::target::{Outgoing, SendOutcome, Target, TargetError};
use crate::state::{Move, OutboxRow, StateFile};

/// How often a request whose whole outcome was lost is sent again as it was, at once.
const IDENTICAL_RESENDS: u32 = 2;

/// Sends the next batch from `to_send`. Unknown outcomes go to `settling`. `Ok(Err(_))` when the
/// target cannot be used: the batch stays pending (looked up on the next run) and is reported.
pub(super) async fn send_batch<T: Target>(
    state: &StateFile,
    target: &mut T,
    to_send: &mut Vec<Pending>,
    settling: &mut Vec<Pending>,
    summary: &mut TargetSummary,
    options: &PostOptions<'_>,
    batch_size: usize,
) -> Result<Result<(), TargetError>, PostError> {
    let kind = target.kind();
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
        .map(|(p, o)| Move { token: Some(o.token.clone()), ..Move::new(&p.row.header.key, Transition::Send) })
        .collect();
    state.move_postings(kind, target.company_id(), &moves).await?;
    for (p, o) in batch.iter_mut().zip(&outgoing) {
        p.rounds += 1;
        p.row.state = Some(PostingState::Pending);
        p.row.token = Some(o.token.clone());
        p.row.attempts += 1;
    }
    let mut resends = 0;
    let (outcomes, sent_at) = loop {
        summary.write_calls += 1;
        let sent_at = options.pause.now();
        let outcomes = match target.send(&outgoing).await {
            Ok(outcomes) if outcomes.len() == batch.len() => outcomes,
            Ok(outcomes) => {
                let reason =
                    format!("the target answered {} outcomes for {} entries", outcomes.len(), batch.len());
                vec![SendOutcome::Unknown { reason }; batch.len()]
            }
            Err(e) => {
                // Nothing can be said of the batch: it stays pending and is looked up next run.
                summary
                    .uncertain
                    .extend(batch.iter().map(|p| p.result("not confirmed; looked up on the next run")));
                return Ok(Err(e));
            }
        };
        let all_unknown = outcomes.iter().all(|o| matches!(o, SendOutcome::Unknown { .. }));
        if !all_unknown || resends >= IDENTICAL_RESENDS {
            break (outcomes, sent_at);
        }
        // The whole request's outcome was lost: the identical request again (same members, order
        // and tokens, so the same request-level key), its send recorded first.
        resends += 1;
        let reason = match &outcomes[0] {
            SendOutcome::Unknown { reason } => reason.clone(),
            _ => String::new(),
        };
        tracing::warn!(target = %kind, entries = batch.len(), %reason, resend = resends, "outcome not known; sending the identical request again");
        let moves: Vec<Move> = batch
            .iter()
            .zip(&outgoing)
            .flat_map(|(p, o)| {
                [
                    Move {
                        error: Some(reason.clone()),
                        ..Move::new(&p.row.header.key, Transition::LoseTrack)
                    },
                    Move { token: Some(o.token.clone()), ..Move::new(&p.row.header.key, Transition::Send) },
                ]
            })
            .collect();
        state.move_postings(kind, target.company_id(), &moves).await?;
        for p in &mut batch {
            p.row.attempts += 1;
        }
        options.pause.sleep(Duration::from_secs(u64::from(resends))).await;
    };
    let mut moves = Vec::with_capacity(batch.len());
    let mut closed = Vec::new();
    for (mut p, outcome) in batch.into_iter().zip(outcomes) {
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
                p.row.state = Some(PostingState::Uncertain);
                p.sent_at = Some(sent_at);
                settling.push(p);
            }
        }
        options.progress.step();
    }
    state.move_postings(kind, target.company_id(), &moves).await?;
    if !closed.is_empty() {
        redate_closed(target, closed, to_send, summary).await;
    }
    Ok(Ok(()))
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
    let redated = closed.iter().filter(|(p, _)| first_open.is_some_and(|d| d > p.entry.date())).count();
    if let (Some(date), true) = (first_open, redated > 0) {
        tracing::info!(entries = redated, to = %date, "period closed; re-dating to the first open day");
    }
    for (mut p, message) in closed {
        match first_open {
            Some(date) if date > p.entry.date() => {
                tracing::debug!(key = %p.row.header.key, from = %p.entry.date(), to = %date, "period closed; re-dating");
                p.redate = Some(date);
                p.row.state = Some(PostingState::Failed);
                to_send.push(p);
            }
            _ => summary.failed.push(p.result(message)),
        }
    }
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
