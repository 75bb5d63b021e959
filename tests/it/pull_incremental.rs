//! Incremental pulls over real HTTP: the second pull reads only the overlap window, an edit is a new
//! version with the old one kept, `--full` stores nothing new, and every money field of
//! `fixtures/one-of-each.json` arrives exact to the cent.

use crate::common;

use std::collections::BTreeMap;
use std::str::FromStr;

use chrono::Duration as ChronoDuration;
use common::{Harness, fixture, fixture_text, generated, json};
use entrata_recon::domain::ItemKind;
use entrata_recon::run::pull::PullOptions;
use entrata_recon::source::convert::{Item, convert};
use entrata_recon::state::PageOutcome;
use entrata_recon_sandbox::SandboxOptions;
use rust_decimal::Decimal;
use serde_json::value::RawValue;

/// The puller's default `source.overlap_seconds`.
const OVERLAP_S: i64 = 300;

fn outcome(new: u64, changed: u64, unchanged: u64) -> PageOutcome {
    PageOutcome { new, changed, unchanged, invalid: 0 }
}

#[tokio::test]
async fn second_pull_reads_only_the_overlap_window_and_full_stores_nothing_new() {
    let h = Harness::start(generated("properties=2,months=1,seed=3")).await;
    let first = h.pull().await;
    let served = h.served().await;
    assert_eq!(first.total(), outcome(served.total(), 0, 0));
    h.assert_state_matches_sandbox().await;
    let rows_after_first = h.stored().await.rows;

    // Each list starts again `overlap` before its newest item: what comes back is exactly the
    // items updated in that window, all already stored.
    let in_overlap: u64 = served
        .lists()
        .values()
        .map(|items| {
            let newest = items.iter().filter_map(|i| i.updated_at).max().expect("items have updatedAt");
            let from = newest - ChronoDuration::seconds(OVERLAP_S);
            items.iter().filter(|i| i.updated_at.is_some_and(|t| t >= from)).count() as u64
        })
        .sum();
    assert!(in_overlap > 0 && in_overlap * 20 < served.total(), "overlap {in_overlap} of {}", served.total());

    let second = h.pull().await;
    let requests = h.requests().await.since(&served.requests);
    assert_eq!(second.total(), outcome(0, 0, in_overlap));
    // One login and one page per list (2 company-wide lists, 4 per property): nothing paged deeper.
    for (method, route, expected) in [
        ("POST", "/sessions", 1),
        ("GET", "/properties", 1),
        ("GET", "/ar-codes", 1),
        ("GET", "/leases", 2),
        ("GET", "/charges", 2),
        ("GET", "/payments", 2),
        ("GET", "/deposits", 2),
    ] {
        assert_eq!(requests.to(method, route), expected, "{method} {route}: {requests:?}");
    }
    assert_eq!(requests.entrata(), 11, "{requests:?}");
    assert_eq!(second.client.requests, 11);
    assert_eq!(h.stored().await.rows, rows_after_first, "the second pull changed the state file");

    let full = h.try_pull(PullOptions { full: true, ..PullOptions::default() }).await.expect("full pull");
    assert_eq!(full.total(), outcome(0, 0, served.total()));
    assert_eq!(h.stored().await.rows, rows_after_first, "the full pull changed the state file");
}

#[tokio::test]
async fn an_edited_item_is_a_new_version_and_the_old_one_is_kept() {
    let h = Harness::start(generated("properties=1,months=1,seed=5")).await;
    h.pull().await;
    let before = h.served().await;
    let original = before.of(ItemKind::Charge).values().next().expect("a charge").clone();
    let amount_text = json::money_text(&json::fields(&original.raw)["amount"]);
    let amount = Decimal::from_str(&amount_text).expect("a decimal amount");
    let corrected = (amount + Decimal::new(10_000, 2)).to_string(); // + 100.00
    let edited = json::with_fields(
        &original.raw,
        &[("amount", &corrected), ("description", "\"Corrected after the fact\"")],
    );
    let answer = h.upsert("charges", &edited).await;
    let bumped = answer["updatedAt"].as_str().expect("updatedAt").to_owned();

    let summary = h.pull().await;
    let charges = summary.by_kind[&ItemKind::Charge];
    assert_eq!((charges.new, charges.changed), (0, 1), "{charges:?}");
    h.assert_state_matches_sandbox().await;

    let state = h.state().await;
    let versions = state.item_versions(ItemKind::Charge, &original.id).await.expect("versions");
    let now_served = h.served().await.item(ItemKind::Charge, &original.id).raw.clone();
    assert_eq!(versions, vec![(1, original.raw.clone()), (2, now_served.clone())]);
    assert_eq!(json::text(&now_served, "updatedAt").as_deref(), Some(bumped.as_str()));
    let Ok(Item::Charge(charge)) = convert(ItemKind::Charge, &now_served, original.listed_under.as_deref())
    else {
        panic!("the edited charge converts: {now_served}");
    };
    assert_eq!(charge.amount.amount().to_string(), corrected);
    let current =
        state.current_items(ItemKind::Charge, original.listed_under.as_deref()).await.expect("items");
    let current = current.iter().find(|i| i.item_id == original.id).expect("current version");
    assert_eq!((current.version, current.raw.as_str()), (2, now_served.as_str()));
    state.close().await;
}

/// Every money field of a wire item, by path (`amount`, `allocations[1].amount`), as written.
fn wire_money(kind: ItemKind, raw: &str) -> BTreeMap<String, Decimal> {
    let fields = json::fields(raw);
    let mut money = BTreeMap::new();
    let mut put = |path: String, value: &RawValue| {
        if value.get() != "null" {
            let text = json::money_text(value);
            // Exact: rust_decimal parses the text itself; nothing goes through f64.
            money.insert(path, Decimal::from_str_exact(&text).expect("a decimal"));
        }
    };
    let (top, lists): (&[&str], &[&str]) = match kind {
        ItemKind::Charge => (&["amount", "taxAmount"], &[]),
        ItemKind::Payment => (&["amount"], &["allocations"]),
        ItemKind::Deposit => (&["amount"], &[]),
        ItemKind::Lease => (&["rent", "deposit"], &["fees"]),
        ItemKind::Property | ItemKind::ArCode => (&[], &[]),
    };
    for name in top {
        if let Some(value) = fields.get(*name) {
            put((*name).to_owned(), value);
        }
    }
    for list in lists {
        let Some(elements) = fields.get(*list) else { continue };
        let elements: Vec<BTreeMap<String, Box<RawValue>>> =
            serde_json::from_str(elements.get()).expect("a list");
        for (i, element) in elements.iter().enumerate() {
            put(format!("{list}[{i}].amount"), &element["amount"]);
        }
    }
    money
}

/// The same paths, from the converted domain item.
fn domain_money(item: &Item) -> BTreeMap<String, Decimal> {
    let mut money = BTreeMap::new();
    match item {
        Item::Charge(c) => {
            money.insert("amount".to_owned(), c.amount.amount());
            money.insert("taxAmount".to_owned(), c.tax.amount());
        }
        Item::Payment(p) => {
            money.insert("amount".to_owned(), p.amount.amount());
            for (i, a) in p.allocations.iter().enumerate() {
                money.insert(format!("allocations[{i}].amount"), a.amount.amount());
            }
        }
        Item::Deposit(d) => {
            money.insert("amount".to_owned(), d.amount.amount());
        }
        Item::Lease(l) => {
            for (name, value) in [("rent", &l.rent), ("deposit", &l.deposit)] {
                if let Some(value) = value {
                    money.insert(name.to_owned(), value.amount());
                }
            }
            for (i, f) in l.fees.iter().enumerate() {
                money.insert(format!("fees[{i}].amount"), f.amount.amount());
            }
        }
        Item::Property(_) | Item::ArCode(_) => {}
    }
    money
}

#[tokio::test]
async fn one_of_each_round_trips_with_every_amount_exact_to_the_cent() {
    let h = Harness::start(fixture("one-of-each.json")).await;
    let summary = h.pull().await;
    assert_eq!(summary.total().invalid, 0);
    h.assert_state_matches_sandbox().await;

    // The fixture's own text, item by item: what the sandbox must serve byte for byte.
    let document: BTreeMap<String, Box<RawValue>> =
        serde_json::from_str(&fixture_text("one-of-each.json")).expect("fixture is JSON");
    let stored = h.stored().await;
    let mut compared = 0;
    for kind in ItemKind::ALL {
        let written: Vec<Box<RawValue>> =
            serde_json::from_str(document[kind.as_str()].get()).expect("a list");
        let current = stored.current(kind);
        assert_eq!(current.len(), written.len(), "{kind}");
        for raw in written {
            let raw = raw.get();
            let id = json::text(raw, kind.id_field()).expect("id");
            let row = current.get(id.as_str()).unwrap_or_else(|| panic!("{kind} {id} not stored"));
            assert_eq!(row.raw, raw, "{kind} {id}: stored bytes are not the fixture's bytes");
            let item = convert(kind, &row.raw, row.property_id.as_deref())
                .unwrap_or_else(|e| panic!("{kind} {id} does not convert: {e}"));
            let expected = wire_money(kind, raw);
            for (path, value) in &expected {
                assert!(value.scale() <= 2, "{kind} {id} {path}: the fixture has sub-cent money");
            }
            assert_eq!(domain_money(&item), expected, "{kind} {id}");
            compared += expected.len();
        }
    }
    // 6 charges × (amount, tax), the payment and its 3 allocations, the deposit, and the lease's
    // rent, deposit and 2 fees: nothing was skipped by accident.
    assert_eq!(compared, 21);
}

#[tokio::test]
async fn a_late_write_inside_the_overlap_window_is_caught() {
    // Entrata may commit an item after items with later `updatedAt`s were already listed: start
    // the sandbox's clock a little before the newest charge, so that an upsert lands behind the
    // watermark the first pull leaves.
    const SPEC: &str = "properties=1,months=1,seed=19";
    let newest_charge = {
        let h = Harness::start(generated(SPEC)).await;
        let served = h.served().await;
        served.of(ItemKind::Charge).values().filter_map(|c| c.updated_at).max().expect("charges")
    };
    let clock_start = Some(newest_charge - ChronoDuration::seconds(OVERLAP_S / 2));
    let h = Harness::start(SandboxOptions { clock_start, ..generated(SPEC) }).await;
    h.pull().await;

    let charge = h.served().await.of(ItemKind::Charge).values().next().expect("a charge").clone();
    let late = json::with_fields(&charge.raw, &[("description", "\"Committed late\"")]);
    let answer = h.upsert("charges", &late).await;
    let written_at = answer["updatedAt"].as_str().expect("updatedAt");
    let written_at = chrono::DateTime::parse_from_rfc3339(written_at).expect("timestamp");
    assert!(written_at < newest_charge, "the write is not behind the watermark: {written_at}");

    let summary = h.pull().await;
    assert_eq!(summary.by_kind[&ItemKind::Charge].changed, 1);
    h.assert_state_matches_sandbox().await;
}
