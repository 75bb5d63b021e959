//! The real binary: `pull` and `status` exit codes and output a scheduler and a controller rely on:
//! quarantined items (exit 1, reasons in `status`), the state-file lock (exit 2 naming the holder),
//! `status --format json` counting current versions with tombstones, an unknown `--property`.

use crate::common;

use std::collections::BTreeSet;

use common::{Harness, fixture, generated, json};
use entrata_recon::domain::ItemKind;
use serde_json::Value;

const PORTFOLIO: &str = "properties=1,months=1,seed=17";

fn status_json(run: &common::Run) -> Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("status is not JSON ({e}): {run:?}"))
}

#[tokio::test]
async fn quarantined_items_are_reported_with_their_reasons_and_the_rest_lands() {
    let h = Harness::start(fixture("quarantine.json")).await;
    let pull = h.run(&["pull"]).await;
    assert_eq!(pull.code, Some(1), "{pull:?}");
    assert!(pull.stdout.contains("5 item(s) break Entrata's contract and are quarantined"), "{pull:?}");

    let status = h.run(&["status", "--format", "json"]).await;
    assert_eq!(status.code, Some(1), "{status:?}");
    let status = status_json(&status);
    assert_eq!(status["exceptions"], 5, "{status}");
    let mut reasons: Vec<(String, String)> = status["quarantined"]
        .as_array()
        .expect("quarantined")
        .iter()
        .map(|q| {
            let what = (q["kind"].as_str(), q["itemKind"].as_str(), q["propertyId"].as_str());
            assert_eq!(what, (Some("invalid_item"), Some("charges"), Some("prop_q01")), "{q}");
            (
                q["sourceId"].as_str().expect("id").to_owned(),
                q["message"].as_str().expect("reason").to_owned(),
            )
        })
        .collect();
    reasons.sort();
    // Each reason names the field and what is wrong with it.
    let expected = [
        ("chg_bad_amount", ["amount", "twelve dollars"]),
        ("chg_bad_currency", ["currency", "XYZ"]),
        ("chg_bad_date", ["postDate", "2026-02-30"]),
        ("chg_bad_decimals", ["amount", "12.345"]),
        ("chg_missing_month", ["postMonth", "missing"]),
    ];
    assert_eq!(reasons.len(), expected.len(), "{reasons:?}");
    for ((id, reason), (expected_id, fragments)) in reasons.iter().zip(expected) {
        assert_eq!(id, expected_id);
        for fragment in fragments {
            assert!(reason.contains(fragment), "{id}: expected {fragment:?} in {reason:?}");
        }
    }

    // Every item landed, the bad ones too (quarantined, exactly as served); only they are held.
    h.assert_state_matches_sandbox().await;
    let stored = h.stored().await;
    let held: BTreeSet<&str> =
        stored.rows.iter().filter(|r| r.invalid_reason.is_some()).map(|r| r.item_id.as_str()).collect();
    assert_eq!(held, expected.iter().map(|(id, _)| *id).collect());
    for kind in ItemKind::ALL {
        assert!(!stored.current(kind).is_empty(), "no {kind} landed");
    }
}

#[tokio::test]
async fn a_second_pull_on_the_same_state_file_exits_2_at_once_naming_the_holder() {
    let h = Harness::start(generated(PORTFOLIO)).await;
    h.set_faults(
        r#"[{"service": "entrata", "method": "GET", "path": "**/charges", "nth": 1, "action": {"delay_ms": 2000}}]"#,
    )
    .await;
    let mut first = h.command(&["pull"]).spawn().expect("first pull starts");
    let first_pid = first.id().expect("pid");
    // Parked on its charges page, the first pull holds the lock.
    h.wait_until_fired(0, 1).await;

    let second = h.run(&["pull"]).await;
    assert_eq!(second.code, Some(2), "{second:?}");
    // Refused while the first still runs: it did not wait for the lock (no wall-clock bound needed).
    assert!(first.try_wait().expect("first pull").is_none(), "the first pull had already finished");
    for fragment in [
        format!("is in use by pid {first_pid} (`entrata-recon pull`, started "),
        "only one pull/post/run at a time".to_owned(),
    ] {
        assert!(second.stderr.contains(&fragment), "expected {fragment:?} in {}", second.stderr);
    }

    let first = first.wait_with_output().await.expect("first pull ends");
    assert_eq!(first.status.code(), Some(0), "{}", String::from_utf8_lossy(&first.stderr));
    // The refused pull wrote nothing: one run, and the data of the first.
    let state = h.state().await;
    assert_eq!(state.recent_runs(10).await.expect("runs").len(), 1);
    state.close().await;
    h.assert_state_matches_sandbox().await;
    // The lock went with the first process.
    assert_eq!(h.run(&["pull"]).await.code, Some(0));
}

#[tokio::test]
async fn status_json_counts_current_versions_tombstones_included() {
    let h = Harness::start(generated(PORTFOLIO)).await;
    assert_eq!(h.run(&["pull"]).await.code, Some(0));
    // Entrata never removes an item: it marks it deleted (spec/source-api.md §2), whatever its kind.
    let served = h.served().await;
    let mut tombstones = Vec::new();
    for kind in [ItemKind::Lease, ItemKind::Charge, ItemKind::Payment] {
        let item = served.of(kind).values().next().unwrap_or_else(|| panic!("a {kind}")).clone();
        h.upsert(kind.as_str(), &json::with_fields(&item.raw, &[("status", "\"deleted\"")])).await;
        tombstones.push((kind, item));
    }
    let pull = h.run(&["pull"]).await;
    assert_eq!(pull.code, Some(0), "a tombstone is not an exception: {pull:?}");

    let run = h.run(&["status", "--format", "json"]).await;
    assert_eq!(run.code, Some(0), "{run:?}");
    let status = status_json(&run);
    let served = h.served().await;
    let expected: serde_json::Map<String, Value> =
        ItemKind::ALL.iter().map(|k| (k.as_str().to_owned(), Value::from(served.count(*k)))).collect();
    assert_eq!(status["items"], Value::Object(expected), "{status}");
    assert_eq!(status["exceptions"], 0, "{status}");
    assert_eq!(status["supersededVersions"], 3, "{status}");
    let stored = h.stored().await;
    for (kind, item) in &tombstones {
        assert_eq!(status["lastPull"]["summary"]["items"][kind.as_str()]["changed"], 1, "{kind}: {status}");
        let versions = stored.versions(*kind, &item.id);
        assert_eq!(versions.len(), 2, "{kind}");
        assert_eq!(versions[0].raw, item.raw, "{kind}");
        assert_eq!(json::text(&versions[1].raw, "status").as_deref(), Some("deleted"), "{kind}");
        assert_eq!(versions[1].invalid_reason, None, "{kind}");
    }
    h.assert_state_matches_sandbox().await;
}

#[tokio::test]
async fn an_unknown_property_exits_2_naming_the_known_ones() {
    let h = Harness::start(generated("properties=2,months=1,seed=17")).await;
    let run = h.run(&["pull", "--property", "prop_9999"]).await;
    assert_eq!(run.code, Some(2), "{run:?}");
    assert!(
        run.stderr.contains("error: unknown property prop_9999: the state file knows prop_0001, prop_0002"),
        "{}",
        run.stderr
    );
    // Only the company-wide lists were read; no ledger.
    let requests = h.requests().await;
    assert_eq!(requests.to("GET", "/charges"), 0, "{requests:?}");

    let run = h.run(&["pull", "--property", "prop_0002"]).await;
    assert_eq!(run.code, Some(0), "{run:?}");
    let stored = h.stored().await;
    let properties: BTreeSet<&str> =
        stored.current(ItemKind::Charge).values().filter_map(|r| r.property_id.as_deref()).collect();
    assert_eq!(properties, BTreeSet::from(["prop_0002"]));
}

#[tokio::test]
async fn an_unreadable_state_file_is_a_clear_exit_2_error_and_is_left_alone() {
    let h = Harness::start(generated(PORTFOLIO)).await;
    let status = h.run(&["status", "--format", "json"]).await;
    assert_eq!(status.code, Some(2), "{status:?}");
    let missing = format!(
        "error: no state file at {}: check `[state] path` in the config (or --state), or run `entrata-recon pull` \
         first to start one",
        h.state_path().display()
    );
    assert!(status.stderr.contains(&missing), "{}", status.stderr);

    let garbage = b"this is not a SQLite database, it is a note somebody saved over it\n".repeat(100);
    std::fs::write(h.state_path(), &garbage).expect("garbage written");
    let unreadable = format!("error: cannot open state file {}: ", h.state_path().display());
    for args in [&["pull"][..], &["status"]] {
        let run = h.run(args).await;
        assert_eq!(run.code, Some(2), "{args:?}: {run:?}");
        assert!(run.stderr.contains(&unreadable) && run.stderr.contains("not a database"), "{}", run.stderr);
    }
    assert_eq!(std::fs::read(h.state_path()).expect("state file"), garbage, "the file was changed");
    assert_eq!(h.requests().await.entrata(), 0, "a pull that cannot record anything must not pull");
}
