//! Journal entries that cannot exist unbalanced.
//!
//! A `BalancedEntry` is only built by `BalancedEntry::new`, which checks every invariant a target
//! relies on: at least one debit and one credit, every line a positive whole-cent amount, debits
//! equal to credits, the date inside the post month, a document number QuickBooks accepts. There
//! are no setters.

use std::fmt;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::domain::money::{MONEY_SCALE, to_cents_exact};
use crate::domain::{AccountName, Currency, PostMonth, PropertyId};

/// The journal kinds of PRODUCT.md §5; an entry holds items of one kind only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum JournalKind {
    Charges,
    Payments,
    Deposit,
    Return,
    Recognition,
    Adjustment,
}

impl JournalKind {
    pub const ALL: [JournalKind; 6] = [
        JournalKind::Charges,
        JournalKind::Payments,
        JournalKind::Deposit,
        JournalKind::Return,
        JournalKind::Recognition,
        JournalKind::Adjustment,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            JournalKind::Charges => "charges",
            JournalKind::Payments => "payments",
            JournalKind::Deposit => "deposit",
            JournalKind::Return => "return",
            JournalKind::Recognition => "recognition",
            JournalKind::Adjustment => "adjustment",
        }
    }

    /// One letter for document numbers (`EN-LV001-C260201-1`).
    pub fn doc_letter(&self) -> char {
        match self {
            JournalKind::Charges => 'C',
            JournalKind::Payments => 'P',
            JournalKind::Deposit => 'D',
            JournalKind::Return => 'R',
            JournalKind::Recognition => 'E',
            JournalKind::Adjustment => 'A',
        }
    }

    /// Only deposits and returns after deposit touch bank accounts (PRODUCT.md §5).
    pub fn touches_bank(&self) -> bool {
        matches!(self, JournalKind::Deposit | JournalKind::Return)
    }
}

impl fmt::Display for JournalKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Side {
    Debit,
    Credit,
}

/// One line of a balanced entry: a positive whole-cent amount on one side of one account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    account: AccountName,
    side: Side,
    amount: Decimal,
    description: String,
}

impl Line {
    pub fn account(&self) -> &AccountName {
        &self.account
    }
    pub fn side(&self) -> Side {
        self.side
    }
    /// Positive, exactly two decimal places.
    pub fn amount(&self) -> Decimal {
        self.amount
    }
    pub fn debit(&self) -> Decimal {
        if self.side == Side::Debit { self.amount } else { Decimal::new(0, MONEY_SCALE) }
    }
    pub fn credit(&self) -> Decimal {
        if self.side == Side::Credit { self.amount } else { Decimal::new(0, MONEY_SCALE) }
    }
    pub fn description(&self) -> &str {
        &self.description
    }
}

/// Deterministic identity of an entry: `property/kind/anchor/seq`, where the anchor is the date
/// (`2026-02-01`) for entries that group items, or the item's id for entries of one item (a
/// deposit, a return after deposit, any entry under `group_by = "item"`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EntryKey {
    text: String,
    /// Where the anchor is in `text`: `text[anchor_start..anchor_end]`.
    anchor_start: usize,
    anchor_end: usize,
    seq: u32,
}

impl EntryKey {
    pub fn new(property: &PropertyId, kind: JournalKind, anchor: &str, seq: u32) -> EntryKey {
        let head = format!("{property}/{kind}/");
        let start = head.len();
        EntryKey {
            text: format!("{head}{anchor}/{seq}"),
            anchor_start: start,
            anchor_end: start + anchor.len(),
            seq,
        }
    }
    pub fn as_str(&self) -> &str {
        &self.text
    }
    /// The date (`2026-02-01`) of an entry that groups items, or the item id of a one-item entry.
    pub fn anchor(&self) -> &str {
        &self.text[self.anchor_start..self.anchor_end]
    }
    /// From 1 within the property, kind and anchor.
    pub fn seq(&self) -> u32 {
        self.seq
    }
}

impl fmt::Display for EntryKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// QuickBooks limits `DocNumber` to 21 characters; Xero's `Reference` is longer, so 21 fits both.
pub const DOC_NUMBER_MAX_CHARS: usize = 21;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DocNumber(String);

impl DocNumber {
    pub fn new(text: impl Into<String>) -> Result<DocNumber, EntryError> {
        let text = text.into();
        let ok_chars = text.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        if text.is_empty() || text.chars().count() > DOC_NUMBER_MAX_CHARS || !ok_chars {
            return Err(EntryError::BadDocNumber(text));
        }
        Ok(DocNumber(text))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DocNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EntryError {
    #[error("entry {key}: debits {debits} differ from credits {credits}")]
    Unbalanced { key: String, debits: Decimal, credits: Decimal },
    #[error("entry {key}: needs at least one debit and one credit line")]
    OneSided { key: String },
    #[error("entry {key}: line on `{account}` has amount {amount}; lines must be positive whole cents")]
    BadLineAmount { key: String, account: String, amount: Decimal },
    #[error("entry {key}: date {date} is outside post month {post_month}")]
    DateOutsidePostMonth { key: String, date: NaiveDate, post_month: PostMonth },
    #[error("document number `{0}` must be 1 to 21 characters of letters, digits and `-`")]
    BadDocNumber(String),
    #[error("entry {key}: has no source items")]
    NoSources { key: String },
    #[error("entry {key}: its lines add up to more than an amount can hold")]
    Overflow { key: String },
}

/// Everything about an entry except its lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryHeader {
    pub key: EntryKey,
    pub doc_number: DocNumber,
    pub property_id: PropertyId,
    pub kind: JournalKind,
    pub date: NaiveDate,
    pub post_month: PostMonth,
    pub currency: Currency,
    /// Ids of the Entrata items this entry is built from, sorted, without repeats.
    pub sources: Vec<String>,
}

/// A journal entry whose debits equal its credits, to the cent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BalancedEntry {
    header: EntryHeader,
    lines: Vec<Line>,
}

impl BalancedEntry {
    /// `lines` are `(account, side, amount, description)`; amounts must already be whole cents.
    pub fn new(
        mut header: EntryHeader,
        lines: Vec<(AccountName, Side, Decimal, String)>,
    ) -> Result<BalancedEntry, EntryError> {
        let key = || header.key.to_string();
        if !header.post_month.contains(header.date) {
            return Err(EntryError::DateOutsidePostMonth {
                key: key(),
                date: header.date,
                post_month: header.post_month,
            });
        }
        if header.sources.is_empty() {
            return Err(EntryError::NoSources { key: key() });
        }
        let mut debits = Decimal::ZERO;
        let mut credits = Decimal::ZERO;
        let mut checked = Vec::with_capacity(lines.len());
        for (account, side, amount, description) in lines {
            let bad = || EntryError::BadLineAmount { key: key(), account: account.to_string(), amount };
            let amount = to_cents_exact(amount).map_err(|_| bad())?;
            if amount <= Decimal::ZERO {
                return Err(bad());
            }
            let total = match side {
                Side::Debit => &mut debits,
                Side::Credit => &mut credits,
            };
            *total = total.checked_add(amount).ok_or_else(|| EntryError::Overflow { key: key() })?;
            checked.push(Line { account, side, amount, description });
        }
        let has_debit = checked.iter().any(|l| l.side == Side::Debit);
        let has_credit = checked.iter().any(|l| l.side == Side::Credit);
        if !has_debit || !has_credit {
            return Err(EntryError::OneSided { key: key() });
        }
        if debits != credits {
            return Err(EntryError::Unbalanced { key: key(), debits, credits });
        }
        header.sources.sort();
        header.sources.dedup();
        Ok(BalancedEntry { header, lines: checked })
    }

    pub fn header(&self) -> &EntryHeader {
        &self.header
    }

    /// The same entry under another key and document number (the identity it was recorded with;
    /// see `posting`). Lines, date and sources are untouched, so every invariant still holds.
    pub fn with_identity(mut self, key: EntryKey, doc_number: DocNumber) -> BalancedEntry {
        self.header.key = key;
        self.header.doc_number = doc_number;
        self
    }
    pub fn key(&self) -> &EntryKey {
        &self.header.key
    }
    pub fn doc_number(&self) -> &DocNumber {
        &self.header.doc_number
    }
    pub fn property_id(&self) -> &PropertyId {
        &self.header.property_id
    }
    pub fn kind(&self) -> JournalKind {
        self.header.kind
    }
    pub fn date(&self) -> NaiveDate {
        self.header.date
    }
    pub fn post_month(&self) -> PostMonth {
        self.header.post_month
    }
    pub fn currency(&self) -> Currency {
        self.header.currency
    }
    pub fn sources(&self) -> &[String] {
        &self.header.sources
    }
    pub fn lines(&self) -> &[Line] {
        &self.lines
    }
    /// The sum of the debit lines (equal to the sum of the credit lines).
    pub fn total(&self) -> Decimal {
        self.lines.iter().map(Line::debit).sum()
    }
}

/// Signed sums per account (debit positive), netted as postings arrive, in first-seen order.
///
/// Every `post` call must itself be balanced for the entry to balance; `into_lines` drops accounts
/// that net to zero, so an accumulator whose postings all cancel yields no lines at all.
#[derive(Debug, Clone, Default)]
pub struct Netting {
    sums: Vec<(AccountName, Decimal, String)>,
}

impl Netting {
    pub fn new() -> Netting {
        Netting::default()
    }

    /// Adds `amount` on `side` of `account`; `description` is kept from the first posting.
    pub fn add(
        &mut self,
        account: &AccountName,
        side: Side,
        amount: Decimal,
        description: impl FnOnce() -> String,
    ) {
        let signed = match side {
            Side::Debit => amount,
            Side::Credit => -amount,
        };
        match self.sums.iter_mut().find(|(a, _, _)| a == account) {
            Some((_, sum, _)) => *sum += signed,
            None => self.sums.push((account.clone(), signed, description())),
        }
    }

    /// Debit minus credit over everything added; zero for a balanced accumulator.
    pub fn imbalance(&self) -> Decimal {
        self.sums.iter().map(|(_, s, _)| *s).sum()
    }

    /// The signed sum per account (debit positive), including zero sums.
    pub fn sums(&self) -> impl Iterator<Item = (&AccountName, Decimal)> {
        self.sums.iter().map(|(a, s, _)| (a, *s))
    }

    pub fn into_lines(self) -> Vec<(AccountName, Side, Decimal, String)> {
        self.sums
            .into_iter()
            .filter(|(_, sum, _)| !sum.is_zero())
            .map(|(account, sum, description)| {
                let side = if sum > Decimal::ZERO { Side::Debit } else { Side::Credit };
                (account, side, sum.abs(), description)
            })
            .collect()
    }
}

/// The entry an item is booked into: its kind and date, and the item itself when it is booked
/// alone (`GroupBy::Item`, or an item that must stand alone).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct GroupKey<'a> {
    pub kind: JournalKind,
    pub date: NaiveDate,
    /// Set for entries that hold one item only.
    pub item: Option<&'a str>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    fn header(date: &str) -> EntryHeader {
        EntryHeader {
            key: EntryKey::new(&PropertyId::new("p1"), JournalKind::Charges, date, 1),
            doc_number: DocNumber::new("EN-LV001-C260201-1").unwrap(),
            property_id: PropertyId::new("p1"),
            kind: JournalKind::Charges,
            date: crate::domain::parse_date(date).unwrap(),
            post_month: "2026-02".parse().unwrap(),
            currency: Currency::USD,
            sources: vec!["chg_2".into(), "chg_1".into(), "chg_2".into()],
        }
    }

    fn line(account: &str, side: Side, amount: Decimal) -> (AccountName, Side, Decimal, String) {
        (AccountName::new(account), side, amount, String::new())
    }

    #[test]
    fn balanced_entry_accepts_balanced_lines() {
        let e = BalancedEntry::new(
            header("2026-02-01"),
            vec![line("receivables", Side::Debit, dec!(1295)), line("rent", Side::Credit, dec!(1295.00))],
        )
        .unwrap();
        assert_eq!(e.total().to_string(), "1295.00");
        assert_eq!(e.sources(), ["chg_1", "chg_2"]);
    }

    #[test]
    fn balanced_entry_refuses_what_a_target_would() {
        let unbalanced = BalancedEntry::new(
            header("2026-02-01"),
            vec![line("a", Side::Debit, dec!(10.00)), line("b", Side::Credit, dec!(9.99))],
        );
        assert!(matches!(unbalanced, Err(EntryError::Unbalanced { .. })));
        let sub_cent = BalancedEntry::new(
            header("2026-02-01"),
            vec![line("a", Side::Debit, dec!(0.005)), line("b", Side::Credit, dec!(0.005))],
        );
        assert!(matches!(sub_cent, Err(EntryError::BadLineAmount { .. })));
        let negative = BalancedEntry::new(
            header("2026-02-01"),
            vec![line("a", Side::Debit, dec!(-1)), line("b", Side::Credit, dec!(-1))],
        );
        assert!(matches!(negative, Err(EntryError::BadLineAmount { .. })));
        let outside = BalancedEntry::new(
            header("2026-03-01"),
            vec![line("a", Side::Debit, dec!(1)), line("b", Side::Credit, dec!(1))],
        );
        assert!(matches!(outside, Err(EntryError::DateOutsidePostMonth { .. })));
        assert!(DocNumber::new("EN-LV001-C260201-12345").is_err());
        assert!(DocNumber::new("EN LV").is_err());
    }

    #[test]
    fn netting_drops_zero_lines() {
        let mut n = Netting::new();
        let (recv, rent, conc) =
            (AccountName::new("recv"), AccountName::new("rent"), AccountName::new("conc"));
        n.add(&recv, Side::Debit, dec!(100), || "r".into());
        n.add(&rent, Side::Credit, dec!(100), || "x".into());
        n.add(&conc, Side::Debit, dec!(20), || "c".into());
        n.add(&recv, Side::Credit, dec!(20), || "ignored".into());
        n.add(&conc, Side::Credit, dec!(20), String::new);
        n.add(&recv, Side::Debit, dec!(20), String::new);
        n.add(&conc, Side::Debit, dec!(0), String::new);
        assert_eq!(n.imbalance(), Decimal::ZERO);
        let lines = n.into_lines();
        assert_eq!(lines.len(), 2);
        assert_eq!((lines[0].1, lines[0].2, lines[0].3.as_str()), (Side::Debit, dec!(100), "r"));
        assert_eq!((lines[1].1, lines[1].2), (Side::Credit, dec!(100)));
    }
}
