//! The drift report (PRODUCT.md §9, issue 12): the three-way comparison of Entrata now (the last
//! pull, planned under tonight's mapping), the state file (what the connector recorded and
//! posted), and each target now (what it holds, read back), as findings and tie-out totals.
//!
//! `held` is a target's document in target-neutral terms; `compare` turns one property's three
//! sides into findings; `tieout` sums them per target, property, post month and account. The
//! renderers are `report::drift`; `run::drift` gathers the sides (state file, read-back) and keeps
//! the read-back snapshot.
//!
//! Invariants: pure (no IO, no clock: the caller stamps the report); money is `Decimal` from end
//! to end, summed exactly and never rounded (every amount compared has two decimals already); a
//! finding always names its property, and the entry and document number when it is about one.

pub mod compare;
pub mod held;
pub mod owners;
pub mod tieout;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

pub use self::compare::{
    EntrataChange, EntrataChangeKind, PostingRow, PropertySides, RecordedBody, TargetSide, compare_property,
};
pub use self::held::{HeldEntry, HeldLine, HeldStatus};
pub use self::tieout::TieOut;
use crate::domain::{BookName, ExceptionKind, PostMonth};
use crate::targets::TargetKind;

/// The report's sections, in the order they are shown: drift first (the books disagree with what
/// was posted, or with what Entrata says now), then the work waiting for a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    /// Items changed or deleted in Entrata after their entry was posted.
    Entrata,
    /// Entries deleted, voided or edited in a target by someone else (or there twice).
    Target,
    /// Entries posted under an earlier mapping: what tonight's mapping would book elsewhere.
    Mapping,
    /// Items held back from posting (exceptions whose kind holds the item).
    Held,
    /// Items posted as Entrata has them, with a finding for a person to review (exceptions whose
    /// kind does not hold the item: a proration mismatch).
    Reported,
    /// Entries not yet posted to a target: pending, uncertain or failed.
    Posting,
}

impl Category {
    pub const ALL: [Category; 6] = [
        Category::Entrata,
        Category::Target,
        Category::Mapping,
        Category::Held,
        Category::Reported,
        Category::Posting,
    ];

    /// Drift: the books disagree with what was posted, or with what Entrata says now. The other
    /// categories are work waiting for a person.
    pub fn is_drift(&self) -> bool {
        matches!(self, Category::Entrata | Category::Target | Category::Mapping)
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            Category::Entrata => "entrata",
            Category::Target => "target",
            Category::Held => "held",
            Category::Reported => "reported",
            Category::Posting => "posting",
            Category::Mapping => "mapping",
        }
    }

    pub fn title(&self) -> &'static str {
        match self {
            Category::Entrata => "Changed or deleted in Entrata after posting",
            Category::Target => "Deleted, voided or edited in the target by someone else",
            Category::Held => "Held back from posting (exceptions)",
            Category::Reported => "Posted and reported (exceptions to review)",
            Category::Posting => "Entries pending, uncertain or failed",
            Category::Mapping => "Entries posted under an earlier mapping",
        }
    }
}

/// What a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FindingKind {
    ChangedInEntrata,
    DeletedInEntrata,
    DeletedInTarget,
    VoidedInTarget,
    EditedInTarget,
    /// A document carrying the connector's marker that the state file does not know as confirmed
    /// there (a duplicate, or an entry posted from another state file).
    UnrecordedInTarget,
    /// An exception of the plan: an item held back from posting, or a posted item reported
    /// (`ExceptionKind::holds_item` says which).
    Exception(ExceptionKind),
    /// Not yet sent to the target (or planned and not yet recorded).
    Pending,
    /// Sent, outcome not known: the next run looks it up before sending anything.
    Uncertain,
    /// The target refused it.
    Failed,
    PostedUnderEarlierMapping,
}

impl FindingKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            FindingKind::ChangedInEntrata => "changed_in_entrata",
            FindingKind::DeletedInEntrata => "deleted_in_entrata",
            FindingKind::DeletedInTarget => "deleted_in_target",
            FindingKind::VoidedInTarget => "voided_in_target",
            FindingKind::EditedInTarget => "edited_in_target",
            FindingKind::UnrecordedInTarget => "unrecorded_in_target",
            FindingKind::Exception(kind) => kind.as_str(),
            FindingKind::Pending => "pending",
            FindingKind::Uncertain => "uncertain",
            FindingKind::Failed => "failed",
            FindingKind::PostedUnderEarlierMapping => "posted_under_earlier_mapping",
        }
    }

    pub fn category(&self) -> Category {
        match self {
            FindingKind::ChangedInEntrata | FindingKind::DeletedInEntrata => Category::Entrata,
            FindingKind::DeletedInTarget
            | FindingKind::VoidedInTarget
            | FindingKind::EditedInTarget
            | FindingKind::UnrecordedInTarget => Category::Target,
            FindingKind::Exception(kind) if kind.holds_item() => Category::Held,
            FindingKind::Exception(_) => Category::Reported,
            FindingKind::Pending | FindingKind::Uncertain | FindingKind::Failed => Category::Posting,
            FindingKind::PostedUnderEarlierMapping => Category::Mapping,
        }
    }
}

/// One thing that disagrees. Amounts are in the property's currency; `None` where a side does not
/// apply. `difference` is documented per kind in docs/drift-json.md (in short: the later side
/// minus the earlier one, Entrata → state file → target).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub kind: FindingKind,
    pub property_id: String,
    pub post_month: Option<PostMonth>,
    /// The target the finding is about (target and posting findings).
    pub target: Option<TargetKind>,
    /// The book whose company in `target` it is about.
    pub book: Option<BookName>,
    pub source_ids: Vec<String>,
    pub entry_key: Option<String>,
    pub doc_number: Option<String>,
    /// The entry's id in each target that confirmed it.
    pub target_ids: Vec<(TargetKind, String)>,
    /// The logical account (mapping findings).
    pub account: Option<String>,
    pub currency: String,
    /// Entrata now: the item's amount, or tonight's plan.
    pub entrata: Option<Decimal>,
    /// The state file: what the connector recorded (and posted).
    pub recorded: Option<Decimal>,
    /// The target now.
    pub held: Option<Decimal>,
    pub difference: Decimal,
    pub message: String,
}

/// How a target was read back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadMode {
    /// Every document (first comparison, `--full`, a last comparison past the look-back).
    Full,
    /// Only what changed since the last comparison.
    Changes,
}

impl ReadMode {
    pub fn as_str(&self) -> &'static str {
        match self {
            ReadMode::Full => "full",
            ReadMode::Changes => "changes",
        }
    }
}

/// What one target's read-back was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetRead {
    pub target: TargetKind,
    pub book: BookName,
    pub company_id: String,
    pub company_name: Option<String>,
    pub mode: ReadMode,
    /// Why a full read (when it was one).
    pub reason: Option<String>,
    /// Changes since this instant (the target's clock), when `Changes`.
    pub since: Option<DateTime<Utc>>,
    /// The target's time of this read.
    pub compared_at: DateTime<Utc>,
    /// Documents read that changed (all of them on a full read).
    pub documents_read: usize,
    /// Documents from the connector the target holds now (any status).
    pub documents_held: usize,
    /// Requests made to the target's API.
    pub calls: u64,
}

/// What is held back from posting in one currency (`DriftReport::held_back`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldBack {
    pub currency: String,
    /// The sum of the held items' amounts.
    pub amount: Decimal,
    /// Items held back (`held` findings), with an amount or not.
    pub items: usize,
    /// Of those, the ones without an amount (an adjustment held).
    pub without_amount: usize,
}

/// The whole report.
#[derive(Debug, Clone)]
pub struct DriftReport {
    pub generated_at: DateTime<Utc>,
    /// When Entrata was last pulled (the state file's latest watermark), RFC 3339.
    pub last_pull_at: Option<String>,
    pub period: Option<PostMonth>,
    pub properties: Vec<String>,
    pub targets: Vec<TargetRead>,
    /// Targets asked for (or enabled) that were not compared, and why (not connected): said in
    /// the report, never a reason to write no report for the others.
    pub not_compared: Vec<(TargetKind, String)>,
    pub findings: Vec<Finding>,
    pub tieouts: Vec<TieOut>,
}

impl DriftReport {
    /// Drift found: a finding in a drift category (`Category::is_drift`), or a tie-out row that
    /// does not tie out. Exceptions and postings waiting are not drift: see `waiting`.
    pub fn drift_found(&self) -> bool {
        self.drift_findings() > 0 || self.untied() > 0
    }

    /// Findings in the drift categories.
    pub fn drift_findings(&self) -> usize {
        self.findings.iter().filter(|f| f.kind.category().is_drift()).count()
    }

    /// Findings that wait for a person: items held back, items posted and reported, postings
    /// pending, uncertain or failed.
    pub fn waiting(&self) -> usize {
        self.findings.len() - self.drift_findings()
    }

    /// Drift found, or something waits for a person (`drift` exits 1).
    pub fn needs_person(&self) -> bool {
        self.drift_found() || self.waiting() > 0
    }

    /// The money held back from posting, per currency (in currency order): the Entrata amounts
    /// of the `held` findings. Those items are not planned, so they are in no tie-out row.
    pub fn held_back(&self) -> Vec<HeldBack> {
        let mut by_currency: BTreeMap<&str, HeldBack> = BTreeMap::new();
        for finding in self.findings.iter().filter(|f| f.kind.category() == Category::Held) {
            let sum = by_currency.entry(finding.currency.as_str()).or_insert_with(|| HeldBack {
                currency: finding.currency.clone(),
                amount: Decimal::ZERO,
                items: 0,
                without_amount: 0,
            });
            sum.items += 1;
            match finding.entrata {
                Some(amount) => sum.amount += amount,
                None => sum.without_amount += 1,
            }
        }
        by_currency.into_values().collect()
    }

    pub fn count(&self, category: Category) -> usize {
        self.findings.iter().filter(|f| f.kind.category() == category).count()
    }

    /// Findings per kind, in kind order.
    pub fn counts_by_kind(&self) -> BTreeMap<FindingKind, usize> {
        let mut counts = BTreeMap::new();
        for finding in &self.findings {
            *counts.entry(finding.kind).or_insert(0) += 1;
        }
        counts
    }

    /// Tie-out rows with a difference.
    pub fn untied(&self) -> usize {
        self.tieouts.iter().filter(|t| !t.ties_out()).count()
    }

    /// Findings in report order: category, property, post month, entry, kind.
    pub fn sort(&mut self) {
        self.findings.sort_by(|a, b| {
            (a.kind.category(), &a.property_id, a.post_month, &a.entry_key, a.kind, &a.account, &a.source_ids)
                .cmp(&(
                    b.kind.category(),
                    &b.property_id,
                    b.post_month,
                    &b.entry_key,
                    b.kind,
                    &b.account,
                    &b.source_ids,
                ))
        });
        self.tieouts.sort_by(|a, b| {
            (a.target, &a.book, &a.property_id, a.post_month, &a.account).cmp(&(
                b.target,
                &b.book,
                &b.property_id,
                b.post_month,
                &b.account,
            ))
        });
    }
}

/// `Debit − Credit` of a line: how it moves an account's balance.
pub fn signed(side: crate::journal::Side, amount: Decimal) -> Decimal {
    match side {
        crate::journal::Side::Debit => amount,
        crate::journal::Side::Credit => -amount,
    }
}

#[cfg(test)]
pub(crate) mod tests;
