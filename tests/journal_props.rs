//! Properties of the journal builder over generated ledgers and mappings: plans always succeed,
//! balance, do not depend on item order, and post exactly the money a deliberately simple reference
//! implementation (no grouping, no netting, `Decimal` arithmetic, day-by-day counting) expects, per
//! account and post month, holding exactly the items it holds.

mod journal_support;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, Days, NaiveDate};
use entrata_recon::domain::*;
use entrata_recon::journal::prorate::{Fraction, allocate, fraction_weights};
use entrata_recon::journal::{Netting, PropertyPlan, Side};
use entrata_recon::mapping::*;
use journal_support::*;
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use rust_decimal::{Decimal, RoundingStrategy};

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

// --- the reference implementation ----------------------------------------------------------------

/// Signed (debit positive) per journal kind, account and post month.
type Totals = BTreeMap<(&'static str, String, PostMonth), Decimal>;

struct Reference<'m> {
    mapping: &'m PropertyMapping,
    totals: Totals,
    held: BTreeSet<String>,
    mismatched: BTreeSet<String>,
    lease: &'m Lease,
}

impl Reference<'_> {
    fn add(&mut self, kind: &'static str, account: &AccountName, month: PostMonth, debit: Decimal) {
        *self.totals.entry((kind, account.to_string(), month)).or_default() += debit;
    }

    fn round(&self, value: Decimal) -> Decimal {
        let strategy = match self.mapping.proration.rounding {
            Rounding::HalfEven => RoundingStrategy::MidpointNearestEven,
            Rounding::HalfUp => RoundingStrategy::MidpointAwayFromZero,
            Rounding::Down => RoundingStrategy::ToZero,
        };
        value.round_dp_with_strategy(2, strategy)
    }

    /// `total` in proportion to `weights`, leftover to the first/last non-zero weight.
    fn spread(&self, total: Decimal, weights: &[Decimal]) -> Vec<Decimal> {
        let sum: Decimal = weights.iter().sum();
        let mut parts: Vec<Decimal> = weights.iter().map(|w| self.round(total * w / sum)).collect();
        let leftover = total - parts.iter().sum::<Decimal>();
        let nonzero: Vec<usize> = (0..weights.len()).filter(|i| !weights[*i].is_zero()).collect();
        let taker = match self.mapping.proration.remainder {
            Remainder::First => nonzero[0],
            Remainder::Last => nonzero[nonzero.len() - 1],
        };
        parts[taker] += leftover;
        parts
    }

    /// Credits `part` to the code's account(s) in `month`.
    fn credit_code(&mut self, kind: &'static str, rule: &CodeRule, part: Decimal, month: PostMonth) {
        match rule {
            CodeRule::Account(account) => self.add(kind, account, month, -part),
            CodeRule::Split(split) => {
                let percents: Vec<Decimal> = split.shares().iter().map(|s| s.percent).collect();
                for (share, amount) in split.shares().iter().zip(self.spread(part, &percents)) {
                    self.add(kind, &share.account, month, -amount);
                }
            }
        }
    }

    fn charge(&mut self, c: &Charge) {
        if c.status == ChargeStatus::Deleted {
            return;
        }
        let (a, t) = (c.amount.amount(), c.tax.amount());
        let tax_ok = t.is_zero() || (t.is_sign_negative() == a.is_sign_negative() && t.abs() <= a.abs());
        if c.amount.currency() != Currency::USD || !tax_ok {
            self.held.insert(c.id.to_string());
            return;
        }
        if a.is_zero() {
            return;
        }
        let Some(rule) = self.mapping.codes.get(&c.ar_code) else {
            self.held.insert(c.id.to_string());
            return;
        };
        let posting = &self.mapping.posting;
        let (receivables, tax_payable) = (posting.receivables.clone(), posting.tax_payable.clone());
        self.add("charges", &receivables, c.post_month, a);
        self.add("charges", &tax_payable, c.post_month, -t);
        let net = a - t;
        self.proration_check(c, net);
        let defer_to = self.mapping.proration.defer_to.clone();
        let period = c.service_period.filter(|p| p.end() > c.post_month.last_day());
        let (Some(defer_to), Some(period)) = (defer_to, period) else {
            self.credit_code("charges", rule, net, c.post_month);
            return;
        };
        let months = self.month_weights(period);
        let weights: Vec<Decimal> = months.iter().map(|(_, w)| *w).collect();
        for ((month, _), part) in months.iter().zip(self.spread(net, &weights)) {
            if *month <= c.post_month {
                self.credit_code("charges", rule, part, c.post_month);
            } else {
                self.add("charges", &defer_to, c.post_month, -part);
                self.add("recognition", &defer_to, *month, part);
                self.credit_code("recognition", rule, part, *month);
            }
        }
    }

    /// The proration check of PRODUCT.md §7.5 against the one lease every generated charge is on.
    fn proration_check(&mut self, c: &Charge, net: Decimal) {
        let Some(tolerance) = self.mapping.proration.check_tolerance else { return };
        let Some(period) = c.service_period else { return };
        let month = PostMonth::of(period.start());
        let whole = period.start() == month.first_day() && period.end() == month.last_day();
        if !month.contains(period.end()) || whole || c.reverses.is_some() {
            return;
        }
        let monthly = match c.ar_code.as_str() {
            "RENT" => self.lease.rent.unwrap().amount(),
            code => match self.lease.fees.iter().find(|f| f.code.as_str() == code) {
                Some(fee) => fee.amount.amount(),
                None => return,
            },
        };
        let (num, den) = self.fraction(period.start(), period.end());
        let expected = self.round(monthly * Decimal::from(num) / Decimal::from(den));
        if (net - expected).abs() > tolerance {
            self.mismatched.insert(c.id.to_string());
        }
    }

    /// The day-count fraction of `first..=last`, inside one month, counted day by day.
    fn fraction(&self, first: NaiveDate, last: NaiveDate) -> (u32, u32) {
        let month = PostMonth::of(first);
        let (mut all, mut upto30) = (0, 0);
        let mut day = first;
        while day <= last {
            all += 1;
            upto30 += u32::from(day.day() <= 30);
            day = day.succ_opt().unwrap();
        }
        match self.mapping.proration.method {
            DayCount::ActualDays => (all, month.days()),
            // 30/360: the 31st does not count; the last day of a short month counts the missing
            // days up to 30.
            DayCount::ThirtyDay => {
                let short = if last == month.last_day() && month.days() < 30 { 30 - month.days() } else { 0 };
                (upto30 + short, 30)
            }
            DayCount::Days365 => (all * 12, 365),
        }
    }

    /// Weighs each month of the period by its day-count fraction, as exact integers over the
    /// product of the denominators.
    fn month_weights(&self, period: ServicePeriod) -> Vec<(PostMonth, Decimal)> {
        let mut spans: Vec<(PostMonth, NaiveDate, NaiveDate)> = Vec::new();
        let mut day = period.start();
        while day <= period.end() {
            match spans.last_mut() {
                Some((m, _, last)) if m.contains(day) => *last = day,
                _ => spans.push((PostMonth::of(day), day, day)),
            }
            day = day.succ_opt().unwrap();
        }
        let fractions: Vec<(PostMonth, i128, i128)> = spans
            .iter()
            .map(|(m, first, last)| {
                let (num, den) = self.fraction(*first, *last);
                (*m, i128::from(num), i128::from(den))
            })
            .collect();
        let product: i128 = fractions.iter().map(|(_, _, den)| den).product();
        let mut weights: Vec<(PostMonth, Decimal)> =
            fractions.iter().map(|(m, num, den)| (*m, Decimal::from(num * (product / den)))).collect();
        if weights.iter().all(|(_, w)| w.is_zero()) {
            weights = spans
                .iter()
                .map(|(m, first, last)| (*m, Decimal::from((*last - *first).num_days() + 1)))
                .collect();
        }
        weights
    }

    fn cash(&mut self, items: &Items) {
        let posting = self.mapping.posting.clone();
        let usable = |p: &&Payment| p.status != PaymentStatus::Deleted;
        for p in items.payments.iter().filter(usable) {
            let clearing = posting.clearing_for(p.method).clone();
            let amount = p.amount.amount();
            self.add("payments", &clearing, p.post_month, amount);
            self.add("payments", &posting.receivables, p.post_month, -amount);
            let Some(ret) = p.returned.as_ref() else { continue };
            let deposit = p.deposit_id.as_ref().map(|id| items.deposits.iter().find(|d| &d.id == id));
            match deposit {
                Some(None) => {
                    self.held.insert(p.id.to_string());
                }
                Some(Some(d)) if d.status == DepositStatus::Active && d.payment_ids.contains(&p.id) => {
                    match posting.bank_accounts.get(&d.bank_account_id) {
                        Some(bank) => {
                            self.add("return", &posting.receivables, ret.post_month, amount);
                            self.add("return", bank, ret.post_month, -amount);
                        }
                        None => {
                            self.held.insert(p.id.to_string());
                        }
                    }
                }
                _ => {
                    self.add("payments", &posting.receivables, ret.post_month, amount);
                    self.add("payments", &clearing, ret.post_month, -amount);
                }
            }
        }
        for d in items.deposits.iter().filter(|d| d.status == DepositStatus::Active) {
            let listed: Vec<Option<&Payment>> = d
                .payment_ids
                .iter()
                .map(|id| items.payments.iter().filter(usable).find(|p| &p.id == id))
                .collect();
            let all_found = listed.iter().all(|p| p.is_some_and(|p| p.deposit_id.as_ref() == Some(&d.id)));
            let unique = d.payment_ids.iter().collect::<BTreeSet<_>>().len() == d.payment_ids.len();
            let sum: Decimal = listed.iter().flatten().map(|p| p.amount.amount()).sum();
            let bank = posting.bank_accounts.get(&d.bank_account_id);
            let Some(bank) = bank.filter(|_| all_found && unique && sum == d.amount.amount()) else {
                self.held.insert(d.id.to_string());
                continue;
            };
            self.add("deposit", bank, d.post_month, d.amount.amount());
            for p in listed.into_iter().flatten() {
                self.add("deposit", posting.clearing_for(p.method), d.post_month, -p.amount.amount());
            }
        }
    }
}

/// What the plan should post (per kind, account and month), hold, and report as proration
/// mismatches.
fn reference(items: &Items, mapping: &PropertyMapping) -> (Totals, BTreeSet<String>, BTreeSet<String>) {
    let lease = &items.leases[0];
    let mut r = Reference {
        mapping,
        totals: Totals::new(),
        held: BTreeSet::new(),
        mismatched: BTreeSet::new(),
        lease,
    };
    for c in &items.charges {
        r.charge(c);
    }
    r.cash(items);
    r.totals.retain(|_, v| !v.is_zero());
    (r.totals, r.held, r.mismatched)
}

fn plan_totals(plan: &PropertyPlan) -> Totals {
    let mut totals = Totals::new();
    for entry in &plan.entries {
        for line in entry.lines() {
            let key = (entry.kind().as_str(), line.account().to_string(), entry.post_month());
            *totals.entry(key).or_default() += line.debit() - line.credit();
        }
    }
    totals.retain(|_, v| !v.is_zero());
    totals
}

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
