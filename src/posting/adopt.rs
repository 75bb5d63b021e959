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
use crate::domain::format_amount;
use crate::journal::{BalancedEntry, Side};

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
    let (Some(lines), Some(ours)) = (found.lines.as_ref(), target.held_form(entry)) else {
        return Holding::Same;
    };
    let (planned, holds) = (net_by_account(&ours), net_by_account(lines));
    if planned == holds {
        return Holding::Same;
    }
    Holding::Other { what: describe(&planned, &holds), held: as_held(target, entry, lines) }
}

/// `planned → held` per account reference that differs.
fn describe(planned: &BTreeMap<String, Decimal>, holds: &BTreeMap<String, Decimal>) -> String {
    let accounts: std::collections::BTreeSet<&String> = planned.keys().chain(holds.keys()).collect();
    let parts: Vec<String> = accounts
        .into_iter()
        .filter_map(|account| {
            let (p, h) = (planned.get(account).copied().unwrap_or_default(), holds.get(account).copied().unwrap_or_default());
            (p != h).then(|| format!("{account} {} → {}", format_amount(p), format_amount(h)))
        })
        .collect();
    format!("net per account, planned → held: {}", parts.join(", "))
}

/// The entry with the found lines, in the mapping's account names; `None` when a line's account
/// does not read back into exactly one of them.
fn as_held<T: Target>(target: &T, entry: &BalancedEntry, lines: &[FoundLine]) -> Option<BalancedEntry> {
    let mut out = Vec::with_capacity(lines.len());
    for line in lines {
        let mut names = target.accounts_for(entry, &line.account);
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
