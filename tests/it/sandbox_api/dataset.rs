//! Dataset refusals as a user sees them, and the start-up checks.

use entrata_recon_sandbox::{Dataset, SandboxError, SandboxOptions, start};

#[test]
fn refusal_lists_every_problem_by_item_and_field() {
    let text = super::support::DATASET
        .replace(
            r#""amount": 12.345, "currency": "USD","#,
            r#""amount": {"value": 12.345}, "currency": "USD","#,
        )
        .replace(r#""leaseId": null, "arCode": "CONC""#, r#""leaseId": "l404", "arCode": "CONC""#)
        .replace(r#"{"chargeId": "c5", "propertyId": "p1""#, r#"{"chargeId": 5, "propertyId": "p1""#)
        .replace(r#""paymentIds": ["pay_1"]"#, r#""paymentIds": ["pay_1", "pay_2"]"#)
        .replace(r#""unitNumber": "A-204""#, r#""unitNumbr": "A-204""#)
        .replace(r#""bedrooms": 2"#, r#""bedrooms": "2""#)
        .replace(r#""isTaxable": false"#, r#""isTaxable": "no""#)
        .replace(
            r#""propertyId": "p1", "number": "LV-2026-00001""#,
            r#""propertyId": "p3", "number": "LV-2026-00001""#,
        );
    let error = Dataset::from_json(text.as_bytes()).expect_err("refused");
    insta::assert_snapshot!(error.to_string());
}

#[tokio::test]
async fn refuses_to_listen_beyond_loopback() {
    let dataset = Dataset::from_json(super::support::DATASET.as_bytes()).expect("valid");
    let options =
        SandboxOptions { listen: "0.0.0.0:0".parse().expect("addr"), ..SandboxOptions::new(dataset) };
    let error = start(options).await.expect_err("refused");
    assert!(matches!(error, SandboxError::NotLoopback { .. }));
    assert_eq!(
        error.to_string(),
        "the sandbox listens on loopback addresses only, and 0.0.0.0:0 is not one (try 127.0.0.1:0)"
    );
}

#[tokio::test]
async fn shuts_down_gracefully() {
    let h = super::support::Harness::start().await;
    let addr = h.sandbox.addr();
    let token = h.controller_token().await;
    assert_eq!(h.get("/properties", &token).await.status, reqwest::StatusCode::OK);
    h.sandbox.shutdown().await;
    assert!(tokio::net::TcpStream::connect(addr).await.is_err(), "still listening after shutdown");
}
