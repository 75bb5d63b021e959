//! Nothing twice, nothing lost: a write whose answer is lost is looked up (after Xero's
//! 6-minute idempotency window has passed) and not posted again; an account archived and a lock
//! date set behind the connector's back are reported per entry while the rest post.

use std::time::Duration;

use chrono::Datelike;
use entrata_recon::http::Pause;
use entrata_recon::posting::engine::needs_attention;

use super::support::Posting;

#[tokio::test]
async fn a_lost_answer_is_found_by_lookup_and_never_posted_twice() {
    let p = Posting::start(|_| {}).await;
    let planned = p.planned().await;
    // The first write of bank transactions is saved but its answer lost, and so are the answers to
    // the two identical requests that follow it (Xero replays its first answer under the same
    // key, and that is lost too); lists fail for the rest of the run, so the run ends with that
    // batch uncertain.
    p.h.set_faults(
        r#"[{"service": "xero", "method": "PUT", "path": "**/BankTransactions", "times": 3, "action": "drop_after_commit"},
            {"service": "xero", "method": "GET", "path": "**/BankTransactions", "times": 1, "action": {"delay_ms": 1}, "comment": "the history check's read (posting::history) is answered"},
            {"service": "xero", "method": "GET", "path": "**/BankTransactions", "action": {"status": 503}}]"#,
    )
    .await;
    let pause = p.h.virtual_pause();
    let mut xero = p.target(pause.clone()).await;
    let first = p.post(&mut xero).await;
    assert!(first.stopped.as_deref().is_some_and(|s| s.contains("kept failing")), "{first:#?}");
    assert!(!first.stopped_for_allowance && !first.stopped_for_auth);
    assert_eq!(
        p.h.fired().await,
        [3, 1, 5],
        "three lost answers; the history check's read; five tries of the lookup"
    );
    let saved = p.books().await.bank_transactions.len();
    let bank = planned.iter().filter(|e| e.kind().touches_bank()).count();
    assert!(bank > 50, "{bank}");
    assert_eq!(saved, bank, "the lost write was saved, and the batches after it were sent");
    assert!(first.uncertain.len() >= 50, "{}", first.uncertain.len());

    // Past Xero's idempotency window, a resend under the same key would be a new transaction:
    // only the lookup prevents a duplicate.
    p.h.set_faults("[]").await;
    p.h.sandbox.clock().advance(Duration::from_secs(7 * 60));
    let mut xero = p.target(p.h.virtual_pause()).await;
    let second = p.post(&mut xero).await;
    assert_eq!(second.stopped, None, "{second:#?}");
    assert!(second.lookup_calls >= 1);
    let found = second.posted.iter().filter(|r| r.detail.starts_with("found in xero")).count();
    assert_eq!(found, 50, "the lost batch was found, not sent again");
    assert!(!needs_attention(&second), "{second:#?}");

    let books = p.books().await;
    assert_eq!(books.len(), planned.len(), "every entry once");
    for entry in &planned {
        let key = entry.key().as_str();
        let copies = books.journals_of(key).len() + books.bank_transactions_of(key).len();
        assert_eq!(copies, 1, "{key}");
    }
}

/// Xero Identity answers 503 and then drops the connection when the expired token is renewed:
/// the token request is tried again (after 0.5 s and 2 s) and the posting goes on, where before a
/// single failed token request stopped the run.
#[tokio::test]
async fn a_token_endpoint_that_fails_twice_is_tried_again_and_the_posting_goes_on() {
    let p = Posting::start(|_| {}).await;
    let planned = p.planned().await;
    // The custom connection's access token has expired (Xero's last 30 minutes).
    p.h.sandbox.clock().advance(Duration::from_secs(31 * 60));
    p.h.set_faults(
        r#"[{"service": "oauth", "method": "POST", "path": "/xero/identity/connect/token", "nth": 1, "action": {"status": 503}},
            {"service": "oauth", "method": "POST", "path": "/xero/identity/connect/token", "nth": 2, "action": "reset"}]"#,
    )
    .await;
    let pause = p.h.virtual_pause();
    let mut xero = p.target(pause.clone()).await;
    let summary = p.post(&mut xero).await;
    assert_eq!(summary.stopped, None, "{summary:#?}");
    assert_eq!(p.h.fired().await, [1, 1], "one 503, one reset");
    assert!(
        pause.waits().starts_with(&[Duration::from_millis(500), Duration::from_secs(2)]),
        "{:?}",
        pause.waits()
    );
    assert_eq!(p.books().await.len(), planned.len(), "every entry posted once");
}

/// A token endpoint that refuses the client (`invalid_client`) is not asked again.
#[tokio::test]
async fn a_refused_client_is_not_retried() {
    let p = Posting::start(|_| {}).await;
    p.h.sandbox.clock().advance(Duration::from_secs(31 * 60));
    p.h.set_faults(
        r#"[{"service": "oauth", "method": "POST", "path": "/xero/identity/connect/token", "action": {"status": 400}}]"#,
    )
    .await;
    let pause = p.h.virtual_pause();
    let outcome = p.try_target(pause.clone()).await;
    assert!(outcome.is_err(), "the target cannot be opened without a token");
    assert_eq!(p.h.fired().await, [1], "the refused token request is not repeated");
    assert!(pause.waits().iter().all(|w| *w != Duration::from_millis(500)), "{:?}", pause.waits());
}

#[tokio::test]
async fn an_archived_account_is_refused_per_entry_and_a_locked_period_re_dated_while_the_rest_post() {
    let p = Posting::start(|_| {}).await;
    let planned = p.planned().await;
    let mut xero = p.target(Pause::real()).await;
    // Behind the connector's back, after it read the chart: rental income archived, and the books
    // locked up to the 10th of the month.
    p.control("/_sandbox/xero/accounts/4000/archive", "").await;
    let month_start = planned.iter().map(|e| e.date()).min().expect("entries");
    let lock = month_start.with_day(10).expect("a 10th");
    p.control("/_sandbox/xero/lock-date", &format!(r#"{{"lockDate": "{lock}"}}"#)).await;

    let summary = p.post(&mut xero).await;
    assert_eq!(summary.stopped, None);
    let rent = |e: &&entrata_recon::journal::BalancedEntry| {
        e.lines().iter().any(|l| l.account().as_str() == "rental_income")
    };
    // Entries on the archived account are refused, each with Xero's message.
    let refused: Vec<_> = planned.iter().filter(rent).collect();
    assert!(!refused.is_empty() && refused.len() < planned.len());
    assert_eq!(summary.failed.len(), refused.len(), "{:#?}", summary.failed);
    assert!(
        summary.failed.iter().all(|f| f.detail.contains("Account code '4000' has been archived")),
        "{:#?}",
        summary.failed
    );
    // Entries dated in the locked period are re-dated to the first open day (their own date in
    // the narration) and posted; the rest post as they are.
    let locked: Vec<_> = planned.iter().filter(|e| !rent(e) && e.date() <= lock).collect();
    assert!(!locked.is_empty());
    assert_eq!(summary.redated.len(), locked.len(), "{:#?}", summary.redated);
    assert_eq!(summary.posted.len(), planned.len() - refused.len());
    let books = p.books().await;
    assert_eq!(books.len(), summary.posted.len(), "refused entries saved nothing");
    let first_open = lock.succ_opt().expect("a day after");
    for entry in &locked {
        let journals = books.journals_of(entry.key().as_str());
        let banks = books.bank_transactions_of(entry.key().as_str());
        let dates: Vec<&str> =
            journals.iter().map(|j| j.date.as_str()).chain(banks.iter().map(|b| b.date.as_str())).collect();
        assert_eq!(dates.len(), 1, "{}", entry.key());
        let millis = first_open.and_hms_opt(0, 0, 0).expect("midnight").and_utc().timestamp_millis();
        assert!(dates[0].contains(&millis.to_string()), "{} dated {}", entry.key(), dates[0]);
    }

    // The next run reads the chart again: the archived account is held before anything is sent,
    // with what to do.
    let mut again = p.target(Pause::real()).await;
    let rerun = p.post(&mut again).await;
    let held: Vec<_> = planned.iter().filter(|e| rent(e)).collect();
    assert_eq!(rerun.held.len(), held.len());
    assert!(
        rerun.held.iter().all(|h| h.detail.contains("unknown_account: Xero account 4000")),
        "{:#?}",
        rerun.held
    );
    assert!(rerun.held[0].detail.contains("is archived; map `rental_income` to an active account"));
    assert!(rerun.posted.is_empty() && rerun.failed.is_empty(), "{rerun:#?}");
}

#[tokio::test]
async fn an_expired_token_is_refreshed_once_and_a_5xx_is_looked_up_before_a_resend() {
    let p = Posting::start(|_| {}).await;
    // The first journal write finds its token expired (401: not processed); sent again with a
    // fresh token, it meets a 500 (outcome unknown): the identical request goes again under the
    // same Idempotency-Key, which Xero would answer with its first answer had it saved anything.
    p.h.set_faults(
        r#"[{"service": "xero", "method": "PUT", "path": "**/ManualJournals", "nth": 1, "action": "expire_token"},
            {"service": "xero", "method": "PUT", "path": "**/ManualJournals", "nth": 2, "action": {"status": 500}}]"#,
    )
    .await;
    let mut xero = p.target(p.h.virtual_pause()).await;
    let summary = p.post(&mut xero).await;
    assert!(!needs_attention(&summary), "{summary:#?}");
    assert_eq!(p.h.fired().await, [1, 1]);
    let counts = xero.counts();
    assert_eq!(counts.refused_tokens, 1, "{counts:?}");
    assert_eq!(summary.lookup_calls, 0, "an identical request needs no lookup");
    // The engine sent the batch twice (the identical request again); the client sent its first
    // try twice (before and after the refresh).
    assert_eq!(counts.writes, summary.write_calls + 1, "{counts:?}");
    let planned = p.planned().await;
    let books = p.books().await;
    assert_eq!(books.len(), planned.len());
    for entry in &planned {
        assert!(books.id_of(entry.key().as_str()).is_some(), "{} once", entry.key());
    }
}
