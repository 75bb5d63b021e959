//! One mapping file as read, before merging: every part optional, every value remembering the file
//! and the bytes it came from, so that a mistake found after the merge still points at the line
//! where it was written.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use crate::domain::{AccountName, ArCode, BankAccountId, BookName, PaymentMethod};
use crate::mapping::model::{DayCount, GroupBy, Remainder, Rounding, XeroTracking};

/// Index of a file in the set being loaded (0 is portfolio.toml).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct FileId(pub(crate) usize);

/// Where a value was written: a file and a byte range in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Origin {
    pub(crate) file: FileId,
    pub(crate) start: usize,
    pub(crate) end: usize,
}

impl Origin {
    /// The first character of a file: where "missing" mistakes point when there is no better place.
    pub(crate) fn file_start(file: FileId) -> Origin {
        Origin { file, start: 0, end: 0 }
    }
}

/// A value and where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct At<T> {
    pub(crate) value: T,
    pub(crate) origin: Origin,
}

/// A mistake found while reading or resolving, before it is turned into a `Diagnostic` with a
/// path, a line and a column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    pub(crate) origin: Option<Origin>,
    pub(crate) message: String,
    pub(crate) expected: Option<String>,
    pub(crate) suggestion: Option<String>,
}

impl Problem {
    pub(crate) fn at(origin: Origin, message: impl Into<String>) -> Problem {
        Problem { origin: Some(origin), message: message.into(), expected: None, suggestion: None }
    }

    pub(crate) fn expected(mut self, expected: impl Into<String>) -> Problem {
        self.expected = Some(expected.into());
        self
    }

    pub(crate) fn suggestion(mut self, suggestion: Option<impl Into<String>>) -> Problem {
        self.suggestion = suggestion.map(Into::into);
        self
    }
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Layer {
    pub(crate) book: Option<At<BookName>>,
    pub(crate) journal: JournalLayer,
    pub(crate) accounts: BTreeMap<AccountName, AccountLayer>,
    pub(crate) posting: PostingLayer,
    /// A code's rule is replaced whole: `account` and `split` exclude each other, so merging the
    /// two keys of a rule separately could only produce a rule with both.
    pub(crate) codes: BTreeMap<ArCode, At<RuleLayer>>,
    pub(crate) proration: ProrationLayer,
    pub(crate) dimensions: DimensionsLayer,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct JournalLayer {
    pub(crate) group_by: Option<At<GroupBy>>,
    pub(crate) doc_prefix: Option<At<String>>,
    pub(crate) doc_property: Option<At<String>>,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct AccountLayer {
    pub(crate) qbo: Option<At<String>>,
    pub(crate) xero: Option<At<String>>,
    pub(crate) entrata: Option<At<String>>,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct PostingLayer {
    /// The portfolio's `[posting]` table, where a missing required key is reported.
    pub(crate) table: Option<Origin>,
    pub(crate) receivables: Option<At<AccountName>>,
    pub(crate) tax_payable: Option<At<AccountName>>,
    pub(crate) clearing: Option<At<AccountName>>,
    pub(crate) clearing_by_method: BTreeMap<PaymentMethod, At<AccountName>>,
    pub(crate) bank_accounts: BTreeMap<BankAccountId, At<AccountName>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RuleLayer {
    Account(At<AccountName>),
    /// Already checked: not empty, every share in (0, 100], shares sum to exactly 100.
    Split(Vec<(At<AccountName>, Decimal)>),
}

#[derive(Debug, Clone, Default)]
pub(crate) struct ProrationLayer {
    pub(crate) method: Option<At<DayCount>>,
    pub(crate) rounding: Option<At<Rounding>>,
    pub(crate) remainder: Option<At<Remainder>>,
    pub(crate) defer_to: Option<At<AccountName>>,
    pub(crate) check_tolerance: Option<At<Decimal>>,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct DimensionsLayer {
    pub(crate) qbo_class: Option<At<String>>,
    pub(crate) qbo_location: Option<At<String>>,
    /// Replaced whole, like every array: a property names its own tracking, or none (`[]`).
    pub(crate) xero_tracking: Option<At<Vec<XeroTracking>>>,
    pub(crate) qbo_customer: Option<At<String>>,
    pub(crate) xero_contact: Option<At<String>>,
}

impl Layer {
    /// Applies `top` (a book's or a property's file) over `self` (the portfolio): what `top` names wins, key by
    /// key; what it does not name stays.
    pub(crate) fn overlay(&mut self, top: &Layer) {
        replace(&mut self.book, &top.book);
        let journal = &mut self.journal;
        replace(&mut journal.group_by, &top.journal.group_by);
        replace(&mut journal.doc_prefix, &top.journal.doc_prefix);
        replace(&mut journal.doc_property, &top.journal.doc_property);

        for (name, account) in &top.accounts {
            let merged = self.accounts.entry(name.clone()).or_default();
            replace(&mut merged.qbo, &account.qbo);
            replace(&mut merged.xero, &account.xero);
        }

        let posting = &mut self.posting;
        // `posting.table` stays the portfolio's: a required key missing after the merge is missing
        // from portfolio.toml, and is reported there once, whichever property found it.
        replace(&mut posting.receivables, &top.posting.receivables);
        replace(&mut posting.tax_payable, &top.posting.tax_payable);
        replace(&mut posting.clearing, &top.posting.clearing);
        posting.clearing_by_method.extend(top.posting.clearing_by_method.clone());
        posting.bank_accounts.extend(top.posting.bank_accounts.clone());

        self.codes.extend(top.codes.clone());

        let proration = &mut self.proration;
        replace(&mut proration.method, &top.proration.method);
        replace(&mut proration.rounding, &top.proration.rounding);
        replace(&mut proration.remainder, &top.proration.remainder);
        replace(&mut proration.defer_to, &top.proration.defer_to);
        replace(&mut proration.check_tolerance, &top.proration.check_tolerance);

        let dimensions = &mut self.dimensions;
        replace(&mut dimensions.qbo_class, &top.dimensions.qbo_class);
        replace(&mut dimensions.qbo_location, &top.dimensions.qbo_location);
        replace(&mut dimensions.xero_tracking, &top.dimensions.xero_tracking);
        replace(&mut dimensions.qbo_customer, &top.dimensions.qbo_customer);
        replace(&mut dimensions.xero_contact, &top.dimensions.xero_contact);
    }
}

fn replace<T: Clone>(base: &mut Option<T>, top: &Option<T>) {
    if let Some(value) = top {
        *base = Some(value.clone());
    }
}
