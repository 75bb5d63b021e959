//! `pull` through Entrata's own API (`[source] kind = "entrata"`, issue 19) against the sandbox's
//! `/entrata-api`, by the real client: pages, limits waited out on the sandbox clock, a repeat
//! pull that changes nothing, a deletion Entrata never lists, refusals, and no secret in any
//! output at trace level.

use entrata_recon::domain::ItemKind;
use entrata_recon_sandbox::generate::{GenerateSpec, generate};
use serde_json::Value;

use crate::common::{Harness, json_dataset};

const SPEC: &str = "properties=2,months=1,seed=5";

/// A harness whose config reads Entrata's own API; `limits` goes into the dataset's
/// `entrataApi` object (`{"minute": N}`) when given.
async fn api_harness(spec: &str, limits: Option<&str>) -> Harness {
    let bytes = generate(&spec.parse::<GenerateSpec>().unwrap());
    let bytes = match limits {
        Some(limits) => {
            let head = format!(r#"{{"entrataApi": {{"limits": {limits}}},"#);
            [head.as_bytes(), &bytes[1..]].concat()
        }
        None => bytes,
    };
    let h = Harness::start(json_dataset(&bytes)).await;
    h.sandbox.write_config_entrata_api(&h.config_path()).unwrap();
    h.write_mappings();
    h
}

fn dataset(spec: &str) -> Value {
    serde_json::from_slice(&generate(&spec.parse::<GenerateSpec>().unwrap())).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repeat_pull_changes_nothing_and_a_charge_entrata_stops_listing_is_recorded_deleted() {
    let h = api_harness(SPEC, None).await;
    let first = h.pull().await;
    let total = first.total();
    assert!(total.new > 100, "{total:?}");
    assert_eq!(first.client.throttled, 0);

    let again = h.pull().await.total();
    assert_eq!((again.new, again.changed), (0, 0), "unchanged content keeps its stored text: {again:?}");

    // Entrata reverses a charge: its API lists it no more. The sandbox's REST API would keep it
    // with status deleted; through Entrata's own API only its absence from a window read to its
    // end says so.
    let data = dataset(SPEC);
    let charge = data["charges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "posted")
        .max_by_key(|c| c["postDate"].as_str().unwrap_or("").to_owned())
        .unwrap()
        .clone();
    let id = charge["chargeId"].as_str().unwrap().to_owned();
    let mut deleted = charge.clone();
    deleted["status"] = Value::String("deleted".into());
    h.upsert("charges", &deleted.to_string()).await;
    let after = h.pull().await.total();
    assert_eq!((after.new, after.changed), (0, 1), "{after:?}");
    let stored = h.stored().await;
    let versions = stored.versions(ItemKind::Charge, &id);
    assert_eq!(versions.len(), 2);
    assert!(versions[1].raw.contains(r#""status":"deleted""#), "{}", versions[1].raw);
    assert!(versions[0].raw.contains(r#""status":"posted""#));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_last_page_exactly_full_is_followed_by_no_records_and_the_pull_ends() {
    let h = api_harness(SPEC, None).await;
    let data = dataset(SPEC);
    let leases = data["leases"].as_array().unwrap().iter().filter(|l| l["propertyId"] == "prop_0001").count();
    assert!(leases >= 5, "{leases} leases");
    h.set_source("page_size", Some(i64::try_from(leases).unwrap().into()));
    h.pull().await;
    let stored = h.stored().await;
    let stored_leases = stored
        .current(ItemKind::Lease)
        .values()
        .filter(|r| r.property_id.as_deref() == Some("prop_0001"))
        .count();
    assert_eq!(stored_leases, leases);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_services_minute_window_is_waited_out_before_the_limit_is_hit() {
    let h = api_harness(SPEC, Some(r#"{"day": 15000, "hour": 1000, "minute": 12}"#)).await;
    // Small payment batches: getArPayments (one service) is called more often than its window allows.
    h.set_source("payment_batch", Some(5.into()));
    let pause = h.virtual_pause();
    let summary = h.pull_pausing(pause.clone()).await;
    assert_eq!(summary.client.throttled, 0, "the limit was never hit: {:?}", summary.client);
    let waits = pause.waits();
    assert!(!waits.is_empty(), "with 12 calls a minute some call waited");
    assert!(waits.iter().all(|w| w.as_secs() <= 60), "never longer than the minute: {waits:?}");
    h.assert_api_pull_complete().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_entrata_refuses_stops_the_pull_saying_who_can_grant_access() {
    let h = api_harness(SPEC, None).await;
    h.set_env("ENTRATA_API_KEY", Some("not-the-key"));
    let run = h.run(&["pull"]).await;
    assert_eq!(run.code, Some(2), "{run:?}");
    assert!(run.stderr.contains("account manager"), "{}", run.stderr);
    assert!(!run.stderr.contains("not-the-key"), "{}", run.stderr);
    // Nothing was written: not even the properties.
    let state = h.state().await;
    assert!(state.current_items(ItemKind::Property, None).await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn basic_auth_on_the_legacy_host_pulls_and_no_secret_reaches_a_trace_log() {
    let h = api_harness(SPEC, None).await;
    let key = h.env_value("ENTRATA_API_KEY");
    let mut outputs = Vec::new();
    for (label, basic) in [("apikey", false), ("basic", true)] {
        if basic {
            let data = dataset(SPEC);
            let user = &data["users"][0];
            h.set_source("auth", Some("basic".into()));
            h.set_source("base_url", Some(h.sandbox.entrata_api_legacy_base_url().into()));
            h.set_source("username_env", Some("ENTRATA_API_USER".into()));
            h.set_source("password_env", Some("ENTRATA_API_PASSWORD".into()));
            h.set_env("ENTRATA_API_USER", user["username"].as_str());
            h.set_env("ENTRATA_API_PASSWORD", user["password"].as_str());
        }
        let mut command = h.command(&["-vv", "pull", "--full"]);
        command.env("RUST_LOG", "trace");
        let output = command.output().await.unwrap();
        let text =
            format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
        assert_eq!(output.status.code(), Some(0), "{label}: {text}");
        assert!(text.contains("TRACE"), "{label}: traced");
        outputs.push(text);
    }
    let password = dataset(SPEC)["users"][0]["password"].as_str().unwrap().to_owned();
    let basic = data_encoding::BASE64
        .encode(format!("{}:{password}", dataset(SPEC)["users"][0]["username"].as_str().unwrap()).as_bytes());
    for secret in [key.as_str(), password.as_str(), basic.as_str()] {
        assert!(secret.len() >= 6, "a real secret: {secret:?}");
        for output in &outputs {
            assert!(!output.contains(secret), "a secret in the output");
        }
    }
}

impl Harness {
    /// The state file holds what the sandbox serves, item by item, as `assert_means` reads it.
    async fn assert_api_pull_complete(&self) {
        let served = self.served().await;
        self.stored().await.assert_means(&served);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mappings_check_compares_entratas_own_gl_mapping_of_each_ar_code() {
    let h = api_harness(SPEC, None).await;
    h.pull().await;
    let check = h.run(&["mappings", "check"]).await;
    // The example mapping splits UTIL over water and sewer; Entrata credits one GL account.
    assert!(
        check.stdout.contains(
            "UTIL: Entrata credits GL 4200; the mapping credits water_income (qbo 4210, xero 4210) and sewer_income (qbo 4220, xero 4220)"
        ),
        "{}",
        check.stdout
    );
    assert!(!check.stdout.contains("RENT: Entrata"), "RENT agrees (4000 both): {}", check.stdout);

    // Naming Entrata's account for rental_income: RENT is compared with that, and now differs.
    let portfolio = h.dir.path().join("mappings/portfolio.toml");
    let text = std::fs::read_to_string(&portfolio).unwrap();
    let edited = text.replace(
        r#"rental_income        = { qbo = "4000", xero = "4000" }"#,
        r#"rental_income        = { qbo = "4000", xero = "4000", entrata = "235693" }"#,
    );
    assert_ne!(edited, text);
    std::fs::write(&portfolio, edited).unwrap();
    let check = h.run(&["mappings", "check"]).await;
    assert!(
        check.stdout.contains("RENT: Entrata credits GL 4000; the mapping credits rental_income (entrata 235693, qbo 4000, xero 4000)"),
        "{}",
        check.stdout
    );
    // Information, not a finding: the exit code is what the other findings make it.
    assert!(matches!(check.code, Some(0 | 1)), "{check:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_mark_exported_the_deposits_that_reached_the_books_are_marked_once_in_entrata() {
    let h = api_harness(SPEC, None).await;
    h.set_target("xero", "enabled", Some(false.into()));
    let connected = crate::post_qbo::support::connect(&h, false).await;
    assert_eq!(connected.code, Some(0), "{connected:?}");

    // Off by default: a run writes nothing to Entrata.
    let run = h.run(&["run"]).await;
    assert!(matches!(run.code, Some(0 | 1)), "{run:?}");
    let exported =
        |state: &Value| state["entrataApi"]["exportedGlDetailIds"].as_array().cloned().unwrap_or_default();
    let state = h.control(reqwest::Method::GET, "/_sandbox/state?items=false", None).await;
    assert!(exported(&state).is_empty(), "nothing marked without mark_exported");

    h.set_source("mark_exported", Some(true.into()));
    let run = h.run(&["run"]).await;
    assert!(matches!(run.code, Some(0 | 1)), "{run:?}");
    let state = h.control(reqwest::Method::GET, "/_sandbox/state?items=false", None).await;
    let marked: Vec<String> = exported(&state).iter().filter_map(|v| v.as_str().map(str::to_owned)).collect();
    // Every deposit whose entry QuickBooks confirmed, and no other.
    let posted_deposits: Vec<String> = {
        let url = format!("sqlite://{}", h.state_path().display());
        let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
        let rows: Vec<(String,)> = sqlx::query_as(
            "SELECT DISTINCT s.item_id FROM entry_sources s JOIN entries e ON e.entry_key = s.entry_key \
             JOIN postings p ON p.entry_key = s.entry_key \
             WHERE s.item_kind = 'deposits' AND e.kind = 'deposit' AND p.state = 'confirmed' ORDER BY 1",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        pool.close().await;
        rows.into_iter().map(|(id,)| id).collect()
    };
    assert!(!posted_deposits.is_empty());
    let mut sorted = marked.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted, posted_deposits);
    assert_eq!(sorted.len(), marked.len(), "each line marked once");
    assert!(run.stdout.contains("deposit GL line(s) marked exported"), "{}", run.stdout);

    // Marked once: the next run marks nothing again.
    let again = h.run(&["run"]).await;
    assert!(matches!(again.code, Some(0 | 1)), "{again:?}");
    let state = h.control(reqwest::Method::GET, "/_sandbox/state?items=false", None).await;
    assert_eq!(exported(&state).len(), marked.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gl_answer_as_large_as_gl_split_at_is_read_again_in_halves_and_nothing_is_lost() {
    let h = api_harness(SPEC, None).await;
    // Every property has more than three deposit lines: each first answer is "maybe cut short".
    h.set_source("gl_split_at", Some(3.into()));
    h.pull().await;
    h.assert_api_pull_complete().await;
    let state = h.control(reqwest::Method::GET, "/_sandbox/state?items=false", None).await;
    let financial_calls: u64 = state["entrataApi"]["rateLimits"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["service"] == "financial")
        .map(|w| 15_000 - w["remaining"]["day"].as_u64().unwrap())
        .sum();
    assert!(financial_calls > 2 * 4, "each property's window was split: {financial_calls} calls");

    // A day with more lines than that stops the pull instead of losing any.
    h.set_source("gl_split_at", Some(2.into()));
    let data = dataset(SPEC);
    let mut days = std::collections::BTreeMap::new();
    for d in data["deposits"].as_array().unwrap() {
        let day = (d["propertyId"].as_str().unwrap_or(""), d["depositDate"].as_str().unwrap_or(""));
        *days.entry(day).or_insert(0) += 1;
    }
    let busiest = days.values().any(|n| *n >= 2);
    assert!(busiest, "the portfolio has a property with two deposits on one day");
    if busiest {
        let run = h.run(&["pull", "--full"]).await;
        assert_eq!(run.code, Some(2), "{run:?}");
        assert!(run.stderr.contains("source.gl_split_at"), "{}", run.stderr);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn payments_an_answer_silently_left_out_are_asked_for_again_until_every_one_is_in() {
    // getArPayments has no paging; this sandbox answers at most 7 payments a call, silently.
    let h =
        api_harness(SPEC, Some(r#"{"day": 10000000, "hour": 1000000, "minute": 100000}, "answerCap": 7"#))
            .await;
    let summary = h.pull().await;
    h.assert_api_pull_complete().await;
    let payments = dataset(SPEC)["payments"].as_array().unwrap().len() as u64;
    assert!(summary.client.requests > payments / 7, "{:?}", summary.client);
}

/// Against Entrata's shapes alone (`entrataApi.extensions = false`: none of the fields the sandbox
/// adds, docs/sources.md section 7.3), as a real account answers: the currency comes from
/// getLeases, AR codes are keyed by Entrata's id, and what cannot be known is held, never guessed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn through_entratas_shapes_alone_codes_are_its_ids_and_nothing_is_guessed() {
    let h =
        api_harness(SPEC, Some(r#"{"day": 15000, "hour": 1000, "minute": 150}, "extensions": false"#)).await;
    let pulled = h.run(&["pull"]).await;
    assert!(matches!(pulled.code, Some(0 | 1)), "{pulled:?}");
    let stored = h.stored().await;
    for row in stored.current(ItemKind::Property).values() {
        let property: Value = serde_json::from_str(&row.raw).unwrap();
        assert_eq!(property["currency"], "USD", "getLeases states it: {}", row.raw);
        assert_eq!(property["code"], property["propertyId"], "no lookup code: the id");
    }

    let first = plan_json(&h).await;
    let kinds = |plan: &Value, kind: &str| {
        plan["exceptions"].as_array().unwrap().iter().filter(|e| e["kind"] == kind).count()
    };
    // The mapping's `[codes.RENT]` is not Entrata's key: every charge waits for a rule.
    assert!(kinds(&first, "unmapped_code") > 0);
    assert!(first["entries"].as_array().unwrap().iter().all(|e| e["kind"] != "charges"), "no charge guessed");
    assert!(first["entries"].as_array().unwrap().iter().all(|e| e["currency"] == "USD"));

    // The operator keys the mapping by Entrata's AR code id (`ar_code_key = "id"`): rent posts.
    h.set_source("ar_code_key", Some("id".into()));
    let rent_id = dataset(SPEC)["arCodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "RENT")
        .and_then(|c| c["arCodeId"].as_str().map(str::to_owned))
        .unwrap();
    let portfolio = h.dir.path().join("mappings/portfolio.toml");
    let text = std::fs::read_to_string(&portfolio).unwrap();
    std::fs::write(&portfolio, format!("{text}\n[codes.{rent_id}]\naccount = \"rental_income\"\n")).unwrap();
    let pulled = h.run(&["pull", "--full"]).await;
    assert!(matches!(pulled.code, Some(0 | 1)), "{pulled:?}");
    let second = plan_json(&h).await;
    assert!(second["entries"].as_array().unwrap().iter().any(|e| e["kind"] == "charges"), "rent posts now");
}

async fn plan_json(h: &Harness) -> Value {
    let run = h.run(&["plan", "--format", "json"]).await;
    assert!(matches!(run.code, Some(0 | 1)), "{run:?}");
    serde_json::from_str(&run.stdout).unwrap()
}
