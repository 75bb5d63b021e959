//! `drift --format csv`: one row per finding, then one per tie-out row, under fixed columns that
//! never move (README.md lists them; a new one is added at the end). Money is plain two-decimal text (Excel reads it as a
//! number); a side that does not apply is empty.

use super::{plain_opt, target_ids};
use crate::domain::format_amount;
use crate::drift::DriftReport;

/// The columns, in order.
pub const COLUMNS: [&str; 21] = [
    "record",
    "category",
    "kind",
    "propertyId",
    "postMonth",
    "target",
    "sourceIds",
    "entryKey",
    "docNumber",
    "targetIds",
    "account",
    "accountNames",
    "currency",
    "entrata",
    "recorded",
    "books",
    "difference",
    "booksDifference",
    "message",
    "drift",
    "book",
];

/// `drift`: `yes` for drift (a finding of a drift category, a tie-out row that differs), `no` for
/// what waits for a person or ties out.
fn yes_no(drift: bool) -> String {
    if drift { "yes" } else { "no" }.to_owned()
}

pub fn render(report: &DriftReport) -> Result<String, String> {
    let mut writer = ::csv::Writer::from_writer(Vec::new());
    let err = |e: ::csv::Error| e.to_string();
    writer.write_record(COLUMNS).map_err(err)?;
    for f in &report.findings {
        let row: [String; 21] = [
            "finding".into(),
            f.kind.category().as_str().into(),
            f.kind.as_str().into(),
            f.property_id.clone(),
            f.post_month.map(|m| m.to_string()).unwrap_or_default(),
            f.target.map(|t| t.as_str().to_owned()).unwrap_or_default(),
            f.source_ids.join(" "),
            f.entry_key.clone().unwrap_or_default(),
            f.doc_number.clone().unwrap_or_default(),
            target_ids(&f.target_ids),
            f.account.clone().unwrap_or_default(),
            String::new(),
            f.currency.clone(),
            plain_opt(f.entrata),
            plain_opt(f.recorded),
            plain_opt(f.held),
            format_amount(f.difference),
            String::new(),
            f.message.clone(),
            yes_no(f.kind.category().is_drift()),
            f.book.as_ref().map(|b| b.to_string()).unwrap_or_default(),
        ];
        writer.write_record(&row).map_err(err)?;
    }
    for t in &report.tieouts {
        let row: [String; 21] = [
            "tieout".into(),
            String::new(),
            if t.ties_out() { "ties_out".into() } else { "difference".into() },
            t.property_id.clone(),
            t.post_month.to_string(),
            t.target.as_str().into(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            t.account.clone(),
            t.account_names.join(" "),
            t.currency.clone(),
            format_amount(t.entrata),
            format_amount(t.posted),
            format_amount(t.held),
            format_amount(t.entrata_vs_posted()),
            format_amount(t.held_vs_posted()),
            String::new(),
            yes_no(!t.ties_out()),
            t.book.to_string(),
        ];
        writer.write_record(&row).map_err(err)?;
    }
    let bytes = writer.into_inner().map_err(|e| e.to_string())?;
    String::from_utf8(bytes).map_err(|e| e.to_string())
}
