//! Issue 19: a dataset plans to the same entries whether the connector reads it through the
//! integration provider's REST API (`kind = "rest"`) or through Entrata's own API
//! (`kind = "entrata"`), both served by one sandbox from the one dataset. Each runs the real
//! binary: `pull`, then `plan --format json`; then a second night after the dataset changes.
//!
//! Every dataset in `fixtures/` is checked, a generated portfolio, and every `*.json` dataset in
//! the folder `RECON_PARITY_DATASETS` names (golden datasets kept outside the repository).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use entrata_recon::mapping::examples::write_example_mappings;
use entrata_recon_sandbox::generate::{GenerateSpec, generate};
use entrata_recon_sandbox::{Dataset, Sandbox, SandboxOptions, start};
use serde_json::Value;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

async fn run(config: &Path, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_entrata-recon"));
    command.arg("--config").arg(config).arg("-q").args(args).env_clear();
    tokio::task::spawn_blocking(move || command.output().unwrap()).await.unwrap()
}

/// One side: a folder with its config, the example mappings and its own state file.
struct Side {
    _dir: tempfile::TempDir,
    config: PathBuf,
}

impl Side {
    fn new(sandbox: &Sandbox, api: bool) -> Side {
        let dir = tempfile::tempdir().unwrap();
        write_example_mappings(&dir.path().join("mappings")).unwrap();
        let config = dir.path().join("recon.toml");
        if api {
            sandbox.write_config_entrata_api(&config).unwrap();
        } else {
            sandbox.write_config(&config).unwrap();
        }
        Side { _dir: dir, config }
    }

    /// `pull`, then the plan's entries and its exceptions (kind, property, item, amount: the
    /// messages may word a quarantined item's reason from either source's fields).
    async fn night(&self, label: &str) -> Night {
        let pulled = run(&self.config, &["pull"]).await;
        let pull_exit = pulled.status.code();
        assert!(matches!(pull_exit, Some(0 | 1)), "{label}: pull: {}", text(&pulled.stderr));
        let plan = run(&self.config, &["plan", "--format", "json"]).await;
        assert!(matches!(plan.status.code(), Some(0 | 1)), "{label}: plan: {}", text(&plan.stderr));
        let json: Value = serde_json::from_slice(&plan.stdout).unwrap();
        let entries = json["entries"].as_array().cloned().unwrap_or_default();
        let exceptions = json["exceptions"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| format!("{} {} {} {}", e["kind"], e["propertyId"], e["sourceId"], e["amount"]))
            .collect();
        Night { pull_exit, entries, exceptions }
    }
}

/// What one side made of a night: the pull's exit (1: items quarantined), the plan's entries, and
/// its exceptions (quarantined items among them).
struct Night {
    pull_exit: Option<i32>,
    entries: Vec<Value>,
    exceptions: BTreeSet<String>,
}

fn assert_same(label: &str, rest: &Night, api: &Night) {
    assert!(!rest.entries.is_empty(), "{label}: the REST side planned nothing");
    assert_eq!(rest.pull_exit, api.pull_exit, "{label}: the pulls end alike (1: items quarantined)");
    let only_rest: Vec<&Value> = rest.entries.iter().filter(|e| !api.entries.contains(e)).collect();
    let only_api: Vec<&Value> = api.entries.iter().filter(|e| !rest.entries.contains(e)).collect();
    assert!(
        only_rest.is_empty() && only_api.is_empty(),
        "{label}: the entries differ.\nonly through the REST API ({}): {}\nonly through Entrata's API ({}): {}",
        only_rest.len(),
        serde_json::to_string_pretty(&only_rest.iter().take(3).collect::<Vec<_>>()).unwrap(),
        only_api.len(),
        serde_json::to_string_pretty(&only_api.iter().take(3).collect::<Vec<_>>()).unwrap(),
    );
    assert_eq!(rest.entries.len(), api.entries.len(), "{label}: as many entries");
    let differ: Vec<&String> = rest.exceptions.symmetric_difference(&api.exceptions).collect();
    assert!(differ.is_empty(), "{label}: the exceptions differ: {differ:#?}");
}

async fn parity(label: &str, dataset: &[u8]) {
    let sandbox = start(SandboxOptions::new(Dataset::from_json(dataset).unwrap())).await.unwrap();
    let (rest, api) = (Side::new(&sandbox, false), Side::new(&sandbox, true));
    let first = (rest.night(label).await, api.night(label).await);
    assert_same(&format!("{label}, first night"), &first.0, &first.1);
    let changed = change_the_ledger(&sandbox, dataset).await;
    let second = (rest.night(label).await, api.night(label).await);
    assert_same(&format!("{label}, second night ({changed})"), &second.0, &second.1);
    sandbox.shutdown().await;
}

/// The day's changes in Entrata, through the sandbox: the latest valid charge is re-priced, the one
/// before it deleted, a new charge added, and the latest captured payment returned.
async fn change_the_ledger(sandbox: &Sandbox, dataset: &[u8]) -> String {
    let data: Value = serde_json::from_slice(dataset).unwrap();
    let post_date = |v: &Value| v["postDate"].as_str().unwrap_or("").to_owned();
    let mut charges: Vec<&Value> = data["charges"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["status"] == "posted" && c["amount"].is_number() && c["currency"] == "USD")
        .filter(|c| chrono::NaiveDate::parse_from_str(&post_date(c), "%Y-%m-%d").is_ok())
        .collect();
    charges.sort_by_key(|c| (post_date(c), c["chargeId"].as_str().unwrap_or("").to_owned()));
    let mut said = Vec::new();
    let mut upserts: Vec<(&str, Value)> = Vec::new();
    if let Some(last) = charges.last() {
        let mut repriced = (*last).clone();
        repriced["amount"] = Value::String("123.45".into());
        repriced["taxAmount"] = Value::String("0.00".into());
        let mut new = (*last).clone();
        new["chargeId"] = Value::String("chg_parity_new".into());
        new["amount"] = Value::String("42.00".into());
        new["taxAmount"] = Value::String("0.00".into());
        new["reversesChargeId"] = Value::Null;
        said.push(format!("{} re-priced, chg_parity_new added", last["chargeId"]));
        upserts.push(("charges", repriced));
        upserts.push(("charges", new));
    }
    if charges.len() >= 2 {
        let mut deleted = charges[charges.len() - 2].clone();
        deleted["status"] = Value::String("deleted".into());
        said.push(format!("{} deleted", deleted["chargeId"]));
        upserts.push(("charges", deleted));
    }
    let mut payments: Vec<&Value> = data["payments"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p["status"] == "captured" && p["leaseId"].is_string())
        .filter(|p| chrono::NaiveDate::parse_from_str(&post_date(p), "%Y-%m-%d").is_ok())
        .collect();
    payments.sort_by_key(|p| (post_date(p), p["paymentId"].as_str().unwrap_or("").to_owned()));
    if let Some(last) = payments.last() {
        let mut returned = (*last).clone();
        returned["status"] = Value::String("returned".into());
        returned["returnedDate"] = Value::String(post_date(last));
        returned["returnPostMonth"] = last["postMonth"].clone();
        returned["returnReason"] = Value::String("NSF".into());
        said.push(format!("{} returned", last["paymentId"]));
        upserts.push(("payments", returned));
    }
    let http = reqwest::Client::new();
    for (kind, item) in upserts {
        let url = format!("{}/_sandbox/entrata/{kind}", sandbox.base_url());
        let response = http.post(url).json(&item).send().await.unwrap();
        assert!(response.status().is_success(), "upsert {kind}: {}", response.text().await.unwrap());
    }
    said.join(", ")
}

fn datasets() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let extra = std::env::var_os("RECON_PARITY_DATASETS").map(PathBuf::from);
    for dir in std::iter::once(fixtures).chain(extra) {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        for file in files {
            let bytes = std::fs::read(&file).unwrap();
            // Fault plans and other JSON beside the datasets are not datasets.
            if Dataset::from_json(&bytes).is_ok() {
                out.push((file.display().to_string(), bytes));
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fixture_dataset_plans_alike_through_either_source() {
    let datasets = datasets();
    assert!(datasets.len() >= 2, "the fixtures are found");
    for (label, bytes) in datasets {
        parity(&label, &bytes).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_generated_portfolio_plans_alike_through_either_source() {
    let spec: GenerateSpec = "properties=3,months=3,seed=7".parse().unwrap();
    parity("generated properties=3,months=3,seed=7", &generate(&spec)).await;
}
