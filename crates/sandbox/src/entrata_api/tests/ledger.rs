//! The ledger (getLeaseArTransactions) and payments through the view: paging by lease node, date
//! windows, deletions, returns and their reversals.

use super::*;
use crate::dataset::item::{Item, UpdatedAt};
use crate::dataset::schema::EntrataKind;
use crate::locks::write;

/// A dataset with `leases` leases in one property, each with one charge on the 1st of a month.
fn many_leases(leases: usize) -> String {
    let lease = |i: usize| {
        format!(
            r#"{{"leaseId": "l{i:02}", "propertyId": "p1", "primaryResidentId": "r{i:02}", "status": "active", "currency": "USD"}}"#
        )
    };
    let charge = |i: usize| {
        format!(
            r#"{{"chargeId": "c{i:02}", "propertyId": "p1", "leaseId": "l{i:02}", "arCode": "RENT", "amount": "100.{i:02}", "transactionDate": "2026-{m:02}-01", "postDate": "2026-{m:02}-01", "postMonth": "2026-{m:02}", "status": "posted"}}"#,
            m = i % 12 + 1
        )
    };
    format!(
        r#"{{"integrationId": "int_t", "integrationToken": "tok", "users": [],
            "properties": [{{"propertyId": "p1", "name": "P", "status": "active", "currency": "USD", "openPostMonth": "2026-02"}}],
            "arCodes": [{{"arCodeId": "arc_1", "code": "RENT", "name": "Rent", "type": "rent"}}],
            "leases": [{}], "charges": [{}]}}"#,
        (0..leases).map(lease).collect::<Vec<_>>().join(","),
        (0..leases).map(charge).collect::<Vec<_>>().join(",")
    )
}

fn lease_ids(answer: &Value) -> Vec<String> {
    let lease = &answer["response"]["result"]["leases"]["lease"];
    let list =
        if lease.is_array() { lease.as_array().cloned().unwrap_or_default() } else { vec![lease.clone()] };
    list.iter().map(|l| l["id"].as_str().unwrap_or("?").to_owned()).collect()
}

#[test]
fn pages_by_lease_node() {
    let shared = shared(&many_leases(7));
    let api = &shared.entrata_api;
    let ledger = |query: &str, params: &str| {
        call_with(api, "artransactions", &body("getLeaseArTransactions", params), query).json()
    };
    let full = r#"{"propertyId": "p1", "showFullLedger": "1"}"#;
    assert_eq!(lease_ids(&ledger("page_no=1&per_page=5", full)), ["l00", "l01", "l02", "l03", "l04"]);
    // The second page has fewer lease nodes than per_page: the last.
    assert_eq!(lease_ids(&ledger("page_no=2&per_page=5", full)), ["l05", "l06"]);
    assert_eq!(
        ledger("page_no=3&per_page=5", full)["response"]["result"],
        serde_json::json!({"success": "No Records Found."})
    );
    // Without paging: one page of perPageMax.
    assert_eq!(lease_ids(&ledger("", full)).len(), 7);
    // The date window (inclusive, on transactionDate) leaves leases without transactions out.
    let window = r#"{"propertyId": "p1", "showFullLedger": "1", "transactionFromDate": "02/01/2026", "transactionToDate": "03/01/2026"}"#;
    assert_eq!(lease_ids(&ledger("", window)), ["l01", "l02"]);
    let leases =
        |query: &str| call_with(api, "leases", &body("getLeases", r#"{"propertyId": "p1"}"#), query).json();
    assert_eq!(lease_ids(&leases("page_no=2&per_page=5")), ["l05", "l06"]);
    assert!(
        leases("page_no=3&per_page=5")["response"]["result"]["leases"]["lease"]
            .as_array()
            .is_some_and(Vec::is_empty)
    );
}

/// Upserts raw items into the store, as `POST /_sandbox/entrata/{kind}` does.
fn upsert(shared: &Shared, kind: EntrataKind, texts: &[&str]) {
    let mut store = write(&shared.entrata.store);
    for text in texts {
        let checked = crate::dataset::check::check_object(text, kind.fields()).expect("object");
        let id = checked.id.clone().expect("id");
        let now = shared.clock.bump_time();
        store.upsert(Item::from_checked(kind, &checked, text, id, UpdatedAt::Bump(now)));
    }
}

#[test]
fn returns_deletions_and_windows() {
    let shared = shared(ONE_OF_EACH);
    upsert(
        &shared,
        EntrataKind::Payments,
        &[
            r#"{"paymentId": "pay_2", "propertyId": "prop_21a91f0", "leaseId": "lease_51af80", "residentId": "res_91c20a",
              "amount": "500.00", "currency": "USD", "method": "check", "status": "returned", "receivedAt": "2026-02-05T23:30:00-07:00",
              "postDate": "2026-02-05", "postMonth": "2026-02", "returnedDate": "2026-03-02", "returnPostMonth": "2026-03",
              "returnReason": "NSF", "allocations": []}"#,
        ],
    );
    upsert(
        &shared,
        EntrataKind::Charges,
        &[
            r#"{"chargeId": "chg_5", "propertyId": "prop_21a91f0", "leaseId": "lease_51af80", "arCode": "MISC", "amount": "1234567.89",
              "transactionDate": "2026-02-10", "postDate": "2026-02-10", "postMonth": "2026-02", "status": "deleted"}"#,
        ],
    );
    let api = &shared.entrata_api;
    let ledger = |params: &str| call(api, "artransactions", "getLeaseArTransactions", params).json();
    let transactions = |answer: &Value| -> Vec<(String, String, String)> {
        let customers = &answer["response"]["result"]["leases"]["lease"]["customers"]["customer"];
        let customers = if customers.is_array() {
            customers.as_array().cloned().unwrap_or_default()
        } else {
            vec![customers.clone()]
        };
        let mut out = Vec::new();
        for customer in customers {
            let list = &customer["ledgers"]["ledger"]["transactions"]["transaction"];
            let list = if list.is_array() {
                list.as_array().cloned().unwrap_or_default()
            } else {
                vec![list.clone()]
            };
            for t in list {
                let text = |v: &Value| v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string());
                out.push((text(&customer["id"]), text(&t["id"]), text(&t["postMonth"])));
            }
        }
        out
    };
    let all = ledger(r#"{"propertyId": "prop_21a91f0", "showFullLedger": "1", "includeReversals": "1"}"#);
    let ids: Vec<String> = transactions(&all).into_iter().map(|(c, t, _)| format!("{c} {t}")).collect();
    assert_eq!(
        ids,
        [
            "res_88b32e chg_1",
            "res_88b32e chg_2",
            "res_88b32e chg_3",
            "res_88b32e pmt-pay_1",
            "res_88b32e chg_4",
            "res_88b32e chg_6",
            "res_91c20a pmt-pay_2",
            "res_91c20a pmtr-pay_2",
        ]
    );
    let text = all.to_string();
    assert!(text.contains(r#"{"amount":"500.00","arCodeId":"payment","arPaymentId":"pay_2","id":"pmtr-pay_2","isTemporary":0,"postDate":"03/02/2026","postMonth":"03/01/2026","transactionDate":"03/02/2026","transactionTypeId":3}"#), "{text}");
    // March only: the return, not the payment.
    let march = ledger(
        r#"{"propertyId": "prop_21a91f0", "showFullLedger": "1", "includeReversals": "1", "transactionFromDate": "03/01/2026", "transactionToDate": "03/31/2026"}"#,
    );
    assert_eq!(transactions(&march), [("res_91c20a".into(), "pmtr-pay_2".into(), "03/01/2026".into())]);
    // Without includeReversals, neither reversal is listed.
    let plain = ledger(
        r#"{"propertyId": "prop_21a91f0", "showFullLedger": "1", "transactionFromDate": "02/04/2026"}"#,
    );
    let ids: Vec<String> = transactions(&plain).into_iter().map(|(_, t, _)| t).collect();
    assert_eq!(ids, ["pmt-pay_2"]);
    // getArPayments: Mountain Time, the return, and the date window on PaymentDate.
    let payments = call(api, "arpayments", "getArPayments", r#"{"arPaymentIds": "pay_2"}"#).text;
    assert_eq!(
        payments,
        r#"{"response":{"requestId":"7","code":"200","result":{"ArPayments":{"ArPayment":{"ArPaymentId":"pay_2","CustomerId":"res_91c20a","PaymentAmount":"500.00","PaymentType":"Check","PaymentStatus":"Returned","PaymentDate":"02/05/2026 23:30","CapturedOn":"02/05/2026 23:30","ReturnedOn":"03/02/2026","CurrencyCode":"USD","ReturnReason":"NSF"}}}}}"#
    );
    let window = |from: &str, to: &str| {
        let params = format!(r#"{{"fromDate": "{from}", "toDate": "{to}"}}"#);
        call(api, "arpayments", "getArPayments", &params).json()["response"]["result"].to_string()
    };
    assert!(window("02/05/2026", "02/05/2026").contains("pay_2"));
    assert_eq!(window("02/06/2026", "02/28/2026"), r#"{"success":"No Records Found."}"#);
}
