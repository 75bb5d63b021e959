//! Lists: exact money bytes, order, paging, filters, parameter errors, mid-paging upserts and
//! the rate limit.

use entrata_recon_sandbox::EntrataLimits;
use reqwest::{Method, StatusCode};
use serde_json::json;

use super::support::Harness;

#[tokio::test]
async fn serves_money_bytes_exactly_as_written() {
    let h = Harness::start().await;
    let token = h.controller_token().await;
    let reply = h.get("/properties/p1/charges?pageSize=1000", &token).await;
    assert_eq!(reply.status, StatusCode::OK);
    for fragment in [
        r#""amount": 1295.00, "taxAmount": 0.00"#,
        r#""amount": 12.345, "currency": "USD","#,
        r#""postDate": "2026-02-30""#,
        r#""amount": "1295.00", "currency": "XXQ""#,
        r#""amount": -50, "postMonth""#,
        r#""updatedAt": "2026-02-01T01:00:00+01:00""#,
    ] {
        assert!(reply.text.contains(fragment), "{fragment} not in {}", reply.text);
    }
    assert!(reply.text.ends_with(r#"],"page":1,"pageSize":1000,"total":5}"#), "{}", reply.text);
    assert_eq!(reply.header("content-type"), Some("application/json"));

    let deposits = h.get("/properties/p1/deposits", &token).await;
    assert!(deposits.text.contains(r#""amount": 1295.00, "currency": "USD", "paymentIds": ["pay_1"]"#));
    let payments = h.get("/properties/p1/payments", &token).await;
    assert!(
        payments.text.contains(r#""allocations": [{"chargeId": "c1", "arCode": "RENT", "amount": 1295.00}]"#)
    );
}

#[tokio::test]
async fn pages_in_updated_at_then_id_order() {
    let h = Harness::start().await;
    let token = h.controller_token().await;
    let all = h.get("/properties/p1/charges", &token).await;
    // c2, c3 and c4 share an instant (c4 is written with a +01:00 offset): ordered by id.
    assert_eq!(all.ids("chargeId"), ["c1", "c2", "c3", "c4", "c5"]);
    assert_eq!((all.json()["page"].clone(), all.json()["pageSize"].clone()), (json!(1), json!(50)));

    let mut seen = Vec::new();
    for page in 1..=3 {
        let reply = h.get(&format!("/properties/p1/charges?page={page}&pageSize=2"), &token).await;
        assert_eq!(reply.json()["total"], 5);
        assert_eq!(reply.json()["page"], page);
        seen.extend(reply.ids("chargeId"));
    }
    assert_eq!(seen, ["c1", "c2", "c3", "c4", "c5"]);
    let past_the_end = h.get("/properties/p1/charges?page=4&pageSize=2", &token).await;
    assert_eq!((past_the_end.ids("chargeId").len(), past_the_end.json()["total"].clone()), (0, json!(5)));

    let properties = h.get("/properties", &token).await;
    assert_eq!(properties.ids("propertyId"), ["p1", "p2"]);
    assert_eq!(h.get("/ar-codes", &token).await.ids("arCodeId"), ["ar_1"]);
    assert_eq!(h.get("/properties/p1/units", &token).await.ids("unitId"), ["u1"]);
    assert_eq!(h.get("/properties/p1/leases", &token).await.ids("leaseId"), ["l1"]);
    assert_eq!(h.get("/properties/p2/charges", &token).await.ids("chargeId"), Vec::<String>::new());
}

#[tokio::test]
async fn filters() {
    let h = Harness::start().await;
    let token = h.controller_token().await;
    // (query, the page's ids, total matches)
    let check = |query: &'static str, expected: &'static [&'static str], total: usize| {
        let h = &h;
        let token = &token;
        async move {
            let reply = h.get(&format!("/properties/p1/charges?{query}"), token).await;
            assert_eq!(reply.status, StatusCode::OK, "{query}: {}", reply.text);
            assert_eq!(reply.ids("chargeId"), expected, "{query}");
            assert_eq!(reply.json()["total"], total, "{query}");
        }
    };
    // updatedFrom is inclusive, updatedTo exclusive, both compared as instants.
    check("updatedFrom=2026-02-01T00:00:00Z", &["c2", "c3", "c4", "c5"], 4).await;
    check("updatedFrom=2026-02-01T00:00:00.001Z", &["c5"], 1).await;
    check("updatedTo=2026-02-01T00:00:00Z", &["c1"], 1).await;
    check(
        "updatedFrom=2026-01-31T17:00:00-06:00&updatedTo=2026-02-02T00:00:00.5Z",
        &["c1", "c2", "c3", "c4"],
        4,
    )
    .await;
    check(
        "updatedFrom=2026-02-01T01:00:00%2B01:00&updatedTo=2026-02-01T00:00:00.000000001Z",
        &["c2", "c3", "c4"],
        3,
    )
    .await;
    check("postMonth=2026-01", &["c3"], 1).await;
    check("status=deleted", &["c4"], 1).await;
    check("status=posted&postMonth=2026-02&pageSize=1&page=2", &["c2"], 3).await;

    let properties = h.get("/properties?status=inactive", &token).await;
    assert_eq!(properties.ids("propertyId"), ["p2"]);
}

#[tokio::test]
async fn parameter_errors_name_the_parameter() {
    let h = Harness::start().await;
    let token = h.controller_token().await;
    let cases = [
        (
            "/properties/p1/charges?pageSize=1001",
            "pageSize",
            "parameter \"pageSize\": \"1001\" is not an integer from 1 to 1000",
        ),
        (
            "/properties/p1/charges?pageSize=0",
            "pageSize",
            "parameter \"pageSize\": \"0\" is not an integer from 1 to 1000",
        ),
        ("/properties/p1/charges?page=0", "page", "parameter \"page\": \"0\" is not an integer >= 1"),
        (
            "/properties/p1/charges?updatedFrom=yesterday",
            "updatedFrom",
            "parameter \"updatedFrom\": \"yesterday\" is not an ISO 8601 timestamp with offset (like 2026-01-31T23:00:00Z)",
        ),
        (
            "/properties/p1/charges?updatedTo=2026-02-01T00:00:00+01:00",
            "updatedTo",
            "parameter \"updatedTo\": \"2026-02-01T00:00:00 01:00\" is not an ISO 8601 timestamp with offset (like 2026-01-31T23:00:00Z); a '+' in the offset must be sent as %2B",
        ),
    ];
    for (path, parameter, message) in cases {
        let reply = h.get(path, &token).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{path}");
        assert_eq!(
            reply.json(),
            json!({"error": {"code": "invalid_request", "message": message, "details": {"parameter": parameter}}}),
            "{path}"
        );
    }
    let reply = h.get("/properties/p9/charges", &token).await;
    assert_eq!(
        (reply.status, reply.json()),
        (
            StatusCode::NOT_FOUND,
            json!({"error": {"code": "not_found", "message": "property \"p9\" not found"}})
        )
    );
    let reply = h.get("/properties/p1/nothing", &token).await;
    assert_eq!((reply.status, reply.code()), (StatusCode::NOT_FOUND, "not_found".to_owned()));
}

#[tokio::test]
async fn an_upsert_mid_paging_moves_the_item_to_the_end() {
    let h = Harness::start().await;
    let token = h.controller_token().await;
    let page = |n: u32| format!("/properties/p1/charges?page={n}&pageSize=2");

    assert_eq!(h.get(&page(1), &token).await.ids("chargeId"), ["c1", "c2"]);
    // c2 is edited while the client pages: it leaves page 1's range and goes last.
    let edit = r#"{"chargeId": "c2", "propertyId": "p1", "leaseId": "l1", "arCode": "RENT", "amount": 12.35, "status": "posted"}"#;
    let reply = h.control(Method::POST, "/_sandbox/entrata/charges", edit).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let updated_at = reply.json()["updatedAt"].as_str().expect("updatedAt").to_owned();

    // Offset paging now skips c3 and sees c2 again at the end.
    assert_eq!(h.get(&page(2), &token).await.ids("chargeId"), ["c4", "c5"]);
    let last = h.get(&page(3), &token).await;
    assert_eq!(last.ids("chargeId"), ["c2"]);
    assert!(
        last.text.contains(&format!(r#"{{"chargeId":"c2","propertyId":"p1","leaseId":"l1","arCode":"RENT","amount":12.35,"status":"posted","updatedAt":"{updated_at}"}}"#)),
        "{}",
        last.text
    );

    // A tombstone is an upsert with status deleted, and goes after the previous upsert.
    let tombstone = r#"[{"chargeId": "c1", "propertyId": "p1", "amount": 1295.00, "status": "deleted"}]"#;
    assert_eq!(h.control(Method::POST, "/_sandbox/entrata/charges", tombstone).await.status, StatusCode::OK);
    let all = h.get("/properties/p1/charges", &token).await;
    assert_eq!(all.ids("chargeId"), ["c3", "c4", "c5", "c2", "c1"]);
    let from = urlencode(&updated_at);
    let since = h.get(&format!("/properties/p1/charges?updatedFrom={from}"), &token).await;
    assert_eq!(since.ids("chargeId"), ["c2", "c1"]);
}

fn urlencode(text: &str) -> String {
    text.replace('+', "%2B").replace(':', "%3A")
}

#[tokio::test]
async fn upserts_are_checked_like_the_dataset() {
    let h = Harness::start().await;
    let bad = r#"[{"chargeId": "c9", "propertyId": "p1", "amount": {"v": 1}}, {"chargeId": "c10", "propertyId": "p7"}, {"propertyId": "p1"}]"#;
    let reply = h.control(Method::POST, "/_sandbox/entrata/charges", bad).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        reply.json()["error"]["details"]["problems"],
        json!([
            "body[0] (chargeId \"c9\"): field \"amount\": expected a number or a decimal string, found an object",
            "body[1] (chargeId \"c10\"): field \"propertyId\": unknown property \"p7\"",
            "body[2]: field \"chargeId\": missing required field",
        ])
    );
    // All or nothing: the good items of a refused batch are not stored either.
    let state = h.state().await;
    assert_eq!(state["entrata"]["counts"]["charges"], 5);

    let reply = h
        .control(
            Method::POST,
            "/_sandbox/entrata/deposits",
            r#"{"depositId": "d2", "propertyId": "p1", "paymentIds": ["pay_9"]}"#,
        )
        .await;
    assert_eq!(
        reply.json()["error"]["message"],
        "body (depositId \"d2\"): field \"paymentIds[0]\": unknown payment \"pay_9\""
    );
    let reply = h.control(Method::POST, "/_sandbox/entrata/invoices", "{}").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);

    let new_property = r#"{"propertyId": "p3", "name": "New", "currency": "CAD"}"#;
    assert_eq!(
        h.control(Method::POST, "/_sandbox/entrata/properties", new_property).await.status,
        StatusCode::OK
    );
    let charge = r#"{"chargeId": "c30", "propertyId": "p3", "amount": 5.5}"#;
    assert_eq!(h.control(Method::POST, "/_sandbox/entrata/charges", charge).await.status, StatusCode::OK);
    let token = h.controller_token().await;
    assert_eq!(h.get("/properties/p3/charges", &token).await.ids("chargeId"), ["c30"]);
}

#[tokio::test]
async fn rate_limit_then_recovery_after_the_window() {
    let h = Harness::with_limits(EntrataLimits {
        requests_per_window: 3,
        window_s: 60,
        ..EntrataLimits::default()
    })
    .await;
    let token = h.controller_token().await; // request 1
    let second = h.get("/properties", &token).await;
    assert_eq!(
        (
            second.header("x-ratelimit-limit"),
            second.header("x-ratelimit-remaining"),
            second.header("x-ratelimit-reset")
        ),
        (Some("3"), Some("1"), Some("60"))
    );
    let third = h.get("/properties", &token).await;
    assert_eq!((third.status, third.header("x-ratelimit-remaining")), (StatusCode::OK, Some("0")));

    h.advance(20).await;
    let limited = h.get("/properties", &token).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(limited.header("retry-after"), Some("40"));
    assert_eq!(
        (limited.header("x-ratelimit-remaining"), limited.header("x-ratelimit-reset")),
        (Some("0"), Some("40"))
    );
    assert_eq!(
        limited.json(),
        json!({"error": {"code": "rate_limited", "message": "rate limit exceeded; retry after 40 s"}})
    );

    h.advance(40).await;
    let again = h.get("/properties", &token).await;
    assert_eq!((again.status, again.header("x-ratelimit-remaining")), (StatusCode::OK, Some("2")));
}

#[tokio::test]
async fn state_shows_data_counts_and_no_raw_tokens() {
    let h = Harness::start().await;
    let token = h.controller_token().await;
    h.get("/properties/p1/charges", &token).await;
    h.get("/properties/p1/charges", &token).await;
    let reply = h.control(Method::GET, "/_sandbox/state", "").await;
    assert!(!reply.text.contains(&token), "a raw token leaked into /_sandbox/state");
    assert!(!reply.text.contains("qbo-secret") && !reply.text.contains("xero-secret"));
    let state = reply.json();
    assert_eq!(
        state["requests"]["GET /entrata/integrations/{integration_id}/properties/{property_id}/charges"],
        2
    );
    assert_eq!(state["requests"]["POST /entrata/integrations/{integration_id}/sessions"], 1);
    let sessions = state["entrata"]["sessions"].as_array().expect("sessions");
    assert_eq!(sessions.len(), 1);
    assert!(sessions[0]["token"].as_str().is_some_and(|t| t.starts_with("sha256:")));
    assert_eq!(sessions[0]["userId"], "u_ctrl");
    assert_eq!(state["entrata"]["data"]["charges"]["p1"][1]["amount"], json!(12.345));
    assert_eq!(state["qbo"]["realmId"], "9130357766900456");
    assert!(reply.text.contains(
        r#"{"chargeId": "c2", "propertyId": "p1", "leaseId": "l1", "arCode": "RENT", "amount": 12.345"#
    ));

    let lean = h.control(Method::GET, "/_sandbox/state?items=false", "").await.json();
    assert!(lean["entrata"].get("data").is_none());
    assert_eq!(lean["entrata"]["counts"]["charges"], 5);
}
