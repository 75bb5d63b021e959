//! `status` says what needs a person: the exceptions `plan` finds (quarantined items included), by
//! kind with the money waiting, in text and JSON, and exits 1 when there are any, as `plan` does.

use crate::common;

use std::collections::BTreeMap;

use common::{Harness, fixture, generated};
use entrata_recon::mapping::examples::write_example_mappings;
use serde_json::Value;

async fn with_mappings(options: entrata_recon_sandbox::SandboxOptions) -> Harness {
    let h = Harness::start(options).await;
    write_example_mappings(&h.dir.path().join("mappings")).expect("mappings written");
    h
}

fn json(run: &common::Run) -> Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {run:?}"))
}

fn plan_kinds(plan: &Value) -> BTreeMap<String, u64> {
    let mut kinds = BTreeMap::new();
    for x in plan["exceptions"].as_array().expect("exceptions") {
        *kinds.entry(x["kind"].as_str().expect("kind").to_owned()).or_default() += 1;
    }
    kinds
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_shows_the_exceptions_plan_finds_by_kind_with_money() {
    let h = with_mappings(generated("properties=2,months=2,seed=11")).await;
    assert_eq!(h.run(&["pull"]).await.code, Some(0));
    let plan = h.run(&["plan", "--format", "json"]).await;
    assert_eq!(plan.code, Some(1), "planted exceptions: {plan:?}");
    let plan = json(&plan);
    let kinds = plan_kinds(&plan);
    let total: u64 = kinds.values().sum();
    assert!(kinds.contains_key("unmapped_code"), "{kinds:?}");

    let text = h.run(&["status"]).await;
    assert_eq!(text.code, Some(1), "the same exceptions need the same person: {text:?}");
    assert!(text.stdout.contains(&format!("Needs a person: {total} open exceptions")), "{}", text.stdout);
    let unmapped_line =
        text.stdout.lines().find(|l| l.trim_start().starts_with("unmapped_code")).expect("line");
    assert!(unmapped_line.contains(" USD") && unmapped_line.ends_with("held"), "{unmapped_line}");
    let waiting: rust_decimal::Decimal = plan["exceptions"]
        .as_array()
        .expect("exceptions")
        .iter()
        .filter(|x| x["kind"] == "unmapped_code")
        .map(|x| x["amount"].as_str().expect("amount").parse::<rust_decimal::Decimal>().expect("decimal"))
        .sum();
    assert!(unmapped_line.contains(&format!("{waiting} USD")), "{unmapped_line} vs {waiting}");

    let status = h.run(&["status", "--format", "json"]).await;
    assert_eq!(status.code, Some(1));
    let status = json(&status);
    assert_eq!(status["exceptions"], total, "{status}");
    assert_eq!(status["planChecked"], true);
    assert_eq!(status["needsPerson"], true);
    let by_kind: BTreeMap<String, u64> = status["exceptionsByKind"]
        .as_array()
        .expect("by kind")
        .iter()
        .map(|k| (k["kind"].as_str().expect("kind").to_owned(), k["count"].as_u64().expect("count")))
        .collect();
    assert_eq!(by_kind, kinds);
    let unmapped =
        status["exceptionsByKind"].as_array().expect("by kind").iter().find(|k| k["kind"] == "unmapped_code");
    assert_eq!(unmapped.expect("unmapped")["waiting"]["USD"], format!("{waiting}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quarantined_items_count_once_and_broken_mappings_are_said() {
    let h = with_mappings(fixture("quarantine.json")).await;
    assert_eq!(h.run(&["pull"]).await.code, Some(1));
    let plan = json(&h.run(&["plan", "--format", "json"]).await);
    let kinds = plan_kinds(&plan);
    assert_eq!(kinds.get("invalid_item"), Some(&5), "{kinds:?}");
    let status = json(&h.run(&["status", "--format", "json"]).await);
    assert_eq!(
        status["exceptions"],
        kinds.values().sum::<u64>(),
        "quarantined items are not counted twice: {status}"
    );
    assert_eq!(status["quarantined"].as_array().expect("quarantined").len(), 5);

    // Mapping files with a mistake: status still reports, says why it could not plan, exits 1.
    let portfolio = h.dir.path().join("mappings/portfolio.toml");
    let text = std::fs::read_to_string(&portfolio).expect("portfolio");
    std::fs::write(&portfolio, text.replace("group_by = \"day\"", "group_by = \"week\"")).expect("write");
    let status = h.run(&["status"]).await;
    assert_eq!(status.code, Some(1), "{status:?}");
    assert!(
        status.stdout.contains("not checked: the mapping files in")
            && status.stdout.contains("have 1 mistake; `entrata-recon mappings check` shows it"),
        "{}",
        status.stdout
    );
    assert!(status.stdout.contains("Needs a person: 5 open exceptions"), "{}", status.stdout);
}

/// A state file of schema 0004 (postings without their company) brought up to date by `pull`:
/// QuickBooks' postings take the company of its connection, Xero's (disconnected) the company the
/// drift report last read back, and `status` names each.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postings_written_before_companies_were_recorded_take_the_connected_company() {
    use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
    let h = with_mappings(generated("properties=1,months=1,seed=3")).await;
    let old = tempfile::tempdir().expect("folder");
    let migrations = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/recon/migrations");
    for n in ["0001_state.sql", "0002_item_forms.sql", "0003_posting.sql", "0004_drift.sql"] {
        std::fs::copy(migrations.join(n), old.path().join(n)).expect("migration copied");
    }
    let options = SqliteConnectOptions::new().filename(h.state_path()).create_if_missing(true);
    let pool = SqlitePoolOptions::new().max_connections(1).connect_with(options).await.expect("state file");
    sqlx::migrate::Migrator::new(old.path())
        .await
        .expect("migrations")
        .run(&pool)
        .await
        .expect("schema 0004");
    let now = "2026-02-01T00:00:00.000000Z";
    for statement in [
        format!(
            "INSERT INTO entries (entry_key, property_id, kind, anchor, slot, seq, doc_number, entry_date, post_month, \
             currency, total, content_hash, body, recorded_at, updated_at) VALUES ('p1/charges/2026-01-01/1', 'p1', \
             'charges', '2026-01-01', 'charges/2026-01-01/2026-01-01', 1, 'P1-C-0101-1', '2026-01-01', '2026-01', \
             'USD', '10.00', 'h', '{{\"lines\":[]}}', '{now}', '{now}')"
        ),
        format!(
            "INSERT INTO oauth_tokens (target, access_token, access_expires_at, company_id, connected_at, updated_at) \
             VALUES ('qbo', 'a', '{now}', 'realm-7', '{now}', '{now}')"
        ),
        format!(
            "INSERT INTO drift_reads (target, company_id, compared_at, full_read_at, updated_at) \
             VALUES ('xero', 'tenant-9', '{now}', '{now}', '{now}')"
        ),
        format!(
            "INSERT INTO postings (entry_key, target, state, idempotency_key, attempts, target_id, updated_at) VALUES \
             ('p1/charges/2026-01-01/1', 'qbo', 'confirmed', 't', 1, '17', '{now}'), \
             ('p1/charges/2026-01-01/1', 'xero', 'confirmed', 't', 1, 'x-17', '{now}')"
        ),
    ] {
        sqlx::query(sqlx::AssertSqlSafe(statement)).execute(&pool).await.expect("written");
    }
    pool.close().await;

    let pull = h.run(&["pull"]).await;
    assert!(matches!(pull.code, Some(0 | 1)), "{pull:?}");
    let status = json(&h.run(&["status", "--format", "json"]).await);
    let targets = status["targets"].as_array().expect("targets");
    let company = |i: usize| (targets[i]["target"].clone(), targets[i]["postings"]["companyId"].clone());
    assert_eq!(company(0), ("qbo".into(), "realm-7".into()), "{status}");
    assert_eq!(company(1), ("xero".into(), "tenant-9".into()), "{status}");
    assert_eq!(targets[1]["connected"], false, "{status}");
    assert_eq!(targets[0]["postings"]["confirmed"], 1, "{status}");
    let text = h.run(&["status"]).await.stdout;
    assert!(
        text.contains("1 posted, 0 pending, 0 uncertain, 0 refused, 0 not sent yet (company tenant-9)"),
        "{text}"
    );
}

/// The last pull is the last one, whoever made it (issue 16, item 4): `run`'s pull counts, a
/// failed `pull` before it no longer shows, and other commands since do not push it out of view.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_last_pull_is_the_last_one_whichever_command_made_it() {
    let h = with_mappings(generated("properties=1,months=1,seed=5")).await;
    h.set_target("qbo", "enabled", Some(false.into()));
    h.set_target("xero", "enabled", Some(true.into()));
    h.set_target("xero", "auth", Some("client_credentials".into()));
    h.set_faults(
        r#"[{"service": "entrata", "method": "GET", "path": "**/properties", "action": {"status": 500}}]"#,
    )
    .await;
    assert_eq!(h.run(&["pull"]).await.code, Some(2), "the pull fails");
    let status = h.run(&["status"]).await;
    assert!(status.stdout.contains("Last pull:") && status.stdout.contains("failed"), "{}", status.stdout);

    h.set_faults("[]").await;
    let run = h.run(&["run"]).await;
    assert!(matches!(run.code, Some(0 | 1)), "{run:?}");
    // Commands that record runs of their own since: more than `status` lists.
    for _ in 0..6 {
        assert!(matches!(h.run(&["post"]).await.code, Some(0 | 1)));
    }
    let status = h.run(&["status"]).await;
    let line =
        status.stdout.lines().find(|l| l.starts_with("Last pull:")).expect("a Last pull line").to_owned();
    assert!(!line.contains("never") && !line.contains("failed"), "{line}");
    assert!(line.contains("by `run`"), "{line}");
    let json = json(&h.run(&["status", "--format", "json"]).await);
    assert_ne!(json["lastPull"]["outcome"], "failed", "{}", json["lastPull"]);
    assert!(json["lastPull"]["outcome"].is_string(), "{}", json["lastPull"]);
}
