//! The pull survives what real networks and a real Entrata do: 429 with `Retry-After`, 503s and
//! 502s, connections reset before or dropped after the work, expired tokens and sessions, and a
//! rate limit it must pace itself under. Each time it completes with exactly the sandbox's data,
//! and the client's counters say what happened.

use crate::common;

use std::time::Duration;

use common::{Harness, generated};
use entrata_recon::domain::ItemKind;
use entrata_recon::run::pull::PullOptions;
use entrata_recon_sandbox::{EntrataLimits, SandboxOptions};

const PORTFOLIO: &str = "properties=1,months=1,seed=11";

#[tokio::test]
async fn transient_failures_are_retried_and_the_data_lands() {
    let h = Harness::start(generated(PORTFOLIO)).await;
    h.set_faults(
        r#"[
        {"service": "entrata", "method": "POST", "path": "**/sessions", "nth": 1, "action": "drop_after_commit"},
        {"service": "entrata", "method": "GET", "path": "**/properties", "nth": 1, "action": {"status": 503, "retry_after_s": 1}},
        {"service": "entrata", "method": "GET", "path": "**/ar-codes", "nth": 1, "action": {"status": 429, "retry_after_s": 1}},
        {"service": "entrata", "method": "GET", "path": "**/leases", "nth": 1, "action": "reset"},
        {"service": "entrata", "method": "GET", "path": "**/charges", "nth": 1, "action": {"status": 503, "retry_after_s": 0}},
        {"service": "entrata", "method": "GET", "path": "**/charges", "nth": 2, "action": {"status": 502}},
        {"service": "entrata", "method": "GET", "path": "**/payments", "nth": 1, "action": "drop_after_commit"},
        {"service": "entrata", "method": "GET", "path": "**/deposits", "nth": 1, "action": "reset"}
    ]"#,
    )
    .await;
    let pause = h.virtual_pause();
    let summary = h.pull_pausing(pause.clone()).await;

    assert_eq!(h.fired().await, vec![1; 8], "every fault fired once");
    h.assert_state_matches_sandbox().await;
    let stats = summary.client;
    assert_eq!((stats.retries, stats.throttled), (8, 1), "{stats:?}");
    assert_eq!((stats.logins, stats.refreshes), (1, 0), "{stats:?}");
    // The sandbox counts what reaches its handlers (answered, or dropped after the work); its 4
    // status faults and 2 resets never do. The client counts every attempt.
    let served = h.served().await;
    assert_eq!(stats.requests, served.requests.entrata() + 4 + 2, "{stats:?} {:?}", served.requests);
    // The login whose answer was lost did open a session; the client then opened another.
    assert_eq!(served.sessions.len(), 2);
    // Two answers asked for a one-second wait and one for none, and the client waited exactly
    // that; the other five retries waited a short backoff.
    let waits = pause.waits();
    assert_eq!(waits.len(), 8, "{waits:?}");
    assert_eq!(waits.iter().filter(|w| **w == Duration::from_secs(1)).count(), 2, "{waits:?}");
    assert!(waits.contains(&Duration::ZERO), "{waits:?}");
    assert!(waits.iter().all(|w| *w <= Duration::from_secs(1)), "{waits:?}");
}

/// Advances the sandbox clock by `advance_s` while the walk is parked on its first charges page,
/// so that the token the client holds expires in Entrata's eyes (not in its own).
async fn check_expiry(advance_s: u64, expected_logins: u64, expected_refreshes: u64) {
    let h = Harness::start(generated(PORTFOLIO)).await;
    h.set_faults(
        r#"[{"service": "entrata", "method": "GET", "path": "**/charges", "nth": 1, "action": {"delay_ms": 1500}}]"#,
    )
    .await;
    let pull = h.spawn_pull(PullOptions::default());
    h.wait_until_fired(0, 1).await;
    h.advance_time(advance_s).await;
    assert_eq!(
        h.requests().await.to("GET", "/charges"),
        0,
        "the parked page was answered before the clock moved"
    );

    let summary = pull.await.expect("pull task").unwrap_or_else(|e| panic!("advance {advance_s} s: {e}"));
    let stats = summary.client;
    assert_eq!(
        (stats.logins, stats.refreshes),
        (expected_logins, expected_refreshes),
        "advance {advance_s} s"
    );
    assert_eq!(stats.retries, 0, "an expired token is not a failure: {stats:?}");
    assert_eq!(h.served().await.sessions.len() as u64, expected_logins + expected_refreshes);
    h.assert_state_matches_sandbox().await;
}

#[tokio::test]
async fn an_expired_token_is_refreshed_within_the_grace_and_replaced_after_it() {
    // Tokens live 3600 s and can be refreshed up to 900 s after they expire.
    check_expiry(3_600 + 60, 1, 1).await;
    check_expiry(3_600 + 900 + 60, 2, 0).await;
}

#[tokio::test]
async fn a_token_expired_by_the_service_mid_pull_is_refreshed() {
    let h = Harness::start(generated("properties=2,months=1,seed=11")).await;
    h.set_faults(r#"[{"service": "entrata", "method": "GET", "path": "**/payments", "nth": 1, "action": "expire_token"}]"#)
        .await;
    let summary = h.pull().await;
    assert_eq!(h.fired().await, vec![1]);
    let stats = summary.client;
    assert_eq!((stats.logins, stats.refreshes, stats.retries), (1, 1, 0), "{stats:?}");
    h.assert_state_matches_sandbox().await;
}

#[tokio::test]
async fn the_pull_paces_itself_under_the_rate_limit() {
    // Three requests per second: the pull needs seven (a login, two company-wide lists, four
    // per property), so it must wait for the window twice, and never be told to.
    let limits = EntrataLimits { requests_per_window: 3, window_s: 1, ..EntrataLimits::default() };
    let h = Harness::start(SandboxOptions { entrata_limits: limits, ..generated(PORTFOLIO) }).await;
    // On the sandbox's clock: the client's waits move it, so the windows roll exactly when the
    // client has waited for them, however slow or fast the machine is.
    let pause = h.virtual_pause();
    let summary = h.pull_pausing(pause.clone()).await;
    assert_eq!(summary.client.requests, 7);
    assert_eq!((summary.client.throttled, summary.client.retries), (0, 0), "{:?}", summary.client);
    // Twice the budget was spent and the client held until the window's reset (up to a second,
    // less the time the requests themselves took), never running into a 429.
    let waits = pause.waits();
    assert_eq!(waits.len(), 2, "{waits:?}");
    assert!(waits.iter().all(|w| *w > Duration::ZERO && *w <= Duration::from_secs(1)), "{waits:?}");
    h.assert_state_matches_sandbox().await;
}

/// Runs `pull` under `faults` with 3 attempts per request; expects exit 2 with `expected` in the
/// error line.
async fn check_gives_up(h: &Harness, faults: &str, expected: &str) {
    h.set_faults(faults).await;
    let run = h.run(&["pull"]).await;
    assert_eq!(run.code, Some(2), "{run:?}");
    let error = run.stderr.lines().find(|l| l.contains("error: ")).unwrap_or_default();
    assert!(error.contains(expected), "expected {expected:?} in {error:?}");
    // Giving up is prompt: a few short backoffs (the binary logs each wait it takes), never the
    // long wait Entrata asked for.
    let waited_ms: u64 = run
        .stderr
        .lines()
        .filter(|l| l.contains("retrying"))
        .filter_map(|l| l.split("delay_ms=").nth(1)?.split_whitespace().next()?.parse::<u64>().ok())
        .sum();
    assert!(waited_ms < 5_000, "waited {waited_ms} ms before giving up: {}", run.stderr);
}

#[tokio::test]
async fn a_pull_that_gives_up_says_why_and_the_next_one_completes() {
    let h = Harness::start(generated(PORTFOLIO)).await;
    h.set_source("max_attempts", Some(3.into()));
    check_gives_up(
        &h,
        r#"[{"service": "entrata", "method": "GET", "path": "**/ar-codes", "action": {"status": 429, "retry_after_s": 600}}]"#,
        "Entrata asked to wait 600 s before retrying /ar-codes, longer than the 300 s we wait",
    )
    .await;
    check_gives_up(
        &h,
        r#"[{"service": "entrata", "method": "GET", "path": "**/leases", "action": "reset"}]"#,
        "Entrata kept failing for /properties/prop_0001/leases after 3 attempts: connection failed",
    )
    .await;
    check_gives_up(
        &h,
        r#"[{"service": "entrata", "method": "GET", "path": "**/charges", "action": {"status": 503, "retry_after_s": 0}}]"#,
        "Entrata kept failing for /properties/prop_0001/charges after 3 attempts: 503 service_unavailable",
    )
    .await;
    // What the failed pulls stored stays (the leases, read before the charges failed), each
    // failure is on record, and the next pull completes the rest.
    assert!(!h.stored().await.current(ItemKind::Lease).is_empty());
    h.set_faults("[]").await;
    assert_eq!(h.run(&["pull"]).await.code, Some(0));
    h.assert_state_matches_sandbox().await;
    let state = h.state().await;
    let runs = state.recent_runs(10).await.expect("runs");
    state.close().await;
    let outcomes: Vec<Option<&str>> = runs.iter().map(|r| r.outcome.as_deref()).collect();
    assert_eq!(outcomes, [Some("ok"), Some("failed"), Some("failed"), Some("failed")]);
}

#[tokio::test]
async fn a_short_lived_token_is_not_renewed_before_every_request() {
    // A token that lives 30 s outlasts this pull (well under a second): it needs no renewal. A
    // fixed renewal margin longer than the lifetime would renew it before every request.
    let limits = EntrataLimits { token_lifetime_s: 30, ..EntrataLimits::default() };
    let h = Harness::start(SandboxOptions { entrata_limits: limits, ..generated(PORTFOLIO) }).await;
    let summary = h.pull().await;
    assert_eq!((summary.client.logins, summary.client.refreshes), (1, 0), "{:?}", summary.client);
    assert_eq!(h.requests().await.to("POST", "/sessions/refresh"), 0);
}

#[tokio::test]
async fn a_request_that_hangs_is_abandoned_after_the_timeout_and_tried_again() {
    let h = Harness::start(generated(PORTFOLIO)).await;
    h.set_source("request_timeout_seconds", Some(1.into()));
    // The first payments request would hang for ten minutes: the pull completing at all shows it
    // was abandoned after the 1 s timeout and asked again (no upper bound on wall time is needed).
    h.set_faults(
        r#"[{"service": "entrata", "method": "GET", "path": "**/payments", "nth": 1, "action": {"delay_ms": 600000}}]"#,
    )
    .await;
    let pull = tokio::time::timeout(Duration::from_secs(300), h.pull());
    let summary = pull.await.expect("the hung request was never abandoned");
    assert_eq!(h.fired().await, vec![1]);
    assert_eq!(summary.client.retries, 1, "{:?}", summary.client);
    h.assert_state_matches_sandbox().await;
}

/// A login or session refresh answered with a garbled body is tried again like a 5xx: one bad
/// answer from `/sessions` used to stop the night (found by the fault suite).
#[tokio::test]
async fn a_garbled_session_answer_is_asked_for_again() {
    let h = Harness::start(generated(PORTFOLIO)).await;
    h.set_faults(
        r#"[{"service": "entrata", "method": "POST", "path": "/entrata/**/sessions", "nth": 1, "action": "garbled"}]"#,
    )
    .await;
    h.pull().await;
    assert_eq!(h.fired().await, vec![1]);
    h.assert_state_matches_sandbox().await;

    // One that never answers readably stops the pull promptly, saying so.
    let h = Harness::start(generated(PORTFOLIO)).await;
    h.set_source("max_attempts", Some(3.into()));
    check_gives_up(
        &h,
        r#"[{"service": "entrata", "method": "POST", "path": "/entrata/**/sessions", "action": "garbled"}]"#,
        "Entrata kept failing for /sessions after 3 attempts: an unreadable session answer",
    )
    .await;
}

#[tokio::test]
async fn a_garbled_page_is_asked_for_again_and_a_persistent_one_stops_the_pull_clearly() {
    let h = Harness::start(generated(PORTFOLIO)).await;
    h.set_faults(
        r#"[{"service": "entrata", "method": "GET", "path": "**/payments", "nth": 1, "action": "garbled"}]"#,
    )
    .await;
    h.pull().await;
    assert_eq!(h.fired().await, vec![1]);
    h.assert_state_matches_sandbox().await;

    let h = Harness::start(generated(PORTFOLIO)).await;
    h.set_faults(r#"[{"service": "entrata", "method": "GET", "path": "**/deposits", "action": "garbled"}]"#)
        .await;
    let run = h.run(&["pull"]).await;
    assert_eq!(run.code, Some(2), "{run:?}");
    let error = run.stderr.lines().find(|l| l.starts_with("error: ")).unwrap_or_default();
    assert!(
        error.contains("Entrata sent a malformed response for /properties/prop_0001/deposits: page 1 is not a list page after 3 attempts"),
        "{error}"
    );
    // Everything before the deposits is kept.
    assert!(!h.stored().await.current(ItemKind::Payment).is_empty());
}
