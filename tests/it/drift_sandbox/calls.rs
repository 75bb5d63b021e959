//! What a comparison costs: the first reads everything; a second with nothing changed makes one
//! call to QuickBooks (Change Data Capture) and two to Xero (a page of each list), however many
//! entries were posted; a change costs what it changed.

use super::support::{Targets, drift, prepare, qbo_entries, xero_documents};
use crate::common::{Harness, generated};

/// API calls the sandbox served per target since `before`.
async fn calls_since(h: &Harness, before: &crate::common::served::Requests) -> (u64, u64) {
    let after = h.requests().await;
    let count = |prefix: &str| -> u64 {
        after
            .0
            .iter()
            .filter(|(endpoint, _)| endpoint.starts_with(prefix))
            .map(|(endpoint, n)| n - before.0.get(endpoint).copied().unwrap_or(0))
            .sum()
    };
    (count("GET /qbo/v3/"), count("GET /xero/api.xro/"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_comparison_with_nothing_changed_costs_a_few_calls_whatever_was_posted() {
    let h = Harness::start(generated("properties=3,months=2,seed=5")).await;
    prepare(&h, Targets::Both, false).await;
    let posted_qbo = qbo_entries(&h).await.len();
    let posted_xero = xero_documents(&h).await.len();
    assert!(posted_qbo > 100 && posted_xero > 100, "{posted_qbo} {posted_xero}");
    // The read of changes starts a margin before the last comparison; let the postings be older.
    h.advance_time(600).await;

    let before = h.requests().await;
    let (_, first) = drift(&h, &[]).await;
    let (qbo_first, xero_first) = calls_since(&h, &before).await;
    for target in first["targets"].as_array().expect("targets") {
        assert_eq!(target["read"], "full", "{target}");
    }
    assert_eq!(first["targets"][0]["documentsInTarget"], posted_qbo);
    assert_eq!(first["targets"][1]["documentsInTarget"], posted_xero);
    // A full read pages Xero's lists (100 a page).
    assert!(xero_first > (posted_xero as u64).div_ceil(100), "{xero_first}");
    assert!(qbo_first >= 2, "{qbo_first}");

    h.advance_time(600).await;
    let before = h.requests().await;
    let (_, second) = drift(&h, &[]).await;
    let (qbo_second, xero_second) = calls_since(&h, &before).await;
    assert_eq!((qbo_second, xero_second), (1, 2), "{second:#}");
    for (target, calls) in [(0, 1), (1, 2)] {
        assert_eq!(second["targets"][target]["read"], "changes");
        assert_eq!(second["targets"][target]["calls"], calls);
        assert_eq!(second["targets"][target]["documentsRead"], 0);
    }
    assert_eq!(second["findings"], first["findings"], "the same findings from the snapshot");
    assert_eq!(second["tieOuts"], first["tieOuts"]);

    // One change in each: still a few calls, and found.
    let entries = qbo_entries(&h).await;
    let (doc, entry) = entries.iter().next().expect("an entry");
    h.control(
        reqwest::Method::DELETE,
        &format!("/_sandbox/qbo/journalentry/{}", entry["Id"].as_str().expect("Id")),
        None,
    )
    .await;
    let before = h.requests().await;
    let (_, third) = drift(&h, &[]).await;
    let (qbo_third, xero_third) = calls_since(&h, &before).await;
    assert!(qbo_third <= 2 && xero_third == 2, "{qbo_third} {xero_third}");
    let found = super::support::finding(&third, "deleted_in_target", doc);
    assert_eq!(found["target"], "qbo");
}

/// Issue 16, item 13: a report in several formats is one comparison, not one per format (each
/// read of Xero spends its minute's calls): `--out` once per format, the format from each file's
/// extension.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_format_from_one_comparison() {
    let h = Harness::start(generated("properties=1,months=1,seed=5")).await;
    prepare(&h, Targets::Both, false).await;
    // As above: the postings older than the margin, then a first comparison that reads everything.
    h.advance_time(600).await;
    let _ = drift(&h, &[]).await;
    h.advance_time(600).await;
    let dir = h.dir.path();
    let (html, csv, json) = (dir.join("d.html"), dir.join("d.csv"), dir.join("d.json"));
    let before = h.requests().await;
    let outs: Vec<String> = [&html, &csv, &json].iter().map(|p| p.display().to_string()).collect();
    let run = h.run(&["drift", "--out", &outs[0], "--out", &outs[1], "--out", &outs[2]]).await;
    assert!(matches!(run.code, Some(0 | 1)), "{run:?}");
    assert_eq!(calls_since(&h, &before).await, (1, 2), "one comparison's calls: {}", run.stdout);
    assert_eq!(run.stdout.matches("Drift report written to").count(), 3, "{}", run.stdout);
    assert!(std::fs::read_to_string(&html).expect("html").contains("<html"));
    assert!(std::fs::read_to_string(&csv).expect("csv").starts_with("record,category,"), "csv header");
    let parsed: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("json")).expect("JSON");
    assert!(parsed["findings"].is_array());
    // A file whose extension says no format is refused before anything is read.
    let before = h.requests().await;
    let refused =
        h.run(&["drift", "--out", &outs[0], "--out", &dir.join("d.pdf").display().to_string()]).await;
    assert_eq!(refused.code, Some(2), "{refused:?}");
    assert!(refused.stderr.contains("d.pdf: say its format by its extension"), "{}", refused.stderr);
    assert_eq!(calls_since(&h, &before).await, (0, 0));
}
