//! Bugs the fault suite found, each replayed from the schedule that showed it.

use crate::runner::{play, run_schedule, verdict};
use crate::schedule::{Flags, Kill, Night, Schedule};
use crate::tally::Tally;
use crate::world::World;

/// Seed 4: QuickBooks' books closed through the 16th; entries it refused were re-dated to the
/// 17th and sent again, an answer was lost (`status_after_commit` 502 on `**/batch`), the lookup
/// found them, and the state file recorded them as confirmed on their own dates while QuickBooks
/// held them on the 17th. A lookup now records the date the target holds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seed_4_a_redated_entry_found_by_lookup_keeps_the_date_the_target_gave_it() {
    let described = Schedule::generate(4, Flags::default()).describe();
    assert!(
        described.contains("close qbo Some(16)") && described.contains(r#"{"status_after_commit":502}"#),
        "the generator changed and seed 4 is no longer this schedule; find the new seed with \
         FAULT_SCHEDULES and pin it here:\n{described}"
    );
    let outcome = run_schedule(4, Flags::default()).await;
    assert_eq!(outcome.violations, Vec::<String>::new(), "{}", outcome.log);
}

/// The same, across runs: the run is killed while its re-dated batch is in QuickBooks' hands
/// (held 150 ms, saved after the process died), so the next run finds the entries by lookup with
/// nothing in memory about a re-dating: the date must come from what the lookup found.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redated_batch_killed_in_flight_is_recorded_with_the_target_date() {
    let night = Night {
        advance_s: 0,
        before: Vec::new(),
        during: None,
        close_qbo: Some(16),
        lock_xero: None,
        rules: Vec::new(),
        kill: Some(Kill::OnRequest {
            service: "qbo",
            method: "POST",
            path: "**/batch",
            nth: 2,
            delay_ms: 150,
        }),
    };
    let schedule = Schedule {
        seed: 0,
        flags: Flags::default(),
        spec: "properties=1,months=1,seed=375776".into(),
        keep_one_in: 2,
        page_size: 1000,
        max_attempts: 3,
        xero_pkce: false,
        nights: vec![night],
        keep_closed: true,
    };
    let mut world = World::start(&schedule).await.expect("world");
    let mut tally = Tally::default();
    play(&schedule, &mut world, &mut tally).await.expect("played");
    assert_eq!(tally.kills, 1, "the run was killed at its second batch");
    let (violations, _) = verdict(&world).await.expect("the outcome reads");
    assert_eq!(violations, Vec::<String>::new());
    let ledger = crate::state::Ledger::read(&world.h.state_path()).await.expect("state file");
    let redated = ledger.postings.iter().filter(|((_, t), p)| t == "qbo" && p.target_date.is_some()).count();
    assert!(redated > 0, "QuickBooks re-dated entries");
}
