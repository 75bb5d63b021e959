//! The lookup of entries whose answer was lost (issue 15, item 9): it reads the one list that can
//! hold each entry, chosen by the class the target sends it as (never by parsing its key, whose
//! anchor is an Entrata id that may hold a `/`); it pages in an order another user's edit cannot
//! shift (an edit between two page requests hides nothing); and its `If-Modified-Since` window is
//! on Xero's clock (a Xero clock hours behind ours hides nothing). In-process, on the virtual clock.

use std::time::Duration;

use entrata_recon::posting::engine::needs_attention;
use entrata_recon_sandbox::dataset::Dataset;
use entrata_recon_sandbox::generate::{GenerateSpec, generate};
use reqwest::Method;
use rust_decimal::Decimal;

use super::support::{Posting, SPEC};

const GET_JOURNALS: &str = "GET /xero/api.xro/2.0/ManualJournals";
const GET_BANKS: &str = "GET /xero/api.xro/2.0/BankTransactions";

/// The first batch of bank transactions is saved but its answer lost, and so are the answers to
/// the two identical requests after it: the lookup that follows in the same run must find them.
const LOSE_FIRST_BANK_BATCH: &str = r#"[{"service": "xero", "method": "PUT", "path": "**/BankTransactions", "times": 3, "action": "drop_after_commit"}]"#;

/// Every planned entry is in Xero exactly once.
async fn each_once(p: &Posting) {
    let planned = p.planned().await;
    let books = p.books().await;
    for entry in &planned {
        let key = entry.key().as_str();
        let copies = books.journals_of(key).len() + books.bank_transactions_of(key).len();
        assert_eq!(copies, 1, "{key}");
    }
}

#[tokio::test]
async fn deposits_and_returns_whose_ids_hold_a_slash_are_found_among_the_bank_transactions() {
    // Entrata's ids are any string: every deposit and payment id here holds a `/`, so a deposit's
    // key reads `prop_0001/deposit/dep/0001_000001/1` and a return's `.../return/pay/0001_000007/1`.
    let p = Posting::start(|options| {
        let spec: GenerateSpec = SPEC.parse().expect("spec");
        let text = String::from_utf8(generate(&spec)).expect("UTF-8");
        let text = text.replace("\"dep_", "\"dep/").replace("\"pay_", "\"pay/");
        options.dataset = Dataset::from_json(text.as_bytes()).expect("dataset");
    })
    .await;
    let planned = p.planned().await;
    assert!(planned.iter().any(|e| e.key().as_str().contains("/deposit/dep/")), "ids with a slash");
    p.h.set_faults(LOSE_FIRST_BANK_BATCH).await;
    let mut xero = p.target(p.h.virtual_pause()).await;
    let summary = p.post(&mut xero).await;
    assert_eq!(p.h.fired().await, [3]);
    assert!(!needs_attention(&summary), "{summary:#?}");
    let found = summary.posted.iter().filter(|r| r.detail.starts_with("found in xero")).count();
    assert_eq!(found, 50, "the lost batch was found among the bank transactions, not sent again");
    each_once(&p).await;
}

/// A posted charge's amount changed in Entrata: pulled and recorded, it becomes an adjustment
/// that posts as a manual journal.
async fn adjust_a_charge(p: &Posting) {
    let state = p.h.control(Method::GET, "/_sandbox/state", None).await;
    let charges = state["entrata"]["data"]["charges"].as_object().expect("charges by property");
    let charge =
        charges.values().flat_map(|c| c.as_array().expect("charges").clone()).next().expect("a charge");
    // The amount is a JSON number: written back as exact text, one dollar more.
    let text = charge["amount"].to_string();
    let amount: Decimal = text.parse().expect("amount");
    let body = charge
        .to_string()
        .replace(&format!("\"amount\":{text}"), &format!("\"amount\":{}", amount + Decimal::ONE));
    assert_ne!(body, charge.to_string());
    p.h.upsert("charges", &body).await;
    p.h.pull().await;
    entrata_recon::run::record::record(&p.state, &p.mappings, false).await.expect("recorded");
}

#[tokio::test]
async fn a_journal_adjustment_is_looked_up_among_the_manual_journals_only() {
    let p = Posting::start(|_| {}).await;
    let mut xero = p.target(p.h.virtual_pause()).await;
    let first = p.post(&mut xero).await;
    assert!(!needs_attention(&first), "{first:#?}");
    adjust_a_charge(&p).await;
    p.h.set_faults(
        r#"[{"service": "xero", "method": "PUT", "path": "**/ManualJournals", "times": 3, "action": "drop_after_commit"}]"#,
    )
    .await;
    let (journals, banks) = (p.served_requests(GET_JOURNALS).await, p.served_requests(GET_BANKS).await);
    let mut xero = p.target(p.h.virtual_pause()).await;
    let second = p.post(&mut xero).await;
    assert_eq!(p.h.fired().await, [3]);
    assert!(!needs_attention(&second), "{second:#?}");
    let found: Vec<_> = second.posted.iter().filter(|r| r.detail.starts_with("found in xero")).collect();
    assert_eq!(found.len(), 1, "{second:#?}");
    assert!(found[0].key.contains("/adjustment/"), "{found:?}");
    // The history check (`posting::history`) reads each list once; the lookup reads only journals.
    assert_eq!(p.served_requests(GET_BANKS).await, banks + 1, "the bank transactions are not looked up");
    assert!(p.served_requests(GET_JOURNALS).await > journals);
    each_once(&p).await;
}

#[tokio::test]
async fn a_record_edited_between_two_page_requests_hides_no_entry() {
    // More than a page of journals (the usual portfolio has fewer than 100).
    let p = Posting::start(|options| {
        let spec: GenerateSpec = "properties=8,months=1,seed=11".parse().expect("spec");
        options.dataset = Dataset::from_json(&generate(&spec)).expect("dataset");
    })
    .await;
    let mut xero = p.target(p.h.virtual_pause()).await;
    let first = p.post(&mut xero).await;
    assert!(!needs_attention(&first), "{first:#?}");
    // An adjustment's answer is lost, and the lookup fails for the rest of the run.
    adjust_a_charge(&p).await;
    p.h.set_faults(
        r#"[{"service": "xero", "method": "PUT", "path": "**/ManualJournals", "times": 3, "action": "drop_after_commit"},
            {"service": "xero", "method": "GET", "path": "**/ManualJournals", "times": 2, "action": {"delay_ms": 1}, "comment": "the history check's read (posting::history, two pages) is answered"},
            {"service": "xero", "method": "GET", "path": "**/ManualJournals", "action": {"status": 503}}]"#,
    )
    .await;
    let mut xero = p.target(p.h.virtual_pause()).await;
    let lost = p.post(&mut xero).await;
    assert_eq!(lost.uncertain.len(), 1, "{lost:#?}");

    // Exactly 100 journals changed before the lost one: the rest are saved again by a bookkeeper
    // (unchanged), so that in `UpdatedDateUTC` order the lost journal is the first of page 2.
    let books = p.books().await;
    let journals = books.manual_journals.len();
    assert!(journals > 101, "{journals} journals: the lost one must be able to sit on page 2");
    let lost_key = &lost.uncertain[0].key;
    let others: Vec<&str> = books
        .manual_journals
        .iter()
        .filter(|j| books.journals_of(lost_key).iter().all(|l| l.id != j.id))
        .map(|j| j.id.as_str())
        .collect();
    for id in &others[100..] {
        p.control(&format!("/_sandbox/xero/manualjournals/{id}"), "{}").await;
    }
    // Between the lookup's first and second page someone saves the first journal listed.
    p.h.set_faults(
        r#"[{"service": "xero", "method": "GET", "path": "**/ManualJournals", "nth": 1, "action": "edit_first_listed"}]"#,
    )
    .await;
    p.h.sandbox.clock().advance(Duration::from_secs(7 * 60));
    let mut xero = p.target(p.h.virtual_pause()).await;
    let second = p.post(&mut xero).await;
    assert_eq!(p.h.fired().await, [1], "one journal edited between two pages");
    assert!(!needs_attention(&second), "{second:#?}");
    let found = second.posted.iter().filter(|r| r.detail.starts_with("found in xero")).count();
    assert_eq!(found, 1, "{second:#?}");
    each_once(&p).await;
}

#[tokio::test]
async fn a_xero_clock_hours_behind_ours_hides_no_entry() {
    // Xero's clock three hours behind ours: everything it saves carries a time three hours before
    // the attempt we stamped.
    let p = Posting::start(|options| {
        options.clock_start = Some(chrono::Utc::now() - chrono::TimeDelta::hours(3));
    })
    .await;
    // The lost batch stays uncertain in this run (the lookup fails): the next run's lookup reads
    // its attempts' times from the state file.
    p.h.set_faults(
        r#"[{"service": "xero", "method": "PUT", "path": "**/BankTransactions", "times": 3, "action": "drop_after_commit"},
            {"service": "xero", "method": "GET", "path": "**/BankTransactions", "times": 1, "action": {"delay_ms": 1}, "comment": "the history check's read (posting::history) is answered"},
            {"service": "xero", "method": "GET", "path": "**/BankTransactions", "action": {"status": 503}}]"#,
    )
    .await;
    let mut xero = p.target(p.h.virtual_pause()).await;
    let lost = p.post(&mut xero).await;
    assert!(lost.uncertain.len() >= 50, "{lost:#?}");
    p.h.set_faults("[]").await;
    p.h.sandbox.clock().advance(Duration::from_secs(7 * 60));
    let mut xero = p.target(p.h.virtual_pause()).await;
    let summary = p.post(&mut xero).await;
    assert!(!needs_attention(&summary), "{summary:#?}");
    let found = summary.posted.iter().filter(|r| r.detail.starts_with("found in xero")).count();
    assert_eq!(found, 50, "the lost batch was found, not sent again");
    each_once(&p).await;
}
