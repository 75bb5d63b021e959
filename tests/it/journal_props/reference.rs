//! The reference implementation the properties compare plans with: no grouping, no netting,
//! `Decimal` arithmetic, day-by-day counting.

use crate::journal_support::*;
use chrono::{Datelike, NaiveDate};
use entrata_recon::domain::*;
use entrata_recon::journal::PropertyPlan;
use entrata_recon::mapping::*;
use rust_decimal::{Decimal, RoundingStrategy};
use std::collections::{BTreeMap, BTreeSet};

/// Signed (debit positive) per journal kind, account and post month.
pub(crate) type Totals = BTreeMap<(&'static str, String, PostMonth), Decimal>;

pub(crate) struct Reference<'m> {
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
                // Named a deposit that does not list it (or was deleted): out of clearing, in
                // its own `return` entry (the deposit is its source).
                Some(Some(_)) => {
                    self.add("return", &posting.receivables, ret.post_month, amount);
                    self.add("return", &clearing, ret.post_month, -amount);
                }
                None => {
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
pub(crate) fn reference(
    items: &Items,
    mapping: &PropertyMapping,
) -> (Totals, BTreeSet<String>, BTreeSet<String>) {
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

pub(crate) fn plan_totals(plan: &PropertyPlan) -> Totals {
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
