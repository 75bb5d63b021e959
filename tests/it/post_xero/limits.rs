//! Xero's rate limits, scaled down on the sandbox and run on the virtual clock: a minute limit
//! another client spent is waited out with `Retry-After` and nothing is refused twice; the
//! limiter paces itself by the `X-*Limit-Remaining` headers so that it never trips a limit; a
//! spent day stops the run cleanly (`TargetError::Allowance`), nothing lost, and the next run
//! finishes.

use std::time::Duration;

use entrata_recon::posting::engine::needs_attention;
use entrata_recon_sandbox::XeroLimits;

use super::support::{Posting, whole_second_waits};

fn limits(per_minute: u32, per_day: u32) -> XeroLimits {
    XeroLimits { calls_per_minute: per_minute, calls_per_day: per_day, ..XeroLimits::default() }
}

/// Every planned entry is in Xero exactly once.
async fn assert_each_once(p: &Posting) {
    let planned = p.planned().await;
    let books = p.books().await;
    assert_eq!(books.len(), planned.len());
    for entry in &planned {
        let key = entry.key().as_str();
        assert_eq!(books.journals_of(key).len() + books.bank_transactions_of(key).len(), 1, "{key}");
    }
}

#[tokio::test]
async fn a_minute_limit_spent_elsewhere_is_waited_out_with_retry_after() {
    let p = Posting::start(|o| o.xero_limits = limits(3, 5_000)).await;
    let pause = p.h.virtual_pause();
    // Three calls a minute: `open` makes three, the header after the third says none is left, and
    // the fourth waits for the limiter instead of spending a 429.
    let mut xero = p.target(pause.clone()).await;
    let paced = pause.waits();
    assert_eq!(paced.len(), 1, "{paced:?}");
    assert!(paced[0] > Duration::from_secs(55) && paced[0] <= Duration::from_secs(61), "{paced:?}");
    assert_eq!(xero.counts().throttled, 0);
    // Another client takes the two calls left this minute: the post's next calls (its history
    // check's reads, `posting::history`) meet 429s. Xero's `Retry-After` says when the oldest call
    // leaves the sliding window, so a second 429 may follow while the other client's calls are
    // still in it; each is waited out with its `Retry-After`, and nothing is sent twice.
    p.spend_calls(2).await;
    let summary = p.post(&mut xero).await;
    assert!(!needs_attention(&summary), "{summary:#?}");
    let counts = xero.counts();
    assert!((1..=2).contains(&counts.throttled), "429s for the calls another client took: {counts:?}");
    let retry_after = whole_second_waits(&pause);
    assert!(
        retry_after.len() as u64 == counts.throttled && retry_after.iter().all(|s| (1..=60).contains(s)),
        "each 429 was waited out with its Retry-After: {:?}",
        pause.waits()
    );
    assert!(
        counts.writes - summary.write_calls <= counts.throttled,
        "a write is sent again only after its 429"
    );
    assert_each_once(&p).await;
}

#[tokio::test]
async fn a_spent_day_stops_the_run_cleanly_and_the_next_day_finishes() {
    // Ten calls a day: `open` makes four, another client two, the post's history check two
    // (`posting::history`); the header after our second write says none is left, so the limiter
    // stops the run before a third write could be refused.
    let p = Posting::start(|o| o.xero_limits = limits(60, 10)).await;
    let pause = p.h.virtual_pause();
    let mut xero = p.target(pause.clone()).await;
    p.spend_calls(2).await;
    let first = p.post(&mut xero).await;
    assert!(first.stopped_for_allowance && !first.stopped_for_auth, "{first:#?}");
    let stopped = first.stopped.as_deref().unwrap_or_default();
    assert!(stopped.contains("calls per day") && stopped.contains("nothing is lost"), "{stopped}");
    assert_eq!((xero.counts().writes, xero.counts().throttled), (2, 0), "{:?}", xero.counts());
    assert!(!first.posted.is_empty() && !first.uncertain.is_empty());
    assert!(pause.waits().is_empty(), "the day is not waited out: {:?}", pause.waits());

    // The next day, the next run posts the rest: nothing lost, nothing twice.
    p.h.sandbox.clock().advance(Duration::from_secs(86_400 + 60));
    let mut xero = p.target(p.h.virtual_pause()).await;
    let second = p.post(&mut xero).await;
    assert!(!needs_attention(&second), "{second:#?}");
    assert_each_once(&p).await;
}

#[tokio::test]
async fn a_day_spent_by_another_client_is_a_429_that_stops_the_run() {
    let p = Posting::start(|o| o.xero_limits = limits(60, 10)).await;
    let mut xero = p.target(p.h.virtual_pause()).await;
    // `open` made four calls; another client spends the other six of the day.
    p.spend_calls(6).await;
    let first = p.post(&mut xero).await;
    assert!(first.stopped_for_allowance, "{first:#?}");
    assert!(first.stopped.as_deref().is_some_and(|s| s.contains("daily call limit")), "{first:#?}");
    assert_eq!(xero.counts().throttled, 1);
    assert!(first.posted.is_empty());
    assert_eq!(p.books().await.len(), 0);

    p.h.sandbox.clock().advance(Duration::from_secs(86_400 + 60));
    let mut xero = p.target(p.h.virtual_pause()).await;
    let second = p.post(&mut xero).await;
    assert!(!needs_attention(&second), "{second:#?}");
    assert_each_once(&p).await;
}
