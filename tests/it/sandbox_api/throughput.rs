//! Throughput: the benchmark pulls at least a million ledger items through the sandbox at 50,000
//! items/s or more (pageSize 1000, loopback). Slow in a debug build, so run it on purpose:
//! `cargo test --release --test sandbox_api throughput -- --ignored --nocapture`.

use std::time::Instant;

use entrata_recon_sandbox::{Dataset, SandboxOptions};
use reqwest::StatusCode;

use super::support::Harness;

const CHARGES: usize = 1_000_000;
const MIN_ITEMS_PER_SECOND: f64 = 50_000.0;

fn big_dataset() -> String {
    let mut text = String::with_capacity(CHARGES * 420);
    text.push_str(
        &super::support::DATASET[..super::support::DATASET.find("\"charges\": [").expect("charges")],
    );
    text.push_str("\"charges\": [");
    for i in 0..CHARGES {
        if i > 0 {
            text.push(',');
        }
        // A realistic charge; updatedAt spreads the items over about eleven days.
        let (day, second) = (1 + i / 100_000, i % 86_400);
        text.push_str(&format!(
            r#"{{"chargeId": "chg_{i:07}", "propertyId": "p1", "leaseId": "l1", "residentId": "res_88b32e", "unitId": "u1", "arCode": "RENT", "description": "Rent February 2026", "amount": 1295.00, "taxAmount": 0.00, "currency": "USD", "transactionDate": "2026-02-01", "postDate": "2026-02-01", "postMonth": "2026-02", "servicePeriodStart": "2026-02-01", "servicePeriodEnd": "2026-02-28", "reversesChargeId": null, "scheduledChargeId": "sch_77", "status": "posted", "createdAt": "2026-01-31T23:00:00Z", "updatedAt": "2026-01-{day:02}T{:02}:{:02}:{:02}Z"}}"#,
            second / 3600,
            second / 60 % 60,
            second % 60
        ));
    }
    let rest = &super::support::DATASET[super::support::DATASET.find("\"payments\": [").expect("payments")..];
    text.push_str("],\n  ");
    text.push_str(rest);
    text
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a million items: run in release on purpose"]
async fn pulls_a_million_charges_at_50k_items_per_second() {
    let text = big_dataset();
    let started = Instant::now();
    let dataset = Dataset::from_json(text.as_bytes()).expect("valid dataset");
    println!(
        "dataset of {CHARGES} charges ({} MB) loaded in {:?}",
        text.len() / 1_000_000,
        started.elapsed()
    );
    drop(text);
    let h = Harness::start_with(SandboxOptions::new(dataset)).await;
    let token = h.controller_token().await;

    let started = Instant::now();
    let (mut items, mut bytes) = (0usize, 0usize);
    for page in 1.. {
        let reply = h.get(&format!("/properties/p1/charges?page={page}&pageSize=1000"), &token).await;
        assert_eq!(reply.status, StatusCode::OK);
        let count = reply.text.matches("\"chargeId\"").count();
        items += count;
        bytes += reply.text.len();
        if count < 1000 {
            break;
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let rate = items as f64 / seconds;
    println!("{items} items, {} MB in {seconds:.2} s: {rate:.0} items/s", bytes / 1_000_000);
    assert_eq!(items, CHARGES);
    assert!(rate >= MIN_ITEMS_PER_SECOND, "{rate:.0} items/s is below {MIN_ITEMS_PER_SECOND}");
}
