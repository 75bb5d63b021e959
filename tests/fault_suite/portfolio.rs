//! A generated portfolio made smaller: one lease in `keep_one_in` with its charges and payments,
//! and each deposit with the payments it still holds (its amount less theirs, so a deposit the
//! generator made not to add up still does not). Every kept item is the generator's exact text;
//! the dataset stays one the sandbox accepts. Smaller ledgers make a schedule cheaper without
//! changing its shape: the same days, kinds of entries, batches and bank lines.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::value::RawValue;
use serde_json::{Value, json};

use super::books::{cents, fmt_cents};

pub fn trimmed(bytes: &[u8], keep_one_in: usize) -> Vec<u8> {
    let mut top: BTreeMap<String, Box<RawValue>> = serde_json::from_slice(bytes).expect("generated JSON");
    let list = |top: &BTreeMap<String, Box<RawValue>>, name: &str| -> Vec<(Value, Box<RawValue>)> {
        let raws: Vec<Box<RawValue>> = serde_json::from_str(top[name].get()).expect("a list");
        raws.into_iter().map(|raw| (serde_json::from_str(raw.get()).expect("an item"), raw)).collect()
    };
    let text = |v: &Value, field: &str| v[field].as_str().unwrap_or_default().to_owned();

    let leases = list(&top, "leases");
    let kept_leases: BTreeSet<String> = leases
        .iter()
        .enumerate()
        .filter(|(i, _)| i % keep_one_in == 0)
        .map(|(_, (v, _))| text(v, "leaseId"))
        .collect();
    let charges: Vec<(Value, Box<RawValue>)> = list(&top, "charges")
        .into_iter()
        .filter(|(c, _)| c["leaseId"].as_str().is_none_or(|l| kept_leases.contains(l)))
        .collect();
    let kept_charges: BTreeSet<String> = charges.iter().map(|(c, _)| text(c, "chargeId")).collect();
    let all_payments = list(&top, "payments");
    let amounts: BTreeMap<String, i64> =
        all_payments.iter().map(|(p, _)| (text(p, "paymentId"), cents(&p["amount"]))).collect();
    let payments: Vec<(Value, Box<RawValue>)> = all_payments
        .into_iter()
        .filter(|(p, _)| {
            p["leaseId"].as_str().is_none_or(|l| kept_leases.contains(l))
                && p["allocations"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .all(|a| a["chargeId"].as_str().is_none_or(|c| kept_charges.contains(c)))
        })
        .collect();
    let kept_payments: BTreeSet<String> = payments.iter().map(|(p, _)| text(p, "paymentId")).collect();
    let mut deposits: Vec<Box<RawValue>> = Vec::new();
    let mut kept_deposits = BTreeSet::new();
    for (mut deposit, raw) in list(&top, "deposits") {
        let ids: Vec<String> = deposit["paymentIds"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| p.as_str())
            .map(String::from)
            .collect();
        let (kept, dropped): (Vec<String>, Vec<String>) =
            ids.into_iter().partition(|p| kept_payments.contains(p));
        if kept.is_empty() {
            continue;
        }
        kept_deposits.insert(text(&deposit, "depositId"));
        if dropped.is_empty() {
            deposits.push(raw);
            continue;
        }
        let less: i64 = dropped.iter().map(|p| amounts.get(p).copied().unwrap_or(0)).sum();
        deposit["amount"] = json!(fmt_cents(cents(&deposit["amount"]) - less));
        deposit["paymentIds"] = json!(kept);
        deposits.push(RawValue::from_string(deposit.to_string()).expect("JSON"));
    }
    // A payment whose deposit went (all of the deposit's other payments went) goes too.
    let payments: Vec<Box<RawValue>> = payments
        .into_iter()
        .filter(|(p, _)| p["depositId"].as_str().is_none_or(|d| kept_deposits.contains(d)))
        .map(|(_, raw)| raw)
        .collect();
    let leases: Vec<Box<RawValue>> = leases
        .into_iter()
        .filter(|(l, _)| kept_leases.contains(&text(l, "leaseId")))
        .map(|(_, raw)| raw)
        .collect();
    let charges: Vec<Box<RawValue>> = charges.into_iter().map(|(_, raw)| raw).collect();
    for (name, items) in
        [("leases", leases), ("charges", charges), ("payments", payments), ("deposits", deposits)]
    {
        top.insert(name.to_owned(), serde_json::value::to_raw_value(&items).expect("JSON"));
    }
    serde_json::to_vec(&top).expect("JSON")
}
