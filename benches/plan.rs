//! `cargo bench --bench plan`: plans a pulled portfolio from the state file.
//!
//! Set-up (not measured): generate a portfolio, serve it from the sandbox in this process, and
//! pull it with the real binary into a fresh state file; then stop the sandbox. Measured:
//! - `entrata-recon plan --format json > /dev/null` as a child process, three times (median wall
//!   time, peak RSS): the real path, state file read + convert + plan + JSON rendering;
//! - the library call `run::plan::plan` in this process (state file read + convert + plan, no
//!   rendering), for the entry and exception counts and to show what rendering costs.
//!
//! Sizes: `BENCH_SPECS` as for the pull bench (default ~125k and ~1.09M items).
//!
//! Peer: when `ledger` (ledger-cli) is on the PATH, the same charges, payments and deposits are
//! written as a ledger journal (converted by the connector's own code, amounts exact) and
//! `ledger -f journal.ledger bal` is timed the same way: aggregation only, no mapping rules.

mod common;

use std::sync::Arc;
use std::time::Instant;

use common::{Portfolio, fail, mib, print_table, run_child, specs, thousands};
use entrata_recon::run::plan::{PlanRequest, plan};
use entrata_recon::state::StateFile;

const CLI_RUNS: usize = 3;

fn main() {
    common::launch_if_asked();
    if !common::started_by_cargo_bench("plan") {
        return;
    }
    let specs = specs(&["properties=10,months=12", "properties=100,months=12"]);
    let runtime = common::runtime();
    let mappings_source = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("mappings");
    let mut rows = Vec::new();
    let mut peers = Vec::new();
    for spec in specs {
        eprintln!("plan bench: generating {spec}, serving it and pulling it (set-up)...");
        let mut portfolio = runtime.block_on(Portfolio::start(spec));
        let pulled = runtime.block_on(portfolio.pull("pull"));
        runtime.block_on(portfolio.stop_sandbox());
        eprintln!("plan bench: pulled in {:.1} s; planning...", pulled.wall.as_secs_f64());
        copy_dir(&mappings_source, &portfolio.dir.path().join("mappings"));

        // Exit 1 is expected: the generated portfolio holds deliberate exceptions.
        let mut cli: Vec<_> = (0..CLI_RUNS)
            .map(|i| {
                let command = portfolio.command(&["plan", "--format", "json"]);
                run_child(command, portfolio.dir.path(), &format!("plan-{i}-null"), &[0, 1])
            })
            .collect();
        cli.sort_by_key(|m| m.wall);
        let median = cli[CLI_RUNS / 2];
        let max_rss = cli.iter().map(|m| m.max_rss_kib).max().unwrap_or(0);

        let (entries, exceptions, items_read, library_s) = runtime.block_on(library_plan(&portfolio));
        if let Some(row) = runtime.block_on(ledger_peer(&portfolio)) {
            peers.push(row);
        }
        let expected = portfolio.served.leases + portfolio.served.ledger();
        if items_read != expected {
            fail(&format!("planned {items_read} leases and ledger items of {expected} pulled"));
        }
        rows.push(vec![
            spec.to_string(),
            thousands(items_read),
            thousands(entries),
            thousands(exceptions),
            format!("{:.2}", median.wall.as_secs_f64()),
            thousands((items_read as f64 / median.wall.as_secs_f64()) as u64),
            format!("{:.1}", median.cpu().as_secs_f64()),
            mib(max_rss),
            format!("{:.0}", max_rss as f64 * 1024.0 / entries.max(1) as f64),
            format!("{library_s:.2}"),
            thousands((items_read as f64 / library_s) as u64),
        ]);
    }
    println!();
    println!("entrata-recon plan --format json > /dev/null: child process, state file of a full pull");
    print_table(
        &[
            "spec",
            "items read",
            "entries",
            "exceptions",
            "wall s",
            "items/s",
            "cpu s",
            "peak RSS MiB",
            "RSS bytes/entry",
            "library s",
            "library items/s",
        ],
        &rows,
    );
    println!(
        "wall s, items/s, cpu s: median of {CLI_RUNS} runs; peak RSS: the largest of them. items read: \
         leases, charges, payments and deposits read from the state file. library: run::plan::plan in \
         this process (no JSON rendering), one run."
    );
    if peers.is_empty() {
        println!("(ledger is not on the PATH: no peer figures)");
    } else {
        println!();
        println!(
            "peer: ledger -f journal.ledger bal, the same ledger items as transactions (median of {CLI_RUNS})"
        );
        print_table(&["spec", "transactions", "journal MB", "wall s", "txn/s", "peak RSS MiB"], &peers);
    }
}

/// Writes the portfolio's charges, payments and deposits as a ledger journal and times
/// `ledger bal` on it; `None` when ledger is not installed.
async fn ledger_peer(portfolio: &Portfolio) -> Option<Vec<String>> {
    let probe = std::process::Command::new("ledger").arg("--version").output();
    if !probe.is_ok_and(|o| o.status.success()) {
        return None;
    }
    let path = portfolio.dir.path().join("journal.ledger");
    let transactions = write_journal(portfolio, &path).await;
    let bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    let mut runs: Vec<_> = (0..CLI_RUNS)
        .map(|i| {
            let mut command = std::process::Command::new("ledger");
            command.arg("-f").arg(&path).arg("bal");
            run_child(command, portfolio.dir.path(), &format!("ledger-{i}-null"), &[0])
        })
        .collect();
    runs.sort_by_key(|m| m.wall);
    let median = runs[CLI_RUNS / 2];
    Some(vec![
        portfolio.spec.to_string(),
        thousands(transactions),
        format!("{:.0}", bytes as f64 / 1e6),
        format!("{:.2}", median.wall.as_secs_f64()),
        thousands((transactions as f64 / median.wall.as_secs_f64()) as u64),
        mib(runs.iter().map(|m| m.max_rss_kib).max().unwrap_or(0)),
    ])
}

/// One transaction per charge (receivables against the AR code), payment capture (clearing per
/// method against receivables) and deposit (bank account against clearing).
async fn write_journal(portfolio: &Portfolio, path: &std::path::Path) -> u64 {
    use entrata_recon::domain::{ItemKind, format_amount};
    use entrata_recon::source::convert::{Item, convert};
    use std::io::Write;

    let state =
        StateFile::open_read_only(&portfolio.state_path()).await.unwrap_or_else(|e| fail(&e.to_string()));
    let file = std::fs::File::create(path).unwrap_or_else(|e| fail(&format!("{}: {e}", path.display())));
    let mut out = std::io::BufWriter::new(file);
    let mut written = 0_u64;
    let properties =
        state.current_items(ItemKind::Property, None).await.unwrap_or_else(|e| fail(&e.to_string()));
    for property in properties {
        let id = property.item_id.as_str();
        for kind in [ItemKind::Charge, ItemKind::Payment, ItemKind::Deposit] {
            let mut text = String::new();
            state
                .for_each_current_item(kind, id, |item| {
                    let (date, debit, credit, amount) = match convert(kind, item.raw, Some(id)) {
                        Ok(Item::Charge(c)) => (
                            c.post_date,
                            format!("Assets:Receivables:{id}"),
                            format!("Income:{}", c.ar_code.as_str()),
                            c.amount.amount(),
                        ),
                        Ok(Item::Payment(p)) => (
                            p.post_date,
                            format!("Assets:Clearing:{}", p.method.as_str()),
                            format!("Assets:Receivables:{id}"),
                            p.amount.amount(),
                        ),
                        Ok(Item::Deposit(d)) => (
                            d.deposit_date,
                            format!("Assets:Bank:{}", d.bank_account_id.as_str()),
                            "Assets:Clearing".to_owned(),
                            d.amount.amount(),
                        ),
                        _ => return,
                    };
                    text.push_str(&format!(
                        "{date} {}\n    {debit}  {} USD\n    {credit}\n\n",
                        item.item_id,
                        format_amount(amount)
                    ));
                    written += 1;
                })
                .await
                .unwrap_or_else(|e| fail(&e.to_string()));
            out.write_all(text.as_bytes()).unwrap_or_else(|e| fail(&format!("{}: {e}", path.display())));
        }
    }
    out.flush().unwrap_or_else(|e| fail(&format!("{}: {e}", path.display())));
    state.close().await;
    written
}

/// `(entries, exceptions, items read, seconds)` of one library plan of the whole state file.
async fn library_plan(portfolio: &Portfolio) -> (u64, u64, u64, f64) {
    let mappings = entrata_recon::mapping::load(&portfolio.dir.path().join("mappings"))
        .unwrap_or_else(|e| fail(&format!("mappings: {e}")));
    let mappings = Arc::new(mappings);
    let state =
        StateFile::open_read_only(&portfolio.state_path()).await.unwrap_or_else(|e| fail(&e.to_string()));
    let started = Instant::now();
    let planned =
        plan(&state, &mappings, &PlanRequest::default()).await.unwrap_or_else(|e| fail(&e.to_string()));
    let seconds = started.elapsed().as_secs_f64();
    state.close().await;
    (planned.entries.len() as u64, planned.exceptions.len() as u64, planned.items_read, seconds)
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap_or_else(|e| fail(&format!("{}: {e}", to.display())));
    let entries = std::fs::read_dir(from).unwrap_or_else(|e| fail(&format!("{}: {e}", from.display())));
    for entry in entries {
        let entry = entry.unwrap_or_else(|e| fail(&format!("{}: {e}", from.display())));
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target)
                .unwrap_or_else(|e| fail(&format!("{}: {e}", target.display())));
        }
    }
}
