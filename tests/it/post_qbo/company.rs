//! The company each posting belongs to (issue 15, item 7): the real binary connected to one
//! QuickBooks company, then to a second sandbox serving another realm. Another company is refused
//! without `--switch-company`; with it, the old company's postings stay its own (an unknown outcome
//! there is never looked up or resent in the new one, and is reported), and every entry is posted
//! once to the new company.

use serde_json::Value;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};

use super::support::{books, connect, connect_with, entries, world};
use crate::common::{Harness, json_dataset};

const MONTH: &str = "properties=2,months=1,seed=5";
const OTHER_REALM: &str = "9341453000000042";

async fn status_json(h: &Harness) -> (Option<i32>, Value) {
    let run = h.run(&["status", "--format", "json"]).await;
    (run.code, serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("status JSON: {e}: {run:?}")))
}

/// A second sandbox with the same books under another realm id.
async fn other_company() -> Harness {
    let spec: entrata_recon_sandbox::generate::GenerateSpec = MONTH.parse().expect("spec");
    let mut dataset: Value =
        serde_json::from_slice(&entrata_recon_sandbox::generate::generate(&spec)).expect("dataset JSON");
    dataset["qbo"]["realmId"] = OTHER_REALM.into();
    Harness::start(json_dataset(&serde_json::to_vec(&dataset).expect("JSON"))).await
}

/// Points `h`'s QuickBooks settings at `other`'s sandbox (the same client credentials).
fn point_qbo_at(h: &Harness, other: &Harness) {
    let text = std::fs::read_to_string(other.config_path()).expect("config");
    let config: toml::Table = text.parse().expect("TOML");
    let qbo = config["targets"]["qbo"].as_table().expect("[targets.qbo]");
    for key in ["api_base", "auth_url", "token_url", "revoke_url"] {
        h.set_target("qbo", key, Some(qbo[key].clone()));
    }
}

/// Makes one confirmed posting's outcome unknown (as a lost answer leaves it), returning its key.
async fn lose_one_answer(h: &Harness) -> String {
    let options = SqliteConnectOptions::new().filename(h.state_path());
    let pool = SqlitePoolOptions::new().max_connections(1).connect_with(options).await.expect("state file");
    let key: String = sqlx::query_scalar("SELECT entry_key FROM postings ORDER BY entry_key LIMIT 1")
        .fetch_one(&pool)
        .await
        .expect("a posting");
    sqlx::query("UPDATE postings SET state = 'uncertain', target_id = NULL WHERE entry_key = ?1")
        .bind(&key)
        .execute(&pool)
        .await
        .expect("updated");
    pool.close().await;
    key
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_company_is_refused_until_switched_and_then_gets_every_entry_once() {
    let h = world(MONTH).await;
    let first = connect(&h, false).await;
    assert_eq!(first.code, Some(0), "{first:?}");
    assert!(!first.stdout.contains("already holds"), "an empty company: {}", first.stdout);
    let post = h.run(&["post"]).await;
    assert!(matches!(post.code, Some(0 | 1)), "{post:?}");
    let (_, status) = status_json(&h).await;
    let realm = status["targets"][0]["companyId"].as_str().expect("connected").to_owned();
    let want = status["targets"][0]["postings"]["confirmed"].as_u64().expect("confirmed");
    assert!(want > 30, "{status}");
    assert_eq!(status["targets"][0]["postings"]["companyId"], realm.as_str(), "{status}");
    lose_one_answer(&h).await;

    let other = other_company().await;
    point_qbo_at(&h, &other);
    let refused = connect(&h, false).await;
    assert_eq!(refused.code, Some(2), "{refused:?}");
    for said in [realm.as_str(), OTHER_REALM, "--switch-company", "nothing was changed", "posted afresh"] {
        assert!(refused.stderr.contains(said), "{said}: {}", refused.stderr);
    }
    let (_, unchanged) = status_json(&h).await;
    assert_eq!(unchanged["targets"][0]["companyId"], realm.as_str(), "still the first company: {unchanged}");

    let switched = connect_with(&h, false, &["--switch-company"]).await;
    assert_eq!(switched.code, Some(0), "{switched:?}");
    assert!(switched.stdout.contains(&format!("postings to {realm} stay recorded")), "{}", switched.stdout);
    let post = h.run(&["post"]).await;
    assert_eq!(post.code, Some(1), "the unknown outcome in the old company needs a person: {post:?}");
    assert!(post.stdout.contains(&format!("posted {want} entries")), "{}", post.stdout);
    assert!(
        post.stdout.contains(&format!("company {realm} is not known, and it is no longer connected")),
        "{}",
        post.stdout
    );
    assert_eq!(entries(&books(&other).await).len() as u64, want, "every entry once in the new company");

    let (code, status) = status_json(&h).await;
    assert_eq!(code, Some(1), "{status}");
    let qbo = &status["targets"][0];
    assert_eq!(qbo["postings"]["companyId"], OTHER_REALM, "{status}");
    assert_eq!(qbo["postings"]["confirmed"].as_u64(), Some(want), "{status}");
    assert_eq!(qbo["postings"]["notSent"].as_u64(), Some(0), "{status}");
    let old = &qbo["otherCompanies"][0];
    assert_eq!(old["companyId"], realm.as_str(), "{status}");
    assert_eq!((old["confirmed"].as_u64(), old["uncertain"].as_u64()), (Some(want - 1), Some(1)), "{status}");
    let text = h.run(&["status"]).await.stdout;
    assert!(text.contains(&format!("company {realm}, no longer connected")), "{text}");

    // The night after: nothing is sent or looked up again, and the old company's unknown outcome
    // is still its own.
    let again = h.run(&["post"]).await;
    assert!(again.stdout.contains("nothing new to post"), "{}", again.stdout);
    assert_eq!(entries(&books(&other).await).len() as u64, want);
}
