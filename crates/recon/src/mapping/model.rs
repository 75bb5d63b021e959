//! A property's merged mapping, resolved and checked: what the journal builder reads.
//!
//! Built only by the loader (`mapping::load`), which guarantees that every logical account named
//! in `posting`, `codes` and `proration` exists in `accounts`, and that every split sums to 100.

use std::collections::BTreeMap;

use rust_decimal::{Decimal, RoundingStrategy};

use crate::domain::{AccountName, ArCode, BankAccountId, BookName, PaymentMethod};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    /// One entry per property, kind and post date (the default).
    Day,
    /// One entry per property, kind and post month, dated the month's last day (recognitions:
    /// its first day, PRODUCT.md §7.4).
    PostMonth,
    /// One entry per item.
    Item,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalSettings {
    pub group_by: GroupBy,
    /// First characters of document numbers (`EN`).
    pub doc_prefix: String,
    /// The property's part of document numbers (`LV001`). When absent it is derived from the
    /// property's Entrata code; `plan` refuses two properties that end up with the same one.
    pub doc_property: Option<String>,
}

/// A logical account's account in each target: a QuickBooks account number, a Xero code.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TargetAccounts {
    pub qbo: Option<String>,
    pub xero: Option<String>,
    /// The same account in Entrata's own GL (its id or number), when the file says: what
    /// `mappings check` compares Entrata's GL mapping of each AR code with.
    pub entrata: Option<String>,
}

impl PropertyMapping {
    /// The logical accounts whose account in a target satisfies `is` (given the QuickBooks number
    /// or Xero code, `pick` choosing which): what one of a target's accounts stands for here.
    pub fn accounts_where(
        &self,
        pick: impl Fn(&TargetAccounts) -> Option<&str>,
        is: impl Fn(&str) -> bool,
    ) -> Vec<AccountName> {
        self.accounts.iter().filter(|(_, a)| pick(a).is_some_and(&is)).map(|(name, _)| name.clone()).collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostingRules {
    pub receivables: AccountName,
    pub tax_payable: AccountName,
    /// Where payments wait until deposited, unless `clearing_by_method` names another.
    pub clearing: AccountName,
    pub clearing_by_method: BTreeMap<PaymentMethod, AccountName>,
    /// Entrata bank account id to logical account.
    pub bank_accounts: BTreeMap<BankAccountId, AccountName>,
}

impl PostingRules {
    pub fn clearing_for(&self, method: PaymentMethod) -> &AccountName {
        self.clearing_by_method.get(&method).unwrap_or(&self.clearing)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitShare {
    pub account: AccountName,
    /// Percent of the whole, `0 < percent <= 100`.
    pub percent: Decimal,
}

/// Shares that sum to exactly 100.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split(Vec<SplitShare>);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SplitError {
    #[error("a split needs at least one share")]
    Empty,
    #[error("split share {0} is not between 0 and 100")]
    ShareOutOfRange(Decimal),
    #[error("split shares sum to {0}, not 100")]
    NotHundred(Decimal),
}

impl Split {
    pub fn new(shares: Vec<SplitShare>) -> Result<Split, SplitError> {
        if shares.is_empty() {
            return Err(SplitError::Empty);
        }
        let hundred = Decimal::ONE_HUNDRED;
        if let Some(bad) = shares.iter().find(|s| s.percent <= Decimal::ZERO || s.percent > hundred) {
            return Err(SplitError::ShareOutOfRange(bad.percent));
        }
        let sum: Decimal = shares.iter().map(|s| s.percent).sum();
        if sum != hundred {
            return Err(SplitError::NotHundred(sum));
        }
        Ok(Split(shares))
    }

    pub fn shares(&self) -> &[SplitShare] {
        &self.0
    }
}

/// How a fee code's charges are credited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeRule {
    Account(AccountName),
    Split(Split),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayCount {
    /// Calendar days over the month's days.
    ActualDays,
    /// Days over 30; a full month is 30/30.
    ThirtyDay,
    /// Days × 12 over 365.
    Days365,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rounding {
    HalfEven,
    HalfUp,
    Down,
}

impl Rounding {
    pub fn strategy(&self) -> RoundingStrategy {
        match self {
            Rounding::HalfEven => RoundingStrategy::MidpointNearestEven,
            Rounding::HalfUp => RoundingStrategy::MidpointAwayFromZero,
            Rounding::Down => RoundingStrategy::ToZero,
        }
    }
}

/// Which period or split line takes the leftover cent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Remainder {
    First,
    Last,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proration {
    pub method: DayCount,
    pub rounding: Rounding,
    pub remainder: Remainder,
    /// Enables deferral (PRODUCT.md §7.4).
    pub defer_to: Option<AccountName>,
    /// Enables the proration check (PRODUCT.md §7.5).
    pub check_tolerance: Option<Decimal>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XeroTracking {
    pub name: String,
    pub option: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Dimensions {
    pub qbo_class: Option<String>,
    pub qbo_location: Option<String>,
    pub xero_tracking: Vec<XeroTracking>,
    pub qbo_customer: Option<String>,
    pub xero_contact: Option<String>,
}

/// The portfolio mapping with one property's overrides applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PropertyMapping {
    /// The set of books the property posts to (`book`; `default` when no file names one).
    pub book: BookName,
    pub journal: JournalSettings,
    pub accounts: BTreeMap<AccountName, TargetAccounts>,
    pub posting: PostingRules,
    pub codes: BTreeMap<ArCode, CodeRule>,
    pub proration: Proration,
    pub dimensions: Dimensions,
}
