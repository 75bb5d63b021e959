//! The invariants checked after every schedule, as pure functions of what was read: the targets'
//! documents, the state file, the plan and the runs' exit codes. Each returns violations in
//! words; none means the schedule passed.

use std::collections::BTreeMap;

use entrata_recon::mapping::MappingSet;
use serde_json::Value;

use super::books::{Books, Doc, text_cents};
use super::owners::Owner;
use super::state::{Ledger, code};
use super::world::RunRecord;

pub const TARGETS: [&str; 2] = ["qbo", "xero"];

/// Everything the invariants look at.
pub struct Evidence<'a> {
    pub runs: &'a [RunRecord],
    pub books: &'a Books,
    pub ledger: &'a Ledger,
    /// `plan --format json` after the clean run.
    pub plan: &'a Value,
    pub mappings: &'a MappingSet,
    /// The target whose company keeps its books in another currency: it must hold nothing.
    pub foreign: Option<&'a str>,
    /// (target, id) of the documents the targets held when the state file was lost.
    pub held_before_loss: &'a std::collections::BTreeSet<(String, String)>,
    /// The owners' books when there are several (issue 18), and each property's owner.
    pub owners: &'a [Owner],
    pub routes: &'a BTreeMap<String, usize>,
}

/// After a lost state file, a target whose company holds history the new state file cannot know
/// (adjustments, late entries, moved documents) is not posted to at all: the last clean run says
/// so. Its documents from before the loss then stand unconfirmed, and nothing else may be there.
fn stopped_for_history(e: &Evidence, target: &str) -> bool {
    let name = if target == "qbo" { "QuickBooks Online holds" } else { "Xero holds" };
    !e.held_before_loss.is_empty()
        && e.runs.iter().rev().find(|r| r.label.starts_with("clean")).is_some_and(|r| {
            r.output.lines().any(|l| l.contains(name) && l.contains("that this state file does not know"))
        })
}

pub fn check(e: &Evidence) -> Vec<String> {
    let mut violations = Vec::new();
    violations.extend(exit_codes(e.runs));
    let mut stopped = Vec::new();
    for target in TARGETS {
        let docs = e.books.of(target);
        violations.extend(balanced(target, docs));
        violations.extend(once(target, docs));
        if stopped_for_history(e, target) {
            stopped.push(target);
            let before: std::collections::BTreeSet<&str> =
                e.held_before_loss.iter().filter(|(t, _)| t == target).map(|(_, id)| id.as_str()).collect();
            // Unconfirmed documents from before the loss stand; anything else is still wrong.
            let stands = |v: &String| before.iter().any(|id| v.contains(&format!("({id}) for")));
            violations
                .extend(state_agrees(target, docs, e.ledger, e.mappings).into_iter().filter(|v| !stands(v)));
            continue;
        }
        violations.extend(state_agrees(target, docs, e.ledger, e.mappings));
        violations.extend(routed(target, docs, e));
        if e.foreign == Some(target) {
            violations.extend(foreign(target, docs, e.plan, e.runs));
        } else if e.owners.is_empty() {
            violations.extend(totals(target, docs, &planned(e.plan, None), e.ledger));
        } else {
            // Each company's nets are exactly its own book's plan.
            for owner in e.owners {
                let company = company_of(owner, target);
                let held: Vec<Doc> = docs.iter().filter(|d| d.company == company).cloned().collect();
                let mut found = totals(target, &held, &planned(e.plan, Some(&owner.name)), e.ledger);
                for v in &mut found {
                    *v = v.replacen(
                        &format!("totals: {target}"),
                        &format!("totals: {target} ({})", owner.name),
                        1,
                    );
                }
                violations.extend(found);
            }
        }
    }
    // A foreign company's entries are held, never sent: that is what `foreign` checks.
    let held_abroad = |u: &String| {
        e.foreign.is_some_and(|t| u.ends_with(&format!(" at {t}: never sent")))
            || stopped.iter().any(|t| u.contains(&format!(" at {t}: ")))
    };
    violations.extend(
        e.ledger
            .unsettled()
            .into_iter()
            .filter(|u| !held_abroad(u))
            .map(|u| format!("unsettled after the clean run: {u}")),
    );
    violations
}

/// `run` exits 0, 1 or 2, or is killed by the suite; the clean run needs no `connect` (0 or 1).
pub fn exit_codes(runs: &[RunRecord]) -> Vec<String> {
    let mut out = Vec::new();
    for run in runs {
        match (run.code, run.killed) {
            (None, true) => {}
            (Some(0..=2), _) => {}
            (code, _) => {
                out.push(format!("exit code: {} ended with {code:?}\n{}", run.label, tail(&run.output)))
            }
        }
    }
    if let Some(last) = runs.iter().rev().find(|r| r.label.starts_with("clean"))
        && !matches!(last.code, Some(0 | 1))
    {
        out.push(format!("exit code: the last clean run ended with {:?}\n{}", last.code, tail(&last.output)));
    }
    out
}

/// Every document balances; every amount is a positive number of cents.
pub fn balanced(target: &str, docs: &[Doc]) -> Vec<String> {
    let mut out = Vec::new();
    for doc in docs {
        if doc.debits() != doc.credits() || doc.unbalanced_total {
            out.push(format!(
                "unbalanced: {target} {} ({}) debits {} credits {}",
                doc.doc_number,
                doc.id,
                doc.debits(),
                doc.credits()
            ));
        }
        if doc.lines.iter().any(|l| l.2 <= 0) {
            out.push(format!("unbalanced: {target} {} has a line of zero or less", doc.doc_number));
        }
    }
    out
}

/// No document number and no entry key twice in a target.
pub fn once(target: &str, docs: &[Doc]) -> Vec<String> {
    let mut numbers: BTreeMap<&str, usize> = BTreeMap::new();
    let mut keys: BTreeMap<&str, usize> = BTreeMap::new();
    let mut out = Vec::new();
    for doc in docs {
        *numbers.entry(doc.doc_number.as_str()).or_default() += 1;
        if doc.keys.len() != 1 {
            out.push(format!("twice: {target} {} ({}) names keys {:?}", doc.doc_number, doc.id, doc.keys));
        }
        for key in &doc.keys {
            *keys.entry(key.as_str()).or_default() += 1;
        }
    }
    out.extend(
        numbers.iter().filter(|(_, n)| **n > 1).map(|(d, n)| format!("twice: {target} holds {d} {n} times")),
    );
    out.extend(
        keys.iter().filter(|(_, n)| **n > 1).map(|(k, n)| format!("twice: {target} holds key {k} {n} times")),
    );
    out
}

/// An owner's company in `target`.
fn company_of<'a>(owner: &'a Owner, target: &str) -> &'a str {
    if target == "qbo" { &owner.realm } else { &owner.tenant }
}

/// The plan's entries, or those of one book.
fn planned<'a>(plan: &'a Value, book: Option<&str>) -> Vec<&'a Value> {
    let entries = plan["entries"].as_array().into_iter().flatten();
    entries.filter(|e| book.is_none_or(|b| e["book"] == b)).collect()
}

/// Several sets of books: every document is in the company of its property's owner.
pub fn routed(target: &str, docs: &[Doc], e: &Evidence) -> Vec<String> {
    let mut out = Vec::new();
    if e.owners.is_empty() {
        return out;
    }
    for doc in docs {
        let Some(key) = doc.keys.first() else { continue };
        let property = key.split('/').next().unwrap_or_default();
        let Some(owner) = e.routes.get(property).and_then(|n| e.owners.get(*n)) else {
            out.push(format!("routing: {target} {} ({key}) is of a property no owner has", doc.doc_number));
            continue;
        };
        if doc.company != company_of(owner, target) {
            out.push(format!(
                "routing: {target} {} ({key}) is in company {}, and {property} is {}'s ({})",
                doc.doc_number,
                doc.company,
                owner.name,
                company_of(owner, target)
            ));
        }
    }
    out
}

/// The target holds exactly the entries the state file has confirmed there, each as recorded:
/// same key, document number, date, and money per account and side, in the company it records.
pub fn state_agrees(target: &str, docs: &[Doc], ledger: &Ledger, mappings: &MappingSet) -> Vec<String> {
    let mut out = Vec::new();
    let by_id: BTreeMap<(&str, &str), &Doc> =
        docs.iter().map(|d| ((d.company.as_str(), d.id.as_str()), d)).collect();
    for (key, entry) in &ledger.entries {
        let Some(posting) = ledger.postings.get(&(key.clone(), target.to_owned())) else { continue };
        if posting.state != "confirmed" {
            continue; // `unsettled` reports it
        }
        if entry.withdrawn {
            out.push(format!("state: withdrawn {key} is confirmed at {target}"));
            continue;
        }
        let found = posting.target_id.as_deref().and_then(|id| by_id.get(&(posting.company_id.as_str(), id)));
        let Some(doc) = found else {
            out.push(format!(
                "missing: {} ({key}) confirmed at {target} as {:?}, which {target} does not hold",
                entry.doc_number, posting.target_id
            ));
            continue;
        };
        let date = posting.target_date.clone().unwrap_or_else(|| entry.date.to_string());
        let mut want: BTreeMap<(String, bool), i64> = BTreeMap::new();
        for (account, debit, cents) in posting.held_lines.as_ref().unwrap_or(&entry.lines) {
            *want.entry((code(mappings, &entry.property_id, account, target), *debit)).or_insert(0) += cents;
        }
        let same = doc.keys == [key.clone()]
            && doc.doc_number == entry.doc_number
            && doc.date.to_string() == date
            && doc.sides() == want;
        if !same {
            out.push(format!(
                "state: {target} {} differs from recorded {key}: keys {:?}, number {} vs {}, date {} vs {date}, \
                 lines {:?} vs {want:?}",
                doc.id, doc.keys, doc.doc_number, entry.doc_number, doc.date, doc.sides()
            ));
        }
    }
    for doc in docs {
        let Some(key) = doc.keys.first() else { continue };
        let confirmed = ledger.postings.get(&(key.clone(), target.to_owned())).is_some_and(|p| {
            p.state == "confirmed"
                && p.target_id.as_deref() == Some(doc.id.as_str())
                && p.company_id == doc.company
        });
        if !confirmed {
            out.push(format!(
                "twice: {target} {} ({}) for {key} is not the posting the state file confirmed",
                doc.doc_number, doc.id
            ));
        }
    }
    out
}

/// A company that keeps its books in another currency than the properties' holds nothing of
/// theirs (never money in a guessed currency), and the last clean run says why they are held.
pub fn foreign(target: &str, docs: &[Doc], plan: &Value, runs: &[RunRecord]) -> Vec<String> {
    let mut out: Vec<String> = docs
        .iter()
        .map(|d| {
            format!("currency: {target} {} was sent to a company that keeps its books in CAD", d.doc_number)
        })
        .collect();
    let planned = plan["entries"].as_array().is_some_and(|e| !e.is_empty());
    let last = runs.iter().rev().find(|r| r.label.starts_with("clean"));
    if planned && !last.is_some_and(|r| r.output.contains("currency_mismatch")) {
        out.push(format!(
            "currency: the last clean run does not say {target}'s entries are held (currency_mismatch)"
        ));
    }
    out
}

/// Per account code and post month, the target's net (debit − credit) equals the plan's. A
/// document counts in its entry's post month (as recorded), whatever date a closed period made
/// the target give it.
pub fn totals(target: &str, docs: &[Doc], planned: &[&Value], ledger: &Ledger) -> Vec<String> {
    let month = |date: &str| date.get(..7).unwrap_or_default().to_owned();
    let mut want: BTreeMap<(String, String), i64> = BTreeMap::new();
    for entry in planned {
        let month = entry["postMonth"]
            .as_str()
            .map_or_else(|| month(entry["date"].as_str().unwrap_or("")), String::from);
        for line in entry["lines"].as_array().into_iter().flatten() {
            let code = line["target"][target].as_str().unwrap_or("?").to_owned();
            let net = text_cents(line["debit"].as_str().unwrap_or("x")).unwrap_or(i64::MIN / 4)
                - text_cents(line["credit"].as_str().unwrap_or("x")).unwrap_or(i64::MIN / 4);
            *want.entry((code, month.clone())).or_insert(0) += net;
        }
    }
    let mut got: BTreeMap<(String, String), i64> = BTreeMap::new();
    for doc in docs {
        let recorded = doc.keys.first().and_then(|k| ledger.entries.get(k));
        let month = recorded.map_or_else(|| month(&doc.date.to_string()), |e| e.post_month.clone());
        for (code, debit, cents) in &doc.lines {
            *got.entry((code.clone(), month.clone())).or_insert(0) += if *debit { *cents } else { -cents };
        }
    }
    want.retain(|_, v| *v != 0);
    got.retain(|_, v| *v != 0);
    let mut out = Vec::new();
    let keys: std::collections::BTreeSet<&(String, String)> = want.keys().chain(got.keys()).collect();
    for key in keys {
        let (w, g) = (want.get(key).copied().unwrap_or(0), got.get(key).copied().unwrap_or(0));
        if w != g {
            out.push(format!(
                "totals: {target} account {} {}: plan {w} cents, target {g} cents",
                key.0, key.1
            ));
        }
    }
    out
}

/// The last lines of a run's output, for a violation message.
pub fn tail(output: &str) -> String {
    // `FAULT_FULL_LOG=1` keeps every line (replaying one schedule).
    if std::env::var_os("FAULT_FULL_LOG").is_some() {
        return output.to_owned();
    }
    let lines: Vec<&str> = output.lines().collect();
    lines[lines.len().saturating_sub(12)..].join("\n")
}
