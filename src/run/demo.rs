//! `demo`: the nightly job on a generated portfolio, with no set-up. Starts the sandbox in this
//! process on a loopback port, writes a config and the example mapping files into a fresh folder,
//! pulls, plans and prints what a controller would read. The folder is kept so the state file,
//! config and mappings can be explored afterwards.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use rust_decimal::Decimal;

use crate::domain::{ExceptionKind, format_amount};
use crate::journal::JournalKind;
use crate::run::plan::Plan;

/// The example mapping files, embedded so that the demo runs from any folder. A test checks this
/// list against `mappings/`.
pub const EXAMPLE_MAPPINGS: &[(&str, &str)] = &[
    ("portfolio.toml", include_str!("../../mappings/portfolio.toml")),
    ("properties/prop_0001.toml", include_str!("../../mappings/properties/prop_0001.toml")),
    ("properties/prop_0002.toml", include_str!("../../mappings/properties/prop_0002.toml")),
    ("properties/prop_0003.toml", include_str!("../../mappings/properties/prop_0003.toml")),
    ("README.md", include_str!("../../mappings/README.md")),
];

/// Writes the example mapping files into `dir`.
pub fn write_example_mappings(dir: &Path) -> std::io::Result<()> {
    for (name, text) in EXAMPLE_MAPPINGS {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, text)?;
    }
    Ok(())
}

/// A fresh folder for the demo's files, kept after the demo ends.
pub fn demo_folder() -> std::io::Result<PathBuf> {
    let dir = tempfile::Builder::new().prefix("entrata-recon-demo-").tempdir()?;
    Ok(dir.keep())
}

/// The summary a controller reads in ten seconds: entries per property and kind, totals per
/// account, exceptions with the money waiting on them.
pub fn summary(plan: &Plan) -> String {
    let mut out = String::new();
    let kinds = JournalKind::ALL;
    let mut per_property: BTreeMap<&str, BTreeMap<JournalKind, usize>> = BTreeMap::new();
    let mut totals: BTreeMap<(&str, &str), (Total, Total)> = BTreeMap::new();
    for entry in &plan.entries {
        *per_property.entry(entry.property_id().as_str()).or_default().entry(entry.kind()).or_default() += 1;
        for line in entry.lines() {
            let t = totals.entry((entry.currency().as_str(), line.account().as_str())).or_default();
            t.0.add(line.debit());
            t.1.add(line.credit());
        }
    }
    let _ = writeln!(out, "Entries that would be posted ({}):", plan.entries.len());
    let _ = write!(out, "  {:<14}", "property");
    for kind in kinds {
        let _ = write!(out, " {:>11}", kind.as_str());
    }
    let _ = writeln!(out, " {:>8}", "total");
    for (property, counts) in &per_property {
        let _ = write!(out, "  {property:<14}");
        for kind in kinds {
            let _ = write!(out, " {:>11}", counts.get(&kind).copied().unwrap_or(0));
        }
        let _ = writeln!(out, " {:>8}", counts.values().sum::<usize>());
    }
    let _ = writeln!(out, "\nTotals per account:");
    let _ = writeln!(out, "  {:<24} {:>16} {:>16}", "account", "debit", "credit");
    let (mut all_dr, mut all_cr) = (Total::default(), Total::default());
    for ((currency, account), (dr, cr)) in &totals {
        let _ = writeln!(out, "  {account:<24} {:>16} {:>16}  {currency}", dr.text(), cr.text());
        all_dr.add_total(dr);
        all_cr.add_total(cr);
    }
    let _ = writeln!(out, "  {:<24} {:>16} {:>16}", "(all accounts)", all_dr.text(), all_cr.text());

    let mut by_kind: BTreeMap<ExceptionKind, (usize, BTreeMap<&str, Total>)> = BTreeMap::new();
    for x in &plan.exceptions {
        let line = by_kind.entry(x.kind).or_default();
        line.0 += 1;
        if let Some(amount) = x.amount {
            line.1.entry(amount.currency().as_str()).or_default().add(amount.amount());
        }
    }
    if by_kind.is_empty() {
        let _ = writeln!(out, "\nExceptions: none.");
    } else {
        let _ = writeln!(out, "\nExceptions ({}):", plan.exceptions.len());
        for (kind, (count, money)) in &by_kind {
            let money: Vec<String> = money.iter().map(|(c, m)| format!("{} {c}", m.text())).collect();
            let what = if kind.holds_item() { "held, waiting" } else { "posted, reported" };
            let _ = writeln!(out, "  {:<20} {count:>5}  {what}: {}", kind.as_str(), money.join(", "));
        }
    }
    out
}

/// A sum for the summary: exact, or `None` once it went beyond what a decimal holds (shown as
/// such, never as a wrong number). Items are limited to a trillion each, so that takes more items
/// than a state file can hold; it keeps the summary from panicking if that ever changes.
#[derive(Debug, Clone, Copy)]
struct Total(Option<Decimal>);

impl Default for Total {
    fn default() -> Total {
        Total(Some(Decimal::ZERO))
    }
}

impl Total {
    fn add(&mut self, amount: Decimal) {
        self.0 = self.0.and_then(|sum| sum.checked_add(amount));
    }

    fn add_total(&mut self, other: &Total) {
        self.0 = self.0.zip(other.0).and_then(|(a, b)| a.checked_add(b));
    }

    fn text(&self) -> String {
        self.0.map_or_else(|| "(overflow)".to_owned(), format_amount)
    }
}
