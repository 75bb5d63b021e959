//! `requestid`: a replay returns the original answer (status and body) without doing the work again.

use reqwest::StatusCode;

use super::support::*;

#[tokio::test]
async fn single_request_replays() {
    let qbo = Qbo::start().await;
    let first =
        qbo.post("/journalentry?requestid=ent-7f3c2a4e&minorversion=75", &entry("R-1", "10.00")).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    qbo.advance(30).await;
    // Same id, even with another body: the first answer, byte for byte (its `time` included).
    let replay = qbo.post("/journalentry?requestid=ent-7f3c2a4e", &entry("R-2", "99.00")).await;
    assert_eq!((replay.status, &replay.text), (first.status, &first.text));
    assert_eq!(qbo.entry_count().await, 1);
    // A failed request is remembered too.
    let bad = qbo.post("/journalentry?requestid=ent-bad", &entry("R-3", "1.001")).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let bad_again = qbo.post("/journalentry?requestid=ent-bad", &entry("R-3", "1.00")).await;
    assert_eq!((bad_again.status, &bad_again.text), (bad.status, &bad.text));
    assert_eq!(qbo.entry_count().await, 1);
    // Another id is another request.
    let other = qbo.post("/journalentry?requestid=ent-other", &entry("R-2", "99.00")).await;
    assert_eq!(other.status, StatusCode::OK);
    assert_eq!(qbo.entry_count().await, 2);
    // A delete replayed does not fail on the second go.
    let delete =
        qbo.post("/journalentry?operation=delete&requestid=del-1", r#"{"Id": "1", "SyncToken": "0"}"#).await;
    let delete_again =
        qbo.post("/journalentry?operation=delete&requestid=del-1", r#"{"Id": "1", "SyncToken": "0"}"#).await;
    assert_eq!((delete.status, &delete.text), (delete_again.status, &delete_again.text));
    // At most 50 characters.
    let fifty = "x".repeat(50);
    assert_eq!(
        qbo.post(&format!("/journalentry?requestid={fifty}"), &entry("R-4", "1.00")).await.status,
        StatusCode::OK
    );
    let long = qbo.post(&format!("/journalentry?requestid={fifty}y"), &entry("R-5", "1.00")).await;
    assert_eq!(long.status, StatusCode::BAD_REQUEST);
    let (code, _, _, detail) = fault(&long);
    assert_eq!(code, "6000");
    assert!(detail.contains("50 characters") && detail.contains("51 characters"), "{detail}");
    assert_eq!(qbo.state().await["qbo"]["rememberedRequestIds"], 5);
}

#[tokio::test]
async fn batch_replays() {
    let qbo = Qbo::start().await;
    let body = format!(
        r#"{{"BatchItemRequest": [{{"bId": "b1", "operation": "create", "JournalEntry": {}}},
            {{"bId": "b2", "operation": "create", "JournalEntry": {}}}]}}"#,
        entry("RB-1", "1.00"),
        entry("RB-1", "2.00")
    );
    let first = qbo.post("/batch?requestid=batch-2026-02-01", &body).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    assert_eq!(qbo.entry_count().await, 1, "b2 is a duplicate DocNumber");
    qbo.advance(5).await;
    let replay = qbo.post("/batch?requestid=batch-2026-02-01", &body).await;
    assert_eq!(replay.text, first.text);
    assert_eq!(qbo.entry_count().await, 1);
}
