//! Posting a few thousand entries to the QuickBooks and Xero sandboxes under their real limits
//! (issues 9 and 10): write calls against the fewest the batch limits allow, 429s received (the
//! target is none), and the posting time against the floor the limits set.
//!
//! Time is the sandbox's clock: every wait the connector takes for a rate limit moves the sandbox's
//! clock by as much instead of sleeping (`Pause::virtual_clock`), so a run that the limits make
//! last minutes takes seconds, and "posting time" = real time + waited time is exactly what the
//! limits cost, on any machine. QuickBooks meters each item of a batch against its 500 requests a
//! minute, so full batches of 30 go 16 to a minute (480 entries) and the floor for N entries is
//! (ceil(N / 480) - 1) minutes (the 40 batches a minute never bind); Xero's 60 calls a minute make
//! the floor of W write calls plus R reads (ceil((W + R) / 60) - 1) minutes.
//!
//! `cargo bench --bench post`; `BENCH_POST_SPEC=properties=1,months=4,seed=1` sets the portfolio
//! (posted with `group_by = "item"`, one entry per item).

#[path = "common/mod.rs"]
mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use entrata_recon::config::{Config, Env};
use entrata_recon::http::Pause;
use entrata_recon::report::progress::Progress;
use entrata_recon::run::connect::{ConnectOptions, connect};
use entrata_recon::run::post::{PostRequest, post};
use entrata_recon::targets::TargetKind;
use entrata_recon_sandbox::generate::{GenerateSpec, generate};
use entrata_recon_sandbox::{Dataset, SandboxOptions, start};

use common::{fail, print_table, runtime, started_by_cargo_bench, thousands};

fn main() {
    if !started_by_cargo_bench("post") {
        return;
    }
    let spec: GenerateSpec = std::env::var("BENCH_POST_SPEC")
        .unwrap_or_else(|_| "properties=1,months=4,seed=1".into())
        .parse()
        .unwrap_or_else(|e| fail(&format!("BENCH_POST_SPEC: {e}")));
    let rows = runtime().block_on(bench(spec));
    print_table(
        &[
            "target",
            "entries",
            "write calls",
            "fewest",
            "reads",
            "429s",
            "posting time",
            "floor",
            "real time",
        ],
        &rows,
    );
}

async fn bench(spec: GenerateSpec) -> Vec<Vec<String>> {
    let dataset = Dataset::from_json(&generate(&spec)).unwrap_or_else(|e| fail(&e.to_string()));
    let sandbox = start(SandboxOptions::new(dataset)).await.unwrap_or_else(|e| fail(&e.to_string()));
    let dir = tempfile::tempdir().unwrap_or_else(|e| fail(&e.to_string()));
    let config_path = dir.path().join("recon.toml");
    let mappings_dir = dir.path().join("mappings");
    entrata_recon::mapping::examples::write_example_mappings(&mappings_dir)
        .unwrap_or_else(|e| fail(&e.to_string()));
    let portfolio = mappings_dir.join("portfolio.toml");
    let text = std::fs::read_to_string(&portfolio).unwrap_or_else(|e| fail(&e.to_string()));
    std::fs::write(&portfolio, text.replace("group_by = \"day\"", "group_by = \"item\""))
        .unwrap_or_else(|e| fail(&e.to_string()));
    sandbox.write_config(&config_path).unwrap_or_else(|e| fail(&e.to_string()));
    entrata_recon_cli::demo::use_free_redirect_port(&config_path).unwrap_or_else(|e| fail(&e.to_string()));
    let text = std::fs::read_to_string(&config_path).unwrap_or_else(|e| fail(&e.to_string()));
    let text = text.replace("[targets.xero]\n", "[targets.xero]\nauth = \"client_credentials\"\n");
    let config = Config::parse(&config_path, &text, Env::default()).unwrap_or_else(|e| fail(&e.to_string()));
    let state = common::pulled_in_process(&config, "post", &spec).await;
    let mut announce = |url: &str| entrata_recon_cli::demo::consent_in_background(url.to_owned());
    let options = ConnectOptions { paste_prompt: false, ..ConnectOptions::default() };
    connect(&config, &state, TargetKind::Qbo, &options, &mut announce)
        .await
        .unwrap_or_else(|e| fail(&e.to_string()));
    let mappings =
        Arc::new(entrata_recon::mapping::load(&config.mappings_dir).unwrap_or_else(|e| fail(&e.to_string())));

    let mut rows = Vec::new();
    for target in [TargetKind::Qbo, TargetKind::Xero] {
        let clock = sandbox.clock();
        let pause = Pause::virtual_clock(move |waited| {
            clock.advance(waited);
        });
        let request = PostRequest {
            targets: vec![target],
            dry_run: false,
            pause: pause.clone(),
            reclass: None,
            books: Vec::new(),
        };
        let before = common::requests(&sandbox.base_url()).await;
        eprintln!("post bench: posting to {target}...");
        let started = Instant::now();
        let report = post(&config, &state, &mappings, &request, &Progress::hidden())
            .await
            .unwrap_or_else(|e| fail(&e.to_string()));
        let real = started.elapsed();
        let waited: Duration = pause.waits().iter().sum();
        let after = common::requests(&sandbox.base_url()).await;
        let summary = &report.targets[0].summary;
        if let Some(why) = &summary.stopped {
            fail(&format!("{target} stopped: {why}"));
        }
        let entries = summary.posted.len() as u64;
        let prefix = match target {
            TargetKind::Qbo => "/qbo/v3/",
            TargetKind::Xero => "/xero/api.xro/",
        };
        let delta = |pick: &dyn Fn(&str) -> bool| -> u64 {
            after
                .iter()
                .filter(|(k, _)| k.contains(prefix) && pick(k))
                .map(|(k, n)| n - before.get(k).copied().unwrap_or(0))
                .sum()
        };
        let throttled = delta(&|k| k.ends_with("-> 429"));
        let reads = delta(&|k| k.starts_with("GET ") && !k.ends_with("-> 429"));
        let (fewest, floor) = match target {
            // Full batches of 30 fit 16 to a window of 500 metered items: 480 entries a minute.
            TargetKind::Qbo => (entries.div_ceil(30), 60 * (entries.div_ceil(480).saturating_sub(1))),
            TargetKind::Xero => {
                let calls = summary.write_calls + reads;
                (entries.div_ceil(50), 60 * (calls.div_ceil(60).saturating_sub(1)))
            }
        };
        rows.push(vec![
            target.as_str().to_owned(),
            thousands(entries),
            thousands(summary.write_calls),
            thousands(fewest),
            thousands(reads),
            throttled.to_string(),
            format!("{:.1} s", (real + waited).as_secs_f64()),
            format!("{floor} s"),
            format!("{:.1} s", real.as_secs_f64()),
        ]);
    }
    state.close().await;
    sandbox.shutdown().await;
    rows
}
