//! Entrata's shapes into the connector's items, on answers written as docs/sources.md section 7.2
//! says the sandbox serves them (and section 2 says Entrata does): one child as an object, ids as
//! ints, money as numbers and strings, `MM/DD/YYYY` dates.

use std::collections::{BTreeMap, HashMap};

use super::shape::*;
use super::translate;
use crate::config::{ApiSource, ArCodeKey, DepositSource};
use crate::domain::ItemKind;
use crate::source::convert::{Item, classify};

fn api() -> ApiSource {
    ApiSource {
        auth: crate::config::ApiAuth::ApiKey,
        api_key_env: "K".into(),
        deposits: DepositSource::Gl,
        ledger_reread_months: 2,
        overlap_days: 7,
        timezone: "America/Denver".into(),
        currency: None,
        ar_code_key: ArCodeKey::Lookup,
        payment_batch: 100,
        min_interval_ms: 0,
        limit_reserve_percent: 10,
        mark_exported: false,
        gl_split_at: 1000,
    }
}

fn item(kind: ItemKind, draft: &translate::Draft) -> Item {
    let raw = format!("{},\"updatedAt\":\"2026-02-01T00:00:00Z\"}}", draft.body);
    classify(kind, &raw, None).item.unwrap_or_else(|e| panic!("{raw}: {e}"))
}

const CODES: &str = r#"{"arcodes": {"arcode": [
  {"id": 11, "code": 2, "codeType": "Rent", "name": "Rent", "lookupCode": "RENT", "isTaxable": 0, "isDisabled": "0",
   "debitGlAccountId": 1200, "creditGlAccountId": 4000},
  {"id": "12", "code": 3, "codeType": "Other Income", "chargeUsage": "Special", "name": "Concession", "lookupCode": "CONC"},
  {"id": 13, "code": 9, "chargeTiming": "Tax", "name": "Sales tax"},
  {"id": "payment", "code": 1, "codeType": "Payment", "name": "Payment"}]}}"#;

#[test]
fn codes_become_the_connectors_with_their_type_and_key() {
    let (drafts, codes) = translate::ar_codes(serde_json::from_str(CODES).unwrap(), &api());
    assert_eq!(drafts.len(), 3, "the Payment code is not a charge code");
    let Item::ArCode(rent) = item(ItemKind::ArCode, &drafts[0]) else { panic!() };
    assert_eq!((rent.code.as_str(), rent.gl_debit_account.as_deref()), ("RENT", Some("1200")));
    let Item::ArCode(conc) = item(ItemKind::ArCode, &drafts[1]) else { panic!() };
    assert_eq!(format!("{:?}", conc.code_type), "Concession");
    let Item::ArCode(tax) = item(ItemKind::ArCode, &drafts[2]) else { panic!() };
    assert_eq!(
        (tax.code.as_str(), format!("{:?}", tax.code_type).as_str()),
        ("13", "Tax"),
        "no lookup code: the id"
    );
    assert!(
        codes.is_payment_code(Some(&serde_json::value::RawValue::from_string("\"payment\"".into()).unwrap()))
    );
}

#[test]
fn a_ledger_with_single_children_gives_exact_charges_and_payment_lines() {
    let (_, codes) = translate::ar_codes(serde_json::from_str(CODES).unwrap(), &api());
    let ledger: LedgerResult<'_> = serde_json::from_str(
        r#"{"leases": {"lease": {"id": 501, "propertyId": "p1", "customers": {"customer": {"id": 77,
            "ledgers": {"ledger": {"id": 1, "transactions": {"transaction": [
              {"id": 9001, "arCodeId": 11, "description": "Rent", "transactionDate": "02/01/2026",
               "postDate": "02/01/2026", "postMonth": "02/01/2026", "amount": 1295.10, "taxAmount": "0.00",
               "servicePeriodStart": "02/01/2026", "servicePeriodEnd": "02/28/2026"},
              {"id": "9002", "arCodeId": "12", "postDate": "02/03/2026", "postMonth": "02/01/2026", "amount": "-50.00",
               "originalArTransactionId": null},
              {"id": 9003, "arCodeId": 11, "postDate": "02/03/2026", "postMonth": "02/01/2026", "amount": 5, "isTemporary": "1"},
              {"id": "pmt-pay_1", "arCodeId": "payment", "arPaymentId": "pay_1", "postDate": "02/02/2026",
               "postMonth": "02/01/2026", "amount": -1295.10},
              {"id": "pmtr-pay_1", "arCodeId": "payment", "arPaymentId": "pay_1", "postDate": "03/04/2026",
               "postMonth": "03/01/2026", "amount": 1295.10}]}}}}}}}}"#,
    )
    .unwrap();
    let out = translate::ledger(ledger.leases.into_vec(), "p1", Some("USD"), &codes, false);
    assert_eq!((out.charges.len(), out.temporary), (2, 1));
    let Item::Charge(rent) = item(ItemKind::Charge, &out.charges[0]) else { panic!() };
    assert_eq!(rent.amount.amount().to_string(), "1295.10", "money exact from a JSON number");
    assert_eq!((rent.ar_code.as_str(), rent.lease_id.as_ref().map(|l| l.as_str())), ("RENT", Some("501")));
    assert_eq!(rent.post_month.to_string(), "2026-02");
    assert!(rent.service_period.is_some());
    let Item::Charge(credit) = item(ItemKind::Charge, &out.charges[1]) else { panic!() };
    assert_eq!((credit.ar_code.as_str(), credit.amount.amount().to_string().as_str()), ("CONC", "-50.00"));
    let line = &out.payments["pay_1"];
    assert_eq!((line.lease_id.as_str(), line.post_date.as_str()), ("\"501\"", "\"2026-02-02\""));
    assert_eq!(line.reversal, Some(("\"2026-03-04\"".to_owned(), "\"2026-03\"".to_owned())));

    let payments: PaymentsResult<'_> = serde_json::from_str(
        r#"{"ArPayments": {"ArPayment": {"ArPaymentId": "pay_1", "CustomerId": 77, "PaymentAmount": "1295.10",
            "PaymentType": "ACH", "PaymentStatus": "Returned", "CapturedOn": "02/01/2026 14:03",
            "ReturnedOn": "03/04/2026", "CurrencyCode": "USD",
            "ArAllocations": {"ArAllocation": {"ArTransactionId": 9001, "ChargeCodeId": 11, "Amount": 1295.10}}}}}"#,
    )
    .unwrap();
    let deposits = HashMap::from([("pay_1".to_owned(), "dep_1".to_owned())]);
    let zone = "America/Denver".parse().unwrap();
    let drafts = translate::payments(
        payments.ar_payments.into_vec(),
        "p1",
        &out.payments,
        &deposits,
        None,
        &codes,
        zone,
    );
    let Item::Payment(p) = item(ItemKind::Payment, &drafts[0]) else { panic!() };
    assert_eq!(p.amount.amount().to_string(), "1295.10");
    assert_eq!(format!("{:?}", p.status), "Returned");
    assert_eq!(p.allocations[0].amount.amount().to_string(), "1295.10");
    assert_eq!(p.deposit_id.as_ref().map(|d| d.as_str()), Some("dep_1"));
    assert_eq!(p.post_month.to_string(), "2026-02");
}

#[test]
fn an_amount_that_does_not_read_is_held_with_its_field() {
    let (_, codes) = translate::ar_codes(serde_json::from_str(CODES).unwrap(), &api());
    let ledger: LedgerResult<'_> = serde_json::from_str(
        r#"{"leases": {"lease": [{"id": 1, "customers": {"customer": [{"id": 2, "ledgers": {"ledger": [{"transactions":
            {"transaction": [{"id": 3, "arCodeId": 11, "postDate": "02/01/2026", "postMonth": "02/01/2026",
              "amount": "12.3x"}]}}]}}]}}]}}"#,
    )
    .unwrap();
    let out = translate::ledger(ledger.leases.into_vec(), "p1", Some("USD"), &codes, false);
    let raw = format!("{},\"updatedAt\":\"2026-02-01T00:00:00Z\"}}", out.charges[0].body);
    let reason = classify(ItemKind::Charge, &raw, Some("p1")).item.unwrap_err();
    assert!(reason.contains("amount"), "{reason}");
    let _: BTreeMap<String, String> = out.charge_dates;
}

#[test]
fn deposits_come_from_the_gl_deposit_lines_with_their_payments() {
    let gl: GlResult<'_> = serde_json::from_str(
        r#"{"properties": {"property": {"@attributes": {"id": "p1"}, "transactions": {"transaction": {
            "@attributes": {"accountId": "bank_001", "accountName": "Operating"},
            "glDetails": {"glDetail": [
              {"@attributes": {"id": "dep_1", "transactionType": "Deposit"}, "transactionDate": "02/02/2026",
               "postDate": "02/02/2026", "postMonth": "02/2026", "debit": "1295.10", "credit": "0.00",
               "arPaymentIds": "pay_1, pay_2"},
              {"@attributes": {"id": "x", "transactionType": "AR Payment"}, "debit": "5.00"}]}}}}}}"#,
    )
    .unwrap();
    let (drafts, of_payment) = translate::deposits(gl, "p1", Some("USD"));
    assert_eq!(drafts.len(), 1);
    let Item::Deposit(d) = item(ItemKind::Deposit, &drafts[0]) else { panic!() };
    assert_eq!((d.amount.amount().to_string().as_str(), d.payment_ids.len()), ("1295.10", 2));
    assert_eq!(of_payment["pay_2"], "dep_1");
}
