//! What `post` prints: per target what was posted (with totals), refused (the vendor's message per
//! entry), left uncertain and held, and what was recorded; one screen a controller reads quickly.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use rust_decimal::Decimal;

use crate::domain::format_amount;
use crate::posting::EntryResult;
use crate::run::post::{PostReport, TargetReport};

/// Lines of details shown per list before "and N more".
const SHOWN: usize = 10;

/// `12,345.67 USD` per currency, exact (a sum that overflows is said so, never shrunk).
pub fn totals(results: &[EntryResult]) -> String {
    let mut sums: BTreeMap<&str, Option<Decimal>> = BTreeMap::new();
    for r in results {
        let amount = Decimal::from_str_exact(&r.total).ok();
        let sum = sums.entry(r.currency.as_str()).or_insert(Some(Decimal::ZERO));
        *sum = sum.zip(amount).and_then(|(a, b)| a.checked_add(b));
    }
    if sums.is_empty() {
        return "0.00".into();
    }
    sums.into_iter()
        .map(|(currency, sum)| match sum {
            Some(sum) => format!("{} {currency}", thousands(&format_amount(sum))),
            None => format!("(too large to add) {currency}"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `1 entry (25.00 USD)`, `3 entries (1,250.00 USD)`, `0 entries`: a count with its money in its
/// currency, and no money (never a bare `0.00`) when there is none.
pub fn entries_with_money(results: &[EntryResult]) -> String {
    match results.len() {
        0 => "0 entries".to_owned(),
        1 => format!("1 entry ({})", totals(results)),
        n => format!("{n} entries ({})", totals(results)),
    }
}

/// `1234567.89` as `1,234,567.89`.
pub fn thousands(amount: &str) -> String {
    let (sign, digits) = amount.strip_prefix('-').map_or(("", amount), |d| ("-", d));
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let mut grouped = String::with_capacity(int.len() + int.len() / 3);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    if frac.is_empty() { format!("{sign}{grouped}") } else { format!("{sign}{grouped}.{frac}") }
}

fn list(out: &mut String, label: &str, results: &[EntryResult]) {
    if results.is_empty() {
        return;
    }
    let _ = writeln!(out, "  {label} {} ({}):", results.len(), totals(results));
    for r in results.iter().take(SHOWN) {
        let detail: String = r.detail.chars().take(90).collect();
        let _ = writeln!(out, "    {:<21} {:>14}  {detail}", r.doc_number, thousands(&r.total));
    }
    if results.len() > SHOWN {
        // Not "`status` lists them": it counts them, it does not list them.
        let _ = writeln!(out, "    ... and {} more ({} in all)", results.len() - SHOWN, results.len());
    }
}

/// `Xero: book owner-a has no Xero organisation ...`: a book whose properties post nowhere there.
pub(crate) fn posted_nowhere_line(n: &crate::run::post::PostedNowhere) -> String {
    let shown: Vec<&str> = n.properties.iter().take(SHOWN).map(String::as_str).collect();
    let more = n.properties.len().saturating_sub(SHOWN);
    let more = if more > 0 { format!(" and {more} more") } else { String::new() };
    format!(
        "{}: book {} names no company there ([books.{}] has no `{} = {{ ... }}`): its properties ({}{more}) are posted to none",
        n.target.name(),
        n.book,
        n.book,
        n.target,
        shown.join(", ")
    )
}

/// A property that moved to this book: what is posted stays in the other book's company.
pub(crate) fn moved_in_lines(t: &TargetReport) -> Vec<String> {
    t.moved_in
        .iter()
        .map(|(property, company, n)| {
            format!(
                "{property} posts to book {} now: its {n} entries posted to company {company} stay there \
                 (new entries and those of other items come here; an adjustment goes where the entry it corrects is)",
                t.book
            )
        })
        .collect()
}

fn render_target(out: &mut String, t: &TargetReport, dry_run: bool) {
    let company = t.company_name.as_deref().map(|n| format!(" ({n})")).unwrap_or_default();
    let _ = writeln!(out, "{}{company}:", t.label());
    for line in moved_in_lines(t) {
        let _ = writeln!(out, "  {line}");
    }
    let s = &t.summary;
    if dry_run {
        let _ = writeln!(
            out,
            "  would post {}; {} posted before; nothing was sent",
            entries_with_money(&s.would_post),
            s.already_posted
        );
        return;
    }
    let nothing_done =
        s.posted.is_empty() && s.failed.is_empty() && s.uncertain.is_empty() && s.held.is_empty();
    if nothing_done && s.stopped.is_some() {
        // Stopped before anything could be sent: not "nothing new", which would hide the work waiting.
        let _ = writeln!(out, "  posted nothing ({} posted before)", s.already_posted);
    } else if nothing_done {
        let _ = writeln!(out, "  nothing new to post ({} posted before)", s.already_posted);
    } else {
        let _ = writeln!(
            out,
            "  posted {}; {} posted before; {} write calls, {} lookups",
            entries_with_money(&s.posted),
            s.already_posted,
            s.write_calls,
            s.lookup_calls
        );
    }
    if let Some(line) = found_other_line(s.adopted_as_held) {
        let _ = writeln!(out, "  {line}");
    }
    list(out, "RE-DATED (their period is closed in the target; the memo keeps their own date):", &s.redated);
    list(out, "REFUSED by the target:", &s.failed);
    list(out, "UNCERTAIN (looked up before anything is sent again):", &s.uncertain);
    list(out, "HELD (not sent to this target):", &s.held);
    for line in elsewhere_lines(t) {
        let _ = writeln!(out, "  NOT CONNECTED: {line}");
    }
    if let Some(why) = &s.stopped {
        let _ = writeln!(out, "  STOPPED: {why}");
    }
}

/// Entries a company was found holding with other money than recorded, or that this state file had
/// withdrawn (another copy of it posted them), and what is done about it; `None` for none.
pub fn found_other_line(count: u64) -> Option<String> {
    (count > 0).then(|| {
        format!(
            "{count} of them found there as another copy of the state file posted them (other money, or \
             withdrawn here): the difference is posted as an adjustment"
        )
    })
}

/// The postings whose outcome is not known in a company of this target no longer connected: never
/// looked up in, or sent again to, the connected one.
pub fn elsewhere_lines(t: &TargetReport) -> Vec<String> {
    t.summary
        .elsewhere
        .iter()
        .map(|(company, n)| {
            format!(
                "{n} entries' outcome at {} company {} is not known, and it is no longer connected: they are \
                 never looked up or sent again in another company; `connect {} --switch-company` to that \
                 company settles them",
                t.target.name(),
                crate::report::targets::company_label(company),
                t.target
            )
        })
        .collect()
}

pub fn to_text(report: &PostReport) -> String {
    let mut out = String::new();
    let r = &report.record;
    let verb = if report.dry_run { "Would record" } else { "Recorded" };
    let _ = writeln!(
        out,
        "{verb} {} new entries ({} rewritten before posting, {} withdrawn, {} unchanged) from {} planned.",
        r.recorded, r.rewritten, r.withdrawn, r.unchanged, r.planned
    );
    for t in &report.targets {
        render_target(&mut out, t, report.dry_run);
    }
    for nowhere in &report.posted_nowhere {
        let _ = writeln!(out, "{}", posted_nowhere_line(nowhere));
    }
    out.push_str(&adjustment_lines(&r.drifts, ""));
    if !r.exceptions.is_empty() {
        let _ = writeln!(
            out,
            "Exceptions: {} items held or reported by the plan (`entrata-recon plan` lists them).",
            r.exceptions.len()
        );
    }
    out
}

/// The adjustments recorded: why, then each corrected document with the adjustment's amount and
/// what changed, at most `SHOWN`, each line after `indent`.
pub fn adjustment_lines(
    drifts: &[(crate::domain::PropertyId, crate::posting::SlotDrift)],
    indent: &str,
) -> String {
    let mut out = String::new();
    if drifts.is_empty() {
        return out;
    }
    let reclassified = drifts.iter().filter(|(_, d)| d.reclass).count();
    let why = match (reclassified, drifts.len() - reclassified) {
        (0, _) => "their Entrata items changed since".to_owned(),
        (_, 0) => "the mapping now books them to other accounts (`--reclass`)".to_owned(),
        (moved, changed) => format!(
            "their Entrata items changed since ({changed}) or the mapping now books them to other accounts ({moved})"
        ),
    };
    let _ = writeln!(
        out,
        "{indent}Adjustments: {} corrected by new entries (never edited) because {why}:",
        match drifts.len() {
            1 => "1 posted entry is".to_owned(),
            n => format!("{n} posted entries are"),
        }
    );
    for (property, drift) in drifts.iter().take(SHOWN) {
        let changed: Vec<&str> = drift.changed.iter().map(|(_, now)| now.id.as_str()).collect();
        let removed: Vec<&str> = drift.removed.iter().map(|s| s.id.as_str()).collect();
        let mut parts = Vec::new();
        if drift.reclass {
            parts.push("reclassification: the mapping changed".to_owned());
        }
        if !changed.is_empty() {
            parts.push(format!("changed: {}", changed.join(", ")));
        }
        if !removed.is_empty() {
            parts.push(format!("gone: {}", removed.join(", ")));
        }
        if parts.is_empty() {
            // Booked from money (a broken chain, or a company found holding other money): no
            // item changed version; what the books hold differed from tonight's plan.
            parts.push("booked from money: what the books hold differed from the plan".to_owned());
        }
        let then_now = match &drift.booked_then_now {
            Some((then, now)) => format!(", {} → {}", thousands(then), thousands(now)),
            None => String::new(),
        };
        let _ = writeln!(
            out,
            "{indent}  {property} {} by {}{then_now} ({})",
            drift.corrected_doc_number,
            thousands(&drift.adjustment_total),
            parts.join("; ")
        );
    }
    if drifts.len() > SHOWN {
        let _ = writeln!(out, "{indent}  ... and {} more ({} in all)", drifts.len() - SHOWN, drifts.len());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_separators() {
        for (text, want) in [
            ("0.00", "0.00"),
            ("999.99", "999.99"),
            ("1000.00", "1,000.00"),
            ("-1234567.89", "-1,234,567.89"),
        ] {
            assert_eq!(thousands(text), want);
        }
    }

    /// An adjustment booked from money names no item: its line says why, never an empty `()`.
    #[test]
    fn an_adjustment_booked_from_money_says_why() {
        let drift = crate::posting::SlotDrift {
            slot: crate::posting::Slot::from_text("charges/2026-02-01/2026-02-01"),
            corrected_key: "p1/charges/2026-02-01/1".into(),
            corrected_doc_number: "EN-LV001-C260201-1".into(),
            changed: Vec::new(),
            removed: Vec::new(),
            adjustment_total: "2445.00".into(),
            reclass: false,
            booked_then_now: Some(("0.00".into(), "2445.00".into())),
        };
        let text = adjustment_lines(&[(crate::domain::PropertyId::new("p1"), drift)], "");
        assert!(
            text.contains("p1 EN-LV001-C260201-1 by 2,445.00, 0.00 → 2,445.00 (booked from money"),
            "{text}"
        );
        assert!(!text.contains("()"), "{text}");
    }
}
