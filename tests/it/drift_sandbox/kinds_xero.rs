//! Drift in Xero, made behind the connector's back and found exactly: a manual journal voided, a
//! bank transaction (a deposit) deleted, a manual journal edited; then, read as changes only, one
//! more journal deleted, found alone.

use reqwest::Method;

use super::support::{Targets, drift, finding, kinds, money, posted_world, sides, untied, xero_documents};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn voided_deleted_and_edited_in_xero() {
    let h = posted_world(Targets::Xero).await;
    let (code, clean) = drift(&h, &[]).await;
    assert_eq!(code, Some(0), "{clean:#}");
    let docs = xero_documents(&h).await;
    assert_eq!(docs.len(), 6, "{:?}", docs.keys());
    let (charges, _, _) = &docs["EN-LV001-C260201-1"];
    let (deposit, kind, _) = &docs["EN-LV001-D260202-1"];
    assert_eq!(*kind, "banktransactions");
    let (payments, _, journal) = &docs["EN-LV001-P260201-1"];

    h.control(Method::POST, &format!("/_sandbox/xero/manualjournals/{charges}/void"), None).await;
    h.control(Method::DELETE, &format!("/_sandbox/xero/banktransactions/{deposit}"), None).await;
    // The payments journal edited: 1300.00 instead of 1316.06 on both lines.
    let lines: Vec<String> = journal["JournalLines"]
        .as_array()
        .expect("JournalLines")
        .iter()
        .map(|l| {
            let sign = if l["LineAmount"].to_string().starts_with('-') { "-" } else { "" };
            format!(
                r#"{{"LineAmount": {sign}1300.00, "AccountCode": "{}", "Description": "edited", "Tracking": {}}}"#,
                l["AccountCode"].as_str().expect("code"),
                serde_json::json!(l["Tracking"].as_array().expect("tracking").iter().map(|t| serde_json::json!({"Name": t["Name"], "Option": t["Option"]})).collect::<Vec<_>>())
            )
        })
        .collect();
    let body = format!(
        r#"{{"Narration": {}, "Date": "2026-02-01", "Status": "POSTED", "JournalLines": [{}]}}"#,
        journal["Narration"],
        lines.join(",")
    );
    h.control(Method::POST, &format!("/_sandbox/xero/manualjournals/{payments}"), Some(body)).await;

    let (code, report) = drift(&h, &[]).await;
    assert_eq!(code, Some(1), "{report:#}");
    let targets = report["targets"].as_array().expect("targets");
    assert_eq!(targets[0]["read"], "changes", "the second comparison reads what changed: {report:#}");
    assert_eq!(
        kinds(&report),
        [
            ("deleted_in_target".to_owned(), "EN-LV001-D260202-1".to_owned(), "xero".to_owned()),
            ("edited_in_target".to_owned(), "EN-LV001-P260201-1".to_owned(), "xero".to_owned()),
            ("voided_in_target".to_owned(), "EN-LV001-C260201-1".to_owned(), "xero".to_owned()),
        ],
        "{report:#}"
    );
    let m = |t: &str| Some(money(t));
    let voided = finding(&report, "voided_in_target", "EN-LV001-C260201-1");
    assert_eq!(sides(voided), (None, m("1316.06"), m("0.00"), money("-1316.06")));
    assert_eq!(voided["targetIds"]["xero"], charges.as_str());
    assert_eq!(
        sides(finding(&report, "deleted_in_target", "EN-LV001-D260202-1")),
        (None, m("1316.06"), m("0.00"), money("-1316.06"))
    );
    let edited = finding(&report, "edited_in_target", "EN-LV001-P260201-1");
    assert_eq!(sides(edited), (None, m("1316.06"), m("1300.00"), money("-16.06")));
    // Nothing changed in Entrata: every difference is the target's.
    let rows = untied(&report);
    assert!(!rows.is_empty() && rows.iter().all(|r| r.2.is_zero() && !r.3.is_zero()), "{rows:?}");
    let bank = rows.iter().find(|r| r.1 == "1010").expect("the bank account");
    assert_eq!(bank.3, money("-1316.06"), "the deleted deposit's bank line");

    // Read as changes again: the snapshot remembers what it saw; a new change is found alone.
    let docs = xero_documents(&h).await;
    let (returns, _, _) = &docs["EN-LV001-C260203-1"];
    h.control(Method::DELETE, &format!("/_sandbox/xero/manualjournals/{returns}"), None).await;
    let (code, again) = drift(&h, &[]).await;
    assert_eq!(code, Some(1));
    assert_eq!(again["targets"][0]["read"], "changes");
    let gone = finding(&again, "deleted_in_target", "EN-LV001-C260203-1");
    assert_eq!(sides(gone), (None, m("0.10"), m("0.00"), money("-0.10")));
    assert_eq!(again["summary"]["byCategory"]["target"], 4, "{again:#}");
}
