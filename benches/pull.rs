//! `cargo bench --bench pull`: the real `entrata-recon pull` binary, as a child process, pulls a
//! generated portfolio from the sandbox (in this process, on loopback, rate limit raised) into a
//! fresh SQLite state file; then pulls again (incremental: nothing new). Prints items/s, wall time,
//! CPU and the connector's peak RSS per portfolio size. Nothing is asserted about speed; the bench
//! fails only if the state file does not end up holding every served item.
//!
//! Sizes: `BENCH_SPECS="properties=10,months=12;properties=100,months=12"` (the default: ~125k and
//! ~1.09M items).
//!
//! For profiling, `BENCH_SERVE=DIR` serves the first spec with the raised rate limit, writes
//! `DIR/recon.toml` and waits for Ctrl-C or SIGTERM; run `entrata-recon --config DIR/recon.toml pull` under
//! a profiler (delete `DIR/recon.sqlite` between runs).

mod common;

use common::{Portfolio, mib, print_table, self_cpu, specs, thousands};
use entrata_recon::state::StateFile;

fn main() {
    common::launch_if_asked();
    if std::env::var_os("BENCH_SERVE").is_none() && !common::started_by_cargo_bench("pull") {
        return;
    }
    let specs = specs(&["properties=10,months=12", "properties=100,months=12"]);
    let runtime = common::runtime();
    if let Some(dir) = std::env::var_os("BENCH_SERVE") {
        runtime.block_on(serve(specs[0], std::path::Path::new(&dir)));
        return;
    }
    let mut rows = Vec::new();
    for spec in specs {
        eprintln!("pull bench: generating {spec} and starting the sandbox...");
        let portfolio = runtime.block_on(Portfolio::start(spec));
        eprintln!(
            "pull bench: {} items served ({:.1} s to generate and load); pulling...",
            thousands(portfolio.served.total()),
            portfolio.generate_s
        );
        let cpu_before = self_cpu();
        let first = runtime.block_on(portfolio.pull("pull-first"));
        let sandbox_cpu = self_cpu() - cpu_before;
        let requests = runtime.block_on(last_run_requests(&portfolio));
        let again = runtime.block_on(portfolio.pull("pull-again"));
        let items = portfolio.served.total();
        rows.push(vec![
            spec.to_string(),
            thousands(items),
            thousands(portfolio.served.ledger()),
            requests,
            format!("{:.2}", first.wall.as_secs_f64()),
            thousands((items as f64 / first.wall.as_secs_f64()) as u64),
            format!("{:.1}", first.cpu().as_secs_f64()),
            format!("{:.1}", sandbox_cpu.as_secs_f64()),
            mib(first.max_rss_kib),
            format!("{:.2}", again.wall.as_secs_f64()),
            mib(again.max_rss_kib),
        ]);
        runtime.block_on(async move {
            let mut portfolio = portfolio;
            portfolio.stop_sandbox().await;
        });
    }
    println!();
    println!("entrata-recon pull: child process against the sandbox on loopback, into a new state file");
    print_table(
        &[
            "spec",
            "items",
            "ledger items",
            "requests",
            "wall s",
            "items/s",
            "cpu s",
            "sandbox cpu s",
            "peak RSS MiB",
            "again: wall s",
            "again: RSS MiB",
        ],
        &rows,
    );
    println!(
        "items: everything pulled (properties, AR codes, leases, charges, payments, deposits); ledger items: \
         charges + payments + deposits. cpu: the connector's user + system time. again: a second, \
         incremental pull (nothing new)."
    );
}

/// `requests` from the summary the pull recorded in its run row.
async fn last_run_requests(portfolio: &Portfolio) -> String {
    let Ok(state) = StateFile::open_read_only(&portfolio.state_path()).await else { return "?".into() };
    let runs = state.recent_runs(1).await.unwrap_or_default();
    state.close().await;
    runs.first()
        .and_then(|run| run.summary.as_deref())
        .and_then(|s| serde_json::from_str::<serde_json::Value>(s).ok())
        .and_then(|v| v.get("requests").and_then(serde_json::Value::as_u64))
        .map_or_else(|| "?".into(), thousands)
}

/// `BENCH_SERVE`: the sandbox of the bench, until killed.
async fn serve(spec: entrata_recon_sandbox::generate::GenerateSpec, dir: &std::path::Path) {
    let portfolio = Portfolio::start(spec).await;
    let config = dir.join("recon.toml");
    if let Some(sandbox) = &portfolio.sandbox {
        sandbox.write_config(&config).unwrap_or_else(|e| common::fail(&e.to_string()));
    }
    println!("serving {} items of {spec}; config: {}", thousands(portfolio.served.total()), config.display());
    // Until Ctrl-C or SIGTERM; returning drops the portfolio and its temporary folder.
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .unwrap_or_else(|e| common::fail(&format!("SIGTERM handler: {e}")));
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate.recv() => {}
    }
}
