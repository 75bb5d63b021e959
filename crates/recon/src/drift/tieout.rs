//! Totals that tie out (issue 12 §3): per target, property, post month and account of the target,
//! the net (debits − credits) of Entrata's side (tonight's plan under the current mapping), of what
//! the connector posted there (recorded bodies of confirmed entries, adjustments included), and of
//! what the target holds from the connector now (read back). A reconciled period shows zero
//! differences everywhere.
//!
//! Accounts are the target's (QuickBooks account number, Xero code), because that is what a
//! controller reconciles against; the logical names the mapping gives them ride along. A logical
//! account the mapping gives no account in the target is shown as `?<name>`.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use crate::domain::{BookName, PostMonth};
use crate::targets::TargetKind;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TieOut {
    pub target: TargetKind,
    /// The book whose company the target's side is.
    pub book: BookName,
    pub property_id: String,
    pub post_month: PostMonth,
    /// The target's account.
    pub account: String,
    /// The mapping's logical names for it.
    pub account_names: Vec<String>,
    pub currency: String,
    /// Tonight's plan (items held back from posting are not planned).
    pub entrata: Decimal,
    pub posted: Decimal,
    /// What the target holds now: the reports call it the books (`books` in JSON and CSV), since
    /// "held" there means held back from posting.
    pub held: Decimal,
}

impl TieOut {
    /// Entrata's side less what was posted: what is not (or not yet) posted.
    pub fn entrata_vs_posted(&self) -> Decimal {
        self.entrata - self.posted
    }

    /// What the target holds less what was posted: what changed there.
    pub fn held_vs_posted(&self) -> Decimal {
        self.held - self.posted
    }

    pub fn ties_out(&self) -> bool {
        self.entrata_vs_posted().is_zero() && self.held_vs_posted().is_zero()
    }
}

/// Which column a sum goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    Entrata,
    Posted,
    Held,
}

/// Sums of one property for one target, by post month and account.
#[derive(Debug, Default)]
pub struct Sums {
    rows: BTreeMap<(PostMonth, String), [Decimal; 3]>,
}

impl Sums {
    pub fn add(&mut self, month: PostMonth, account: &str, column: Column, amount: Decimal) {
        let row = self.rows.entry((month, account.to_owned())).or_insert([Decimal::ZERO; 3]);
        let at = match column {
            Column::Entrata => 0,
            Column::Posted => 1,
            Column::Held => 2,
        };
        row[at] += amount;
    }

    /// The rows, without those that are zero on every side.
    pub fn rows(
        self,
        target: TargetKind,
        book: &BookName,
        property_id: &str,
        currency: &str,
        names: impl Fn(&str) -> Vec<String>,
    ) -> Vec<TieOut> {
        self.rows
            .into_iter()
            .filter(|(_, sums)| sums.iter().any(|s| !s.is_zero()))
            .map(|((post_month, account), [entrata, posted, held])| TieOut {
                target,
                book: book.clone(),
                property_id: property_id.to_owned(),
                post_month,
                account_names: names(&account),
                account,
                currency: currency.to_owned(),
                entrata,
                posted,
                held,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_sum_exactly_and_drop_all_zero_accounts() {
        let month: PostMonth = "2026-02".parse().unwrap();
        let mut sums = Sums::default();
        sums.add(month, "4000", Column::Entrata, Decimal::new(-129_500, 2));
        sums.add(month, "4000", Column::Posted, Decimal::new(-129_500, 2));
        sums.add(month, "4000", Column::Held, Decimal::new(-120_000, 2));
        sums.add(month, "1499", Column::Entrata, Decimal::new(100, 2));
        sums.add(month, "1499", Column::Entrata, Decimal::new(-100, 2));
        let rows = sums
            .rows(TargetKind::Qbo, &BookName::default_book(), "p", "USD", |a| vec![format!("name of {a}")]);
        assert_eq!(rows.len(), 1);
        let row = &rows[0];
        assert_eq!(row.account_names, ["name of 4000"]);
        assert_eq!(row.entrata_vs_posted(), Decimal::ZERO);
        assert_eq!(row.held_vs_posted(), Decimal::new(9_500, 2));
        assert!(!row.ties_out());
    }
}
