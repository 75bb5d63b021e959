//! The real binary and where its state file is: one writer per file however the file is reached
//! (a symlink, a hard link, another spelling of its path), and a lost or mistyped state path never
//! silently starts afresh (no file created by `post`, `disconnect` or a read, no folder ever).

use crate::common;

use std::path::Path;

use common::{Harness, generated};

const PORTFOLIO: &str = "properties=1,months=1,seed=17";

fn arg(path: &Path) -> &str {
    path.to_str().expect("UTF-8 path")
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn a_second_pull_through_a_symlink_a_hard_link_or_another_spelling_is_refused_naming_the_holder() {
    let h = Harness::start(generated(PORTFOLIO)).await;
    h.set_faults(
        r#"[{"service": "entrata", "method": "GET", "path": "**/charges", "nth": 1, "action": {"delay_ms": 2000}}]"#,
    )
    .await;
    let mut first = h.command(&["pull"]).spawn().expect("first pull starts");
    let first_pid = first.id().expect("pid");
    // Parked on its charges page, the first pull holds the lock (and has created the file).
    h.wait_until_fired(0, 1).await;

    let symlink = h.dir.path().join("link.sqlite");
    std::os::unix::fs::symlink(h.state_path(), &symlink).expect("symlink");
    std::fs::create_dir(h.dir.path().join("x")).expect("folder");
    let hard_link = h.dir.path().join("x/hard.sqlite");
    std::fs::hard_link(h.state_path(), &hard_link).expect("hard link");
    let spelled = h.dir.path().join("x/../recon.sqlite");
    for other in [&symlink, &hard_link, &spelled] {
        let second = h.run(&["--state", arg(other), "pull"]).await;
        assert_eq!(second.code, Some(2), "{}: {second:?}", other.display());
        assert!(first.try_wait().expect("first pull").is_none(), "the first pull had already finished");
        // Under another name (the hard link) the holder's note is not beside it; the pid and the
        // command still are.
        let holder = format!("is in use by pid {first_pid} (`entrata-recon ");
        assert!(second.stderr.contains(&holder), "{}: {}", other.display(), second.stderr);
        assert!(second.stderr.contains(" pull`"), "{}: {}", other.display(), second.stderr);
    }
    let first = first.wait_with_output().await.expect("first pull ends");
    assert_eq!(first.status.code(), Some(0), "{}", String::from_utf8_lossy(&first.stderr));
    let state = h.state().await;
    assert_eq!(state.recent_runs(10).await.expect("runs").len(), 1, "only the first pull ran");
    state.close().await;
    // The lock went with the first process, whichever name is used now.
    assert_eq!(h.run(&["--state", arg(&hard_link), "pull"]).await.code, Some(0));
}

#[tokio::test]
async fn post_with_no_state_file_is_a_clear_error_and_creates_nothing() {
    let h = Harness::start(generated(PORTFOLIO)).await;
    h.write_mappings();
    for args in [&["post"][..], &["post", "--dry-run"], &["disconnect", "qbo"]] {
        let run = h.run(args).await;
        assert_eq!(run.code, Some(2), "{args:?}: {run:?}");
        let said = format!("no state file at {}: check `[state] path`", h.state_path().display());
        assert!(run.stderr.contains(&said), "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains("run `entrata-recon pull` first"), "{args:?}: {}", run.stderr);
        assert!(!h.state_path().exists(), "{args:?} created the state file");
        let lock = h.dir.path().join("recon.sqlite.lock");
        assert!(!lock.exists(), "{args:?} left a lock file");
    }
    assert_eq!(h.requests().await.entrata(), 0);
}

#[tokio::test]
async fn a_state_path_in_a_missing_folder_is_refused_naming_the_folder_and_never_created() {
    let h = Harness::start(generated(PORTFOLIO)).await;
    h.write_mappings();
    let folder = h.dir.path().join("typo");
    let state = folder.join("recon.sqlite");
    for args in [&["pull"][..], &["run"], &["post"], &["post", "--dry-run"], &["connect", "qbo"], &["status"]]
    {
        let mut full = vec!["--state", arg(&state)];
        full.extend_from_slice(args);
        let run = h.run(&full).await;
        assert_eq!(run.code, Some(2), "{args:?}: {run:?}");
        let said = format!("its folder {} does not exist", folder.display());
        assert!(run.stderr.contains(&said), "{args:?}: {}", run.stderr);
        assert!(!folder.exists(), "{args:?} created the folder");
    }
    assert_eq!(h.requests().await.entrata(), 0, "nothing was pulled for a file that cannot be kept");
}
