//! How big a generated portfolio is, so that the size guide in `sandbox::generate` stays true.
//!
//! `cargo test --release --test it generate_size -- --ignored --nocapture` prints the counts and the
//! generation time for `properties=100,months=12` (the benchmark's million ledger items). Set
//! `GENERATE_OUT=path.json` to also keep the document.

use std::time::Instant;

use entrata_recon_sandbox::generate::{self, GenerateSpec};

#[test]
fn ledger_items_per_property_month_match_the_size_guide() {
    let spec: GenerateSpec = "properties=8,months=3,seed=3".parse().unwrap();
    let generated = generate::generate_with_summary(&spec);
    let per_property_month = generated.summary.ledger_items() / 24;
    // The module documentation promises about 890 ledger items per property-month.
    assert!((750..=1_050).contains(&per_property_month), "{per_property_month} per property-month");
    let bytes_per_item = generated.json.len() as u64 / generated.summary.ledger_items();
    assert!((450..=750).contains(&bytes_per_item), "{bytes_per_item} bytes per item");
}

#[test]
#[ignore = "a measurement: run in release with --ignored --nocapture"]
fn print_size_and_time_of_a_million_items() {
    let spec: GenerateSpec = "properties=100,months=12,seed=1".parse().unwrap();
    let started = Instant::now();
    let generated = generate::generate_with_summary(&spec);
    let elapsed = started.elapsed();
    let s = &generated.summary;
    println!("spec {spec}");
    println!(
        "properties {}, units {}, leases {}, charges {}, payments {}, deposits {}",
        s.properties, s.units, s.leases, s.charges, s.payments, s.deposits
    );
    println!(
        "ledger items {}, JSON {} MB, generated in {:.2} s",
        s.ledger_items(),
        generated.json.len() / 1_000_000,
        elapsed.as_secs_f64()
    );
    println!(
        "deliberate: {} deposit mismatches, {} proration mismatches, {} unmapped charges",
        s.deposit_mismatches.len(),
        s.proration_mismatches.len(),
        s.unmapped_charges
    );
    assert!(s.ledger_items() >= 1_000_000, "the benchmark needs at least a million ledger items");
    if let Ok(path) = std::env::var("GENERATE_OUT") {
        std::fs::write(&path, &generated.json).unwrap();
        println!("written to {path}");
    }
}

#[test]
fn write_to_writes_the_same_document() {
    let spec: GenerateSpec = "properties=1,months=1,seed=2".parse().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("portfolio.json");
    let summary = generate::write_to(&spec, &path).unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), generate::generate(&spec));
    assert!(summary.ledger_items() > 0);
}
