//! Amounts come out exactly as Entrata sent them, or are quarantined with the reason: never
//! rounded, never shrunk, and no command exits with anything but 0, 1 or 2 whatever the amount.
//! Served through the sandbox and read by the real binary (review defects 1, 2 and 5).

use crate::common;

use common::{Harness, fixture_text, json_dataset};
use entrata_recon::mapping::examples::write_example_mappings;
use serde_json::Value;

/// `one-of-each.json` with the amounts of some charges replaced by raw JSON text (a number
/// literal, or a quoted string), so that the sandbox serves exactly that text.
fn with_amounts(amounts: &[(&str, &str)]) -> Vec<u8> {
    let mut dataset: Value = serde_json::from_str(&fixture_text("one-of-each.json")).expect("fixture");
    let charges = dataset["charges"].as_array_mut().expect("charges");
    for (id, _) in amounts {
        let charge = charges.iter_mut().find(|c| c["chargeId"] == *id).expect("charge in fixture");
        charge["amount"] = Value::String(format!("@@{id}@@"));
        charge["taxAmount"] = Value::Null;
    }
    let mut text = serde_json::to_string(&dataset).expect("JSON");
    for (id, raw) in amounts {
        text = text.replace(&format!("\"@@{id}@@\""), raw);
    }
    text.into_bytes()
}

async fn pulled(amounts: &[(&str, &str)]) -> Harness {
    let h = Harness::start(json_dataset(&with_amounts(amounts))).await;
    write_example_mappings(&h.dir.path().join("mappings")).expect("mappings");
    let pull = h.run(&["pull"]).await;
    assert_eq!(pull.code, Some(1), "quarantined items need a person: {pull:?}");
    h
}

fn exception<'a>(plan: &'a Value, source_id: &str) -> &'a Value {
    plan["exceptions"]
        .as_array()
        .expect("exceptions")
        .iter()
        .find(|x| x["sourceId"] == source_id)
        .unwrap_or_else(|| panic!("no exception about {source_id}: {plan:#}"))
}

fn planned_sources(plan: &Value) -> Vec<String> {
    let entries = plan["entries"].as_array().expect("entries");
    entries
        .iter()
        .flat_map(|e| e["sources"].as_array().expect("sources").iter())
        .map(|s| s.as_str().expect("id").to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn amounts_beyond_what_cents_can_hold_are_quarantined_not_shrunk() {
    // The two UTIL charges of one-of-each (chg_4 and chg_6) at 4e28: `rescale(2)` cannot give
    // them cents, and their sum overflows a decimal.
    let huge = "\"40000000000000000000000000000\"";
    let h = pulled(&[("chg_4", huge), ("chg_6", huge)]).await;

    let check = h.run(&["mappings", "check"]).await;
    assert!(matches!(check.code, Some(0 | 1)), "{check:?}");
    assert!(!check.all_output().contains("4000000000000000000"), "{check:?}");

    let plan = h.run(&["plan", "--format", "json"]).await;
    assert_eq!(plan.code, Some(1), "{plan:?}");
    let plan: Value = serde_json::from_str(&plan.stdout).expect("plan JSON");
    for id in ["chg_4", "chg_6"] {
        let x = exception(&plan, id);
        assert_eq!(x["kind"], "invalid_item");
        let message = x["message"].as_str().expect("message");
        assert!(message.contains("too large for an amount in cents"), "{message}");
        assert!(!planned_sources(&plan).contains(&id.to_owned()), "{id} was planned");
    }
    let text = h.run(&["plan"]).await;
    assert_eq!(text.code, Some(1), "{text:?}");
    // 100 times smaller, as the planning form's round trip used to print it.
    assert!(!text.stdout.contains("400000000000000000000000000.00"), "the charge was printed shrunk");
    assert_eq!(h.run(&["status"]).await.code.map(|c| c <= 2), Some(true));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn amounts_are_exact_or_quarantined_in_every_written_form() {
    let h = pulled(&[
        // Past the per-item limit of a trillion, but representable: quarantined by the limit.
        ("chg_1", "1000000000000.01"),
        // `Decimal::from_scientific` reads this as 100.00: it is not.
        ("chg_2", "1.0000000000000000000000000000001e2"),
        // The same value written out.
        ("chg_3", "\"100.0000000000000000000000000000001\""),
        // Exactly at the limit, in exponent form: planned to the cent.
        ("chg_4", "9.9999999999999e11"),
        ("chg_6", "\"12.5E1\""),
    ])
    .await;
    let plan = h.run(&["plan", "--format", "json"]).await;
    assert_eq!(plan.code, Some(1), "{plan:?}");
    let plan: Value = serde_json::from_str(&plan.stdout).expect("plan JSON");

    let reason = |id: &str| exception(&plan, id)["message"].as_str().expect("message").to_owned();
    assert!(reason("chg_1").contains("beyond the connector's limit of 1,000,000,000,000.00 for one item"));
    for id in ["chg_2", "chg_3"] {
        assert!(reason(id).contains("cannot be held exactly"), "{id}: {}", reason(id));
    }
    let sources = planned_sources(&plan);
    for id in ["chg_1", "chg_2", "chg_3"] {
        assert!(!sources.contains(&id.to_owned()), "{id} was planned");
    }
    // The UTIL charges post: 999,999,999,999.99 split 70/30 (the rounded-off cent goes to the
    // last share) and 125.00 split 70/30, exactly.
    let credits: Vec<&str> = plan["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .flat_map(|e| e["lines"].as_array().expect("lines"))
        .filter(|l| l["account"] == "water_income" || l["account"] == "sewer_income")
        .map(|l| l["credit"].as_str().expect("money"))
        .collect();
    for want in ["699999999999.99", "300000000000.00", "87.50", "37.50"] {
        assert!(credits.contains(&want), "{want} not among {credits:?}");
    }
}

/// Marks the current version of an item as quarantined, as a pull under other rules would have.
/// What a pull by an older version left: an item quarantined for a reason of its own. Its planning
/// forms are of that older version too (marked stale), so readers go by the items themselves: a
/// form is the pull's verdict, and forms of the current version always agree with the items.
async fn quarantine(h: &Harness, kind: &str, id: &str, reason: &str) {
    let url = format!("sqlite://{}", h.state_path().display());
    let pool = sqlx::SqlitePool::connect(&url).await.expect("state file");
    sqlx::query("DELETE FROM state_meta WHERE key = 'forms_version'")
        .execute(&pool)
        .await
        .expect("stale forms");
    let done =
        sqlx::query("UPDATE items SET invalid_reason = ? WHERE kind = ? AND item_id = ? AND is_current = 1")
            .bind(reason)
            .bind(kind)
            .bind(id)
            .execute(&pool)
            .await
            .expect("update");
    assert_eq!(done.rows_affected(), 1, "{kind} {id}");
    pool.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pulls_quarantine_verdict_stands_in_plan_and_mappings_check() {
    let h = pulled(&[("chg_4", "\"0.125\"")]).await;
    // MISC's only charge is held by the pull: mappings check no longer counts it as waiting on a rule.
    let check = h.run(&["mappings", "check"]).await;
    assert!(check.all_output().contains("MISC"), "{check:?}");
    quarantine(&h, "charges", "chg_5", "held under an older rule").await;
    let check = h.run(&["mappings", "check"]).await;
    assert!(!check.all_output().contains("MISC"), "{check:?}");

    // An AR code the pull held is an invalid item in the plan, with the pull's reason.
    quarantine(&h, "arCodes", "arc_101", "held under an older rule").await;
    let plan = h.run(&["plan", "--format", "json"]).await;
    let plan: Value = serde_json::from_str(&plan.stdout).expect("plan JSON");
    let x = exception(&plan, "arc_101");
    assert_eq!(x["kind"], "invalid_item");
    assert!(x["message"].as_str().expect("message").contains("held under an older rule"), "{x}");

    // So is a property, and nothing of it is planned.
    quarantine(&h, "properties", "prop_21a91f0", "held under an older rule").await;
    let plan = h.run(&["plan", "--format", "json"]).await;
    let plan: Value = serde_json::from_str(&plan.stdout).expect("plan JSON");
    assert!(exception(&plan, "prop_21a91f0")["message"].as_str().expect("text").contains("older rule"));
    assert_eq!(plan["entries"].as_array().map(Vec::len), Some(0), "{plan:#}");
}

/// One-of-each with a second property (a copy of the first under another id and code), and
/// these `[journal]` tables in the two property files.
async fn two_properties(first: &str, second: &str) -> Harness {
    let mut dataset: Value = serde_json::from_str(&fixture_text("one-of-each.json")).expect("fixture");
    let mut copy = dataset["properties"][0].clone();
    copy["propertyId"] = "prop_second".into();
    copy["code"] = "OTHER-002".into();
    dataset["properties"].as_array_mut().expect("properties").push(copy);
    let h = Harness::start(json_dataset(&serde_json::to_vec(&dataset).expect("JSON"))).await;
    let mappings = h.dir.path().join("mappings");
    write_example_mappings(&mappings).expect("mappings");
    for (id, journal) in [("prop_21a91f0", first), ("prop_second", second)] {
        std::fs::write(mappings.join(format!("properties/{id}.toml")), format!("[journal]\n{journal}\n"))
            .expect("write");
    }
    assert!(matches!(h.run(&["pull"]).await.code, Some(0 | 1)));
    h
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn document_numbers_clash_only_when_prefix_and_property_part_both_match() {
    // The same property part under two prefixes gives different numbers: not a clash.
    let h = two_properties(
        "doc_prefix = \"EN\"\ndoc_property = \"LV001\"",
        "doc_prefix = \"XX\"\ndoc_property = \"LV001\"",
    )
    .await;
    let plan = h.run(&["plan"]).await;
    assert_eq!(plan.code, Some(1), "{plan:?}");

    // The same prefix and part, one written and one derived from the Entrata code (LV-OMA-001 gives
    // LV001), compared without case as QuickBooks compares document numbers: refused.
    let h = two_properties("doc_prefix = \"en\"", "doc_property = \"lv001\"").await;
    let plan = h.run(&["plan"]).await;
    assert_eq!(plan.code, Some(2), "{plan:?}");
    assert!(
        plan.stderr
            .contains("properties prop_21a91f0 and prop_second would share document numbers `EN-LV001-…`"),
        "{}",
        plan.stderr
    );
}
