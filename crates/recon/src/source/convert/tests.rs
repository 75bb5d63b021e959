use super::*;

const CHARGE: &str = r#"{"chargeId": "chg_1", "propertyId": "prop_1", "leaseId": "lease_1", "residentId": "res_1",
 "unitId": "unit_1", "arCode": "RENT", "description": "Rent February 2026",
 "amount": 1295.00, "taxAmount": 0.00, "currency": "USD",
 "transactionDate": "2026-02-01", "postDate": "2026-02-01", "postMonth": "2026-02",
 "servicePeriodStart": "2026-02-01", "servicePeriodEnd": "2026-02-28",
 "reversesChargeId": null, "scheduledChargeId": "sch_77", "status": "posted",
 "createdAt": "2026-01-31T23:00:00Z", "updatedAt": "2026-01-31T23:00:00Z"}"#;

fn charge_with(field: &str, value: &str) -> String {
    let mut map: serde_json::Map<String, serde_json::Value> = serde_json::from_str(CHARGE).unwrap();
    // Values are spliced as text below, so money keeps its exact literal.
    map.remove(field);
    let mut text = serde_json::to_string(&map).unwrap();
    if value != "<absent>" {
        text.insert_str(1, &format!("\"{field}\": {value}, "));
    }
    text
}

/// Classifies a charge with `field` set to the JSON text `value` and returns the amount or the reason.
fn check(field: &str, value: &str, expected: &str) {
    let raw = charge_with(field, value);
    let c = classify(ItemKind::Charge, &raw, Some("prop_1"));
    let got = match c.item {
        Ok(Item::Charge(ch)) => {
            format!("ok {} tax {}", format_amount(ch.amount.amount()), format_amount(ch.tax.amount()))
        }
        Ok(other) => format!("wrong kind {other:?}"),
        Err(reason) => format!("quarantined: {reason}"),
    };
    assert_eq!(got, expected, "{field} = {value}");
}

#[test]
fn charge_fields() {
    check("amount", "1295.00", "ok 1295.00 tax 0.00");
    check("amount", r#""1295.00""#, "ok 1295.00 tax 0.00");
    check("amount", "0.1", "ok 0.10 tax 0.00");
    check("amount", "1.2e2", "ok 120.00 tax 0.00");
    check("amount", "12.345", "quarantined: amount: 12.345 has more than 2 decimal places");
    check("amount", "12.340", "ok 12.34 tax 0.00");
    check("amount", r#""12,50""#, "quarantined: amount: `\"12,50\"` is not a decimal amount");
    check("amount", r#"{"value": 1}"#, "quarantined: amount: `{\"value\": 1}` is not a decimal amount");
    check("amount", "<absent>", "quarantined: missing field `amount`");
    check("amount", "null", "quarantined: missing field `amount`");
    check("taxAmount", "<absent>", "ok 1295.00 tax 0.00");
    check("taxAmount", "95.00", "ok 1295.00 tax 95.00");
    check(
        "taxAmount",
        "-5.00",
        "quarantined: taxAmount -5.00 must be part of amount 1295.00 (same sign, not larger)",
    );
    check("currency", r#""XYZ""#, "quarantined: currency: `XYZ` is not an ISO 4217 currency code");
    check(
        "postDate",
        r#""2026-02-30""#,
        "quarantined: postDate: `2026-02-30` is not a valid date (YYYY-MM-DD)",
    );
    check(
        "postDate",
        r#""02/01/2026""#,
        "quarantined: postDate: `02/01/2026` is not a valid date (YYYY-MM-DD)",
    );
    check("postMonth", "<absent>", "quarantined: missing field `postMonth`");
    check("postMonth", r#""2026-2""#, "quarantined: postMonth: `2026-2` is not a month (YYYY-MM)");
    check("status", r#""void""#, "quarantined: status: `void` is not one of posted, deleted");
    check(
        "servicePeriodEnd",
        r#""2026-01-01""#,
        "quarantined: servicePeriodEnd 2026-01-01 is before servicePeriodStart 2026-02-01",
    );
    check(
        "servicePeriodEnd",
        "null",
        "quarantined: servicePeriodStart and servicePeriodEnd must both be set or both be null",
    );
    check(
        "updatedAt",
        r#""2026-01-31 23:00""#,
        "quarantined: updatedAt: `2026-01-31 23:00` is not an ISO 8601 timestamp with offset",
    );
    check("arCode", "5", "ok 1295.00 tax 0.00");
    check("arCode", "true", "quarantined: arCode: expected a string, found `true`");
}

#[test]
fn every_problem_of_an_item_is_reported_together() {
    let raw = charge_with("amount", "1.001")
        .replace("\"USD\"", "\"usd\"")
        .replace("2026-02-01\", \"postMonth", "2026-13-01\", \"postMonth");
    let c = classify(ItemKind::Charge, &raw, Some("prop_1"));
    let reason = c.item.unwrap_err();
    assert!(reason.contains("currency: `usd` is not an ISO 4217 currency code"), "{reason}");
    assert_eq!(c.item_id, "chg_1");
    assert_eq!(c.updated_at_text.as_deref(), Some("2026-01-31T23:00:00Z"));
}

#[test]
fn identity_survives_quarantine() {
    let raw = charge_with("chargeId", "<absent>");
    let c = classify(ItemKind::Charge, &raw, Some("prop_1"));
    assert!(c.item_id.starts_with('?'));
    assert_eq!(c.item.unwrap_err(), "missing field `chargeId`");
    let c = classify(ItemKind::Charge, "[1, 2]", Some("prop_1"));
    assert!(c.item.unwrap_err().starts_with("not a JSON object"));
    assert_eq!(c.property_id.as_deref(), Some("prop_1"));
}

#[test]
fn an_item_listed_under_another_property_is_quarantined() {
    let c = classify(ItemKind::Charge, CHARGE, Some("prop_2"));
    assert_eq!(
        c.item.unwrap_err(),
        "propertyId `prop_1` differs from the property it was listed under (`prop_2`)"
    );
}

#[test]
fn content_hash_is_of_the_exact_text() {
    let a = classify(ItemKind::Charge, CHARGE, Some("prop_1"));
    let b = classify(ItemKind::Charge, &CHARGE.replace("1295.00", "1295.0"), Some("prop_1"));
    assert_ne!(a.content_hash, b.content_hash);
    assert_eq!(a.content_hash, hex_sha256(CHARGE.as_bytes()));
}

#[test]
fn payments_need_return_details_when_returned() {
    let payment = r#"{"paymentId": "pay_1", "propertyId": "prop_1", "leaseId": "lease_1", "residentId": "res_1",
     "amount": "1295.00", "currency": "USD", "method": "ach", "status": "returned",
     "receivedAt": "2026-02-01T14:03:00-06:00", "postDate": "2026-02-01", "postMonth": "2026-02",
     "returnedDate": null, "returnPostMonth": null, "returnReason": "NSF", "depositId": "dep_1",
     "allocations": [{"chargeId": "chg_1", "arCode": "RENT", "amount": 1295.00}],
     "createdAt": "2026-02-01T20:03:00Z", "updatedAt": "2026-02-05T10:00:00Z"}"#;
    let c = classify(ItemKind::Payment, payment, Some("prop_1"));
    assert_eq!(c.item.unwrap_err(), "a returned or voided payment needs returnedDate and returnPostMonth");
    let fixed = payment
        .replace("\"returnedDate\": null", "\"returnedDate\": \"2026-02-05\"")
        .replace("\"returnPostMonth\": null", "\"returnPostMonth\": \"2026-02\"");
    let Ok(Item::Payment(p)) = classify(ItemKind::Payment, &fixed, Some("prop_1")).item else { panic!() };
    assert_eq!(p.returned.unwrap().date.to_string(), "2026-02-05");
    assert_eq!(format_amount(p.allocations[0].amount.amount()), "1295.00");
    assert_eq!(p.deposit_id.unwrap().as_str(), "dep_1");
    let negative = fixed.replace("\"1295.00\"", "\"-5.00\"");
    assert_eq!(
        classify(ItemKind::Payment, &negative, Some("prop_1")).item.unwrap_err(),
        "amount -5.00 must be positive"
    );
}

#[test]
fn other_kinds_convert() {
    let property = r#"{"propertyId": "prop_1", "name": "Lakeview", "code": "LV-OMA-001", "status": "active",
      "address": {"line1": "x"}, "timezone": "America/Chicago", "unitCount": 220, "occupancyRate": 0.96,
      "averageMarketRent": 1320.00, "currency": "USD", "openPostMonth": "2026-02", "updatedAt": "2026-01-20T13:45:00Z"}"#;
    let Ok(Item::Property(p)) = classify(ItemKind::Property, property, None).item else { panic!() };
    assert_eq!(
        (p.code.as_str(), p.open_post_month.unwrap().to_string()),
        ("LV-OMA-001", "2026-02".to_owned())
    );

    let lease = r#"{"leaseId": "lease_1", "propertyId": "prop_1", "number": "LV-1", "unitId": "u", "primaryResidentId": "r",
      "coResidentIds": [], "status": "active", "startDate": "2026-02-15", "endDate": "2027-02-14", "moveInDate": "2026-02-15",
      "moveOutDate": null, "rent": 1295.00, "fees": [{"code": "PET", "description": "Pet", "amount": "25.00", "frequency": "monthly"}],
      "deposit": 300.00, "currency": "USD", "updatedAt": "2026-01-21T11:20:44Z"}"#;
    let Ok(Item::Lease(l)) = classify(ItemKind::Lease, lease, Some("prop_1")).item else { panic!() };
    assert_eq!(format_amount(l.fees[0].amount.amount()), "25.00");
    let bad_fee = lease.replace("\"monthly\"", "\"weekly\"");
    assert_eq!(
        classify(ItemKind::Lease, &bad_fee, Some("prop_1")).item.unwrap_err(),
        "fees[0].frequency: `weekly` is not one of monthly, once"
    );
    // A deleted lease is a tombstone (spec §2), not a broken item.
    let tombstone = lease.replace("\"active\"", "\"deleted\"");
    let Ok(Item::Lease(l)) = classify(ItemKind::Lease, &tombstone, Some("prop_1")).item else { panic!() };
    assert_eq!(l.status, LeaseStatus::Deleted);

    let deposit = r#"{"depositId": "dep_1", "propertyId": "prop_1", "bankAccountId": "bank_001", "bankAccountName": "Operating",
      "depositDate": "2026-02-02", "postMonth": "2026-02", "amount": 1295.00, "currency": "USD",
      "paymentIds": ["pay_1"], "updatedAt": "2026-02-02T18:00:00-06:00"}"#;
    let c = classify(ItemKind::Deposit, deposit, Some("prop_1"));
    assert_eq!(c.updated_at.unwrap().to_rfc3339(), "2026-02-03T00:00:00+00:00");
    let Ok(Item::Deposit(d)) = c.item else { panic!() };
    assert_eq!(d.payment_ids, vec![PaymentId::new("pay_1")]);

    let code = r#"{"arCodeId": "ar_1", "code": "RENT", "name": "Rent", "type": "rent", "isTaxable": false,
      "glDebitAccount": 235693, "glCreditAccount": "4000", "isDisabled": false, "updatedAt": "2026-01-01T00:00:00Z"}"#;
    let Ok(Item::ArCode(a)) = classify(ItemKind::ArCode, code, None).item else { panic!() };
    assert_eq!((a.code_type, a.gl_debit_account.as_deref()), (ArCodeType::Rent, Some("235693")));
}
