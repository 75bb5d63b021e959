//! Target findings: what happened in a target to the documents the connector posted there, and
//! documents carrying its marker that the state file does not know as posted there.

use std::collections::HashSet;

use rust_decimal::Decimal;

use super::{PropertySides, TargetSide, by_account, describe_moves};
use crate::drift::held::HeldStatus;
use crate::drift::{Finding, FindingKind};
use crate::posting::outbox::PostingState;

pub(super) fn target_findings(sides: &PropertySides, side: &TargetSide, out: &mut Vec<Finding>) {
    let target = side.target;
    let name = target.short_name();
    let mut confirmed: HashSet<&str> = HashSet::new();
    for entry in sides.recorded.iter().filter(|e| e.owned_by(target, &side.book)) {
        let Some(id) = entry.confirmed_id(target) else { continue };
        confirmed.insert(id);
        let target_date = entry.postings.get(&target).and_then(|p| p.target_date);
        let (kind, held, message) = match side.held.get(id) {
            None => (
                FindingKind::DeletedInTarget,
                Decimal::ZERO,
                format!("{name} no longer has it (id {id}): deleted there, or never kept"),
            ),
            Some(doc) => match &doc.status {
                HeldStatus::Deleted => {
                    (FindingKind::DeletedInTarget, Decimal::ZERO, format!("deleted in {name} (id {id})"))
                }
                HeldStatus::Voided => {
                    (FindingKind::VoidedInTarget, Decimal::ZERO, format!("voided in {name} (id {id})"))
                }
                HeldStatus::Other(status) => (
                    FindingKind::EditedInTarget,
                    Decimal::ZERO,
                    format!(
                        "its status in {name} is now {} (id {id}): it no longer counts there",
                        status.to_uppercase()
                    ),
                ),
                HeldStatus::Live => {
                    let posted = by_account(
                        entry
                            .lines_at(target)
                            .iter()
                            .map(|(l, s, a)| (sides.target_account_in(target, &side.book, l), *s, *a)),
                    );
                    let holds = by_account(doc.lines.iter().map(|l| (l.account.clone(), l.side, l.amount)));
                    let date_moved = doc.date.filter(|d| *d != entry.date && Some(*d) != target_date);
                    if posted == holds && date_moved.is_none() {
                        continue;
                    }
                    let mut parts = Vec::new();
                    if posted != holds {
                        parts.push(format!(
                            "lines differ (account net, posted → held): {}",
                            describe_moves(&posted, &holds)
                        ));
                    }
                    if let Some(date) = date_moved {
                        parts.push(format!("dated {date} there, posted as {}", entry.date));
                    }
                    (
                        FindingKind::EditedInTarget,
                        doc.total(),
                        format!("edited in {name} (id {id}): {}", parts.join("; ")),
                    )
                }
            },
        };
        let mut finding = sides.entry_finding(kind, entry);
        finding.target = Some(target);
        finding.book = Some(side.book.clone());
        finding.target_ids = vec![(target, id.to_owned())];
        finding.recorded = Some(entry.total());
        finding.held = Some(held);
        finding.difference = held - entry.total();
        finding.message = message;
        out.push(finding);
    }

    let recorded = sides.recorded_by_key();
    for doc in side.keyed(&sides.property_id) {
        if !doc.status.counts() || confirmed.contains(doc.target_id.as_str()) {
            continue;
        }
        let Some(key) = doc.key.as_deref() else { continue };
        let entry = recorded.get(key);
        let elsewhere = entry.and_then(|e| e.owners.get(&target)).filter(|owner| **owner != side.book);
        let posting = entry.filter(|_| elsewhere.is_none()).and_then(|e| e.postings.get(&target));
        let why = match posting {
            None if elsewhere.is_some() => format!(
                "{name} holds it (id {}) although it is book {}'s entry, posted to that book's company",
                doc.target_id,
                elsewhere.map(|b| b.as_str()).unwrap_or_default()
            ),
            // Found again by the next run's lookup; the posting finding says so.
            Some(p) if matches!(p.state, PostingState::Pending | PostingState::Uncertain) => continue,
            Some(p) if p.state == PostingState::Confirmed => format!(
                "a second copy in {name} (id {}); the state file knows id {}",
                doc.target_id,
                p.target_id.as_deref().unwrap_or("?")
            ),
            Some(_) => format!("{name} holds it (id {}) although it refused it", doc.target_id),
            None if entry.is_some() => {
                format!(
                    "{name} holds it (id {}) although it was never sent there from this state file",
                    doc.target_id
                )
            }
            None => format!(
                "{name} holds a document of the connector (id {}) that this state file never recorded",
                doc.target_id
            ),
        };
        let mut finding = match entry {
            Some(entry) => sides.entry_finding(FindingKind::UnrecordedInTarget, entry),
            None => {
                let mut finding = sides.finding(FindingKind::UnrecordedInTarget);
                finding.entry_key = Some(key.to_owned());
                finding.doc_number = doc.doc_number.clone();
                finding.post_month = doc.date.map(crate::domain::PostMonth::of);
                finding
            }
        };
        finding.target = Some(target);
        finding.book = Some(side.book.clone());
        finding.target_ids = vec![(target, doc.target_id.clone())];
        finding.recorded = Some(Decimal::ZERO);
        finding.held = Some(doc.total());
        finding.difference = doc.total();
        finding.message = why;
        out.push(finding);
    }
}
