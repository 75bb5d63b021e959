//! Line descriptions: short, deterministic, and enough for an accountant to know what a line is
//! without opening Entrata ("RENT charges 2026-02-01", "Deposit dep_1 bank_001").
//!
//! A description depends only on the entry's group, what the group's items were (codes, payment
//! methods) and the line's account, never on the order items arrived in.

use std::fmt::Write;

use super::entry::GroupKey;
use super::entry::JournalKind;
use crate::domain::{AccountName, ArCode, BankAccountId, DepositId, PaymentId, PaymentMethod, PostMonth};
use crate::mapping::{CodeRule, GroupBy, PropertyMapping};

/// What a group's items were, as far as descriptions need.
#[derive(Debug, Default)]
pub(crate) struct Detail<'a> {
    /// AR codes of the charges in the group, sorted, without repeats.
    codes: Vec<&'a ArCode>,
    /// Payment methods seen, one bit per `PaymentMethod::ALL` index.
    methods: u8,
    received: bool,
    returned: bool,
    /// For deposits and returns after deposit.
    pub deposit: Option<(&'a DepositId, &'a BankAccountId)>,
    pub payment: Option<&'a PaymentId>,
    /// For a return out of clearing: the deposit the payment names, which does not list it.
    pub not_in: Option<&'a DepositId>,
}

impl<'a> Detail<'a> {
    pub fn add_code(&mut self, code: &'a ArCode) {
        if let Err(at) = self.codes.binary_search(&code) {
            self.codes.insert(at, code);
        }
    }

    pub fn add_method(&mut self, method: PaymentMethod) {
        let bit = PaymentMethod::ALL.iter().position(|m| *m == method).unwrap_or(0);
        self.methods |= 1 << bit;
    }

    pub fn mark_received(&mut self) {
        self.received = true;
    }

    pub fn mark_returned(&mut self) {
        self.returned = true;
    }

    fn methods(&self) -> impl Iterator<Item = PaymentMethod> + '_ {
        PaymentMethod::ALL
            .into_iter()
            .enumerate()
            .filter(|(i, _)| self.methods & (1 << i) != 0)
            .map(|(_, m)| m)
    }
}

/// At most this many codes or methods are named in a description; the rest are counted.
const NAMED_MAX: usize = 3;

pub(crate) fn describe(
    key: GroupKey<'_>,
    detail: &Detail<'_>,
    account: &AccountName,
    period: &str,
    mapping: &PropertyMapping,
) -> String {
    let posting = &mapping.posting;
    let all_codes = || name_list(detail.codes.iter().map(|c| c.as_str()));
    let codes_on = |account: &AccountName| {
        let mapped: Vec<&str> = detail
            .codes
            .iter()
            .filter(|code| mapping.codes.get(**code).is_some_and(|rule| rule_credits(rule, account)))
            .map(|c| c.as_str())
            .collect();
        if mapped.is_empty() { all_codes() } else { name_list(mapped.into_iter()) }
    };
    let methods_on = |account: &AccountName| {
        name_list(detail.methods().filter(|m| posting.clearing_for(*m) == account).map(|m| m.as_str()))
    };
    let deferral = mapping.proration.defer_to.as_ref();
    match key.kind {
        JournalKind::Charges if account == &posting.receivables => {
            format!("{} charges {period}", all_codes())
        }
        JournalKind::Charges if account == &posting.tax_payable => format!("Tax on charges {period}"),
        JournalKind::Charges if Some(account) == deferral => {
            format!("Deferred {} charges {period}", all_codes())
        }
        JournalKind::Charges => format!("{} charges {period}", codes_on(account)),
        JournalKind::Recognition if Some(account) == deferral => {
            format!("Release deferred {} {period}", all_codes())
        }
        JournalKind::Recognition => format!("{} recognized {period}", codes_on(account)),
        JournalKind::Payments => {
            let what = match (detail.received, detail.returned) {
                (true, true) => "received and returned",
                (false, true) => "returned",
                _ => "received",
            };
            if account == &posting.receivables {
                format!("Payments {what} {period}")
            } else {
                format!("Payments {what} {period} ({})", methods_on(account))
            }
        }
        JournalKind::Deposit => {
            let (deposit, bank) = detail.deposit.map_or(("?", "?"), |(d, b)| (d.as_str(), b.as_str()));
            if posting.bank_accounts.get(bank) == Some(account) {
                format!("Deposit {deposit} {bank}")
            } else {
                format!("Deposit {deposit} payments ({})", methods_on(account))
            }
        }
        JournalKind::Return if detail.not_in.is_some() => {
            let deposit = detail.not_in.map_or("?", DepositId::as_str);
            let payment = detail.payment.map_or("?", PaymentId::as_str);
            if account == &posting.receivables {
                format!("Payment {payment} returned, not in deposit {deposit}")
            } else {
                format!("Return of {payment} from clearing, not in deposit {deposit}")
            }
        }
        JournalKind::Return => {
            let (deposit, bank) = detail.deposit.map_or(("?", "?"), |(d, b)| (d.as_str(), b.as_str()));
            let payment = detail.payment.map_or("?", PaymentId::as_str);
            if account == &posting.receivables {
                format!("Payment {payment} returned after deposit {deposit}")
            } else {
                format!("Return of {payment} from deposit {deposit} {bank}")
            }
        }
        JournalKind::Adjustment => format!("Adjustment {period}"),
    }
}

fn rule_credits(rule: &CodeRule, account: &AccountName) -> bool {
    match rule {
        CodeRule::Account(a) => a == account,
        CodeRule::Split(split) => split.shares().iter().any(|s| &s.account == account),
    }
}

/// `2026-02-01`, `2026-02` under `group_by = "post_month"`, `2026-02-01 chg_1` for one-item entries.
pub(crate) fn period_label(key: GroupKey<'_>, group_by: GroupBy) -> String {
    match (key.item, group_by) {
        (Some(item), _) => format!("{} {item}", key.date),
        (None, GroupBy::PostMonth) => PostMonth::of(key.date).to_string(),
        (None, _) => key.date.to_string(),
    }
}

/// `RENT, UTIL` or `A, B, C +2 more`.
fn name_list<'n>(names: impl Iterator<Item = &'n str>) -> String {
    let mut text = String::new();
    let mut more = 0usize;
    for (i, name) in names.enumerate() {
        if i >= NAMED_MAX {
            more += 1;
            continue;
        }
        if i > 0 {
            text.push_str(", ");
        }
        text.push_str(name);
    }
    if more > 0 {
        let _ = write!(text, " +{more} more");
    }
    text
}
