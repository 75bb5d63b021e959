use super::*;

const USERS: &str = r#""users": [{"id": "u_1", "name": "Controller", "username": "c@example.com", "password": "pw",
    "totpSecret": "JBSWY3DPEHPK3PXP", "entitlements": ["financials"]}]"#;

/// A dataset with the common header and `lists` (comma-separated top-level fields).
fn dataset(lists: &str) -> String {
    let lists = if lists.is_empty() { String::new() } else { format!(", {lists}") };
    format!(r#"{{"integrationId": "int_t", "integrationToken": "tok", {USERS}{lists}}}"#)
}

const PROPERTY: &str = r#""properties": [{"propertyId": "p1", "name": "Lakeview", "currency": "USD", "updatedAt": "2026-01-20T13:45:00Z"}]"#;

fn refused(text: &str) -> String {
    Dataset::from_json(text.as_bytes()).expect_err("refused").to_string()
}

#[test]
fn loads_items_as_written() {
    let text = dataset(&format!(
        r#"{PROPERTY},
        "leases": [{{"leaseId": "l1", "propertyId": "p1", "rent": 1295.00}}],
        "charges": [
            {{"chargeId": "c1", "propertyId": "p1", "leaseId": "l1", "amount": 1295.00, "postDate": "2026-02-30", "updatedAt": "2026-01-31T23:00:00-06:00"}},
            {{"chargeId": "c2", "propertyId": "p1", "leaseId": null, "amount": "12.345", "updatedAt": "yesterday"}},
            {{"chargeId": "c3", "propertyId": "p1", "amount": 1e2}}
        ],
        "workOrders": []"#
    ));
    let dataset = Dataset::from_json(text.as_bytes()).expect("valid dataset");
    assert_eq!(dataset.integration_id(), "int_t");
    assert_eq!(dataset.count(EntrataKind::Charges), 3);
    let charges = &dataset.items[EntrataKind::Charges.index()];
    assert_eq!(
        &*charges[0].raw,
        r#"{"chargeId": "c1", "propertyId": "p1", "leaseId": "l1", "amount": 1295.00, "postDate": "2026-02-30", "updatedAt": "2026-01-31T23:00:00-06:00"}"#
    );
    assert_eq!(charges[0].updated_ns, 1_769_922_000_000_000_000);
    // A malformed updatedAt is served as written and ordered at the load time.
    assert!(charges[1].raw.contains(r#""amount": "12.345", "updatedAt": "yesterday""#));
    assert_eq!(charges[1].updated_ns, item::nanos(dataset.load_time()));
    // A missing updatedAt is filled in with the load time.
    let load_time = item::timestamp(dataset.load_time());
    assert_eq!(
        &*charges[2].raw,
        format!(r#"{{"chargeId":"c3","propertyId":"p1","amount":1e2,"updatedAt":"{load_time}"}}"#)
    );
    assert_eq!(&*charges[2].property_id, "p1");
    let user = &dataset.users()[0];
    assert!(user.has_mfa() && user.has_entitlement("financials") && !user.has_entitlement("leasing"));
}

#[test]
fn refusals_name_item_and_field() {
    let cases: &[(&str, &str)] = &[
        (
            r#""charges": [{"chargeId": "c1", "propertyId": "p1", "amount": {"value": 1}}]"#,
            r#"charges[0] (chargeId "c1"): field "amount": expected a number or a decimal string, found an object"#,
        ),
        (r#""units": [{"propertyId": "p1"}]"#, r#"units[0]: field "unitId": missing required field"#),
        (
            r#""arCodes": [{"arCodeId": 12, "code": "RENT"}]"#,
            r#"arCodes[0]: field "arCodeId": expected a string id, found a number"#,
        ),
        (
            r#""charges": [{"chargeId": "c1", "propertyId": "p9"}]"#,
            r#"charges[0] (chargeId "c1"): field "propertyId": unknown property "p9""#,
        ),
        (
            r#""payments": [{"paymentId": "pay_1", "propertyId": "p1", "leaseId": "l9"}]"#,
            r#"payments[0] (paymentId "pay_1"): field "leaseId": unknown lease "l9""#,
        ),
        (
            r#""deposits": [{"depositId": "d1", "propertyId": "p1", "paymentIds": ["pay_9"]}]"#,
            r#"deposits[0] (depositId "d1"): field "paymentIds[0]": unknown payment "pay_9""#,
        ),
        (
            r#""leases": [{"leaseId": "l1", "propertyId": "p1", "rnet": 1}]"#,
            r#"leases[0] (leaseId "l1"): field "rnet": unknown field (did you mean "rent"?)"#,
        ),
        (
            r#""leases": [{"leaseId": "l1", "propertyId": "p1", "fees": [{"code": "PET", "amount": [25]}]}]"#,
            r#"leases[0] (leaseId "l1"): field "fees[0].amount": expected a number or a decimal string, found an array"#,
        ),
        (
            r#""properties": [{"propertyId": "p1", "address": "Omaha"}]"#,
            r#"properties[0] (propertyId "p1"): field "address": expected an object, found a string"#,
        ),
        (
            r#""charges": [{"chargeId": "c1", "propertyId": "p1"}, {"chargeId": "c1", "propertyId": "p1"}]"#,
            r#"charges[1] (chargeId "c1"): field "chargeId": duplicate chargeId, first defined at charges[0] (chargeId "c1")"#,
        ),
        (
            r#""charges": {"chargeId": "c1"}"#,
            r#"dataset: field "charges": expected an array, found an object"#,
        ),
        (r#""charges": [7]"#, "charges[0]: expected an object, found a number"),
        (r#""chargez": []"#, r#"dataset: field "chargez": unknown top-level field"#),
        (
            r#""qbo": {"realmId": "1", "clientId": "id"}"#,
            r#"qbo: field "clientSecret": missing required field"#,
        ),
        (
            r#""xero": {"tenantId": "t", "clientId": "id", "clientSecret": "s", "accounts": [{"AccountID": "a", "Name": "n", "Type": 3}]}"#,
            r#"xero: field "accounts[0].Type": expected a string, found a number"#,
        ),
    ];
    for (lists, expected) in cases {
        let lists = if lists.starts_with(r#""properties""#) {
            lists.to_string()
        } else {
            format!("{PROPERTY}, {lists}")
        };
        assert_eq!(refused(&dataset(&lists)), format!("dataset refused: {expected}"), "{lists}");
    }
}

#[test]
fn refusals_of_the_whole_document() {
    assert_eq!(
        refused("[]"),
        "dataset refused: dataset: not a valid dataset: expected an object, found an array"
    );
    assert!(refused("{").starts_with("dataset refused: dataset: not a valid dataset: EOF while parsing"));
    assert_eq!(
        refused(r#"{"integrationToken": "t", "users": []}"#),
        r#"dataset refused: dataset: field "integrationId": missing required field"#
    );
    assert_eq!(
        refused(r#"{"integrationId": "a/b", "integrationToken": "t"}"#),
        r#"dataset refused: dataset: field "integrationId": must not contain '/' or '?' (it is a URL path segment)"#
    );
    assert_eq!(
        refused(
            r#"{"integrationId": "i", "integrationToken": "t", "users": [{"id": "u", "username": "x", "password": "p", "totpSecret": "!!"}]}"#
        ),
        r#"dataset refused: users[0] (id "u"): field "totpSecret": TOTP secret is not valid base32 (invalid symbol at 0)"#
    );
}

#[test]
fn reports_every_problem_up_to_the_cap() {
    let charges: Vec<String> =
        (0..60).map(|i| format!(r#"{{"chargeId": "c{i}", "propertyId": "nope"}}"#)).collect();
    let error = Dataset::from_json(dataset(&format!(r#""charges": [{}]"#, charges.join(","))).as_bytes())
        .expect_err("refused");
    assert_eq!((error.problems.len(), error.omitted), (MAX_PROBLEMS, 10));
    let text = error.to_string();
    assert!(text.starts_with("dataset refused: 60 problems\n  charges[0] (chargeId \"c0\"): field \"propertyId\": unknown property \"nope\""));
    assert!(text.ends_with("\n  ... and 10 more"));
}
