//! The hand-written fixtures: structurally valid datasets (strict wire shapes, resolvable
//! references), exact money in both JSON forms, and, in `quarantine.json`, exactly the
//! contract breaks each item's description names.

use crate::generate_wire;

use std::collections::{BTreeMap, BTreeSet};

use entrata_recon::domain::{Currency, PostMonth, parse_date};
use generate_wire::{Dataset, money_fields, unique_ids};

fn load(name: &str) -> Dataset {
    let path = format!("{}/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// What the connector would reject in a charge, by the domain's own parsers.
fn charge_faults(c: &generate_wire::Charge) -> Vec<&'static str> {
    let mut faults = Vec::new();
    match c.amount.decimal() {
        None => faults.push("amount not a number"),
        Some(_) if c.amount.cents().is_none() => faults.push("amount has more than 2 decimals"),
        Some(_) => {}
    }
    if parse_date(&c.post_date).is_none() {
        faults.push("postDate not a date");
    }
    match &c.post_month {
        None => faults.push("postMonth missing"),
        Some(m) if m.parse::<PostMonth>().is_err() => faults.push("postMonth not a month"),
        Some(_) => {}
    }
    if Currency::parse(&c.currency).is_err() {
        faults.push("unknown currency");
    }
    faults
}

/// Every reference names an item of the right kind in the same document.
fn check_references(d: &Dataset) {
    let properties = unique_ids("property", d.properties.iter().map(|p| p.property_id.as_str()));
    let units = unique_ids("unit", d.units.iter().map(|u| u.unit_id.as_str()));
    let leases = unique_ids("lease", d.leases.iter().map(|l| l.lease_id.as_str()));
    let charges = unique_ids("charge", d.charges.iter().map(|c| c.charge_id.as_str()));
    let payments = unique_ids("payment", d.payments.iter().map(|p| p.payment_id.as_str()));
    let deposits = unique_ids("deposit", d.deposits.iter().map(|x| x.deposit_id.as_str()));
    let property_ids = d
        .units
        .iter()
        .map(|u| &u.property_id)
        .chain(d.leases.iter().map(|l| &l.property_id))
        .chain(d.charges.iter().map(|c| &c.property_id))
        .chain(d.payments.iter().map(|p| &p.property_id))
        .chain(d.deposits.iter().map(|x| &x.property_id))
        .chain(d.work_orders.iter().map(|w| &w.property_id));
    for id in property_ids {
        assert!(properties.contains_key(id.as_str()), "{id}");
    }
    for l in &d.leases {
        assert!(units.contains_key(l.unit_id.as_str()), "{}", l.lease_id);
    }
    for c in &d.charges {
        assert!(leases.contains_key(c.lease_id.as_deref().unwrap()), "{}", c.charge_id);
        if let Some(original) = &c.reverses_charge_id {
            assert!(charges.contains_key(original.as_str()), "{}", c.charge_id);
        }
    }
    for p in &d.payments {
        assert!(leases.contains_key(p.lease_id.as_deref().unwrap()), "{}", p.payment_id);
        for a in &p.allocations {
            assert!(charges.contains_key(a.charge_id.as_str()), "{}", p.payment_id);
        }
        if let Some(deposit) = &p.deposit_id {
            assert!(deposits[deposit.as_str()] < d.deposits.len());
            assert!(
                d.deposits.iter().any(|x| &x.deposit_id == deposit && x.payment_ids.contains(&p.payment_id))
            );
        }
    }
    for x in &d.deposits {
        for id in &x.payment_ids {
            assert!(payments.contains_key(id.as_str()), "{}", x.deposit_id);
        }
        let sum: i64 =
            x.payment_ids.iter().map(|id| d.payments[payments[id.as_str()]].amount.cents().unwrap()).sum();
        assert_eq!(Some(sum), x.amount.cents(), "{}", x.deposit_id);
    }
    for w in &d.work_orders {
        assert!(units.contains_key(w.unit_id.as_str()), "{}", w.work_order_id);
    }
}

#[test]
fn one_of_each_is_valid_and_exercises_exact_money() {
    let d = load("one-of-each.json");
    check_references(&d);
    assert_eq!(
        (
            d.properties.len(),
            d.units.len(),
            d.leases.len(),
            d.payments.len(),
            d.deposits.len(),
            d.work_orders.len()
        ),
        (1, 1, 1, 1, 1, 1)
    );
    assert!(d.users.iter().any(|u| u.totp_secret.as_deref() == Some("JBSWY3DPEHPK3PXP")));
    assert!(!d.leases[0].fees.is_empty());
    assert!(!d.ar_codes.is_empty());
    assert!(d.charges.iter().all(|c| charge_faults(c).is_empty()));
    let taxed =
        d.charges.iter().find(|c| c.tax_amount.as_ref().is_some_and(|t| t.cents() != Some(0))).unwrap();
    assert!(taxed.service_period_start.is_some() && taxed.service_period_end.is_some());
    let payment = &d.payments[0];
    assert!(!payment.allocations.is_empty() && payment.deposit_id.is_some());

    let fields = money_fields(&d);
    let (mut strings, mut numbers) = (0, 0);
    for (place, money) in &fields {
        assert!(money.cents().is_some(), "{place}: {} is not valid money", money.text());
        if money.is_string() { strings += 1 } else { numbers += 1 }
    }
    assert!(strings > 3 && numbers > 3, "both JSON forms: {strings} strings, {numbers} numbers");
    let texts: BTreeSet<&str> = fields.iter().map(|(_, m)| m.text()).collect();
    for exact in ["1295.00", "0.10", "0.07", "1234567.89", "19.99", "-0.10"] {
        assert!(texts.contains(exact), "{exact} missing");
    }
}

#[test]
fn quarantine_holds_each_contract_break_once_and_valid_items_beside_them() {
    let d = load("quarantine.json");
    check_references(&d);
    let faults: BTreeMap<&str, Vec<&str>> =
        d.charges.iter().map(|c| (c.charge_id.as_str(), charge_faults(c))).collect();
    let expected: BTreeMap<&str, Vec<&str>> = BTreeMap::from([
        ("chg_ok_rent", vec![]),
        ("chg_ok_park", vec![]),
        ("chg_ok_conc", vec![]),
        ("chg_bad_decimals", vec!["amount has more than 2 decimals"]),
        ("chg_bad_date", vec!["postDate not a date"]),
        ("chg_missing_month", vec!["postMonth missing"]),
        ("chg_bad_currency", vec!["unknown currency"]),
        ("chg_bad_amount", vec!["amount not a number"]),
    ]);
    assert_eq!(faults, expected);
    for c in &d.charges {
        let valid = c.charge_id.starts_with("chg_ok");
        assert_eq!(c.description.starts_with("Valid:"), valid, "{}: {}", c.charge_id, c.description);
        assert_eq!(c.description.starts_with("Invalid:"), !valid, "{}", c.charge_id);
    }
    // Only the charges break the contract: everything else must load and post cleanly.
    for (place, money) in money_fields(&d) {
        if !place.starts_with("chg_bad") {
            assert!(money.cents().is_some(), "{place}");
        }
    }
}
