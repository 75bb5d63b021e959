//! The report's verdict on hand-built findings: drift (the books disagree with what was posted or
//! with what Entrata says now) apart from work waiting for a person (issue 16, item 8).

use chrono::TimeZone as _;

use super::*;

pub(crate) fn month() -> PostMonth {
    "2026-02".parse().unwrap()
}

/// A finding of `kind` about `cents` of `currency`, as `compare` makes it for an exception.
pub(crate) fn finding(kind: FindingKind, cents: i64, currency: &str) -> Finding {
    Finding {
        kind,
        property_id: "prop_1".into(),
        post_month: Some(month()),
        target: None,
        book: None,
        source_ids: vec!["chg_1".into()],
        entry_key: None,
        doc_number: None,
        target_ids: Vec::new(),
        account: None,
        currency: currency.into(),
        entrata: Some(Decimal::new(cents, 2)),
        recorded: None,
        held: None,
        difference: Decimal::new(cents, 2),
        message: "why".into(),
    }
}

/// A tie-out row of account 4000.
pub(crate) fn tie(entrata: i64, posted: i64, books: i64) -> TieOut {
    TieOut {
        target: TargetKind::Qbo,
        book: crate::domain::BookName::default_book(),
        property_id: "prop_1".into(),
        post_month: month(),
        account: "4000".into(),
        account_names: vec!["rental_income".into()],
        currency: "USD".into(),
        entrata: Decimal::new(entrata, 2),
        posted: Decimal::new(posted, 2),
        held: Decimal::new(books, 2),
    }
}

pub(crate) fn report(findings: Vec<Finding>, tieouts: Vec<TieOut>) -> DriftReport {
    DriftReport {
        generated_at: Utc.with_ymd_and_hms(2026, 3, 2, 2, 5, 0).single().unwrap(),
        last_pull_at: None,
        period: None,
        properties: Vec::new(),
        targets: Vec::new(),
        not_compared: Vec::new(),
        findings,
        tieouts,
    }
}

/// Held items, a reported one and postings waiting, every row tied out.
pub(crate) fn waiting_only() -> DriftReport {
    report(
        vec![
            finding(FindingKind::Exception(ExceptionKind::UnmappedCode), 4_500, "USD"),
            finding(FindingKind::Exception(ExceptionKind::DepositMismatch), 10_000, "USD"),
            finding(FindingKind::Exception(ExceptionKind::ProrationMismatch), 60_000, "USD"),
            finding(FindingKind::Pending, 1_000, "USD"),
            finding(FindingKind::Uncertain, 1_000, "USD"),
            finding(FindingKind::Failed, 1_000, "USD"),
        ],
        vec![tie(-129_500, -129_500, -129_500)],
    )
}

#[test]
fn exceptions_and_postings_are_not_drift() {
    assert!(!waiting_only().drift_found());
    assert!(!report(Vec::new(), vec![tie(100, 100, 100)]).drift_found());
}

#[test]
fn drift_is_a_changed_entrata_a_changed_target_an_earlier_mapping_or_a_row_that_differs() {
    for kind in [
        FindingKind::ChangedInEntrata,
        FindingKind::DeletedInEntrata,
        FindingKind::DeletedInTarget,
        FindingKind::VoidedInTarget,
        FindingKind::EditedInTarget,
        FindingKind::UnrecordedInTarget,
        FindingKind::PostedUnderEarlierMapping,
    ] {
        let mut r = waiting_only();
        r.findings.push(finding(kind, 500, "USD"));
        assert!(r.drift_found(), "{kind:?}");
    }
    let mut r = waiting_only();
    r.tieouts.push(tie(100, 100, 0));
    assert!(r.drift_found(), "the books differ from what was posted");
}
