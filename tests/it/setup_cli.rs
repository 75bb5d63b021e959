//! What a new user meets in the first hour, run as the real binary: `sandbox --write-config`
//! leaves a folder where `pull` and `plan` work at once (creating folders, writing the example
//! mapping files) and never overwrites a user's files without `--force`; options a command would
//! ignore are refused; the top-level help says what works today; fault files that would do
//! nothing are refused; a connection nobody accepts fails fast, naming the address, and `status`
//! says why the pull failed.

use crate::common;

use std::path::Path;

use common::cli::{Background, command, run};

fn sandbox_writing(cwd: &Path, config: &Path, extra: &[&str]) -> Background {
    let config = config.to_str().expect("UTF-8 path");
    let mut args = vec!["sandbox", "--generate", "properties=2,months=1,seed=3", "--write-config", config];
    args.extend_from_slice(extra);
    Background::start(command(cwd, &args))
}

#[test]
fn write_config_creates_folders_and_mapping_files_so_pull_and_plan_work() {
    let home = tempfile::tempdir().expect("temp dir");
    let config = home.path().join("try/a/new/folder/recon.toml");
    let sandbox = sandbox_writing(home.path(), &config, &[]);
    assert!(sandbox.stdout.contains("  Mappings:   "), "{}", sandbox.stdout);
    let folder = config.parent().expect("folder");
    for file in ["recon.toml", "recon.env", "mappings/portfolio.toml", "mappings/properties/prop_0001.toml"] {
        assert!(folder.join(file).is_file(), "{file} was not written");
    }
    let config = config.to_str().expect("UTF-8");
    let pull = run(home.path(), &["--config", config, "pull"]);
    assert_eq!(pull.code, Some(0), "{pull:?}");
    let plan = run(home.path(), &["--config", config, "plan"]);
    assert!(matches!(plan.code, Some(0 | 1)), "plan must run: {plan:?}");
    assert!(plan.stdout.contains("Totals per account"), "{}", plan.stdout);
}

#[test]
fn write_config_refuses_to_overwrite_without_force() {
    let home = tempfile::tempdir().expect("temp dir");
    let config = home.path().join("recon.toml");
    std::fs::write(&config, "# my real config\n").expect("write");
    std::fs::write(home.path().join("recon.env"), "ENTRATA_PASSWORD=my-real-password\n").expect("write");

    let refused = run(home.path(), &["sandbox", "--write-config", "recon.toml"]);
    assert_eq!(refused.code, Some(2), "{refused:?}");
    assert!(
        refused.stderr.contains("--write-config would overwrite recon.toml, recon.env")
            && refused.stderr.contains("pass --force to replace them"),
        "{}",
        refused.stderr
    );
    assert_eq!(std::fs::read_to_string(&config).expect("config"), "# my real config\n");
    let env = std::fs::read_to_string(home.path().join("recon.env")).expect("env");
    assert_eq!(env, "ENTRATA_PASSWORD=my-real-password\n");
    assert!(!home.path().join("mappings").exists(), "a refusal writes nothing");

    // A user's mapping files are theirs too.
    let other = home.path().join("other");
    std::fs::create_dir_all(other.join("mappings")).expect("mkdir");
    std::fs::write(other.join("mappings/portfolio.toml"), "version = 1\n").expect("write");
    let refused = run(home.path(), &["sandbox", "--write-config", "other/recon.toml"]);
    assert_eq!(refused.code, Some(2), "{refused:?}");
    assert!(refused.stderr.contains("other/mappings/portfolio.toml"), "{}", refused.stderr);
    assert!(!other.join("recon.toml").exists());

    // With --force they are replaced.
    let _sandbox = sandbox_writing(home.path(), &config, &["--force"]);
    assert!(std::fs::read_to_string(&config).expect("config").contains("[source]"));
    let env = std::fs::read_to_string(home.path().join("recon.env")).expect("env");
    assert!(!env.contains("my-real-password"), "{env}");
}

#[test]
fn demo_and_sandbox_refuse_config_and_state_they_would_ignore() {
    let home = tempfile::tempdir().expect("temp dir");
    let cases: [(&[&str], &str); 4] = [
        (&["--config", "x.toml", "demo"], "`demo` does not take --config: it writes its own config"),
        (&["demo", "--state", "x.sqlite"], "`demo` does not take --state"),
        (&["--config", "x.toml", "--state", "y", "sandbox"], "`sandbox` does not take --config or --state"),
        (&["sandbox", "--config", "x.toml"], "`sandbox` does not take --config"),
    ];
    for (args, expected) in cases {
        let refused = run(home.path(), args);
        assert_eq!(refused.code, Some(2), "{args:?}: {refused:?}");
        assert!(refused.stderr.contains(expected), "{args:?}: {}", refused.stderr);
    }
    // Their help does not offer what they refuse (issue 16, item 17); the other commands' does.
    for command in ["demo", "sandbox"] {
        let help = run(home.path(), &[command, "--help"]);
        assert_eq!(help.code, Some(0), "{help:?}");
        assert!(!help.stdout.contains("--config") && !help.stdout.contains("--state"), "{}", help.stdout);
    }
    let help = run(home.path(), &["pull", "--help"]);
    assert!(
        help.stdout.contains("--config <FILE>") && help.stdout.contains("--state <FILE>"),
        "{}",
        help.stdout
    );
    assert_eq!(std::fs::read_dir(home.path()).expect("dir").count(), 0, "nothing was written");
}

#[test]
fn top_level_help_says_what_works_today() {
    let home = tempfile::tempdir().expect("temp dir");
    let help = run(home.path(), &["--help"]);
    assert_eq!(help.code, Some(0));
    // Help is wrapped to the terminal: compare words.
    let about = help.stdout.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(about.contains("Pulls Entrata resident ledgers"), "{}", help.stdout);
    assert!(about.contains("posts them exactly once to QuickBooks Online and Xero"), "{}", help.stdout);
    // Every command it names is one `--help` lists.
    for command in [
        "demo",
        "sandbox",
        "pull",
        "plan",
        "mappings",
        "connect",
        "post",
        "run",
        "drift",
        "disconnect",
        "status",
    ] {
        assert!(help.stdout.contains(&format!("  {command} ")), "{command} in {}", help.stdout);
    }
    assert!(
        about.contains("says in the drift report where Entrata, the state file and the targets disagree")
    );
    // What each command's help says it does is what it does (issue 16, item 17): the demo connects
    // and posts, `status` shows no list of runs.
    let demo = run(home.path(), &["demo", "--help"]).stdout.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(demo.contains("connects QuickBooks and Xero"), "{demo}");
    assert!(demo.contains("one adjustment per target"), "{demo}");
    let status =
        run(home.path(), &["status", "--help"]).stdout.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(!status.contains("the last runs"), "{status}");
    assert!(status.contains("the last pull"), "{status}");
    assert!(status.contains("needs `connect` again"), "{status}");
}

#[test]
fn fault_files_that_would_do_nothing_are_refused_naming_the_rule() {
    let home = tempfile::tempdir().expect("temp dir");
    let cases = [
        ("{}", "no rules, so it would do nothing"),
        (
            r#"[{"service": "entrata", "probability": 0, "action": "reset"}]"#,
            "rules[0]: field \"probability\": 0 never fires",
        ),
        (
            r#"[{"service": "entrata", "method": "FETCH", "action": "reset"}]"#,
            "rules[0]: field \"method\": unknown HTTP method \"FETCH\"",
        ),
        (
            r#"[{"service": "entrata", "nth": 1, "times": 0, "action": "reset"}]"#,
            "rules[0]: field \"times\": expected an integer >= 1",
        ),
        (
            r#"[{"service": "ftp", "action": "reset"}]"#,
            "rules[0]: field \"service\": unknown service \"ftp\"",
        ),
        (r#"[{"service": "entrata", "path": "/xero/**", "action": "reset"}]"#, "matches no Entrata path"),
    ];
    for (json, expected) in cases {
        std::fs::write(home.path().join("faults.json"), json).expect("write");
        let refused = run(home.path(), &["sandbox", "--faults", "faults.json"]);
        assert_eq!(refused.code, Some(2), "{json}: {refused:?}");
        assert!(
            refused.stderr.contains("faults.json: fault plan: ") && refused.stderr.contains(expected),
            "{json}: {}",
            refused.stderr
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_listening_fails_fast_naming_the_address_and_status_says_why() {
    let h = common::Harness::start(common::generated("properties=1,months=1,seed=2")).await;
    let port = h.sandbox.addr().port();
    let common::Harness { sandbox, dir, .. } = h;
    sandbox.shutdown().await;

    let config = dir.path().join("recon.toml").to_str().expect("UTF-8").to_owned();
    let home = dir.path().to_owned();
    let for_pull = config.clone();
    let pull = tokio::task::spawn_blocking(move || run(&home, &["--config", &for_pull, "pull"]))
        .await
        .expect("pull");
    let config = config.as_str();
    assert_eq!(pull.code, Some(2), "{pull:?}");
    let expected = format!(
        "error: cannot reach Entrata at http://127.0.0.1:{port}: nothing accepts connections there (3 attempts)"
    );
    assert!(pull.stderr.contains(&expected), "{}", pull.stderr);

    let status = run(dir.path(), &["--config", config, "status"]);
    assert!(
        status.stdout.contains("(failed)")
            && status.stdout.contains(&format!("cannot reach Entrata at http://127.0.0.1:{port}")),
        "status must say why the last pull failed: {status:?}"
    );
    assert_eq!(status.code, Some(1), "a failed last pull needs a person: {status:?}");
}

#[test]
fn plain_http_to_a_remote_token_endpoint_is_refused_naming_file_line_and_column() {
    let home = tempfile::tempdir().expect("temp dir");
    let config = home.path().join("recon.toml");
    let text = r#"[source]
kind = "rest"
base_url = "http://127.0.0.1:9/entrata/integrations/int_demo"
integration_token_env = "T"
username_env = "U"
password_env = "P"
totp_secret_env = "S"

[targets.qbo]
api_base = "https://quickbooks.api.intuit.com"
token_url = "http://oauth.platform.intuit.com/oauth2/v1/tokens/bearer"
client_id_env = "QBO_CLIENT_ID"
client_secret_env = "QBO_CLIENT_SECRET"
"#;
    std::fs::write(&config, text).expect("config written");
    let status = run(home.path(), &["--config", config.to_str().expect("UTF-8"), "status"]);
    assert_eq!(status.code, Some(2), "{status:?}");
    let at =
        format!("{}:11:13: [targets.qbo] token_url = \"http://oauth.platform.intuit.com/", config.display());
    assert!(status.stderr.contains(&at), "{}", status.stderr);
    assert!(status.stderr.contains("must be https://"), "{}", status.stderr);
    assert!(!home.path().join("recon.sqlite").exists());
}
