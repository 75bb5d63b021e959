//! A deposit, and a payment returned after it, edited, moved and deleted in Entrata after they were
//! posted to Xero (issue 15, item 5): each correction of a bank line is a bank transaction on the
//! same bank account (a SPEND when it takes from the bank, a RECEIVE when it adds), its Reference
//! naming the document it corrects; nothing is held; after every run Xero's bank account holds
//! exactly Entrata's deposits less the returns after deposit; and the drift report reads every
//! correction back equal to the adjustment recorded (no drift). The real binary against the
//! sandboxes, `fixtures/one-of-each.json` (deposit `dep_1` of payment `pay_1`, 1316.06, into
//! `bank_001` = Xero 1010).

use std::collections::BTreeMap;

use reqwest::Method;
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::common::{Harness, fixture};

const PROPERTY: &str = "prop_21a91f0";
const DEPOSIT_DOC: &str = "EN-LV001-D260202-1";

/// The fixture with MISC mapped, posted to Xero alone (a custom connection).
async fn posted() -> Harness {
    let h = Harness::start(fixture("one-of-each.json")).await;
    h.write_mappings();
    let portfolio = h.dir.path().join("mappings/portfolio.toml");
    let mut text = std::fs::read_to_string(&portfolio).expect("portfolio");
    text.push_str("\n[codes.MISC]\naccount = \"fee_income\"\n");
    std::fs::write(&portfolio, text).expect("portfolio written");
    h.set_target("qbo", "enabled", Some(false.into()));
    h.set_target("xero", "enabled", Some(true.into()));
    h.set_target("xero", "auth", Some("client_credentials".into()));
    let pull = h.run(&["pull"]).await;
    assert!(matches!(pull.code, Some(0 | 1)), "{pull:?}");
    post(&h).await;
    h
}

/// `pull`, then `post`: everything sent, nothing held or refused.
async fn post(h: &Harness) -> String {
    let pull = h.run(&["pull"]).await;
    assert!(matches!(pull.code, Some(0 | 1)), "{pull:?}");
    let post = h.run(&["post"]).await;
    assert_eq!(post.code, Some(0), "{post:?}");
    assert!(!post.stdout.contains("HELD") && !post.stdout.contains("refused"), "{}", post.stdout);
    post.stdout
}

fn money(value: &Value) -> Decimal {
    let text = match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    text.parse().unwrap_or_else(|_| panic!("not money: {value}"))
}

/// Line items as `(account code, LineAmount)`.
type Items = Vec<(String, Decimal)>;
/// One bank transaction as the sandbox holds it: `(Type, bank code, Reference, Total, items)`.
type Bank = (String, String, String, Decimal, Items);
/// A correction: `(Type, bank code, Total, items)`.
type Correction = (String, String, Decimal, Items);

async fn bank_transactions(h: &Harness) -> Vec<Bank> {
    let state = h.control(Method::GET, "/_sandbox/state?items=false", None).await;
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    state["xero"]["bankTransactions"]
        .as_array()
        .expect("bank transactions")
        .iter()
        .filter(|t| t["Status"] == "AUTHORISED")
        .map(|t| {
            let items = t["LineItems"]
                .as_array()
                .expect("items")
                .iter()
                .map(|l| (text(&l["AccountCode"]), money(&l["LineAmount"])))
                .collect();
            (
                text(&t["Type"]),
                text(&t["BankAccount"]["Code"]),
                text(&t["Reference"]),
                money(&t["Total"]),
                items,
            )
        })
        .collect()
}

/// Per bank account code: money received less money spent, from what Xero holds.
fn balances(banks: &[Bank]) -> BTreeMap<String, Decimal> {
    let mut out: BTreeMap<String, Decimal> = BTreeMap::new();
    for (kind, code, _, total, _) in banks {
        let signed = if kind == "SPEND" { -*total } else { *total };
        *out.entry(code.clone()).or_default() += signed;
    }
    out
}

/// Entrata's deposits less the payments returned after their deposit, from what it serves now.
async fn entrata_bank(h: &Harness) -> Decimal {
    let state = h.control(Method::GET, "/_sandbox/state", None).await;
    let data = &state["entrata"]["data"];
    let deposits: Vec<&Value> = data["deposits"][PROPERTY]
        .as_array()
        .expect("deposits")
        .iter()
        .filter(|d| d["status"] != "deleted")
        .collect();
    let mut total: Decimal = deposits.iter().map(|d| money(&d["amount"])).sum();
    for payment in data["payments"][PROPERTY].as_array().expect("payments") {
        let deposited = deposits.iter().any(|d| {
            d["depositId"] == payment["depositId"]
                && d["paymentIds"].as_array().is_some_and(|ids| ids.contains(&payment["paymentId"]))
        });
        if deposited && payment["status"] == "returned" {
            total -= money(&payment["amount"]);
        }
    }
    total
}

/// Xero's bank account 1010 equals Entrata's deposits less returns, and the drift report finds
/// nothing: every correction reads back as the adjustment recorded.
async fn agrees(h: &Harness, expected: &str) {
    let expected: Decimal = expected.parse().expect("amount");
    assert_eq!(entrata_bank(h).await, expected, "Entrata's side");
    let banks = bank_transactions(h).await;
    assert_eq!(balances(&banks).get("1010").copied().unwrap_or_default(), expected, "{banks:#?}");
    let drift = h.run(&["drift", "--format", "json"]).await;
    let report: Value = serde_json::from_str(&drift.stdout).unwrap_or_else(|e| panic!("{e}: {drift:?}"));
    assert_eq!(report["findings"], json!([]), "{report:#}");
    assert_eq!(drift.code, Some(0), "{drift:?}");
}

/// The bank transactions correcting `doc`, as `(Type, bank code, Total, items)`.
fn corrections_of(banks: &[Bank], doc: &str) -> Vec<Correction> {
    banks
        .iter()
        .filter(|(_, _, reference, _, _)| reference.ends_with(&format!(" corrects {doc}")))
        .map(|(kind, code, _, total, items)| (kind.clone(), code.clone(), *total, items.clone()))
        .collect()
}

async fn served(h: &Harness, kind: &str, id_field: &str, id: &str) -> Value {
    let state = h.control(Method::GET, "/_sandbox/state", None).await;
    state["entrata"]["data"][kind][PROPERTY]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i[id_field] == id)
        .cloned()
        .unwrap_or_else(|| panic!("{kind} {id} not served"))
}

/// `pay_1` and `dep_1` at `amount`, the difference taken from (or given to) the PET allocation.
async fn set_amount(h: &Harness, amount: &str, pet: &str) {
    let mut payment = served(h, "payments", "paymentId", "pay_1").await;
    payment["amount"] = json!(amount);
    for allocation in payment["allocations"].as_array_mut().expect("allocations") {
        if allocation["arCode"] == "PET" {
            allocation["amount"] = json!(pet);
        }
    }
    h.upsert("payments", &payment.to_string()).await;
    let mut deposit = served(h, "deposits", "depositId", "dep_1").await;
    deposit["amount"] = json!(amount);
    h.upsert("deposits", &deposit.to_string()).await;
}

async fn return_pay_1(h: &Harness, date: &str) {
    let mut payment = served(h, "payments", "paymentId", "pay_1").await;
    payment["status"] = json!("returned");
    payment["returnedDate"] = json!(date);
    payment["returnPostMonth"] = json!("2026-02");
    payment["returnReason"] = json!("NSF");
    h.upsert("payments", &payment.to_string()).await;
}

fn dec(text: &str) -> Decimal {
    text.parse().expect("amount")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deposit_and_return_corrections_are_bank_transactions_and_the_bank_ties_out() {
    let h = posted().await;
    let banks = bank_transactions(&h).await;
    assert_eq!(banks.len(), 1, "{banks:#?}");
    assert_eq!((banks[0].0.as_str(), banks[0].2.as_str()), ("RECEIVE", DEPOSIT_DOC));
    agrees(&h, "1316.06").await;

    // The payment (and so the deposit) is 16.06 smaller: a SPEND of 16.06 from 1010, coded back
    // to the clearing account the deposit took it from.
    set_amount(&h, "1300.00", "3.93").await;
    let out = post(&h).await;
    assert!(out.contains("Adjustments:"), "{out}");
    let banks = bank_transactions(&h).await;
    assert_eq!(
        corrections_of(&banks, DEPOSIT_DOC),
        [("SPEND".into(), "1010".into(), dec("16.06"), vec![("1499".into(), dec("16.06"))])]
    );
    agrees(&h, "1300.00").await;

    // Back to 1316.06: another correction, a RECEIVE of 16.06.
    set_amount(&h, "1316.06", "19.99").await;
    post(&h).await;
    let banks = bank_transactions(&h).await;
    let corrections = corrections_of(&banks, DEPOSIT_DOC);
    assert_eq!(corrections.len(), 2, "{corrections:#?}");
    assert!(
        corrections.contains(&(
            "RECEIVE".into(),
            "1010".into(),
            dec("16.06"),
            vec![("1499".into(), dec("16.06"))]
        )),
        "{corrections:#?}"
    );
    agrees(&h, "1316.06").await;

    // Returned after the deposit: the return's own SPEND (not a correction).
    return_pay_1(&h, "2026-02-10").await;
    post(&h).await;
    let banks = bank_transactions(&h).await;
    let returns: Vec<&Bank> = banks.iter().filter(|b| b.2 == "EN-LV001-R260210-1").collect();
    assert_eq!(returns.len(), 1, "{banks:#?}");
    assert_eq!((returns[0].0.as_str(), returns[0].3), ("SPEND", dec("1316.06")));
    agrees(&h, "0.00").await;

    // The return moved to another day: the first one corrected by a RECEIVE coded to
    // receivables, the return booked again on its new day.
    return_pay_1(&h, "2026-02-12").await;
    post(&h).await;
    let banks = bank_transactions(&h).await;
    assert_eq!(
        corrections_of(&banks, "EN-LV001-R260210-1"),
        [("RECEIVE".into(), "1010".into(), dec("1316.06"), vec![("1210".into(), dec("1316.06"))])]
    );
    assert_eq!(banks.iter().filter(|b| b.2 == "EN-LV001-R260212-1" && b.0 == "SPEND").count(), 1);
    agrees(&h, "0.00").await;

    // The deposit deleted: its SPEND takes the whole deposit back out of 1010 into clearing, and
    // the return (its deposit gone, so out of clearing now) is corrected by a RECEIVE from
    // clearing back into 1010: receivables are untouched, the payment is still returned.
    let mut deposit = served(&h, "deposits", "depositId", "dep_1").await;
    deposit["status"] = json!("deleted");
    h.upsert("deposits", &deposit.to_string()).await;
    post(&h).await;
    let banks = bank_transactions(&h).await;
    assert!(
        corrections_of(&banks, DEPOSIT_DOC).contains(&(
            "SPEND".into(),
            "1010".into(),
            dec("1316.06"),
            vec![("1499".into(), dec("1316.06"))]
        )),
        "{banks:#?}"
    );
    assert_eq!(
        corrections_of(&banks, "EN-LV001-R260212-1"),
        [("RECEIVE".into(), "1010".into(), dec("1316.06"), vec![("1499".into(), dec("1316.06"))])]
    );
    agrees(&h, "0.00").await;
    // Nothing is left to send.
    let again = h.run(&["post"]).await;
    assert_eq!(again.code, Some(0), "{again:?}");
    assert_eq!(bank_transactions(&h).await.len(), banks.len());
}

/// A correction whose answer is lost is found by the lookup (in the bank transactions, although
/// an adjustment's key does not say it is one) once Xero's idempotency window has passed, and is
/// never sent twice. In-process, on the virtual clock.
#[tokio::test]
async fn a_lost_correction_is_found_by_lookup_and_never_posted_twice() {
    use super::support::Posting;
    use entrata_recon::posting::engine::needs_attention;

    let p = Posting::start(|_| {}).await;
    let mut xero = p.target(p.h.virtual_pause()).await;
    let first = p.post(&mut xero).await;
    assert!(!needs_attention(&first), "{first:#?}");

    // A posted deposit deleted in Entrata.
    let books = p.books().await;
    let state = p.h.control(Method::GET, "/_sandbox/state", None).await;
    let (mut deposit, doc) = state["entrata"]["data"]["deposits"]
        .as_object()
        .expect("deposits by property")
        .iter()
        .flat_map(|(property, deposits)| {
            deposits.as_array().expect("deposits").iter().map(move |d| (property.clone(), d.clone()))
        })
        .find_map(|(property, d)| {
            let key = format!("{property}/deposit/{}/1", d["depositId"].as_str()?);
            let found = books.bank_transactions_of(&key);
            Some((d, found.first()?.reference.clone()?))
        })
        .expect("a posted deposit");
    let total = money(&deposit["amount"]);
    deposit["status"] = json!("deleted");
    p.h.upsert("deposits", &deposit.to_string()).await;
    p.h.pull().await;
    entrata_recon::run::record::record(&p.state, &p.mappings, false).await.expect("recorded");

    // The correction is saved but its answer lost, and so are the answers to the two identical
    // requests after it; listing bank transactions fails for the rest of the run, so it ends
    // uncertain.
    p.h.set_faults(
        r#"[{"service": "xero", "method": "PUT", "path": "**/BankTransactions", "times": 3, "action": "drop_after_commit"},
            {"service": "xero", "method": "GET", "path": "**/BankTransactions", "times": 1, "action": {"delay_ms": 1}, "comment": "the history check's read (posting::history) is answered"},
            {"service": "xero", "method": "GET", "path": "**/BankTransactions", "action": {"status": 503}}]"#,
    )
    .await;
    let mut xero = p.target(p.h.virtual_pause()).await;
    let lost = p.post(&mut xero).await;
    assert_eq!(lost.uncertain.len(), 1, "{lost:#?}");
    assert!(lost.held.is_empty(), "{lost:#?}");

    // Past the idempotency window a resend would be a second SPEND: only the lookup prevents it.
    p.h.set_faults("[]").await;
    p.h.sandbox.clock().advance(std::time::Duration::from_secs(7 * 60));
    let mut xero = p.target(p.h.virtual_pause()).await;
    let second = p.post(&mut xero).await;
    assert!(!needs_attention(&second), "{second:#?}");
    let found = second.posted.iter().filter(|r| r.detail.starts_with("found in xero")).count();
    assert_eq!(found, 1, "{second:#?}");
    let books = p.books().await;
    let corrections: Vec<(&str, &str)> = books
        .bank_transactions
        .iter()
        .filter(|t| t.reference.as_deref().is_some_and(|r| r.ends_with(&format!(" corrects {doc}"))))
        .map(|t| (t.kind.as_str(), t.total.get()))
        .collect();
    assert_eq!(
        corrections,
        [("SPEND", super::support::signed(entrata_recon::journal::Side::Debit, total).as_str())]
    );
}
