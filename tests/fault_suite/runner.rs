//! One schedule from seed to verdict, and many of them a few at a time.
//!
//! A schedule: start the world (sandbox, config, mappings, connections); for each night move the
//! sandbox clock, change Entrata, close periods, install the fault plan, `run` (SIGKILLed when the
//! schedule says, then run again); then clean up (faults cleared, periods reopened, the clock past
//! Xero's 6-minute idempotency window) and `run` until nothing is left to post; then read the
//! targets, the state file, the plan and Entrata, and check the invariants.

use std::panic::AssertUnwindSafe;
use std::time::Duration;

use super::books::Books;
use super::check::{Evidence, check, tail};
use super::schedule::{Drift, Kill, Night, Schedule};
use super::state::Ledger;
use super::tally::Tally;
use super::world::World;

/// Clean runs at most: one normally, a second after a reconnect or an answer lost at the end.
const CLEAN_RUNS_MAX: usize = 4;
/// Past Xero's idempotency window (6 minutes), so a key used under faults is forgotten.
const PAST_IDEMPOTENCY_S: u32 = 400;

#[derive(Debug, Clone)]
pub struct Outcome {
    pub seed: u64,
    pub description: String,
    pub violations: Vec<String>,
    pub tally: Tally,
    /// Every run's label, exit code and output (printed when the schedule fails or is replayed).
    pub log: String,
    /// The environment that replays this schedule (`Schedule::replay_env`).
    pub replay: String,
}

impl Outcome {
    pub fn failure_text(&self) -> String {
        format!(
            "schedule {} FAILED ({} violations)\n{}{}\nreplay: {} cargo test --test fault_suite fault_schedules -- --nocapture\n",
            self.seed,
            self.violations.len(),
            self.description,
            self.violations.iter().take(20).map(|v| format!("  - {v}\n")).collect::<String>(),
            self.replay,
        )
    }
}

pub async fn run_schedule(schedule: Schedule) -> Outcome {
    let seed = schedule.seed;
    let replay = schedule.replay_env();
    let description = schedule.describe();
    let mut tally = Tally { schedules: 1, ..Tally::default() };
    let mut violations = Vec::new();
    let mut world = match World::start(&schedule).await {
        Ok(world) => world,
        Err(e) => {
            tally.violations = 1;
            tally.failed_seeds.push(seed);
            return Outcome {
                seed,
                description,
                violations: vec![format!("setup: {e}")],
                tally,
                log: e,
                replay,
            };
        }
    };
    if let Err(e) = play(&schedule, &mut world, &mut tally).await {
        violations.push(e);
    }
    match verdict(&world).await {
        Ok((found, documents)) => {
            violations.extend(found);
            tally.documents = documents;
        }
        Err(e) => violations.push(format!("reading the outcome: {e}")),
    }
    for run in world.runs.iter().filter(|r| !r.label.starts_with("connect")) {
        tally.runs += 1;
        if let Some(code) = run.code {
            *tally.exit_codes.entry(code).or_default() += 1;
        }
        if run.code == Some(2) {
            tally.add(&format!("exit 2: {}", exit_reason(&run.output)), 1);
        }
    }
    let log = world
        .runs
        .iter()
        .map(|r| format!("--- {} (exit {:?}, killed {})\n{}\n", r.label, r.code, r.killed, tail(&r.output)))
        .collect();
    tally.violations = violations.len() as u64;
    if !violations.is_empty() {
        tally.failed_seeds.push(seed);
    }
    Outcome { seed, description, violations, tally, log, replay }
}

/// The nights, then the clean-up.
pub async fn play(schedule: &Schedule, world: &mut World, tally: &mut Tally) -> Result<(), String> {
    if schedule.books > 1 {
        tally.add(&format!("schedules_with_{}_sets_of_books", schedule.books), 1);
    }
    for (n, night) in schedule.nights.iter().enumerate() {
        tally.nights += 1;
        world.advance(night.advance_s).await;
        for drift in &night.before {
            count_drift(tally, drift, false);
            world.apply(*drift).await;
        }
        if let Some(drift) = &night.during {
            count_drift(tally, drift, true);
        }
        if night.close_qbo.is_some() || night.lock_xero.is_some() {
            tally.add(
                "closed_period",
                u64::from(night.close_qbo.is_some()) + u64::from(night.lock_xero.is_some()),
            );
            world.close(night.close_qbo.map(Some), night.lock_xero.map(Some)).await;
        }
        if night.lose_state {
            tally.add("state_file_lost", 1);
            world.lose_state().await?;
        }
        if let Some(k) = night.restore_state {
            tally.add("state_file_replaced_by_an_older_copy", 1);
            world.restore_state(k).await?;
        }
        if let Some(slack) = night.disk_full {
            tally.add("disk_full_nights", 1);
            world.disk_slack = Some(slack);
        }
        world.set_faults(&night.plan(schedule.seed, n)).await;
        let kill = night.kill.as_ref().map(|k| (k, night.probe_index()));
        let mut last = world.run(format!("night {n}"), kill, night.during).await;
        if night.disk_full.is_some() && disk_full_hit(&last.output) {
            tally.add("disk_full_hit", 1);
        }
        if let Some(kill) = &night.kill {
            tally.add(if last.killed { "kill_landed" } else { "kill_missed_run_ended_first" }, 1);
            if last.killed {
                tally.add(&kill_kind(kill), 1);
            }
        }
        if last.killed {
            tally.kills += 1;
            tally.schedules_with_kill = 1;
            // A request the sandbox was still holding when the process died finishes first, as
            // it would at a real service long before a rerun.
            tokio::time::sleep(Duration::from_millis(in_flight_ms(night))).await;
            last = world.run(format!("night {n} after the kill"), None, None).await;
        }
        // After a mapping edit, the month's reclassification, under the night's faults.
        if night.before.iter().any(|d| matches!(d, Drift::Mapping { .. })) {
            for month in world.reclass_months() {
                let run = world.reclass(format!("night {n} reclass {month}"), &month).await;
                if world.reconnect_if_asked(&run).await? {
                    tally.reconnects += 1;
                }
            }
        }
        let fired = world.fired().await;
        for (rule, fired) in night.rules.iter().zip(&fired) {
            tally.add(rule.kind, *fired);
        }
        if world.reconnect_if_asked(&last).await? {
            tally.reconnects += 1;
        }
        world.keep_state_copy(n)?;
    }
    world.h.control(reqwest::Method::DELETE, "/_sandbox/faults", None).await;
    if !schedule.keep_closed {
        world.close(Some(None), Some(None)).await;
    }
    world.advance(PAST_IDEMPOTENCY_S).await;
    clean_until_settled(world, tally, None).await?;
    // What a mapping edit left on the old accounts is moved, month by month, until settled.
    for month in world.reclass_months() {
        clean_until_settled(world, tally, Some(&month)).await?;
    }
    Ok(())
}

/// `run` (or `post --reclass MONTH`) until nothing is left unsettled, at most `CLEAN_RUNS_MAX`
/// times, reconnecting when a run asks for it.
async fn clean_until_settled(
    world: &mut World,
    tally: &mut Tally,
    reclass: Option<&str>,
) -> Result<(), String> {
    for i in 0..CLEAN_RUNS_MAX {
        tally.clean_runs += 1;
        let run = match reclass {
            None => world.run(format!("clean {i}"), None, None).await,
            Some(month) => world.reclass(format!("clean reclass {month} {i}"), month).await,
        };
        if world.reconnect_if_asked(&run).await? {
            tally.reconnects += 1;
            continue;
        }
        let ledger = Ledger::read(&world.h.state_path()).await?;
        if ledger.unsettled().is_empty() && matches!(run.code, Some(0 | 1)) {
            break;
        }
    }
    Ok(())
}

/// Reads the targets, the state file, the plan and Entrata, and checks every invariant.
/// Returns the violations and how many documents the targets hold.
pub async fn verdict(world: &World) -> Result<(Vec<String>, u64), String> {
    let plan_run = world.h.run(&["plan", "--format", "json"]).await;
    let plan: serde_json::Value =
        serde_json::from_str(&plan_run.stdout).map_err(|e| format!("plan JSON: {e}: {}", plan_run.stderr))?;
    let dump = world.dump(true).await?;
    let books = Books::parse(&dump)?;
    let ledger = Ledger::read(&world.h.state_path()).await?;
    let mappings = entrata_recon::mapping::load(&world.h.dir.path().join("mappings"))
        .map_err(|e| format!("mappings: {e:?}"))?;
    let evidence = Evidence {
        runs: &world.runs,
        books: &books,
        ledger: &ledger,
        plan: &plan,
        mappings: &mappings,
        foreign: world.foreign,
        held_before_loss: &world.held_before_loss,
        owners: &world.owners,
        routes: &world.routes,
    };
    let mut violations = check(&evidence);
    // Nothing lost on the Entrata side either: the state file holds exactly what Entrata serves.
    let served = crate::common::Served::parse(&dump);
    let stored = world.h.stored().await;
    let compare = || match world.api_source {
        true => stored.assert_means(&served),
        false => stored.assert_matches(&served),
    };
    if let Err(panic) = std::panic::catch_unwind(AssertUnwindSafe(compare)) {
        let message = panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_default();
        violations.push(format!("entrata: the state file differs from what Entrata serves: {message}"));
    }
    Ok((violations, (books.qbo.len() + books.xero.len()) as u64))
}

fn count_drift(tally: &mut Tally, drift: &Drift, during: bool) {
    let (kind, n) = match drift {
        Drift::Late { count, .. } => ("late_items", *count),
        Drift::Touch { count, .. } => ("touched_items", *count),
        Drift::Edit { count, .. } => ("edited_deleted_or_moved_items", *count),
        Drift::Deposit { .. } => ("deposits_deleted_moved_or_returned", 1),
        Drift::Mapping { .. } => ("mapping_edits", 1),
        Drift::Unlist { .. } => ("deposits_unlisting_a_payment_or_restored", 1),
    };
    tally.add(kind, n);
    if during {
        tally.add("page_drift_during_pull", 1);
    }
}

/// Why a run could not run, in a few words (its `error:` line without ids and numbers).
fn exit_reason(output: &str) -> String {
    let line = output
        .lines()
        .find(|l| l.starts_with("error:") || l.contains("connect qbo") || l.contains("connect xero"))
        .unwrap_or("(no error line)");
    // A schedule's own folder (`/tmp/.tmpAbC123/recon.sqlite`) would make every line a cause of
    // its own.
    let line: Vec<&str> =
        line.split(' ').map(|word| if word.contains("/.tmp") { "<state file>" } else { word }).collect();
    let words: String = line.join(" ").chars().filter(|c| !c.is_ascii_digit()).take(90).collect();
    words.trim().to_owned()
}

/// Whether a run met the file-size limit (SQLite's I/O error, or a file write's "too large").
fn disk_full_hit(output: &str) -> bool {
    ["disk I/O error", "database or disk is full", "File too large", "file too large"]
        .iter()
        .any(|needle| output.contains(needle))
}

fn kill_kind(kill: &Kill) -> String {
    match kill {
        Kill::AfterMs(_) => "kill after a random delay".into(),
        Kill::OnRequest { method, path, delay_ms, .. } => {
            format!("kill at {method} {path}{}", if *delay_ms > 1 { " (held in flight)" } else { "" })
        }
    }
}

/// How long the sandbox may still hold a request of this night (its longest delay), plus a margin.
fn in_flight_ms(night: &Night) -> u64 {
    let rule_delays = night.rules.iter().filter_map(|r| {
        let action = &r.json["action"];
        action["delay_ms"].as_u64().or_else(|| action["commit_after_ms"].as_u64())
    });
    let probe = match &night.kill {
        Some(Kill::OnRequest { delay_ms, .. }) => *delay_ms,
        _ => 0,
    };
    rule_delays.chain([probe]).max().unwrap_or(0) + 50
}

/// Runs `schedules`, `jobs` at a time; `each` sees every outcome as it comes.
pub async fn run_many(schedules: Vec<Schedule>, jobs: usize, mut each: impl FnMut(&Outcome)) -> Tally {
    let mut total = Tally::default();
    let mut running = tokio::task::JoinSet::new();
    let mut queue = schedules.into_iter();
    loop {
        while running.len() < jobs.max(1) {
            let Some(schedule) = queue.next() else { break };
            let (seed, description, replay) = (schedule.seed, schedule.describe(), schedule.replay_env());
            running.spawn(async move {
                match tokio::spawn(run_schedule(schedule)).await {
                    Ok(outcome) => outcome,
                    Err(e) => Outcome {
                        seed,
                        description,
                        violations: vec![format!("the schedule panicked: {e}")],
                        tally: Tally {
                            schedules: 1,
                            violations: 1,
                            failed_seeds: vec![seed],
                            ..Tally::default()
                        },
                        log: String::new(),
                        replay,
                    },
                }
            });
        }
        let Some(done) = running.join_next().await else { break };
        let outcome = done.expect("a schedule task never panics itself");
        each(&outcome);
        total.merge(&outcome.tally);
    }
    total
}
