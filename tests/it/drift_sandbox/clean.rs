//! A world posted to both targets and left alone: no drift, exit 0, every tie-out row ties out,
//! in every format. And a comparison that cannot be made: exit 2, naming the side.

use super::support::{PROPERTY, Targets, drift, drift_run, posted_world};
use crate::common::{Harness, fixture};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clean_world_reports_no_drift_in_every_format() {
    let h = posted_world(Targets::Both).await;
    let (code, report) = drift(&h, &[]).await;
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(report["driftFound"], false);
    assert_eq!(report["needsPerson"], false);
    assert_eq!(report["heldBack"], serde_json::json!([]));
    assert_eq!(report["findings"], serde_json::json!([]));
    let tieouts = report["tieOuts"].as_array().expect("tieOuts");
    // Both targets, every account the entries touch.
    assert!(tieouts.len() >= 10, "{report:#}");
    assert!(
        tieouts
            .iter()
            .all(|t| t["tiesOut"] == true && t["entrataVsPosted"] == "0.00" && t["booksVsPosted"] == "0.00")
    );
    let rental =
        tieouts.iter().find(|t| t["target"] == "qbo" && t["account"] == "4000").expect("rental income");
    assert_eq!(
        (&rental["entrata"], &rental["posted"], &rental["books"]),
        (&"-1295.00".into(), &"-1295.00".into(), &"-1295.00".into())
    );
    assert_eq!(rental["accountNames"], serde_json::json!(["rental_income"]));
    for target in report["targets"].as_array().expect("targets") {
        assert_eq!(target["read"], "full", "the first comparison reads everything: {target}");
        assert_eq!(target["reason"], "first comparison with this company");
        assert_eq!(target["documentsInTarget"], 6, "{target}");
    }
    assert!(report["lastPullAt"].is_string());

    // The same in the other formats, and for one period and property.
    let table = drift_run(&h, &["--period", "2026-02", "--property", PROPERTY]).await;
    assert_eq!(table.code, Some(0), "{table:?}");
    assert!(
        table.stdout.starts_with("Drift report: no drift; nothing waits for a person (exit 0).\n"),
        "{}",
        table.stdout
    );
    assert!(table.stdout.lines().all(|l| l.chars().count() <= 120), "{}", table.stdout);
    assert!(
        table.stdout.ends_with(
            " rows tie out: planned = posted = in the books on every row ==\nNothing is held back from the books.\n"
        ),
        "{}",
        table.stdout
    );
    let html = h.dir.path().join("out/drift.html");
    std::fs::create_dir_all(html.parent().expect("folder")).expect("folder");
    let written = drift_run(&h, &["--format", "html", "--out", html.to_str().expect("path")]).await;
    assert_eq!(written.code, Some(0), "{written:?}");
    assert!(written.stdout.contains("no drift"), "{}", written.stdout);
    let page = std::fs::read_to_string(&html).expect("the page");
    assert!(page.starts_with("<!DOCTYPE html>") && page.contains("verdict clean"), "{page}");
    let csv = drift_run(&h, &["--format", "csv"]).await;
    assert_eq!(csv.code, Some(0));
    let header = csv.stdout.lines().next().expect("header");
    assert_eq!(header, entrata_recon::report::drift::csv::COLUMNS.join(","));
    assert!(
        csv.stdout.lines().skip(1).all(|l| l.starts_with("tieout,,ties_out,") && l.ends_with(",no,default")),
        "{}",
        csv.stdout
    );
    // A period with nothing in it ties out trivially.
    let (code, empty) = drift(&h, &["--period", "2025-12"]).await;
    assert_eq!((code, empty["tieOuts"].as_array().map(Vec::len)), (Some(0), Some(0)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_comparison_that_cannot_be_made_exits_2_naming_the_side() {
    let h = Harness::start(fixture("one-of-each.json")).await;
    h.write_mappings();
    h.set_target("xero", "enabled", Some(false.into()));
    let none = drift_run(&h, &[]).await;
    assert_eq!(none.code, Some(2), "{none:?}");
    assert!(none.stderr.contains("run `entrata-recon pull` first"), "{}", none.stderr);

    let pull = h.run(&["pull"]).await;
    assert!(matches!(pull.code, Some(0 | 1)), "{pull:?}");
    let unconnected = drift_run(&h, &[]).await;
    assert_eq!(unconnected.code, Some(2), "{unconnected:?}");
    assert!(
        unconnected.stderr.contains(
            "could not compare QuickBooks Online: not connected: run `entrata-recon connect qbo` first"
        ),
        "{}",
        unconnected.stderr
    );
    assert!(unconnected.stdout.is_empty(), "no half report: {}", unconnected.stdout);

    h.set_env("ENTRATA_PASSWORD", Some("not-the-password"));
    let refused = drift_run(&h, &["--pull"]).await;
    assert_eq!(refused.code, Some(2), "{refused:?}");
    assert!(refused.stderr.contains("could not compare Entrata's side"), "{}", refused.stderr);
    assert!(!refused.all_output().contains("not-the-password"), "no secret in the output");
}
