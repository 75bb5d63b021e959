//! `status`, `plan` and `mappings check` only read: they open the state file read-only, never
//! migrate or add a table, refuse a file that is not a state file (or is of another schema) with
//! exit 2, and work on a state file in a folder the user cannot write to.

use crate::common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use common::{Harness, Run, generated};
use entrata_recon::mapping::examples::write_example_mappings;
use sqlx::Row;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};

const READERS: [&[&str]; 3] = [&["status"], &["plan"], &["mappings", "check"]];

async fn world() -> Harness {
    let h = Harness::start(generated("properties=2,months=1,seed=4")).await;
    write_example_mappings(&h.dir.path().join("mappings")).expect("mappings");
    assert_eq!(h.run(&["pull"]).await.code, Some(0));
    h
}

/// Runs SQL on a SQLite file behind the connector's back.
async fn sql(path: &Path, statements: &[&str]) {
    let options = SqliteConnectOptions::new().filename(path).create_if_missing(true);
    let pool = SqlitePoolOptions::new().max_connections(1).connect_with(options).await.expect("sqlite");
    for statement in statements {
        sqlx::query(sqlx::AssertSqlSafe(statement.to_string()))
            .execute(&pool)
            .await
            .unwrap_or_else(|e| panic!("{statement}: {e}"));
    }
    pool.close().await;
}

async fn tables(path: &Path) -> Vec<String> {
    let options = SqliteConnectOptions::new().filename(path).read_only(true);
    let pool = SqlitePoolOptions::new().max_connections(1).connect_with(options).await.expect("sqlite");
    let rows = sqlx::query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .fetch_all(&pool)
        .await
        .expect("tables");
    pool.close().await;
    rows.into_iter().map(|r| r.get(0)).collect()
}

/// The file's bytes, as a digest (a failed comparison must not print a database).
fn digest(path: &Path) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(std::fs::read(path).expect("file")).iter().map(|b| format!("{b:02x}")).collect()
}

fn listing(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect()
}

/// Each reader (and `pull`) against `state`, which it must refuse with `expected` and leave as it was.
async fn refused_by_all(h: &Harness, state: &Path, expected: &str) {
    let bytes = digest(state);
    let files = listing(state.parent().expect("dir"));
    let state_arg = state.to_str().expect("UTF-8");
    for args in READERS.iter().copied().chain([&["pull"][..]]) {
        let mut all = vec!["--state", state_arg];
        all.extend_from_slice(args);
        let run: Run = h.run(&all).await;
        assert_eq!(run.code, Some(2), "{args:?}: {run:?}");
        assert!(run.stderr.contains(expected), "{args:?}: expected {expected:?} in {}", run.stderr);
        assert_eq!(digest(state), bytes, "{args:?} changed the file");
        assert_eq!(listing(state.parent().expect("dir")), files, "{args:?} created files");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_that_is_not_a_state_file_is_refused_and_left_alone() {
    let h = world().await;
    let other = h.dir.path().join("other/notes.sqlite");
    std::fs::create_dir_all(other.parent().expect("dir")).expect("mkdir");
    sql(&other, &["CREATE TABLE notes (body TEXT)", "INSERT INTO notes VALUES ('mine')"]).await;
    let expected = format!("{} is not an entrata-recon state file (it holds `notes`)", other.display());
    refused_by_all(&h, &other, &expected).await;
    assert_eq!(tables(&other).await, ["notes"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_schemas_are_refused_without_migrating() {
    let h = world().await;
    let newer = h.dir.path().join("newer/recon.sqlite");
    std::fs::create_dir_all(newer.parent().expect("dir")).expect("mkdir");
    std::fs::copy(h.state_path(), &newer).expect("copy");
    sql(
        &newer,
        &[
            "PRAGMA journal_mode = DELETE",
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (99, 'from the future', 1, x'00', 0)",
        ],
    )
    .await;
    let known =
        std::fs::read_dir(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/recon/migrations"))
            .expect("migrations")
            .count();
    let expected =
        format!("was written by a newer entrata-recon (schema version 99; this one knows up to {known})");
    refused_by_all(&h, &newer, &expected).await;

    // An older schema: the readers say to pull (which migrates); they never migrate themselves.
    let older = h.dir.path().join("older/recon.sqlite");
    std::fs::create_dir_all(older.parent().expect("dir")).expect("mkdir");
    std::fs::copy(h.state_path(), &older).expect("copy");
    sql(
        &older,
        &[
            "PRAGMA journal_mode = DELETE",
            "DELETE FROM _sqlx_migrations WHERE version = (SELECT max(version) FROM _sqlx_migrations)",
        ],
    )
    .await;
    let bytes = digest(&older);
    for args in READERS {
        let mut all = vec!["--state", older.to_str().expect("UTF-8")];
        all.extend_from_slice(args);
        let run = h.run(&all).await;
        assert_eq!(run.code, Some(2), "{args:?}: {run:?}");
        assert!(
            run.stderr.contains(&format!(
                "has an older schema (version {}; this version uses {known}): run `entrata-recon pull` once",
                known - 1
            )),
            "{args:?}: {}",
            run.stderr
        );
        assert_eq!(digest(&older), bytes, "{args:?} changed the file");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readers_change_nothing_in_the_state_file() {
    let h = world().await;
    let state = h.state_path();
    let before = tables(&state).await;
    let bytes = digest(&state);
    for args in READERS {
        let run = h.run(args).await;
        assert!(matches!(run.code, Some(0 | 1)), "{args:?}: {run:?}");
    }
    assert_eq!(digest(&state), bytes);
    assert_eq!(tables(&state).await, before);
}

/// As the user would: a state file in a folder they cannot write to (a copy of the nightly job's,
/// or the job's own folder, read by a controller). Permissions bind everyone but root, so as root
/// the readers run as `nobody` through `setpriv`; without it the test says it is skipped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readers_work_in_a_folder_the_user_cannot_write_to() {
    use std::os::unix::fs::PermissionsExt;
    let h = world().await;
    let ro = h.dir.path().join("ro");
    std::fs::create_dir(&ro).expect("mkdir");
    std::fs::copy(h.state_path(), ro.join("recon.sqlite")).expect("copy");
    write_example_mappings(&ro.join("mappings")).expect("mappings");
    // The config without its env file: the readers need no secrets.
    let config = std::fs::read_to_string(h.config_path()).expect("config");
    let config: String =
        config.lines().filter(|l| !l.starts_with("env_file")).map(|l| format!("{l}\n")).collect();
    std::fs::write(ro.join("recon.toml"), config).expect("config");
    for path in [ro.join("recon.sqlite"), ro.join("recon.toml")] {
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    }
    std::fs::set_permissions(h.dir.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).expect("chmod");
    let before = listing(&ro);

    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    let runner: Option<Vec<String>> = if !root {
        Some(Vec::new())
    } else if Path::new("/usr/bin/setpriv").exists() {
        Some(
            ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
                .map(str::to_owned)
                .to_vec(),
        )
    } else {
        None
    };
    let Some(runner) = runner else {
        eprintln!(
            "skipped: running as root, where folder permissions are not enforced, and setpriv is missing"
        );
        std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        return;
    };
    for args in READERS {
        let mut command = match runner.split_first() {
            Some((program, rest)) => {
                let mut command = std::process::Command::new(program);
                command.args(rest).arg(common::cli::BIN);
                command
            }
            None => std::process::Command::new(common::cli::BIN),
        };
        let output = command
            .args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .current_dir(&ro)
            .output()
            .expect("runs");
        let (stdout, stderr) =
            (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
        assert!(matches!(output.status.code(), Some(0 | 1)), "{args:?}: {stdout}\n{stderr}");
        assert!(!stderr.contains("readonly database"), "{args:?}: {stderr}");
        assert!(!stdout.is_empty(), "{args:?} printed nothing");
    }
    assert_eq!(listing(&ro), before, "the readers created files in the folder");
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let _: PathBuf = ro;
}
