//! `plan` output: the entries that would be posted and the exceptions, as JSON (PRODUCT.md §8),
//! CSV or a table for people. Money is always text with exactly two decimals.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use rust_decimal::Decimal;
use serde::Serialize;

use crate::domain::{Exception, PropertyId, format_amount};
use crate::journal::{BalancedEntry, Side};
use crate::mapping::PropertyMapping;
use crate::targets::TargetKind;

/// What `plan --format table|csv` shows, with what it needs to name target accounts. JSON is
/// written a property at a time by [`PlanJsonWriter`].
pub struct PlanView<'a> {
    pub entries: &'a [BalancedEntry],
    pub exceptions: &'a [Exception],
    /// The merged mapping of a property (for target account numbers and dimensions).
    pub mapping_for: &'a dyn Fn(&PropertyId) -> &'a PropertyMapping,
    /// Only this target's account references; both when `None`.
    pub target: Option<TargetKind>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EntryJson<'a> {
    key: &'a str,
    doc_number: &'a str,
    property_id: &'a str,
    kind: &'static str,
    date: String,
    post_month: String,
    currency: &'a str,
    lines: Vec<LineJson<'a>>,
    sources: &'a [String],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LineJson<'a> {
    account: &'a str,
    debit: String,
    credit: String,
    description: &'a str,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    target: BTreeMap<&'static str, &'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dimensions: Option<&'a serde_json::Value>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ExceptionJson<'a> {
    kind: &'static str,
    property_id: Option<&'a str>,
    source_id: &'a str,
    amount: Option<String>,
    message: &'a str,
}

impl PlanView<'_> {
    /// One row per line, then one per exception; `record` says which.
    pub fn to_csv(&self) -> Result<String, csv::Error> {
        let mut out = csv::Writer::from_writer(Vec::new());
        out.write_record([
            "record",
            "key",
            "docNumber",
            "propertyId",
            "kind",
            "date",
            "postMonth",
            "currency",
            "account",
            "debit",
            "credit",
            "description",
            "sources",
            "amount",
            "message",
        ])?;
        for entry in self.entries {
            for line in entry.lines() {
                out.write_record([
                    "line",
                    entry.key().as_str(),
                    entry.doc_number().as_str(),
                    entry.property_id().as_str(),
                    entry.kind().as_str(),
                    &entry.date().to_string(),
                    &entry.post_month().to_string(),
                    entry.currency().as_str(),
                    line.account().as_str(),
                    &format_amount(line.debit()),
                    &format_amount(line.credit()),
                    line.description(),
                    &entry.sources().join(" "),
                    "",
                    "",
                ])?;
            }
        }
        for x in self.exceptions {
            out.write_record([
                "exception",
                "",
                "",
                x.property_id.as_ref().map_or("", PropertyId::as_str),
                x.kind.as_str(),
                "",
                "",
                x.amount.map_or("", |m| m.currency().as_str()),
                "",
                "",
                "",
                "",
                &x.source_id,
                &x.amount.map(|m| format_amount(m.amount())).unwrap_or_default(),
                &x.message,
            ])?;
        }
        let bytes = out.into_inner().map_err(|e| e.into_error())?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }

    /// A readable listing: each entry with its lines, then totals per account, then exceptions.
    pub fn to_table(&self) -> String {
        let mut out = String::new();
        let mut totals: BTreeMap<(&str, &str), (Decimal, Decimal)> = BTreeMap::new();
        for entry in self.entries {
            let _ = writeln!(
                out,
                "{:<21} {} {:<11} {:<14} {} source(s)",
                entry.doc_number().as_str(),
                entry.date(),
                entry.kind().as_str(),
                entry.property_id().as_str(),
                entry.sources().len()
            );
            for line in entry.lines() {
                let (dr, cr) = match line.side() {
                    Side::Debit => (format_amount(line.amount()), String::new()),
                    Side::Credit => (String::new(), format_amount(line.amount())),
                };
                let _ = writeln!(
                    out,
                    "    {:<24} {:>14} {:>14}  {}",
                    line.account().as_str(),
                    dr,
                    cr,
                    line.description()
                );
                let total = totals.entry((entry.currency().as_str(), line.account().as_str())).or_default();
                total.0 += line.debit();
                total.1 += line.credit();
            }
        }
        let _ = writeln!(out, "\n{} entries. Totals per account:", self.entries.len());
        for ((currency, account), (dr, cr)) in &totals {
            let _ = writeln!(
                out,
                "    {account:<24} {:>14} {:>14}  {currency}",
                format_amount(*dr),
                format_amount(*cr)
            );
        }
        if self.exceptions.is_empty() {
            let _ = writeln!(out, "\nNo exceptions.");
        } else {
            let _ = writeln!(out, "\n{} exception(s):", self.exceptions.len());
            for x in self.exceptions {
                let amount = x.amount.map(|m| m.to_string()).unwrap_or_default();
                let _ = writeln!(
                    out,
                    "    {:<18} {:<14} {:<16} {:>16}  {}",
                    x.kind.as_str(),
                    x.property_id.as_ref().map_or("-", PropertyId::as_str),
                    x.source_id,
                    amount,
                    x.message
                );
            }
        }
        out
    }
}

/// Writes PRODUCT.md §8 JSON as the plan is made: entries a batch at a time (a property's, as
/// `run::plan::plan_each` hands them over), exceptions at the end. The bytes are exactly
/// `serde_json::to_writer_pretty` of `{"entries": [...], "exceptions": [...]}`.
pub struct PlanJsonWriter<'a, W: std::io::Write> {
    out: W,
    mapping_for: &'a dyn Fn(&PropertyId) -> &'a PropertyMapping,
    target: Option<TargetKind>,
    /// Each property's dimensions, rendered once.
    dimensions: BTreeMap<PropertyId, Option<serde_json::Value>>,
    entries_written: u64,
    exceptions: Vec<Exception>,
    buf: Vec<u8>,
}

impl<'a, W: std::io::Write> PlanJsonWriter<'a, W> {
    pub fn new(
        mut out: W,
        mapping_for: &'a dyn Fn(&PropertyId) -> &'a PropertyMapping,
        target: Option<TargetKind>,
    ) -> serde_json::Result<Self> {
        out.write_all(b"{\n  \"entries\": ").map_err(serde_json::Error::io)?;
        Ok(PlanJsonWriter {
            out,
            mapping_for,
            target,
            dimensions: BTreeMap::new(),
            entries_written: 0,
            exceptions: Vec::new(),
            buf: Vec::new(),
        })
    }

    /// Renders and writes entries (after those already written).
    pub fn entries(&mut self, entries: &[BalancedEntry]) -> serde_json::Result<()> {
        for entry in entries {
            let property = entry.property_id();
            if !self.dimensions.contains_key(property) {
                let d = dimensions_json((self.mapping_for)(property), self.target);
                let value = (!d.is_empty()).then(|| serde_json::to_value(d).unwrap_or_default());
                self.dimensions.insert(property.clone(), value);
            }
            let dimensions = self.dimensions.get(property).and_then(Option::as_ref);
            let json = entry_json(entry, (self.mapping_for)(property), self.target, dimensions);
            push_array_element(&mut self.buf, self.entries_written == 0, &json)?;
            self.entries_written += 1;
        }
        self.out.write_all(&self.buf).map_err(serde_json::Error::io)?;
        self.buf.clear();
        Ok(())
    }

    /// Keeps exceptions to write after the entries.
    pub fn exceptions(&mut self, exceptions: impl IntoIterator<Item = Exception>) {
        self.exceptions.extend(exceptions);
    }

    /// Closes the entries, writes the exceptions, and returns the writer and how many exceptions
    /// there were.
    pub fn finish(mut self) -> serde_json::Result<(W, usize)> {
        let io = serde_json::Error::io;
        if self.entries_written == 0 {
            self.out.write_all(b"[]").map_err(io)?;
        } else {
            self.out.write_all(b"\n  ]").map_err(io)?;
        }
        self.out.write_all(b",\n  \"exceptions\": ").map_err(io)?;
        if self.exceptions.is_empty() {
            self.out.write_all(b"[]").map_err(io)?;
        } else {
            for (i, x) in self.exceptions.iter().enumerate() {
                let json = ExceptionJson {
                    kind: x.kind.as_str(),
                    property_id: x.property_id.as_ref().map(PropertyId::as_str),
                    source_id: &x.source_id,
                    amount: x.amount.map(|m| format_amount(m.amount())),
                    message: &x.message,
                };
                push_array_element(&mut self.buf, i == 0, &json)?;
            }
            self.out.write_all(&self.buf).map_err(io)?;
            self.out.write_all(b"\n  ]").map_err(io)?;
        }
        self.out.write_all(b"\n}").map_err(io)?;
        Ok((self.out, self.exceptions.len()))
    }
}

fn entry_json<'e>(
    entry: &'e BalancedEntry,
    mapping: &'e PropertyMapping,
    only: Option<TargetKind>,
    dimensions: Option<&'e serde_json::Value>,
) -> EntryJson<'e> {
    EntryJson {
        key: entry.key().as_str(),
        doc_number: entry.doc_number().as_str(),
        property_id: entry.property_id().as_str(),
        kind: entry.kind().as_str(),
        date: entry.date().to_string(),
        post_month: entry.post_month().to_string(),
        currency: entry.currency().as_str(),
        lines: entry
            .lines()
            .iter()
            .map(|line| {
                let mut target = BTreeMap::new();
                if let Some(accounts) = mapping.accounts.get(line.account()) {
                    if only != Some(TargetKind::Xero)
                        && let Some(qbo) = &accounts.qbo
                    {
                        target.insert("qbo", qbo.as_str());
                    }
                    if only != Some(TargetKind::Qbo)
                        && let Some(xero) = &accounts.xero
                    {
                        target.insert("xero", xero.as_str());
                    }
                }
                LineJson {
                    account: line.account().as_str(),
                    debit: format_amount(line.debit()),
                    credit: format_amount(line.credit()),
                    description: line.description(),
                    target,
                    dimensions,
                }
            })
            .collect(),
        sources: entry.sources(),
    }
}

/// Appends one element of an array that is the value of a top-level field, as
/// `serde_json::to_writer_pretty` lays it out (two spaces a level): the element is rendered on its
/// own, then indented two levels. Every newline in pretty JSON is layout: strings escape theirs.
fn push_array_element(buf: &mut Vec<u8>, first: bool, value: &impl Serialize) -> serde_json::Result<()> {
    buf.extend_from_slice(if first { b"[\n    " } else { b",\n    " });
    let start = buf.len();
    serde_json::to_writer_pretty(&mut *buf, value)?;
    if buf[start..].contains(&b'\n') {
        let rendered = buf.split_off(start);
        for (i, line) in rendered.split(|b| *b == b'\n').enumerate() {
            if i > 0 {
                buf.extend_from_slice(b"\n    ");
            }
            buf.extend_from_slice(line);
        }
    }
    Ok(())
}

fn dimensions_json(
    mapping: &PropertyMapping,
    target: Option<TargetKind>,
) -> BTreeMap<&'static str, serde_json::Value> {
    let d = &mapping.dimensions;
    let mut out = BTreeMap::new();
    if target != Some(TargetKind::Xero) {
        if let Some(class) = &d.qbo_class {
            out.insert("qboClass", class.clone().into());
        }
        if let Some(location) = &d.qbo_location {
            out.insert("qboLocation", location.clone().into());
        }
    }
    if target != Some(TargetKind::Qbo) && !d.xero_tracking.is_empty() {
        let tracking: Vec<serde_json::Value> =
            d.xero_tracking.iter().map(|t| serde_json::json!({"name": t.name, "option": t.option})).collect();
        out.insert("xeroTracking", tracking.into());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ExceptionKind;

    #[derive(Serialize)]
    struct Plain<'a> {
        entries: Vec<u8>,
        exceptions: Vec<ExceptionJson<'a>>,
    }

    fn exception(id: &str) -> Exception {
        Exception {
            kind: ExceptionKind::InvalidItem,
            property_id: Some(PropertyId::new("prop_1")),
            source_id: id.to_owned(),
            amount: None,
            message: "line one\nline two \"quoted\"".to_owned(),
        }
    }

    /// The streaming writer lays JSON out exactly as `serde_json::to_string_pretty` would, empty
    /// arrays and strings with newlines included.
    #[test]
    fn the_writer_matches_serde_json_pretty() {
        let dir = tempfile::tempdir().unwrap();
        crate::run::demo::write_example_mappings(dir.path()).unwrap();
        let mappings = crate::mapping::load(dir.path()).unwrap();
        let mapping_for = |id: &PropertyId| mappings.for_property(id);
        for exceptions in [vec![], vec![exception("chg_1")], vec![exception("chg_1"), exception("chg_2")]] {
            let mut writer = PlanJsonWriter::new(Vec::new(), &mapping_for, None).unwrap();
            writer.entries(&[]).unwrap();
            writer.exceptions(exceptions.clone());
            let (written, n) = writer.finish().unwrap();
            assert_eq!(n, exceptions.len());
            let plain = Plain {
                entries: vec![],
                exceptions: exceptions
                    .iter()
                    .map(|x| ExceptionJson {
                        kind: x.kind.as_str(),
                        property_id: x.property_id.as_ref().map(PropertyId::as_str),
                        source_id: &x.source_id,
                        amount: None,
                        message: &x.message,
                    })
                    .collect(),
            };
            assert_eq!(String::from_utf8(written).unwrap(), serde_json::to_string_pretty(&plain).unwrap());
        }
    }
}
