//! `cargo bench --bench pull_api`: the real `entrata-recon pull` binary, as a child process, pulls a
//! generated portfolio through Entrata's own API (`[source] kind = "entrata"`) from the sandbox's
//! `/entrata-api`, at Entrata's real limits (per service and API key: 150 calls a minute, 1,000 an
//! hour, 15,000 a day, as the headers of a real answer state them), into a fresh state file. Prints
//! items/s, wall time, the calls per service and the floor those limits put under the wall time.
//! Nothing is asserted about speed; the bench fails only if the pull fails or stores nothing.
//!
//! Sizes: `BENCH_SPECS="properties=40,months=12;properties=200,months=1"` (the default).
//!
//! The floor: a service called `n` times under a window of `w` calls a minute needs at least
//! `ceil(n / w) - 1` whole minutes (the first window's calls go at once, each later window's at
//! its start). The connector keeps 10 % of each window back (`source.limit_reserve_percent`), so
//! its own floor uses `w = 135`.

mod common;

use common::{BIN, fail, mib, print_table, run_child, specs, thousands};
use entrata_recon_sandbox::generate::generate_with_summary;
use entrata_recon_sandbox::{Dataset, EntrataKind, SandboxOptions, start};

const PER_MINUTE: u64 = 150;
const RESERVE_PERCENT: u64 = 10;

fn main() {
    common::launch_if_asked();
    if !common::started_by_cargo_bench("pull_api") {
        return;
    }
    let specs = specs(&["properties=40,months=12", "properties=200,months=1"]);
    let runtime = common::runtime();
    let mut rows = Vec::new();
    let mut calls_rows = Vec::new();
    for spec in specs {
        eprintln!("pull_api bench: generating {spec} and starting the sandbox (Entrata's real limits)...");
        let generated = generate_with_summary(&spec);
        let dataset = Dataset::from_json(&generated.json).unwrap_or_else(|e| fail(&format!("dataset: {e}")));
        drop(generated);
        let served: u64 = [
            EntrataKind::Properties,
            EntrataKind::ArCodes,
            EntrataKind::Leases,
            EntrataKind::Charges,
            EntrataKind::Payments,
            EntrataKind::Deposits,
        ]
        .into_iter()
        .map(|k| dataset.count(k) as u64)
        .sum();
        let sandbox = runtime
            .block_on(start(SandboxOptions::new(dataset)))
            .unwrap_or_else(|e| fail(&format!("sandbox: {e}")));
        let dir = tempfile::Builder::new()
            .prefix("entrata-recon-bench-")
            .tempdir()
            .unwrap_or_else(|e| fail(&e.to_string()));
        let config = dir.path().join("recon.toml");
        sandbox.write_config_entrata_api(&config).unwrap_or_else(|e| fail(&e.to_string()));
        let mut command = std::process::Command::new(BIN);
        command.arg("--config").arg(&config).arg("-q").arg("pull");
        eprintln!(
            "pull_api bench: {} items served; pulling (waits on the limits are real time)...",
            thousands(served)
        );
        // Exit 1: items quarantined (the generated portfolio plants some); still a complete pull.
        let measured = run_child(command, dir.path(), "pull-api", &[0, 1]);
        let calls = runtime.block_on(calls_per_service(&sandbox.base_url()));
        let stored = runtime.block_on(stored_items(&dir.path().join("recon.sqlite")));
        if stored == 0 {
            fail("the pull stored nothing");
        }
        let floor = |per_minute: u64| {
            calls.iter().map(|(_, n)| n.div_ceil(per_minute).saturating_sub(1) * 60).max().unwrap_or(0)
        };
        let reserve = PER_MINUTE - PER_MINUTE * RESERVE_PERCENT / 100;
        let total_calls: u64 = calls.iter().map(|(_, n)| n).sum();
        let wall = measured.wall.as_secs_f64();
        rows.push(vec![
            spec.to_string(),
            thousands(served),
            thousands(stored),
            thousands(total_calls),
            format!("{wall:.1}"),
            thousands((stored as f64 / wall) as u64),
            format!("{}", floor(PER_MINUTE)),
            format!("{}", floor(reserve)),
            format!("{:.2}", wall / (floor(reserve).max(1) as f64)),
            mib(measured.max_rss_kib),
        ]);
        calls_rows.push(
            std::iter::once(spec.to_string())
                .chain(calls.iter().map(|(s, n)| format!("{s} {n}")))
                .collect::<Vec<_>>()
                .join(", "),
        );
        runtime.block_on(sandbox.shutdown());
    }
    println!();
    println!(
        "entrata-recon pull through Entrata's own API: child process against the sandbox at Entrata's real limits"
    );
    print_table(
        &[
            "spec",
            "items served",
            "items stored",
            "calls",
            "wall s",
            "items/s",
            "floor s (150/min)",
            "floor s (135/min)",
            "wall / floor",
            "peak RSS MiB",
        ],
        &rows,
    );
    println!();
    for row in calls_rows {
        println!("calls per service: {row}");
    }
}

/// Calls per service, from the sandbox's day windows (`GET /_sandbox/state`: the day has not
/// started again during a bench).
async fn calls_per_service(base: &str) -> Vec<(String, u64)> {
    let state = common::sandbox_state(base).await;
    let day = state["entrataApi"]["limits"]["day"].as_u64().unwrap_or(0);
    state["entrataApi"]["rateLimits"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|w| {
            let left = w["remaining"]["day"].as_u64().unwrap_or(day);
            (w["service"].as_str().unwrap_or("?").to_owned(), day.saturating_sub(left))
        })
        .collect()
}

async fn stored_items(path: &std::path::Path) -> u64 {
    let state =
        entrata_recon::state::StateFile::open_read_only(path).await.unwrap_or_else(|e| fail(&e.to_string()));
    let counts = state.status_counts().await.unwrap_or_else(|e| fail(&e.to_string()));
    state.close().await;
    counts.items_by_kind.iter().map(|(_, n)| *n as u64).sum()
}
