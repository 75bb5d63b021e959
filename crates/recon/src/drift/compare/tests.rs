//! The comparison on hand-built sides: each kind of drift, and a clean property with none.

use super::*;
use crate::domain::{AccountName, Currency, ItemKind, PropertyId};
use crate::drift::held::HeldLine;
use crate::journal::{DocNumber, EntryHeader, EntryKey};

const P: &str = "prop_1";

fn money(cents: i64) -> Decimal {
    Decimal::new(cents, 2)
}

fn date(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

fn accounts() -> BTreeMap<String, TargetAccounts> {
    [("receivables", "1200", "1210"), ("rental_income", "4000", "4000"), ("fees", "4100", "4100")]
        .into_iter()
        .map(|(name, qbo, xero)| {
            (
                name.to_owned(),
                TargetAccounts { qbo: Some(qbo.into()), xero: Some(xero.into()), entrata: None },
            )
        })
        .collect()
}

fn charge_entry(day: &str, seq: u32, cents: i64, income: &str, items: &[(&str, i64)]) -> PlannedEntry {
    let property = PropertyId::new(P);
    let header = EntryHeader {
        key: EntryKey::new(&property, JournalKind::Charges, day, seq),
        doc_number: DocNumber::new(format!("EN-LV-C{}-{seq}", day.replace('-', ""))).unwrap(),
        property_id: property,
        kind: JournalKind::Charges,
        date: date(day),
        post_month: day[..7].parse().unwrap(),
        currency: Currency::USD,
        sources: items.iter().map(|(id, _)| (*id).to_owned()).collect(),
    };
    let entry = BalancedEntry::new(
        header,
        vec![
            (AccountName::new("receivables"), Side::Debit, money(cents), String::new()),
            (AccountName::new(income), Side::Credit, money(cents), String::new()),
        ],
    )
    .unwrap();
    let sources = items
        .iter()
        .map(|(id, v)| SourceRef { kind: ItemKind::Charge, id: (*id).into(), version: *v })
        .collect();
    PlannedEntry { entry, sources }
}

fn recorded(plan: &PlannedEntry, postings: &[(TargetKind, PostingState, &str)]) -> RecordedBody {
    let e = &plan.entry;
    RecordedBody {
        key: e.key().to_string(),
        order: 0,
        doc_number: e.doc_number().to_string(),
        kind: e.kind(),
        slot: Slot::of(e),
        date: e.date(),
        post_month: e.post_month(),
        currency: "USD".into(),
        lines: e.lines().iter().map(|l| (l.account().to_string(), l.side(), l.amount())).collect(),
        sources: plan.sources.clone(),
        postings: postings
            .iter()
            .map(|(t, state, id)| {
                let row = PostingRow {
                    state: *state,
                    target_id: (!id.is_empty()).then(|| (*id).to_owned()),
                    target_date: None,
                    error: None,
                    held_lines: None,
                };
                (*t, row)
            })
            .collect(),
        only: None,
        only_company: None,
        corrects: None,
        owners: [TargetKind::Qbo, TargetKind::Xero]
            .into_iter()
            .map(|t| (t, BookName::default_book()))
            .collect(),
    }
}

/// A recorded charge entry of prop_1 keyed `key`, recorded `order`-th, with no postings.
pub(crate) fn recorded_at(key: &str, order: i64) -> RecordedBody {
    let mut entry = recorded(&charge_entry("2026-02-01", 1, 10_000, "rental_income", &[("c1", 1)]), &[]);
    entry.key = key.to_owned();
    entry.order = order;
    entry.owners.clear();
    entry
}

/// The document a target holds for `plan`, as posted through `accounts()`.
fn held(target: TargetKind, id: &str, plan: &PlannedEntry) -> HeldEntry {
    let sides = PropertySides { accounts: accounts(), ..PropertySides::default() };
    HeldEntry {
        target_id: id.into(),
        key: Some(plan.entry.key().to_string()),
        doc_number: Some(plan.entry.doc_number().to_string()),
        date: Some(plan.entry.date()),
        status: HeldStatus::Live,
        lines: plan
            .entry
            .lines()
            .iter()
            .map(|l| HeldLine {
                account: sides.target_account(target, l.account().as_str()),
                side: l.side(),
                amount: l.amount(),
            })
            .collect(),
        updated_at: None,
    }
}

fn side(target: TargetKind, docs: Vec<HeldEntry>) -> TargetSide {
    TargetSide::new(
        target,
        BookName::default_book(),
        docs.into_iter().map(|d| (d.target_id.clone(), d)).collect(),
    )
}

fn sides(planned: Vec<PlannedEntry>, recorded: Vec<RecordedBody>) -> PropertySides {
    PropertySides {
        property_id: P.into(),
        currency: "USD".into(),
        accounts: accounts(),
        planned,
        recorded,
        ..PropertySides::default()
    }
}

fn kinds(findings: &[Finding]) -> Vec<&'static str> {
    findings.iter().map(|f| f.kind.as_str()).collect()
}

use crate::drift::held::HeldStatus;

#[test]
fn a_clean_property_has_no_finding_and_ties_out() {
    let plan = charge_entry("2026-02-01", 1, 129_500, "rental_income", &[("chg_1", 1)]);
    let rec = recorded(&plan, &[(TargetKind::Qbo, PostingState::Confirmed, "7")]);
    let qbo = side(TargetKind::Qbo, vec![held(TargetKind::Qbo, "7", &plan)]);
    let (findings, tieouts) = compare_property(&sides(vec![plan], vec![rec]), &[qbo]);
    assert!(findings.is_empty(), "{findings:?}");
    assert_eq!(tieouts.len(), 2);
    assert!(tieouts.iter().all(TieOut::ties_out));
    let income = tieouts.iter().find(|t| t.account == "4000").unwrap();
    assert_eq!(
        (income.entrata, income.posted, income.held),
        (money(-129_500), money(-129_500), money(-129_500))
    );
    assert_eq!(income.account_names, ["rental_income"]);
}

#[test]
fn deleted_voided_and_edited_in_the_target() {
    let plans: Vec<PlannedEntry> = (1..=4)
        .map(|seq| {
            let id = format!("chg_{seq}");
            charge_entry(&format!("2026-02-0{seq}"), 1, 10_000 * i64::from(seq), "rental_income", &[(&id, 1)])
        })
        .collect();
    let recs: Vec<RecordedBody> = plans
        .iter()
        .enumerate()
        .map(|(i, p)| recorded(p, &[(TargetKind::Xero, PostingState::Confirmed, &format!("x{i}"))]))
        .collect();
    let mut voided = held(TargetKind::Xero, "x1", &plans[1]);
    voided.status = HeldStatus::Voided;
    let mut edited = held(TargetKind::Xero, "x2", &plans[2]);
    edited.lines[0].amount = money(25_000);
    edited.lines[1].amount = money(25_000);
    let ok = held(TargetKind::Xero, "x3", &plans[3]);
    // x0 is gone altogether.
    let xero = side(TargetKind::Xero, vec![voided, edited, ok]);
    let (mut findings, tieouts) = compare_property(&sides(plans, recs), &[xero]);
    findings.sort_by(|a, b| a.entry_key.cmp(&b.entry_key));
    assert_eq!(kinds(&findings), ["deleted_in_target", "voided_in_target", "edited_in_target"]);
    let amounts: Vec<(Option<Decimal>, Option<Decimal>, Decimal)> =
        findings.iter().map(|f| (f.recorded, f.held, f.difference)).collect();
    assert_eq!(
        amounts,
        [
            (Some(money(10_000)), Some(money(0)), money(-10_000)),
            (Some(money(20_000)), Some(money(0)), money(-20_000)),
            (Some(money(30_000)), Some(money(25_000)), money(-5_000)),
        ]
    );
    assert!(findings[2].message.contains("4000 -300.00 → -250.00"), "{}", findings[2].message);
    assert_eq!(findings[0].target_ids, [(TargetKind::Xero, "x0".to_owned())]);
    let income = tieouts.iter().find(|t| t.account == "4000").unwrap();
    assert_eq!(income.posted, money(-100_000));
    assert_eq!(income.held, money(-65_000));
}

#[test]
fn pending_uncertain_failed_and_a_duplicate() {
    let plans: Vec<PlannedEntry> = (1..=3)
        .map(|seq| charge_entry(&format!("2026-03-0{seq}"), 1, 5_000, "fees", &[(&format!("c{seq}"), 1)]))
        .collect();
    let mut recs = vec![
        recorded(&plans[0], &[]),
        recorded(&plans[1], &[(TargetKind::Qbo, PostingState::Uncertain, "")]),
        recorded(&plans[2], &[(TargetKind::Qbo, PostingState::Confirmed, "9")]),
    ];
    recs[1].postings.get_mut(&TargetKind::Qbo).unwrap().error = None;
    let mut failed = recorded(&charge_entry("2026-03-09", 1, 700, "fees", &[("c9", 1)]), &[]);
    failed.postings.insert(
        TargetKind::Qbo,
        PostingRow {
            state: PostingState::Failed,
            target_id: None,
            target_date: None,
            error: Some("6210 Account Period Closed".into()),
            held_lines: None,
        },
    );
    recs.push(failed);
    let docs = vec![held(TargetKind::Qbo, "8", &plans[1]), held(TargetKind::Qbo, "9", &plans[2]), {
        let mut twin = held(TargetKind::Qbo, "10", &plans[2]);
        twin.date = Some(date("2026-03-03"));
        twin
    }];
    let mut s = sides(plans, recs);
    s.not_recorded = vec![charge_entry("2026-03-20", 1, 123, "fees", &[("chg_new", 1)]).entry];
    let (mut findings, _) = compare_property(&s, &[side(TargetKind::Qbo, docs)]);
    findings.sort_by(|a, b| (a.kind, &a.entry_key).cmp(&(b.kind, &b.entry_key)));
    assert_eq!(kinds(&findings), ["unrecorded_in_target", "pending", "pending", "uncertain", "failed"]);
    assert!(findings[0].message.contains("second copy"), "{}", findings[0].message);
    assert_eq!(findings[0].held, Some(money(5_000)));
    assert_eq!(findings[2].entrata, Some(money(123)));
    assert!(findings[3].message.contains("holds it already (id 8)"), "{}", findings[3].message);
    assert!(findings[4].message.contains("6210"), "{}", findings[4].message);
}

#[test]
fn entrata_changes_and_a_mapping_edit() {
    let posted = charge_entry("2026-02-01", 1, 10_000, "rental_income", &[("chg_1", 1)]);
    let rec = recorded(&posted, &[(TargetKind::Qbo, PostingState::Confirmed, "1")]);
    // Same item, same version, now mapped to `fees`.
    let tonight = charge_entry("2026-02-01", 1, 10_000, "fees", &[("chg_1", 1)]);
    let mut s = sides(vec![tonight], vec![rec]);
    s.entrata_changes = vec![EntrataChange {
        kind: EntrataChangeKind::Changed,
        source_id: "chg_7".into(),
        corrected_key: "prop_1/charges/2026-02-01/1".into(),
        post_month: None,
        recorded_amount: Some(money(5_000)),
        current_amount: Some(money(4_000)),
        note: "edited".into(),
    }];
    let (mut findings, tieouts) =
        compare_property(&s, &[side(TargetKind::Qbo, vec![held(TargetKind::Qbo, "1", &posted)])]);
    findings.sort_by(|a, b| (a.kind, &a.account).cmp(&(b.kind, &b.account)));
    assert_eq!(
        kinds(&findings),
        ["changed_in_entrata", "posted_under_earlier_mapping", "posted_under_earlier_mapping"]
    );
    assert_eq!(findings[0].difference, money(-1_000));
    assert_eq!(findings[0].doc_number.as_deref(), Some("EN-LV-C20260201-1"));
    assert_eq!(findings[0].post_month, Some("2026-02".parse().unwrap()));
    let moves: Vec<(Option<&str>, Decimal)> =
        findings[1..].iter().map(|f| (f.account.as_deref(), f.difference)).collect();
    assert_eq!(moves, [(Some("fees"), money(-10_000)), (Some("rental_income"), money(10_000))]);
    let fees = tieouts.iter().find(|t| t.account == "4100").unwrap();
    assert_eq!((fees.entrata, fees.posted, fees.held), (money(-10_000), money(0), money(0)));
}

fn exception(kind: crate::domain::ExceptionKind, cents: i64) -> Exception {
    Exception {
        kind,
        property_id: Some(PropertyId::new(P)),
        source_id: "chg_9".into(),
        amount: Some(crate::domain::Money::new(money(cents), Currency::USD).unwrap()),
        message: "charge chg_9: why".into(),
    }
}

/// Issue 16, item 7: an exception that only reports on a posted item (a proration mismatch) says
/// the item is posted: recorded as its amount, no difference, not among the items held back.
#[test]
fn a_posted_and_reported_exception_is_posted_not_held() {
    use crate::domain::ExceptionKind;
    let month: PostMonth = "2026-02".parse().unwrap();
    let reported =
        exception_finding(&exception(ExceptionKind::ProrationMismatch, 60_000), Some(month), P, "USD");
    assert_eq!(reported.kind.as_str(), "proration_mismatch");
    assert_eq!(reported.kind.category(), super::super::Category::Reported);
    assert_eq!(
        (reported.entrata, reported.recorded, reported.held, reported.difference),
        (Some(money(60_000)), Some(money(60_000)), None, Decimal::ZERO)
    );
    assert!(reported.message.starts_with("posted and reported: "), "{}", reported.message);

    let held = exception_finding(&exception(ExceptionKind::UnmappedCode, 4_500), Some(month), P, "USD");
    assert_eq!(held.kind.category(), super::super::Category::Held);
    assert_eq!(
        (held.entrata, held.recorded, held.held, held.difference),
        (Some(money(4_500)), None, None, money(4_500))
    );
    assert_eq!(held.message, "charge chg_9: why");
}
