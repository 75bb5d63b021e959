//! Billing: what each lease is charged, month by month, and when it means to pay.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use rust_decimal::{Decimal, RoundingStrategy};

use super::{Charge, Ctx, Method, Note};
use crate::generate::calendar::{add_days, at, is_business_day};
use crate::generate::catalog::Code;
use crate::generate::cents::Cents;
use crate::generate::leases::{Lease, Payer};
use crate::generate::rng::Rng;
use entrata_recon::domain::PostMonth;

/// Miscellaneous charges (code MISC, deliberately unmapped): description and amount in dollars.
pub const MISC_KINDS: [(&str, i64); 4] =
    [("Lockout service", 25), ("Key replacement", 45), ("Trash violation", 75), ("Carpet cleaning", 150)];

/// A payment the resident means to make: at `at` (local), paying `share_pct` percent of what is
/// open then (100 = everything).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct PayPlan {
    pub at: NaiveDateTime,
    pub method: Method,
    pub share_pct: i64,
}

pub struct Billed {
    pub charges: Vec<Charge>,
    /// Each lease's charges (indices into `charges`).
    pub per_lease: Vec<Vec<u32>>,
    /// Each lease's intended payments.
    pub plans: Vec<Vec<PayPlan>>,
    pub proration_off: Vec<u32>,
}

/// The documented day count for a part of a month: `actual_days` with `half_even` rounding
/// (PRODUCT.md §7.3), the example mapping's `[proration]`: monthly × days ÷ days in the month,
/// rounded half-to-even to cents.
pub fn prorated(monthly: Decimal, days: u32, month_days: u32) -> Decimal {
    let exact = monthly * Decimal::from(days) / Decimal::from(month_days.max(1));
    let mut cents = exact.round_dp_with_strategy(2, RoundingStrategy::MidpointNearestEven);
    cents.rescale(2);
    cents
}

pub(crate) fn prorate(monthly: Cents, days: u32, month_days: u32) -> Cents {
    Cents::round(prorated(monthly.to_decimal(), days, month_days), RoundingStrategy::MidpointNearestEven)
}

pub fn bill(ctx: &Ctx<'_>, leases: &[Lease]) -> Billed {
    let mut billed = Billed {
        charges: Vec::with_capacity(leases.len() * ctx.months.len() * 4),
        per_lease: Vec::with_capacity(leases.len()),
        plans: Vec::with_capacity(leases.len()),
        proration_off: Vec::new(),
    };
    for (index, lease) in leases.iter().enumerate() {
        let mut rng = Rng::derive(ctx.seed, &[u64::from(ctx.property.index), 4, index as u64]);
        let mut biller = Biller { ctx, lease_index: index as u32, lease, rng: &mut rng, billed: &mut billed };
        let (list, plans) = biller.lease();
        billed.per_lease.push(list);
        billed.plans.push(plans);
    }
    billed
}

struct Biller<'a, 'b> {
    ctx: &'a Ctx<'a>,
    lease_index: u32,
    lease: &'a Lease,
    rng: &'b mut Rng,
    billed: &'b mut Billed,
}

/// A charge before it is placed: what the month loop decides.
struct Draft {
    code: Code,
    amount: Cents,
    tax: Cents,
    post_date: NaiveDate,
    post_month: PostMonth,
    service: Option<(NaiveDate, NaiveDate)>,
    scheduled: bool,
    created: NaiveDateTime,
    note: Note,
}

impl Biller<'_, '_> {
    fn add(&mut self, draft: Draft, list: &mut Vec<u32>) -> u32 {
        let index = self.billed.charges.len() as u32;
        self.billed.charges.push(Charge {
            lease: self.lease_index,
            code: draft.code,
            amount: draft.amount,
            tax: draft.tax,
            post_date: draft.post_date,
            post_month: draft.post_month,
            service: draft.service,
            reverses: None,
            scheduled: draft.scheduled,
            created: draft.created,
            updated: draft.created,
            corrected: false,
            note: draft.note,
        });
        list.push(index);
        index
    }

    /// A reversal of `original`, made at `when` (dropped when that is after the cutoff).
    fn reverse(&mut self, original: u32, when: NaiveDateTime, waived: bool, list: &mut Vec<u32>) {
        if when.date() > self.ctx.cutoff {
            return;
        }
        let source = self.billed.charges[original as usize].clone();
        let shift = self.rng.chance(1_500);
        let index = self.add(
            Draft {
                code: source.code,
                amount: -source.amount,
                tax: -source.tax,
                post_date: when.date(),
                post_month: self.ctx.post_month_for(when.date(), shift),
                service: source.service,
                scheduled: false,
                created: when,
                note: Note::Reversal { waived },
            },
            list,
        );
        self.billed.charges[index as usize].reverses = Some(original);
    }

    fn lease(&mut self) -> (Vec<u32>, Vec<PayPlan>) {
        let mut list = Vec::new();
        let mut plans = Vec::new();
        let mut advance_billed: Option<PostMonth> = None;
        for &month in self.ctx.months {
            let Some((first, last)) = self.lease.days_in(month) else { continue };
            let moving_in = self.lease.moves_in_during(month);
            let month_plans = self.month_plans(month, moving_in, first);
            self.month_charges(month, (first, last), moving_in, &mut advance_billed, &mut list);
            let first_payment = month_plans.first().map(|p| p.at);
            if !moving_in && first_payment.is_some_and(|t| t.day() > 5) && last.day() >= 6 {
                self.late_fee(month, &mut list);
            }
            self.extras(month, (first, last), &mut list);
            plans.extend(month_plans);
        }
        (list, plans)
    }

    /// Scheduled charges are made by the nightly job before the 1st, in one batch per property:
    /// seconds apart, some in the same second (the puller must cope with equal `updatedAt`).
    fn batch_time(&self, day_before: NaiveDate, hour: i64, k: u32) -> NaiveDateTime {
        at(day_before, hour, 0, 0) + Duration::seconds(i64::from(self.lease_index * 3 + k / 2))
    }

    fn month_charges(
        &mut self,
        month: PostMonth,
        (first, last): (NaiveDate, NaiveDate),
        moving_in: bool,
        advance_billed: &mut Option<PostMonth>,
        list: &mut Vec<u32>,
    ) {
        let lease = self.lease;
        let full = first == month.first_day() && last == month.last_day();
        let days = (last - first).num_days() as u32 + 1;
        let move_in_time = at(lease.move_in, self.rng.range(10, 16), self.rng.range(0, 59), 0);
        let mut k = 0;
        let mut when = |biller: &Self| {
            k += 1;
            if moving_in {
                move_in_time + Duration::seconds(i64::from(k / 2))
            } else {
                biller.batch_time(add_days(month.first_day(), -1), 21, k)
            }
        };
        let post_date = if moving_in { lease.move_in } else { month.first_day() };
        let service = Some((first, last));
        let mut monthly = |biller: &mut Self, code: Code, amount: Cents, tax: Cents, off: bool| {
            let (amount, note) = if full {
                (amount, Note::Monthly)
            } else {
                let counted = if off { days + 1 } else { days };
                (prorate(amount, counted, month.days()), Note::Prorated { days })
            };
            let created = when(biller);
            biller.add(
                Draft {
                    code,
                    amount,
                    tax,
                    post_date,
                    post_month: month,
                    service,
                    scheduled: true,
                    created,
                    note,
                },
                list,
            )
        };
        if *advance_billed != Some(month) {
            // A few prorated rents are deliberately off the day count: the proration check's work.
            let off = !full && self.rng.chance(300);
            let index = monthly(self, Code::Rent, lease.rent, Cents::ZERO, off);
            if off {
                self.billed.proration_off.push(index);
            }
            if self.rng.chance(5) {
                self.correct_later(index);
            }
        }
        for fee in &lease.fees {
            if fee.code == Code::Stor && !full {
                continue; // storage is billed for whole months only
            }
            let tax = if full { fee.tax } else { Cents::ZERO };
            monthly(self, fee.code, fee.amount, tax, false);
        }
        if !moving_in {
            return;
        }
        let mut once = |biller: &mut Self, code: Code, amount: Cents, service, note| {
            let created = when(biller);
            biller.add(
                Draft {
                    code,
                    amount,
                    tax: Cents::ZERO,
                    post_date,
                    post_month: month,
                    service,
                    scheduled: false,
                    created,
                    note,
                },
                list,
            );
        };
        if lease.deposit.is_positive() {
            once(self, Code::Secdep, lease.deposit, None, Note::MoveIn);
        }
        if lease.move_in_special.is_positive() {
            once(self, Code::Conc, -lease.move_in_special, None, Note::MoveIn);
        }
        // A late-month move-in often pays next month's rent up front: billed now, for next
        // month's service period, so that deferral has work.
        let next = month.next();
        let next_is_full = lease.days_in(next) == Some((next.first_day(), next.last_day()));
        if lease.move_in.day() >= 20 && next_is_full && self.rng.chance(6_000) {
            once(self, Code::Rent, lease.rent, Some((next.first_day(), next.last_day())), Note::Advance);
            *advance_billed = Some(next);
        }
    }

    /// The description is corrected some days later: a later `updatedAt`, same money.
    fn correct_later(&mut self, index: u32) {
        let cutoff_end = at(self.ctx.cutoff, 23, 59, 0);
        let charge = &mut self.billed.charges[index as usize];
        let later = charge.created
            + Duration::days(self.rng.range(1, 20))
            + Duration::minutes(self.rng.range(1, 600));
        charge.updated = later.min(cutoff_end).max(charge.created);
        charge.corrected = true;
    }

    fn late_fee(&mut self, month: PostMonth, list: &mut Vec<u32>) {
        let day6 = add_days(month.first_day(), 5);
        let created = at(day6, 0, 30, 0) + Duration::seconds(i64::from(self.lease_index * 3 / 4));
        let fee = self.ctx.property.late_fee;
        let draft = Draft {
            code: Code::Late,
            amount: fee,
            tax: Cents::ZERO,
            post_date: day6,
            post_month: month,
            service: None,
            scheduled: false,
            created,
            note: Note::Late,
        };
        let index = self.add(draft, list);
        if self.rng.chance(1_200) {
            // Waived by the manager days or weeks later, often in the next month.
            let later = add_days(day6, self.rng.range(1, 40));
            let when = at(later, self.rng.range(9, 17), self.rng.range(0, 59), 0);
            self.reverse(index, when, true, list);
        } else if self.rng.chance(300) {
            // Reduced the same morning (before anyone paid it): an edit after the fact.
            let charge = &mut self.billed.charges[index as usize];
            charge.amount = (fee - Cents::dollars(25)).max(Cents::dollars(25));
            charge.updated = created + Duration::hours(self.rng.range(2, 8));
            charge.corrected = true;
        }
    }

    /// Unscheduled items: miscellaneous charges, goodwill credits, fees reversed in error.
    fn extras(&mut self, month: PostMonth, (first, last): (NaiveDate, NaiveDate), list: &mut Vec<u32>) {
        let span = (last - first).num_days();
        if self.rng.chance(60) {
            let date = add_days(first, self.rng.range(0, span));
            let (hour, minute) = (self.rng.range(9, 17), self.rng.range(0, 59));
            self.misc(date, at(date, hour, minute, 0), list);
        }
        if self.rng.chance(30) {
            let date = add_days(first, self.rng.range(0, span));
            let shift = self.rng.chance(1_500);
            let created = at(date, self.rng.range(9, 17), self.rng.range(0, 59), 0);
            let amount = -Cents::dollars(*self.rng.pick(&[25, 50]));
            let draft = Draft {
                code: Code::Conc,
                amount,
                tax: Cents::ZERO,
                post_date: date,
                post_month: self.ctx.post_month_for(date, shift),
                service: None,
                scheduled: false,
                created,
                note: Note::Goodwill,
            };
            self.add(draft, list);
        }
        if self.rng.chance(40) {
            let fees: Vec<u32> = list
                .iter()
                .copied()
                .filter(|&i| {
                    let c = &self.billed.charges[i as usize];
                    // Whole-month fees only: a reversed part-month charge would look like a
                    // proration mismatch to the connector's check.
                    c.post_month == month && c.note == Note::Monthly && c.code != Code::Rent
                })
                .collect();
            if !fees.is_empty() {
                let original = *self.rng.pick(&fees);
                let posted = self.billed.charges[original as usize].post_date;
                let date = add_days(posted.max(month.first_day()), self.rng.range(1, 19));
                let when = at(date, self.rng.range(9, 17), self.rng.range(0, 59), self.rng.range(0, 59));
                self.reverse(original, when, false, list);
            }
        }
    }

    fn misc(&mut self, date: NaiveDate, created: NaiveDateTime, list: &mut Vec<u32>) {
        let kind = self.rng.below(MISC_KINDS.len() as u64) as u8;
        let shift = self.rng.chance(1_500);
        let draft = Draft {
            code: Code::Misc,
            amount: Cents::dollars(MISC_KINDS[usize::from(kind)].1),
            tax: Cents::ZERO,
            post_date: date,
            post_month: self.ctx.post_month_for(date, shift),
            service: None,
            scheduled: false,
            created,
            note: Note::Misc { kind },
        };
        self.add(draft, list);
    }

    /// When and how the resident pays this month.
    fn month_plans(&mut self, month: PostMonth, moving_in: bool, first: NaiveDate) -> Vec<PayPlan> {
        let rng = &mut *self.rng;
        let day = |d: i64| add_days(month.first_day(), d - 1);
        let any_time =
            |rng: &mut Rng, date: NaiveDate| at(date, rng.range(6, 22), rng.range(0, 59), rng.range(0, 59));
        let office = |rng: &mut Rng, mut date: NaiveDate| {
            while !is_business_day(date) {
                date = add_days(date, 1);
            }
            at(date, rng.range(9, 17), rng.range(0, 59), rng.range(0, 59))
        };
        if moving_in {
            // Certified funds at the move-in appointment, after the move-in charges are made.
            let method = rng.weighted(&[(Method::MoneyOrder, 40), (Method::Check, 30), (Method::Card, 30)]);
            let at = at(first, 17, rng.range(0, 59), rng.range(0, 59));
            return vec![PayPlan { at, method, share_pct: 100 }];
        }
        let late_now = (self.lease.payer == Payer::Late && rng.chance(7_000)) || rng.chance(300);
        if late_now {
            let method = rng.weighted(&[
                (Method::Card, 40),
                (Method::Ach, 30),
                (Method::MoneyOrder, 20),
                (Method::Cash, 10),
            ]);
            let date = day(rng.range(7, 15));
            let at = if method.is_paper() { office(rng, date) } else { any_time(rng, date) };
            return vec![PayPlan { at, method, share_pct: 100 }];
        }
        match self.lease.payer {
            Payer::Autopay => {
                let at = at(day(1), 4, 0, 0) + Duration::seconds(i64::from(self.lease_index * 3 / 4));
                vec![PayPlan { at, method: Method::Ach, share_pct: 100 }]
            }
            Payer::Online | Payer::Late => {
                let method = rng.weighted(&[(Method::Ach, 55), (Method::Card, 45)]);
                let date = day(rng.range(1, 5));
                vec![PayPlan { at: any_time(rng, date), method, share_pct: 100 }]
            }
            Payer::Office => {
                let method =
                    rng.weighted(&[(Method::Check, 70), (Method::MoneyOrder, 20), (Method::Cash, 10)]);
                let date = day(rng.range(1, 5));
                vec![PayPlan { at: office(rng, date), method, share_pct: 100 }]
            }
            Payer::Split => {
                let (first_day, rest_day) = (day(rng.range(1, 3)), day(rng.range(4, 5)));
                let first_part = PayPlan { at: any_time(rng, first_day), method: Method::Ach, share_pct: 60 };
                let rest = PayPlan { at: office(rng, rest_day), method: Method::Check, share_pct: 100 };
                vec![first_part, rest]
            }
        }
    }
}

/// Makes sure the showcase property has, in the last month, a prorated rent off the day count
/// and a charge under an unmapped code, so that the demo always shows both exceptions.
pub fn showcase(ctx: &Ctx<'_>, leases: &[Lease], billed: &mut Billed) {
    let last = ctx.last_month();
    let has_off = billed.proration_off.iter().any(|&i| billed.charges[i as usize].post_month == last);
    if !has_off {
        let candidate = billed.charges.iter().position(|c| {
            c.code == Code::Rent && c.post_month == last && matches!(c.note, Note::Prorated { .. })
        });
        if let Some(index) = candidate {
            let charge = &mut billed.charges[index];
            if let Note::Prorated { days } = charge.note {
                let lease = &leases[charge.lease as usize];
                charge.amount = prorate(lease.rent, days + 1, last.days());
                billed.proration_off.push(index as u32);
            }
        }
    }
    let has_misc = billed.charges.iter().any(|c| c.code == Code::Misc && c.post_month == last);
    let day10 = add_days(last.first_day(), 9);
    if !has_misc && day10 <= ctx.cutoff {
        let tenant =
            leases.iter().position(|l| l.days_in(last).is_some_and(|(f, t)| f <= day10 && day10 <= t));
        if let Some(lease_index) = tenant {
            let index = billed.charges.len() as u32;
            billed.charges.push(Charge {
                lease: lease_index as u32,
                code: Code::Misc,
                amount: Cents::dollars(MISC_KINDS[0].1),
                tax: Cents::ZERO,
                post_date: day10,
                post_month: last,
                service: None,
                reverses: None,
                scheduled: false,
                created: at(day10, 11, 0, 0),
                updated: at(day10, 11, 0, 0),
                corrected: false,
                note: Note::Misc { kind: 0 },
            });
            billed.per_lease[lease_index].push(index);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proration_is_actual_days_half_even() {
        let check = |monthly: i64, days: u32, month_days: u32, want: i64| {
            assert_eq!(
                prorate(Cents(monthly), days, month_days),
                Cents(want),
                "{monthly} {days}/{month_days}"
            );
        };
        check(129_500, 14, 28, 64_750);
        check(129_500, 17, 31, 71_016); // 710.1612.. -> 710.16
        check(100, 1, 8, 12); // 12.5 cents -> 12 (half to even)
        check(300, 1, 8, 38); // 37.5 cents -> 38 (half to even)
        check(129_500, 30, 30, 129_500);
    }
}
