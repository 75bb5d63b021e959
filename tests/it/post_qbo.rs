//! Posting to QuickBooks Online end to end, over real HTTP: the real binary connects through the
//! OAuth redirect (loopback and pasted), posts a generated month, and what the QBO sandbox then
//! holds is read back and compared with the plan line by line; reruns, lost answers, expired and
//! spent tokens, closed periods and inactive accounts.

use crate::common;
mod company;
mod exactly_once;
mod interrupt;
pub(crate) mod support;

use std::collections::BTreeMap;

use common::Harness;
use reqwest::Method;
use rust_decimal::Decimal;
use serde_json::Value;
use support::{account_id, account_numbers, books, connect, decimal, entries, served_count, world};

const MONTH: &str = "properties=2,months=1,seed=5";

fn plan_json(run: &common::Run) -> Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("plan JSON: {e}: {}", run.stderr))
}

/// The mapping's QuickBooks number of each logical account (from the example portfolio).
fn qbo_numbers(h: &Harness) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(h.dir.path().join("mappings/portfolio.toml")).expect("portfolio");
    let table: toml::Table = text.parse().expect("TOML");
    table["accounts"]
        .as_table()
        .expect("[accounts]")
        .iter()
        .filter_map(|(name, a)| Some((name.clone(), a.get("qbo")?.as_str()?.to_owned())))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_month_posts_exactly_as_planned_and_a_rerun_posts_nothing() {
    let h = world(MONTH).await;
    let connected = connect(&h, false).await;
    assert_eq!(connected.code, Some(0), "{connected:?}");
    assert!(connected.stdout.contains("Connected to QuickBooks Online"), "{}", connected.stdout);

    let plan = plan_json(&h.run(&["plan", "--format", "json"]).await);
    let planned = plan["entries"].as_array().expect("entries");
    assert!(planned.len() > 30, "a month should need several batches, got {}", planned.len());

    let post = h.run(&["post"]).await;
    assert!(matches!(post.code, Some(0 | 1)), "{post:?}");
    assert!(post.stdout.contains(&format!("posted {} entries", planned.len())), "{}", post.stdout);

    let books = books(&h).await;
    let held = entries(&books);
    assert_eq!(held.len(), planned.len(), "every planned entry once, no other");
    let numbers = account_numbers(&books);
    let qbo = qbo_numbers(&h);
    let classes: BTreeMap<String, String> = books["classes"]
        .as_array()
        .expect("classes")
        .iter()
        .map(|c| (c["Id"].as_str().expect("Id").to_owned(), c["Name"].as_str().expect("Name").to_owned()))
        .collect();
    for entry in planned {
        let number = entry["docNumber"].as_str().expect("docNumber");
        let je = held.get(number).unwrap_or_else(|| panic!("{number} not in QuickBooks"));
        assert_eq!(je["TxnDate"], entry["date"], "{number}");
        let key = entry["key"].as_str().expect("key");
        assert!(je["PrivateNote"].as_str().expect("note").contains(key), "{number}: the key is in the memo");
        // Every planned line, with its amount, side and account number, and nothing else.
        let mut want: Vec<(String, &str, Decimal)> = entry["lines"]
            .as_array()
            .expect("lines")
            .iter()
            .map(|l| {
                let account = qbo[l["account"].as_str().expect("account")].clone();
                let (debit, credit) = (decimal(&l["debit"]), decimal(&l["credit"]));
                if debit > Decimal::ZERO { (account, "Debit", debit) } else { (account, "Credit", credit) }
            })
            .collect();
        let mut got: Vec<(String, &str, Decimal)> = je["Line"]
            .as_array()
            .expect("Line")
            .iter()
            .map(|l| {
                let detail = &l["JournalEntryLineDetail"];
                let id = detail["AccountRef"]["value"].as_str().expect("AccountRef");
                let side = if detail["PostingType"] == "Debit" { "Debit" } else { "Credit" };
                (numbers[id].clone(), side, decimal(&l["Amount"]))
            })
            .collect();
        want.sort();
        got.sort();
        assert_eq!(got, want, "{number}");
        // Class from the property's mapping; a customer on every receivables line.
        let property = entry["propertyId"].as_str().expect("propertyId");
        for line in je["Line"].as_array().expect("Line") {
            let detail = &line["JournalEntryLineDetail"];
            if let Some(class) = detail["ClassRef"]["value"].as_str() {
                assert!(!classes[class].is_empty(), "{number}: class of {property}");
            }
            if numbers[detail["AccountRef"]["value"].as_str().expect("id")] == qbo["receivables"] {
                assert_eq!(detail["Entity"]["Type"], "Customer", "{number}");
            }
        }
    }

    let again = h.run(&["post"]).await;
    assert!(matches!(again.code, Some(0 | 1)), "{again:?}");
    assert!(again.stdout.contains("nothing new to post"), "{}", again.stdout);
    assert_eq!(entries(&books_now(&h).await).len(), planned.len());

    // `status` names the company and the token's expiry, counts the postings, shows no token.
    let status = h.run(&["status"]).await;
    assert!(status.stdout.contains("QuickBooks Online"), "{}", status.stdout);
    assert!(
        status.stdout.contains(&format!("{} posted, 0 pending, 0 uncertain, 0 refused", planned.len())),
        "{}",
        status.stdout
    );
    assert!(status.stdout.contains("access token until"), "{}", status.stdout);
    let json: Value =
        serde_json::from_str(&h.run(&["status", "--format", "json"]).await.stdout).expect("JSON");
    assert_eq!(json["targets"][0]["postings"]["confirmed"], planned.len());
    let (access, refresh) = stored_tokens(&h).await;
    for output in [status.all_output(), json.to_string(), post.all_output()] {
        assert!(!output.contains(&access) && !output.contains(&refresh), "a token was printed");
    }
}

/// The stored access and refresh tokens of QBO.
async fn stored_tokens(h: &Harness) -> (String, String) {
    let url = format!("sqlite://{}", h.state_path().display());
    let pool = sqlx::SqlitePool::connect(&url).await.expect("state file");
    let row: (String, String) =
        sqlx::query_as("SELECT access_token, refresh_token FROM oauth_tokens WHERE target = 'qbo'")
            .fetch_one(&pool)
            .await
            .expect("tokens");
    pool.close().await;
    row
}

async fn books_now(h: &Harness) -> Value {
    books(h).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_by_pasting_the_redirected_address_and_posting_in_batches_of_30() {
    let h = world(MONTH).await;
    let connected = connect(&h, true).await;
    assert_eq!(connected.code, Some(0), "{connected:?}");
    let post = h.run(&["post", "--target", "qbo"]).await;
    assert!(matches!(post.code, Some(0 | 1)), "{post:?}");
    let posted = entries(&books(&h).await).len() as u64;
    // At most ceil(N/30) batch calls, and no query per entry: references are read once.
    let batches = served_count(&h, "POST", "/batch").await;
    assert_eq!(batches, posted.div_ceil(30), "{posted} entries");
    let queries = served_count(&h, "GET", "/query").await;
    assert!(queries <= 6, "{queries} queries for {posted} entries");
    let state = h.control(Method::GET, "/_sandbox/state?items=false", None).await;
    let throttled: Vec<&String> =
        state["requests"].as_object().expect("requests").keys().filter(|k| k.ends_with("-> 429")).collect();
    assert!(throttled.is_empty(), "no 429 under the real limits: {throttled:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_lost_after_the_work_is_found_by_lookup_never_sent_twice() {
    for action in [r#""drop_after_commit""#, r#"{"status_after_commit": 502}"#] {
        let h = world(MONTH).await;
        assert_eq!(connect(&h, false).await.code, Some(0));
        h.set_faults(&format!(
            r#"[{{"service": "qbo", "method": "POST", "path": "**/batch", "nth": 1, "action": {action}}}]"#
        ))
        .await;
        let post = h.run(&["post"]).await;
        assert!(matches!(post.code, Some(0 | 1)), "{action}: {post:?}");
        assert_eq!(h.fired().await, vec![1], "{action}");
        // The lost batch was asked again as the identical request (the same `requestid`), which
        // QuickBooks answered with its first answer: nothing looked up, nothing twice.
        assert!(post.stdout.contains(", 0 lookups"), "{action}: {}", post.stdout);
        let plan = plan_json(&h.run(&["plan", "--format", "json"]).await);
        let planned = plan["entries"].as_array().expect("entries").len();
        // `entries` fails on any document number held twice.
        assert_eq!(entries(&books(&h).await).len(), planned, "{action}: {}", post.stdout);
        let again = h.run(&["post"]).await;
        assert!(again.stdout.contains("nothing new to post"), "{action}: {}", again.stdout);
        assert_eq!(entries(&books(&h).await).len(), planned, "{action}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_access_token_is_refreshed_and_a_spent_refresh_token_is_a_clear_exit_2() {
    let h = world(MONTH).await;
    assert_eq!(connect(&h, false).await.code, Some(0));
    // The service expires the token mid-run: one refresh, then the run goes on.
    h.set_faults(
        r#"[{"service": "qbo", "method": "POST", "path": "**/batch", "nth": 1, "action": "expire_token"}]"#,
    )
    .await;
    let post = h.run(&["post"]).await;
    assert!(matches!(post.code, Some(0 | 1)), "{post:?}");
    assert_eq!(h.fired().await, vec![1]);
    assert!(post.stderr.contains("refreshed") || post.stdout.contains("posted"), "{post:?}");

    // Someone else spends the refresh token (QuickBooks rotates it on use) and the access token
    // expires: the next run must say to connect again, with exit 2.
    h.set_faults("[]").await;
    spend_refresh_token(&h).await;
    h.advance_time(3_700).await;
    let post = h.run(&["post"]).await;
    assert_eq!(post.code, Some(2), "{post:?}");
    assert!(post.all_output().contains("run `entrata-recon connect qbo` again"), "{}", post.all_output());
    // `status` says the same, never "refreshed on next use" (issue 16, item 5), and needs a person.
    let status = h.run(&["status"]).await;
    assert_eq!(status.code, Some(1), "{status:?}");
    assert!(status.stdout.contains("NEEDS `entrata-recon connect qbo` AGAIN"), "{}", status.stdout);
    assert!(!status.stdout.contains("refreshed on next use"), "{}", status.stdout);
    let json: serde_json::Value =
        serde_json::from_str(&h.run(&["status", "--format", "json"]).await.stdout).expect("status JSON");
    let qbo = &json["targets"][0];
    assert_eq!(qbo["target"], "qbo");
    assert!(qbo["connectionRefused"]["detail"].is_string(), "{qbo}");
    // A new connection clears it.
    assert_eq!(connect(&h, false).await.code, Some(0));
    let status = h.run(&["status"]).await;
    assert!(!status.stdout.contains("AGAIN"), "{}", status.stdout);
}

/// QuickBooks refuses every token, fresh ones too (a connection revoked on Intuit's side answers
/// so): one refresh, then the target stops with exit 2 and the words to reconnect; nothing was
/// posted or left uncertain, and once QuickBooks accepts tokens again the next run posts it all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fresh_token_refused_too_stops_with_exit_2_and_loses_nothing() {
    let h = world(MONTH).await;
    assert_eq!(connect(&h, false).await.code, Some(0));
    h.set_faults(
        r#"[{"service": "qbo", "method": "POST", "path": "**/batch", "every": 1, "action": "expire_token"}]"#,
    )
    .await;
    let post = h.run(&["post"]).await;
    assert_eq!(post.code, Some(2), "{post:?}");
    assert!(post.all_output().contains("QuickBooks refused a fresh access token"), "{}", post.all_output());
    assert!(post.all_output().contains("run `entrata-recon connect qbo` again"), "{}", post.all_output());
    assert_eq!(h.fired().await, vec![2], "the first token and the one refreshed after it");
    assert!(entries(&books(&h).await).is_empty(), "nothing posted");

    h.set_faults("[]").await;
    let again = h.run(&["post"]).await;
    assert!(matches!(again.code, Some(0 | 1)), "{again:?}");
    assert!(!again.all_output().contains("uncertain"), "{}", again.all_output());
    assert!(!entries(&books(&h).await).is_empty(), "posted on the next run");
}

/// Uses the stored refresh token once, out of band (as a second copy of the app would).
async fn spend_refresh_token(h: &Harness) {
    let url = format!("sqlite://{}", h.state_path().display());
    let pool = sqlx::SqlitePool::connect(&url).await.expect("state file");
    let refresh: String = sqlx::query_scalar("SELECT refresh_token FROM oauth_tokens WHERE target = 'qbo'")
        .fetch_one(&pool)
        .await
        .expect("refresh token");
    pool.close().await;
    let token_url = format!("{}/qbo/oauth2/v1/tokens/bearer", h.sandbox.base_url());
    let response = reqwest::Client::new()
        .post(token_url)
        .basic_auth(h.env_value("QBO_CLIENT_ID"), Some(h.env_value("QBO_CLIENT_SECRET")))
        .form(&[("grant_type", "refresh_token"), ("refresh_token", refresh.as_str())])
        .send()
        .await
        .expect("token endpoint");
    assert!(response.status().is_success(), "{:?}", response.text().await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_period_is_re_dated_and_an_inactive_account_held_per_entry_while_the_rest_posts() {
    let h = world(MONTH).await;
    assert_eq!(connect(&h, false).await.code, Some(0));
    let plan = plan_json(&h.run(&["plan", "--format", "json"]).await);
    let planned = plan["entries"].as_array().expect("entries");
    let first_date = planned.iter().filter_map(|e| e["date"].as_str()).min().expect("a date").to_owned();
    // The books are closed through the first day; pet income (4120) is made inactive.
    h.control(
        Method::POST,
        "/_sandbox/qbo/close-date",
        Some(format!(r#"{{"bookCloseDate": "{first_date}"}}"#)),
    )
    .await;
    let books_before = books(&h).await;
    let pet = account_id(&books_before, "4120");
    h.control(Method::POST, &format!("/_sandbox/qbo/accounts/{pet}/deactivate"), None).await;

    let post = h.run(&["post"]).await;
    assert_eq!(post.code, Some(1), "the inactive account needs a person: {post:?}");
    assert!(post.stdout.contains("4120") && post.stdout.contains("inactive"), "{}", post.stdout);
    // The closed day's entries are re-dated to the first open day, with their own date in the
    // memo, and the summary says so.
    assert!(post.stdout.contains("RE-DATED"), "{}", post.stdout);
    let next_day =
        (first_date.parse::<chrono::NaiveDate>().expect("date") + chrono::Days::new(1)).to_string();
    let posted = entries(&books(&h).await);
    let closed: Vec<&Value> = planned.iter().filter(|e| e["date"] == first_date.as_str()).collect();
    assert!(!closed.is_empty());
    for entry in &closed {
        let number = entry["docNumber"].as_str().expect("docNumber");
        if let Some(je) = posted.get(number) {
            assert_eq!(je["TxnDate"], next_day.as_str(), "{number}");
            let note = je["PrivateNote"].as_str().expect("note");
            assert!(note.contains(&format!("dated {first_date} in Entrata")), "{note}");
        }
    }
    assert!(closed.iter().any(|e| posted.contains_key(e["docNumber"].as_str().expect("number"))));
    assert!(posted.len() > planned.len() / 2, "the rest posts: {} of {}", posted.len(), planned.len());

    // Reopened, the refused entries post on the next run; nothing posted before is sent again.
    h.control(Method::POST, "/_sandbox/qbo/close-date", Some(r#"{"bookCloseDate": null}"#.into())).await;
    h.control(Method::POST, &format!("/_sandbox/qbo/accounts/{pet}/reactivate"), None).await;
    let again = h.run(&["post"]).await;
    assert!(matches!(again.code, Some(0 | 1)), "{again:?}");
    assert_eq!(entries(&books(&h).await).len(), planned.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn document_numbers_never_move_when_a_held_deposit_is_released_a_night_later() {
    // Night 1: one deposit of a busy day does not add up (held); the others of that day post.
    let spec: entrata_recon_sandbox::generate::GenerateSpec = MONTH.parse().expect("spec");
    let dataset: Value =
        serde_json::from_slice(&entrata_recon_sandbox::generate::generate(&spec)).expect("JSON");
    let deposits = dataset["deposits"].as_array().expect("deposits");
    let mut per_day: BTreeMap<(String, String), Vec<&Value>> = BTreeMap::new();
    for d in deposits {
        per_day
            .entry((
                d["propertyId"].as_str().unwrap_or_default().into(),
                d["depositDate"].as_str().unwrap_or_default().into(),
            ))
            .or_default()
            .push(d);
    }
    // A day late in the month (the generator plants its deposit mismatch early), with two deposits;
    // the later of them is held.
    let (_, same_day) =
        per_day.into_iter().rev().find(|(_, ds)| ds.len() >= 2).expect("a day with two deposits");
    let mut held = same_day
        .iter()
        .max_by_key(|d| d["depositId"].as_str().map(str::to_owned))
        .copied()
        .cloned()
        .expect("deposit");
    let right_amount = held["amount"].clone();
    held["amount"] = Value::String("1.01".into());

    let h = Harness::start(common::generated(MONTH)).await;
    h.write_mappings();
    h.set_target("xero", "enabled", Some(false.into()));
    h.upsert("deposits", &held.to_string()).await;
    assert!(matches!(h.run(&["pull"]).await.code, Some(0 | 1)));
    assert_eq!(connect(&h, false).await.code, Some(0));
    let first = h.run(&["post"]).await;
    assert_eq!(first.code, Some(1), "the held deposit needs a person: {first:?}");
    let night1 = entries(&books(&h).await);

    // Night 2: corrected in Entrata and released. It gets the next free number of its day; every
    // number given on night 1 stays on the entry it was given to.
    held["amount"] = right_amount;
    h.upsert("deposits", &held.to_string()).await;
    assert!(matches!(h.run(&["pull"]).await.code, Some(0 | 1)));
    let second = h.run(&["post"]).await;
    assert!(matches!(second.code, Some(0 | 1)), "{second:?}");
    let night2 = entries(&books(&h).await);
    assert_eq!(night2.len(), night1.len() + 1, "{}", second.stdout);
    for (number, entry) in &night1 {
        assert_eq!(night2[number]["Id"], entry["Id"], "{number} moved");
    }
    let released: Vec<&String> = night2.keys().filter(|n| !night1.contains_key(*n)).collect();
    let day_entries = night1.keys().filter(|n| n.starts_with(&released[0][..released[0].len() - 1])).count();
    assert!(
        released[0].ends_with(&format!("-{}", day_entries + 1)),
        "{released:?} after {day_entries} of its day"
    );
    assert_eq!(night2[released[0]]["TxnDate"], held["depositDate"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mappings_check_asks_the_connected_company_about_every_name() {
    let h = world(MONTH).await;
    // Two properties: the example file of a third would name a class this company does not have.
    std::fs::remove_file(h.dir.path().join("mappings/properties/prop_0003.toml")).expect("remove");
    let clean = h.run(&["mappings", "check", "--target", "qbo"]).await;
    assert!(clean.stdout.contains("is not connected"), "{}", clean.stdout);
    assert_eq!(connect(&h, false).await.code, Some(0));
    let clean = h.run(&["mappings", "check", "--target", "qbo"]).await;
    assert!(
        clean.stdout.contains("every account and name the mappings use exists and is active"),
        "{}",
        clean.stdout
    );

    let pet = support::account_id(&books(&h).await, "4120");
    h.control(Method::POST, &format!("/_sandbox/qbo/accounts/{pet}/deactivate"), None).await;
    let property = h.dir.path().join("mappings/properties/prop_0001.toml");
    let text = std::fs::read_to_string(&property).expect("property file");
    std::fs::write(&property, text.replace("qbo_class = \"Lakeview\"", "qbo_class = \"Lakeveiw\""))
        .expect("write");
    let check = h.run(&["mappings", "check", "--target", "qbo"]).await;
    assert_eq!(check.code, Some(1), "{check:?}");
    let portfolio_line = std::fs::read_to_string(h.dir.path().join("mappings/portfolio.toml"))
        .expect("portfolio")
        .lines()
        .position(|l| l.starts_with("pet_income"))
        .expect("pet_income line")
        + 1;
    assert!(
        check.stdout.contains(&format!("portfolio.toml:{portfolio_line}: QuickBooks account 4120 (")),
        "{}",
        check.stdout
    );
    assert!(check.stdout.contains("for `pet_income` is inactive"), "{}", check.stdout);
    assert!(
        check.stdout.contains("property prop_0001: QuickBooks has no class named `Lakeveiw`"),
        "{}",
        check.stdout
    );
    assert_eq!(h.run(&["mappings", "check", "--target", "qbo", "--strict"]).await.code, Some(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mappings_check_finds_xero_tracking_options_that_do_not_exist_before_anything_is_posted() {
    let h = world(MONTH).await;
    std::fs::remove_file(h.dir.path().join("mappings/properties/prop_0003.toml")).expect("remove");
    h.set_target("xero", "enabled", Some(true.into()));
    h.set_target("xero", "auth", Some("client_credentials".into()));
    let clean = h.run(&["mappings", "check", "--target", "xero"]).await;
    assert!(
        clean.stdout.contains("Xero: every account and name the mappings use exists"),
        "{}",
        clean.stdout
    );
    let property = h.dir.path().join("mappings/properties/prop_0001.toml");
    let text = std::fs::read_to_string(&property).expect("property file");
    std::fs::write(&property, text.replace("option = \"Lakeview\"", "option = \"Lakesidee\""))
        .expect("write");
    let check = h.run(&["mappings", "check", "--target", "xero"]).await;
    assert_eq!(check.code, Some(1), "{check:?}");
    assert!(check.stdout.contains("Lakesidee"), "{}", check.stdout);
    let state = h.control(Method::GET, "/_sandbox/state?items=false", None).await;
    assert_eq!(state["xero"]["manualJournals"].as_array().map(Vec::len), Some(0), "nothing was posted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_runs_at_once_leave_exactly_one_posting_per_entry() {
    let h = world(MONTH).await;
    assert_eq!(connect(&h, false).await.code, Some(0));
    // The first run is held on its first batch (a slow answer) while the second starts.
    h.set_faults(r#"[{"service": "qbo", "method": "POST", "path": "**/batch", "nth": 1, "action": {"delay_ms": 3000}}]"#)
        .await;
    let first = h.command(&["run"]).spawn().expect("first run starts");
    h.wait_until_fired(0, 1).await;
    let second = h.run(&["run"]).await;
    assert_eq!(second.code, Some(2), "{second:?}");
    assert!(second.stderr.contains("in use by pid"), "names the holder: {}", second.stderr);
    let first = first.wait_with_output().await.expect("first run ends");
    assert!(matches!(first.status.code(), Some(0 | 1)), "{}", String::from_utf8_lossy(&first.stderr));
    // Run again, and once more concurrently with nothing to do: every entry is in QuickBooks once.
    let (a, b) = tokio::join!(h.run(&["run"]), h.run(&["run"]));
    assert!([a.code, b.code].iter().all(|c| matches!(c, Some(0..=2))), "{a:?} {b:?}");
    let plan = plan_json(&h.run(&["plan", "--format", "json"]).await);
    // `entries` fails on a document number held twice.
    assert_eq!(entries(&books(&h).await).len(), plan["entries"].as_array().expect("entries").len());
}

/// Dry runs tell the truth (issue 16, item 3): the first night's `post --dry-run` would post what
/// it would record (it once said "would post 0"); once posted, `run --dry-run` says how many were
/// posted before; after a refused refresh token, `run` still says how many the company holds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_runs_and_stopped_runs_say_what_is_posted_and_what_would_be() {
    let h = world(MONTH).await;
    assert_eq!(connect(&h, false).await.code, Some(0));
    let planned = plan_count(&h).await;
    let dry = h.run(&["post", "--dry-run"]).await;
    assert!(matches!(dry.code, Some(0 | 1)), "{dry:?}");
    assert!(dry.stdout.contains(&format!("Would record {planned} new entries")), "{}", dry.stdout);
    assert!(dry.stdout.contains(&format!("would post {planned} entries")), "{}", dry.stdout);
    assert!(entries(&books(&h).await).is_empty(), "a dry run sends nothing");

    let post = h.run(&["post"]).await;
    assert!(matches!(post.code, Some(0 | 1)), "{post:?}");
    let posted = entries(&books(&h).await).len();
    let again = h.run(&["post", "--dry-run"]).await;
    assert!(
        again.stdout.contains(&format!("would post 0 entries; {posted} posted before")),
        "{}",
        again.stdout
    );

    // The refresh token is spent elsewhere and the access token expires: the run stops for
    // QuickBooks, and still says what it holds.
    spend_refresh_token(&h).await;
    h.advance_time(3_700).await;
    let stopped = h.run(&["post"]).await;
    assert_eq!(stopped.code, Some(2), "{stopped:?}");
    assert!(stopped.stdout.contains(&format!("{posted} posted before")), "{}", stopped.stdout);
}

async fn plan_count(h: &Harness) -> usize {
    let plan = h.run(&["plan", "--format", "json"]).await;
    let plan: Value = serde_json::from_str(&plan.stdout).expect("plan JSON");
    plan["entries"].as_array().expect("entries").len()
}

/// Each target is its own job (issue 16, items 1 and 2). A mistake in QuickBooks' settings (a
/// misnamed `client_secret_env`) once stopped the whole run after the pull, and Xero was not
/// posted; now Xero posts, QuickBooks is reported with its reason, and the run exits 2. And a
/// target enabled but not connected is a line of the drift report, never a reason to write none:
/// `run --target qbo` compares QuickBooks only.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_targets_trouble_is_its_own_and_the_report_says_what_it_did_not_compare() {
    let h = world(MONTH).await;
    assert_eq!(connect(&h, false).await.code, Some(0));
    h.set_target("xero", "enabled", Some(true.into()));
    let planned = plan_count(&h).await;

    // Xero enabled through `connect xero` (PKCE) and never connected: `run --target qbo` posts
    // QuickBooks and writes its drift report; `drift` says Xero was not compared.
    let run = h.run(&["run", "--target", "qbo"]).await;
    assert!(matches!(run.code, Some(0 | 1)), "{run:?}");
    assert!(run.stdout.contains("Drift report: "), "{}", run.stdout);
    assert!(!run.stdout.contains("not written"), "{}", run.stdout);
    let drift = h.run(&["drift"]).await;
    assert!(matches!(drift.code, Some(0 | 1)), "{drift:?}");
    assert!(
        drift.stdout.contains("Xero: not connected (`entrata-recon connect xero`), not compared"),
        "{}",
        drift.stdout
    );
    let only = h.run(&["drift", "--target", "qbo", "--format", "json"]).await;
    let only: Value = serde_json::from_str(&only.stdout).expect("drift JSON");
    assert_eq!(only["targets"].as_array().map(Vec::len), Some(1), "{only}");
    assert_eq!(only["notCompared"], serde_json::json!([]), "{only}");

    // QuickBooks' secret named wrong, Xero a custom connection: Xero posts, QuickBooks says why not.
    h.set_target("xero", "auth", Some("client_credentials".into()));
    h.set_target("qbo", "client_secret_env", Some("NO_SUCH_QBO_SECRET".into()));
    let run = h.run(&["run"]).await;
    assert_eq!(run.code, Some(2), "{run:?}");
    assert!(run.stdout.contains("NO_SUCH_QBO_SECRET"), "{}", run.stdout);
    let state = h.control(Method::GET, "/_sandbox/state?items=false", None).await;
    let xero = state["xero"]["manualJournals"].as_array().map_or(0, Vec::len)
        + state["xero"]["bankTransactions"].as_array().map_or(0, Vec::len);
    assert_eq!(xero, planned, "Xero posted everything: {}", run.stdout);
}
