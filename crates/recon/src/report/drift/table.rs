//! `drift` as a table for a terminal of [`WIDTH`] columns: the verdict and what was compared, the
//! findings per category (each on a row of amounts, then an indented line of what and why), then
//! the tie-out: whether every row ties out, the money held back from the books per currency, and
//! the rows that do not tie out. Long lists are cut at [`ROWS_PER_SECTION`] with a count
//! of the rest, which the CSV, JSON and HTML reports carry in full.

use std::fmt::Write as _;

use super::{
    company_text, grouped, grouped_opt, held_back_lines, read_text, target_ids, tie_out_text, verdict,
};
use crate::drift::{Category, DriftReport, Finding};

pub const WIDTH: usize = 120;
pub const ROWS_PER_SECTION: usize = 25;

const KIND: usize = 20;
const PROPERTY: usize = 13;
const MONTH: usize = 7;
const DOC: usize = 21;
const AMOUNT: usize = 13;
const TARGET: usize = 4;
const TIE_PROPERTY: usize = 14;
const ACCOUNT: usize = 22;

/// `text` in at most `width` characters: cut with `…` when longer; whitespace flattened.
fn fit(text: &str, width: usize) -> String {
    let flat: String = text.chars().map(|c| if c.is_whitespace() { ' ' } else { c }).collect();
    if flat.chars().count() <= width {
        return flat;
    }
    let mut cut: String = flat.chars().take(width.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// `text` broken between words into at most `lines` lines of `width` (the last cut with `…`).
fn wrap(text: &str, width: usize, lines: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    for word in text.split_whitespace() {
        if !current.is_empty() && current.chars().count() + 1 + word.chars().count() > width {
            out.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(word);
    }
    if !current.is_empty() {
        out.push(current);
    }
    if out.len() > lines {
        let rest = out.split_off(lines - 1).join(" ");
        out.push(rest);
    }
    out.into_iter().map(|l| fit(&l, width)).collect()
}

fn line(out: &mut String, text: &str) {
    let _ = writeln!(out, "{}", fit(text, WIDTH).trim_end());
}

pub fn render(report: &DriftReport) -> String {
    let mut out = String::new();
    let code = super::exit_code(report);
    line(&mut out, &format!("Drift report: {} (exit {code}).", verdict(report)));
    line(
        &mut out,
        &format!(
            "  Entrata: the pull of {} (`drift --pull` pulls first), planned under tonight's mapping files",
            report.last_pull_at.as_deref().unwrap_or("(never)")
        ),
    );
    for read in &report.targets {
        line(&mut out, &format!("  {}:", company_text(read)));
        line(&mut out, &format!("    {}", read_text(read)));
    }
    for (target, why) in &report.not_compared {
        line(&mut out, &format!("  {}: {why}, not compared", (*target).name()));
    }
    let scope = match (&report.period, report.properties.is_empty()) {
        (Some(p), true) => format!("post month {p}, every property"),
        (Some(p), false) => format!("post month {p}, properties {}", report.properties.join(", ")),
        (None, true) => "every post month and property".to_owned(),
        (None, false) => format!("every post month, properties {}", report.properties.join(", ")),
    };
    line(&mut out, &format!("  Compared: {scope}."));
    let counts = |drift: bool| {
        let counts: Vec<String> = Category::ALL
            .iter()
            .filter(|c| c.is_drift() == drift)
            .map(|c| format!("{} {}", c.as_str(), report.count(*c)))
            .collect();
        counts.join(", ")
    };
    line(
        &mut out,
        &format!(
            "  Drift: {}; tie-out rows that differ {} of {}.",
            counts(true),
            report.untied(),
            report.tieouts.len()
        ),
    );
    line(&mut out, &format!("  Waiting for a person: {}.", counts(false)));

    for category in Category::ALL {
        let findings: Vec<&Finding> =
            report.findings.iter().filter(|f| f.kind.category() == category).collect();
        if findings.is_empty() {
            continue;
        }
        let _ = writeln!(out);
        line(&mut out, &format!("== {}: {} ==", category.title(), findings.len()));
        line(
            &mut out,
            &format!(
                "{:<KIND$} {:<PROPERTY$} {:<MONTH$} {:<DOC$} {:>AMOUNT$} {:>AMOUNT$} {:>AMOUNT$} {:>AMOUNT$}",
                "KIND", "PROPERTY", "MONTH", "DOCUMENT", "ENTRATA", "RECORDED", "BOOKS", "DIFFERENCE"
            ),
        );
        for finding in findings.iter().take(ROWS_PER_SECTION) {
            finding_rows(&mut out, finding);
        }
        if findings.len() > ROWS_PER_SECTION {
            line(
                &mut out,
                &format!(
                    "  … and {} more (every finding is in --format csv, json and html)",
                    findings.len() - ROWS_PER_SECTION
                ),
            );
        }
    }

    let _ = writeln!(out);
    let untied: Vec<_> = report.tieouts.iter().filter(|t| !t.ties_out()).collect();
    let headline = match untied.is_empty() {
        true => format!("== Tie-out: {} ==", tie_out_text(report)),
        false => format!(
            "== Tie-out: {} (net debit − credit per target account; all rows in csv/json/html) ==",
            tie_out_text(report)
        ),
    };
    line(&mut out, &headline);
    for held in held_back_lines(report) {
        for part in wrap(&held, WIDTH - 2, 2)
            .iter()
            .enumerate()
            .map(|(i, p)| if i == 0 { p.clone() } else { format!("  {p}") })
        {
            line(&mut out, &part);
        }
    }
    if untied.is_empty() {
        return out;
    }
    line(
        &mut out,
        &format!(
            "{:<TARGET$} {:<TIE_PROPERTY$} {:<MONTH$} {:<ACCOUNT$} {:>AMOUNT$} {:>AMOUNT$} {:>AMOUNT$} {:>AMOUNT$} {:>AMOUNT$}",
            "TGT",
            "PROPERTY",
            "MONTH",
            "ACCOUNT",
            "PLANNED",
            "POSTED",
            "BOOKS",
            "PLANNED−POST",
            "BOOKS−POSTED"
        ),
    );
    let several_books = untied.iter().any(|t| !t.book.is_default());
    let mut company = None;
    for t in untied.iter().take(ROWS_PER_SECTION) {
        if several_books && company != Some((t.target, &t.book)) {
            company = Some((t.target, &t.book));
            line(&mut out, &format!("{}{}:", t.target.name(), super::of_book(Some(&t.book))));
        }
        let account = match t.account_names.is_empty() {
            true => t.account.clone(),
            false => format!("{} {}", t.account, t.account_names.join(",")),
        };
        line(
            &mut out,
            &format!(
                "{:<TARGET$} {:<TIE_PROPERTY$} {:<MONTH$} {:<ACCOUNT$} {:>AMOUNT$} {:>AMOUNT$} {:>AMOUNT$} {:>AMOUNT$} {:>AMOUNT$}",
                t.target.as_str(),
                fit(&t.property_id, TIE_PROPERTY),
                t.post_month.to_string(),
                fit(&account, ACCOUNT),
                grouped(t.entrata),
                grouped(t.posted),
                grouped(t.held),
                grouped(t.entrata_vs_posted()),
                grouped(t.held_vs_posted())
            ),
        );
    }
    if untied.len() > ROWS_PER_SECTION {
        line(&mut out, &format!("  … and {} more rows that differ", untied.len() - ROWS_PER_SECTION));
    }
    out
}

fn finding_rows(out: &mut String, f: &Finding) {
    let doc = f.doc_number.clone().or_else(|| f.account.clone()).unwrap_or_default();
    line(
        out,
        &format!(
            "{:<KIND$} {:<PROPERTY$} {:<MONTH$} {:<DOC$} {:>AMOUNT$} {:>AMOUNT$} {:>AMOUNT$} {:>AMOUNT$}",
            fit(f.kind.as_str(), KIND),
            fit(&f.property_id, PROPERTY),
            f.post_month.map(|m| m.to_string()).unwrap_or_default(),
            fit(&doc, DOC),
            grouped_opt(f.entrata),
            grouped_opt(f.recorded),
            grouped_opt(f.held),
            grouped(f.difference)
        ),
    );
    let mut about = Vec::new();
    if let Some(target) = f.target {
        about.push(format!("in {target}{}", super::of_book(f.book.as_ref())));
    }
    if let Some(account) = &f.account {
        about.push(format!("account {account}"));
    }
    if !f.source_ids.is_empty() {
        about.push(format!("items {}", super::items_text(&f.source_ids)));
    }
    if !f.target_ids.is_empty() {
        about.push(format!("ids {}", target_ids(&f.target_ids)));
    }
    let text = format!("{}: {}", about.join(", "), f.message);
    for part in wrap(text.trim_start_matches(": "), WIDTH - 4, 2) {
        line(out, &format!("    {part}"));
    }
}
