//! Issue 15, item 1 against Xero: a 4xx after Xero saved the request is never taken for "not
//! created"; the identical request goes again under the same Idempotency-Key and Xero's first
//! answer confirms every entry once.

use entrata_recon::posting::engine::needs_attention;

use super::support::Posting;

#[tokio::test]
async fn a_4xx_after_the_commit_is_never_taken_for_not_created() {
    for status in [400, 408, 409] {
        let p = Posting::start(|_| {}).await;
        let planned = p.planned().await;
        p.h.set_faults(&format!(
            r#"[{{"service": "xero", "method": "PUT", "path": "**/ManualJournals", "nth": 1, "action": {{"status_after_commit": {status}}}}}]"#
        ))
        .await;
        let mut xero = p.target(p.h.virtual_pause()).await;
        let summary = p.post(&mut xero).await;
        assert_eq!(p.h.fired().await, [1], "{status}");
        assert!(summary.failed.is_empty(), "{status}: nothing was refused: {:#?}", summary.failed);
        assert!(!needs_attention(&summary), "{status}: {summary:#?}");
        // A second run has nothing to send.
        p.h.set_faults("[]").await;
        let mut xero = p.target(p.h.virtual_pause()).await;
        let again = p.post(&mut xero).await;
        assert_eq!(again.write_calls, 0, "{status}: {again:#?}");
        let books = p.books().await;
        assert_eq!(books.len(), planned.len(), "{status}: every entry once");
        for entry in &planned {
            let key = entry.key().as_str();
            let copies = books.journals_of(key).len() + books.bank_transactions_of(key).len();
            assert_eq!(copies, 1, "{status}: {key}");
        }
    }
}
