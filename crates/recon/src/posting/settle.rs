//! Looking entries up before anything is sent again (PRODUCT.md §10, issue 15 items 1 and 2): how
//! long to wait for earlier sends to settle, and the lookup itself.
//!
//! A lookup clears an entry for a resend only when it began at least the settle interval after
//! the entry's last send: a vendor may still commit a request whose client gave up, and its
//! queries may lag its writes. Within a run the interval is measured on the run's clock (the
//! engine keeps each send's instant); across runs, from the send's time in the state file.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::outbox::Transition;
use super::pass::{Pending, TargetSummary};
use super::target::{LookupRequest, Target, TargetError};
use crate::state::StateError;
use crate::state::{Move, StateFile};

/// How long to wait before `rows` (sent in earlier runs) may be looked up: until the last of their
/// sends is `settle` old. A send whose time is not recorded or cannot be read is taken as just now;
/// a row never sent from this state file (adopted) needs no wait.
pub(super) fn settle_wait(rows: &[Pending], settle: Duration, now: DateTime<Utc>) -> Duration {
    rows.iter()
        .filter(|p| p.row.attempts > 0)
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
    let per_call = target.lookups_per_call().max(1);
    while !unresolved.is_empty() {
        let take = per_call.min(unresolved.len());
        let requests: Vec<LookupRequest> =
            unresolved[..take].iter().map(|p| p.lookup(target.batch_class(&p.entry))).collect();
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
                    let adoption = super::adopt::settle_found(state, target, &p.row, &p.entry, &found).await;
                    let (note, held_body) = match adoption {
                        Ok(super::adopt::Adoption::Confirmed { note, held_body }) => (note, held_body),
                        Ok(super::adopt::Adoption::Uncertain(message)) => {
                            summary.uncertain.push(p.result(message.clone()));
                            moves.push(Move {
                                error: Some(message),
                                ..Move::new(&p.row.header.key, Transition::FoundOther)
                            });
                            continue;
                        }
                        Err(e) => return Err((TargetError::Protocol(e.to_string()), unresolved)),
                    };
                    let mut detail = format!("found in {kind} as id {}", found.target_id);
                    if let Some(note) = note {
                        summary.adopted_as_held += 1;
                        detail.push_str(&note);
                    }
                    summary.posted.push(p.result(detail));
                    // A re-dated entry found after its answer was lost (in this run or, killed,
                    // in an earlier one) holds the date the target gave it: record that one.
                    let target_date = match found.date {
                        Some(date) => (date != p.entry.date()).then_some(date),
                        None => p.redate,
                    };
                    moves.push(Move {
                        target_id: Some(found.target_id),
                        target_date: target_date.map(|d| d.to_string()),
                        held_body,
                        ..Move::new(&p.row.header.key, Transition::FoundByLookup)
                    });
                }
                // A withdrawn entry no company holds stays withdrawn: never sent.
                None if p.row.withdrawn => {}
                None => absent.push(p),
            }
        }
        if let Err(e) = state.move_postings(kind, target.company_id(), &moves).await {
            return Err((TargetError::Protocol(e.to_string()), unresolved));
        }
    }
    Ok(absent)
}

/// Postings of `target` whose outcome is not known, in other companies than `company` (company id,
/// '' when not known; how many): never looked up or sent again in `company`.
pub(super) async fn other_companies_open(
    state: &StateFile,
    target: crate::targets::TargetKind,
    company: &str,
) -> Result<Vec<(String, u64)>, StateError> {
    Ok(state
        .posting_companies(target)
        .await?
        .into_iter()
        .filter(|c| c.company_id != company && c.open > 0)
        .map(|c| (c.company_id, c.open))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::PropertyId;
    use crate::journal::{EntryKey, JournalKind};
    use crate::posting::body::{StoredHeader, rebuild};
    use crate::state::OutboxRow;

    fn pending(attempts: u32, last: Option<&str>) -> Pending {
        let key = EntryKey::new(&PropertyId::new("p1"), JournalKind::Charges, "2026-02-01", 1);
        let header = StoredHeader {
            key: key.as_str().to_owned(),
            property_id: "p1".into(),
            kind: "charges".into(),
            anchor: "2026-02-01".into(),
            seq: 1,
            doc_number: "RC-P1-0001".into(),
            date: "2026-02-01".into(),
            post_month: "2026-02".into(),
            currency: "USD".into(),
        };
        let body = r#"{"lines":[{"account":"receivables","side":"debit","amount":"10.00","description":""},
            {"account":"rental_income","side":"credit","amount":"10.00","description":""}],"sources":["c1"]}"#
            .to_owned();
        let entry = rebuild(&header, &body).expect("example entry");
        let row = OutboxRow {
            header,
            body,
            state: None,
            attempts,
            token: None,
            last_attempt_at: last.map(str::to_owned),
            withdrawn: false,
        };
        Pending { row, entry, rounds: 0, redate: None, sent_at: None }
    }

    #[test]
    fn a_lookup_waits_until_the_last_send_has_settled() {
        let now: DateTime<Utc> = "2026-02-01T12:00:00Z".parse().expect("time");
        let settle = Duration::from_secs(90);
        assert_eq!(settle_wait(&[], settle, now), Duration::ZERO);
        // Sent 30 s ago: 60 s more. Sent two minutes ago: none. The latest send decides.
        let recent = pending(1, Some("2026-02-01T11:59:30Z"));
        let old = pending(2, Some("2026-02-01T11:58:00Z"));
        assert_eq!(settle_wait(&[old], settle, now), Duration::ZERO);
        let old = pending(2, Some("2026-02-01T11:58:00Z"));
        assert_eq!(settle_wait(&[old, recent], settle, now), Duration::from_secs(60));
        // A send with no readable time is taken as just now; one never sent needs no wait.
        assert_eq!(settle_wait(&[pending(1, Some("garbled"))], settle, now), settle);
        assert_eq!(settle_wait(&[pending(0, None)], settle, now), Duration::ZERO);
        // A clock that went back: never more than the interval.
        assert_eq!(settle_wait(&[pending(1, Some("2026-02-01T13:00:00Z"))], settle, now), settle);
    }
}
