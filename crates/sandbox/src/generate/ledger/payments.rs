//! Payments: each lease's charges and intended payments walked in time order, so that a payment
//! pays exactly what is open when it arrives, credits are used up first, and a returned or
//! voided payment reopens what it paid (and brings an NSF fee and a replacement payment).

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use chrono::{Duration, NaiveDateTime};

use super::charges::PayPlan;
use super::{Charge, Ctx, Fate, Method, Note, Payment};
use crate::generate::calendar::{add_days, at, next_business_day};
use crate::generate::catalog::{Code, NSF_FEE};
use crate::generate::cents::Cents;
use crate::generate::rng::Rng;
use entrata_recon::domain::PostMonth;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Event {
    Charge(u32),
    Pay(PayPlan),
    /// A payment was returned or voided: what it paid is owed again.
    Reopen(u32),
}

const ACH_RETURNS: [&str; 3] = ["R01 Insufficient funds", "R02 Account closed", "R03 No account"];
const CHECK_RETURNS: [&str; 2] = ["NSF", "Stop payment"];

pub fn collect(
    ctx: &Ctx<'_>,
    charges: &mut Vec<Charge>,
    per_lease: Vec<Vec<u32>>,
    plans: Vec<Vec<PayPlan>>,
) -> Vec<Payment> {
    let mut payments = Vec::with_capacity(charges.len() / 3);
    for (index, (list, plans)) in per_lease.into_iter().zip(plans).enumerate() {
        let rng = Rng::derive(ctx.seed, &[u64::from(ctx.property.index), 5, index as u64]);
        let mut walk = Walk {
            ctx,
            lease: index as u32,
            rng,
            charges: &mut *charges,
            payments: &mut payments,
            events: BinaryHeap::new(),
            seq: 0,
            open: Vec::new(),
            credits: Vec::new(),
        };
        for charge in list {
            let created = walk.charges[charge as usize].created;
            walk.push(created, Event::Charge(charge));
        }
        for plan in plans {
            walk.push(plan.at, Event::Pay(plan));
        }
        walk.run();
    }
    payments
}

struct Walk<'a, 'b> {
    ctx: &'a Ctx<'a>,
    lease: u32,
    rng: Rng,
    charges: &'b mut Vec<Charge>,
    payments: &'b mut Vec<Payment>,
    events: BinaryHeap<Reverse<(NaiveDateTime, u32, Event)>>,
    seq: u32,
    /// Charges with something still owed: (charge, remaining).
    open: Vec<(u32, Cents)>,
    /// Credits not yet used up: (charge, remaining magnitude).
    credits: Vec<(u32, Cents)>,
}

impl Walk<'_, '_> {
    fn push(&mut self, when: NaiveDateTime, event: Event) {
        self.seq += 1;
        self.events.push(Reverse((when, self.seq, event)));
    }

    fn run(&mut self) {
        while let Some(Reverse((when, _, event))) = self.events.pop() {
            match event {
                Event::Charge(index) => {
                    let amount = self.charges[index as usize].amount;
                    if amount.is_positive() {
                        self.open.push((index, amount));
                    } else if amount.0 < 0 {
                        self.credits.push((index, -amount));
                    }
                }
                Event::Pay(plan) => self.pay(when, plan),
                Event::Reopen(payment) => {
                    let allocations = self.payments[payment as usize].allocations.clone();
                    for (charge, amount) in allocations {
                        match self.open.iter_mut().find(|(c, _)| *c == charge) {
                            Some(entry) => entry.1 += amount,
                            None => self.open.push((charge, amount)),
                        }
                    }
                    self.open.sort_unstable_by_key(|(c, _)| (self.charges[*c as usize].created, *c));
                }
            }
        }
    }

    /// Uses up credits against the oldest open charges (Entrata allocates credits itself; they
    /// never appear in a payment's allocations).
    fn apply_credits(&mut self) {
        for credit in &mut self.credits {
            for entry in &mut self.open {
                if credit.1.0 == 0 {
                    break;
                }
                let take = entry.1.min(credit.1);
                entry.1 -= take;
                credit.1 -= take;
            }
        }
        self.credits.retain(|c| c.1.0 > 0);
        self.open.retain(|e| e.1.0 > 0);
    }

    fn pay(&mut self, when: NaiveDateTime, plan: PayPlan) {
        self.apply_credits();
        let due: Cents = self.open.iter().map(|e| e.1).sum();
        if !due.is_positive() {
            return;
        }
        let amount = if plan.share_pct >= 100 {
            due
        } else {
            let part = Cents(due.0 * plan.share_pct / 100 / 100 * 100); // whole dollars
            if part.is_positive() { part } else { due }
        };
        let mut left = amount;
        let mut allocations = Vec::new();
        for entry in &mut self.open {
            if left.0 == 0 {
                break;
            }
            let take = entry.1.min(left);
            entry.1 -= take;
            left -= take;
            allocations.push((entry.0, take));
        }
        self.open.retain(|e| e.1.0 > 0);
        let post_date = when.date();
        let shift = self.rng.chance(150);
        let index = self.payments.len() as u32;
        let fate = self.fate(index, when, plan.method);
        self.payments.push(Payment {
            lease: self.lease,
            amount,
            method: plan.method,
            received: when,
            post_date,
            post_month: self.ctx.post_month_for(post_date, shift),
            fate,
            deposit: None,
            allocations,
            updated: when,
        });
    }

    /// Whether the payment will be voided or returned, scheduling what follows from it.
    fn fate(&mut self, index: u32, when: NaiveDateTime, method: Method) -> Fate {
        let cutoff_end = at(self.ctx.cutoff, 23, 59, 59);
        if method.is_paper() && self.rng.chance(50) {
            // Keyed wrongly at the office, voided the same day and entered again.
            let voided = when + Duration::minutes(self.rng.range(10, 120));
            if voided > cutoff_end {
                return Fate::Captured;
            }
            self.push(voided, Event::Reopen(index));
            let again = voided + Duration::minutes(self.rng.range(5, 30));
            if again <= cutoff_end {
                self.push(again, Event::Pay(PayPlan { at: again, method, share_pct: 100 }));
            }
            return Fate::Voided { at: voided };
        }
        let returns = match method {
            Method::Ach => self.rng.chance(200),
            Method::Check => self.rng.chance(150),
            _ => false,
        };
        if !returns {
            return Fate::Captured;
        }
        let returned = if self.rng.chance(3_300) {
            // Rejected before it reached the bank deposit (same day, so no deposit holds it).
            (when + Duration::hours(self.rng.range(1, 4))).min(at(when.date(), 23, 59, 0))
        } else {
            let banked = next_business_day(when.date());
            let day = add_days(banked, self.rng.range(2, 6));
            at(day, self.rng.range(10, 15), self.rng.range(0, 59), self.rng.range(0, 59))
        };
        if returned > cutoff_end {
            return Fate::Captured; // the bank has not sent it back yet
        }
        let reason =
            if method == Method::Ach { *self.rng.pick(&ACH_RETURNS) } else { *self.rng.pick(&CHECK_RETURNS) };
        self.push(returned, Event::Reopen(index));
        let fee_at = returned + Duration::minutes(1);
        let charge = self.charges.len() as u32;
        self.charges.push(Charge {
            lease: self.lease,
            code: Code::Nsf,
            amount: NSF_FEE,
            tax: Cents::ZERO,
            post_date: fee_at.date(),
            post_month: PostMonth::of(fee_at.date()),
            service: None,
            reverses: None,
            scheduled: false,
            created: fee_at,
            updated: fee_at,
            corrected: false,
            note: Note::Nsf { payment: index },
        });
        self.push(fee_at, Event::Charge(charge));
        let again = add_days(returned.date(), self.rng.range(1, 4));
        let again = at(again, self.rng.range(9, 17), self.rng.range(0, 59), self.rng.range(0, 59));
        if again <= cutoff_end {
            self.push(again, Event::Pay(PayPlan { at: again, method: Method::MoneyOrder, share_pct: 100 }));
        }
        Fate::Returned { at: returned, reason }
    }
}
