//! A property's resident ledger over the window: charges, payments and bank deposits.
//!
//! Built lease by lease in three steps: [`charges`] bills every lease month (and decides late
//! fees from the month's payment plan), [`payments`] walks each lease's charges and payments in
//! time order so that every payment pays exactly what is open and returns reopen what they paid,
//! and [`deposits`] batches the day's payments per bank account. Finally ids are handed out in
//! time order, as a database would.

mod charges;
mod deposits;
mod payments;

use chrono::{NaiveDate, NaiveDateTime};

use super::catalog::Code;
use super::cents::Cents;
use super::leases::Lease;
use super::property::Property;
use entrata_recon::domain::PostMonth;

pub use charges::{MISC_KINDS, prorated};

/// Why a charge was made; decides its description.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Note {
    /// A scheduled monthly charge for a full month.
    Monthly,
    /// A monthly charge for part of a month (move-in or move-out).
    Prorated {
        days: u32,
    },
    /// Next month's rent, billed at a late-month move-in.
    Advance,
    /// Security deposit or move-in special.
    MoveIn,
    Goodwill,
    Late,
    /// The fee for a returned payment (index into the property's payments).
    Nsf {
        payment: u32,
    },
    Misc {
        kind: u8,
    },
    /// A reversal; `waived` for late fees forgiven by the manager.
    Reversal {
        waived: bool,
    },
}

#[derive(Debug, Clone)]
pub struct Charge {
    pub lease: u32,
    pub code: Code,
    pub amount: Cents,
    pub tax: Cents,
    pub post_date: NaiveDate,
    pub post_month: PostMonth,
    pub service: Option<(NaiveDate, NaiveDate)>,
    /// Index of the reversed charge in the property's charges.
    pub reverses: Option<u32>,
    pub scheduled: bool,
    /// Local times.
    pub created: NaiveDateTime,
    pub updated: NaiveDateTime,
    /// The description was corrected after the charge was made.
    pub corrected: bool,
    pub note: Note,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Method {
    Ach,
    Card,
    Check,
    Cash,
    MoneyOrder,
}

impl Method {
    pub fn as_str(&self) -> &'static str {
        match self {
            Method::Ach => "ach",
            Method::Card => "card",
            Method::Check => "check",
            Method::Cash => "cash",
            Method::MoneyOrder => "money_order",
        }
    }

    /// Cards settle into their own bank account; everything else into the operating account.
    pub fn bank(&self) -> usize {
        if *self == Method::Card { 1 } else { 0 }
    }

    fn is_paper(&self) -> bool {
        matches!(self, Method::Check | Method::Cash | Method::MoneyOrder)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fate {
    Captured,
    /// Returned by the bank (NSF and the like); `at` is local.
    Returned {
        at: NaiveDateTime,
        reason: &'static str,
    },
    /// Voided at the office before it was deposited.
    Voided {
        at: NaiveDateTime,
    },
}

#[derive(Debug, Clone)]
pub struct Payment {
    pub lease: u32,
    pub amount: Cents,
    pub method: Method,
    /// Local time.
    pub received: NaiveDateTime,
    pub post_date: NaiveDate,
    pub post_month: PostMonth,
    pub fate: Fate,
    /// Index into the property's deposits.
    pub deposit: Option<u32>,
    /// (index into the property's charges, amount).
    pub allocations: Vec<(u32, Cents)>,
    pub updated: NaiveDateTime,
}

#[derive(Debug, Clone)]
pub struct Deposit {
    /// 0 operating, 1 card settlements.
    pub bank: usize,
    pub date: NaiveDate,
    pub post_month: PostMonth,
    pub amount: Cents,
    pub payments: Vec<u32>,
    /// Local time.
    pub at: NaiveDateTime,
}

pub struct Ledger {
    pub charges: Vec<Charge>,
    pub payments: Vec<Payment>,
    pub deposits: Vec<Deposit>,
    /// Sequence numbers for the ids (`chg_0001_000123`), in time order.
    pub charge_seq: Vec<u32>,
    pub payment_seq: Vec<u32>,
    /// Prorated charges deliberately off the documented day count (indices into `charges`).
    pub proration_off: Vec<u32>,
    /// Deposits whose amount deliberately differs from their payments (indices into `deposits`).
    pub deposit_off: Vec<u32>,
}

/// The shared facts of one property's simulation.
pub struct Ctx<'a> {
    pub seed: u64,
    pub property: &'a Property,
    pub months: &'a [PostMonth],
    pub cutoff: NaiveDate,
    /// Whether this property carries the demo's guaranteed exceptions (see `showcase`).
    pub showcase: bool,
}

impl Ctx<'_> {
    pub fn first_month(&self) -> PostMonth {
        self.months[0]
    }

    pub fn last_month(&self) -> PostMonth {
        self.months[self.months.len() - 1]
    }

    /// The post month of an unscheduled item dated `date`: usually its own month, but in the
    /// first days of a month now and then the previous one (still open in Entrata).
    pub fn post_month_for(&self, date: NaiveDate, shift: bool) -> PostMonth {
        let own = PostMonth::of(date);
        if shift && chrono::Datelike::day(&date) <= 3 && own.prev() >= self.first_month() {
            own.prev()
        } else {
            own
        }
    }
}

pub fn simulate(ctx: &Ctx<'_>, leases: &[Lease]) -> Ledger {
    let mut billed = charges::bill(ctx, leases);
    if ctx.showcase {
        charges::showcase(ctx, leases, &mut billed);
    }
    let charges::Billed { mut charges, per_lease, plans, proration_off } = billed;
    let payments = payments::collect(ctx, &mut charges, per_lease, plans);
    let (payments, deposits, deposit_off) = deposits::batch(ctx, payments);
    let charge_seq = time_order(charges.iter().map(|c| c.created));
    let payment_seq = time_order(payments.iter().map(|p| p.received));
    Ledger { charges, payments, deposits, charge_seq, payment_seq, proration_off, deposit_off }
}

/// 1-based sequence numbers by time (ties keep creation order).
fn time_order(times: impl Iterator<Item = NaiveDateTime>) -> Vec<u32> {
    let mut order: Vec<(NaiveDateTime, u32)> = times.enumerate().map(|(i, t)| (t, i as u32)).collect();
    order.sort_unstable();
    let mut seq = vec![0; order.len()];
    for (rank, (_, index)) in order.into_iter().enumerate() {
        seq[index as usize] = rank as u32 + 1;
    }
    seq
}
