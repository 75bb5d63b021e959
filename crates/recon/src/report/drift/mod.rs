//! The drift report for people and programs: `table` (a terminal of 120 columns), `csv` (one row
//! per finding, then the tie-out rows; stable columns), `json` (docs/drift-json.md) and `html`
//! (one self-contained page: inline CSS, no script, nothing fetched).
//!
//! Invariants: money is printed from its `Decimal` with exactly two decimals, never cut to fit
//! (text is, with `…`); JSON and CSV carry amounts as plain two-decimal strings, the table and the
//! page with thousands separators; every renderer shows the same findings in the same order.

pub mod csv;
pub mod html;
pub mod json;
pub mod table;

use rust_decimal::Decimal;

use crate::domain::format_amount;
use crate::drift::{DriftReport, ReadMode, TargetRead};
use crate::targets::TargetKind;

/// `-1,234,567.89`: two decimals and thousands separators.
pub fn grouped(amount: Decimal) -> String {
    let plain = format_amount(amount);
    let (sign, digits) = match plain.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", plain.as_str()),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, "00"));
    let mut out = String::with_capacity(plain.len() + int.len() / 3);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    format!("{sign}{out}.{frac}")
}

/// An optional amount, grouped; empty when the side does not apply.
pub fn grouped_opt(amount: Option<Decimal>) -> String {
    amount.map(grouped).unwrap_or_default()
}

/// An optional amount as plain two-decimal text; empty when the side does not apply.
pub fn plain_opt(amount: Option<Decimal>) -> String {
    amount.map(format_amount).unwrap_or_default()
}

/// `qbo:147 xero:9f2c…`
/// Items shown by id in the table and the page; the CSV and the JSON list every one.
const ITEMS_SHOWN: usize = 5;

/// `chg_1 chg_2`, or for many, `751 items: chg_1 chg_2 chg_3 chg_4 chg_5 … (every id in the CSV
/// and JSON)`: a finding about a whole entry names its items without filling the page.
pub fn items_text(ids: &[String]) -> String {
    if ids.len() <= ITEMS_SHOWN {
        return ids.join(" ");
    }
    format!("{} items: {} … (every id in the CSV and JSON)", ids.len(), ids[..ITEMS_SHOWN].join(" "))
}

pub fn target_ids(ids: &[(TargetKind, String)]) -> String {
    ids.iter().map(|(t, id)| format!("{t}:{id}")).collect::<Vec<_>>().join(" ")
}

/// `1 finding` / `2 findings`.
pub fn count(n: usize, one: &str, many: &str) -> String {
    if n == 1 { format!("1 {one}") } else { format!("{n} {many}") }
}

/// What drift there is: `3 findings, 2 tie-out rows differ` (the parts that are not zero).
pub fn drift_text(report: &DriftReport) -> String {
    let mut parts = Vec::new();
    if report.drift_findings() > 0 {
        parts.push(count(report.drift_findings(), "finding", "findings"));
    }
    if report.untied() > 0 {
        parts.push(count(report.untied(), "tie-out row differs", "tie-out rows differ"));
    }
    parts.join(", ")
}

/// `14 items wait for a person` / `nothing waits for a person`.
pub fn waiting_text(report: &DriftReport) -> String {
    match report.waiting() {
        0 => "nothing waits for a person".to_owned(),
        n => count(n, "item waits for a person", "items wait for a person"),
    }
}

/// Drift, then what waits for a person: `no drift; 14 items wait for a person`, or `DRIFT FOUND:
/// 3 findings, 2 tie-out rows differ; nothing waits for a person`.
pub fn verdict(report: &DriftReport) -> String {
    match report.drift_found() {
        true => format!("DRIFT FOUND: {}; {}", drift_text(report), waiting_text(report)),
        false => format!("no drift; {}", waiting_text(report)),
    }
}

/// The money held back from posting, a line per currency: `Held back from the books: 101,665.68
/// USD (37 items; listed above; not planned, so in no tie-out row).`, or `Nothing is held back
/// from the books.`
pub fn held_back_lines(report: &DriftReport) -> Vec<String> {
    let lines: Vec<String> = report
        .held_back()
        .iter()
        .map(|h| {
            let without = match h.without_amount {
                0 => String::new(),
                n => format!(", {n} without an amount"),
            };
            format!(
                "Held back from the books: {} {} ({}{without}; listed above; not planned, so in no tie-out row).",
                grouped(h.amount),
                h.currency,
                count(h.items, "item", "items")
            )
        })
        .collect();
    if lines.is_empty() { vec!["Nothing is held back from the books.".to_owned()] } else { lines }
}

/// `all 40 rows tie out: planned = posted = in the books on every row` / `2 of 40 rows differ`.
pub fn tie_out_text(report: &DriftReport) -> String {
    match report.untied() {
        0 => {
            format!("all {} rows tie out: planned = posted = in the books on every row", report.tieouts.len())
        }
        n => format!("{n} of {} rows differ", report.tieouts.len()),
    }
}

/// 0 nothing to do; 1 drift found or something waits for a person (as everywhere in this CLI, 1
/// means a person is needed); 2, could not compare, is the caller's.
pub fn exit_code(report: &DriftReport) -> u8 {
    u8::from(report.needs_person())
}

/// `read changes since 2026-02-01 10:00 UTC: 3 documents, 1 call` / `full read (first comparison
/// with this company): 120 documents, 4 calls`.
pub fn read_text(read: &TargetRead) -> String {
    let how = match (read.mode, &read.since, &read.reason) {
        (ReadMode::Changes, Some(since), _) => {
            format!("read changes since {}", since.format("%Y-%m-%d %H:%M:%S UTC"))
        }
        (ReadMode::Changes, None, _) => "read changes".to_owned(),
        (ReadMode::Full, _, Some(reason)) => format!("full read ({reason})"),
        (ReadMode::Full, _, None) => "full read".to_owned(),
    };
    format!(
        "{how}: {} read, the target has {} from the connector, {}",
        count(read.documents_read, "document", "documents"),
        read.documents_held,
        count(read.calls as usize, "call", "calls")
    )
}

/// `QuickBooks Online "Lakeview Holdings" (9130357766900456)`, and `, book owner-a` for a book
/// other than the default one.
pub fn company_text(read: &TargetRead) -> String {
    let company = match &read.company_name {
        Some(name) => format!("{} \"{name}\" ({})", read.target.name(), read.company_id),
        None => format!("{} ({})", read.target.name(), read.company_id),
    };
    format!("{company}{}", of_book(Some(&read.book)))
}

/// `, book owner-a`; nothing for the default book or none.
pub fn of_book(book: Option<&crate::domain::BookName>) -> String {
    book.filter(|b| !b.is_default()).map_or_else(String::new, |b| format!(", book {b}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_separators() {
        let check = |cents: i64, want: &str| assert_eq!(grouped(Decimal::new(cents, 2)), want);
        check(0, "0.00");
        check(5, "0.05");
        check(-129_500, "-1,295.00");
        check(100_000, "1,000.00");
        check(99_999, "999.99");
        check(123_456_789_012, "1,234,567,890.12");
    }

    /// Issue 16, item 8: drift apart from work waiting for a person, in words and in the exit code.
    #[test]
    fn the_verdict_says_drift_apart_from_what_waits_for_a_person() {
        use crate::drift::FindingKind;
        use crate::drift::tests::{finding, report, tie, waiting_only};
        let waiting = waiting_only();
        assert_eq!(verdict(&waiting), "no drift; 6 items wait for a person");
        assert_eq!(exit_code(&waiting), 1);
        let clean = report(Vec::new(), vec![tie(100, 100, 100)]);
        assert_eq!(verdict(&clean), "no drift; nothing waits for a person");
        assert_eq!(exit_code(&clean), 0);
        let mut both = waiting_only();
        both.findings.push(finding(FindingKind::ChangedInEntrata, 500, "USD"));
        both.tieouts.extend([tie(100, 0, 0), tie(100, 100, 0)]);
        assert_eq!(
            verdict(&both),
            "DRIFT FOUND: 1 finding, 2 tie-out rows differ; 6 items wait for a person"
        );
        assert_eq!(exit_code(&both), 1);
        let one_row = report(Vec::new(), vec![tie(100, 100, 0)]);
        assert_eq!(verdict(&one_row), "DRIFT FOUND: 1 tie-out row differs; nothing waits for a person");
        let mut one_waits = report(vec![finding(FindingKind::Pending, 100, "USD")], Vec::new());
        assert_eq!(verdict(&one_waits), "no drift; 1 item waits for a person");
        one_waits.findings.push(finding(FindingKind::DeletedInTarget, 100, "USD"));
        one_waits.findings.push(finding(FindingKind::EditedInTarget, 100, "USD"));
        assert_eq!(verdict(&one_waits), "DRIFT FOUND: 2 findings; 1 item waits for a person");
    }

    /// Issue 16, item 8: when every row ties out, the tie-out does not let it seem that the money
    /// held back from posting is in the books: it says how much is held back, per currency.
    #[test]
    fn the_tie_out_says_what_is_held_back_from_the_books() {
        use crate::domain::ExceptionKind;
        use crate::drift::FindingKind;
        use crate::drift::tests::{finding, waiting_only};
        let mut report = waiting_only();
        report.findings.push(finding(FindingKind::Exception(ExceptionKind::UnknownAccount), 1_000, "CAD"));
        let mut adjustment = finding(FindingKind::Exception(ExceptionKind::AdjustmentHeld), 0, "USD");
        adjustment.entrata = None;
        report.findings.push(adjustment);

        let text = table::render(&report);
        assert!(!text.contains("Entrata = posted = held"), "{text}");
        assert!(
            text.contains(
                "\n== Tie-out: all 1 rows tie out: planned = posted = in the books on every row ==\n"
            ),
            "{text}"
        );
        assert!(
            text.contains(
                "\nHeld back from the books: 145.00 USD (3 items, 1 without an amount; listed above; \
                 not planned, so in no tie-out row).\n"
            ),
            "{text}"
        );
        assert!(text.contains("\nHeld back from the books: 10.00 CAD (1 item; listed above; "), "{text}");

        let page = html::render(&report);
        assert!(page.contains("All 1 rows tie out: planned = posted = in the books on every row."), "{page}");
        assert!(
            page.contains("Held back from the books: 145.00 USD (3 items, 1 without an amount;"),
            "{page}"
        );

        let value = json::to_value(&report);
        assert_eq!(
            value["heldBack"],
            serde_json::json!([
                {"currency": "CAD", "amount": "10.00", "items": 1, "withoutAmount": 0},
                {"currency": "USD", "amount": "145.00", "items": 3, "withoutAmount": 1},
            ])
        );

        let clean = crate::drift::tests::report(Vec::new(), vec![crate::drift::tests::tie(1, 1, 1)]);
        assert!(table::render(&clean).contains("\nNothing is held back from the books.\n"));
    }
}
