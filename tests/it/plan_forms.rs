//! Planning forms (`state::form`, the `item_forms` table): the pull writes one per current
//! per-property item; `plan` reads them, and gives exactly what it gives from the items' JSON;
//! stale, missing or moved forms are noticed, never silently planned around.

use crate::common;

use common::{Harness, Run, fixture, generated, json};
use entrata_recon::domain::ItemKind;
use entrata_recon::mapping::examples::write_example_mappings;
use entrata_recon::source::convert::{Item, convert};
use entrata_recon::state::form::{FORM_VERSION, Form};
use sqlx::Row;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};

const LEDGER_KINDS: [ItemKind; 4] = [ItemKind::Lease, ItemKind::Charge, ItemKind::Payment, ItemKind::Deposit];

/// The state file opened behind the connector's back: what an older version, or a hand edit, left.
async fn raw_sqlite(h: &Harness) -> SqlitePool {
    let options = SqliteConnectOptions::new().filename(h.state_path());
    SqlitePoolOptions::new().max_connections(1).connect_with(options).await.expect("state file")
}

async fn scalar(h: &Harness, query: &str) -> i64 {
    let pool = raw_sqlite(h).await;
    let value =
        sqlx::query(sqlx::AssertSqlSafe(query.to_owned())).fetch_one(&pool).await.expect(query).get(0);
    pool.close().await;
    value
}

async fn execute(h: &Harness, statement: &str) -> u64 {
    let pool = raw_sqlite(h).await;
    let done = sqlx::query(sqlx::AssertSqlSafe(statement.to_owned()))
        .execute(&pool)
        .await
        .expect(statement)
        .rows_affected();
    pool.close().await;
    done
}

/// Whether every list of every property has exactly one form per current item version.
async fn forms_complete(h: &Harness) -> bool {
    let state = h.state().await;
    for property in properties(&state).await {
        for kind in LEDGER_KINDS {
            if !state.current_forms(kind, &property).await.expect("forms").is_complete() {
                return false;
            }
        }
    }
    true
}

async fn properties(state: &entrata_recon::state::StateFile) -> Vec<String> {
    state
        .current_items(ItemKind::Property, None)
        .await
        .expect("properties")
        .into_iter()
        .map(|p| p.item_id)
        .collect()
}

/// The ids a list's forms hold.
async fn form_ids(h: &Harness, kind: ItemKind, property: &str) -> Vec<String> {
    let forms = h.state().await.current_forms(kind, property).await.expect("forms");
    let mut ids = Vec::new();
    forms.decode(|f| ids.push(f.item_id().to_owned())).expect("decodes");
    ids
}

async fn plan_json(h: &Harness) -> Run {
    let run = h.run(&["plan", "--format", "json"]).await;
    assert!(matches!(run.code, Some(0 | 1)), "plan failed: {}", run.all_output());
    assert!(run.stdout.starts_with('{'), "{}", run.all_output());
    run
}

async fn start(options: entrata_recon_sandbox::SandboxOptions) -> Harness {
    let h = Harness::start(options).await;
    write_example_mappings(&h.dir.path().join("mappings")).expect("mappings written");
    h
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_from_forms_equals_plan_from_json_and_stale_forms_are_rebuilt() {
    let h = start(generated("properties=2,months=3,seed=21")).await;
    h.pull().await;
    assert!(forms_complete(&h).await, "one form per current ledger item");
    let version =
        scalar(&h, "SELECT CAST(value AS INTEGER) FROM state_meta WHERE key = 'forms_version'").await;
    assert_eq!(version, i64::from(FORM_VERSION));

    let from_forms = plan_json(&h).await;
    assert!(!from_forms.stderr.contains("planning forms"), "{}", from_forms.stderr);

    // A state file last pulled by an older version: no forms, no forms_version.
    execute(&h, "DELETE FROM state_meta").await;
    execute(&h, "DELETE FROM form_pages").await;
    let from_json = plan_json(&h).await;
    assert!(from_json.stderr.contains("planning forms are missing"), "{}", from_json.stderr);
    assert_eq!(from_json.stdout, from_forms.stdout, "the two paths plan the same bytes");

    // The next pull rebuilds every form before it pulls.
    h.pull().await;
    assert!(forms_complete(&h).await);
    let rebuilt = plan_json(&h).await;
    assert!(!rebuilt.stderr.contains("planning forms"), "{}", rebuilt.stderr);
    assert_eq!(rebuilt.stdout, from_forms.stdout);

    // VACUUM keeps item_seq (an INTEGER PRIMARY KEY), which forms name their item versions by.
    execute(&h, "VACUUM").await;
    let vacuumed = plan_json(&h).await;
    assert!(!vacuumed.stderr.contains("planning forms"), "{}", vacuumed.stderr);
    assert_eq!(vacuumed.stdout, from_forms.stdout);

    // Forms gone missing (a bug, a hand edit) are noticed, and that list's JSON is read instead.
    let deleted = execute(
        &h,
        "DELETE FROM form_pages WHERE (property_id, kind, first_seq) = \
         (SELECT property_id, kind, first_seq FROM form_pages WHERE kind = 'payments' LIMIT 1)",
    )
    .await;
    assert_eq!(deleted, 1);
    let patched = plan_json(&h).await;
    assert!(patched.stderr.contains("planning forms do not match"), "{}", patched.stderr);
    assert_eq!(patched.stdout, from_forms.stdout);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forms_hold_exactly_what_the_json_converts_to() {
    for dataset in ["one-of-each.json", "quarantine.json"] {
        let h = start(fixture(dataset)).await;
        h.pull().await;
        let state = h.state().await;
        let properties = properties(&state).await;
        let mut compared = 0;
        let mut quarantined = 0;
        for property in &properties {
            for kind in LEDGER_KINDS {
                let mut from_forms = Vec::new();
                let forms = state.current_forms(kind, property).await.expect("forms");
                forms.decode(|f| from_forms.push(f)).expect("forms decode");
                let mut from_json = Vec::new();
                state
                    .for_each_current_item(kind, property, |item| {
                        from_json.push(match item.invalid_reason {
                            Some(reason) => {
                                Form::Invalid { item_id: item.item_id.to_owned(), reason: reason.to_owned() }
                            }
                            None => match convert(kind, item.raw, Some(property)).expect("converts") {
                                Item::Lease(l) => Form::Lease(l),
                                Item::Charge(c) => Form::Charge(c),
                                Item::Payment(p) => Form::Payment(p),
                                Item::Deposit(d) => Form::Deposit(d),
                                other => panic!("{other:?} in a {kind} list"),
                            },
                        })
                    })
                    .await
                    .expect("items");
                assert_eq!(from_forms, from_json, "{dataset}: {kind} of {property}");
                compared += from_forms.len();
                quarantined += from_forms.iter().filter(|f| matches!(f, Form::Invalid { .. })).count();
            }
        }
        assert!(compared >= 4, "{dataset}: only {compared} items compared");
        if dataset == "quarantine.json" {
            assert!(quarantined > 0, "the quarantine fixture has quarantined ledger items");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_item_has_one_form_under_its_property_now() {
    let h = start(generated("properties=2,months=1,seed=5")).await;
    h.pull().await;
    let served = h.served().await;
    let charge = served.of(ItemKind::Charge).values().next().expect("a charge").clone();
    let from = json::text(&charge.raw, "propertyId").expect("propertyId");
    let to = served.of(ItemKind::Property).keys().find(|p| **p != from).expect("another property").clone();

    // Entrata moves the charge to the other property (as a correction would).
    let moved = json::with_fields(
        &charge.raw,
        &[
            ("propertyId", &format!("\"{to}\"")),
            ("leaseId", "null"),
            ("residentId", "null"),
            ("unitId", "null"),
        ],
    );
    h.upsert("charges", &moved).await;
    let summary = h.pull().await;
    assert_eq!(summary.by_kind[&ItemKind::Charge].changed, 1);

    let charge_id = charge.id.to_string();
    assert!(!form_ids(&h, ItemKind::Charge, &from).await.contains(&charge_id), "gone from {from}");
    assert!(form_ids(&h, ItemKind::Charge, &to).await.contains(&charge_id), "planned under {to}");
    assert!(forms_complete(&h).await);

    let from_forms = plan_json(&h).await;
    execute(&h, "DELETE FROM state_meta").await;
    let from_json = plan_json(&h).await;
    assert_eq!(from_forms.stdout, from_json.stdout);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_that_fails_half_way_prints_nothing() {
    let h = start(generated("properties=3,months=2,seed=8")).await;
    h.pull().await;
    let good = plan_json(&h).await;

    // Corrupt the forms of the last property only (same length: a currency no one knows), so that
    // earlier properties are planned and rendered before the failure.
    let changed = execute(
        &h,
        "UPDATE form_pages SET entries = CAST(replace(CAST(entries AS TEXT), 'USD', 'XXX') AS BLOB) \
         WHERE property_id = (SELECT max(property_id) FROM form_pages) AND kind = 'charges'",
    )
    .await;
    assert!(changed > 0);
    let failed = h.run(&["plan", "--format", "json"]).await;
    assert_eq!(failed.code, Some(2), "{}", failed.all_output());
    assert!(failed.stdout.is_empty(), "printed {} bytes: half a document", failed.stdout.len());
    assert!(failed.stderr.contains("unknown currency"), "{}", failed.stderr);
    assert!(good.stdout.len() > 1_000);
}
