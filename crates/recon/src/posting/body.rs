//! A recorded entry's body: its lines as JSON, money as decimal text (never a JSON number, never a
//! float), and how to rebuild the `BalancedEntry` from it, which checks every invariant again.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::domain::{AccountName, Currency, PostMonth, PropertyId, format_amount};
use crate::journal::{BalancedEntry, DocNumber, EntryHeader, EntryKey, JournalKind, Side};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Body {
    pub lines: Vec<BodyLine>,
    /// Source item ids, as the entry names them (their versions are in `entry_sources`).
    pub sources: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BodyLine {
    pub account: String,
    /// `debit` or `credit`.
    pub side: String,
    /// Exactly two decimals.
    pub amount: String,
    pub description: String,
}

impl Body {
    pub fn of(entry: &BalancedEntry) -> Body {
        Body {
            lines: entry
                .lines()
                .iter()
                .map(|line| BodyLine {
                    account: line.account().to_string(),
                    side: match line.side() {
                        Side::Debit => "debit".into(),
                        Side::Credit => "credit".into(),
                    },
                    amount: format_amount(line.amount()),
                    description: line.description().to_owned(),
                })
                .collect(),
            sources: entry.sources().to_vec(),
        }
    }

    pub fn to_json(&self) -> String {
        // Invariant: a struct of strings always serializes.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// Everything stored beside the body.
#[derive(Debug, Clone)]
pub struct StoredHeader {
    pub key: String,
    pub property_id: String,
    pub kind: String,
    pub anchor: String,
    pub seq: u32,
    pub doc_number: String,
    pub date: String,
    pub post_month: String,
    pub currency: String,
}

#[derive(Debug, thiserror::Error)]
#[error("recorded entry {key} cannot be read back: {reason}")]
pub struct BodyError {
    pub key: String,
    pub reason: String,
}

/// The entry as recorded, checked again as it is rebuilt: a stored body that does not balance is
/// refused here, before it can reach a target.
pub fn rebuild(header: &StoredHeader, body: &str) -> Result<BalancedEntry, BodyError> {
    let bad = |reason: String| BodyError { key: header.key.clone(), reason };
    let body: Body = serde_json::from_str(body).map_err(|e| bad(format!("body is not valid: {e}")))?;
    let kind = JournalKind::ALL
        .into_iter()
        .find(|k| k.as_str() == header.kind)
        .ok_or_else(|| bad(format!("unknown kind {}", header.kind)))?;
    let date: NaiveDate = header.date.parse().map_err(|_| bad(format!("bad date {}", header.date)))?;
    let post_month: PostMonth =
        header.post_month.parse().map_err(|_| bad(format!("bad post month {}", header.post_month)))?;
    let currency = Currency::parse(&header.currency).map_err(|e| bad(e.to_string()))?;
    let property = PropertyId::new(header.property_id.as_str());
    let key = EntryKey::new(&property, kind, &header.anchor, header.seq);
    if key.as_str() != header.key {
        return Err(bad(format!("key does not match its parts ({key})")));
    }
    let doc_number = DocNumber::new(header.doc_number.clone()).map_err(|e| bad(e.to_string()))?;
    let mut lines = Vec::with_capacity(body.lines.len());
    for line in body.lines {
        let side = match line.side.as_str() {
            "debit" => Side::Debit,
            "credit" => Side::Credit,
            other => return Err(bad(format!("unknown side {other}"))),
        };
        let amount =
            Decimal::from_str_exact(&line.amount).map_err(|_| bad(format!("bad amount {}", line.amount)))?;
        lines.push((AccountName::new(line.account.as_str()), side, amount, line.description));
    }
    let header = EntryHeader {
        key,
        doc_number,
        property_id: property,
        kind,
        date,
        post_month,
        currency,
        sources: body.sources,
    };
    BalancedEntry::new(header, lines).map_err(|e| bad(e.to_string()))
}
