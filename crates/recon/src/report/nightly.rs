//! The one screen `run` ends with: what was pulled, what each target now holds from tonight (with
//! totals), what is held and why, the adjustments recorded, and, first of all, whether anything needs a
//! person and what.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use crate::domain::{Exception, ExceptionKind};
use crate::report::exceptions::{by_kind, render_by_kind};
use crate::report::post::{adjustment_lines, entries_with_money, found_other_line};
use crate::run::nightly::NightlyReport;
use crate::state::{ExceptionKey, exception_key};

/// Re-dated entries named on the screen; `post` lists more.
const REDATED_SHOWN: usize = 5;

/// `exit` is the exit code the run ends with; `drift` is what the drift report (written after the
/// posting) says needs a person, if anything.
pub fn to_text(report: &NightlyReport, exit: u8, drift: Option<&str>) -> String {
    let mut out = String::new();
    let verdict = match exit {
        0 => "done, nothing needs a person",
        1 => "done, SOMETHING NEEDS A PERSON",
        _ => "COULD NOT FINISH",
    };
    let _ = writeln!(out, "Nightly run: {verdict} (exit {exit}).");
    let pulled = report.pull.total();
    let _ = writeln!(
        out,
        "  Pulled   {} properties: {} new, {} changed items{}",
        report.pull.properties,
        pulled.new,
        pulled.changed,
        if report.quarantined > 0 { format!("; {} quarantined", report.quarantined) } else { String::new() }
    );
    match &report.marked_exported {
        Some(Ok(0)) | None => {}
        Some(Ok(n)) => {
            let _ =
                writeln!(out, "  Entrata  {n} deposit GL line(s) marked exported (they reached the books)");
        }
        Some(Err(e)) => {
            let _ =
                writeln!(out, "  Entrata  could not mark GL lines exported ({e}); the next run tries again");
        }
    }
    let post = &report.post;
    if post.dry_run {
        let _ = writeln!(out, "  Dry run: nothing was posted.");
    }
    for t in &post.targets {
        let s = &t.summary;
        let verb = if post.dry_run { "would post" } else { "posted" };
        let what = entries_with_money(if post.dry_run { &s.would_post } else { &s.posted });
        let _ = writeln!(out, "  {:<18} {verb} {what}; {} before", t.label(), s.already_posted);
        for line in crate::report::post::moved_in_lines(t) {
            let _ = writeln!(out, "  {:<18} {line}", "");
        }
        if let Some(line) = found_other_line(s.adopted_as_held) {
            let _ = writeln!(out, "  {:<18} {line}", "");
        }
        if !s.redated.is_empty() {
            let _ = writeln!(
                out,
                "  {:<18} {} of them re-dated to the first open day (their period is closed there):",
                "",
                s.redated.len()
            );
            for r in s.redated.iter().take(REDATED_SHOWN) {
                let _ = writeln!(out, "  {:<18}   {} {}", "", r.doc_number, r.detail);
            }
            if s.redated.len() > REDATED_SHOWN {
                let _ = writeln!(out, "  {:<18}   ... and {} more", "", s.redated.len() - REDATED_SHOWN);
            }
        }
    }
    for nowhere in &post.posted_nowhere {
        let _ = writeln!(out, "  {}", crate::report::post::posted_nowhere_line(nowhere));
    }
    let kinds = by_kind(&post.record.exceptions);
    if !kinds.is_empty() {
        let _ =
            writeln!(out, "  Exceptions (held items wait for a person; `entrata-recon plan` lists each):");
        out.push_str(&render_by_kind(&kinds, "    "));
    }
    out.push_str(&adjustment_lines(&post.record.drifts, "  "));

    let mut person = Vec::new();
    if report.quarantined > 0 {
        person.push(format!(
            "{} pulled items break Entrata's contract (`entrata-recon status`)",
            report.quarantined
        ));
    }
    for kind in &kinds {
        let what = if kind.kind.holds_item() { "held" } else { "posted and reported, to check" };
        let mut line = format!("{} {} {what} ({})", kind.count, kind.kind.as_str(), kind.money_text());
        if kind.kind == ExceptionKind::UnmappedCode {
            line.push_str(&unmapped_codes_text(&post.record.exceptions, &post.record.new_exceptions));
        }
        person.push(line);
    }
    for t in &post.targets {
        let s = &t.summary;
        let name = t.label();
        if !s.failed.is_empty() {
            person.push(format!(
                "{name} refused {} entries, e.g. {}: {}",
                s.failed.len(),
                s.failed[0].doc_number,
                s.failed[0].detail
            ));
        }
        if !s.uncertain.is_empty() {
            person.push(format!(
                "{} entries' outcome at {name} is not known; the next run looks them up before sending anything",
                s.uncertain.len()
            ));
        }
        if !s.held.is_empty() {
            person.push(format!(
                "{} entries not sent to {name}, e.g. {}: {}",
                s.held.len(),
                s.held[0].doc_number,
                s.held[0].detail
            ));
        }
        person.extend(crate::report::post::elsewhere_lines(t));
        if let Some(why) = &s.stopped {
            person.push(format!("{name} stopped: {why}"));
        }
    }
    person.extend(drift.map(str::to_owned));
    if person.is_empty() {
        let _ = writeln!(out, "Nothing needs a person.");
    } else {
        let _ = writeln!(out, "Needs a person:");
        for line in person {
            let _ = writeln!(out, "  - {line}");
        }
    }
    out
}

/// `: AR codes AMEN (new tonight), PARK have no rule (`entrata-recon mappings check` lists them)`:
/// a code is new when every charge held for it is an exception this run saw first.
fn unmapped_codes_text(exceptions: &[Exception], new: &BTreeSet<ExceptionKey>) -> String {
    let mut codes: BTreeMap<&str, bool> = BTreeMap::new();
    for x in exceptions.iter().filter(|x| x.kind == ExceptionKind::UnmappedCode) {
        let Some(code) = crate::journal::unmapped_code_in(&x.message) else { continue };
        let first_seen = new.contains(&exception_key(x));
        *codes.entry(code).or_insert(true) &= first_seen;
    }
    let named: Vec<String> = codes
        .iter()
        .map(|(code, new)| if *new { format!("{code} (new tonight)") } else { (*code).to_owned() })
        .collect();
    match named.len() {
        0 => String::new(),
        1 => format!(": AR code {} has no rule (`entrata-recon mappings check` lists it)", named[0]),
        _ => format!(
            ": AR codes {} have no rule (`entrata-recon mappings check` lists them)",
            named.join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Currency, Exception, ExceptionKind, Money, PropertyId};

    /// A run whose only exception is a posted-and-reported one needs a person (it exits 1), and
    /// its list says for what: the drift report no longer counts it as drift (issue 16, item 8).
    #[test]
    fn a_posted_and_reported_exception_is_in_the_list_of_what_needs_a_person() {
        let mut report = NightlyReport {
            pull: Default::default(),
            quarantined: 0,
            post: Default::default(),
            marked_exported: None,
        };
        report.post.record.exceptions.push(Exception {
            kind: ExceptionKind::ProrationMismatch,
            property_id: Some(PropertyId::new("prop_1")),
            source_id: "chg_9".into(),
            amount: Some(Money::new(rust_decimal::Decimal::new(60_000, 2), Currency::USD).unwrap()),
            message: "charge chg_9: why".into(),
        });
        assert!(report.needs_attention());
        let text = to_text(&report, 1, None);
        assert!(!text.contains("Nothing needs a person"), "{text}");
        assert!(
            text.contains(
                "\nNeeds a person:\n  - 1 proration_mismatch posted and reported, to check (600.00 USD)\n"
            ),
            "{text}"
        );
    }

    /// Of two unmapped codes, the one first held tonight is named new (issue 16, item 15).
    #[test]
    fn an_unmapped_code_first_seen_tonight_is_named_new() {
        let held = |id: &str, code: &str| Exception {
            kind: ExceptionKind::UnmappedCode,
            property_id: Some(PropertyId::new("prop_1")),
            source_id: id.into(),
            amount: None,
            message: format!(
                "charge {id} (75.00 USD, post month 2026-02) uses AR code {code}, which has no rule in the mapping files; it is held, never guessed."
            ),
        };
        let exceptions = vec![held("chg_1", "PARK"), held("chg_2", "AMEN"), held("chg_3", "PARK")];
        assert_eq!(
            crate::journal::unmapped_code_in(&exceptions[0].message),
            Some("PARK"),
            "the message's shape"
        );
        // chg_3 (PARK) is new too, but chg_1 was held before: PARK is not a new code.
        let new: BTreeSet<ExceptionKey> =
            ["chg_2", "chg_3"].iter().map(|id| ("unmapped_code".to_owned(), (*id).to_owned())).collect();
        assert_eq!(
            unmapped_codes_text(&exceptions, &new),
            ": AR codes AMEN (new tonight), PARK have no rule (`entrata-recon mappings check` lists them)"
        );
    }
}
