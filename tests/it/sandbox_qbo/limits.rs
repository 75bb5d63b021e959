//! Throttles: requests per minute, batch requests per minute (items metered), requests in flight.
//! Over any: 429 with Intuit's XML `ThrottleExceeded` body, even when JSON was asked for.

use entrata_recon_sandbox::QboLimits;
use reqwest::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::support::*;

fn assert_throttled(reply: &Reply) {
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS, "{}", reply.text);
    assert!(reply.header("content-type").is_some_and(|c| c.contains("xml")), "{:?}", reply.headers);
    assert!(reply.text.starts_with("<IntuitResponse"), "{}", reply.text);
    assert!(reply.text.contains("<Error code=\"3001\">"), "{}", reply.text);
    assert!(reply.text.contains("ThrottleExceeded"), "{}", reply.text);
}

#[tokio::test]
async fn requests_per_minute() {
    let qbo = Qbo::with_limits(QboLimits { requests_per_minute: 3, ..QboLimits::default() }).await;
    for _ in 0..3 {
        assert_eq!(qbo.get("/preferences").await.status, StatusCode::OK);
    }
    assert_throttled(&qbo.get("/preferences").await);
    assert_throttled(&qbo.create(&entry("T-1", "1.00")).await);
    assert_eq!(qbo.entry_count().await, 0, "a throttled create does nothing");
    qbo.advance(60).await;
    assert_eq!(qbo.create(&entry("T-1", "1.00")).await.status, StatusCode::OK);
    assert_eq!(qbo.state().await["qbo"]["throttle"]["requestsInWindow"], 1);
}

#[tokio::test]
async fn batches_per_minute_and_items_metered() {
    let limits = QboLimits { requests_per_minute: 5, batch_requests_per_minute: 2, ..QboLimits::default() };
    let qbo = Qbo::with_limits(limits).await;
    let query = r#"{"bId": "q", "Query": "SELECT * FROM Class"}"#;
    let batch = |n: usize| format!(r#"{{"BatchItemRequest": [{}]}}"#, vec![query; n].join(","));
    // Six items are six requests: more than the minute allows.
    assert_throttled(&qbo.post("/batch", &batch(6)).await);
    assert_eq!(qbo.post("/batch", &batch(2)).await.status, StatusCode::OK);
    assert_eq!(qbo.post("/batch", &batch(1)).await.status, StatusCode::OK);
    // The third batch in the minute is refused even though requests are left.
    assert_throttled(&qbo.post("/batch", &batch(1)).await);
    qbo.advance(60).await;
    assert_eq!(qbo.post("/batch", &batch(5)).await.status, StatusCode::OK);
    assert_throttled(&qbo.get("/preferences").await);
}

#[tokio::test]
async fn requests_in_flight() {
    let qbo = Qbo::with_limits(QboLimits { max_concurrent: 1, ..QboLimits::default() }).await;
    // A create whose body has not all arrived holds the one slot.
    let body = entry("SLOW-1", "1.00");
    let (head, tail) = body.split_at(10);
    let mut stream = tokio::net::TcpStream::connect(qbo.sandbox.addr()).await.expect("connect");
    let request = format!(
        "POST /qbo/v3/company/{REALM}/journalentry HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{head}",
        qbo.sandbox.addr(),
        qbo.access_token,
        body.len()
    );
    stream.write_all(request.as_bytes()).await.expect("write head");
    // Wait (without sleeping) until the sandbox counts it in flight.
    let mut in_flight = 0;
    for _ in 0..10_000 {
        in_flight = qbo.state().await["qbo"]["throttle"]["inFlight"].as_u64().unwrap_or(0);
        if in_flight == 1 {
            break;
        }
        tokio::task::yield_now().await;
    }
    assert_eq!(in_flight, 1);
    assert_throttled(&qbo.get("/preferences").await);
    stream.write_all(tail.as_bytes()).await.expect("write tail");
    let mut answer = vec![0u8; 8192];
    let read = stream.read(&mut answer).await.expect("read");
    let answer = String::from_utf8_lossy(&answer[..read]).into_owned();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert_eq!(qbo.get("/preferences").await.status, StatusCode::OK, "the slot is free again");
}
