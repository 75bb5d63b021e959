//! Adopting what a company already holds under an entry's key and document number (issue 15,
//! item 6) when this state file never sent it there: a lost or replaced state file. Keys and
//! numbers are deterministic, but the money need not be: Entrata may have changed between the
//! night the company got the entry and the night this state file planned it. So a found document
//! is compared with the entry (net per account, in the target's own account references) before it
//! is adopted:
//!
//! - the same money: adopted as it is (confirmed);
//! - other money whose accounts read back into the mapping's: the entry is rewritten to what the
//!   company holds and marked `rebook`, so that the next record books exactly the difference as an
//!   adjustment (`record::chain`), and confirmed;
//! - other money that cannot be read back (an account the mapping does not name, or names twice),
//!   or an entry another target already holds as recorded: left `uncertain` with what differs,
//!   never confirmed as something it is not and never sent again (a person reconciles it).
//!
//! A target that cannot give both sides (`Target::held_form`, `Found::lines`) adopts as before.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use super::target::{Found, FoundLine, Target, net_by_account};
use crate::domain::AccountName;
use crate::journal::{BalancedEntry, Side};

/// How many of the company's documents a refusal names.
const NAMED_MAX: usize = 5;

/// Before adopting: the company's documents of the properties this state file records, whose key
/// this state file does not record under the same document number (adjustments, late entries,
/// re-dated or moved documents posted from the state file that was lost). This state file cannot
/// rebuild that history, and planning over it would post a second copy of some of it: posting to
/// this company stops with what a person must do (the inner `Err`, a `Setup` error), and nothing
/// is sent. The inner `Err` is also the company's own when it cannot be read. `Ok`: the
/// company's time when the read began (`None` when the target cannot tell).
pub(super) async fn unknown_history<T: Target>(
    state: &crate::state::StateFile,
    target: &mut T,
) -> Result<Result<Option<chrono::DateTime<chrono::Utc>>, super::TargetError>, super::PostError> {
    let (held, at) = match target.documents_of_ours(None).await {
        Ok(Some(held)) => (held.documents, Some(held.at)),
        Ok(None) => (Vec::new(), None),
        Err(e) => return Ok(Err(e)),
    };
    let (recorded, properties) = state.recorded_numbers().await?;
    let mut unknown = Vec::new();
    for doc in held.iter().filter(|d| d.key.split('/').next().is_some_and(|p| properties.contains(p))) {
        let known = recorded.get(&doc.key) == Some(&doc.doc_number)
            && (!later_link(&doc.key) || same_money(state, target, doc).await?);
        if !known {
            unknown.push(format!("{} ({})", doc.doc_number, doc.key));
        }
    }
    if unknown.is_empty() {
        return Ok(Ok(at));
    }
    let name = target.kind().name();
    let shown: Vec<&str> = unknown.iter().take(NAMED_MAX).map(String::as_str).collect();
    Ok(Err(super::TargetError::Setup(format!(
        "{name} holds {} document(s) of this connector that this state file does not know, e.g. {}: they \
         were posted from another state file (lost or replaced) after Entrata changed. Nothing was sent \
         to {name}, so nothing is posted twice. Restore the state file that posted them (a backup), or \
         reconcile them by hand; `entrata-recon drift` lists what {name} holds",
        unknown.len(),
        shown.join(", ")
    ))))
}

/// An adjustment or a late entry (seq above 1): a link this state file can only have recorded
/// itself, under a key another state file may have given other money (deterministic keys).
fn later_link(key: &str) -> bool {
    let kind = key.split('/').nth(1).unwrap_or_default();
    let seq = key.rsplit('/').next().unwrap_or_default();
    kind == crate::journal::JournalKind::Adjustment.as_str() || seq != "1"
}

/// Whether the recorded entry under `doc`'s key books the money `doc` holds (net per account, in
/// the target's references). Not known counts as not the same.
async fn same_money<T: Target>(
    state: &crate::state::StateFile,
    target: &T,
    doc: &super::HeldDocument,
) -> Result<bool, super::PostError> {
    let Some(entry) = state.recorded_entry(&doc.key).await? else { return Ok(false) };
    Ok(target.held_form(&entry).is_some_and(|ours| net_by_account(&ours) == net_by_account(&doc.lines)))
}

/// What becomes of an entry whose document a lookup found.
pub(super) enum Adoption {
    /// Confirmed. `note`: how it was adopted, when not simply as recorded (counted as
    /// `TargetSummary::adopted_as_held`, its difference booked by the next record); `held_body`:
    /// the lines the company holds, when the entry cannot be rewritten to them (a catch-up).
    Confirmed { note: Option<String>, held_body: Option<String> },
    /// Left `uncertain`, with why: other money that cannot be read back into the mapping.
    Uncertain(String),
}

/// Settles a found document against its outbox row: one this state file sent is taken as it is;
/// one it never sent is compared (`compare`) and adopted as the company holds it, rewriting the
/// entry (`adopt_as_held`) or, when another target holds the entry as recorded, keeping what the
/// company holds for a catch-up; a withdrawn entry found as recorded is planned again (`revive`).
pub(super) async fn settle_found<T: Target>(
    state: &crate::state::StateFile,
    target: &T,
    row: &crate::state::OutboxRow,
    entry: &BalancedEntry,
    found: &Found,
) -> Result<Adoption, crate::state::StateError> {
    let kind = target.kind();
    let holding = match row.attempts {
        0 => compare(target, entry, found),
        _ => Holding::Same,
    };
    match holding {
        Holding::Same if row.withdrawn => {
            state.revive(&row.header.key).await?;
            let note = " though withdrawn here (its items changed before this state file posted it): recorded \
                        as held, what changed since is booked as an adjustment";
            Ok(Adoption::Confirmed { note: Some(note.to_owned()), held_body: None })
        }
        Holding::Same => Ok(Adoption::Confirmed { note: None, held_body: None }),
        Holding::Other { what, held: None } => Ok(Adoption::Uncertain(format!(
            "{kind} holds {} (id {}) with other money than this state file plans ({what}); it was posted from \
             another state file: not adopted, never sent again; reconcile it by hand",
            entry.doc_number(),
            found.target_id
        ))),
        Holding::Other { what, held: Some(held) } => {
            if state.adopt_as_held(kind, target.company_id(), &held).await? {
                let note = format!(
                    " holding other money than planned ({what}): recorded as it is held, the difference is \
                     booked as an adjustment"
                );
                return Ok(Adoption::Confirmed { note: Some(note), held_body: None });
            }
            let note = format!(
                " holding other money than recorded ({what}), which another target holds as recorded: a \
                 catch-up for {kind} alone books the difference"
            );
            let held_body = Some(super::body::Body::of(&held).to_json());
            Ok(Adoption::Confirmed { note: Some(note), held_body })
        }
    }
}

/// What a found document holds, against the entry.
#[derive(Debug)]
pub(super) enum Holding {
    /// The same money, or not known (adopted as it is).
    Same,
    /// Other money: what differs in words, and the entry rewritten to what the company holds when
    /// its accounts read back into the mapping's.
    Other { what: String, held: Option<BalancedEntry> },
}

pub(super) fn compare<T: Target>(target: &T, entry: &BalancedEntry, found: &Found) -> Holding {
    compare_with(entry, target.held_form(entry), found, &|reference| target.accounts_for(entry, reference))
}

/// `compare` with the target's two answers given: `ours` (the entry in the target's terms) and
/// `accounts_for` (a target account reference to the mapping's accounts).
fn compare_with(
    entry: &BalancedEntry,
    ours: Option<Vec<FoundLine>>,
    found: &Found,
    accounts_for: &dyn Fn(&str) -> Vec<AccountName>,
) -> Holding {
    let (Some(lines), Some(ours)) = (found.lines.as_ref(), ours) else {
        return Holding::Same;
    };
    let (planned, holds) = (net_by_account(&ours), net_by_account(lines));
    if planned == holds {
        return Holding::Same;
    }
    Holding::Other { what: describe(&planned, &holds), held: as_held(accounts_for, entry, lines) }
}

/// `planned → held` per account reference that differs.
fn describe(planned: &BTreeMap<String, Decimal>, holds: &BTreeMap<String, Decimal>) -> String {
    format!("net per account, planned → held: {}", super::target::net_moves(planned, holds).join(", "))
}

/// The entry with the found lines, in the mapping's account names; `None` when a line's account
/// does not read back into exactly one of them.
fn as_held(
    accounts_for: &dyn Fn(&str) -> Vec<AccountName>,
    entry: &BalancedEntry,
    lines: &[FoundLine],
) -> Option<BalancedEntry> {
    let mut out = Vec::with_capacity(lines.len());
    for line in lines {
        let mut names = accounts_for(&line.account);
        if names.len() > 1 {
            // Several of the mapping's accounts share this one: the entry's own, if just one.
            names.retain(|n| entry.lines().iter().any(|l| l.account() == n));
        }
        let [name] = names.as_slice() else { return None };
        let description = entry
            .lines()
            .iter()
            .find(|l| l.account() == name && l.side() == line.side)
            .map_or_else(|| "As the company holds it".to_owned(), |l| l.description().to_owned());
        out.push((name.clone(), line.side, line.amount, description));
    }
    let side_count = |side: Side| out.iter().filter(|l| l.1 == side).count();
    if side_count(Side::Debit) == 0 || side_count(Side::Credit) == 0 {
        return None;
    }
    BalancedEntry::new(entry.header().clone(), out).ok()
}

#[cfg(test)]
mod tests {
    use rust_decimal::dec;

    use super::*;
    use crate::domain::{Currency, PropertyId};
    use crate::journal::{DocNumber, EntryHeader, EntryKey, JournalKind};

    fn entry(lines: &[(&str, Side, Decimal)]) -> BalancedEntry {
        let property = PropertyId::new("p1");
        let header = EntryHeader {
            key: EntryKey::new(&property, JournalKind::Charges, "2026-02-01", 1),
            doc_number: DocNumber::new("EN-P1-C260201-1").expect("number"),
            property_id: property,
            kind: JournalKind::Charges,
            date: "2026-02-01".parse().expect("date"),
            post_month: "2026-02".parse().expect("month"),
            currency: Currency::parse("USD").expect("currency"),
            sources: vec!["c1".into()],
        };
        let lines = lines.iter().map(|(a, s, m)| (AccountName::new(*a), *s, *m, "Rent".to_owned())).collect();
        BalancedEntry::new(header, lines).expect("balanced")
    }

    /// The mapping of the tests: receivables 1200, rental_income 4000, fee_income and late_fees
    /// both 4130.
    fn code(account: &str) -> &'static str {
        match account {
            "receivables" => "1200",
            "rental_income" => "4000",
            _ => "4130",
        }
    }

    fn accounts_for(reference: &str) -> Vec<AccountName> {
        ["receivables", "rental_income", "fee_income", "late_fees"]
            .into_iter()
            .filter(|a| code(a) == reference)
            .map(AccountName::new)
            .collect()
    }

    fn ours(entry: &BalancedEntry) -> Option<Vec<FoundLine>> {
        let line = |l: &crate::journal::Line| FoundLine {
            account: code(l.account().as_str()).into(),
            side: l.side(),
            amount: l.amount(),
        };
        Some(entry.lines().iter().map(line).collect())
    }

    fn found(lines: &[(&str, Side, Decimal)]) -> Found {
        let lines =
            lines.iter().map(|(a, s, m)| FoundLine { account: (*a).into(), side: *s, amount: *m }).collect();
        Found { target_id: "7".into(), date: None, lines: Some(lines) }
    }

    #[test]
    fn the_same_money_in_other_lines_is_the_same_and_unknown_money_is_not_compared() {
        let planned = entry(&[
            ("receivables", Side::Debit, dec!(100.00)),
            ("rental_income", Side::Credit, dec!(100.00)),
        ]);
        let split = found(&[
            ("1200", Side::Debit, dec!(60.00)),
            ("1200", Side::Debit, dec!(40.00)),
            ("4000", Side::Credit, dec!(100.00)),
        ]);
        assert!(matches!(compare_with(&planned, ours(&planned), &split, &accounts_for), Holding::Same));
        let unread = Found { lines: None, ..split };
        assert!(matches!(compare_with(&planned, ours(&planned), &unread, &accounts_for), Holding::Same));
    }

    #[test]
    fn other_money_is_adopted_as_the_company_holds_it_in_the_mappings_accounts() {
        // Planned 250 (the charge was edited); the company holds the 100 posted before.
        let planned = entry(&[
            ("receivables", Side::Debit, dec!(250.00)),
            ("rental_income", Side::Credit, dec!(250.00)),
        ]);
        let held = found(&[("1200", Side::Debit, dec!(100.00)), ("4000", Side::Credit, dec!(100.00))]);
        let Holding::Other { what, held: Some(as_held) } =
            compare_with(&planned, ours(&planned), &held, &accounts_for)
        else {
            panic!("other money, read back");
        };
        assert_eq!(what, "net per account, planned → held: 1200 250.00 → 100.00, 4000 -250.00 → -100.00");
        assert_eq!(as_held.key(), planned.key());
        assert_eq!(as_held.doc_number(), planned.doc_number());
        assert_eq!(as_held.total(), dec!(100.00));
        assert_eq!(as_held.lines()[1].account().as_str(), "rental_income");
    }

    #[test]
    fn an_account_that_does_not_read_back_into_one_of_the_mappings_is_not_adopted() {
        let planned =
            entry(&[("receivables", Side::Debit, dec!(25.00)), ("rental_income", Side::Credit, dec!(25.00))]);
        // 4130 is fee_income and late_fees, and the entry uses neither: ambiguous.
        let ambiguous = found(&[("1200", Side::Debit, dec!(25.00)), ("4130", Side::Credit, dec!(25.00))]);
        assert!(matches!(
            compare_with(&planned, ours(&planned), &ambiguous, &accounts_for),
            Holding::Other { held: None, .. }
        ));
        // An account the mapping does not name at all.
        let unknown = found(&[("1200", Side::Debit, dec!(25.00)), ("id 99", Side::Credit, dec!(25.00))]);
        assert!(matches!(
            compare_with(&planned, ours(&planned), &unknown, &accounts_for),
            Holding::Other { held: None, .. }
        ));
        // Ambiguous, but the entry's own account is one of them: that one.
        let fee =
            entry(&[("receivables", Side::Debit, dec!(30.00)), ("late_fees", Side::Credit, dec!(30.00))]);
        let held = found(&[("1200", Side::Debit, dec!(25.00)), ("4130", Side::Credit, dec!(25.00))]);
        let Holding::Other { held: Some(as_held), .. } = compare_with(&fee, ours(&fee), &held, &accounts_for)
        else {
            panic!("read back through the entry's own account");
        };
        assert_eq!(as_held.lines()[1].account().as_str(), "late_fees");
    }
}
