//! Document numbers (PRODUCT.md §5 "Identity"): `{doc_prefix}-{doc_property}-{kind letter}{yymmdd}-{seq}`,
//! at most 21 characters (QuickBooks' `DocNumber` limit).
//!
//! The sequence number is written in decimal while it fits the room left after the stem. Past that it
//! is written as a *compact seq*: exactly as many characters as the decimal room, a letter `A`–`Z`
//! first and base-36 digits (`0-9A-Z`) after. A compact seq always holds a letter and a decimal seq
//! never does, so the two can never spell the same document number. With `EN-LV001-C260201-` (17
//! characters) the room is 4: seqs 1..=9999 are decimal, 10000 is `A000`, 10001 is `A001`, and the last
//! one that fits is 9999 + 26 × 36³.

use chrono::{Datelike, NaiveDate};

use super::entry::{DOC_NUMBER_MAX_CHARS, DocNumber, JournalKind};

/// The default `doc_property` for an Entrata property code: the first two and the last three of its
/// ASCII letters and digits, uppercased (`LV-OMA-001` → `LV001`); all of them when there are at most
/// five.
pub fn default_doc_property(property_code: &str) -> String {
    let chars: Vec<char> =
        property_code.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_uppercase()).collect();
    if chars.len() <= 5 {
        return chars.into_iter().collect();
    }
    chars[..2].iter().chain(&chars[chars.len() - 3..]).collect()
}

/// Why a document number could not be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocNumberProblem {
    /// The prefix or property part is empty or holds characters other than ASCII letters, digits, `-`.
    BadParts,
    /// Not even a compact seq fits after this stem.
    NoRoom { stem: String },
}

/// Builds the document numbers of one property.
#[derive(Debug, Clone)]
pub struct DocNumbering {
    doc_prefix: String,
    doc_property: String,
    /// `EN-LV001-`
    head: String,
}

/// Letter, `yymmdd` and the `-` before the seq.
const DATE_PART_CHARS: usize = 8;

impl DocNumbering {
    pub fn new(doc_prefix: &str, doc_property: &str) -> Result<DocNumbering, DocNumberProblem> {
        let allowed = |s: &str| s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        if doc_prefix.is_empty() || doc_property.is_empty() || !allowed(doc_prefix) || !allowed(doc_property)
        {
            return Err(DocNumberProblem::BadParts);
        }
        Ok(DocNumbering {
            doc_prefix: doc_prefix.to_owned(),
            doc_property: doc_property.to_owned(),
            head: format!("{doc_prefix}-{doc_property}-"),
        })
    }

    pub fn doc_prefix(&self) -> &str {
        &self.doc_prefix
    }

    pub fn doc_property(&self) -> &str {
        &self.doc_property
    }

    /// The document number of the `seq`-th entry (from 1) of `kind` dated `date`.
    pub fn number(
        &self,
        kind: JournalKind,
        date: NaiveDate,
        seq: u32,
    ) -> Result<DocNumber, DocNumberProblem> {
        let stem = format!(
            "{}{}{:02}{:02}{:02}-",
            self.head,
            kind.doc_letter(),
            date.year().rem_euclid(100),
            date.month(),
            date.day()
        );
        let no_room = || DocNumberProblem::NoRoom { stem: stem.clone() };
        let room = DOC_NUMBER_MAX_CHARS.checked_sub(stem.len()).filter(|r| *r > 0).ok_or_else(no_room)?;
        let seq_text = encode_seq(seq, room).ok_or_else(no_room)?;
        DocNumber::new(format!("{stem}{seq_text}")).map_err(|_| DocNumberProblem::BadParts)
    }

    /// Characters of a document number before the seq; the seq gets what is left of 21.
    pub fn stem_chars(&self) -> usize {
        self.head.len() + DATE_PART_CHARS
    }
}

/// `seq` in at most `room` characters: decimal, else the compact form described in the module docs.
fn encode_seq(seq: u32, room: usize) -> Option<String> {
    let decimal = seq.to_string();
    if decimal.len() <= room {
        return Some(decimal);
    }
    let room_u32 = u32::try_from(room).ok()?;
    let decimal_count = 10u64.checked_pow(room_u32)?;
    let tail_count = 36u64.checked_pow(room_u32 - 1)?;
    let index = u64::from(seq) - decimal_count;
    if index >= 26 * tail_count {
        return None;
    }
    let mut text = String::with_capacity(room);
    text.push(char::from(b'A' + u8::try_from(index / tail_count).ok()?));
    let mut tail = index % tail_count;
    let mut digits = vec![b'0'; room - 1];
    for slot in digits.iter_mut().rev() {
        *slot = BASE36[usize::try_from(tail % 36).ok()?];
        tail /= 36;
    }
    text.extend(digits.into_iter().map(char::from));
    Some(text)
}

const BASE36: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::parse_date;

    #[test]
    fn default_doc_property_takes_two_and_three() {
        for (code, want) in [
            ("LV-OMA-001", "LV001"),
            ("lv-oma-001", "LV001"),
            ("AB12", "AB12"),
            ("A-B-C-D-E", "ABCDE"),
            ("ABCDEF", "ABDEF"),
            ("Über 7", "BER7"),
            ("--", ""),
        ] {
            assert_eq!(default_doc_property(code), want, "{code}");
        }
    }

    #[test]
    fn doc_numbers_follow_the_pattern() {
        let n = DocNumbering::new("EN", "LV001").unwrap();
        let date = parse_date("2026-02-01").unwrap();
        let check = |kind, seq, want: &str| {
            assert_eq!(n.number(kind, date, seq).unwrap().as_str(), want);
        };
        check(JournalKind::Charges, 1, "EN-LV001-C260201-1");
        check(JournalKind::Deposit, 12, "EN-LV001-D260201-12");
        check(JournalKind::Recognition, 9999, "EN-LV001-E260201-9999");
        check(JournalKind::Payments, 10_000, "EN-LV001-P260201-A000");
        check(JournalKind::Payments, 10_001, "EN-LV001-P260201-A001");
        check(JournalKind::Payments, 10_036, "EN-LV001-P260201-A010");
        check(JournalKind::Payments, 9999 + 26 * 36 * 36 * 36, "EN-LV001-P260201-ZZZZ");
        assert!(matches!(
            n.number(JournalKind::Payments, date, 10_000 + 26 * 36 * 36 * 36),
            Err(DocNumberProblem::NoRoom { .. })
        ));
    }

    #[test]
    fn compact_seqs_never_repeat_and_never_look_decimal() {
        let mut seen = std::collections::HashSet::new();
        for seq in 1..=(99 + 26 * 36) {
            let text = encode_seq(seq, 2).unwrap();
            assert!(text.len() <= 2, "{seq} -> {text}");
            assert_eq!(text.bytes().all(|b| b.is_ascii_digit()), seq <= 99, "{seq} -> {text}");
            assert!(seen.insert(text.clone()), "{seq} -> {text} twice");
        }
        assert_eq!(encode_seq(99 + 26 * 36 + 1, 2), None);
        assert_eq!(encode_seq(10, 1).as_deref(), Some("A"));
        assert_eq!(encode_seq(35, 1).as_deref(), Some("Z"));
    }

    #[test]
    fn parts_that_leave_no_room_or_break_the_charset_are_refused() {
        let date = parse_date("2026-02-01").unwrap();
        let long = DocNumbering::new("ENTRATA", "LV001").unwrap();
        assert_eq!(long.stem_chars(), 22);
        assert!(matches!(long.number(JournalKind::Charges, date, 1), Err(DocNumberProblem::NoRoom { .. })));
        assert_eq!(DocNumbering::new("EN", "").unwrap_err(), DocNumberProblem::BadParts);
        assert_eq!(DocNumbering::new("E N", "LV001").unwrap_err(), DocNumberProblem::BadParts);
        assert_eq!(DocNumbering::new("EN", "LVÖ01").unwrap_err(), DocNumberProblem::BadParts);
    }
}
