//! Counts across schedules: faults that actually fired (by kind), Entrata changes, closed
//! periods, kills, runs and their exit codes. `RELIABILITY.md` quotes the summary.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

#[derive(Debug, Clone, Default)]
pub struct Tally {
    pub schedules: u64,
    pub nights: u64,
    /// Fault rules that fired, by kind (`429`, `5xx`, `reset`, `drop_after_commit`, ...), and the
    /// other things a schedule did (`late_item`, `touch`, `closed_period`, ...).
    pub injected: BTreeMap<String, u64>,
    /// Runs SIGKILLed while they ran.
    pub kills: u64,
    pub schedules_with_kill: u64,
    pub runs: u64,
    pub exit_codes: BTreeMap<i32, u64>,
    /// `connect` again because a run said so (a refresh token lost with its answer).
    pub reconnects: u64,
    /// Clean runs needed after the faults were cleared.
    pub clean_runs: u64,
    /// Documents the targets held at the end, both targets.
    pub documents: u64,
    pub violations: u64,
    pub failed_seeds: Vec<u64>,
}

impl Tally {
    pub fn add(&mut self, kind: &str, n: u64) {
        if n > 0 {
            *self.injected.entry(kind.to_owned()).or_default() += n;
        }
    }

    pub fn merge(&mut self, other: &Tally) {
        self.schedules += other.schedules;
        self.nights += other.nights;
        for (kind, n) in &other.injected {
            self.add(kind, *n);
        }
        self.kills += other.kills;
        self.schedules_with_kill += other.schedules_with_kill;
        self.runs += other.runs;
        for (code, n) in &other.exit_codes {
            *self.exit_codes.entry(*code).or_default() += n;
        }
        self.reconnects += other.reconnects;
        self.clean_runs += other.clean_runs;
        self.documents += other.documents;
        self.violations += other.violations;
        self.failed_seeds.extend(&other.failed_seeds);
    }

    /// The figures, as `RELIABILITY.md` shows them.
    pub fn report(&self, seeds: &str, wall: Duration, jobs: usize) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "| figure | value |\n|---|---|");
        let _ = writeln!(out, "| schedules | {} (seeds {seeds}) |", self.schedules);
        let _ = writeln!(out, "| nights (faulty runs before the clean-up) | {} |", self.nights);
        let _ = writeln!(out, "| schedules with a SIGKILL | {} |", self.schedules_with_kill);
        let _ = writeln!(out, "| runs killed | {} |", self.kills);
        let _ = writeln!(out, "| `run` invocations | {} |", self.runs);
        let codes: Vec<String> = self.exit_codes.iter().map(|(c, n)| format!("{c}: {n}")).collect();
        let _ = writeln!(out, "| exit codes | {} |", codes.join(", "));
        let _ = writeln!(out, "| reconnects asked for by a run | {} |", self.reconnects);
        let _ = writeln!(out, "| clean runs | {} |", self.clean_runs);
        let _ = writeln!(out, "| documents checked in the targets | {} |", self.documents);
        let _ = writeln!(out, "| violations | {} |", self.violations);
        let _ = writeln!(out, "| wall time | {:.0} s ({jobs} schedules at a time) |", wall.as_secs_f64());
        let _ = writeln!(out, "\n| injected (fired) | count |\n|---|---|");
        for (kind, n) in &self.injected {
            let _ = writeln!(out, "| {kind} | {n} |");
        }
        if !self.failed_seeds.is_empty() {
            let _ = writeln!(out, "\nfailed seeds: {:?}", self.failed_seeds);
        }
        out
    }
}
