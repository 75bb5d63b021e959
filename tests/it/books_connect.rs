//! Connections per book (issue 18): two books in one QuickBooks app, each connected to its own
//! company of one multi-company sandbox through the real binary; a company is one book's only;
//! `status` shows each book's connection; `disconnect --books` forgets one.

use entrata_recon_sandbox::generate::{GenerateSpec, generate};
use reqwest::Method;
use serde_json::{Value, json};

use crate::common::{Harness, json_dataset};
use crate::post_qbo::support::connect_with;

const SECOND_REALM: &str = "9130357766900999";

/// A generated month whose QuickBooks app reaches two companies with the same chart.
async fn two_companies() -> (Harness, String) {
    two_companies_with(|_| {}).await
}

/// `two_companies`, the second company changed by `edit`.
async fn two_companies_with(edit: impl FnOnce(&mut Value)) -> (Harness, String) {
    let spec: GenerateSpec = "properties=2,months=1,seed=5".parse().expect("spec");
    let mut dataset: Value = serde_json::from_slice(&generate(&spec)).expect("dataset JSON");
    let first = dataset["qbo"].clone();
    let mut second = first.clone();
    second["realmId"] = json!(SECOND_REALM);
    edit(&mut second);
    dataset["qbo"] = json!([first.clone(), second]);
    let h = Harness::start(json_dataset(dataset.to_string().as_bytes())).await;
    h.write_mappings();
    h.set_target("xero", "enabled", Some(false.into()));
    let config = std::fs::read_to_string(h.config_path()).expect("config");
    let books = "\n[books.owner-a]\nqbo = {}\n\n[books.owner-b]\nqbo = {}\n";
    std::fs::write(h.config_path(), config + books).expect("config written");
    (h, first["realmId"].as_str().expect("realmId").to_owned())
}

/// Routes every property to `default` (portfolio.toml) and prop_0002 to `second` (its own file,
/// whatever else it holds); the path of prop_0002's file and what it held before.
pub(crate) fn route(h: &Harness, default: &str, second: &str) -> (std::path::PathBuf, String) {
    let mappings = h.dir.path().join("mappings");
    let portfolio = std::fs::read_to_string(mappings.join("portfolio.toml")).expect("portfolio");
    std::fs::write(mappings.join("portfolio.toml"), format!("book = \"{default}\"\n{portfolio}"))
        .expect("written");
    let file = mappings.join("properties/prop_0002.toml");
    let own = std::fs::read_to_string(&file).unwrap_or_default();
    std::fs::write(&file, format!("book = \"{second}\"\n{own}")).expect("written");
    (file, own)
}

async fn choose(h: &Harness, realm: &str) {
    h.control(Method::POST, "/_sandbox/qbo/consent", Some(json!({"realmId": realm}).to_string())).await;
}

/// The generated month of `two_companies` and a posted rent charge of prop_0002 in it.
fn generated_rent_of_prop_0002() -> (Value, Value) {
    let spec: GenerateSpec = "properties=2,months=1,seed=5".parse().expect("spec");
    let dataset: Value = serde_json::from_slice(&generate(&spec)).expect("dataset JSON");
    let rent = dataset["charges"]
        .as_array()
        .expect("charges")
        .iter()
        .find(|c| c["propertyId"] == "prop_0002" && c["arCode"] == "RENT" && c["status"] == "posted")
        .cloned()
        .expect("a posted rent charge of prop_0002");
    (dataset, rent)
}

/// Pulls, then connects owner-a to the first company and owner-b to the second (the consent page
/// picking each).
async fn pull_and_connect_both(h: &Harness, first_realm: &str) {
    h.run(&["pull"]).await;
    choose(h, first_realm).await;
    assert_eq!(connect_with(h, true, &["--books", "owner-a"]).await.code, Some(0));
    choose(h, SECOND_REALM).await;
    assert_eq!(connect_with(h, true, &["--books", "owner-b"]).await.code, Some(0));
}

/// (book, company) of every connected target in `status --format json`.
async fn connections(h: &Harness) -> Vec<(String, String)> {
    let status = h.run(&["status", "--format", "json"]).await;
    let status: Value =
        serde_json::from_str(&status.stdout).unwrap_or_else(|e| panic!("{e}: {}", status.stderr));
    status["targets"]
        .as_array()
        .expect("targets")
        .iter()
        .filter(|t| t["connected"] == true)
        .map(|t| {
            (t["book"].as_str().expect("book").to_owned(), t["companyId"].as_str().expect("id").to_owned())
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_book_connects_its_own_company_and_no_company_is_two_books() {
    let (h, first_realm) = two_companies().await;
    h.run(&["pull"]).await;

    let which = h.run(&["connect", "qbo"]).await;
    assert_eq!(which.code, Some(2), "{}", which.all_output());
    assert!(
        which.stderr.contains(
            "several books post to QuickBooks Online: owner-a, owner-b; name one with `--books <name>`"
        ),
        "{}",
        which.stderr
    );

    choose(&h, &first_realm).await;
    let a = connect_with(&h, true, &["--books", "owner-a"]).await;
    assert_eq!(a.code, Some(0), "{}", a.all_output());
    assert!(a.stdout.contains("Connected for book owner-a to QuickBooks Online"), "{}", a.stdout);
    choose(&h, SECOND_REALM).await;
    let b = connect_with(&h, true, &["--books", "owner-b"]).await;
    assert_eq!(b.code, Some(0), "{}", b.all_output());
    let both =
        vec![("owner-a".to_owned(), first_realm.clone()), ("owner-b".to_owned(), SECOND_REALM.to_owned())];
    assert_eq!(connections(&h).await, both);
    let text = h.run(&["status"]).await.stdout;
    assert!(text.contains("QuickBooks (owner-a)") && text.contains("QuickBooks (owner-b)"), "{text}");

    // owner-a's company for owner-b: refused, and owner-b keeps its own.
    choose(&h, &first_realm).await;
    let twice = connect_with(&h, true, &["--books", "owner-b"]).await;
    assert_eq!(twice.code, Some(2), "{}", twice.all_output());
    assert!(
        twice.all_output().contains(&format!(
            "QuickBooks Online company {first_realm} is already book `owner-a`'s: a company can be one book only"
        )),
        "{}",
        twice.all_output()
    );
    assert_eq!(connections(&h).await, both);

    let unknown = h.run(&["connect", "qbo", "--books", "owner-c"]).await;
    assert_eq!(unknown.code, Some(2), "{}", unknown.all_output());
    assert!(
        unknown.stderr.contains("recon.toml names no book `owner-c` (it names owner-a, owner-b)"),
        "{}",
        unknown.stderr
    );

    let gone = h.run(&["disconnect", "qbo", "--books", "owner-a"]).await;
    assert_eq!(gone.code, Some(0), "{}", gone.all_output());
    assert_eq!(connections(&h).await, vec![("owner-b".to_owned(), SECOND_REALM.to_owned())]);
    let post = h.run(&["post"]).await;
    assert_eq!(post.code, Some(2), "posting several books is refused: {}", post.all_output());
}

/// What each company holds: its journal entries by document number (each once), in the order of
/// `/_sandbox/state`'s `companies`.
async fn companies(h: &Harness) -> Vec<std::collections::BTreeMap<String, Value>> {
    let books = crate::post_qbo::support::books(h).await;
    books["companies"].as_array().expect("companies").iter().map(crate::post_qbo::support::entries).collect()
}

/// Sum of the debit lines of `entries`, exact.
fn debits<'a>(entries: impl Iterator<Item = &'a Value>) -> rust_decimal::Decimal {
    entries
        .flat_map(|e| e["Line"].as_array().expect("lines").iter())
        .filter(|l| l["JournalEntryLineDetail"]["PostingType"] == "Debit")
        .map(|l| crate::post_qbo::support::decimal(&l["Amount"]))
        .sum()
}

/// Each property's entries go to its owner's company, and nowhere else; a property moved to the
/// other book keeps what is posted where it is (nothing posted twice) and its adjustment goes
/// where the entry it corrects is.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_company_holds_exactly_its_books_properties() {
    let (h, first_realm) = two_companies().await;
    let (second, own) = route(&h, "owner-a", "owner-b");
    pull_and_connect_both(&h, &first_realm).await;

    let plan = h.run(&["plan", "--format", "json"]).await;
    let plan: Value = serde_json::from_str(&plan.stdout).expect("plan JSON");
    let planned = |book: &str| -> std::collections::BTreeMap<String, rust_decimal::Decimal> {
        plan["entries"]
            .as_array()
            .expect("entries")
            .iter()
            .filter(|e| e["book"] == book)
            .map(|e| {
                let debit = e["lines"]
                    .as_array()
                    .expect("lines")
                    .iter()
                    .map(|l| crate::post_qbo::support::decimal(&l["debit"]))
                    .sum();
                (e["docNumber"].as_str().expect("docNumber").to_owned(), debit)
            })
            .collect()
    };
    let (a, b) = (planned("owner-a"), planned("owner-b"));
    assert!(!a.is_empty() && !b.is_empty());

    let posted = h.run(&["post"]).await;
    assert!(matches!(posted.code, Some(0 | 1)), "{}", posted.all_output());
    assert!(
        posted.stdout.contains("QuickBooks Online (owner-a)")
            && posted.stdout.contains("QuickBooks Online (owner-b)"),
        "{}",
        posted.stdout
    );
    let held = companies(&h).await;
    assert_eq!(held[0].keys().collect::<Vec<_>>(), a.keys().collect::<Vec<_>>(), "owner-a's company");
    assert_eq!(held[1].keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>(), "owner-b's company");
    assert_eq!(debits(held[0].values()), a.values().copied().sum::<rust_decimal::Decimal>());
    assert_eq!(debits(held[1].values()), b.values().copied().sum::<rust_decimal::Decimal>());
    // `status` counts each book's own share: nothing is left to send to either company.
    let status = h.run(&["status", "--format", "json"]).await;
    let status: Value = serde_json::from_str(&status.stdout).expect("status JSON");
    for book in status["targets"].as_array().expect("targets") {
        assert_eq!(book["postings"]["notSent"], 0, "{book}");
        assert!(book["postings"]["confirmed"].as_u64().expect("confirmed") > 0, "{book}");
    }
    let narrowed = h.run(&["status", "--format", "json", "--books", "owner-b"]).await;
    let narrowed: Value = serde_json::from_str(&narrowed.stdout).expect("status JSON");
    let books: Vec<&Value> =
        narrowed["targets"].as_array().expect("targets").iter().map(|t| &t["book"]).collect();
    assert_eq!(books, [&json!("owner-b")], "status --books owner-b");

    // prop_0002 moves to owner-a: nothing posted moves or is posted again.
    std::fs::write(&second, own.clone()).expect("written");
    let again = h.run(&["post"]).await;
    assert!(matches!(again.code, Some(0 | 1)), "{}", again.all_output());
    let moved = format!(
        "prop_0002 posts to book owner-a now: its {} entries posted to company {SECOND_REALM} stay there",
        b.len()
    );
    assert!(again.stdout.contains(&moved), "the screen says so: {}", again.stdout);
    let after = companies(&h).await;
    assert_eq!(after[0].keys().collect::<Vec<_>>(), a.keys().collect::<Vec<_>>(), "{}", again.stdout);
    assert_eq!(after[1].keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());

    // A charge of prop_0002 posted to owner-b's company changes after the move: its adjustment
    // goes where the entry it corrects is, by exactly the difference, and nothing to owner-a.
    let (dataset, mut charge) = generated_rent_of_prop_0002();
    let was = crate::post_qbo::support::decimal(&charge["amount"]);
    charge["amount"] = Value::String((was + rust_decimal::Decimal::from(10)).to_string());
    h.upsert("charges", &charge.to_string()).await;
    assert!(matches!(h.run(&["pull"]).await.code, Some(0 | 1)));
    let adjusted = h.run(&["post"]).await;
    assert!(matches!(adjusted.code, Some(0 | 1)), "{}", adjusted.all_output());
    let last = companies(&h).await;
    assert_eq!(last[0].keys().collect::<Vec<_>>(), a.keys().collect::<Vec<_>>(), "owner-a is given nothing");
    let new: Vec<&Value> = last[1].iter().filter(|(doc, _)| !b.contains_key(*doc)).map(|(_, e)| e).collect();
    assert_eq!(new.len(), 1, "one adjustment in owner-b's company: {}", adjusted.stdout);
    assert_eq!(debits(new.into_iter()), rust_decimal::Decimal::from(10), "by exactly the difference");

    // A new charge of prop_0002 after the move is owner-a's, on a day nothing was posted for.
    let charges = dataset["charges"].as_array().expect("charges");
    let taken: std::collections::BTreeSet<&str> = charges
        .iter()
        .filter(|c| c["propertyId"] == "prop_0002")
        .filter_map(|c| c["postDate"].as_str())
        .collect();
    let month = charge["postMonth"].as_str().expect("postMonth").to_owned();
    let day =
        (10..28).map(|d| format!("{month}-{d}")).find(|d| !taken.contains(d.as_str())).expect("a free day");
    let mut fresh = charge.clone();
    fresh["chargeId"] = json!("chg_after_the_move");
    fresh["amount"] = json!("77.00");
    fresh["arCode"] = json!("LATE");
    for field in ["postDate", "transactionDate"] {
        fresh[field] = json!(day);
    }
    fresh["scheduledChargeId"] = Value::Null;
    h.upsert("charges", &fresh.to_string()).await;
    assert!(matches!(h.run(&["pull"]).await.code, Some(0 | 1)));
    let fresh_post = h.run(&["post"]).await;
    assert!(matches!(fresh_post.code, Some(0 | 1)), "{}", fresh_post.all_output());
    let moved_in = companies(&h).await;
    let in_a: Vec<&Value> =
        moved_in[0].iter().filter(|(doc, _)| !a.contains_key(*doc)).map(|(_, e)| e).collect();
    assert_eq!(in_a.len(), 1, "the new entry is owner-a's: {}", fresh_post.stdout);
    assert_eq!(debits(in_a.into_iter()), rust_decimal::Decimal::from(77));

    // `drift` reads back both companies and ties each out apart: what prop_0002 posted before the
    // move in owner-b's company, its new entry in owner-a's. Nothing is drift.
    let report = drift_json(&h, &[]).await;
    assert_eq!(report["driftFound"], false, "{report:#}");
    let read: Vec<(&str, &str)> = report["targets"]
        .as_array()
        .expect("targets")
        .iter()
        .map(|t| (t["book"].as_str().expect("book"), t["companyId"].as_str().expect("companyId")))
        .collect();
    assert_eq!(read, [("owner-a", first_realm.as_str()), ("owner-b", SECOND_REALM)]);
    let rows = report["tieOuts"].as_array().expect("tieOuts");
    let posted_in = |book: &str, property: &str| -> rust_decimal::Decimal {
        rows.iter()
            .filter(|r| r["book"] == book && r["propertyId"] == property)
            .map(|r| crate::post_qbo::support::decimal(&r["posted"]).abs())
            .sum()
    };
    assert!(posted_in("owner-a", "prop_0001") > rust_decimal::Decimal::ZERO);
    assert!(posted_in("owner-b", "prop_0002") > rust_decimal::Decimal::ZERO);
    assert_eq!(posted_in("owner-a", "prop_0002"), rust_decimal::Decimal::from(2 * 77), "debit and credit");
    assert_eq!(posted_in("owner-b", "prop_0001"), rust_decimal::Decimal::ZERO);
    assert!(rows.iter().all(|r| r["tiesOut"] == true), "{report:#}");

    // Someone deletes one of owner-b's entries: drift in owner-b's company, none in owner-a's.
    let (doc, gone) = last[1].iter().next().expect("an entry of owner-b");
    let id = gone["Id"].as_str().expect("Id");
    h.control(Method::DELETE, &format!("/_sandbox/qbo/journalentry/{id}?realmId={SECOND_REALM}"), None).await;
    let report = drift_json(&h, &[]).await;
    let target_findings: Vec<(&str, &str, &str)> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["category"] == "target")
        .map(|f| {
            (
                f["kind"].as_str().unwrap_or(""),
                f["book"].as_str().unwrap_or(""),
                f["docNumber"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(target_findings, [("deleted_in_target", "owner-b", doc.as_str())], "{report:#}");
    // `--books owner-a` reads and compares owner-a's company only: nothing of owner-b's.
    let narrowed = drift_json(&h, &["--books", "owner-a"]).await;
    assert_eq!(narrowed["driftFound"], false, "{narrowed:#}");
    assert_eq!(narrowed["targets"].as_array().map(Vec::len), Some(1));
    assert!(narrowed["tieOuts"].as_array().expect("rows").iter().all(|r| r["book"] == "owner-a"));
}

/// `drift --format json` with `args`, exiting 0 or 1.
async fn drift_json(h: &Harness, args: &[&str]) -> Value {
    let mut all = vec!["drift", "--format", "json"];
    all.extend_from_slice(args);
    let run = h.run(&all).await;
    assert!(matches!(run.code, Some(0 | 1)), "{}", run.all_output());
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout))
}

/// One Xero consent reaching two organisations serves two books, each posting its properties to
/// its own organisation.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_xero_organisations_are_two_books() {
    let spec: GenerateSpec = "properties=2,months=1,seed=5".parse().expect("spec");
    let mut dataset: Value = serde_json::from_slice(&generate(&spec)).expect("dataset JSON");
    let first = dataset["xero"].clone();
    let mut second = first.clone();
    second["tenantId"] = json!("0b7e4e9c-2f6e-4c57-9d43-5d0c7c1f2a11");
    second["tenantName"] = json!("Harbor Fund II");
    dataset["xero"] = json!([first.clone(), second]);
    let h = Harness::start(json_dataset(dataset.to_string().as_bytes())).await;
    h.write_mappings();
    let tenant = first["tenantId"].as_str().expect("tenantId");
    let config = std::fs::read_to_string(h.config_path()).expect("config");
    let books = format!(
        "\n[books.owner-a]\nxero = {{ tenant_id = \"{tenant}\" }}\n\n[books.owner-b]\nxero = {{ tenant_id = \"Harbor Fund II\" }}\n"
    );
    std::fs::write(h.config_path(), config + &books).expect("config written");
    route(&h, "owner-a", "owner-b");
    h.run(&["pull"]).await;
    for book in ["owner-a", "owner-b"] {
        let connected = crate::post_qbo::support::connect_target(&h, "xero", true, &["--books", book]).await;
        assert_eq!(connected.code, Some(0), "{book}: {}", connected.all_output());
    }
    let unknown = h.run(&["post", "--books", "owner-z"]).await;
    assert_eq!(unknown.code, Some(2), "{}", unknown.all_output());
    assert!(unknown.stderr.contains("recon.toml names no book `owner-z` (it names owner-a, owner-b)"));
    // `--books` narrows: owner-b's organisation first, owner-a's given nothing yet.
    let narrowed = h.run(&["post", "--books", "owner-b"]).await;
    assert!(matches!(narrowed.code, Some(0 | 1)), "{}", narrowed.all_output());
    assert!(!narrowed.stdout.contains("Xero (owner-a)"), "{}", narrowed.stdout);
    let state = h.control(Method::GET, "/_sandbox/state?items=false", None).await;
    let first_org = state["xero"]["organisations"][0].to_string();
    assert!(!first_org.contains("[entrata-recon prop_"), "owner-a's organisation holds nothing yet");
    assert!(state["xero"]["organisations"][1].to_string().contains("[entrata-recon prop_0002/"));
    // QuickBooks is still enabled and no book posts to it: said, and the Xero books post.
    let posted = h.run(&["post"]).await;
    assert_eq!(posted.code, Some(2), "{}", posted.all_output());
    assert!(posted.stdout.contains("STOPPED: no book posts to qbo: add `qbo = {}` to a [books.<name>]"));
    assert!(posted.stdout.contains("Xero (owner-a)"), "{}", posted.stdout);

    let plan = h.run(&["plan", "--format", "json"]).await;
    let plan: Value = serde_json::from_str(&plan.stdout).expect("plan JSON");
    let state = h.control(Method::GET, "/_sandbox/state?items=false", None).await;
    let organisations = state["xero"]["organisations"].as_array().expect("organisations");
    for (book, organisation) in ["owner-a", "owner-b"].iter().zip(organisations) {
        let planned: std::collections::BTreeSet<&str> = plan["entries"]
            .as_array()
            .expect("entries")
            .iter()
            .filter(|e| e["book"] == *book)
            .map(|e| e["key"].as_str().expect("key"))
            .collect();
        let text = organisation.to_string();
        assert!(!planned.is_empty());
        for key in &planned {
            assert!(
                text.contains(&format!("[entrata-recon {key}]")),
                "{book}: {key} is not in its organisation"
            );
        }
        let other = if *book == "owner-a" { "prop_0002/" } else { "prop_0001/" };
        assert!(
            !text.contains(&format!("[entrata-recon {other}")),
            "{book}'s organisation holds another book's entry"
        );
    }
}

/// `mappings check --target qbo` asks each book's company about the names its own properties'
/// mappings use: owner-b's company lacks an account only its book's prop_0002 posts to there;
/// owner-a's has every account.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_company_is_checked_for_its_own_books_mappings() {
    let missing = std::cell::Cell::new(String::new());
    let (h, first_realm) = two_companies_with(|second| {
        let accounts = second["accounts"].as_array_mut().expect("accounts");
        let at = accounts.iter().position(|a| a["AcctNum"] == "4000").expect("account 4000");
        missing.set(accounts.remove(at)["AcctNum"].as_str().expect("AcctNum").to_owned());
    })
    .await;
    route(&h, "owner-a", "owner-b");
    pull_and_connect_both(&h, &first_realm).await;
    let checked = h.run(&["mappings", "check", "--target", "qbo"]).await;
    assert_eq!(checked.code, Some(1), "{}", checked.all_output());
    let out = &checked.stdout;
    let (a, b) = out.split_once("QuickBooks Online (owner-b)").expect("owner-b's company is checked");
    let a = a.split_once("QuickBooks Online (owner-a)").expect("owner-a's company is checked").1;
    let lacks = format!("QuickBooks has no account numbered {}", missing.take());
    assert!(!a.contains("no account numbered"), "owner-a's company has every account: {out}");
    assert!(b.starts_with(": 1 problem in the company:") && b.contains(&lacks), "{out}");
    // `--books` asks one book's company only.
    let one = h.run(&["mappings", "check", "--target", "qbo", "--books", "owner-a"]).await;
    assert!(one.stdout.contains("QuickBooks Online (owner-a)"), "{}", one.stdout);
    assert!(!one.stdout.contains("QuickBooks Online (owner-b)"), "{}", one.stdout);
}

/// One book's company refusing every call (its grant withdrawn at Intuit: 403) stops that book
/// only: the other company is given all of its entries, the screen says which book stopped, and
/// once the company answers again it is given its own, nothing twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_book_failing_never_stops_another() {
    let (h, first_realm) = two_companies().await;
    route(&h, "owner-a", "owner-b");
    pull_and_connect_both(&h, &first_realm).await;
    let plan = h.run(&["plan", "--format", "json"]).await;
    let plan: Value = serde_json::from_str(&plan.stdout).expect("plan JSON");
    let planned = |book: &str| -> Vec<String> {
        let mut docs: Vec<String> = plan["entries"]
            .as_array()
            .expect("entries")
            .iter()
            .filter(|e| e["book"] == book)
            .map(|e| e["docNumber"].as_str().expect("docNumber").to_owned())
            .collect();
        docs.sort();
        docs
    };

    let refused = format!(
        r#"[{{"service": "qbo", "path": "/qbo/v3/company/{first_realm}/**", "action": {{"status": 403}}}}]"#
    );
    h.set_faults(&refused).await;
    let posted = h.run(&["post"]).await;
    assert!(matches!(posted.code, Some(1 | 2)), "{}", posted.all_output());
    let held = companies(&h).await;
    assert!(held[0].is_empty(), "owner-a's company refused everything");
    assert_eq!(held[1].keys().cloned().collect::<Vec<_>>(), planned("owner-b"), "{}", posted.stdout);
    // The screen says which book stopped, and why; the other posted.
    let (a, b) = posted.stdout.split_once("QuickBooks Online (owner-b)").expect("owner-b's line");
    assert!(a.contains("QuickBooks Online (owner-a)") && a.contains("STOPPED: QuickBooks refused"), "{a}");
    assert!(!b.contains("STOPPED"), "{}", posted.stdout);

    h.control(Method::DELETE, "/_sandbox/faults", None).await;
    let again = h.run(&["post"]).await;
    assert!(matches!(again.code, Some(0 | 1)), "{}", again.all_output());
    let after = companies(&h).await;
    assert_eq!(after[0].keys().cloned().collect::<Vec<_>>(), planned("owner-a"), "{}", again.stdout);
    assert_eq!(after[1].keys().cloned().collect::<Vec<_>>(), planned("owner-b"), "nothing twice");
}

/// A book whose company keeps another chart: owner-b's company numbers rental income 4005, and
/// `mappings/books/owner-b.toml` says so for its book alone. Each company is checked clean against
/// its own book's mappings, each posts on its own chart, and `drift` ties both out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_book_layer_posts_on_its_own_companys_chart() {
    let (h, first_realm) = two_companies_with(|second| {
        let accounts = second["accounts"].as_array_mut().expect("accounts");
        let rental = accounts.iter_mut().find(|a| a["AcctNum"] == "4000").expect("account 4000");
        rental["AcctNum"] = json!("4005");
    })
    .await;
    route(&h, "owner-a", "owner-b");
    let books = h.dir.path().join("mappings/books");
    std::fs::create_dir_all(&books).expect("folder");
    std::fs::write(books.join("owner-b.toml"), "[accounts]\nrental_income = { qbo = \"4005\" }\n")
        .expect("written");
    pull_and_connect_both(&h, &first_realm).await;
    let checked = h.run(&["mappings", "check", "--target", "qbo"]).await;
    assert!(!checked.stdout.contains("no account numbered"), "{}", checked.stdout);

    let posted = h.run(&["post"]).await;
    assert!(matches!(posted.code, Some(0 | 1)), "{}", posted.all_output());
    // The account numbers each company's entries credit rental income to.
    let state = crate::post_qbo::support::books(&h).await;
    let numbers_used = |company: &Value| -> std::collections::BTreeSet<String> {
        let numbers: std::collections::BTreeMap<&str, &str> = company["accounts"]
            .as_array()
            .expect("accounts")
            .iter()
            .map(|a| (a["Id"].as_str().unwrap_or(""), a["AcctNum"].as_str().unwrap_or("")))
            .collect();
        company["journalEntries"]
            .as_array()
            .expect("entries")
            .iter()
            .flat_map(|e| e["Line"].as_array().expect("lines").iter())
            .filter_map(|l| l["JournalEntryLineDetail"]["AccountRef"]["value"].as_str())
            .filter_map(|id| numbers.get(id).map(|n| (*n).to_owned()))
            .collect()
    };
    let companies = state["companies"].as_array().expect("companies");
    let (a, b) = (numbers_used(&companies[0]), numbers_used(&companies[1]));
    assert!(a.contains("4000") && !a.contains("4005"), "owner-a's chart: {a:?}");
    assert!(b.contains("4005") && !b.contains("4000"), "owner-b's chart, through its book layer: {b:?}");
    let report = drift_json(&h, &[]).await;
    assert_eq!(report["driftFound"], false, "{report:#}");
    let rows = report["tieOuts"].as_array().expect("rows");
    assert!(rows.iter().any(|r| r["book"] == "owner-b" && r["account"] == "4005"), "{report:#}");

    // prop_0002 moves to owner-a, whose chart has no 4005: what owner-b's company holds was booked
    // on owner-b's chart, and `drift` compares it so (no entry is taken for edited there).
    let file = h.dir.path().join("mappings/properties/prop_0002.toml");
    let text = std::fs::read_to_string(&file).expect("prop_0002.toml");
    std::fs::write(&file, text.replacen("book = \"owner-b\"", "book = \"owner-a\"", 1)).expect("written");
    let moved = drift_json(&h, &[]).await;
    assert_eq!(moved["driftFound"], false, "{moved:#}");
    let rows = moved["tieOuts"].as_array().expect("rows");
    assert!(rows.iter().any(|r| r["book"] == "owner-b" && r["account"] == "4005"), "{moved:#}");

    // Its rent changes after the move: the adjustment goes to owner-b's company, where the entry
    // it corrects is, and is booked there on owner-b's chart (4005; that company has no 4000).
    let (_, mut rent) = generated_rent_of_prop_0002();
    rent["amount"] = Value::String(
        (crate::post_qbo::support::decimal(&rent["amount"]) + rust_decimal::Decimal::from(10)).to_string(),
    );
    h.upsert("charges", &rent.to_string()).await;
    assert!(matches!(h.run(&["pull"]).await.code, Some(0 | 1)));
    let adjusted = h.run(&["post"]).await;
    assert!(matches!(adjusted.code, Some(0 | 1)), "{}", adjusted.all_output());
    assert!(!adjusted.stdout.contains("unknown_account"), "{}", adjusted.stdout);
    let after = crate::post_qbo::support::books(&h).await;
    let companies = after["companies"].as_array().expect("companies");
    assert_eq!(numbers_used(&companies[0]), a, "owner-a is given nothing");
    assert_eq!(
        numbers_used(&companies[1]),
        b,
        "owner-b's adjustment is on its own chart: {}",
        adjusted.stdout
    );
    let entries_b = companies[1]["journalEntries"].as_array().expect("entries").len();
    assert_eq!(entries_b, state["companies"][1]["journalEntries"].as_array().expect("entries").len() + 1);
    let report = drift_json(&h, &[]).await;
    assert_eq!(report["driftFound"], false, "{report:#}");
}

/// owner-b is the only book posting to Xero, and owner-a has no Xero organisation: owner-b's
/// organisation is given owner-b's properties only, never owner-a's (one book posting to a target
/// is not every property's book).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_targets_only_book_is_given_only_its_own_properties() {
    let (h, first_realm) = two_companies().await;
    let config = std::fs::read_to_string(h.config_path()).expect("config");
    let config = config.replacen("[books.owner-b]\nqbo = {}\n", "[books.owner-b]\nqbo = {}\nxero = {}\n", 1);
    std::fs::write(h.config_path(), config).expect("config written");
    h.set_target("xero", "enabled", Some(true.into()));
    route(&h, "owner-a", "owner-b");
    pull_and_connect_both(&h, &first_realm).await;
    let xero = crate::post_qbo::support::connect_target(&h, "xero", true, &["--books", "owner-b"]).await;
    assert_eq!(xero.code, Some(0), "{}", xero.all_output());
    let posted = h.run(&["post"]).await;
    assert!(matches!(posted.code, Some(0 | 1)), "{}", posted.all_output());
    assert!(posted.stdout.contains("Xero (owner-b)"), "{}", posted.stdout);
    // Said, since a forgotten `xero = {}` would look the same.
    let said = "Xero: book owner-a names no company there ([books.owner-a] has no `xero = { ... }`): \
                its properties (prop_0001) are posted to none";
    assert!(posted.stdout.contains(said), "{}", posted.stdout);
    let state = h.control(Method::GET, "/_sandbox/state?items=false", None).await;
    let organisation = state["xero"]["organisations"][0].to_string();
    assert!(organisation.contains("[entrata-recon prop_0002/"), "owner-b's entries are there");
    assert!(!organisation.contains("[entrata-recon prop_0001/"), "owner-a has no Xero organisation");
    // The drift report agrees: nothing of prop_0001 is waiting for Xero.
    let report = drift_json(&h, &["--target", "xero"]).await;
    assert_eq!(report["driftFound"], false, "{report:#}");
    let pending_a = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .any(|f| f["propertyId"] == "prop_0001" && f["category"] == "posting");
    assert!(!pending_a, "{report:#}");
}
