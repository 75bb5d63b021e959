//! Posting recorded entries to one target, exactly once (PRODUCT.md §10, issue 15).
//!
//! 1. **Resolve.** Postings whose outcome is not known (`uncertain`, or `pending` after an attempt:
//!    a crash may have come between the request and its answer) and postings the target refused
//!    (`failed`: a person may have fixed something, and the refusal may have come after a commit
//!    we could not see) are looked up in the target by document number and the key in the memo,
//!    no sooner than the settle interval after their last send (`settle`). Found: `confirmed`.
//!    Not found: sent below. Not looked up (the lookup failed): not sent this run.
//! 2. **Send.** Everything else not confirmed goes out in batches of the target's size, each of one
//!    `Target::batch_class` (Xero: journals and bank transactions apart). Each batch
//!    is first written `pending` (attempt counted, token recorded) in its own transaction; then the
//!    request; then the outcomes in another transaction.
//! 3. **Unknown outcomes.** An entry is sent again only (a) inside the identical request (the same
//!    members in the same order under the same tokens, so the same `requestid` /
//!    `Idempotency-Key`: the vendor can tell it is a repeat), when the whole request's outcome was
//!    lost; or (b) after a lookup that began at least the settle interval after its last send found
//!    it absent: a vendor may still commit a request the client gave up on, and its queries lag its
//!    writes. Only entries whose outcome is unknown pay the interval.
//!
//! An entry is `failed` only when the target's answer proves that this very document was not
//! created (a readable validation fault for it); every other answer is unknown (`SendOutcome`).
//! The state file, not the vendor, says what was sent; the vendors' idempotency keys are a second
//! line only.

use super::body::rebuild;
use super::outbox::PostingState;
pub use super::pass::{EntryResult, PostError, PostOptions, TargetSummary, batch_key, token};
use super::pass::{Pending, ROUNDS_MAX};
use super::send::send_batch;
use super::settle::{resolve, settle_wait};
use super::target::{Target, TargetError};
use crate::state::StateFile;

/// Posts every recorded entry `target` has not confirmed. Stops early (saying why in the summary)
/// when the target cannot be used at all; what was done stays recorded.
pub async fn post_to<T: Target>(
    state: &StateFile,
    target: &mut T,
    options: &PostOptions<'_>,
) -> Result<TargetSummary, PostError> {
    let kind = target.kind();
    let company = target.company_id().to_owned();
    let counts = state.posting_counts().await?;
    let mut summary = TargetSummary {
        already_posted: counts.get(&(kind, company.clone(), PostingState::Confirmed)).copied().unwrap_or(0),
        elsewhere: super::settle::other_companies_open(state, kind, &company).await?,
        ..TargetSummary::default()
    };
    // Nothing was ever sent to this company from this state file: it may still hold entries a
    // lost or replaced state file made (keys and document numbers are deterministic).
    let first_post = !options.dry_run && state.adoption_due(kind, &company).await?;
    let mut to_resolve = Vec::new();
    let mut to_send = Vec::new();
    for row in state.outbox(kind, &company, options.scope.as_deref()).await? {
        let entry = rebuild(&row.header, &row.body)?;
        let pending = Pending { row, entry, rounds: 0, redate: None, sent_at: None };
        // What may already be in the target is looked up first, whatever holds it now; holds
        // apply to what is about to be sent (below). A refused entry is looked up too: it is
        // never sent again without one.
        match pending.row.state {
            Some(PostingState::Uncertain | PostingState::Failed) => to_resolve.push(pending),
            Some(PostingState::Pending) if pending.row.attempts > 0 => to_resolve.push(pending),
            _ => to_send.push(pending),
        }
    }
    if options.dry_run {
        summary.would_post = to_send.iter().chain(&to_resolve).map(|p| p.result("would be posted")).collect();
        return Ok(summary);
    }

    if options.adopt_only && !first_post {
        return Ok(summary);
    }
    if options.adopt_only {
        to_resolve.clear();
    }
    let mut adopting = false;
    // Is this state file the one that posted last here? Another copy's documents (a backup
    // restored over it) send the post the way of a first one.
    let mut replaced = false;
    // Whether every document of ours the company holds is known to be this file's (checked, or
    // adopted, or the company held none): the mark then moves on after the sends.
    let mut history_known = false;
    if !first_post && !to_send.is_empty() {
        match super::history::check(state, target).await? {
            Ok(checked) if checked.strangers.is_empty() => {
                super::history::known_until(state, kind, &company, checked.at).await?;
                history_known = checked.at.is_some();
            }
            Ok(_) => replaced = true,
            Err(e) => {
                stop(&mut summary, e, &[], "not sent");
                summary.held.extend(to_send.iter().map(|p| {
                    p.result("not sent: the company could not be asked what changed since the last post")
                }));
                return Ok(summary);
            }
        }
    }
    let mut history_at = None;
    // Nothing to send, nothing to ask: the question waits for the first post that sends.
    if (first_post || replaced) && !to_send.is_empty() {
        let holds = if replaced { Ok(true) } else { target.holds_documents().await };
        match holds {
            Ok(true) => {
                tracing::info!(target = %kind, entries = to_send.len(), "first post from this state file to a company that holds documents: looking up what it already holds of ours");
                match super::adopt::unknown_history(state, target).await? {
                    Ok(at) => history_at = at,
                    Err(refusal) => {
                        summary.stopped_for_history = matches!(refusal, TargetError::Setup(_));
                        stop(&mut summary, refusal, &[], "not sent");
                        summary.held.extend(to_send.iter().map(|p| {
                            p.result("not sent: the company holds history this state file does not know")
                        }));
                        return Ok(summary);
                    }
                }
                to_resolve.append(&mut to_send);
                // What this file withdrew may be what another copy of it posted there.
                for row in state.withdrawn_outbox(kind, &company, options.scope.as_deref()).await? {
                    let entry = rebuild(&row.header, &row.body)?;
                    to_resolve.push(Pending { row, entry, rounds: 0, redate: None, sent_at: None });
                }
                adopting = true;
            }
            Ok(false) => {
                state.set_adopted(kind, &company).await?;
                history_known = true;
            }
            Err(e) => {
                stop(&mut summary, e, &[], "not sent");
                return Ok(summary);
            }
        }
    }
    options.progress.set_message(&format!("post to {kind}"));
    options.progress.set_total((to_send.len() + to_resolve.len()) as u64, "entries");
    tracing::info!(target = %kind, to_send = to_send.len(), to_look_up = to_resolve.len(), "posting");
    // 1. Resolve what may already be there, once its last send has settled.
    if !to_resolve.is_empty() {
        let wait = settle_wait(&to_resolve, options.settle, chrono::Utc::now());
        if !wait.is_zero() {
            tracing::info!(
                wait_s = wait.as_secs_f64(),
                "waiting for the last run's sends to settle before looking them up"
            );
            options.pause.sleep_for(wait, "the last run's sends to settle").await;
        }
        match resolve(state, target, std::mem::take(&mut to_resolve), &mut summary).await {
            Ok(absent) => {
                if adopting {
                    state.set_adopted(kind, &company).await?;
                    // Only now: what the company held is adopted (or known absent), so a read of
                    // changes from here on finds only what is sent from now.
                    super::history::known_until(state, kind, &company, history_at).await?;
                    history_known = history_at.is_some();
                }
                to_send.extend(absent);
            }
            Err((e, unresolved)) => {
                stop(&mut summary, e, &unresolved, "not looked up");
                options.progress.finish();
                return Ok(summary);
            }
        }
    }
    if options.adopt_only {
        options.progress.finish();
        return Ok(summary);
    }
    // 2. Send the rest, a batch at a time; what comes back unknown settles, is looked up, and
    // only what a lookup did not find is sent again.
    let batch_size = target.batch_size().max(1);
    let (sendable, held): (Vec<Pending>, Vec<Pending>) =
        std::mem::take(&mut to_send).into_iter().partition(|p| target.hold_reason(&p.entry).is_none());
    let mut holds = Vec::new();
    for p in held {
        if let Some(hold) = target.hold_reason(&p.entry) {
            summary.held.push(p.result(format!("{}: {}", hold.kind, hold.message)));
            holds.push(hold);
        }
    }
    // `status` shows them without asking the target.
    let by_kind = crate::state::holds_by_kind(holds.iter().map(|h| (h.kind, h.message.as_str())));
    state.set_last_holds(kind, &company, &by_kind).await?;
    to_send = sendable;
    let mut settling: Vec<Pending> = Vec::new();
    loop {
        while !to_send.is_empty() {
            if crate::interrupt::requested() {
                stop_interrupted(&mut summary, &settling, &to_send);
                options.progress.finish();
                return Ok(summary);
            }
            if let Err(e) =
                send_batch(state, target, &mut to_send, &mut settling, &mut summary, options, batch_size)
                    .await?
            {
                stop(&mut summary, e, &settling, "outcome not known; looked up on the next run");
                summary.uncertain.extend(to_send.iter().map(|p| p.result("not sent: the run stopped")));
                options.progress.finish();
                return Ok(summary);
            }
        }
        if settling.is_empty() {
            break;
        }
        if crate::interrupt::requested() {
            stop_interrupted(&mut summary, &settling, &[]);
            options.progress.finish();
            return Ok(summary);
        }
        // 3. Unknown outcomes: wait until the last of them has settled, then look them all up.
        if let Some(last) = settling.iter().filter_map(|p| p.sent_at).max() {
            tracing::info!(
                entries = settling.len(),
                settle_s = options.settle.as_secs_f64(),
                "outcome not known; waiting for it to settle before a lookup"
            );
            options.pause.sleep_until(last + options.settle).await;
        }
        match resolve(state, target, std::mem::take(&mut settling), &mut summary).await {
            Ok(absent) => {
                let (retry, exhausted): (Vec<Pending>, Vec<Pending>) =
                    absent.into_iter().partition(|p| p.rounds < ROUNDS_MAX);
                summary
                    .uncertain
                    .extend(exhausted.iter().map(|p| p.result("outcome not known after several tries")));
                to_send.extend(retry);
            }
            Err((e, unresolved)) => {
                stop(&mut summary, e, &unresolved, "outcome not known; looked up on the next run");
                options.progress.finish();
                return Ok(summary);
            }
        }
    }
    options.progress.finish();
    // Everything sent is recorded: what the company changed before its last answer is ours.
    if history_known {
        super::history::known_until(state, kind, &company, target.last_answer_time()).await?;
    }
    Ok(summary)
}

/// Ctrl-C: the batch in flight was answered and recorded; nothing else is sent this run.
fn stop_interrupted(summary: &mut TargetSummary, settling: &[Pending], unsent: &[Pending]) {
    stop(summary, TargetError::Interrupted, settling, "outcome not known; looked up on the next run");
    summary
        .held
        .extend(unsent.iter().map(|p| p.result("not sent: interrupted (Ctrl-C); sent on the next run")));
}

pub(super) fn stop(summary: &mut TargetSummary, error: TargetError, affected: &[Pending], what: &str) {
    summary.stopped_for_allowance = matches!(error, TargetError::Allowance { .. });
    summary.stopped_for_auth = matches!(error, TargetError::Auth(_));
    summary.uncertain.extend(affected.iter().map(|p| p.result(what)));
    summary.stopped = Some(error.to_string());
}

/// Postings that need a person, per state, from a summary (for exit codes).
pub fn needs_attention(summary: &TargetSummary) -> bool {
    !summary.failed.is_empty()
        || !summary.uncertain.is_empty()
        || !summary.elsewhere.is_empty()
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
