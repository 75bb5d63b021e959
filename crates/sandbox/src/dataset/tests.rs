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

const QBO_ONE: &str = r#"{"realmId": "111", "clientId": "qbo-client", "clientSecret": "s"}"#;

/// A dataset whose `qbo` or `xero` section is `section`.
fn with_section(name: &str, section: &str) -> String {
    dataset(&format!(r#"{PROPERTY}, "{name}": {section}"#))
}

#[test]
fn a_section_is_one_company_or_an_array_of_them() {
    let one = Dataset::from_json(with_section("qbo", QBO_ONE).as_bytes()).expect("one company");
    assert_eq!(one.qbo_companies().len(), 1);
    assert_eq!(one.qbo().map(|q| q.realm_id.as_str()), Some("111"));
    let two = format!(
        r#"[{QBO_ONE}, {{"realmId": "222", "clientId": "qbo-client", "clientSecret": "s", "homeCurrency": "CAD",
            "limits": {{"requestsPerMinute": 5, "maxConcurrent": 1}}}}]"#
    );
    let two = Dataset::from_json(with_section("qbo", &two).as_bytes()).expect("two companies");
    let realms: Vec<&str> = two.qbo_companies().iter().map(|q| q.realm_id.as_str()).collect();
    assert_eq!(realms, ["111", "222"]);
    assert_eq!(two.qbo().map(|q| q.realm_id.as_str()), Some("111"), "the first is the one of old");
    let limits = two.qbo_companies()[1].limits.expect("limits");
    assert_eq!((limits.requests_per_minute, limits.batch_requests_per_minute), (Some(5), None));
    let xero = r#"[{"tenantId": "T-1", "clientId": "x", "clientSecret": "s"},
                   {"tenantId": "T-2", "tenantName": "Two", "clientId": "x", "clientSecret": "s", "customConnection": false}]"#;
    let xero = Dataset::from_json(with_section("xero", xero).as_bytes()).expect("two organisations");
    assert_eq!(xero.xero_organisations().len(), 2);
    assert_eq!(xero.xero().map(|x| x.tenant_id.as_str()), Some("T-1"));
    let none = Dataset::from_json(with_section("qbo", "null").as_bytes()).expect("null is none");
    assert!(none.qbo_companies().is_empty() && none.qbo().is_none());
}

#[test]
fn companies_of_a_section_are_one_app_with_distinct_ids() {
    let qbo = |second: &str| refused(&with_section("qbo", &format!("[{QBO_ONE}, {second}]")));
    let why = "every company in \"qbo\" belongs to one app, with one clientId and clientSecret";
    assert_eq!(
        qbo(r#"{"realmId": "222", "clientId": "other", "clientSecret": "s"}"#),
        format!(
            r#"dataset refused: qbo[1] (realmId "222"): field "clientId": "other" is not qbo[0] (realmId "111")'s "qbo-client": {why}"#
        )
    );
    let secret = qbo(r#"{"realmId": "222", "clientId": "qbo-client", "clientSecret": "t0p-secret"}"#);
    assert_eq!(
        secret,
        format!(
            r#"dataset refused: qbo[1] (realmId "222"): field "clientSecret": is not qbo[0] (realmId "111")'s: {why}"#
        )
    );
    assert!(!secret.contains("t0p-secret"), "a secret is never quoted");
    assert_eq!(
        qbo(r#"{"realmId": "111", "clientId": "qbo-client", "clientSecret": "s"}"#),
        r#"dataset refused: qbo[1] (realmId "111"): field "realmId": duplicate realmId, first defined at qbo[0] (realmId "111")"#
    );
    assert_eq!(
        qbo(r#"{"realmId": "222", "clientId": "qbo-client"}"#),
        r#"dataset refused: qbo[1] (realmId "222"): field "clientSecret": missing required field"#
    );
    assert_eq!(
        refused(&with_section("qbo", "[]")),
        r#"dataset refused: dataset: field "qbo": an empty array holds no company; leave "qbo" out (or null) for none"#
    );
    assert_eq!(
        refused(&with_section(
            "qbo",
            r#"{"realmId": "1", "clientId": "c", "clientSecret": "s", "limits": {"maxConcurrent": 0, "requestsPerMinute": 2.5}}"#
        )),
        "dataset refused: 2 problems\n  qbo: field \"limits.maxConcurrent\": expected a whole number from 1 to 4294967295\n  \
         qbo: field \"limits.requestsPerMinute\": expected a whole number from 1 to 4294967295"
    );
    let xero = r#"[{"tenantId": "fe79f7dd-b6d4", "clientId": "x", "clientSecret": "s"},
                   {"tenantId": "FE79F7DD-B6D4", "clientId": "y", "clientSecret": "s"}]"#;
    assert_eq!(
        refused(&with_section("xero", xero)),
        "dataset refused: 2 problems\n  xero[1] (tenantId \"FE79F7DD-B6D4\"): field \"clientId\": \"y\" is not \
         xero[0] (tenantId \"fe79f7dd-b6d4\")'s \"x\": every organisation in \"xero\" belongs to one app, with one \
         clientId and clientSecret\n  xero[1] (tenantId \"FE79F7DD-B6D4\"): field \"tenantId\": duplicate tenantId, \
         first defined at xero[0] (tenantId \"fe79f7dd-b6d4\")"
    );
}
