//! Several sets of books posted by one `post` (issue 18): four QuickBooks companies and two Xero
//! organisations, one property of about a thousand entries each, under the vendors' real limits
//! (each company metered on its own, as Intuit and Xero meter them), in real time.
//!
//! Each book is its own company, so posted at once they should cost the time of the largest one,
//! not the sum: the wall time of `post` is compared with the floor of the largest single book
//! (QuickBooks meters each item of a batch against 500 requests a minute, so full batches of 30 go
//! 16 to a minute and N entries need (ceil(N / 480) - 1) minutes), then the same portfolio is
//! posted again from scratch with `[posting] books_in_flight = 1` (one book at a time). Also: write
//! calls against the fewest the batch limits allow, 429s received, and the connector's peak RSS
//! (the child process's own, `wait4`).
//!
//! `cargo bench --bench books` (about 12 minutes: the limits are real, and waited in real time);
//! `BENCH_BOOKS_SPEC=properties=6,months=1,seed=1` sets the portfolio (six properties or more: the
//! first six are dealt to the six books; any others are the first book's).

#[path = "common/mod.rs"]
mod common;

use std::time::Duration;

use entrata_recon::config::{Config, Env};
use entrata_recon::domain::BookName;
use entrata_recon::posting::PostingState;
use entrata_recon::run::connect::{ConnectOptions, connect};
use entrata_recon::state::StateFile;
use entrata_recon::targets::TargetKind;
use entrata_recon_sandbox::generate::{GenerateSpec, generate};
use entrata_recon_sandbox::{Dataset, Sandbox, SandboxOptions, start};
use serde_json::{Value, json};

use common::{BIN, Measured, fail, launch_if_asked, mib, print_table, run_child, runtime, thousands};

/// The books: (name, target, index of its company among the target's).
const BOOKS: [(&str, TargetKind, usize); 6] = [
    ("q1", TargetKind::Qbo, 0),
    ("q2", TargetKind::Qbo, 1),
    ("q3", TargetKind::Qbo, 2),
    ("q4", TargetKind::Qbo, 3),
    ("x1", TargetKind::Xero, 0),
    ("x2", TargetKind::Xero, 1),
];

fn main() {
    launch_if_asked();
    if !common::started_by_cargo_bench("books") {
        return;
    }
    let spec: GenerateSpec = std::env::var("BENCH_BOOKS_SPEC")
        .unwrap_or_else(|_| "properties=6,months=1,seed=1".into())
        .parse()
        .unwrap_or_else(|e| fail(&format!("BENCH_BOOKS_SPEC: {e}")));
    let rows = runtime().block_on(async {
        let mut rows = Vec::new();
        for in_flight in [8, 1] {
            rows.push(bench(&spec, in_flight).await);
        }
        rows
    });
    print_table(
        &[
            "books in flight",
            "entries",
            "largest book",
            "its floor",
            "wall time",
            "÷ floor",
            "write calls",
            "fewest",
            "429s",
            "peak RSS MiB",
        ],
        &rows,
    );
}

/// One `post` of every book, `in_flight` at a time, from a fresh state file and sandbox.
async fn bench(spec: &GenerateSpec, in_flight: u32) -> Vec<String> {
    let (sandbox, companies) = serve(spec).await;
    let dir = tempfile::Builder::new()
        .prefix("entrata-recon-books-bench-")
        .tempdir()
        .unwrap_or_else(|e| fail(&e.to_string()));
    let config = configure(&sandbox, dir.path(), &companies, in_flight);
    let state = common::pulled_in_process(&config, "books", spec).await;
    for (name, target, company) in BOOKS {
        // On Intuit's page the person picks the book's company.
        let pick = (target == TargetKind::Qbo).then(|| (sandbox.base_url(), companies.qbo[company].clone()));
        let mut announce =
            |url: &str| entrata_recon_cli::demo::consent_choosing_in_background(url.to_owned(), pick.clone());
        let options = ConnectOptions {
            paste_prompt: false,
            book: Some(BookName::new(name)),
            ..ConnectOptions::default()
        };
        connect(&config, &state, target, &options, &mut announce)
            .await
            .unwrap_or_else(|e| fail(&format!("connect {target} --books {name}: {e}")));
    }
    state.close().await;

    eprintln!("books bench: posting every book, {in_flight} at a time (real limits, real time)...");
    let before = common::requests(&sandbox.base_url()).await;
    let mut command = std::process::Command::new(BIN);
    command.arg("--config").arg(dir.path().join("recon.toml")).arg("-q").arg("post");
    let label = format!("post-{in_flight}");
    let path = dir.path().to_owned();
    let measured: Measured = tokio::task::spawn_blocking(move || run_child(command, &path, &label, &[0, 1]))
        .await
        .unwrap_or_else(|e| fail(&e.to_string()));
    let after = common::requests(&sandbox.base_url()).await;
    let state = StateFile::open_read_only(&config.state_path).await.unwrap_or_else(|e| fail(&e.to_string()));
    let counts = state.posting_counts().await.unwrap_or_else(|e| fail(&e.to_string()));
    state.close().await;
    sandbox.shutdown().await;

    let confirmed = |target: TargetKind, company: &str| {
        counts.get(&(target, company.to_owned(), PostingState::Confirmed)).copied().unwrap_or(0)
    };
    let per_book: Vec<(TargetKind, u64)> = BOOKS
        .iter()
        .map(|(_, target, n)| {
            let company = match target {
                TargetKind::Qbo => &companies.qbo[*n],
                TargetKind::Xero => &companies.xero[*n],
            };
            (*target, confirmed(*target, company))
        })
        .collect();
    if per_book.iter().any(|(_, n)| *n == 0) {
        fail(&format!("a book posted nothing: {per_book:?}"));
    }
    let entries: u64 = per_book.iter().map(|(_, n)| n).sum();
    // Full batches of 30 (QuickBooks), 50 a request (Xero, one kind per request).
    let fewest: u64 = per_book
        .iter()
        .map(|(target, n)| if *target == TargetKind::Qbo { n.div_ceil(30) } else { n.div_ceil(50) })
        .sum();
    let largest = per_book.iter().filter(|(t, _)| *t == TargetKind::Qbo).map(|(_, n)| *n).max().unwrap_or(0);
    let floor = Duration::from_secs(60 * largest.div_ceil(480).saturating_sub(1));
    let delta = |pick: &dyn Fn(&str) -> bool| -> u64 {
        after.iter().filter(|(k, _)| pick(k)).map(|(k, n)| n - before.get(k).copied().unwrap_or(0)).sum()
    };
    let writes = delta(&|k| {
        (k.starts_with("POST /qbo/") && k.contains("/batch")) || (k.starts_with("PUT /xero/api.xro/"))
    });
    let throttled = delta(&|k| k.ends_with("-> 429"));
    vec![
        in_flight.to_string(),
        thousands(entries),
        thousands(largest),
        format!("{} s", floor.as_secs()),
        format!("{:.1} s", measured.wall.as_secs_f64()),
        format!("{:.2}", measured.wall.as_secs_f64() / floor.as_secs_f64().max(1.0)),
        thousands(writes),
        thousands(fewest),
        throttled.to_string(),
        mib(measured.max_rss_kib),
    ]
}

/// Each target's companies, in dataset order.
struct Companies {
    qbo: Vec<String>,
    xero: Vec<String>,
}

/// The generated portfolio, its QuickBooks company served four times and its Xero organisation
/// twice (the same chart, another realm or tenant), each with the vendors' real limits.
async fn serve(spec: &GenerateSpec) -> (Sandbox, Companies) {
    let mut dataset: Value = serde_json::from_slice(&generate(spec)).unwrap_or_else(|e| fail(&e.to_string()));
    let realm = dataset["qbo"]["realmId"].as_str().unwrap_or_else(|| fail("no realmId")).to_owned();
    let tenant = dataset["xero"]["tenantId"].as_str().unwrap_or_else(|| fail("no tenantId")).to_owned();
    let realms: Vec<String> =
        (0..4).map(|n| format!("{}{:03}", &realm[..realm.len() - 3], 900 + n)).collect();
    let tenants: Vec<String> =
        (0..2).map(|n| format!("{}{:012x}", &tenant[..tenant.len() - 12], 0xb00c_0000_u64 + n)).collect();
    let copies = |of: &Value, key: &str, ids: &[String]| -> Value {
        Value::Array(
            ids.iter()
                .map(|id| {
                    let mut copy = of.clone();
                    copy[key] = json!(id);
                    copy
                })
                .collect(),
        )
    };
    dataset["qbo"] = copies(&dataset["qbo"], "realmId", &realms);
    dataset["xero"] = copies(&dataset["xero"], "tenantId", &tenants);
    let bytes = serde_json::to_vec(&dataset).unwrap_or_else(|e| fail(&e.to_string()));
    let dataset = Dataset::from_json(&bytes).unwrap_or_else(|e| fail(&e.to_string()));
    let sandbox = start(SandboxOptions::new(dataset)).await.unwrap_or_else(|e| fail(&e.to_string()));
    (sandbox, Companies { qbo: realms, xero: tenants })
}

/// recon.toml with the six books and `books_in_flight`, and mapping files posting one entry per
/// item, the first six properties dealt one to each book; the config as the connector reads it.
fn configure(sandbox: &Sandbox, dir: &std::path::Path, companies: &Companies, in_flight: u32) -> Config {
    let config_path = dir.join("recon.toml");
    sandbox.write_config(&config_path).unwrap_or_else(|e| fail(&e.to_string()));
    entrata_recon_cli::demo::use_free_redirect_port(&config_path).unwrap_or_else(|e| fail(&e.to_string()));
    let text = std::fs::read_to_string(&config_path).unwrap_or_else(|e| fail(&e.to_string()));
    let mut table: toml::Table = text.parse().unwrap_or_else(|e| fail(&format!("recon.toml: {e}")));
    let mut books = toml::Table::new();
    for (name, target, n) in BOOKS {
        let (key, id, company) = match target {
            TargetKind::Qbo => ("qbo", "realm_id", &companies.qbo[n]),
            TargetKind::Xero => ("xero", "tenant_id", &companies.xero[n]),
        };
        let mut book = toml::Table::new();
        book.insert(
            key.into(),
            toml::Value::Table([(id.to_owned(), company.clone().into())].into_iter().collect()),
        );
        books.insert(name.into(), book.into());
    }
    table.insert("books".into(), books.into());
    let posting = table.entry("posting").or_insert_with(|| toml::Table::new().into());
    if let Some(posting) = posting.as_table_mut() {
        posting.insert("books_in_flight".into(), i64::from(in_flight).into());
    }
    let text = toml::to_string(&table).unwrap_or_else(|e| fail(&e.to_string()));
    std::fs::write(&config_path, &text).unwrap_or_else(|e| fail(&e.to_string()));

    let mappings = dir.join("mappings");
    entrata_recon::mapping::examples::write_example_mappings(&mappings)
        .unwrap_or_else(|e| fail(&e.to_string()));
    // The example property files group some properties by month: every property posts per item here.
    std::fs::remove_dir_all(mappings.join("properties")).unwrap_or_else(|e| fail(&e.to_string()));
    std::fs::create_dir_all(mappings.join("properties")).unwrap_or_else(|e| fail(&e.to_string()));
    let portfolio = mappings.join("portfolio.toml");
    let text = std::fs::read_to_string(&portfolio).unwrap_or_else(|e| fail(&e.to_string()));
    let text = text.replace("group_by = \"day\"", "group_by = \"item\"");
    std::fs::write(&portfolio, format!("book = \"{}\"\n{text}", BOOKS[0].0))
        .unwrap_or_else(|e| fail(&e.to_string()));
    for (n, (name, _, _)) in BOOKS.iter().enumerate().skip(1) {
        let file = mappings.join(format!("properties/prop_{:04}.toml", n + 1));
        std::fs::write(file, format!("book = \"{name}\"\n")).unwrap_or_else(|e| fail(&e.to_string()));
    }
    Config::parse(&config_path, &text_of(&config_path), Env::default())
        .unwrap_or_else(|e| fail(&e.to_string()))
}

fn text_of(path: &std::path::Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| fail(&e.to_string()))
}
