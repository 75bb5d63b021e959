//! One property's three sides compared: findings per category (`super::Category`) and the tie-out
//! totals. The caller gathers the sides (`run::drift`): tonight's plan with its sources, what
//! `posting::reconcile` says changed in Entrata under posted entries, the recorded entries with
//! their postings, and what each target holds (`TargetSide`).
//!
//! Rules (docs/drift-json.md says them for users):
//! - an entry counts as posted to a target when its posting there is `confirmed`; its document
//!   there is found by the confirmed target id, whatever became of its memo;
//! - a confirmed document the target no longer shows, or shows deleted or voided, is a target
//!   finding; one whose lines (per target account and side) or date differ from the recorded
//!   entry under tonight's mapping is `edited_in_target`;
//! - a document carrying the connector's marker that the state file does not know as confirmed
//!   there is `unrecorded_in_target` (unless its posting is pending or uncertain: then the next
//!   run's lookup confirms it, and the posting finding says it was found).

mod mapping;
mod target;

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::held::{HeldEntry, property_of_key};
use super::tieout::{Column, Sums, TieOut};
use super::{Finding, FindingKind, signed};
use crate::domain::{BookName, Exception, PostMonth};
use crate::journal::{BalancedEntry, JournalKind, Side};
use crate::mapping::model::TargetAccounts;
use crate::posting::outbox::PostingState;
use crate::posting::{PlannedEntry, Slot, SourceRef};
use crate::targets::TargetKind;

/// A recorded entry's posting at one target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostingRow {
    pub state: PostingState,
    pub target_id: Option<String>,
    /// The date the target holds when it is not the entry's (a closed period).
    pub target_date: Option<NaiveDate>,
    pub error: Option<String>,
    /// The lines the company holds when they are not the entry's (found holding other money
    /// while another target holds the entry as recorded; a catch-up books the difference).
    pub held_lines: Option<Vec<(String, Side, Decimal)>>,
}

/// A recorded (not withdrawn) entry with its body and postings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedBody {
    pub key: String,
    /// When it was recorded relative to the others (later entries of a slot supersede what
    /// earlier ones booked of an item).
    pub order: i64,
    pub doc_number: String,
    pub kind: JournalKind,
    pub slot: Slot,
    pub date: NaiveDate,
    pub post_month: PostMonth,
    pub currency: String,
    /// Logical account, side, amount.
    pub lines: Vec<(String, Side, Decimal)>,
    pub sources: Vec<SourceRef>,
    /// Its posting at the company of the book that answers for it in each target (`owners`).
    pub postings: BTreeMap<TargetKind, PostingRow>,
    /// A catch-up: an entry for this target alone.
    pub only: Option<TargetKind>,
    /// ... and that target's company alone.
    pub only_company: Option<String>,
    /// The entry an adjustment corrects.
    pub corrects: Option<String>,
    /// The book whose company answers for it in each target (`drift::owners`): where it is
    /// posted, or would be. A target it is not for, or no book of the config answers for, is
    /// absent.
    pub owners: BTreeMap<TargetKind, BookName>,
}

impl RecordedBody {
    pub fn total(&self) -> Decimal {
        self.lines.iter().filter(|(_, side, _)| *side == Side::Debit).map(|(_, _, a)| *a).sum()
    }

    /// The lines `target` holds of it: the recorded ones, or what the company was found holding.
    pub fn lines_at(&self, target: TargetKind) -> &[(String, Side, Decimal)] {
        self.postings.get(&target).and_then(|p| p.held_lines.as_deref()).unwrap_or(&self.lines)
    }

    /// Whether it is posted to `target` (a catch-up is posted to one target alone).
    pub fn for_target(&self, target: TargetKind) -> bool {
        self.only.is_none_or(|only| only == target)
    }

    /// Whether `book`'s company answers for it in `target`.
    pub fn owned_by(&self, target: TargetKind, book: &BookName) -> bool {
        self.owners.get(&target) == Some(book)
    }

    /// A target holds it, or may: never rewritten.
    pub fn frozen(&self) -> bool {
        self.postings.values().any(|p| p.state.may_be_held())
    }

    pub fn confirmed_id(&self, target: TargetKind) -> Option<&str> {
        self.postings
            .get(&target)
            .filter(|p| p.state == PostingState::Confirmed)
            .and_then(|p| p.target_id.as_deref())
    }

    /// The entry's id in each target that confirmed it.
    pub fn target_ids(&self) -> Vec<(TargetKind, String)> {
        self.postings
            .iter()
            .filter(|(_, p)| p.state == PostingState::Confirmed)
            .filter_map(|(t, p)| p.target_id.clone().map(|id| (*t, id)))
            .collect()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntrataChangeKind {
    /// Planned now under another version than the one posted (or no longer in its entry).
    Changed,
    /// Deleted in Entrata (or gone from the pull).
    Deleted,
}

/// An item of a posted entry that changed in Entrata since (from `posting::SlotDrift`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntrataChange {
    pub kind: EntrataChangeKind,
    pub source_id: String,
    /// The posted entry the change concerns.
    pub corrected_key: String,
    pub post_month: Option<PostMonth>,
    /// The item's amount in the version posted.
    pub recorded_amount: Option<Decimal>,
    /// Its amount now (`None` when deleted).
    pub current_amount: Option<Decimal>,
    pub note: String,
}

/// What one target holds, by target id, with the documents carrying a key indexed by the key's
/// property.
#[derive(Debug)]
pub struct TargetSide {
    pub target: TargetKind,
    /// The book whose company this is.
    pub book: BookName,
    pub held: HashMap<String, HeldEntry>,
    by_property: HashMap<String, Vec<String>>,
}

impl TargetSide {
    pub fn new(target: TargetKind, book: BookName, held: HashMap<String, HeldEntry>) -> TargetSide {
        let mut by_property: HashMap<String, Vec<String>> = HashMap::new();
        for entry in held.values() {
            if let Some(property) = entry.key.as_deref().and_then(property_of_key) {
                by_property.entry(property.to_owned()).or_default().push(entry.target_id.clone());
            }
        }
        for ids in by_property.values_mut() {
            ids.sort();
        }
        TargetSide { target, book, held, by_property }
    }

    /// Documents carrying a key of `property`.
    fn keyed(&self, property: &str) -> impl Iterator<Item = &HeldEntry> {
        self.by_property.get(property).into_iter().flatten().filter_map(|id| self.held.get(id))
    }
}

/// One property's sides.
#[derive(Debug, Clone, Default)]
pub struct PropertySides {
    pub property_id: String,
    pub currency: String,
    /// The property's mapping: logical account → its account in each target.
    pub accounts: BTreeMap<String, TargetAccounts>,
    /// Tonight's plan, with the item versions each entry is planned from.
    pub planned: Vec<PlannedEntry>,
    /// Planned entries nothing is recorded for yet (the next run records and posts them).
    pub not_recorded: Vec<BalancedEntry>,
    /// The plan's exceptions, with the post month of the item when it is known.
    pub exceptions: Vec<(Exception, Option<PostMonth>)>,
    pub entrata_changes: Vec<EntrataChange>,
    /// Recorded entries, withdrawn ones left out.
    pub recorded: Vec<RecordedBody>,
    /// Per target, the book the property's new entries go to (`None`: no book of the config);
    /// a target not listed is the default book's.
    pub new_entries_to: BTreeMap<TargetKind, Option<BookName>>,
    /// The property's accounts under another book's chart, where they differ from `accounts`
    /// (`MappingSet::accounts_in`): what its entries in that book's company were booked on.
    pub accounts_elsewhere: BTreeMap<BookName, BTreeMap<String, TargetAccounts>>,
}

impl PropertySides {
    /// The target's account for a logical one (`?name` when the mapping gives it none).
    pub fn target_account(&self, target: TargetKind, logical: &str) -> String {
        target_account(&self.accounts, target, logical)
    }

    /// The property's accounts in `book`'s company.
    fn accounts_of(&self, book: &BookName) -> &BTreeMap<String, TargetAccounts> {
        self.accounts_elsewhere.get(book).unwrap_or(&self.accounts)
    }

    /// `target_account` in `book`'s company.
    pub fn target_account_in(&self, target: TargetKind, book: &BookName, logical: &str) -> String {
        target_account(self.accounts_of(book), target, logical)
    }

    /// The logical names the mapping gives a target account.
    pub fn account_names(&self, target: TargetKind, account: &str) -> Vec<String> {
        account_names(&self.accounts, target, account)
    }

    /// What of a planned entry is `book`'s in `target`, as signed (logical account, amount)
    /// lines. A slot whose recorded entries are all one book's is that book's whole (a slot
    /// nothing is recorded for: the book the property's new entries go to). A slot split between
    /// books (a property moved, and an item added after the move went to its new book): each book
    /// answers for what is recorded in it, and the book new entries go to for the rest.
    fn plan_share(&self, plan: &PlannedEntry, target: TargetKind, book: &BookName) -> Vec<(String, Decimal)> {
        let whole =
            || plan.entry.lines().iter().map(|l| (l.account().to_string(), signed(l.side(), l.amount())));
        let slot = Slot::of(&plan.entry);
        let mut of_slot: Vec<&RecordedBody> = self.recorded.iter().filter(|e| e.slot == slot).collect();
        of_slot.sort_by_key(|e| e.order);
        let new_book = match self.new_entries_to.get(&target) {
            Some(book) => book.clone(),
            None => Some(BookName::default_book()),
        };
        let owners: Vec<&BookName> = of_slot.iter().filter_map(|e| e.owners.get(&target)).collect();
        let residual = match owners.first() {
            None => new_book,
            Some(first) if owners.iter().all(|o| o == first) => Some((*first).clone()),
            Some(first) => new_book.filter(|b| owners.contains(&b)).or_else(|| Some((*first).clone())),
        };
        let recorded = |keep: &dyn Fn(&BookName) -> bool| -> Vec<(String, Decimal)> {
            of_slot
                .iter()
                .filter(|e| e.owners.get(&target).is_some_and(keep))
                .flat_map(|e| {
                    e.lines_at(target).iter().map(|(a, side, amount)| (a.clone(), signed(*side, *amount)))
                })
                .collect()
        };
        if residual.as_ref() == Some(book) {
            let others = recorded(&|owner| owner != book);
            whole().chain(others.into_iter().map(|(account, amount)| (account, -amount))).collect()
        } else {
            recorded(&|owner| owner == book)
        }
    }

    fn recorded_by_key(&self) -> HashMap<&str, &RecordedBody> {
        self.recorded.iter().map(|r| (r.key.as_str(), r)).collect()
    }

    fn finding(&self, kind: FindingKind) -> Finding {
        Finding {
            kind,
            property_id: self.property_id.clone(),
            post_month: None,
            target: None,
            book: None,
            source_ids: Vec::new(),
            entry_key: None,
            doc_number: None,
            target_ids: Vec::new(),
            account: None,
            currency: self.currency.clone(),
            entrata: None,
            recorded: None,
            held: None,
            difference: Decimal::ZERO,
            message: String::new(),
        }
    }

    /// A finding about a recorded entry: its month, key, number, sources and target ids.
    fn entry_finding(&self, kind: FindingKind, entry: &RecordedBody) -> Finding {
        let mut finding = self.finding(kind);
        finding.post_month = Some(entry.post_month);
        finding.source_ids = entry.sources.iter().map(|s| s.id.clone()).collect();
        finding.entry_key = Some(entry.key.clone());
        finding.doc_number = Some(entry.doc_number.clone());
        finding.target_ids = entry.target_ids();
        finding.currency = entry.currency.clone();
        finding
    }
}

/// The target's account for a logical one in `accounts` (`?name` when they give it none).
fn target_account(accounts: &BTreeMap<String, TargetAccounts>, target: TargetKind, logical: &str) -> String {
    let found = accounts.get(logical).and_then(|a| match target {
        TargetKind::Qbo => a.qbo.clone(),
        TargetKind::Xero => a.xero.clone(),
    });
    found.unwrap_or_else(|| format!("?{logical}"))
}

/// The logical names `accounts` give a target account.
fn account_names(
    accounts: &BTreeMap<String, TargetAccounts>,
    target: TargetKind,
    account: &str,
) -> Vec<String> {
    if let Some(logical) = account.strip_prefix('?') {
        return vec![logical.to_owned()];
    }
    accounts
        .iter()
        .filter(|(_, a)| {
            let code = match target {
                TargetKind::Qbo => a.qbo.as_deref(),
                TargetKind::Xero => a.xero.as_deref(),
            };
            code == Some(account)
        })
        .map(|(name, _)| name.to_string())
        .collect()
}

/// An exception as a finding. An item held back from posting: `entrata` and `difference` are its
/// amount, nothing recorded. A posted item reported for review (a proration mismatch): recorded as
/// its amount (it is posted as Entrata has it), no difference.
pub fn exception_finding(
    exception: &Exception,
    month: Option<PostMonth>,
    property_fallback: &str,
    currency: &str,
) -> Finding {
    let amount = exception.amount.map(|m| m.amount());
    let held = exception.kind.holds_item();
    Finding {
        kind: FindingKind::Exception(exception.kind),
        property_id: exception
            .property_id
            .as_ref()
            .map_or_else(|| property_fallback.to_owned(), |p| p.to_string()),
        post_month: month,
        target: None,
        book: None,
        source_ids: vec![exception.source_id.clone()],
        entry_key: None,
        doc_number: None,
        target_ids: Vec::new(),
        account: None,
        currency: exception.amount.map_or_else(|| currency.to_owned(), |m| m.currency().as_str().to_owned()),
        entrata: amount,
        recorded: if held { None } else { amount },
        held: None,
        difference: if held { amount.unwrap_or(Decimal::ZERO) } else { Decimal::ZERO },
        message: if held {
            exception.message.clone()
        } else {
            format!("posted and reported: {}", exception.message)
        },
    }
}

/// Every finding about one property, and its tie-out rows for each target.
pub fn compare_property(sides: &PropertySides, targets: &[TargetSide]) -> (Vec<Finding>, Vec<TieOut>) {
    let mut findings = Vec::new();
    entrata_findings(sides, &mut findings);
    for (exception, month) in &sides.exceptions {
        findings.push(exception_finding(exception, *month, &sides.property_id, &sides.currency));
    }
    posting_findings(sides, targets, &mut findings);
    mapping::earlier_mapping(sides, &mut findings);
    let mut tieouts = Vec::new();
    for side in targets {
        target::target_findings(sides, side, &mut findings);
        tieouts.extend(tie_out(sides, side));
    }
    (findings, tieouts)
}

fn entrata_findings(sides: &PropertySides, out: &mut Vec<Finding>) {
    let recorded = sides.recorded_by_key();
    for change in &sides.entrata_changes {
        let kind = match change.kind {
            EntrataChangeKind::Changed => FindingKind::ChangedInEntrata,
            EntrataChangeKind::Deleted => FindingKind::DeletedInEntrata,
        };
        let mut finding = match recorded.get(change.corrected_key.as_str()) {
            Some(entry) => sides.entry_finding(kind, entry),
            None => {
                let mut finding = sides.finding(kind);
                finding.entry_key = Some(change.corrected_key.clone());
                finding
            }
        };
        finding.post_month = change.post_month.or(finding.post_month);
        finding.source_ids = vec![change.source_id.clone()];
        let now = match change.kind {
            EntrataChangeKind::Deleted => Some(Decimal::ZERO),
            EntrataChangeKind::Changed => change.current_amount,
        };
        finding.entrata = now;
        finding.recorded = change.recorded_amount;
        finding.difference = now.unwrap_or(Decimal::ZERO) - change.recorded_amount.unwrap_or(Decimal::ZERO);
        finding.message = change.note.clone();
        out.push(finding);
    }
}

fn posting_findings(sides: &PropertySides, targets: &[TargetSide], out: &mut Vec<Finding>) {
    for entry in &sides.not_recorded {
        let mut finding = sides.finding(FindingKind::Pending);
        finding.post_month = Some(entry.post_month());
        finding.source_ids = entry.sources().to_vec();
        finding.entry_key = Some(entry.key().to_string());
        finding.doc_number = Some(entry.doc_number().to_string());
        finding.currency = entry.currency().as_str().to_owned();
        finding.entrata = Some(entry.total());
        finding.held = Some(Decimal::ZERO);
        finding.difference = -entry.total();
        finding.message = format!(
            "planned and not yet recorded for posting ({} dated {}); the next run records and posts it \
             (its key and number are given then)",
            entry.kind(),
            entry.date()
        );
        out.push(finding);
    }
    for side in targets {
        for entry in sides.recorded.iter().filter(|e| e.owned_by(side.target, &side.book)) {
            let posting = entry.postings.get(&side.target);
            let (kind, why) = match posting.map(|p| p.state) {
                Some(PostingState::Confirmed) => continue,
                None => (FindingKind::Pending, "recorded, not yet sent".to_owned()),
                Some(PostingState::Pending) => (
                    FindingKind::Pending,
                    "being sent, or its last attempt ended without an answer; the next run looks it up first"
                        .to_owned(),
                ),
                Some(PostingState::Uncertain) => (
                    FindingKind::Uncertain,
                    "sent; whether it arrived is not known; the next run looks it up before sending anything"
                        .to_owned(),
                ),
                Some(PostingState::Failed) => (
                    FindingKind::Failed,
                    format!(
                        "refused: {}",
                        posting.and_then(|p| p.error.as_deref()).unwrap_or("no reason was recorded")
                    ),
                ),
            };
            let found = side
                .keyed(&sides.property_id)
                .find(|h| h.key.as_deref() == Some(entry.key.as_str()) && h.status.counts());
            let mut finding = sides.entry_finding(kind, entry);
            finding.target = Some(side.target);
            finding.book = Some(side.book.clone());
            finding.recorded = Some(entry.total());
            let held = found.map_or(Decimal::ZERO, HeldEntry::total);
            finding.held = Some(held);
            finding.difference = held - entry.total();
            finding.message = match found {
                Some(doc) => format!("{why}; the target holds it already (id {})", doc.target_id),
                None => why,
            };
            out.push(finding);
        }
    }
}

/// Net per target account and side of lines, dropping what nets to nothing.
fn by_account(lines: impl Iterator<Item = (String, Side, Decimal)>) -> BTreeMap<String, Decimal> {
    let mut net: BTreeMap<String, Decimal> = BTreeMap::new();
    for (account, side, amount) in lines {
        *net.entry(account).or_insert(Decimal::ZERO) += signed(side, amount);
    }
    net.retain(|_, v| !v.is_zero());
    net
}

/// `4000 −1295.00 → −1200.00; 4010 0.00 → −95.00`: the accounts whose net differs.
fn describe_moves(before: &BTreeMap<String, Decimal>, after: &BTreeMap<String, Decimal>) -> String {
    crate::posting::target::net_moves(before, after).join("; ")
}

fn tie_out(sides: &PropertySides, side: &TargetSide) -> Vec<TieOut> {
    let target = side.target;
    let mut sums = Sums::default();
    for plan in &sides.planned {
        for (logical, amount) in sides.plan_share(plan, target, &side.book) {
            let account = sides.target_account_in(target, &side.book, &logical);
            sums.add(plan.entry.post_month(), &account, Column::Entrata, amount);
        }
    }
    let mut counted: HashMap<&str, ()> = HashMap::new();
    let by_key = sides.recorded_by_key();
    for entry in sides.recorded.iter().filter(|e| e.owned_by(target, &side.book)) {
        let Some(id) = entry.confirmed_id(target) else { continue };
        for (logical, line_side, amount) in entry.lines_at(target) {
            let account = sides.target_account_in(target, &side.book, logical);
            sums.add(entry.post_month, &account, Column::Posted, signed(*line_side, *amount));
        }
        if let Some(doc) = side.held.get(id) {
            counted.insert(id, ());
            add_held(&mut sums, doc, entry.post_month);
        }
    }
    // The connector's other documents there: duplicates, uncertain postings that landed.
    for doc in side.keyed(&sides.property_id) {
        if counted.contains_key(doc.target_id.as_str()) {
            continue;
        }
        let month = doc
            .key
            .as_deref()
            .and_then(|k| by_key.get(k))
            .map(|e| e.post_month)
            .or_else(|| doc.date.map(PostMonth::of));
        if let Some(month) = month {
            add_held(&mut sums, doc, month);
        }
    }
    sums.rows(target, &side.book, &sides.property_id, &sides.currency, |account| {
        account_names(sides.accounts_of(&side.book), target, account)
    })
}

fn add_held(sums: &mut Sums, doc: &HeldEntry, month: PostMonth) {
    if !doc.status.counts() {
        return;
    }
    for line in &doc.lines {
        sums.add(month, &line.account, Column::Held, signed(line.side, line.amount));
    }
}

#[cfg(test)]
pub(crate) mod tests;
