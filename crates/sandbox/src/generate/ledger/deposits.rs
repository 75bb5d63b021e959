//! Bank deposits: each business day's batch of the previous day's payments, per bank account.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};

use super::{Ctx, Deposit, Fate, Payment};
use crate::generate::calendar::{at, next_business_day};
use crate::generate::cents::Cents;
use crate::generate::rng::Rng;
use entrata_recon::domain::PostMonth;

/// The day a payment reaches the bank, when it does by the cutoff.
fn deposit_day(payment: &Payment, cutoff: NaiveDate) -> Option<NaiveDate> {
    let day = next_business_day(payment.post_date);
    let banked = match payment.fate {
        Fate::Voided { .. } => false,
        Fate::Returned { at, .. } => at.date() >= day,
        Fate::Captured => true,
    };
    (banked && day <= cutoff).then_some(day)
}

/// Groups payments into deposits; returns the payments (with `deposit` and `updated` set), the
/// deposits, and the deposits deliberately keyed with a wrong amount.
pub fn batch(ctx: &Ctx<'_>, mut payments: Vec<Payment>) -> (Vec<Payment>, Vec<Deposit>, Vec<u32>) {
    let mut rng = Rng::derive(ctx.seed, &[u64::from(ctx.property.index), 6]);
    let mut keyed: Vec<(NaiveDate, usize, NaiveDateTime, u32)> = payments
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            deposit_day(p, ctx.cutoff).map(|day| (day, p.method.bank(), p.received, i as u32))
        })
        .collect();
    keyed.sort_unstable();
    let mut deposits: Vec<Deposit> = Vec::new();
    for (day, bank, _, payment) in keyed {
        let same = deposits.last().is_some_and(|d| d.date == day && d.bank == bank);
        if !same {
            let at = at(day, 16, rng.range(0, 59), rng.range(0, 59)) + Duration::minutes(20 * bank as i64);
            deposits.push(Deposit {
                bank,
                date: day,
                post_month: PostMonth::of(day),
                amount: Cents::ZERO,
                payments: Vec::new(),
                at,
            });
        }
        let index = deposits.len() - 1;
        let deposit = &mut deposits[index];
        deposit.amount += payments[payment as usize].amount;
        deposit.payments.push(payment);
        payments[payment as usize].deposit = Some(index as u32);
    }
    let mut off = Vec::new();
    for (index, deposit) in deposits.iter_mut().enumerate() {
        if rng.chance(15) {
            mis_key(&mut rng, deposit);
            off.push(index as u32);
        }
    }
    let last = ctx.last_month();
    if ctx.showcase && !off.iter().any(|&i| deposits[i as usize].post_month == last) {
        // The demo always shows one deposit mismatch in the last month.
        if let Some(index) = deposits.iter().position(|d| d.post_month == last && d.date.day() > 1) {
            mis_key(&mut rng, &mut deposits[index]);
            off.push(index as u32);
            off.sort_unstable();
        }
    }
    for payment in &mut payments {
        let mut updated = payment.received;
        if let Some(deposit) = payment.deposit {
            updated = updated.max(deposits[deposit as usize].at);
        }
        match payment.fate {
            Fate::Returned { at, .. } | Fate::Voided { at } => updated = updated.max(at),
            Fate::Captured => {}
        }
        payment.updated = updated;
    }
    (payments, deposits, off)
}

/// A deposit slip keyed with the wrong total: short or over by up to fifty dollars.
fn mis_key(rng: &mut Rng, deposit: &mut Deposit) {
    let delta = Cents(rng.range(100, 5_000));
    if rng.chance(5_000) && deposit.amount > delta {
        deposit.amount -= delta;
    } else {
        deposit.amount += delta;
    }
}
