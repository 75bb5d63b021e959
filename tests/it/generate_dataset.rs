//! The generated portfolio (`sandbox --generate`): strict wire shapes, exact money, consistent
//! references, and the realism the connector's checks rely on.

use crate::generate_wire;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use chrono::{DateTime, Datelike, NaiveDate};
use entrata_recon_sandbox::generate::{self, GenerateSpec, Summary, UNMAPPED_CODES, prorated};
use generate_wire::{Dataset, money_fields, unique_ids};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

const SPEC: &str = "properties=3,months=6,seed=11";

fn sample() -> &'static (Summary, Dataset) {
    static SAMPLE: OnceLock<(Summary, Dataset)> = OnceLock::new();
    SAMPLE.get_or_init(|| {
        let spec: GenerateSpec = SPEC.parse().unwrap();
        let generated = generate::generate_with_summary(&spec);
        let dataset: Dataset =
            serde_json::from_slice(&generated.json).unwrap_or_else(|e| panic!("{SPEC}: {e}"));
        (generated.summary, dataset)
    })
}

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn month_of(text: &str) -> String {
    text[..7].to_owned()
}

fn prev_month(month: &str) -> String {
    let d = date(&format!("{month}-01")).pred_opt().unwrap();
    format!("{:04}-{:02}", d.year(), d.month())
}

fn days_in_month(d: NaiveDate) -> u32 {
    let next = if d.month() == 12 {
        NaiveDate::from_ymd_opt(d.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(d.year(), d.month() + 1, 1)
    };
    next.unwrap().pred_opt().unwrap().day()
}

fn portfolio_toml() -> toml::Table {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/mappings/portfolio.toml")).unwrap();
    text.parse().unwrap()
}

#[test]
fn same_spec_same_bytes_other_seed_other_bytes() {
    let spec: GenerateSpec = "properties=2,months=2,seed=5".parse().unwrap();
    let first = generate::generate(&spec);
    assert_eq!(first, generate::generate(&spec));
    let other = GenerateSpec { seed: 6, ..spec };
    assert_ne!(first, generate::generate(&other));
    // Property ids, names and places do not depend on the seed: override files always apply.
    let a: Dataset = serde_json::from_slice(&first).unwrap();
    let b: Dataset = serde_json::from_slice(&generate::generate(&other)).unwrap();
    let names = |d: &Dataset| {
        d.properties.iter().map(|p| (p.property_id.clone(), p.name.clone())).collect::<Vec<_>>()
    };
    assert_eq!(names(&a), names(&b));
    assert_eq!(names(&a)[0], ("prop_0001".to_owned(), "Lakeview Apartments".to_owned()));
}

#[test]
fn counts_match_the_summary() {
    let (summary, d) = sample();
    assert_eq!(summary.properties as usize, d.properties.len());
    assert_eq!(summary.units as usize, d.units.len());
    assert_eq!(summary.leases as usize, d.leases.len());
    assert_eq!(summary.charges as usize, d.charges.len());
    assert_eq!(summary.payments as usize, d.payments.len());
    assert_eq!(summary.deposits as usize, d.deposits.len());
    assert_eq!(summary.ar_codes as usize, d.ar_codes.len());
    let unmapped = d.charges.iter().filter(|c| UNMAPPED_CODES.contains(&c.ar_code.as_str())).count();
    assert_eq!(summary.unmapped_charges as usize, unmapped);
}

#[test]
fn every_money_field_has_exactly_two_decimals() {
    let (_, d) = sample();
    let fields = money_fields(d);
    assert!(fields.len() > 10_000, "{}", fields.len());
    for (place, money) in fields {
        assert!(!money.is_string(), "{place}: generated money is a JSON number");
        assert!(money.has_two_decimals(), "{place}: {}", money.text());
        assert!(money.cents().is_some(), "{place}: {}", money.text());
    }
}

#[test]
fn references_resolve() {
    let (_, d) = sample();
    let properties = unique_ids("property", d.properties.iter().map(|p| p.property_id.as_str()));
    let units = unique_ids("unit", d.units.iter().map(|u| u.unit_id.as_str()));
    let leases = unique_ids("lease", d.leases.iter().map(|l| l.lease_id.as_str()));
    let charges = unique_ids("charge", d.charges.iter().map(|c| c.charge_id.as_str()));
    let payments = unique_ids("payment", d.payments.iter().map(|p| p.payment_id.as_str()));
    let deposits = unique_ids("deposit", d.deposits.iter().map(|x| x.deposit_id.as_str()));
    let codes: BTreeSet<&str> = d.ar_codes.iter().map(|c| c.code.as_str()).collect();
    for u in &d.units {
        assert!(properties.contains_key(u.property_id.as_str()), "{}", u.unit_id);
    }
    for l in &d.leases {
        assert!(properties.contains_key(l.property_id.as_str()), "{}", l.lease_id);
        let unit = &d.units[units[l.unit_id.as_str()]];
        assert_eq!(unit.property_id, l.property_id, "{}", l.lease_id);
    }
    for c in &d.charges {
        let lease = &d.leases[leases[c.lease_id.as_deref().unwrap()]];
        assert_eq!(lease.property_id, c.property_id, "{}", c.charge_id);
        assert_eq!(c.resident_id.as_deref(), Some(lease.primary_resident_id.as_str()), "{}", c.charge_id);
        assert_eq!(c.unit_id.as_deref(), Some(lease.unit_id.as_str()), "{}", c.charge_id);
        assert!(codes.contains(c.ar_code.as_str()), "{}: {}", c.charge_id, c.ar_code);
        if let Some(original) = &c.reverses_charge_id {
            let original = &d.charges[charges[original.as_str()]];
            assert_eq!(original.property_id, c.property_id);
            assert_eq!(original.ar_code, c.ar_code, "{}", c.charge_id);
            assert_eq!(original.amount.cents().map(|a| -a), c.amount.cents(), "{}", c.charge_id);
        }
    }
    for p in &d.payments {
        let lease = &d.leases[leases[p.lease_id.as_deref().unwrap()]];
        assert_eq!(lease.property_id, p.property_id, "{}", p.payment_id);
        for a in &p.allocations {
            let charge = &d.charges[charges[a.charge_id.as_str()]];
            assert_eq!(charge.ar_code, a.ar_code, "{}", p.payment_id);
            assert_eq!(charge.lease_id, p.lease_id, "{}", p.payment_id);
        }
        if let Some(deposit) = &p.deposit_id {
            let deposit = &d.deposits[deposits[deposit.as_str()]];
            assert!(
                deposit.payment_ids.contains(&p.payment_id),
                "{} not in {}",
                p.payment_id,
                deposit.deposit_id
            );
        }
    }
    for x in &d.deposits {
        for id in &x.payment_ids {
            let payment = &d.payments[payments[id.as_str()]];
            assert_eq!(payment.deposit_id.as_deref(), Some(x.deposit_id.as_str()), "{id}");
            assert_eq!(payment.property_id, x.property_id);
        }
    }
}

#[test]
fn deposits_equal_their_payments_except_deliberate_mismatches() {
    let (summary, d) = sample();
    let payments: BTreeMap<&str, i64> =
        d.payments.iter().map(|p| (p.payment_id.as_str(), p.amount.cents().unwrap())).collect();
    let mut mismatched = Vec::new();
    for x in &d.deposits {
        let sum: i64 = x.payment_ids.iter().map(|id| payments[id.as_str()]).sum();
        if sum != x.amount.cents().unwrap() {
            mismatched.push(x.deposit_id.clone());
        }
        let bank_ok = match x.bank_account_id.as_str() {
            "bank_001" => x.payment_ids.iter().all(|id| {
                let p = d.payments.iter().find(|p| &p.payment_id == id).unwrap();
                p.method != "card"
            }),
            "bank_002" => true,
            other => panic!("unknown bank account {other}"),
        };
        assert!(bank_ok, "{}", x.deposit_id);
        assert!(!x.payment_ids.is_empty());
    }
    assert!(!mismatched.is_empty(), "the demo needs at least one deposit mismatch");
    assert_eq!(mismatched, summary.deposit_mismatches);
    assert!(mismatched.len() * 50 < d.deposits.len(), "mismatches must be rare");
}

#[test]
fn allocations_sum_to_the_payment() {
    let (_, d) = sample();
    for p in &d.payments {
        let sum: i64 = p.allocations.iter().map(|a| a.amount.cents().unwrap()).sum();
        assert_eq!(sum, p.amount.cents().unwrap(), "{}", p.payment_id);
        assert!(p.amount.cents().unwrap() > 0, "{}", p.payment_id);
        assert!(p.allocations.iter().all(|a| a.amount.cents().unwrap() > 0), "{}", p.payment_id);
    }
}

#[test]
fn every_charge_code_is_mapped_or_deliberately_unmapped() {
    let (_, d) = sample();
    let toml = portfolio_toml();
    let mapped: BTreeSet<&str> = toml["codes"].as_table().unwrap().keys().map(String::as_str).collect();
    let used: BTreeSet<&str> = d.charges.iter().map(|c| c.ar_code.as_str()).collect();
    for code in &used {
        assert!(mapped.contains(code) || UNMAPPED_CODES.contains(code), "charge code {code} has no rule");
    }
    for code in UNMAPPED_CODES {
        assert!(!mapped.contains(code), "{code} is meant to stay unmapped");
        assert!(used.contains(code), "no charge uses the unmapped code {code}");
    }
    for code in ["RENT", "UTIL", "PARK", "PET", "TRASH", "PEST", "STOR", "CONC", "LATE", "NSF", "SECDEP"] {
        assert!(used.contains(code), "no {code} charge generated");
    }
}

/// The lease's monthly amount for a code, as PRODUCT.md §7.5 defines it.
fn monthly(lease: &generate_wire::Lease, code: &str) -> Option<i64> {
    if code == "RENT" {
        return lease.rent.cents();
    }
    lease.fees.iter().find(|f| f.code == code && f.frequency == "monthly").and_then(|f| f.amount.cents())
}

#[test]
fn prorations_follow_the_documented_day_count() {
    let (summary, d) = sample();
    let leases: BTreeMap<&str, &generate_wire::Lease> =
        d.leases.iter().map(|l| (l.lease_id.as_str(), l)).collect();
    let off: BTreeSet<&str> = summary.proration_mismatches.iter().map(String::as_str).collect();
    let (mut checked, mut mismatched) = (0, Vec::new());
    for c in &d.charges {
        let (Some(start), Some(end)) = (&c.service_period_start, &c.service_period_end) else { continue };
        let (start, end) = (date(start), date(end));
        let whole = start.day() == 1 && end.day() == days_in_month(end);
        if start.month() != end.month() || whole || c.reverses_charge_id.is_some() {
            continue;
        }
        let lease = leases[c.lease_id.as_deref().unwrap()];
        let Some(month_amount) = monthly(lease, &c.ar_code) else { continue };
        let days = (end - start).num_days() as u32 + 1;
        let expected = prorated(Decimal::new(month_amount, 2), days, days_in_month(start));
        let expected = (expected * Decimal::ONE_HUNDRED).to_i64().unwrap();
        let got = c.amount.cents().unwrap();
        checked += 1;
        if (got - expected).abs() > 1 {
            mismatched.push(c.charge_id.as_str());
        }
    }
    assert!(checked > 50, "too few prorated charges: {checked}");
    let mismatched: BTreeSet<&str> = mismatched.into_iter().collect();
    assert_eq!(mismatched, off, "deliberate proration mismatches");
    assert!(!off.is_empty() && off.len() * 10 < checked, "{} of {checked}", off.len());
}

#[test]
fn full_month_charges_equal_the_lease_amounts() {
    let (_, d) = sample();
    let leases: BTreeMap<&str, &generate_wire::Lease> =
        d.leases.iter().map(|l| (l.lease_id.as_str(), l)).collect();
    let mut checked = 0;
    for c in d.charges.iter().filter(|c| c.scheduled_charge_id.is_some()) {
        let (start, end) =
            (date(c.service_period_start.as_ref().unwrap()), date(c.service_period_end.as_ref().unwrap()));
        if start.day() == 1 && end.day() == days_in_month(end) {
            let lease = leases[c.lease_id.as_deref().unwrap()];
            assert_eq!(c.amount.cents(), monthly(lease, &c.ar_code), "{}", c.charge_id);
            checked += 1;
        }
    }
    assert!(checked > 1_000);
}

#[test]
fn taxable_storage_carries_its_tax() {
    let (_, d) = sample();
    let taxable: BTreeSet<&str> =
        d.ar_codes.iter().filter(|c| c.is_taxable).map(|c| c.code.as_str()).collect();
    assert_eq!(taxable, BTreeSet::from(["STOR"]));
    let mut taxed = 0;
    for c in &d.charges {
        let tax = c.tax_amount.as_ref().unwrap().cents().unwrap();
        let amount = c.amount.cents().unwrap();
        if tax != 0 {
            assert_eq!(c.ar_code, "STOR", "{}", c.charge_id);
            assert_eq!(tax.signum(), amount.signum(), "{}", c.charge_id);
            assert!(tax.abs() < amount.abs(), "{}", c.charge_id);
            taxed += 1;
        }
    }
    assert!(taxed > 0);
}

#[test]
fn timestamps_are_anchored_realistic_and_sometimes_equal() {
    let (_, d) = sample();
    let limit = DateTime::parse_from_rfc3339("2026-03-15T00:00:00Z").unwrap();
    let parse = |t: &str| DateTime::parse_from_rfc3339(t).unwrap_or_else(|e| panic!("{t}: {e}"));
    let mut all = Vec::new();
    for c in &d.charges {
        let (created, updated) = (parse(&c.created_at), parse(&c.updated_at));
        assert!(updated >= created, "{}", c.charge_id);
        // Made near its post date: at most a day before, at most an hour after that day.
        let post = date(&c.post_date);
        assert!((created.date_naive() - post).num_days().abs() <= 1, "{} {created} {post}", c.charge_id);
        all.push(updated);
    }
    for p in &d.payments {
        let received = parse(&p.received_at);
        assert_eq!(
            received.date_naive(),
            date(&p.post_date),
            "{}: local date is the post date",
            p.payment_id
        );
        assert_eq!(parse(&p.created_at), received, "{}", p.payment_id);
        assert!(parse(&p.updated_at) >= received, "{}", p.payment_id);
        all.push(parse(&p.updated_at));
    }
    all.extend(d.deposits.iter().map(|x| parse(&x.updated_at)));
    all.extend(d.leases.iter().map(|l| parse(&l.updated_at)));
    all.extend(d.units.iter().map(|u| parse(&u.updated_at)));
    all.extend(d.properties.iter().map(|p| parse(&p.updated_at)));
    assert!(all.iter().all(|t| *t < limit));
    let charge_times: Vec<_> = d.charges.iter().map(|c| c.updated_at.as_str()).collect();
    let distinct: BTreeSet<_> = charge_times.iter().collect();
    assert!(distinct.len() < charge_times.len(), "some charges must share an updatedAt");
    assert!(distinct.len() * 2 > charge_times.len(), "most updatedAt values must differ");
    let edited = d.charges.iter().filter(|c| c.updated_at != c.created_at).count();
    assert!(edited > 0, "some charges are edited after the fact");
}

#[test]
fn post_months_and_open_months() {
    let (_, d) = sample();
    let mut earlier = 0;
    let check = |id: &str, post_date: &str, post_month: &str| {
        let own = month_of(post_date);
        assert!(post_month == own || post_month == prev_month(&own), "{id}: {post_month} for {post_date}");
        post_month != own
    };
    for c in &d.charges {
        earlier += usize::from(check(&c.charge_id, &c.post_date, c.post_month.as_deref().unwrap()));
    }
    for p in &d.payments {
        earlier += usize::from(check(&p.payment_id, &p.post_date, &p.post_month));
    }
    for x in &d.deposits {
        check(&x.deposit_id, &x.deposit_date, &x.post_month);
    }
    assert!(earlier > 0, "a few items sit in the previous post month");
    assert!(d.properties.iter().all(|p| p.open_post_month == "2026-01" && p.currency == "USD"));
    let months: BTreeSet<String> = d.charges.iter().map(|c| month_of(&c.post_date)).collect();
    assert_eq!(months.last().map(String::as_str), Some("2026-02"));
    let zones: BTreeSet<&str> = d.properties.iter().map(|p| p.timezone.as_str()).collect();
    assert_eq!(zones.len(), 3);
}

#[test]
fn payments_are_returned_before_and_after_deposit_and_voided() {
    let (_, d) = sample();
    let deposits: BTreeMap<&str, &generate_wire::Deposit> =
        d.deposits.iter().map(|x| (x.deposit_id.as_str(), x)).collect();
    let (mut before, mut after, mut voided) = (0, 0, 0);
    let methods: BTreeSet<&str> = d.payments.iter().map(|p| p.method.as_str()).collect();
    assert_eq!(methods, BTreeSet::from(["ach", "card", "cash", "check", "money_order"]));
    for p in &d.payments {
        match p.status.as_str() {
            "captured" => assert!(p.returned_date.is_none() && p.return_reason.is_none(), "{}", p.payment_id),
            "returned" | "voided" => {
                let returned = p.returned_date.as_deref().unwrap();
                assert!(date(returned) >= date(&p.post_date), "{}", p.payment_id);
                assert_eq!(
                    p.return_post_month.as_deref(),
                    Some(month_of(returned).as_str()),
                    "{}",
                    p.payment_id
                );
                match (p.status.as_str(), &p.deposit_id) {
                    ("voided", None) => voided += 1,
                    ("returned", None) => before += 1,
                    ("returned", Some(deposit)) => {
                        assert!(
                            date(returned) > date(&deposits[deposit.as_str()].deposit_date),
                            "{}",
                            p.payment_id
                        );
                        after += 1;
                    }
                    _ => panic!("{}: a voided payment is never deposited", p.payment_id),
                }
            }
            other => panic!("{}: status {other}", p.payment_id),
        }
    }
    assert!(before > 0 && after > 0 && voided > 0, "before {before}, after {after}, voided {voided}");
}

#[test]
fn reversals_advance_billing_and_move_ins() {
    let (_, d) = sample();
    let by_id: BTreeMap<&str, &generate_wire::Charge> =
        d.charges.iter().map(|c| (c.charge_id.as_str(), c)).collect();
    let reversals: Vec<_> = d.charges.iter().filter(|c| c.reverses_charge_id.is_some()).collect();
    assert!(!reversals.is_empty());
    let later = reversals
        .iter()
        .filter(|c| c.post_month > by_id[c.reverses_charge_id.as_deref().unwrap()].post_month)
        .count();
    assert!(later > 0, "some reversals fall in a later month than the charge they reverse");
    let advance = d
        .charges
        .iter()
        .filter(|c| {
            c.service_period_start.as_ref().is_some_and(|s| month_of(s) > *c.post_month.as_ref().unwrap())
        })
        .count();
    assert!(advance > 0, "some rent is billed for a later month (deferral)");
    assert!(d.charges.iter().any(|c| c.ar_code == "CONC" && c.amount.cents().unwrap() < 0));
    assert!(d.charges.iter().any(|c| c.ar_code == "SECDEP" && c.amount.cents().unwrap() > 0));
    let mid_month_moves =
        d.leases.iter().filter(|l| l.move_in_date.as_ref().is_some_and(|m| !m.ends_with("-01"))).count();
    assert!(mid_month_moves > 0);
    assert!(d.leases.iter().any(|l| l.move_out_date.is_some() && l.status == "past"));
    assert!(d.leases.iter().any(|l| l.status == "notice"));
}

#[test]
fn chart_of_accounts_and_dimensions_match_the_mappings() {
    let (_, d) = sample();
    let toml = portfolio_toml();
    for (name, account) in toml["accounts"].as_table().unwrap() {
        let qbo = account["qbo"].as_str().unwrap();
        let xero = account["xero"].as_str().unwrap();
        assert!(d.qbo.accounts.iter().any(|a| a.acct_num == qbo && a.active), "{name}: QBO {qbo}");
        assert!(
            d.xero.accounts.iter().any(|a| a.code == xero && a.status == "ACTIVE"),
            "{name}: Xero {xero}"
        );
    }
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/mappings/properties");
    let mut files = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let property = path.file_stem().unwrap().to_str().unwrap().to_owned();
        assert!(d.properties.iter().any(|p| p.property_id == property), "{property} is generated");
        let table: toml::Table = std::fs::read_to_string(&path).unwrap().parse().unwrap();
        let mut dims = toml["dimensions"].as_table().unwrap().clone();
        dims.extend(table.get("dimensions").and_then(|t| t.as_table()).cloned().unwrap_or_default());
        let text = |key: &str| dims.get(key).and_then(|v| v.as_str()).map(str::to_owned);
        if let Some(class) = text("qbo_class") {
            assert!(d.qbo.classes.iter().any(|c| c.name == class), "{property}: class {class}");
        }
        if let Some(location) = text("qbo_location") {
            assert!(d.qbo.departments.iter().any(|c| c.name == location), "{property}: location {location}");
        }
        let customer = text("qbo_customer").unwrap();
        assert!(d.qbo.customers.iter().any(|c| c.display_name == customer && c.active), "{customer}");
        let contact = text("xero_contact").unwrap();
        assert!(d.xero.contacts.iter().any(|c| c.name == contact), "{contact}");
        for tracking in dims.get("xero_tracking").and_then(|v| v.as_array()).into_iter().flatten() {
            let (name, option) = (tracking["name"].as_str().unwrap(), tracking["option"].as_str().unwrap());
            let category = d.xero.tracking_categories.iter().find(|c| c.name == name).unwrap();
            assert!(category.options.iter().any(|o| o.name == option), "{property}: {name}/{option}");
        }
        files += 1;
    }
    assert!(files >= 2);
}

#[test]
fn the_first_property_shows_every_exception_in_the_last_month() {
    let (summary, d) = sample();
    let feb = |m: &str| m == "2026-02";
    assert!(d.charges.iter().any(|c| c.property_id == "prop_0001"
        && c.ar_code == "MISC"
        && feb(c.post_month.as_deref().unwrap())));
    let deposits: BTreeMap<&str, &generate_wire::Deposit> =
        d.deposits.iter().map(|x| (x.deposit_id.as_str(), x)).collect();
    assert!(
        summary
            .deposit_mismatches
            .iter()
            .any(|id| id.starts_with("dep_0001") && feb(&deposits[id.as_str()].post_month))
    );
    let charges: BTreeMap<&str, &generate_wire::Charge> =
        d.charges.iter().map(|c| (c.charge_id.as_str(), c)).collect();
    assert!(summary.proration_mismatches.iter().any(|id| {
        id.starts_with("chg_0001") && feb(charges[id.as_str()].post_month.as_deref().unwrap())
    }));
}

#[test]
fn users_and_identities_are_fixed() {
    let (_, d) = sample();
    assert_eq!(d.integration_id, generate::INTEGRATION_ID);
    assert_eq!(d.integration_token, generate::INTEGRATION_TOKEN);
    let controller = d.users.iter().find(|u| u.username == generate::CONTROLLER_USERNAME).unwrap();
    assert_eq!(controller.totp_secret.as_deref(), Some(generate::CONTROLLER_TOTP_SECRET));
    for needed in ["properties", "leasing", "financials"] {
        assert!(controller.entitlements.iter().any(|e| e == needed));
    }
    let leasing = d.users.iter().find(|u| u.username == generate::LEASING_USERNAME).unwrap();
    assert!(leasing.totp_secret.is_none() && !leasing.entitlements.iter().any(|e| e == "financials"));
    assert_eq!(d.qbo.realm_id, generate::QBO_REALM_ID);
    assert_eq!(d.xero.tenant_id, generate::XERO_TENANT_ID);
}
