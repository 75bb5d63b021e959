//! `drift --format html`: one self-contained page a controller can open or attach to an email.
//! Inline CSS only: no script, no font, no image, nothing fetched from anywhere. A summary at the
//! top, a section per category (`<section id="entrata">`, ...), then the tie-out: whether every
//! row ties out, the money held back from the books per currency, and a table per property and
//! target; money right-aligned (`td.num`) with thousands separators, differences marked.
//!
//! Invariant: every text from outside (ids, messages, names) is escaped; the page is well-formed
//! (tests/it/drift_html.rs checks its structure without a browser).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::{company_text, grouped, grouped_opt, read_text, target_ids, verdict};
use crate::drift::{Category, DriftReport, Finding, TieOut};

const STYLE: &str = "
:root { --ink: #1d2430; --muted: #5b6575; --line: #d9dee7; --bad: #b42318; --bad-bg: #fef3f2; --ok: #067647;
  --ok-bg: #ecfdf3; --wait: #93370d; --wait-bg: #fffaeb; --head: #f4f6fa; }
* { box-sizing: border-box; }
body { margin: 0; padding: 24px 32px 48px; color: var(--ink); background: #fff;
  font: 14px/1.45 -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 8px; padding-bottom: 4px; border-bottom: 2px solid var(--line); }
h3 { font-size: 14px; margin: 18px 0 6px; color: var(--muted); }
.verdict { display: inline-block; padding: 4px 12px; border-radius: 12px; font-weight: 600; margin: 8px 0 12px; }
.verdict.drift { color: var(--bad); background: var(--bad-bg); }
.verdict.waiting { color: var(--wait); background: var(--wait-bg); }
.verdict.clean { color: var(--ok); background: var(--ok-bg); }
.count { display: inline-block; min-width: 22px; padding: 0 7px; margin-left: 6px; border-radius: 10px;
  background: var(--head); color: var(--muted); font-size: 12px; text-align: center; }
.count.some { background: var(--bad-bg); color: var(--bad); }
dl.sides { display: grid; grid-template-columns: max-content auto; gap: 2px 16px; margin: 0 0 12px; }
dl.sides dt { color: var(--muted); }
dl.sides dd { margin: 0; }
table { border-collapse: collapse; width: 100%; margin: 4px 0 8px; }
th, td { padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: top; text-align: left; }
th { background: var(--head); font-size: 12px; text-transform: uppercase; letter-spacing: .03em; color: var(--muted); }
td.num, th.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
td.diff { color: var(--bad); font-weight: 600; }
td.nowrap { white-space: nowrap; }
td.code { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12px; }
td.msg { color: var(--muted); max-width: 520px; }
table.summary { width: auto; }
table.summary td.num { min-width: 60px; }
table.summary tr.group td { font-weight: 600; padding-top: 10px; }
p.none { color: var(--ok); margin: 4px 0; }
p.differ { color: var(--bad); margin: 4px 0; }
p.heldback { color: var(--wait); margin: 4px 0; }
footer { margin-top: 32px; color: var(--muted); font-size: 12px; }
@media print { body { padding: 0; } h2 { break-after: avoid; } tr { break-inside: avoid; } }
";

/// Escapes text for HTML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

pub fn render(report: &DriftReport) -> String {
    let mut out = String::with_capacity(16 * 1024 + report.findings.len() * 400 + report.tieouts.len() * 200);
    let title = format!("Drift report {}", report.generated_at.format("%Y-%m-%d %H:%M UTC"));
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        escape(&title)
    );
    summary(&mut out, report);
    for category in Category::ALL {
        section(&mut out, report, category);
    }
    tie_outs(&mut out, report);
    let _ = write!(
        out,
        "<footer>Written by entrata-recon {} at {}. Amounts are in each property's currency; \
         net amounts are debits − credits.</footer>\n</body>\n</html>\n",
        env!("CARGO_PKG_VERSION"),
        report.generated_at.format("%Y-%m-%d %H:%M:%S UTC")
    );
    out
}

fn summary(out: &mut String, report: &DriftReport) {
    let class = match (report.drift_found(), report.waiting() > 0) {
        (true, _) => "drift",
        (false, true) => "waiting",
        (false, false) => "clean",
    };
    let _ = write!(
        out,
        "<header id=\"summary\">\n<h1>Drift report</h1>\n<div class=\"verdict {class}\">{}</div>\n\
         <dl class=\"sides\">\n",
        escape(&verdict(report))
    );
    let _ = writeln!(
        out,
        "<dt>Entrata</dt><dd>the pull of {}, planned under tonight's mapping files</dd>",
        escape(report.last_pull_at.as_deref().unwrap_or("(never)"))
    );
    for read in &report.targets {
        let _ =
            writeln!(out, "<dt>{}</dt><dd>{}</dd>", escape(&company_text(read)), escape(&read_text(read)));
    }
    for (target, why) in &report.not_compared {
        let _ = writeln!(out, "<dt>{}</dt><dd>{}, not compared</dd>", escape((*target).name()), escape(why));
    }
    let period = report.period.map_or_else(|| "every post month".to_owned(), |p| format!("post month {p}"));
    let properties = match report.properties.is_empty() {
        true => "every property".to_owned(),
        false => report.properties.join(", "),
    };
    let _ = write!(out, "<dt>Compared</dt><dd>{}; {}</dd>\n</dl>\n", escape(&period), escape(&properties));
    out.push_str("<table class=\"summary\">\n<thead><tr><th>Category</th><th class=\"num\">Findings</th></tr></thead>\n<tbody>\n");
    let row = |out: &mut String, category: Category| {
        let _ = writeln!(
            out,
            "<tr><td><a href=\"#{}\">{}</a></td><td class=\"num\">{}</td></tr>",
            category.as_str(),
            escape(category.title()),
            report.count(category)
        );
    };
    out.push_str(
        "<tr class=\"group\"><td colspan=\"2\">Drift: the books disagree with what was posted, or with what \
         Entrata says now</td></tr>\n",
    );
    Category::ALL.into_iter().filter(Category::is_drift).for_each(|c| row(out, c));
    let _ = writeln!(
        out,
        "<tr><td><a href=\"#tieouts\">Tie-out rows that differ</a></td><td class=\"num\">{}</td></tr>",
        report.untied()
    );
    out.push_str(
        "<tr class=\"group\"><td colspan=\"2\">Waiting for a person: exceptions, and postings not done \
         yet</td></tr>\n",
    );
    Category::ALL.into_iter().filter(|c| !c.is_drift()).for_each(|c| row(out, c));
    out.push_str("</tbody>\n</table>\n</header>\n");
}

fn section(out: &mut String, report: &DriftReport, category: Category) {
    let findings: Vec<&Finding> = report.findings.iter().filter(|f| f.kind.category() == category).collect();
    let some = if findings.is_empty() { "" } else { " some" };
    let _ = write!(
        out,
        "<section id=\"{}\" class=\"category\">\n<h2>{}<span class=\"count{some}\">{}</span></h2>\n",
        category.as_str(),
        escape(category.title()),
        findings.len()
    );
    if findings.is_empty() {
        out.push_str("<p class=\"none\">None.</p>\n</section>\n");
        return;
    }
    out.push_str(
        "<table class=\"findings\">\n<thead><tr><th>Kind</th><th>Property</th><th>Month</th><th>Document</th>\
         <th>Entry / items</th><th>Target ids</th><th class=\"num\">Entrata</th><th class=\"num\">Recorded</th>\
         <th class=\"num\">In the books</th><th class=\"num\">Difference</th><th>Why</th></tr></thead>\n<tbody>\n",
    );
    for f in findings {
        let mut about = f.entry_key.clone().unwrap_or_default();
        if let Some(account) = &f.account {
            about = format!("{about} · account {account}");
        }
        if !f.source_ids.is_empty() {
            about = format!("{about} · items {}", super::items_text(&f.source_ids));
        }
        let diff = if f.difference.is_zero() { "num" } else { "num diff" };
        let kind = match f.target {
            Some(target) => format!("{} ({target}{})", f.kind.as_str(), super::of_book(f.book.as_ref())),
            None => f.kind.as_str().to_owned(),
        };
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td class=\"nowrap\">{}</td><td class=\"nowrap\">{}</td><td class=\"code\">{}</td><td class=\"code\">{}</td>\
             <td class=\"code\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"{diff}\">{}</td><td class=\"msg\">{}</td></tr>",
            escape(&kind),
            escape(&f.property_id),
            f.post_month.map(|m| m.to_string()).unwrap_or_default(),
            escape(f.doc_number.as_deref().unwrap_or("")),
            escape(about.trim_start_matches(" · ")),
            escape(&target_ids(&f.target_ids)),
            grouped_opt(f.entrata),
            grouped_opt(f.recorded),
            grouped_opt(f.held),
            grouped(f.difference),
            escape(&f.message)
        );
    }
    out.push_str("</tbody>\n</table>\n</section>\n");
}

fn tie_outs(out: &mut String, report: &DriftReport) {
    let _ = write!(
        out,
        "<section id=\"tieouts\" class=\"tieouts\">\n<h2>Tie-out per property<span class=\"count{}\">{}</span></h2>\n",
        if report.untied() > 0 { " some" } else { "" },
        report.untied()
    );
    if report.tieouts.is_empty() {
        out.push_str("<p class=\"none\">Nothing to tie out.</p>\n");
    } else {
        let mut headline = super::tie_out_text(report);
        headline[..1].make_ascii_uppercase();
        let class = if report.untied() > 0 { "differ" } else { "none" };
        let _ = writeln!(out, "<p class=\"{class}\">{}.</p>", escape(&headline));
    }
    for held in super::held_back_lines(report) {
        let _ = writeln!(out, "<p class=\"heldback\">{}</p>", escape(&held));
    }
    if report.tieouts.is_empty() {
        out.push_str("</section>\n");
        return;
    }
    let mut by_property: BTreeMap<(&str, &str, &str), Vec<&TieOut>> = BTreeMap::new();
    for t in &report.tieouts {
        by_property.entry((t.property_id.as_str(), t.target.as_str(), t.book.as_str())).or_default().push(t);
    }
    for ((property, target, _), rows) in by_property {
        let name = rows.first().map_or_else(
            || target.to_owned(),
            |t| format!("{}{}", t.target.name(), super::of_book(Some(&t.book))),
        );
        let _ = writeln!(out, "<h3>{} · {}</h3>", escape(property), escape(&name));
        out.push_str(
            "<table class=\"tieout\">\n<thead><tr><th>Month</th><th>Account</th><th class=\"num\">Planned</th>\
             <th class=\"num\">Posted</th><th class=\"num\">In the books now</th><th class=\"num\">Planned − posted</th>\
             <th class=\"num\">Books − posted</th></tr></thead>\n<tbody>\n",
        );
        for t in rows {
            let cell = |amount: rust_decimal::Decimal| {
                let class = if amount.is_zero() { "num" } else { "num diff" };
                format!("<td class=\"{class}\">{}</td>", grouped(amount))
            };
            let account = match t.account_names.is_empty() {
                true => t.account.clone(),
                false => format!("{} · {}", t.account, t.account_names.join(", ")),
            };
            let _ = writeln!(
                out,
                "<tr><td class=\"nowrap\">{}</td><td class=\"code\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
                 <td class=\"num\">{}</td>{}{}</tr>",
                t.post_month,
                escape(&account),
                grouped(t.entrata),
                grouped(t.posted),
                grouped(t.held),
                cell(t.entrata_vs_posted()),
                cell(t.held_vs_posted())
            );
        }
        out.push_str("</tbody>\n</table>\n");
    }
    out.push_str("</section>\n");
}
