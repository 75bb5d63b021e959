//! `plan --format json` (PRODUCT.md §8), written a property at a time as the plan is made. With
//! `--target`, each line's `target` is that target's account reference and the dimensions it
//! carries there (`{"account": "1200", "class": ..., "location": ..., "customer": ...}` for
//! QuickBooks, `{"account": "1210", "tracking": [...], "contact": ...}` for Xero); without, it is
//! both targets' account references (`{"qbo": "1200", "xero": "1210"}`).

use std::collections::BTreeMap;

use serde::Serialize;

use super::TargetView;
use crate::domain::{Exception, PropertyId, format_amount};
use crate::journal::BalancedEntry;
use crate::mapping::PropertyMapping;
use crate::targets::TargetKind;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EntryJson<'a> {
    key: &'a str,
    doc_number: &'a str,
    property_id: &'a str,
    book: &'a str,
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
    #[serde(skip_serializing_if = "LineTarget::is_empty")]
    target: LineTarget<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dimensions: Option<&'a serde_json::Value>,
}

/// A line's `target`: both targets' account references, or one target's reference and dimensions.
#[derive(Serialize)]
#[serde(untagged)]
enum LineTarget<'a> {
    Both(BTreeMap<&'static str, &'a str>),
    One(OneTarget<'a>),
}

impl LineTarget<'_> {
    fn is_empty(&self) -> bool {
        matches!(self, LineTarget::Both(refs) if refs.is_empty())
    }
}

#[derive(Serialize)]
struct OneTarget<'a> {
    account: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    class: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    location: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    customer: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tracking: Vec<TrackingJson<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    contact: Option<&'a str>,
}

#[derive(Serialize)]
struct TrackingJson<'a> {
    name: &'a str,
    option: &'a str,
}

impl<'a> OneTarget<'a> {
    fn of(view: TargetView<'a>) -> OneTarget<'a> {
        let d = view.dimensions;
        let (qbo, xero) = (view.target == TargetKind::Qbo, view.target == TargetKind::Xero);
        OneTarget {
            account: view.account,
            class: d.qbo_class.as_deref().filter(|_| qbo),
            location: d.qbo_location.as_deref().filter(|_| qbo),
            customer: d.qbo_customer.as_deref().filter(|_| qbo),
            tracking: if xero {
                d.xero_tracking.iter().map(|t| TrackingJson { name: &t.name, option: &t.option }).collect()
            } else {
                Vec::new()
            },
            contact: d.xero_contact.as_deref().filter(|_| xero),
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ExceptionJson<'a> {
    kind: &'static str,
    property_id: Option<&'a str>,
    source_id: &'a str,
    amount: Option<String>,
    message: &'a str,
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
        book: mapping.book.as_str(),
        kind: entry.kind().as_str(),
        date: entry.date().to_string(),
        post_month: entry.post_month().to_string(),
        currency: entry.currency().as_str(),
        lines: entry
            .lines()
            .iter()
            .map(|line| {
                let target = match only {
                    Some(target) => {
                        LineTarget::One(OneTarget::of(TargetView::of(mapping, line.account(), target)))
                    }
                    None => {
                        let mut refs = BTreeMap::new();
                        if let Some(accounts) = mapping.accounts.get(line.account()) {
                            if let Some(qbo) = &accounts.qbo {
                                refs.insert("qbo", qbo.as_str());
                            }
                            if let Some(xero) = &accounts.xero {
                                refs.insert("xero", xero.as_str());
                            }
                        }
                        LineTarget::Both(refs)
                    }
                };
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
        crate::mapping::examples::write_example_mappings(dir.path()).unwrap();
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
