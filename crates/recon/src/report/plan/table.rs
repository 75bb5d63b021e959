//! `plan` as a table for people: column headers, every line within [`WIDTH`] columns (text that
//! would not fit is cut with `…`; money and document numbers never are), totals per account, then
//! the exceptions summed up by kind with the money waiting, then the largest of each kind.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use rust_decimal::Decimal;

use super::{PlanView, TargetView};
use crate::domain::{Exception, PropertyId, format_amount};
use crate::journal::{BalancedEntry, Side};
use crate::report::exceptions::{by_kind, render_by_kind};
use crate::targets::TargetKind;

/// The widest line the table writes (a terminal of 120 columns).
pub const WIDTH: usize = 120;
/// Exceptions listed one by one per kind (largest amounts first); all are in CSV and JSON.
pub const DETAILS_PER_KIND: usize = 10;

const DOC: usize = 21;
const KIND: usize = 11;
const PROPERTY: usize = 16;
const ACCOUNT: usize = 26;
const TARGET_ACCOUNT: usize = 10;
const AMOUNT: usize = 15;

/// `text` in at most `width` characters: cut with `…` when longer. Line breaks and tabs become
/// spaces.
pub fn fit(text: &str, width: usize) -> String {
    let flat: String = text.chars().map(|c| if c.is_whitespace() { ' ' } else { c }).collect();
    if flat.chars().count() <= width {
        return flat;
    }
    if width == 0 {
        return String::new();
    }
    let mut cut: String = flat.chars().take(width - 1).collect();
    cut.push('…');
    cut
}

/// `text` in lines of at most `width` characters, broken between words, at most `lines` of them
/// (the last cut with `…` when there is more).
pub fn wrap(text: &str, width: usize, lines: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut words = text.split_whitespace().peekable();
    while out.len() < lines {
        let Some(word) = words.next() else { break };
        let mut line = word.to_owned();
        while let Some(next) = words.peek() {
            if line.chars().count() + 1 + next.chars().count() > width {
                break;
            }
            line.push(' ');
            line.push_str(next);
            words.next();
        }
        out.push(line);
    }
    if let Some(last) = out.last_mut() {
        let rest: Vec<&str> = words.collect();
        if !rest.is_empty() {
            *last = fit(&format!("{last} {}", rest.join(" ")), width);
        } else {
            *last = fit(last, width);
        }
    }
    out
}

/// Ends a row: `prefix` then as much of `rest` as fits in [`WIDTH`], trailing spaces trimmed.
fn row(out: &mut String, prefix: &str, rest: &str) {
    let room = WIDTH.saturating_sub(prefix.chars().count());
    let line = format!("{prefix}{}", fit(rest, room));
    let _ = writeln!(out, "{}", line.trim_end());
}

impl PlanView<'_> {
    pub fn to_table(&self) -> String {
        let mut out = String::new();
        let entries = match self.standing {
            None => self.entries,
            Some(standing) => {
                let _ = writeln!(
                    out,
                    "Already posted: {} (a target holds them; `entrata-recon status` counts them per target). \
                     Below: only what a post would send now.",
                    match standing.posted {
                        1 => "1 entry".to_owned(),
                        n => format!("{n} entries"),
                    }
                );
                out.push_str(&crate::report::post::adjustment_lines(&standing.adjustments, ""));
                let _ = writeln!(out);
                &standing.to_post
            }
        };
        self.write_entries(&mut out, entries);
        self.write_totals(&mut out, entries);
        write_exceptions(&mut out, self.exceptions);
        out
    }

    fn target_column(&self) -> Option<(TargetKind, &'static str)> {
        self.target.map(|t| (t, if t == TargetKind::Qbo { "qbo" } else { "xero" }))
    }

    fn write_entries(&self, out: &mut String, entries: &[BalancedEntry]) {
        if entries.is_empty() {
            let _ = writeln!(out, "No entries to post.");
            return;
        }
        let target = self.target_column();
        let header = format!(
            "{:<DOC$}  {:<10}  {:<KIND$}  {:<PROPERTY$}  {:>5}  {:>7}",
            "doc number", "date", "kind", "property", "lines", "sources"
        );
        row(out, &header, "");
        let mut line_header = format!("  {:<ACCOUNT$} ", "account");
        if let Some((_, name)) = target {
            let _ = write!(line_header, "{:<TARGET_ACCOUNT$} ", name);
        }
        let _ = write!(line_header, "{:>AMOUNT$} {:>AMOUNT$}  ", "debit", "credit");
        row(out, &line_header, "description");
        let _ = writeln!(out, "{}", "-".repeat(WIDTH));
        for entry in entries {
            self.write_entry(out, entry);
        }
    }

    fn write_entry(&self, out: &mut String, entry: &BalancedEntry) {
        let header = format!(
            "{:<DOC$}  {}  {:<KIND$}  {:<PROPERTY$}  {:>5}  {:>7}",
            entry.doc_number().as_str(),
            entry.date(),
            entry.kind().as_str(),
            fit(entry.property_id().as_str(), PROPERTY),
            entry.lines().len(),
            entry.sources().len()
        );
        row(out, &header, "");
        let mapping = (self.mapping_for)(entry.property_id());
        if let Some(target) = self.target {
            // The property's dimensions go with every line of the entry: shown once, under it.
            let view = TargetView { target, account: None, dimensions: &mapping.dimensions };
            let pairs: Vec<String> =
                view.dimension_pairs().into_iter().map(|(name, value)| format!("{name} {value}")).collect();
            let label = if target == TargetKind::Qbo { "  QuickBooks: " } else { "  Xero: " };
            let text = if pairs.is_empty() { "no dimensions".to_owned() } else { pairs.join(" · ") };
            row(out, label, &text);
        }
        for line in entry.lines() {
            let (debit, credit) = match line.side() {
                Side::Debit => (format_amount(line.amount()), String::new()),
                Side::Credit => (String::new(), format_amount(line.amount())),
            };
            let mut prefix = format!("  {:<ACCOUNT$} ", fit(line.account().as_str(), ACCOUNT));
            if let Some(target) = self.target {
                let account = TargetView::of(mapping, line.account(), target).account.unwrap_or("(none)");
                let _ = write!(prefix, "{:<TARGET_ACCOUNT$} ", fit(account, TARGET_ACCOUNT));
            }
            let _ = write!(prefix, "{debit:>AMOUNT$} {credit:>AMOUNT$}  ");
            row(out, &prefix, line.description());
        }
    }

    fn write_totals(&self, out: &mut String, entries: &[BalancedEntry]) {
        let mut totals: BTreeMap<(&str, &str), (Decimal, Decimal)> = BTreeMap::new();
        let mut lines = 0;
        for entry in entries {
            for line in entry.lines() {
                let total = totals.entry((entry.currency().as_str(), line.account().as_str())).or_default();
                total.0 += line.debit();
                total.1 += line.credit();
                lines += 1;
            }
        }
        let count = match entries.len() {
            1 => "1 entry".to_owned(),
            n => format!("{n} entries"),
        };
        let _ = writeln!(out, "\n{count}, {lines} lines. Totals per account:");
        if totals.is_empty() {
            return;
        }
        row(
            out,
            &format!("  {:<ACCOUNT$} {:>AMOUNT$} {:>AMOUNT$}  ", "account", "debit", "credit"),
            "currency",
        );
        for ((currency, account), (debit, credit)) in &totals {
            let prefix = format!(
                "  {:<ACCOUNT$} {:>AMOUNT$} {:>AMOUNT$}  ",
                fit(account, ACCOUNT),
                format_amount(*debit),
                format_amount(*credit)
            );
            row(out, &prefix, currency);
        }
    }
}

fn write_exceptions(out: &mut String, exceptions: &[Exception]) {
    if exceptions.is_empty() {
        let _ = writeln!(out, "\nNo exceptions.");
        return;
    }
    let n = exceptions.len();
    let _ = writeln!(out, "\n{n} exception{} need a person:", if n == 1 { "" } else { "s" });
    let kinds = by_kind(exceptions);
    for line in render_by_kind(&kinds, "  ").lines() {
        row(out, "", line);
    }
    let _ = writeln!(
        out,
        "\nThe largest of each kind (up to {DETAILS_PER_KIND}; `plan --format csv` or `json` lists all):"
    );
    row(out, &format!("  {:<18}  {:<PROPERTY$}  {:<18}  {:>18}", "kind", "property", "source", "amount"), "");
    for kind in &kinds {
        let mut of_kind: Vec<&Exception> = exceptions.iter().filter(|x| x.kind == kind.kind).collect();
        of_kind.sort_by(|a, b| {
            let size = |x: &Exception| x.amount.map(|m| m.amount().abs()).unwrap_or(Decimal::ZERO);
            size(b).cmp(&size(a)).then_with(|| a.source_id.cmp(&b.source_id))
        });
        for x in of_kind.iter().take(DETAILS_PER_KIND) {
            write_exception(out, x);
        }
        if of_kind.len() > DETAILS_PER_KIND {
            let _ =
                writeln!(out, "  ... and {} more {}", of_kind.len() - DETAILS_PER_KIND, kind.kind.as_str());
        }
    }
}

/// Message lines under an exception, indented.
const WHY_INDENT: &str = "      ";
const WHY_LINES: usize = 3;

fn write_exception(out: &mut String, x: &Exception) {
    let amount = x.amount.map(|m| m.to_string()).unwrap_or_default();
    let prefix = format!(
        "  {:<18}  {:<PROPERTY$}  {:<18}  {:>18}",
        x.kind.as_str(),
        fit(x.property_id.as_ref().map_or("-", PropertyId::as_str), PROPERTY),
        fit(&x.source_id, 18),
        amount
    );
    row(out, &prefix, "");
    for line in wrap(&x.message, WIDTH - WHY_INDENT.len(), WHY_LINES) {
        row(out, WHY_INDENT, &line);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_cuts_with_an_ellipsis_and_flattens() {
        assert_eq!(fit("short", 10), "short");
        assert_eq!(fit("a  b\nc", 10), "a  b c");
        assert_eq!(fit("abcdefghij", 5), "abcd…");
        assert_eq!(fit("abc", 0), "");
        assert_eq!(fit("ééééé", 3).chars().count(), 3);
    }

    #[test]
    fn wrap_breaks_between_words_and_cuts_the_last_line() {
        assert_eq!(wrap("one two three four", 9, 3), ["one two", "three", "four"]);
        assert_eq!(wrap("one two three four", 9, 2), ["one two", "three fo…"]);
        assert_eq!(wrap("", 9, 2), Vec::<String>::new());
        assert_eq!(wrap("abcdefghijkl", 5, 2), ["abcd…"]);
    }
}
