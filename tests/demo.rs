//! The demo runs with no set-up, and embeds exactly the example mapping files.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use entrata_recon::run::demo::EXAMPLE_MAPPINGS;

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
fn demo_pulls_plans_and_summarizes_from_nothing() {
    let home = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_entrata-recon"))
        .args(["-q", "demo", "--generate", "properties=2,months=2,seed=5"])
        // Run from an empty folder with a hostile environment: the demo must need neither.
        .current_dir(home.path())
        .env("TMPDIR", home.path())
        .env("ENTRATA_PASSWORD", "not-the-sandbox-password")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "demo failed\nstdout:\n{stdout}\nstderr:\n{stderr}");
    for expected in [
        "1. Pull",
        "Pulled 2 properties",
        "Entries that would be posted",
        "Totals per account",
        "(all accounts)",
    ] {
        assert!(stdout.contains(expected), "missing {expected:?} in:\n{stdout}");
    }
    // Debits equal credits over the whole plan.
    let totals = stdout.lines().find(|l| l.trim_start().starts_with("(all accounts)")).unwrap();
    let numbers: Vec<&str> = totals.split_whitespace().skip(2).collect();
    assert_eq!(numbers.len(), 2, "{totals}");
    assert_eq!(numbers[0], numbers[1], "{totals}");
    // The folder it names holds a state file that `status` can read.
    let folder = stdout.lines().find_map(|l| l.strip_prefix("The demo's files are kept in ")).unwrap();
    let folder = folder.trim_end_matches(':');
    let status = Command::new(env!("CARGO_BIN_EXE_entrata-recon"))
        .args(["--config", &format!("{folder}/recon.toml"), "status", "--format", "json"])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert!(json["items"]["charges"].as_u64().unwrap() > 0, "{json}");
}
