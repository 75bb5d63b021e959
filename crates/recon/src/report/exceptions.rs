//! Exceptions summed up by kind, with the money waiting on them: the first thing a controller
//! reads, in `status` and in the `plan` table.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use rust_decimal::Decimal;

use crate::domain::{Currency, Exception, ExceptionKind, format_amount};

/// One kind of exception: how many, and the money per currency (`None` if the sum overflows).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KindSummary {
    pub kind: ExceptionKind,
    pub count: usize,
    pub money: BTreeMap<Currency, Option<Decimal>>,
}

impl KindSummary {
    /// `12,345.67 USD, 10.00 CAD`; empty when no exception of the kind carries an amount.
    pub fn money_text(&self) -> String {
        self.money
            .iter()
            .map(|(currency, sum)| match sum {
                Some(sum) => format!("{} {currency}", format_amount(*sum)),
                None => format!("too much to add up in {currency}"),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Held back from posting, or posted and reported.
    pub fn what(&self) -> &'static str {
        if self.kind.holds_item() { "held" } else { "posted, reported" }
    }

    /// The largest sum, for ordering (money first).
    fn weight(&self) -> Decimal {
        self.money.values().flatten().map(|m| m.abs()).max().unwrap_or(Decimal::ZERO)
    }
}

/// Exceptions by kind: kinds with the most money waiting first, then by count.
pub fn by_kind(exceptions: &[Exception]) -> Vec<KindSummary> {
    let mut kinds: BTreeMap<ExceptionKind, KindSummary> = BTreeMap::new();
    for x in exceptions {
        let line =
            kinds.entry(x.kind).or_insert(KindSummary { kind: x.kind, count: 0, money: BTreeMap::new() });
        line.count += 1;
        if let Some(amount) = x.amount {
            let sum = line.money.entry(amount.currency()).or_insert(Some(Decimal::ZERO));
            *sum = sum.and_then(|s| s.checked_add(amount.amount()));
        }
    }
    let mut kinds: Vec<KindSummary> = kinds.into_values().collect();
    kinds.sort_by(|a, b| b.weight().cmp(&a.weight()).then(b.count.cmp(&a.count)).then(a.kind.cmp(&b.kind)));
    kinds
}

/// The summary as a small table: kind, count, money waiting, held or posted.
pub fn render_by_kind(kinds: &[KindSummary], indent: &str) -> String {
    let mut out = String::new();
    let rows: Vec<[String; 4]> = kinds
        .iter()
        .map(|k| [k.kind.as_str().to_owned(), k.count.to_string(), k.money_text(), k.what().to_owned()])
        .collect();
    let header = ["kind".to_owned(), "count".to_owned(), "money waiting".to_owned(), String::new()];
    let width = |i: usize| rows.iter().chain([&header]).map(|r| r[i].chars().count()).max().unwrap_or(0);
    let (w0, w1, w2) = (width(0), width(1), width(2));
    for row in std::iter::once(&header).chain(&rows) {
        let line = format!("{indent}{:<w0$}  {:>w1$}  {:>w2$}  {}", row[0], row[1], row[2], row[3]);
        let _ = writeln!(out, "{}", line.trim_end());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Money, PropertyId};

    fn x(kind: ExceptionKind, amount: Option<&str>) -> Exception {
        Exception {
            kind,
            property_id: Some(PropertyId::new("prop_1")),
            source_id: "chg_1".to_owned(),
            amount: amount.map(|a| Money::new(a.parse().unwrap(), Currency::parse("USD").unwrap()).unwrap()),
            message: String::new(),
        }
    }

    #[test]
    fn kinds_are_summed_and_ordered_money_first() {
        let exceptions = [
            x(ExceptionKind::InvalidItem, None),
            x(ExceptionKind::InvalidItem, None),
            x(ExceptionKind::InvalidItem, None),
            x(ExceptionKind::UnmappedCode, Some("1234567.89")),
            x(ExceptionKind::UnmappedCode, Some("-0.89")),
            x(ExceptionKind::ProrationMismatch, Some("12.00")),
        ];
        let kinds = by_kind(&exceptions);
        assert_eq!(
            render_by_kind(&kinds, "  "),
            "  kind                count   money waiting\n\
             \x20 unmapped_code           2  1234567.00 USD  held\n\
             \x20 proration_mismatch      1       12.00 USD  posted, reported\n\
             \x20 invalid_item            3                  held\n"
        );
    }
}
