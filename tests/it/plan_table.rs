//! The plan table at scale: a generated portfolio of 40 properties and 12 months (about 460,000
//! items, the size issue 8 was found on), converted and planned in-process as `plan` does, renders
//! with column headers and every line within 120 columns, with or without a target, and sums up
//! its exceptions by kind before listing the largest.

use std::collections::BTreeMap;
use std::time::Instant;

use entrata_recon::domain::{
    ArCode, ArCodeDef, Charge, Deposit, Exception, ItemKind, Lease, Payment, Property, PropertyId,
};
use entrata_recon::journal::{BalancedEntry, PropertyLedger, default_doc_property, plan_property};
use entrata_recon::mapping::examples::write_example_mappings;
use entrata_recon::report::plan::PlanView;
use entrata_recon::source::convert::{Item, convert};
use entrata_recon::targets::TargetKind;
use entrata_recon_sandbox::generate::{GenerateSpec, generate};
use serde::Deserialize;
use serde_json::value::RawValue;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Doc {
    properties: Vec<Box<RawValue>>,
    ar_codes: Vec<Box<RawValue>>,
    leases: Vec<Box<RawValue>>,
    charges: Vec<Box<RawValue>>,
    payments: Vec<Box<RawValue>>,
    deposits: Vec<Box<RawValue>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Owner {
    property_id: String,
}

#[derive(Default)]
struct Ledger {
    leases: Vec<Lease>,
    charges: Vec<Charge>,
    payments: Vec<Payment>,
    deposits: Vec<Deposit>,
}

fn plan_portfolio(spec: &str) -> (Vec<BalancedEntry>, Vec<Exception>, entrata_recon::mapping::MappingSet) {
    let started = Instant::now();
    let json = generate(&spec.parse::<GenerateSpec>().expect("spec"));
    let doc: Doc = serde_json::from_slice(&json).expect("dataset");
    eprintln!("generated {spec} in {:?}", started.elapsed());
    let dir = tempfile::tempdir().expect("temp dir");
    write_example_mappings(dir.path()).expect("mappings");
    let mappings = entrata_recon::mapping::load(dir.path()).expect("example mappings");

    let mut ar_codes: BTreeMap<ArCode, ArCodeDef> = BTreeMap::new();
    for raw in &doc.ar_codes {
        if let Ok(Item::ArCode(code)) = convert(ItemKind::ArCode, raw.get(), None) {
            ar_codes.insert(code.code.clone(), code);
        }
    }
    // Converting is most of this test's time in a debug build: on every core, a chunk at a time.
    let chunks: Vec<(ItemKind, &[Box<RawValue>])> = [
        (ItemKind::Lease, &doc.leases),
        (ItemKind::Charge, &doc.charges),
        (ItemKind::Payment, &doc.payments),
        (ItemKind::Deposit, &doc.deposits),
    ]
    .into_iter()
    .flat_map(|(kind, list)| list.chunks(20_000).map(move |chunk| (kind, chunk)))
    .collect();
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let next = std::sync::atomic::AtomicUsize::new(0);
    let converted: Vec<Vec<(String, Item)>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut out = Vec::new();
                    loop {
                        let at = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some((kind, chunk)) = chunks.get(at) else { return out };
                        for raw in *chunk {
                            let owner: Owner = serde_json::from_str(raw.get()).expect("propertyId");
                            if let Ok(item) = convert(*kind, raw.get(), Some(&owner.property_id)) {
                                out.push((owner.property_id, item));
                            }
                        }
                    }
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().expect("worker")).collect()
    });
    let mut ledgers: BTreeMap<String, Ledger> = BTreeMap::new();
    for (property, item) in converted.into_iter().flatten() {
        let ledger = ledgers.entry(property).or_default();
        match item {
            Item::Lease(l) => ledger.leases.push(l),
            Item::Charge(c) => ledger.charges.push(c),
            Item::Payment(p) => ledger.payments.push(p),
            Item::Deposit(d) => ledger.deposits.push(d),
            _ => {}
        }
    }
    // Planning takes items in id order, as the state file hands them over.
    for ledger in ledgers.values_mut() {
        ledger.leases.sort_by(|a, b| a.id.cmp(&b.id));
        ledger.charges.sort_by(|a, b| a.id.cmp(&b.id));
        ledger.payments.sort_by(|a, b| a.id.cmp(&b.id));
        ledger.deposits.sort_by(|a, b| a.id.cmp(&b.id));
    }
    eprintln!("converted in {:?}", started.elapsed());
    let (mut entries, mut exceptions) = (Vec::new(), Vec::new());
    for raw in &doc.properties {
        let Ok(Item::Property(property)) = convert(ItemKind::Property, raw.get(), None) else { continue };
        let property: Property = property;
        let empty = Ledger::default();
        let ledger = ledgers.get(property.id.as_str()).unwrap_or(&empty);
        let plan = plan_property(
            &PropertyLedger {
                property: &property,
                ar_codes: &ar_codes,
                leases: &ledger.leases,
                charges: &ledger.charges,
                payments: &ledger.payments,
                deposits: &ledger.deposits,
            },
            mappings.for_property(&property.id),
            &default_doc_property(&property.code),
        )
        .expect("plan");
        entries.extend(plan.entries);
        exceptions.extend(plan.exceptions);
    }
    eprintln!(
        "planned {} entries, {} exceptions in {:?}",
        entries.len(),
        exceptions.len(),
        started.elapsed()
    );
    (entries, exceptions, mappings)
}

#[test]
fn the_plan_table_of_a_40_by_12_portfolio_fits_120_columns() {
    let (entries, exceptions, mappings) = plan_portfolio("properties=40,months=12,seed=3");
    let mapping_for = |id: &PropertyId| mappings.for_property(id);
    assert!(entries.len() > 10_000 && exceptions.len() > 100, "{} {}", entries.len(), exceptions.len());
    for target in [None, Some(TargetKind::Qbo), Some(TargetKind::Xero)] {
        let view = PlanView {
            entries: &entries,
            exceptions: &exceptions,
            mapping_for: &mapping_for,
            target,
            standing: None,
        };
        let table = view.to_table();
        let widest = table.lines().max_by_key(|l| l.chars().count()).unwrap_or_default();
        assert!(widest.chars().count() <= 120, "{target:?}: {} columns: {widest}", widest.chars().count());

        let lines: Vec<&str> = table.lines().collect();
        assert!(lines[0].starts_with("doc number") && lines[0].contains("sources"), "{}", lines[0]);
        assert!(lines[1].trim_start().starts_with("account") && lines[1].contains("debit"), "{}", lines[1]);
        // The exceptions are summed up by kind (money first) before the details.
        let summary = lines.iter().position(|l| l.ends_with("exceptions need a person:")).expect("summary");
        assert!(lines[summary + 1].contains("count") && lines[summary + 1].contains("money waiting"));
        let details = lines.iter().position(|l| l.starts_with("The largest of each kind")).expect("details");
        assert!(details > summary);
        // At most ten of each kind, each a row and its reasons (three lines at most).
        let mut per_kind: BTreeMap<&str, usize> = BTreeMap::new();
        for row in &lines[details + 2..] {
            let Some(kind) = row.strip_prefix("  ").and_then(|r| r.split_whitespace().next()) else {
                continue;
            };
            if kind.contains('_') && !row.starts_with("      ") {
                *per_kind.entry(kind).or_default() += 1;
            }
        }
        assert!(!per_kind.is_empty() && per_kind.values().all(|n| *n <= 10), "{per_kind:?}");
        if let Some(target) = target {
            let label = if target == TargetKind::Qbo { "  QuickBooks: class " } else { "  Xero: tracking " };
            assert!(table.contains(label), "{target:?}: dimensions shown");
        }
    }
}
