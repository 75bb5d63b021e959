//! The seed's write endpoints: create a lease, create a work order, and their GET lists.

use reqwest::StatusCode;
use serde_json::json;

use super::support::Harness;

const LEASE: &str = r#"{
    "unitId": "u1", "primaryResidentId": "res_88b32e", "coResidentIds": ["res_91c20a"],
    "startDate": "2026-02-15", "endDate": "2027-02-14", "rent": 1295.00,
    "fees": [{"code": "pet_fee", "description": "Pet Fee", "amount": 25.00, "frequency": "monthly"}],
    "deposit": 300.00, "concessions": [{"code": "move_in_special", "amount": 200.00, "appliesOn": "2026-02-15"}],
    "requiresSignature": true, "sendResidentPortalInvite": true, "referenceId": "crm-opp-2981"
}"#;

#[tokio::test]
async fn create_a_lease_and_list_it() {
    let h = Harness::start().await;
    let token = h.controller_token().await;
    let reply = h.post("/properties/p1/leases", &token, LEASE).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    let created = reply.json();
    let lease_id = created["leaseId"].as_str().expect("leaseId").to_owned();
    let year = &created["createdAt"].as_str().expect("createdAt")[..4];
    assert_eq!(created["number"], format!("LV-OMA-001-{year}-00001"));
    assert_eq!(created["status"], "pending_signature");
    // Money comes back as it was sent.
    assert!(reply.text.contains(r#""rent":1295.00,"deposit":300.00"#), "{}", reply.text);

    let leases = h.get("/properties/p1/leases", &token).await;
    assert_eq!(leases.ids("leaseId"), ["l1".to_owned(), lease_id.clone()]);
    let listed = &leases.json()["items"][1];
    assert_eq!(listed["unitId"], "u1");
    assert_eq!(listed["propertyId"], "p1");
    assert_eq!(listed["currency"], "USD");
    assert_eq!(listed["moveInDate"], json!(null));
    assert!(leases.text.contains(
        r#""fees":[{"code": "pet_fee", "description": "Pet Fee", "amount": 25.00, "frequency": "monthly"}]"#
    ));
}

#[tokio::test]
async fn lease_requests_are_validated() {
    let h = Harness::start().await;
    let token = h.controller_token().await;
    let reply = h
        .post(
            "/properties/p1/leases",
            &token,
            r#"{"unitId": "u9", "rent": 12.345, "startDate": "2026-02-30", "color": "red"}"#,
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        reply.json()["error"]["message"],
        "field \"color\": unknown field; field \"primaryResidentId\": missing required field; \
         field \"endDate\": missing required field; field \"startDate\": \"2026-02-30\" is not a date (YYYY-MM-DD); \
         field \"rent\": 12.345 has more than 2 decimal places; field \"unitId\": no unit \"u9\" in property \"p1\""
    );
    assert_eq!(h.post("/properties/p9/leases", &token, LEASE).await.status, StatusCode::NOT_FOUND);
    let clerk = h.clerk_token().await;
    assert_eq!(h.post("/properties/p1/leases", &clerk, LEASE).await.code(), "forbidden");
}

#[tokio::test]
async fn create_a_work_order_and_list_it() {
    let h = Harness::start().await;
    let token = h.controller_token().await;
    let body = r#"{"unitId": "u1", "residentId": "res_88b32e", "category": "Plumbing", "subcategory": "Leak",
        "description": "Kitchen sink slow leak under faucet.", "priority": "normal", "accessPermission": "enter_with_notice",
        "scheduleWindowStart": "2026-02-02T09:00:00-06:00", "scheduleWindowEnd": "2026-02-02T12:00:00-06:00",
        "attachments": [{"fileName": "leak_photo.jpg", "uploadToken": "upl_7fa223"}], "notifyResident": true,
        "assignedVendorId": "ven_451293"}"#;
    let reply = h.post("/properties/p1/work-orders", &token, body).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    let created = reply.json();
    assert_eq!(created["status"], "open");
    assert!(created["number"].as_str().is_some_and(|n| n.starts_with("WO-") && n.ends_with("-00001")));
    let keys: Vec<&String> = created.as_object().expect("object").keys().collect();
    assert_eq!(keys, ["createdAt", "number", "status", "workOrderId"]);

    let list = h.get("/properties/p1/work-orders", &token).await;
    assert_eq!(list.ids("workOrderId"), [created["workOrderId"].as_str().expect("id")]);
    assert_eq!(list.json()["items"][0]["category"], "Plumbing");

    let missing = h.post("/properties/p1/work-orders", &token, r#"{"unitId": "u1"}"#).await;
    assert_eq!(
        missing.json()["error"]["message"],
        "field \"category\": missing required field; field \"description\": missing required field"
    );
}
