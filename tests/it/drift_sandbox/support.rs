//! A world for drift tests: a sandbox serving a dataset, the example mappings, the targets asked
//! for (QuickBooks connected through the OAuth redirect by the real binary, Xero as a custom
//! connection), one pull and one `post` by the real binary; then `drift` run as the binary and
//! its JSON read; and the sandbox's control endpoints to change things behind the connector's back.
#![allow(dead_code)]

use std::collections::BTreeMap;

use reqwest::Method;
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::common::{Harness, Run, fixture};

pub const PROPERTY: &str = "prop_21a91f0";

/// Which targets a world posts to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Targets {
    Qbo,
    Xero,
    Both,
}

impl Targets {
    pub fn qbo(self) -> bool {
        matches!(self, Targets::Qbo | Targets::Both)
    }
    pub fn xero(self) -> bool {
        matches!(self, Targets::Xero | Targets::Both)
    }
}

/// `fixtures/one-of-each.json` with MISC mapped (so that nothing is held), posted to `targets`.
pub async fn posted_world(targets: Targets) -> Harness {
    let h = Harness::start(fixture("one-of-each.json")).await;
    prepare(&h, targets, true).await;
    h
}

/// Mappings, targets, connection, pull and post for a started sandbox. `map_misc` adds a rule for
/// the fixture's deliberately unmapped code.
pub async fn prepare(h: &Harness, targets: Targets, map_misc: bool) {
    h.write_mappings();
    if map_misc {
        let portfolio = h.dir.path().join("mappings/portfolio.toml");
        let mut text = std::fs::read_to_string(&portfolio).expect("portfolio");
        text.push_str("\n[codes.MISC]\naccount = \"fee_income\"\n");
        std::fs::write(&portfolio, text).expect("portfolio written");
    }
    h.set_target("qbo", "enabled", Some(targets.qbo().into()));
    h.set_target("xero", "enabled", Some(targets.xero().into()));
    h.set_target("xero", "auth", Some("client_credentials".into()));
    let pull = h.run(&["pull"]).await;
    assert!(matches!(pull.code, Some(0 | 1)), "{pull:?}");
    if targets.qbo() {
        let connected = super::qbo::connect(h, false).await;
        assert_eq!(connected.code, Some(0), "{connected:?}");
    }
    let post = h.run(&["post"]).await;
    assert!(matches!(post.code, Some(0 | 1)), "{post:?}");
    assert!(!post.stdout.contains("refused"), "{}", post.stdout);
}

/// `drift --format json ARGS`: the exit code and the report.
pub async fn drift(h: &Harness, args: &[&str]) -> (Option<i32>, Value) {
    let mut all = vec!["drift", "--format", "json"];
    all.extend_from_slice(args);
    let run = h.run(&all).await;
    let report = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("drift JSON: {e}\nstdout:\n{}\nstderr:\n{}", run.stdout, run.stderr));
    (run.code, report)
}

pub async fn drift_run(h: &Harness, args: &[&str]) -> Run {
    let mut all = vec!["drift"];
    all.extend_from_slice(args);
    h.run(&all).await
}

pub fn money(text: &str) -> Decimal {
    text.parse().unwrap_or_else(|_| panic!("not money: {text}"))
}

/// A JSON money field (`"12.34"` or null) as a decimal.
pub fn amount(value: &Value) -> Option<Decimal> {
    value.as_str().map(money)
}

/// The findings as `(kind, docNumber or first source id, target)`, sorted.
pub fn kinds(report: &Value) -> Vec<(String, String, String)> {
    let mut out: Vec<(String, String, String)> = findings(report)
        .iter()
        .map(|f| {
            let what = f["docNumber"]
                .as_str()
                .map(str::to_owned)
                .or_else(|| f["sourceIds"][0].as_str().map(str::to_owned))
                .unwrap_or_default();
            (s(&f["kind"]), what, f["target"].as_str().unwrap_or("").to_owned())
        })
        .collect();
    out.sort();
    out
}

pub fn findings(report: &Value) -> Vec<Value> {
    report["findings"].as_array().expect("findings").clone()
}

fn s(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_owned()
}

/// The one finding of `kind` about `what` (document number or source id).
pub fn finding<'a>(report: &'a Value, kind: &str, what: &str) -> &'a Value {
    let matching: Vec<&Value> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| {
            f["kind"] == kind
                && (f["docNumber"] == what
                    || f["sourceIds"].as_array().is_some_and(|ids| ids.iter().any(|i| i == what)))
        })
        .collect();
    assert_eq!(matching.len(), 1, "one {kind} about {what} in {report:#}");
    matching[0]
}

/// `(entrata, recorded, books, difference)` of a finding.
pub fn sides(f: &Value) -> (Option<Decimal>, Option<Decimal>, Option<Decimal>, Decimal) {
    (
        amount(&f["entrata"]),
        amount(&f["recorded"]),
        amount(&f["books"]),
        money(f["difference"].as_str().expect("difference")),
    )
}

/// Tie-out rows that do not tie out: `(target, account, entrataVsPosted, booksVsPosted)`.
pub fn untied(report: &Value) -> Vec<(String, String, Decimal, Decimal)> {
    report["tieOuts"]
        .as_array()
        .expect("tieOuts")
        .iter()
        .filter(|t| t["tiesOut"] == false)
        .map(|t| {
            (
                s(&t["target"]),
                s(&t["account"]),
                money(t["entrataVsPosted"].as_str().expect("entrataVsPosted")),
                money(t["booksVsPosted"].as_str().expect("booksVsPosted")),
            )
        })
        .collect()
}

// ---- behind the connector's back ----

/// What the sandbox holds now (`/_sandbox/state`).
pub async fn state(h: &Harness) -> Value {
    h.control(Method::GET, "/_sandbox/state", None).await
}

/// An Entrata item as served, by kind (`charges`) and id.
pub async fn item(h: &Harness, kind: &str, id: &str) -> Value {
    let state = state(h).await;
    let id_field = match kind {
        "charges" => "chargeId",
        "payments" => "paymentId",
        "deposits" => "depositId",
        other => panic!("no id field for {other}"),
    };
    state["entrata"]["data"][kind][PROPERTY]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i[id_field] == id)
        .unwrap_or_else(|| panic!("{kind} {id} not served"))
        .clone()
}

/// Edits an Entrata item: `change` applied to it as served, then upserted.
pub async fn edit_item(h: &Harness, kind: &str, id: &str, change: impl FnOnce(&mut Value)) {
    let mut value = item(h, kind, id).await;
    change(&mut value);
    h.upsert(kind, &value.to_string()).await;
}

/// QuickBooks' journal entries by document number.
pub async fn qbo_entries(h: &Harness) -> BTreeMap<String, Value> {
    let state = state(h).await;
    state["qbo"]["journalEntries"]
        .as_array()
        .expect("journalEntries")
        .iter()
        .map(|e| (s(&e["DocNumber"]), e.clone()))
        .collect()
}

/// Xero's manual journals and bank transactions by document number, with their ids and kind
/// (`manualjournals` or `banktransactions`).
pub async fn xero_documents(h: &Harness) -> BTreeMap<String, (String, &'static str, Value)> {
    let state = state(h).await;
    let mut out = BTreeMap::new();
    for j in state["xero"]["manualJournals"].as_array().expect("manualJournals") {
        let narration = j["Narration"].as_str().expect("Narration");
        let doc = narration.split_once(':').map(|(d, _)| d.to_owned()).expect("a document number");
        out.insert(doc, (s(&j["ManualJournalID"]), "manualjournals", j.clone()));
    }
    for t in state["xero"]["bankTransactions"].as_array().expect("bankTransactions") {
        out.insert(s(&t["Reference"]), (s(&t["BankTransactionID"]), "banktransactions", t.clone()));
    }
    out
}

/// A QuickBooks entry's lines with every amount replaced by `amount` (a balanced two-line entry
/// stays balanced), sent as an edit behind the connector's back.
pub async fn qbo_set_amounts(h: &Harness, id: &str, entry: &Value, amount: &str) {
    let lines: Vec<String> = entry["Line"]
        .as_array()
        .expect("Line")
        .iter()
        .map(|line| {
            let detail = &line["JournalEntryLineDetail"];
            let mut out = json!({
                "DetailType": "JournalEntryLineDetail",
                "JournalEntryLineDetail": {
                    "PostingType": detail["PostingType"],
                    "AccountRef": {"value": detail["AccountRef"]["value"]},
                },
            });
            if detail.get("Entity").is_some() {
                out["JournalEntryLineDetail"]["Entity"] =
                    json!({"Type": detail["Entity"]["Type"], "EntityRef": {"value": detail["Entity"]["EntityRef"]["value"]}});
            }
            // Money goes in as written, never through a float.
            out.to_string().replacen('{', &format!("{{\"Amount\":{amount},"), 1)
        })
        .collect();
    let body = format!("{{\"Line\":[{}]}}", lines.join(","));
    h.control(Method::POST, &format!("/_sandbox/qbo/journalentry/{id}"), Some(body)).await;
}
