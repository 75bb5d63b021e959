//! Properties of the journal builder over generated ledgers and mappings: plans always succeed,
//! balance, do not depend on item order, and post exactly the money a deliberately simple reference
//! implementation (no grouping, no netting, `Decimal` arithmetic, day-by-day counting) expects, per
//! account and post month, holding exactly the items it holds.

use crate::journal_support;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Days, NaiveDate};
use entrata_recon::domain::*;
use entrata_recon::journal::prorate::{Fraction, allocate, fraction_weights};
use entrata_recon::journal::{Netting, Side};
use entrata_recon::mapping::*;
use journal_support::*;
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use rust_decimal::Decimal;

// --- generators ----------------------------------------------------------------------------------

const CODES: [&str; 5] = ["RENT", "UTIL", "CONC", "PET", "PARK"]; // PARK has no rule
const MONTHS: [&str; 4] = ["2026-01", "2026-02", "2026-03", "2027-02"];

fn rounding() -> impl Strategy<Value = Rounding> {
    prop_oneof![Just(Rounding::HalfEven), Just(Rounding::HalfUp), Just(Rounding::Down)]
}

fn remainder() -> impl Strategy<Value = Remainder> {
    prop_oneof![Just(Remainder::First), Just(Remainder::Last)]
}

fn day_count() -> impl Strategy<Value = DayCount> {
    prop_oneof![Just(DayCount::ActualDays), Just(DayCount::ThirtyDay), Just(DayCount::Days365)]
}

/// Shares in hundredths of a percent that sum to exactly 100.
fn split_percents() -> impl Strategy<Value = Vec<Decimal>> {
    prop::collection::vec(1u32..9999, 1..3).prop_map(|mut cuts| {
        cuts.sort_unstable();
        cuts.dedup();
        let mut bounds = vec![0];
        bounds.extend(cuts);
        bounds.push(10_000);
        bounds.windows(2).map(|w| Decimal::new(i64::from(w[1] - w[0]), 2)).collect()
    })
}

fn generated_mapping() -> impl Strategy<Value = PropertyMapping> {
    (
        prop_oneof![Just(GroupBy::Day), Just(GroupBy::PostMonth), Just(GroupBy::Item)],
        (rounding(), remainder(), day_count()),
        any::<bool>(),
        prop::option::of(0i64..300),
        split_percents(),
        any::<bool>(),
    )
        .prop_map(|(group_by, (rounding, remainder, method), defer, tolerance, percents, card_apart)| {
            let mut m = mapping();
            m.journal.group_by = group_by;
            m.proration = Proration {
                method,
                rounding,
                remainder,
                defer_to: defer.then(|| acct("prepaid_rent")),
                check_tolerance: tolerance.map(|t| Decimal::new(t, 2)),
            };
            let accounts = ["water_income", "sewer_income", "pet_income"];
            let shares = percents
                .iter()
                .zip(accounts)
                .map(|(percent, account)| SplitShare { account: acct(account), percent: *percent })
                .collect();
            m.codes.insert(ArCode::new("UTIL"), CodeRule::Split(Split::new(shares).unwrap()));
            if !card_apart {
                m.posting.clearing_by_method.clear();
            }
            m
        })
}

fn date_in(month: &str, offset: i64) -> NaiveDate {
    let first = journal_support::month(month).first_day();
    if offset >= 0 {
        first.checked_add_days(Days::new(offset as u64)).unwrap()
    } else {
        first.checked_sub_days(Days::new((-offset) as u64)).unwrap()
    }
}

prop_compose! {
    fn generated_charge(n: usize)(
        code in 0..CODES.len(),
        cents in prop_oneof![-60_000i64..0, 0i64..250_000, Just(0i64), Just(1i64), Just(-1i64)],
        tax_percent in prop_oneof![Just(0i64), 0i64..30, Just(150i64)],
        month in 0..MONTHS.len(),
        offset in -6i64..36,
        service in prop::option::of((prop_oneof![-40i64..40, Just(30i64), Just(-1i64), Just(0i64)], 0u64..100)),
        flags in (0u8..20, 0u8..20, 0u8..20),
    ) -> Charge {
        let month_text = MONTHS[month];
        let mut c = charge(&format!("chg_{n:03}"), CODES[code], "0", "2026-01-01", month_text);
        c.amount = Money::new(Decimal::new(cents, 2), Currency::USD).unwrap();
        c.tax = Money::new(Decimal::new(cents * tax_percent / 100, 2), Currency::USD).unwrap();
        c.post_date = date_in(month_text, offset);
        c.service_period = service.map(|(start, len)| {
            let start = date_in(month_text, start);
            ServicePeriod::new(start, start.checked_add_days(Days::new(len)).unwrap()).unwrap()
        });
        let (deleted, cad, reversal) = flags;
        if deleted == 0 {
            c.status = ChargeStatus::Deleted;
        }
        if cad == 0 {
            let cad = Currency::parse("CAD").unwrap();
            c.amount = Money::new(c.amount.amount(), cad).unwrap();
            c.tax = Money::new(c.tax.amount(), cad).unwrap();
        }
        if reversal < 3 {
            c.reverses = Some(ChargeId::new("chg_000"));
        }
        c
    }
}

/// Raw choices for one payment; `build` turns them into a payment and its deposit membership.
#[derive(Debug, Clone)]
struct RawPayment {
    cents: i64,
    method: PaymentMethod,
    month: usize,
    offset: i64,
    status: u8,
    return_after_days: u64,
    deposit: Option<usize>,
}

fn raw_payment() -> impl Strategy<Value = RawPayment> {
    (
        1i64..200_000,
        prop::sample::select(PaymentMethod::ALL.to_vec()),
        0..MONTHS.len(),
        -3i64..33,
        0u8..10,
        0u64..40,
        prop::option::of(0usize..5),
    )
        .prop_map(|(cents, method, month, offset, status, return_after_days, deposit)| RawPayment {
            cents,
            method,
            month,
            offset,
            status,
            return_after_days,
            deposit,
        })
}

/// Raw choices for deposits `dep_0..dep_3` (`dep_4` is named by payments but never exists).
#[derive(Debug, Clone)]
struct RawDeposit {
    bank_mapped: bool,
    off_by_cents: i64,
    extra_missing: bool,
    /// Also list this payment (modulo their count), whichever deposit it names.
    stray: Option<usize>,
    /// List the first member twice.
    repeat: bool,
    deleted: bool,
    month: usize,
    offset: i64,
}

fn raw_deposit() -> impl Strategy<Value = RawDeposit> {
    (
        (any::<bool>(), prop_oneof![4 => Just(0i64), 1 => -500i64..500]),
        (0u8..8, prop::option::weighted(0.15, 0usize..16), 0u8..10, 0u8..12),
        (0..MONTHS.len(), -3i64..33),
    )
        .prop_map(|((bank_mapped, off_by_cents), (extra, stray, repeat, deleted), (month, offset))| {
            RawDeposit {
                bank_mapped: bank_mapped || off_by_cents == 0,
                off_by_cents,
                extra_missing: extra == 0,
                stray,
                repeat: repeat == 0,
                deleted: deleted == 0,
                month,
                offset,
            }
        })
}

fn build(charges: Vec<Charge>, raw_payments: Vec<RawPayment>, raw_deposits: Vec<RawDeposit>) -> Items {
    let mut payments = Vec::new();
    for (n, raw) in raw_payments.iter().enumerate() {
        let month_text = MONTHS[raw.month];
        let mut p = payment(&format!("pay_{n:03}"), "1", raw.method, "2026-01-01", month_text);
        p.amount = Money::new(Decimal::new(raw.cents, 2), Currency::USD).unwrap();
        p.post_date = date_in(month_text, raw.offset);
        p.status = match raw.status {
            0 => PaymentStatus::Deleted,
            1 | 2 => PaymentStatus::Returned,
            3 => PaymentStatus::Voided,
            _ => PaymentStatus::Captured,
        };
        if matches!(p.status, PaymentStatus::Returned | PaymentStatus::Voided) {
            let date = p.post_date.checked_add_days(Days::new(raw.return_after_days)).unwrap();
            p.returned = Some(PaymentReturn { date, post_month: PostMonth::of(date), reason: None });
        }
        p.deposit_id = raw.deposit.map(|d| DepositId::new(format!("dep_{d}")));
        payments.push(p);
    }
    let mut deposits = Vec::new();
    for (n, raw) in raw_deposits.iter().enumerate().take(4) {
        let id = format!("dep_{n}");
        let members: Vec<&Payment> =
            payments.iter().filter(|p| p.deposit_id.as_ref().is_some_and(|d| d.as_str() == id)).collect();
        let mut ids: Vec<&str> = members.iter().map(|p| p.id.as_str()).collect();
        if raw.extra_missing {
            ids.push("pay_999");
        }
        if let Some(stray) = raw.stray.filter(|_| !payments.is_empty()) {
            let stray = &payments[stray % payments.len()];
            if !ids.contains(&stray.id.as_str()) {
                ids.push(stray.id.as_str());
            }
        }
        if raw.repeat && !members.is_empty() {
            ids.push(members[0].id.as_str());
        }
        let bank = if raw.bank_mapped { "bank_001" } else { "bank_002" };
        // What the listed payments we have add up to, so that only `off_by_cents` (not a stray or a
        // repeat) makes the amounts differ.
        let sum: Decimal = ids
            .iter()
            .filter_map(|id| {
                payments.iter().find(|p| p.id.as_str() == *id && p.status != PaymentStatus::Deleted)
            })
            .map(|p| p.amount.amount())
            .sum();
        let amount = (sum + Decimal::new(raw.off_by_cents, 2)).to_string();
        let mut dep = deposit(&id, bank, "2026-01-01", MONTHS[raw.month], &amount, &ids);
        dep.deposit_date = date_in(MONTHS[raw.month], raw.offset);
        if raw.deleted {
            dep.status = DepositStatus::Deleted;
        }
        deposits.push(dep);
    }
    Items { charges, payments, deposits, leases: vec![lease("lease_1", "1295.00", &[("PET", "30.00")])] }
}

fn generated_items() -> impl Strategy<Value = Items> {
    (
        prop::collection::vec(0usize..1, 0..30).prop_flat_map(|slots| {
            slots.iter().enumerate().map(|(n, _)| generated_charge(n)).collect::<Vec<_>>()
        }),
        prop::collection::vec(raw_payment(), 0..16),
        prop::collection::vec(raw_deposit(), 0..5),
    )
        .prop_map(|(charges, payments, deposits)| build(charges, payments, deposits))
}

mod reference;
use reference::{plan_totals, reference};

// --- the properties ------------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 400,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct("proptest-regressions/journal_props.txt"))),
        ..ProptestConfig::default()
    })]

    #[test]
    fn plans_balance_and_post_exactly_what_the_reference_expects(
        items in generated_items(),
        mapping in generated_mapping(),
    ) {
        let plan = try_plan(&items, &mapping);
        prop_assert!(plan.is_ok(), "{:?}", plan.err());
        let plan = plan.unwrap();
        for entry in &plan.entries {
            let debits: Decimal = entry.lines().iter().map(|l| l.debit()).sum();
            let credits: Decimal = entry.lines().iter().map(|l| l.credit()).sum();
            prop_assert_eq!(debits, credits, "{}", entry_line(entry));
            prop_assert!(entry.lines().iter().all(|l| l.amount() > Decimal::ZERO && l.amount().scale() == 2));
            prop_assert!(entry.doc_number().as_str().len() <= 21);
            prop_assert!(entry.post_month().contains(entry.date()));
        }
        let keys: BTreeSet<_> = plan.entries.iter().map(|e| e.key().clone()).collect();
        prop_assert_eq!(keys.len(), plan.entries.len(), "keys repeat");
        let docs: BTreeSet<_> = plan.entries.iter().map(|e| e.doc_number().clone()).collect();
        prop_assert_eq!(docs.len(), plan.entries.len(), "document numbers repeat");

        let (want_totals, want_held, want_mismatched) = reference(&items, &mapping);
        let ids = |holding: bool| -> BTreeSet<String> {
            plan.exceptions.iter().filter(|e| e.kind.holds_item() == holding).map(|e| e.source_id.clone()).collect()
        };
        prop_assert_eq!(ids(true), want_held);
        prop_assert_eq!(ids(false), want_mismatched);
        prop_assert_eq!(plan_totals(&plan), want_totals);
    }

    #[test]
    fn planning_is_deterministic_and_ignores_item_order(
        items in generated_items(),
        mapping in generated_mapping(),
        seed in any::<u64>(),
    ) {
        let first = plan(&items, &mapping);
        prop_assert_eq!(format!("{first:?}"), format!("{:?}", plan(&items, &mapping)));
        let mut shuffled = items.clone();
        let rotate = |len: usize| if len == 0 { 0 } else { (seed as usize) % len };
        let (c, p, d) = (rotate(shuffled.charges.len()), rotate(shuffled.payments.len()), rotate(shuffled.deposits.len()));
        shuffled.charges.rotate_left(c);
        shuffled.charges.reverse();
        shuffled.payments.rotate_left(p);
        shuffled.deposits.rotate_left(d);
        shuffled.deposits.reverse();
        prop_assert_eq!(format!("{first:?}"), format!("{:?}", plan(&shuffled, &mapping)));
    }

    #[test]
    fn allocated_parts_sum_to_the_whole(
        total in -10_000_000_000i128..10_000_000_000,
        weights in prop::collection::vec(0u128..1_000_000, 1..12),
        rounding in rounding(),
        remainder in remainder(),
    ) {
        prop_assume!(weights.iter().any(|w| *w > 0));
        let parts = allocate(total, &weights, rounding, remainder).unwrap();
        prop_assert_eq!(parts.len(), weights.len());
        prop_assert_eq!(parts.iter().sum::<i128>(), total);
        let sum: u128 = weights.iter().sum();
        for (part, weight) in parts.iter().zip(&weights) {
            if *weight == 0 {
                prop_assert_eq!(*part, 0);
            }
            // Each part is within the leftover (at most one cent per part) of its exact share.
            let exact = Decimal::from_i128_with_scale(total * *weight as i128, 0) / Decimal::from(sum as i128);
            prop_assert!((Decimal::from(*part) - exact).abs() <= Decimal::from(weights.len() as i64));
        }
    }

    #[test]
    fn deferral_weights_are_proportional_to_the_fractions(
        fractions in prop::collection::vec((0u64..400, 1u64..400), 1..13),
    ) {
        let fractions: Vec<Fraction> = fractions.into_iter().map(|(num, den)| Fraction { num, den }).collect();
        let weights = fraction_weights(&fractions).unwrap();
        for (i, j) in (0..fractions.len()).flat_map(|i| (0..fractions.len()).map(move |j| (i, j))) {
            // w_i / w_j == f_i / f_j, cross-multiplied.
            let left = weights[i] * u128::from(fractions[j].num) * u128::from(fractions[i].den);
            let right = weights[j] * u128::from(fractions[i].num) * u128::from(fractions[j].den);
            prop_assert_eq!(left, right);
        }
    }

    #[test]
    fn netting_keeps_every_account_total(
        postings in prop::collection::vec((0usize..4, any::<bool>(), 0i64..100_000), 0..30),
    ) {
        let accounts = ["a", "b", "c", "d"].map(acct);
        let mut netting = Netting::new();
        let mut before: BTreeMap<String, Decimal> = BTreeMap::new();
        for (account, debit, cents) in &postings {
            let (side, signed) = if *debit { (Side::Debit, *cents) } else { (Side::Credit, -cents) };
            netting.add(&accounts[*account], side, Decimal::new(*cents, 2), String::new);
            *before.entry(accounts[*account].to_string()).or_default() += Decimal::new(signed, 2);
        }
        before.retain(|_, v| !v.is_zero());
        let mut after: BTreeMap<String, Decimal> = BTreeMap::new();
        for (account, side, amount, _) in netting.into_lines() {
            prop_assert!(amount > Decimal::ZERO);
            let signed = if side == Side::Debit { amount } else { -amount };
            prop_assert!(after.insert(account.to_string(), signed).is_none(), "one line per account");
        }
        prop_assert_eq!(after, before);
    }
}
