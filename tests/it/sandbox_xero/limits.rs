//! Rate limits (minute, day, concurrent) with their headers and recovery on the sandbox clock,
//! and `Idempotency-Key`: replays (errors included), another request under the same key, the
//! 6-minute window, the key's length, and replays counting against the limits.

use std::time::Duration;

use entrata_recon_sandbox::XeroLimits;
use reqwest::{Method, StatusCode};
use serde_json::json;
use tokio::io::AsyncWriteExt;

use super::support::{Harness, TENANT, first_list, journal, journals};

#[tokio::test]
async fn minute_and_day_limits() {
    let h =
        &Harness::with_limits(XeroLimits { calls_per_minute: 3, calls_per_day: 5, ..XeroLimits::default() })
            .await;
    let token = &h.access().await;
    for left in ["2", "1", "0"] {
        let reply = h.get("/Organisation", token).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.header("x-minlimit-remaining"), Some(left));
        assert!(
            reply.header("x-daylimit-remaining").is_some()
                && reply.header("x-appminlimit-remaining").is_some()
        );
    }
    let refused = h.get("/Organisation", token).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(refused.header("x-rate-limit-problem"), Some("minute"));
    let retry: u64 = refused.header("retry-after").expect("Retry-After").parse().expect("seconds");
    assert!((1..=60).contains(&retry), "{retry}");
    assert_eq!(refused.header("x-minlimit-remaining"), Some("0"));
    assert_eq!(refused.json()["Status"], 429);

    h.advance(retry).await;
    assert_eq!(h.get("/Organisation", token).await.status, StatusCode::OK);
    assert_eq!(h.get("/Organisation", token).await.header("x-daylimit-remaining"), Some("0"));
    let day = h.get("/Organisation", token).await;
    assert_eq!(
        (day.status, day.header("x-rate-limit-problem")),
        (StatusCode::TOO_MANY_REQUESTS, Some("day"))
    );
    let retry: u64 = day.header("retry-after").expect("Retry-After").parse().expect("seconds");
    assert!(retry > 86_000, "{retry}");
    h.advance(retry).await;
    let token = &h.access().await;
    assert_eq!(h.get("/Organisation", token).await.status, StatusCode::OK);
}

/// Polls the sandbox until `in_flight` calls are in progress (the server sees a request's headers
/// a moment after the client has written them).
async fn wait_in_flight(h: &Harness, in_flight: u64) {
    for _ in 0..500 {
        if h.state().await["rateLimit"]["inFlight"] == json!(in_flight) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("never {in_flight} in flight: {}", h.state().await["rateLimit"]);
}

#[tokio::test]
async fn concurrent_limit() {
    let h = &Harness::with_limits(XeroLimits { concurrent_calls: 1, ..XeroLimits::default() }).await;
    let token = &h.access().await;
    // A call is in progress while its body is still arriving.
    let addr = h.sandbox.addr();
    let mut slow = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let head = format!(
        "PUT /xero/api.xro/2.0/ManualJournals HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         xero-tenant-id: {TENANT}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"Manual"
    );
    slow.write_all(head.as_bytes()).await.expect("write");
    wait_in_flight(h, 1).await;
    let refused = h.get("/Organisation", token).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(refused.header("x-rate-limit-problem"), Some("concurrent"));
    assert!(refused.header("retry-after").is_some());
    drop(slow);
    wait_in_flight(h, 0).await;
    assert_eq!(h.get("/Organisation", token).await.status, StatusCode::OK);
}

async fn put(h: &Harness, token: &str, key: &str, body: &str) -> super::support::Reply {
    h.call(Method::PUT, "/ManualJournals", token, Some(body), Some(key)).await
}

#[tokio::test]
async fn idempotent_replays() {
    let h = &Harness::start().await;
    let token = &h.access().await;
    let body = journals(&[journal("Entrata P001 2026-01", "100.00", Some("POSTED"))]);
    let first = put(h, token, "ent-P001-2026-01-v1", &body).await;
    assert_eq!(first.status, StatusCode::OK);
    let again = put(h, token, "ent-P001-2026-01-v1", &body).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.text, first.text, "the original answer, byte for byte");
    assert_eq!(h.state().await["manualJournals"].as_array().map(Vec::len), Some(1));

    // The same key with another body is refused.
    let other = journals(&[journal("Entrata P001 2026-01", "101.00", Some("POSTED"))]);
    let conflict = put(h, token, "ent-P001-2026-01-v1", &other).await;
    assert_eq!(conflict.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        conflict.json()["Detail"],
        "Idempotency Key ent-P001-2026-01-v1 is used with a different request"
    );
    // Another URL (summarizeErrors) is another request too.
    let url = h
        .call(
            Method::PUT,
            "/ManualJournals?summarizeErrors=false",
            token,
            Some(&body),
            Some("ent-P001-2026-01-v1"),
        )
        .await;
    assert_eq!(url.status, StatusCode::BAD_REQUEST);

    // Errors are cached: fixing the cause does not help under the same key.
    h.control(Method::POST, "/_sandbox/xero/lock-date", r#"{"lockDate": "2026-01-31"}"#).await;
    let locked = put(h, token, "ent-P001-2026-01-v2", &body).await;
    assert_eq!(locked.status, StatusCode::BAD_REQUEST);
    h.control(Method::POST, "/_sandbox/xero/lock-date", r#"{"lockDate": null}"#).await;
    let cached = put(h, token, "ent-P001-2026-01-v2", &body).await;
    assert_eq!((cached.status, cached.text.as_str()), (StatusCode::BAD_REQUEST, locked.text.as_str()));
    assert_eq!(put(h, token, "ent-P001-2026-01-v3", &body).await.status, StatusCode::OK, "a new key");

    // After six minutes a key is new again (and the journal is created twice).
    h.advance(360).await;
    let late = put(h, token, "ent-P001-2026-01-v1", &body).await;
    assert_eq!(late.status, StatusCode::OK);
    assert_ne!(
        first_list(&late.json())[0]["ManualJournalID"],
        first_list(&first.json())[0]["ManualJournalID"]
    );
    assert_eq!(h.state().await["manualJournals"].as_array().map(Vec::len), Some(3));

    let long = "k".repeat(129);
    let refused = put(h, token, &long, &body).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(put(h, token, &"k".repeat(128), &body).await.status, StatusCode::OK);
    // GETs ignore the header.
    let get = h.call(Method::GET, "/ManualJournals", token, None, Some("ent-P001-2026-01-v1")).await;
    assert_eq!(get.status, StatusCode::OK);
}

#[tokio::test]
async fn replays_count_against_the_limits() {
    let h = &Harness::with_limits(XeroLimits { calls_per_minute: 2, ..XeroLimits::default() }).await;
    let token = &h.access().await;
    let body = journals(&[journal("x", "1.00", None)]);
    let put = || h.call(Method::PUT, "/ManualJournals", token, Some(&body), Some("key-1"));
    assert_eq!(put().await.status, StatusCode::OK);
    let replay = put().await;
    assert_eq!((replay.status, replay.header("x-minlimit-remaining")), (StatusCode::OK, Some("0")));
    let refused = put().await;
    assert_eq!(
        (refused.status, refused.header("x-rate-limit-problem")),
        (StatusCode::TOO_MANY_REQUESTS, Some("minute"))
    );
}
