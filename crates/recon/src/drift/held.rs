//! What a target holds, in target-neutral terms: one document per target id, with the key read
//! from the connector's memo marker, its date, its status and its lines (target account, side,
//! exact amount). The target adapters' read-back (`targets::qbo::readback`,
//! `targets::xero::readback`) produce these; the state file keeps them between comparisons.
//!
//! Invariant: amounts are `Decimal`s read from the vendor's number text (never a float) and
//! written back as decimal text; a line's amount is never negative (the side says which way).

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::domain::format_amount;
use crate::journal::Side;

/// The opening of the marker the adapters write into every document's memo
/// (`[entrata-recon <key>]`, see `targets::qbo::note_marker` and `targets::xero::build::key_marker`).
const MARKER_OPEN: &str = "[entrata-recon ";

/// The entry key in a memo's marker, if it carries one.
pub fn key_in_memo(memo: &str) -> Option<String> {
    let start = memo.find(MARKER_OPEN)? + MARKER_OPEN.len();
    let rest = &memo[start..];
    let end = rest.find(']')?;
    let key = rest[..end].trim();
    (!key.is_empty()).then(|| key.to_owned())
}

/// The property part of an entry key (`property/kind/anchor/seq`; a property id may hold `/`).
pub fn property_of_key(key: &str) -> Option<&str> {
    let mut parts = key.rsplitn(4, '/');
    let (_seq, _anchor, _kind) = (parts.next()?, parts.next()?, parts.next()?);
    parts.next().filter(|p| !p.is_empty())
}

/// Where a document stands in the target.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HeldStatus {
    /// Posted (QuickBooks: any entry that exists; Xero: `POSTED` or `AUTHORISED`).
    Live,
    /// Xero `VOIDED`.
    Voided,
    /// Deleted (QuickBooks' Change Data Capture `Deleted`; Xero `DELETED`).
    Deleted,
    /// Any other status (a journal turned back to `DRAFT`), lower case.
    Other(String),
}

impl HeldStatus {
    pub fn as_str(&self) -> &str {
        match self {
            HeldStatus::Live => "live",
            HeldStatus::Voided => "voided",
            HeldStatus::Deleted => "deleted",
            HeldStatus::Other(text) => text,
        }
    }

    pub fn parse(text: &str) -> HeldStatus {
        match text {
            "live" => HeldStatus::Live,
            "voided" => HeldStatus::Voided,
            "deleted" => HeldStatus::Deleted,
            other => HeldStatus::Other(other.to_ascii_lowercase()),
        }
    }

    /// Whether the document counts in the target's books.
    pub fn counts(&self) -> bool {
        *self == HeldStatus::Live
    }
}

/// One line as the target holds it: the target's account (QuickBooks account number, Xero code;
/// `id:<Id>` when the account has no number), a side and a positive amount.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct HeldLine {
    pub account: String,
    pub side: Side,
    pub amount: Decimal,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldEntry {
    pub target_id: String,
    /// From the memo marker.
    pub key: Option<String>,
    pub doc_number: Option<String>,
    pub date: Option<NaiveDate>,
    pub status: HeldStatus,
    pub lines: Vec<HeldLine>,
    /// The target's last-updated time of the document, as it wrote it.
    pub updated_at: Option<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StoredLine {
    account: String,
    side: String,
    amount: String,
}

impl HeldEntry {
    /// A deleted document of which only the id is known (QuickBooks' Change Data Capture).
    pub fn deleted(target_id: String, updated_at: Option<String>) -> HeldEntry {
        HeldEntry {
            target_id,
            key: None,
            doc_number: None,
            date: None,
            status: HeldStatus::Deleted,
            lines: Vec::new(),
            updated_at,
        }
    }

    /// The sum of the debit lines.
    pub fn total(&self) -> Decimal {
        self.lines.iter().filter(|l| l.side == Side::Debit).map(|l| l.amount).sum()
    }

    /// The lines as the state file keeps them (JSON, amounts as decimal text).
    pub fn lines_json(&self) -> String {
        let lines: Vec<StoredLine> = self
            .lines
            .iter()
            .map(|l| StoredLine {
                account: l.account.clone(),
                side: side_text(l.side).to_owned(),
                amount: format_amount(l.amount),
            })
            .collect();
        // Invariant: a list of string structs always serializes.
        serde_json::to_string(&lines).unwrap_or_else(|_| "[]".to_owned())
    }

    /// Lines read back from `lines_json`; `None` when the text is not what it writes.
    pub fn lines_from_json(text: &str) -> Option<Vec<HeldLine>> {
        let stored: Vec<StoredLine> = serde_json::from_str(text).ok()?;
        stored
            .into_iter()
            .map(|l| {
                let side = match l.side.as_str() {
                    "debit" => Side::Debit,
                    "credit" => Side::Credit,
                    _ => return None,
                };
                let amount = Decimal::from_str_exact(&l.amount).ok()?;
                Some(HeldLine { account: l.account, side, amount })
            })
            .collect()
    }

    /// What a change in the target changes: date, status and lines (not the memo's wording).
    pub fn content_hash(&self) -> String {
        let mut hasher = Sha256::new();
        hasher.update(format!(
            "{}\n{}\n",
            self.date.map(|d| d.to_string()).unwrap_or_default(),
            self.status.as_str()
        ));
        let mut lines = self.lines.clone();
        lines.sort();
        for line in lines {
            hasher.update(format!(
                "{}\t{}\t{}\n",
                line.account,
                side_text(line.side),
                format_amount(line.amount)
            ));
        }
        hasher.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// What one read-back of a target found.
#[derive(Debug, Clone)]
pub struct ReadBack {
    /// Documents kept: every one from the connector on a full read, the changed ones otherwise.
    pub documents: Vec<HeldEntry>,
    /// Whether this was a full read (it may be one although changes were asked for).
    pub full: bool,
    /// Why a read of changes became a full read.
    pub reason: Option<String>,
    /// The target's time when the read began (from its first answer).
    pub compared_at: DateTime<Utc>,
    /// Documents the target sent, the connector's or not.
    pub documents_read: usize,
    /// Requests made.
    pub calls: u64,
}

pub fn side_text(side: Side) -> &'static str {
    match side {
        Side::Debit => "debit",
        Side::Credit => "credit",
    }
}

/// Each live document that carries a key: key, document number and lines (in the target's account
/// references, as `posting::Found::lines`).
pub fn live_keys(documents: Vec<HeldEntry>) -> Vec<crate::posting::HeldDocument> {
    documents
        .into_iter()
        .filter(|d| d.status == HeldStatus::Live)
        .filter_map(|d| {
            let lines = d
                .lines
                .into_iter()
                .map(|l| crate::posting::FoundLine { account: l.account, side: l.side, amount: l.amount })
                .collect();
            Some(crate::posting::HeldDocument {
                key: d.key?,
                doc_number: d.doc_number.unwrap_or_default(),
                lines,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_and_keys() {
        assert_eq!(
            key_in_memo("EN-1: Entrata charges [entrata-recon prop_1/charges/2026-02-01/1] charges")
                .as_deref(),
            Some("prop_1/charges/2026-02-01/1")
        );
        assert_eq!(key_in_memo("typed by hand"), None);
        assert_eq!(key_in_memo("[entrata-recon ]"), None);
        assert_eq!(property_of_key("prop_1/charges/2026-02-01/1"), Some("prop_1"));
        assert_eq!(property_of_key("a/b/deposit/dep_1/2"), Some("a/b"));
        assert_eq!(property_of_key("deposit/dep_1/2"), None);
    }

    #[test]
    fn lines_round_trip_exactly() {
        let entry = HeldEntry {
            target_id: "7".into(),
            key: None,
            doc_number: None,
            date: NaiveDate::from_ymd_opt(2026, 2, 1),
            status: HeldStatus::Live,
            lines: vec![
                HeldLine { account: "1200".into(), side: Side::Debit, amount: Decimal::new(129_500, 2) },
                HeldLine { account: "4000".into(), side: Side::Credit, amount: Decimal::new(129_500, 2) },
            ],
            updated_at: None,
        };
        let text = entry.lines_json();
        assert_eq!(
            text,
            r#"[{"account":"1200","side":"debit","amount":"1295.00"},{"account":"4000","side":"credit","amount":"1295.00"}]"#
        );
        assert_eq!(HeldEntry::lines_from_json(&text), Some(entry.lines.clone()));
        assert_eq!(entry.total(), Decimal::new(129_500, 2));
        let mut voided = entry.clone();
        voided.status = HeldStatus::Voided;
        assert_ne!(voided.content_hash(), entry.content_hash());
        assert_eq!(HeldStatus::parse("draft"), HeldStatus::Other("draft".into()));
    }
}
