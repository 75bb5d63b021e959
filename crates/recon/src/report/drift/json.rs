//! `drift --format json`: the schema documented in docs/drift-json.md (version 2). Money is a
//! string with exactly two decimals; a side that does not apply is `null`.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::plain_opt;
use crate::domain::format_amount;
use crate::drift::{Category, DriftReport, Finding, TieOut};

/// The schema's version: bumped when a field changes meaning or goes away (new fields do not).
pub const VERSION: u32 = 2;

pub fn render(report: &DriftReport) -> String {
    // Invariant: a `Value` of strings, numbers and arrays always serializes.
    serde_json::to_string_pretty(&to_value(report)).unwrap_or_default() + "\n"
}

pub fn to_value(report: &DriftReport) -> Value {
    let by_category: BTreeMap<&str, usize> =
        Category::ALL.iter().map(|c| (c.as_str(), report.count(*c))).collect();
    let by_kind: BTreeMap<&str, usize> =
        report.counts_by_kind().into_iter().map(|(k, n)| (k.as_str(), n)).collect();
    json!({
        "version": VERSION,
        "generatedAt": report.generated_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "lastPullAt": report.last_pull_at,
        "period": report.period.map(|p| p.to_string()),
        "properties": report.properties,
        "driftFound": report.drift_found(),
        "needsPerson": report.needs_person(),
        "targets": report.targets.iter().map(|t| json!({
            "target": t.target.as_str(),
            "book": t.book.as_str(),
            "companyId": t.company_id,
            "companyName": t.company_name,
            "read": t.mode.as_str(),
            "reason": t.reason,
            "since": t.since.map(|s| s.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
            "comparedAt": t.compared_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "documentsRead": t.documents_read,
            "documentsInTarget": t.documents_held,
            "calls": t.calls,
        })).collect::<Vec<_>>(),
        "notCompared": report.not_compared.iter().map(|(t, why)| json!({
            "target": t.as_str(),
            "reason": why,
        })).collect::<Vec<_>>(),
        "summary": {
            "findings": report.findings.len(),
            "driftFindings": report.drift_findings(),
            "waitingForPerson": report.waiting(),
            "byCategory": by_category,
            "byKind": by_kind,
            "tieOutRows": report.tieouts.len(),
            "tieOutRowsWithDifference": report.untied(),
        },
        "heldBack": report.held_back().iter().map(|h| json!({
            "currency": h.currency,
            "amount": format_amount(h.amount),
            "items": h.items,
            "withoutAmount": h.without_amount,
        })).collect::<Vec<_>>(),
        "findings": report.findings.iter().map(finding).collect::<Vec<_>>(),
        "tieOuts": report.tieouts.iter().map(tie_out).collect::<Vec<_>>(),
    })
}

fn money(amount: Option<rust_decimal::Decimal>) -> Value {
    amount.map_or(Value::Null, |a| Value::String(plain_opt(Some(a))))
}

fn finding(f: &Finding) -> Value {
    let target_ids: BTreeMap<&str, &str> =
        f.target_ids.iter().map(|(t, id)| (t.as_str(), id.as_str())).collect();
    json!({
        "category": f.kind.category().as_str(),
        "drift": f.kind.category().is_drift(),
        "kind": f.kind.as_str(),
        "propertyId": f.property_id,
        "postMonth": f.post_month.map(|m| m.to_string()),
        "target": f.target.map(|t| t.as_str()),
        "book": f.book.as_ref().map(|b| b.as_str()),
        "sourceIds": f.source_ids,
        "entryKey": f.entry_key,
        "docNumber": f.doc_number,
        "targetIds": target_ids,
        "account": f.account,
        "currency": f.currency,
        "entrata": money(f.entrata),
        "recorded": money(f.recorded),
        "books": money(f.held),
        "difference": format_amount(f.difference),
        "message": f.message,
    })
}

fn tie_out(t: &TieOut) -> Value {
    json!({
        "target": t.target.as_str(),
        "book": t.book.as_str(),
        "propertyId": t.property_id,
        "postMonth": t.post_month.to_string(),
        "account": t.account,
        "accountNames": t.account_names,
        "currency": t.currency,
        "entrata": format_amount(t.entrata),
        "posted": format_amount(t.posted),
        "books": format_amount(t.held),
        "entrataVsPosted": format_amount(t.entrata_vs_posted()),
        "booksVsPosted": format_amount(t.held_vs_posted()),
        "tiesOut": t.ties_out(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::drift::FindingKind;
    use crate::drift::tests::{finding, tie, waiting_only};

    /// Every object key the JSON has (but the keys of maps keyed by data: categories, kinds,
    /// targets).
    fn keys(value: &Value, out: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                for (key, inner) in map {
                    out.push(key.clone());
                    if !["byCategory", "byKind", "targetIds"].contains(&key.as_str()) {
                        keys(inner, out);
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|v| keys(v, out)),
            _ => {}
        }
    }

    /// docs/drift-json.md names every field the JSON has, and its version.
    #[test]
    fn the_schema_document_names_every_field() {
        let doc = include_str!("../../../../../docs/drift-json.md");
        let mut report = waiting_only();
        report.findings.push(finding(FindingKind::ChangedInEntrata, 500, "USD"));
        report.tieouts.push(tie(100, 100, 0));
        report.not_compared.push((crate::targets::TargetKind::Xero, "not connected".into()));
        report.targets.push(crate::drift::TargetRead {
            target: crate::targets::TargetKind::Qbo,
            book: crate::domain::BookName::default_book(),
            company_id: "1".into(),
            company_name: None,
            mode: crate::drift::ReadMode::Full,
            reason: None,
            since: None,
            compared_at: report.generated_at,
            documents_read: 1,
            documents_held: 1,
            calls: 1,
        });
        let mut found = Vec::new();
        keys(&to_value(&report), &mut found);
        found.sort();
        found.dedup();
        let missing: Vec<&String> = found.iter().filter(|k| !doc.contains(&format!("`{k}`"))).collect();
        assert!(missing.is_empty(), "docs/drift-json.md does not name {missing:?}");
        assert!(doc.contains(&format!("(version {VERSION})")), "the document's version");
        assert!(doc.contains(&format!("\"version\": {VERSION},")), "the example's version");
    }
}
