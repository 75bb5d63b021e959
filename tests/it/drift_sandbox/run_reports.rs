//! `run` ends with the drift report: an HTML and a CSV file in the reports folder (`[reports]
//! dir`), one pair per run, their paths printed; drift found makes the run need a person.

use reqwest::Method;
use serde_json::json;

use super::support::{Targets, edit_item, posted_world, xero_documents};

fn set_reports_dir(h: &crate::common::Harness, dir: &str) {
    let path = h.config_path();
    let mut config: toml::Table = std::fs::read_to_string(&path).expect("config").parse().expect("TOML");
    let mut reports = toml::Table::new();
    reports.insert("dir".into(), dir.into());
    config.insert("reports".into(), reports.into());
    std::fs::write(&path, toml::to_string(&config).expect("TOML")).expect("config written");
}

fn pairs(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|d| d.map(|e| e.expect("entry").file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_writes_one_html_and_csv_pair_per_run() {
    let h = posted_world(Targets::Xero).await;
    set_reports_dir(&h, "nightly");
    let dir = h.dir.path().join("nightly");

    let first = h.run(&["run"]).await;
    assert_eq!(first.code, Some(0), "{first:?}");
    assert!(
        first.stdout.contains("Drift report: no drift; nothing waits for a person:\n"),
        "{}",
        first.stdout
    );
    let written = pairs(&dir);
    assert_eq!(written.len(), 2, "{written:?}");
    assert!(
        written[0].starts_with("drift-") && written[0].ends_with(".csv") && written[1].ends_with(".html")
    );
    for name in &written {
        assert!(first.stdout.contains(&dir.join(name).display().to_string()), "{}", first.stdout);
    }
    // They hold the same money as the state file: owner-only, like it (issue 16, item 19).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        for name in &written {
            let mode = std::fs::metadata(dir.join(name)).expect("report").permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{name}");
        }
        let mode = std::fs::metadata(&dir).expect("reports folder").permissions().mode() & 0o777;
        assert_eq!(mode, 0o700, "the reports folder the run made");
    }

    // Entrata changes: the run posts the adjustment, and its drift report finds nothing left.
    edit_item(&h, "charges", "chg_1", |c| c["amount"] = json!(1300.00)).await;
    let second = h.run(&["run"]).await;
    assert!(matches!(second.code, Some(0 | 1)), "{second:?}");
    assert!(second.stdout.contains("Drift report: no drift"), "{}", second.stdout);
    assert_eq!(pairs(&dir).len(), 4);

    // Someone voids a journal in Xero: the next run's report finds it, and the run needs a person.
    let docs = xero_documents(&h).await;
    let (id, _, _) = &docs["EN-LV001-C260203-1"];
    h.control(Method::POST, &format!("/_sandbox/xero/manualjournals/{id}/void"), None).await;
    let third = h.run(&["run"]).await;
    assert_eq!(third.code, Some(1), "{third:?}");
    assert!(
        third.stdout.contains(
            "Drift report: DRIFT FOUND: 1 finding, 3 tie-out rows differ; nothing waits for a person:\n"
        ),
        "{}",
        third.stdout
    );
    // The closing screen's verdict and its list agree: the drift is what needs a person.
    assert!(third.stdout.contains("SOMETHING NEEDS A PERSON (exit 1)"), "{}", third.stdout);
    assert!(!third.stdout.contains("Nothing needs a person"), "{}", third.stdout);
    assert!(
        third.stdout.contains("  - the drift report found drift (1 finding, 3 tie-out rows differ): "),
        "{}",
        third.stdout
    );
    assert_eq!(pairs(&dir).len(), 6);
    let csv = third.stdout.lines().map(str::trim).find(|l| l.ends_with(".csv")).expect("the CSV's path");
    let text = std::fs::read_to_string(csv).expect("csv");
    assert!(text.lines().any(|l| l.starts_with("finding,target,voided_in_target,")), "{text}");
}
