//! `plan` and `mappings check` end to end: a sandbox, a real pull, then the binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use entrata_recon::mapping::examples::write_example_mappings;
use entrata_recon_sandbox::generate::{GenerateSpec, generate};
use entrata_recon_sandbox::{Dataset, Sandbox, SandboxOptions, start};
use rust_decimal::Decimal;
use serde_json::Value;

struct World {
    _sandbox: Sandbox,
    dir: tempfile::TempDir,
}

impl World {
    async fn new(dataset: &[u8]) -> World {
        let sandbox = start(SandboxOptions::new(Dataset::from_json(dataset).unwrap())).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        write_example_mappings(&dir.path().join("mappings")).unwrap();
        sandbox.write_config(&dir.path().join("recon.toml")).unwrap();
        World { _sandbox: sandbox, dir }
    }

    fn config(&self) -> PathBuf {
        self.dir.path().join("recon.toml")
    }

    /// Runs the binary off the async runtime (the sandbox is served by it meanwhile).
    async fn run(&self, args: &[&str]) -> Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_entrata-recon"));
        command.arg("--config").arg(self.config()).arg("-q").args(args).env_clear();
        tokio::task::spawn_blocking(move || command.output().unwrap()).await.unwrap()
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn amount(v: &Value) -> Decimal {
    let s = v.as_str().unwrap_or_else(|| panic!("money must be a string: {v}"));
    let (_, decimals) = s.split_once('.').unwrap_or_else(|| panic!("{s} has no decimals"));
    assert_eq!(decimals.len(), 2, "{s} must have exactly two decimals");
    s.parse().unwrap()
}

fn generated(spec: &str) -> Vec<u8> {
    generate(&spec.parse::<GenerateSpec>().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_json_is_balanced_exact_and_deterministic() {
    let world = World::new(&generated("properties=2,months=2,seed=11")).await;
    let pulled = world.run(&["pull"]).await;
    assert!(pulled.status.code() == Some(0), "{}", text(&pulled.stderr));

    let first = world.run(&["plan", "--format", "json"]).await;
    assert_eq!(first.status.code(), Some(1), "planted exceptions need a person: {}", text(&first.stderr));
    let second = world.run(&["plan", "--format", "json"]).await;
    assert_eq!(first.stdout, second.stdout, "the same state and mappings give the same bytes");

    let plan: Value = serde_json::from_slice(&first.stdout).unwrap();
    let entries = plan["entries"].as_array().unwrap();
    assert!(entries.len() > 20);
    let mut keys = std::collections::BTreeSet::new();
    let mut docs = std::collections::BTreeSet::new();
    for entry in entries {
        let (mut dr, mut cr) = (Decimal::ZERO, Decimal::ZERO);
        for line in entry["lines"].as_array().unwrap() {
            let (d, c) = (amount(&line["debit"]), amount(&line["credit"]));
            assert!(d.is_zero() != c.is_zero(), "one side per line: {line}");
            dr += d;
            cr += c;
            assert!(line["target"]["qbo"].is_string() && line["target"]["xero"].is_string(), "{line}");
        }
        assert_eq!(dr, cr, "entry {} balances", entry["key"]);
        let date = entry["date"].as_str().unwrap();
        assert!(
            date.starts_with(entry["postMonth"].as_str().unwrap()),
            "dated inside its post month: {entry}"
        );
        assert!(entry["docNumber"].as_str().unwrap().len() <= 21);
        assert!(keys.insert(entry["key"].as_str().unwrap().to_owned()), "keys are unique");
        assert!(docs.insert(entry["docNumber"].as_str().unwrap().to_owned()), "doc numbers are unique");
        assert!(!entry["sources"].as_array().unwrap().is_empty());
    }
    let exceptions = plan["exceptions"].as_array().unwrap();
    let kinds: std::collections::BTreeSet<&str> =
        exceptions.iter().map(|x| x["kind"].as_str().unwrap()).collect();
    assert!(kinds.contains("unmapped_code"), "{kinds:?}");
    for x in exceptions.iter().filter(|x| x["kind"] == "unmapped_code") {
        amount(&x["amount"]);
        assert!(x["message"].as_str().unwrap().contains("MISC"), "{x}");
    }

    // --period keeps only that month's entries; --target shows that target's account reference
    // and the property's dimensions there on every line.
    let feb = world.run(&["plan", "--format", "json", "--period", "2026-02", "--target", "qbo"]).await;
    let feb: Value = serde_json::from_slice(&feb.stdout).unwrap();
    let feb_entries = feb["entries"].as_array().unwrap();
    assert!(!feb_entries.is_empty() && feb_entries.len() < entries.len());
    for entry in feb_entries {
        assert_eq!(entry["postMonth"], "2026-02");
        for line in entry["lines"].as_array().unwrap() {
            let target = &line["target"];
            assert!(target["account"].is_string() && target["qbo"].is_null(), "{line}");
            assert!(
                target["tracking"].is_null() && target["contact"].is_null(),
                "no Xero dimensions: {line}"
            );
            if entry["propertyId"] == "prop_0001" {
                assert_eq!(target["class"], "Lakeview", "{line}");
                assert_eq!(target["location"], "Omaha", "{line}");
                assert_eq!(target["customer"], "Lakeview Apartments - Residents", "{line}");
            } else {
                assert!(target["customer"].is_string(), "every property has a customer: {line}");
            }
        }
    }
    let xero = world.run(&["plan", "--format", "json", "--property", "prop_0001", "--target", "xero"]).await;
    let xero: Value = serde_json::from_slice(&xero.stdout).unwrap();
    let line = &xero["entries"][0]["lines"][0];
    assert_eq!(line["target"]["tracking"], serde_json::json!([{"name": "Property", "option": "Lakeview"}]));
    assert_eq!(line["target"]["contact"], "Lakeview Apartments - Residents");
    assert!(line["target"]["account"].is_string() && line["target"]["class"].is_null(), "{line}");

    // --property keeps one property; an unknown one is refused, naming the known ones.
    let one = world.run(&["plan", "--format", "csv", "--property", "prop_0002"]).await;
    let csv = text(&one.stdout);
    assert!(
        csv.starts_with("record,key,docNumber,propertyId,kind,date,postMonth,currency,account,debit,credit")
    );
    assert!(csv.lines().skip(1).all(|l| l.contains("prop_0002")), "{csv}");
    check_csv_shape(&csv, None);
    let with_target =
        world.run(&["plan", "--format", "csv", "--property", "prop_0001", "--target", "qbo"]).await;
    check_csv_shape(&text(&with_target.stdout), Some("qbo"));
    let unknown = world.run(&["plan", "--property", "prop_9999"]).await;
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        text(&unknown.stderr)
            .contains("unknown property prop_9999: the state file knows prop_0001, prop_0002")
    );

    // The table is for people: headers, every entry's document number, totals and the exceptions
    // summed up by kind.
    let table = text(&world.run(&["plan"]).await.stdout);
    assert!(table.starts_with("doc number "), "{table}");
    assert!(table.contains("EN-LV001-") && table.contains("Totals per account"));
    assert!(table.contains("exceptions need a person:") && table.contains("money waiting"));
    // With a target, each line shows its account there and each entry the dimensions.
    let qbo_table = text(&world.run(&["plan", "--target", "qbo", "--property", "prop_0001"]).await.stdout);
    assert!(qbo_table.lines().nth(1).unwrap_or_default().contains("qbo"), "{qbo_table}");
    assert!(
        qbo_table.contains(
            "  QuickBooks: class Lakeview · location Omaha · customer Lakeview Apartments - Residents"
        ),
        "{qbo_table}"
    );
    let receivables = qbo_table.lines().find(|l| l.trim_start().starts_with("receivables ")).unwrap();
    assert!(receivables.contains(" 1200 "), "the QuickBooks account of receivables: {receivables}");
    let xero_table = text(&world.run(&["plan", "--target", "xero", "--property", "prop_0001"]).await.stdout);
    assert!(
        xero_table.contains("  Xero: tracking Property=Lakeview · contact Lakeview Apartments - Residents"),
        "{xero_table}"
    );
}

/// The CSV's columns never change; an entry's sources are on its `entry` row only; with a target
/// its lines carry the account reference and dimensions there.
fn check_csv_shape(csv: &str, target: Option<&str>) {
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
    assert_eq!(
        header.join(","),
        "record,key,docNumber,propertyId,kind,date,postMonth,currency,account,debit,credit,description,target,\
         targetAccount,targetClass,targetLocation,targetCustomer,targetTracking,targetContact,sources,amount,message"
    );
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (mut entries, mut lines) = (0, 0);
    for record in reader.records() {
        let record = record.unwrap();
        match &record[0] {
            "entry" => {
                entries += 1;
                assert!(!record[column("sources")].is_empty(), "{record:?}");
                assert!(record[column("debit")].is_empty(), "{record:?}");
            }
            "line" => {
                lines += 1;
                assert!(record[column("sources")].is_empty(), "sources once per entry: {record:?}");
                assert_eq!(&record[column("target")], target.unwrap_or(""), "{record:?}");
                assert_eq!(record[column("targetAccount")].is_empty(), target.is_none(), "{record:?}");
                if target == Some("qbo") {
                    assert_eq!(&record[column("targetClass")], "Lakeview", "{record:?}");
                }
            }
            "exception" => assert!(!record[column("sources")].is_empty(), "{record:?}"),
            other => panic!("unknown record type {other}"),
        }
    }
    assert!(entries > 0 && lines >= 2 * entries, "{entries} entries, {lines} lines");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quarantined_items_are_planned_as_invalid_items() {
    let fixture =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/quarantine.json")).unwrap();
    let world = World::new(&fixture).await;
    // The fixture's own mapping needs: it uses the generator's property ids and codes.
    let pulled = world.run(&["pull"]).await;
    assert_eq!(pulled.status.code(), Some(1), "quarantined items need a person: {}", text(&pulled.stderr));
    let plan = world.run(&["plan", "--format", "json"]).await;
    let plan: Value =
        serde_json::from_slice(&plan.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&plan.stderr)));
    let invalid: Vec<&Value> =
        plan["exceptions"].as_array().unwrap().iter().filter(|x| x["kind"] == "invalid_item").collect();
    assert_eq!(invalid.len(), 5, "{invalid:#?}");
    for x in &invalid {
        let message = x["message"].as_str().unwrap();
        assert!(message.starts_with("quarantined by the pull: "), "{message}");
        assert!(x["amount"].is_null());
    }
    let messages: Vec<&str> = invalid.iter().map(|x| x["message"].as_str().unwrap()).collect();
    assert!(messages.iter().any(|m| m.contains("more than 2 decimal places")), "{messages:#?}");
    assert!(messages.iter().any(|m| m.contains("2026-02-30")), "{messages:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mappings_check_lists_unmapped_codes_with_money_and_strict_fails() {
    let world = World::new(&generated("properties=1,months=2,seed=3")).await;
    // Before a pull: the files alone are fine.
    let before = world.run(&["mappings", "check"]).await;
    assert_eq!(before.status.code(), Some(0), "{}", text(&before.stdout));
    assert!(
        text(&before.stdout).contains("The state file has no items yet")
            || text(&before.stdout).contains("OK")
    );

    assert!(world.run(&["pull"]).await.status.success());
    let check = world.run(&["mappings", "check"]).await;
    let out = text(&check.stdout);
    assert_eq!(check.status.code(), Some(1), "{out}");
    assert!(out.contains("MISC") && out.contains("USD"), "{out}");
    assert_eq!(world.run(&["mappings", "check", "--strict"]).await.status.code(), Some(2));

    // A broken file is exit 2 with file:line:col, whatever the state holds.
    let portfolio = world.dir.path().join("mappings/portfolio.toml");
    let text_before = std::fs::read_to_string(&portfolio).unwrap();
    std::fs::write(&portfolio, text_before.replace("group_by = \"day\"", "group_by = \"week\"")).unwrap();
    let broken = world.run(&["mappings", "check"]).await;
    assert_eq!(broken.status.code(), Some(2));
    let out = text(&broken.stdout);
    assert!(out.contains("portfolio.toml:") && out.contains("week"), "{out}");
    // And `plan` refuses to plan with it.
    let plan = world.run(&["plan"]).await;
    assert_eq!(plan.status.code(), Some(2));
    assert!(text(&plan.stderr).contains("portfolio.toml:"), "{}", text(&plan.stderr));
}

/// A property file named after no property Entrata knows (`prop_001.toml` for `prop_0001`): its
/// settings would silently apply to nothing. `mappings check --strict` refuses it and every `plan`
/// warns, both naming the file and the nearest property id. And one unmapped code across many
/// properties is counted once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_misnamed_property_file_is_named_with_the_nearest_property() {
    let world = World::new(&generated("properties=3,months=1,seed=3")).await;
    assert!(world.run(&["pull"]).await.status.success());
    let check = world.run(&["mappings", "check"]).await;
    let out = text(&check.stdout);
    assert!(out.contains("1 AR code (MISC) has no rule: "), "{out}");
    assert!(out.contains(" properties, ") && out.contains(" USD waiting; held, not posted:"), "{out}");

    let properties = world.dir.path().join("mappings/properties");
    std::fs::rename(properties.join("prop_0001.toml"), properties.join("prop_001.toml")).unwrap();
    let named = "prop_001.toml matches no property Entrata knows, so its settings apply to nothing; did you \
                 mean prop_0001 (rename it to prop_0001.toml)?";
    let strict = world.run(&["mappings", "check", "--strict"]).await;
    assert_eq!(strict.status.code(), Some(2));
    assert!(text(&strict.stdout).contains(named), "{}", text(&strict.stdout));
    let plan = world.run(&["plan", "--format", "json"]).await;
    assert_eq!(plan.status.code(), Some(1), "{}", text(&plan.stderr));
    assert!(text(&plan.stderr).contains(named), "plan must warn: {}", text(&plan.stderr));
    serde_json::from_slice::<Value>(&plan.stdout).expect("the plan itself is still JSON");
}
