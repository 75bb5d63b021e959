//! Page drift, made to happen: Entrata computes pages at request time, so an item updated while the
//! puller pages moves to the end of the list. The walk is parked on a page by a `delay_ms` fault
//! while the test edits items, and the state file must end up holding exactly the sandbox's items:
//! none lost, none stored twice.

use crate::common;

use common::{Harness, fixture_text, generated, json};
use entrata_recon::domain::ItemKind;
use entrata_recon::run::pull::PullOptions;

const PAGE_SIZE: i64 = 7;
const PARK_MS: u64 = 1_500;

/// Parks the walk on the `nth` request for the charges list.
fn park_charges_on(nth: u64) -> String {
    format!(
        r#"[{{"service": "entrata", "method": "GET", "path": "**/charges", "nth": {nth},
             "action": {{"delay_ms": {PARK_MS}}}}}]"#
    )
}

#[tokio::test]
async fn items_updated_while_paging_are_neither_lost_nor_stored_twice() {
    let h = Harness::start(generated("properties=1,months=1,seed=7")).await;
    h.set_source("page_size", Some(PAGE_SIZE.into()));
    let charges = h.served().await.count(ItemKind::Charge);
    let middle = charges / PAGE_SIZE as u64 / 2;
    assert!(middle >= 10, "{charges} charges are too few to page through");
    h.set_faults(&park_charges_on(middle)).await;

    let pull = h.spawn_pull(PullOptions::default());
    h.wait_until_fired(0, 1).await;
    // The walk waits for its page. What it has stored sits before its position in the list.
    let stored = h.stored().await;
    let behind: Vec<String> = stored.current(ItemKind::Charge).values().map(|r| r.raw.clone()).collect();
    assert!(behind.len() >= 3 * PAGE_SIZE as usize, "only {} charges stored so far", behind.len());
    let served = h.served().await;
    let ahead = served
        .of(ItemKind::Charge)
        .values()
        .rev()
        .find(|i| !stored.current(ItemKind::Charge).contains_key(i.id.as_str()))
        .expect("a charge not read yet");
    let edits = [&behind[0], &behind[behind.len() / 2], &behind[behind.len() - 1], &ahead.raw]
        .map(|raw| json::with_fields(raw, &[("description", "\"Edited while the puller paged\"")]));
    let brand_new = json::with_fields(&behind[1], &[("chargeId", "\"chg_new_while_paging\"")]);
    let body = format!("[{}, {}]", edits.join(", "), brand_new);
    h.upsert("charges", &body).await;
    assert_eq!(
        h.requests().await.to("GET", "/charges"),
        middle - 1,
        "the parked page was answered before the edits: the test did not make drift happen"
    );

    let summary = pull.await.expect("pull task").expect("pull");
    h.assert_state_matches_sandbox().await;
    let outcome = summary.by_kind[&ItemKind::Charge];
    // Every charge once (the one edited ahead of the walk only in its new form), plus the new
    // one; the three edited behind it a second time, as new versions; nothing delivered twice.
    assert_eq!((outcome.new, outcome.changed, outcome.unchanged), (charges + 1, 3, 0), "{outcome:?}");
    let stored = h.stored().await;
    for raw in [&behind[0], &behind[behind.len() / 2], &behind[behind.len() - 1]] {
        let id = json::text(raw, "chargeId").expect("id");
        let versions = stored.versions(ItemKind::Charge, &id);
        assert_eq!(versions.len(), 2, "{id}");
        assert_eq!(&versions[0].raw, raw, "{id}: the first version is kept as it was");
    }
    assert_eq!(stored.versions(ItemKind::Charge, &ahead.id).len(), 1, "{}", ahead.id);
    assert_eq!(stored.versions(ItemKind::Charge, "chg_new_while_paging").len(), 1);
}

/// `fixtures/one-of-each.json` plus 20 charges sharing one `updatedAt` (more than a page holds)
/// and 2 after them.
fn dataset_with_a_wide_tie() -> String {
    let charge = |id: &str, updated_at: &str| {
        format!(
            r#"{{"chargeId": "{id}", "propertyId": "prop_21a91f0", "leaseId": "lease_51af80", "arCode": "RENT",
                "description": "Rent adjustment {id}", "amount": 10.00, "taxAmount": 0.00, "currency": "USD",
                "postDate": "2026-02-15", "postMonth": "2026-02", "status": "posted", "updatedAt": "{updated_at}"}}"#
        )
    };
    let mut added: Vec<String> =
        (1..=20).map(|n| charge(&format!("tie_{n:02}"), "2026-02-15T12:00:00Z")).collect();
    added.push(charge("late_1", "2026-02-20T08:00:00Z"));
    added.push(charge("late_2", "2026-02-20T09:00:00Z"));
    let text = fixture_text("one-of-each.json");
    assert_eq!(text.matches("\"charges\": [").count(), 1);
    text.replace("\"charges\": [", &format!("\"charges\": [\n{},", added.join(",\n")))
}

#[tokio::test]
async fn a_tie_wider_than_a_page_is_read_whole_while_items_leave_it() {
    let h = Harness::start(common::json_dataset(dataset_with_a_wide_tie().as_bytes())).await;
    h.set_source("page_size", Some(PAGE_SIZE.into()));
    // The 6 fixture charges and tie_01 fill the first page; the next pages are inside the tie.
    // Park the fourth, well inside it.
    h.set_faults(&park_charges_on(4)).await;

    let pull = h.spawn_pull(PullOptions::default());
    h.wait_until_fired(0, 1).await;
    let stored = h.stored().await;
    let current = stored.current(ItemKind::Charge);
    assert!(current.contains_key("tie_03") && !current.contains_key("tie_12"), "{:?}", current.keys());
    let served = h.served().await;
    // One tied item already read and one not yet read leave the tie (their updatedAt moves on).
    let edits = ["tie_03", "tie_12"]
        .map(|id| json::with_fields(&served.item(ItemKind::Charge, id).raw, &[("amount", "10.01")]));
    h.upsert("charges", &format!("[{}]", edits.join(","))).await;
    assert_eq!(h.requests().await.to("GET", "/charges"), 3, "the parked page was answered before the edits");

    let summary = pull.await.expect("pull task").expect("pull");
    h.assert_state_matches_sandbox().await;
    let outcome = summary.by_kind[&ItemKind::Charge];
    assert_eq!((outcome.new, outcome.changed, outcome.unchanged), (28, 1, 0), "{outcome:?}");
    let stored = h.stored().await;
    assert_eq!(stored.versions(ItemKind::Charge, "tie_03").len(), 2);
    assert_eq!(stored.versions(ItemKind::Charge, "tie_12").len(), 1);
}
