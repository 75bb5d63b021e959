//! Bugs the fault suite found, each replayed from the schedule that showed it.

use crate::runner::run_schedule;
use crate::schedule::{Flags, Schedule};

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
