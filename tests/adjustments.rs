//! Changes in Entrata after posting (issue 11): posted entries are never edited; each change becomes
//! exactly one adjustment per target for exactly the difference, and per account and month what
//! each target holds always equals what `plan` says now.

mod common;
#[path = "post_qbo/support.rs"]
mod support;

use std::collections::BTreeMap;

use common::Harness;
use reqwest::Method;
use rust_decimal::Decimal;
use serde_json::Value;
use support::{account_numbers, books, connect, decimal, entries, world};

const MONTH: &str = "properties=1,months=1,seed=21";

/// Both targets: QBO through its consent flow, Xero as a custom connection.
async fn both_targets() -> Harness {
    let h = world(MONTH).await;
    h.set_target("xero", "enabled", Some(true.into()));
    h.set_target("xero", "auth", Some("client_credentials".into()));
    assert_eq!(connect(&h, false).await.code, Some(0));
    let run = h.run(&["run"]).await;
    assert!(matches!(run.code, Some(0 | 1)), "{run:?}");
    h
}

/// A charge of the generated dataset, as served.
fn charge(pick: impl Fn(&Value) -> bool) -> Value {
    let spec: entrata_recon::sandbox::generate::GenerateSpec = MONTH.parse().expect("spec");
    let dataset: Value =
        serde_json::from_slice(&entrata_recon::sandbox::generate::generate(&spec)).expect("JSON");
    dataset["charges"].as_array().expect("charges").iter().find(|c| pick(c)).cloned().expect("a charge")
}

fn plain_rent(c: &Value) -> bool {
    c["arCode"] == "RENT"
        && c["status"] == "posted"
        && c["servicePeriodStart"].as_str().is_some_and(|s| s.ends_with("-01"))
        && decimal(&c["amount"]) > Decimal::from(500)
}

/// Per (QBO account number, month): debits minus credits, from what QuickBooks holds.
fn qbo_totals(books: &Value) -> BTreeMap<(String, String), Decimal> {
    let numbers = account_numbers(books);
    let mut totals: BTreeMap<(String, String), Decimal> = BTreeMap::new();
    for je in entries(books).values() {
        let month = je["TxnDate"].as_str().expect("date")[..7].to_owned();
        for line in je["Line"].as_array().expect("lines") {
            let d = &line["JournalEntryLineDetail"];
            let number = numbers[d["AccountRef"]["value"].as_str().expect("id")].clone();
            let amount = decimal(&line["Amount"]);
            let signed = if d["PostingType"] == "Debit" { amount } else { -amount };
            *totals.entry((number, month.clone())).or_default() += signed;
        }
    }
    totals.retain(|_, v| !v.is_zero());
    totals
}

/// The same from `plan --format json`, with the mapping's QBO numbers.
async fn plan_totals(h: &Harness) -> BTreeMap<(String, String), Decimal> {
    let portfolio: toml::Table = std::fs::read_to_string(h.dir.path().join("mappings/portfolio.toml"))
        .expect("portfolio")
        .parse()
        .expect("TOML");
    let numbers: BTreeMap<&str, &str> = portfolio["accounts"]
        .as_table()
        .expect("accounts")
        .iter()
        .filter_map(|(name, a)| Some((name.as_str(), a.get("qbo")?.as_str()?)))
        .collect();
    let plan: Value = serde_json::from_str(&h.run(&["plan", "--format", "json"]).await.stdout).expect("plan");
    let mut totals: BTreeMap<(String, String), Decimal> = BTreeMap::new();
    for entry in plan["entries"].as_array().expect("entries") {
        let month = entry["date"].as_str().expect("date")[..7].to_owned();
        for line in entry["lines"].as_array().expect("lines") {
            let signed = decimal(&line["debit"]) - decimal(&line["credit"]);
            *totals
                .entry((numbers[line["account"].as_str().expect("account")].to_owned(), month.clone()))
                .or_default() += signed;
        }
    }
    totals.retain(|_, v| !v.is_zero());
    totals
}

fn adjustments(books: &Value) -> Vec<Value> {
    entries(books)
        .into_values()
        .filter(|je| je["DocNumber"].as_str().is_some_and(|d| d.contains("-A")))
        .collect()
}

async fn xero_adjustments(h: &Harness) -> Vec<Value> {
    let state = h.control(Method::GET, "/_sandbox/state?items=false", None).await;
    state["xero"]["manualJournals"]
        .as_array()
        .expect("manual journals")
        .iter()
        .filter(|j| j["Narration"].as_str().is_some_and(|n| n.contains("/adjustment/")))
        .cloned()
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_a_deletion_and_a_move_each_make_one_adjustment_per_target_for_the_difference() {
    let h = both_targets().await;
    let before = books(&h).await;
    assert!(adjustments(&before).is_empty());
    assert_eq!(qbo_totals(&before), plan_totals(&h).await, "posted equals planned");

    // An edit: the rent is 10.00 more than was posted.
    let mut edited = charge(plain_rent);
    let was = decimal(&edited["amount"]);
    edited["amount"] = Value::String((was + Decimal::from(10)).to_string());
    h.upsert("charges", &edited.to_string()).await;
    let run = h.run(&["run"]).await;
    assert!(matches!(run.code, Some(0 | 1)), "{run:?}");
    assert!(run.stdout.contains("Adjustments: 1"), "{}", run.stdout);
    let after = books(&h).await;
    let adjusting = adjustments(&after);
    assert_eq!(adjusting.len(), 1, "one adjustment in QuickBooks");
    let lines = adjusting[0]["Line"].as_array().expect("lines");
    assert!(lines.iter().all(|l| decimal(&l["Amount"]) == Decimal::from(10)), "{lines:?}");
    assert_eq!(xero_adjustments(&h).await.len(), 1, "one adjustment in Xero: {}", run.stdout);
    assert_eq!(qbo_totals(&after), plan_totals(&h).await, "posted plus adjustments equals planned");
    // Nothing is ever adjusted twice.
    let again = h.run(&["run"]).await;
    assert!(!again.stdout.contains("Adjustments:"), "{}", again.stdout);
    assert_eq!(adjustments(&books(&h).await).len(), 1);

    // A deletion reverses exactly the item's share.
    let mut deleted = charge(|c| plain_rent(c) && c["chargeId"] != edited["chargeId"]);
    deleted["status"] = "deleted".into();
    h.upsert("charges", &deleted.to_string()).await;
    let run = h.run(&["run"]).await;
    assert!(matches!(run.code, Some(0 | 1)), "{run:?}");
    let after = books(&h).await;
    assert_eq!(adjustments(&after).len(), 2);
    assert_eq!(xero_adjustments(&h).await.len(), 2);
    assert_eq!(qbo_totals(&after), plan_totals(&h).await);

    // A move to the next month: reversed where it was, booked where it is now.
    let mut moved = charge(|c| {
        plain_rent(c) && c["chargeId"] != edited["chargeId"] && c["chargeId"] != deleted["chargeId"]
    });
    let next = "2026-03-02";
    moved["postDate"] = next.into();
    moved["transactionDate"] = next.into();
    moved["postMonth"] = "2026-03".into();
    h.upsert("charges", &moved.to_string()).await;
    let run = h.run(&["run"]).await;
    assert!(matches!(run.code, Some(0 | 1)), "{run:?}");
    let after = books(&h).await;
    assert_eq!(adjustments(&after).len(), 3);
    let march = entries(&after)
        .values()
        .filter(|je| je["TxnDate"] == next && !je["DocNumber"].as_str().unwrap_or_default().contains("-A"))
        .count();
    assert_eq!(march, 1, "booked in March");
    assert_eq!(qbo_totals(&after), plan_totals(&h).await);
}
