//! The demo runs with no set-up, and embeds exactly the example mapping files.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use entrata_recon::mapping::examples::EXAMPLE_MAPPINGS;

fn files_under(dir: &Path, prefix: &str, out: &mut BTreeSet<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let name = format!("{prefix}{}", entry.file_name().to_string_lossy());
        if entry.file_type().unwrap().is_dir() {
            files_under(&entry.path(), &format!("{name}/"), out);
        } else {
            out.insert(name);
        }
    }
}

#[test]
fn embedded_mappings_are_the_mappings_folder() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("mappings");
    let mut on_disk = BTreeSet::new();
    files_under(&root, "", &mut on_disk);
    let embedded: BTreeSet<String> = EXAMPLE_MAPPINGS.iter().map(|(name, _)| name.to_string()).collect();
    assert_eq!(embedded, on_disk, "update EXAMPLE_MAPPINGS in src/run/demo.rs");
    for (name, text) in EXAMPLE_MAPPINGS {
        assert_eq!(*text, std::fs::read_to_string(root.join(name)).unwrap(), "{name}");
    }
}

#[test]
fn demo_connects_two_owners_posts_reruns_moves_a_property_and_adjusts_from_nothing() {
    let home = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_entrata-recon"))
        .args(["-q", "demo", "--generate", "properties=2,months=2,seed=5"])
        // Run from an empty folder with a hostile environment: the demo must need neither.
        .current_dir(home.path())
        .env("TMPDIR", home.path())
        .env("ENTRATA_PASSWORD", "not-the-sandbox-password")
        .env("QBO_CLIENT_SECRET", "not-the-sandbox-secret")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "demo failed\nstdout:\n{stdout}\nstderr:\n{stderr}");
    for expected in [
        "1. Connect QuickBooks Online for each owner",
        "2. Connect Xero for each owner",
        "3. The nightly job",
        "4. The nightly job again: nothing new to post",
        "6. The nightly job: the adjustment goes to owner-b's books, where the posted entry is",
        "prop_0002 posts to book owner-a now",
        "adjustments recorded: 1",
        "Drift report: no drift",
    ] {
        assert!(stdout.contains(expected), "missing {expected:?} in:\n{stdout}");
    }
    // Two owners, each its own company in each target. The first night posts each owner's entries
    // to both its companies; the second posts nothing; on the third, prop_0002 has moved from
    // owner-b to owner-a: its edited charge's 25.00 adjustment goes to owner-b's companies, where
    // the entry it corrects is, and its new 40.00 charge to owner-a's.
    let posted = |label: &str| -> Vec<String> {
        stdout
            .lines()
            .filter(|l| l.trim_start().starts_with(label))
            .map(|l| l.split("posted ").nth(1).unwrap_or_default().to_owned())
            .collect()
    };
    for (book, third) in [("owner-a", "1 entry (40.00 USD)"), ("owner-b", "1 entry (25.00 USD)")] {
        for target in ["QuickBooks Online", "Xero"] {
            let nights = posted(&format!("{target} ({book})"));
            assert_eq!(nights.len(), 3, "{target} ({book}): {nights:?}");
            assert!(!nights[0].starts_with("0 entries"), "{target} ({book}): {nights:?}");
            assert!(nights[1].starts_with("0 entries"), "{target} ({book}): {nights:?}");
            assert!(nights[2].starts_with(third), "{target} ({book}): {nights:?}");
        }
        let first = |target: &str| posted(&format!("{target} ({book})"))[0].clone();
        assert_eq!(first("QuickBooks Online"), first("Xero"), "{book}: both targets hold the same");
    }
    assert_ne!(posted("QuickBooks Online (owner-a)")[0], posted("QuickBooks Online (owner-b)")[0]);
    // The folder it names holds a state file that `status` can read.
    let folder = stdout.lines().find_map(|l| l.strip_prefix("The demo's files are kept in ")).unwrap();
    let folder = folder.trim_end_matches(':');
    let status = Command::new(env!("CARGO_BIN_EXE_entrata-recon"))
        .args(["--config", &format!("{folder}/recon.toml"), "status", "--format", "json"])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert!(json["items"]["charges"].as_u64().unwrap() > 0, "{json}");
    assert_eq!(json["targets"].as_array().map(Vec::len), Some(4), "two owners, two targets each: {json}");
}

/// The logs a person reads (issue 16, item 18): one line per batch or step at the default level,
/// never one per entry (the demo once wrote 895 lines to stderr), and values as text, never Rust's
/// debug form (`Some("...")`).
#[test]
fn the_demo_logs_a_line_per_step_not_per_entry() {
    let home = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_entrata-recon"))
        .args(["demo", "--generate", "properties=2,months=2,seed=5"])
        .current_dir(home.path())
        .env("TMPDIR", home.path())
        .env_remove("RUST_LOG")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "demo failed\nstdout:\n{stdout}\nstderr:\n{stderr}");
    let lines = stderr.lines().count();
    assert!(lines < 120, "{lines} log lines:\n{stderr}");
    assert!(!stderr.contains("Some("), "{stderr}");
}
