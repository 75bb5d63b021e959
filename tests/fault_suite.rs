//! The fault-injection suite (issue 11, item 5): the whole nightly job, the real binary, against
//! the three sandboxes under seeded random fault schedules, some of them with a SIGKILL, then
//! the invariants: every document balances; each target holds exactly the entries the state
//! file confirmed there (none twice, none missing, each as recorded); per account and month the
//! targets' totals equal the plan's; nothing pending, uncertain or failed after a clean run; the
//! state file holds exactly what Entrata serves; `run` exits 0, 1 or 2. `RELIABILITY.md` says
//! what is covered and what is not, with the soak's figures.
//!
//! ```sh
//! cargo test --test fault_suite                                   # CI: 200 schedules
//! FAULT_SCHEDULES=50 FAULT_FIRST_SEED=1000 cargo test --test fault_suite fault_schedules
//! FAULT_SEED=1234 cargo test --test fault_suite fault_schedules -- --nocapture   # replay one
//! cargo test --release --test fault_suite soak -- --ignored --nocapture   # 10,000 schedules
//! ```
//! `FAULT_JOBS` (default 4) schedules run at a time. `FAULT_EDITS=0` turns off edits, deletions
//! and moves of posted charges (adjustments), `FAULT_REDATE=0` reopens closed periods before
//! every clean-up (re-dating); `FAULT_REPORT=FILE` writes the figures so far every 50 schedules.

#[path = "fault_suite/books.rs"]
mod books;
#[path = "fault_suite/broken.rs"]
mod broken;
#[path = "fault_suite/check.rs"]
mod check;
mod common;
#[path = "fault_suite/portfolio.rs"]
mod portfolio;
#[path = "fault_suite/regressions.rs"]
mod regressions;
#[path = "fault_suite/rng.rs"]
mod rng;
#[path = "fault_suite/runner.rs"]
mod runner;
#[path = "fault_suite/schedule.rs"]
mod schedule;
#[path = "fault_suite/state.rs"]
mod state;
#[path = "fault_suite/tally.rs"]
mod tally;
#[path = "fault_suite/world.rs"]
mod world;

use std::time::Instant;

use schedule::Flags;

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name)
        .ok()
        .map(|v| v.trim().parse().unwrap_or_else(|_| panic!("{name}={v} is not a number")))
}

/// CI's run: `FAULT_SCHEDULES` (default 200) from `FAULT_FIRST_SEED` (default 1), or exactly
/// `FAULT_SEED`, printing that schedule's runs.
#[test]
fn fault_schedules() {
    match env_u64("FAULT_SEED") {
        Some(seed) => judge(vec![seed], true),
        None => {
            let first = env_u64("FAULT_FIRST_SEED").unwrap_or(1);
            let count = env_u64("FAULT_SCHEDULES").unwrap_or(200);
            judge((first..first + count).collect(), false);
        }
    }
}

/// The long soak: `FAULT_SOAK_SCHEDULES` (default 10,000) from `FAULT_FIRST_SEED` (default 1).
#[test]
#[ignore = "long: 10,000 schedules; run with --ignored"]
fn soak() {
    let first = env_u64("FAULT_FIRST_SEED").unwrap_or(1);
    let count = env_u64("FAULT_SOAK_SCHEDULES").unwrap_or(10_000);
    judge((first..first + count).collect(), false);
}

fn judge(seeds: Vec<u64>, replay: bool) {
    let flags = Flags::from_env();
    let jobs = env_u64("FAULT_JOBS").unwrap_or(4) as usize;
    let label = match (seeds.first(), seeds.last()) {
        (Some(a), Some(b)) if a != b => format!("{a}..={b}"),
        (Some(a), _) => a.to_string(),
        _ => String::new(),
    };
    let count = seeds.len();
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let started = Instant::now();
    let mut done = 0;
    // `FAULT_REPORT=FILE`: the figures so far, rewritten every 50 schedules (a long soak that is
    // stopped early still says how far it got).
    let report_file = std::env::var_os("FAULT_REPORT");
    let mut so_far = tally::Tally::default();
    let tally = runtime.block_on(runner::run_many(seeds, jobs, flags, |outcome| {
        done += 1;
        so_far.merge(&outcome.tally);
        if replay {
            println!("{}\n{}", outcome.description, outcome.log);
        }
        if !outcome.violations.is_empty() {
            eprintln!("{}", outcome.failure_text(flags));
            if !replay {
                eprintln!("{}", outcome.log);
            }
        }
        if done % 50 == 0 || done == count {
            eprintln!("fault suite: {done}/{count} schedules, {:.0} s", started.elapsed().as_secs_f64());
            if let Some(path) = &report_file {
                let text = so_far.report(&format!("{label}, {done} done"), started.elapsed(), jobs);
                std::fs::write(path, text).expect("FAULT_REPORT written");
            }
        }
    }));
    let report = tally.report(&label, started.elapsed(), jobs);
    println!("{report}");
    assert_eq!(
        tally.violations, 0,
        "violations in seeds {:?}; each prints how to replay it",
        tally.failed_seeds
    );
    if count >= 100 {
        // At least one schedule in ten really killed a run (issue 11: 20 of 200).
        assert!(
            tally.schedules_with_kill * 10 >= count as u64,
            "only {} kills: {report}",
            tally.schedules_with_kill
        );
    }
}
