//! Issue 15, item 1 and 2 against QuickBooks: answers that do not prove "not created" are never
//! taken for it, a refused entry is looked up before it is sent again, and an answer lost for a
//! whole batch is asked again in the identical request (the same `requestid`).

use serde_json::Value;

use super::common::Harness;
use super::support::{books, connect, entries, served_count, world};
use super::{MONTH, plan_json};

async fn planned(h: &Harness) -> usize {
    plan_json(&h.run(&["plan", "--format", "json"]).await)["entries"].as_array().expect("entries").len()
}

async fn status_json(h: &Harness) -> Value {
    serde_json::from_str(&h.run(&["status", "--format", "json"]).await.stdout).expect("status JSON")
}

/// The batch is stored, then answered 400, 408 or 409 (a gateway's answer after the commit). The
/// old client took every such 4xx for "not created": the entries became `failed` and the next
/// `post` sent them again under new tokens, 30 duplicates in the books.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_4xx_after_the_commit_is_never_taken_for_not_created() {
    for status in [400, 408, 409] {
        let h = world(MONTH).await;
        assert_eq!(connect(&h, false).await.code, Some(0));
        let want = planned(&h).await;
        h.set_faults(&format!(
            r#"[{{"service": "qbo", "method": "POST", "path": "**/batch", "nth": 1, "action": {{"status_after_commit": {status}}}}}]"#
        ))
        .await;
        let post = h.run(&["post"]).await;
        assert!(matches!(post.code, Some(0 | 1)), "{status}: {post:?}");
        assert_eq!(h.fired().await, vec![1], "{status}");
        assert!(!post.stdout.contains("refused"), "{status}: nothing was refused: {}", post.stdout);
        // `entries` fails on a document number held twice.
        assert_eq!(entries(&books(&h).await).len(), want, "{status}: {}", post.stdout);
        h.control(reqwest::Method::DELETE, "/_sandbox/faults", None).await;
        let again = h.run(&["post"]).await;
        assert!(again.stdout.contains("nothing new to post"), "{status}: {}", again.stdout);
        assert_eq!(entries(&books(&h).await).len(), want, "{status}");
        let status_now = status_json(&h).await;
        assert_eq!(status_now["targets"][0]["postings"]["confirmed"], want, "{status}: {status_now}");
    }
}

/// A state file that says `failed` for entries QuickBooks holds (what the old client left after a
/// 4xx after the commit, or an entry a person keyed by hand): the next `post` looks them up and
/// confirms them; it never sends them again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_entry_is_looked_up_before_it_is_ever_sent_again() {
    let h = world(MONTH).await;
    assert_eq!(connect(&h, false).await.code, Some(0));
    let want = planned(&h).await;
    let post = h.run(&["post"]).await;
    assert!(matches!(post.code, Some(0 | 1)), "{post:?}");
    let url = format!("sqlite://{}", h.state_path().display());
    let pool = sqlx::SqlitePool::connect(&url).await.expect("state file");
    let marked = sqlx::query(
        "UPDATE postings SET state = 'failed', error = 'HTTP 408' \
         WHERE target = 'qbo' AND entry_key IN (SELECT entry_key FROM postings WHERE target = 'qbo' LIMIT 12)",
    )
    .execute(&pool)
    .await
    .expect("mark failed")
    .rows_affected();
    pool.close().await;
    assert_eq!(marked, 12);
    let batches = served_count(&h, "POST", "/batch").await;

    let again = h.run(&["post"]).await;
    assert!(matches!(again.code, Some(0 | 1)), "{again:?}");
    assert!(
        again.stdout.contains("posted 12 entries") && again.stdout.contains("0 write calls"),
        "{}",
        again.stdout
    );
    assert_eq!(served_count(&h, "POST", "/batch").await, batches, "nothing was sent: {}", again.stdout);
    assert_eq!(entries(&books(&h).await).len(), want);
    assert_eq!(status_json(&h).await["targets"][0]["postings"]["confirmed"], want);
}

/// The whole batch's answer is lost twice after QuickBooks stored it: the identical request (the
/// same members, order and `requestid`) goes again, QuickBooks answers it with the first answer,
/// and nothing is looked up or sent in another composition.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_batch_is_asked_again_as_the_identical_request() {
    let h = world(MONTH).await;
    assert_eq!(connect(&h, false).await.code, Some(0));
    let want = planned(&h).await;
    h.set_faults(
        r#"[{"service": "qbo", "method": "POST", "path": "**/batch", "nth": 1, "action": "drop_after_commit"},
            {"service": "qbo", "method": "POST", "path": "**/batch", "nth": 2, "action": {"status_after_commit": 504}}]"#,
    )
    .await;
    let post = h.run(&["post"]).await;
    assert!(matches!(post.code, Some(0 | 1)), "{post:?}");
    assert_eq!(h.fired().await, vec![1, 1]);
    assert!(post.stdout.contains(", 0 lookups"), "{}", post.stdout);
    assert_eq!(served_count(&h, "POST", "/batch").await, want.div_ceil(30) as u64 + 2);
    assert_eq!(entries(&books(&h).await).len(), want, "{}", post.stdout);
    // Each send of the first batch was recorded before it left, under the entries' first tokens.
    let url = format!("sqlite://{}", h.state_path().display());
    let pool = sqlx::SqlitePool::connect(&url).await.expect("state file");
    let attempts: Vec<(i64, String)> = sqlx::query_as(
        "SELECT attempts, idempotency_key FROM postings WHERE target = 'qbo' AND attempts > 1",
    )
    .fetch_all(&pool)
    .await
    .expect("postings");
    pool.close().await;
    assert_eq!(attempts.len(), 30, "the first batch, sent three times: {attempts:?}");
    assert!(attempts.iter().all(|(n, token)| *n == 3 && token.ends_with("g1")), "{attempts:?}");
}

/// QuickBooks' preferences answer 500 for the whole run: the home currency is not known, so every
/// entry is held as `currency_unknown` (the old adapter skipped the check and sent every entry
/// without a currency, reported as USD); once the preferences can be read, they post.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_home_currency_holds_every_entry_until_it_is_known() {
    let h = world(MONTH).await;
    assert_eq!(connect(&h, false).await.code, Some(0));
    let want = planned(&h).await;
    h.set_faults(
        r#"[{"service": "qbo", "method": "GET", "path": "**/preferences", "action": {"status": 500}}]"#,
    )
    .await;
    let post = h.run(&["post"]).await;
    assert_eq!(post.code, Some(1), "{post:?}");
    assert!(post.stdout.contains("currency_unknown"), "{}", post.stdout);
    assert!(entries(&books(&h).await).is_empty(), "nothing sent in a guessed currency");
    assert_eq!(served_count(&h, "POST", "/batch").await, 0);
    // `status` never asks QuickBooks: it shows the holds the last post decided (issue 15, item 4).
    let status = h.run(&["status"]).await;
    assert_eq!(status.code, Some(1), "a hold needs a person: {status:?}");
    let held = format!("{want} held by the last post: currency_unknown");
    assert!(status.stdout.contains(&held), "{held:?} in {}", status.stdout);
    let json = status_json(&h).await;
    let qbo = json["targets"].as_array().expect("targets").iter().find(|t| t["target"] == "qbo").cloned();
    let held = qbo.expect("qbo")["held"].clone();
    assert_eq!(held[0]["kind"], "currency_unknown", "{held}");
    assert_eq!(held[0]["entries"], want as u64, "{held}");

    h.control(reqwest::Method::DELETE, "/_sandbox/faults", None).await;
    let later = h.run(&["post"]).await;
    assert!(matches!(later.code, Some(0 | 1)), "{later:?}");
    assert_eq!(entries(&books(&h).await).len(), want, "{}", later.stdout);
    let status = h.run(&["status"]).await;
    assert!(!status.stdout.contains("held by the last post"), "cleared once posted: {}", status.stdout);
}

/// The state file is lost after a night's post (or `--state` names a new one): a fresh state file
/// pulls again and posts. Keys and document numbers are deterministic, so the first post from it
/// asks each company what it already holds of ours and adopts it: nothing is sent twice (the old
/// connector sent every entry again to Xero).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_state_file_adopts_what_the_companies_hold_and_posts_nothing_twice() {
    let h = world(MONTH).await;
    h.set_target("xero", "enabled", Some(true.into()));
    h.set_target("xero", "auth", Some("client_credentials".into()));
    assert_eq!(connect(&h, false).await.code, Some(0));
    let want = planned(&h).await;
    let post = h.run(&["post"]).await;
    assert!(matches!(post.code, Some(0 | 1)), "{post:?}");
    let xero_before = xero_documents(&h).await;
    assert!(xero_before > 0);

    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", h.state_path().display()));
    }
    let pull = h.run(&["pull"]).await;
    assert!(matches!(pull.code, Some(0 | 1)), "{pull:?}");
    let reconnected = connect(&h, false).await;
    assert_eq!(reconnected.code, Some(0), "{reconnected:?}");
    assert!(
        reconnected
            .stdout
            .contains("already holds documents that this state file did not post: the first post looks up"),
        "connect says the company holds entries this state file does not know: {}",
        reconnected.stdout
    );
    sends_nothing_again(&h, &["post"], want, xero_before).await;
    let status = status_json(&h).await;
    let confirmed: Vec<u64> = status["targets"]
        .as_array()
        .expect("targets")
        .iter()
        .map(|t| t["postings"]["confirmed"].as_u64().unwrap_or(0))
        .collect();
    assert_eq!(confirmed, vec![want as u64, want as u64], "{status}");
    // And the night after, nothing new: nothing is looked up or sent.
    let third = h.run(&["post"]).await;
    assert!(third.stdout.contains("nothing new to post"), "{}", third.stdout);
}

/// A state file replaced by an older copy of itself (a backup restored over it): the copy that
/// posted last sent a late charge's entry, which the older copy records again as never sent, under
/// the same key and document number. Before a post sends anything, each company is asked what of
/// ours changed since it was last asked; a document this file never sent there sends the post the
/// way of a first post (everything looked up first). The old connector sent the entry again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_state_file_replaced_by_an_older_copy_posts_nothing_twice() {
    let h = world(MONTH).await;
    h.set_target("xero", "enabled", Some(true.into()));
    h.set_target("xero", "auth", Some("client_credentials".into()));
    assert_eq!(connect(&h, false).await.code, Some(0));
    let first = h.run(&["run"]).await;
    assert!(matches!(first.code, Some(0 | 1)), "{first:?}");
    // The state file is closed between runs: its WAL is checkpointed, but copy what is there.
    let backup = h.dir.path().join("backup");
    std::fs::create_dir_all(&backup).expect("backup folder");
    let copies = |from: &std::path::Path, to: &std::path::Path| {
        for suffix in ["", "-wal", "-shm"] {
            let (a, b) = (format!("{}{suffix}", from.display()), format!("{}{suffix}", to.display()));
            let _ = std::fs::remove_file(&b);
            if std::path::Path::new(&a).exists() {
                std::fs::copy(&a, &b).expect("copy the state file");
            }
        }
    };
    let saved = backup.join("state.db");
    copies(&h.state_path(), &saved);

    // A late charge, posted from the newer copy.
    let spec: entrata_recon_sandbox::generate::GenerateSpec = MONTH.parse().expect("spec");
    let dataset: Value =
        serde_json::from_slice(&entrata_recon_sandbox::generate::generate(&spec)).expect("JSON");
    let mut late = dataset["charges"]
        .as_array()
        .expect("charges")
        .iter()
        .find(|c| c["arCode"] == "RENT" && c["status"] == "posted" && c["reversesChargeId"].is_null())
        .cloned()
        .expect("a rent charge");
    late["chargeId"] = "chg_late_replaced".into();
    late["amount"] = "123.45".into();
    late["taxAmount"] = "0.00".into();
    h.upsert("charges", &late.to_string()).await;
    let newer = h.run(&["run"]).await;
    assert!(matches!(newer.code, Some(0 | 1)), "{newer:?}");
    let qbo_before = entries(&books(&h).await).len();
    let xero_before = xero_documents(&h).await;

    // The older copy comes back and runs the next night.
    copies(&saved, &h.state_path());
    sends_nothing_again(&h, &["run"], qbo_before, xero_before).await;
    // What the newer copy posted is adopted: the night after, nothing is looked up or sent.
    let third = h.run(&["post"]).await;
    assert!(third.stdout.contains("nothing new to post"), "{}", third.stdout);
}

/// Runs `args` and checks that it sends no batch to QuickBooks and nothing to Xero, and that the
/// companies hold what they held (`entries` fails on a document number held twice).
async fn sends_nothing_again(
    h: &Harness,
    args: &[&str],
    qbo_held: usize,
    xero_held: usize,
) -> super::common::Run {
    let batches = served_count(h, "POST", "/batch").await;
    let again = h.run(args).await;
    assert!(matches!(again.code, Some(0 | 1)), "{again:?}");
    assert_eq!(
        served_count(h, "POST", "/batch").await,
        batches,
        "nothing sent to QuickBooks: {}",
        again.stdout
    );
    assert_eq!(entries(&books(h).await).len(), qbo_held, "{}", again.stdout);
    assert_eq!(xero_documents(h).await, xero_held, "nothing sent to Xero again: {}", again.stdout);
    again
}

/// Manual journals and bank transactions the Xero sandbox holds.
async fn xero_documents(h: &Harness) -> usize {
    let state = h.control(reqwest::Method::GET, "/_sandbox/state?items=false", None).await;
    let count = |list: &str| state["xero"][list].as_array().map_or(0, Vec::len);
    count("manualJournals") + count("bankTransactions")
}
