//! Who lives where, and when: a chain of leases per unit.
//!
//! Leases end on the last day of a month (12-month terms from the move-in month). At the end of a
//! term a resident renews (a new lease from the 1st, rent up 2-5%) or gives notice 5-8 weeks
//! ahead and moves out on some day of the last month; the unit then turns over in 5-45 days and
//! the next resident moves in on any day. So move-ins and move-outs fall mid-month and their
//! months are prorated.

use chrono::{Datelike, NaiveDate, NaiveDateTime};

use super::calendar::{self, add_days, at, month_end_after};
use super::catalog::Code;
use super::cents::Cents;
use super::property::Property;
use super::rng::Rng;
use entrata_recon::domain::PostMonth;

/// How a resident pays, which drives payment dates, methods and late fees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Payer {
    /// ACH on the 1st, in the autopay batch.
    Autopay,
    /// ACH or card online in the first five days.
    Online,
    /// Check, money order or cash at the office.
    Office,
    /// Usually after the 5th, so usually charged a late fee.
    Late,
    /// Two payments a month: part by ACH, the rest by check.
    Split,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeaseStatus {
    PendingSignature,
    Active,
    Notice,
    Past,
}

impl LeaseStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            LeaseStatus::PendingSignature => "pending_signature",
            LeaseStatus::Active => "active",
            LeaseStatus::Notice => "notice",
            LeaseStatus::Past => "past",
        }
    }
}

/// A monthly fee on a lease. `amount` is what is charged each month, tax included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fee {
    pub code: Code,
    pub amount: Cents,
    pub tax: Cents,
}

#[derive(Debug, Clone)]
pub struct Lease {
    pub id: String,
    pub number: String,
    pub unit: usize,
    pub resident: String,
    pub co_residents: Vec<String>,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub move_in: NaiveDate,
    /// The day the resident leaves, decided when notice is given.
    pub move_out: Option<NaiveDate>,
    pub notice: Option<NaiveDateTime>,
    /// A renewal lease follows from `end + 1`.
    pub renewed: bool,
    pub is_renewal: bool,
    pub rent: Cents,
    pub fees: Vec<Fee>,
    pub deposit: Cents,
    /// A move-in concession (a positive amount, credited at move-in), zero when none.
    pub move_in_special: Cents,
    pub payer: Payer,
    /// Local time of signing.
    pub signed: NaiveDateTime,
}

impl Lease {
    /// The last day this lease is billed for, when it ends.
    pub fn billed_until(&self) -> Option<NaiveDate> {
        self.move_out.or(self.renewed.then_some(self.end))
    }

    /// The days of `month` this lease is billed for.
    pub fn days_in(&self, month: PostMonth) -> Option<(NaiveDate, NaiveDate)> {
        let first = self.start.max(month.first_day());
        let last = self.billed_until().map_or(month.last_day(), |end| end.min(month.last_day()));
        (first <= last).then_some((first, last))
    }

    /// Whether the resident moves in during `month` under this lease (not a renewal).
    pub fn moves_in_during(&self, month: PostMonth) -> bool {
        !self.is_renewal && month.contains(self.move_in)
    }

    /// The status at the end of the `cutoff` day: a lease whose last day is the cutoff is still
    /// in force (on notice when the resident leaves).
    pub fn status(&self, cutoff: NaiveDate) -> LeaseStatus {
        if self.start > cutoff {
            return LeaseStatus::PendingSignature;
        }
        match (self.billed_until(), self.notice) {
            (Some(until), _) if until < cutoff => LeaseStatus::Past,
            (_, Some(notice)) if notice.date() <= cutoff && self.move_out.is_some() => LeaseStatus::Notice,
            _ => LeaseStatus::Active,
        }
    }

    /// The move-out date Entrata shows at the cutoff: known once notice is given.
    pub fn shown_move_out(&self, cutoff: NaiveDate) -> Option<NaiveDate> {
        match self.status(cutoff) {
            LeaseStatus::Past | LeaseStatus::Notice => self.move_out,
            _ => None,
        }
    }

    /// Local time of the last change Entrata knows of at the cutoff.
    pub fn updated(&self, cutoff: NaiveDate) -> NaiveDateTime {
        let mut latest = self.signed;
        if let Some(notice) = self.notice.filter(|n| n.date() <= cutoff) {
            latest = latest.max(notice);
        }
        if let Some(until) = self.billed_until() {
            // Move-out processed in the afternoon; a renewed lease is closed the next morning.
            let closed = if self.renewed { at(add_days(until, 1), 0, 15, 0) } else { at(until, 16, 30, 0) };
            if closed.date() <= cutoff {
                latest = latest.max(closed);
            }
        }
        latest
    }
}

/// What stands in a unit at the cutoff, for the unit object.
pub struct UnitState {
    pub status: &'static str,
    pub availability: NaiveDate,
    pub concession: Cents,
    pub updated: NaiveDateTime,
}

/// Every lease of the property that is billed in the window or starts soon after it, unit by
/// unit, and each unit's state at the cutoff.
pub fn simulate(seed: u64, property: &Property, months: &[PostMonth]) -> (Vec<Lease>, Vec<UnitState>) {
    let window_first = months.first().map_or(calendar::last_month(), |m| *m).first_day();
    let cutoff = calendar::cutoff();
    let mut namer = Namer { property, lease_seq: 0, resident_seq: 0 };
    let mut leases = Vec::new();
    let mut states = Vec::with_capacity(property.units.len());
    for unit in 0..property.units.len() {
        let mut rng = Rng::derive(seed, &[u64::from(property.index), 2, unit as u64]);
        let first = leases.len();
        unit_timeline(&mut rng, &mut namer, unit, window_first, cutoff, &mut leases);
        let mut state_rng = Rng::derive(seed, &[u64::from(property.index), 3, unit as u64]);
        states.push(unit_state(&mut state_rng, &leases[first..], cutoff));
    }
    (leases, states)
}

struct Namer<'a> {
    property: &'a Property,
    lease_seq: u32,
    resident_seq: u32,
}

impl Namer<'_> {
    fn resident(&mut self) -> String {
        self.resident_seq += 1;
        format!("res_{:04}_{:06}", self.property.index, self.resident_seq)
    }

    fn lease(&mut self, start: NaiveDate) -> (String, String) {
        self.lease_seq += 1;
        let id = format!("lease_{:04}_{:06}", self.property.index, self.lease_seq);
        let number = format!("{}-{}-{:05}", self.property.site.abbr, start.year(), self.lease_seq);
        (id, number)
    }
}

fn office_time(rng: &mut Rng, date: NaiveDate) -> NaiveDateTime {
    at(date, rng.range(9, 17), rng.range(0, 59), rng.range(0, 59))
}

fn unit_timeline(
    rng: &mut Rng,
    namer: &mut Namer<'_>,
    unit: usize,
    window_first: NaiveDate,
    cutoff: NaiveDate,
    out: &mut Vec<Lease>,
) {
    let mut current = if rng.chance(namer.property.occupancy_10k) {
        Some(initial_lease(rng, namer, unit, window_first))
    } else {
        None
    };
    let mut next_move_in = add_days(window_first, rng.range(0, 45));
    loop {
        let mut lease = match current.take() {
            Some(lease) => lease,
            None => {
                if next_move_in > add_days(cutoff, 30) {
                    return;
                }
                new_lease(rng, namer, unit, next_move_in, None)
            }
        };
        if lease.start > cutoff {
            // A future move-in is listed once signed; a future renewal is not generated.
            if !lease.is_renewal && lease.signed.date() <= cutoff {
                out.push(lease);
            }
            return;
        }
        let renewal = if rng.chance(5_500) {
            lease.renewed = true;
            Some(renew(rng, namer, &lease))
        } else {
            let move_out = if rng.chance(3_500) {
                lease.end
            } else {
                let first = lease.end.with_day(1).unwrap_or(lease.end).max(lease.start);
                add_days(first, rng.range(0, calendar::days_between(first, lease.end)))
            };
            lease.move_out = Some(move_out);
            let ahead = rng.range(35, 60);
            lease.notice = Some(office_time(rng, add_days(move_out, -ahead)));
            next_move_in = add_days(move_out, rng.range(5, 45));
            None
        };
        if lease.billed_until().is_none_or(|until| until >= window_first) {
            out.push(lease);
        }
        current = renewal;
    }
}

/// The lease in place when the window opens: a renewal that started on some 1st of the last 11
/// months, or a first lease that moved in during the last 11 months.
fn initial_lease(rng: &mut Rng, namer: &mut Namer<'_>, unit: usize, window_first: NaiveDate) -> Lease {
    if rng.chance(4_500) {
        let mut start_month = PostMonth::of(window_first);
        for _ in 0..rng.range(0, 11) {
            start_month = start_month.prev();
        }
        let start = start_month.first_day();
        let move_in = add_days(start, -rng.range(60, 1_400));
        new_lease(rng, namer, unit, move_in, Some(start))
    } else {
        let before = rng.range(1, 330);
        new_lease(rng, namer, unit, add_days(window_first, -before), None)
    }
}

/// A lease for a resident who moved in on `move_in`; with `renewal_start`, the 12-month renewal
/// term of that resident that starts then.
fn new_lease(
    rng: &mut Rng,
    namer: &mut Namer<'_>,
    unit: usize,
    move_in: NaiveDate,
    renewal_start: Option<NaiveDate>,
) -> Lease {
    let market = namer.property.units[unit].market_rent;
    let rent = (market + Cents::dollars(5 * rng.range(-3, 2))).to_step(5);
    let mut fees = Vec::new();
    let mut add = |rng: &mut Rng, code: Code, per_10k: u32, dollars: &[i64]| {
        if rng.chance(per_10k) {
            fees.push(Fee { code, amount: Cents::dollars(*rng.pick(dollars)), tax: Cents::ZERO });
        }
    };
    add(rng, Code::Util, 9_200, &[45, 55, 65, 75, 85]);
    add(rng, Code::Park, 4_500, &[35, 50, 75]);
    add(rng, Code::Pet, 3_000, &[25, 35, 50]);
    add(rng, Code::Trash, 6_500, &[25, 30, 35]);
    add(rng, Code::Pest, 6_000, &[3, 4, 5]);
    if rng.chance(1_000) {
        // Storage is taxable: the monthly amount includes the site's sales tax.
        let base = Cents::dollars(*rng.pick(&[40, 60, 85]));
        let tax = base.percent_bp(namer.property.site.sales_tax_bp);
        fees.push(Fee { code: Code::Stor, amount: base + tax, tax });
    }
    let deposit = match rng.below(5) {
        0 => Cents::dollars(250),
        1 => Cents::dollars(300),
        2 => Cents::dollars(500),
        _ => Cents(rent.0 / 2).to_step(50),
    };
    let move_in_special =
        if rng.chance(2_000) { Cents::dollars(*rng.pick(&[100, 200, 250, 300])) } else { Cents::ZERO };
    let payer = rng.weighted(&[
        (Payer::Autopay, 35),
        (Payer::Online, 33),
        (Payer::Office, 14),
        (Payer::Late, 10),
        (Payer::Split, 8),
    ]);
    let resident = namer.resident();
    let co_residents = if rng.chance(3_500) { vec![namer.resident()] } else { Vec::new() };
    let start = renewal_start.unwrap_or(move_in);
    let signed_day = match renewal_start {
        Some(start) => add_days(start, -rng.range(30, 60)),
        None => add_days(move_in, -rng.range(3, 30)),
    };
    let signed = office_time(rng, signed_day);
    let (id, number) = namer.lease(start);
    Lease {
        id,
        number,
        unit,
        resident,
        co_residents,
        start,
        end: month_end_after(start, if renewal_start.is_some() { 11 } else { 12 }),
        move_in,
        move_out: None,
        notice: None,
        renewed: false,
        is_renewal: renewal_start.is_some(),
        rent,
        fees,
        deposit,
        move_in_special,
        payer,
        signed,
    }
}

fn renew(rng: &mut Rng, namer: &mut Namer<'_>, previous: &Lease) -> Lease {
    let start = add_days(previous.end, 1);
    let raise_bp = rng.range(200, 500);
    let rent = (previous.rent + previous.rent.percent_bp(raise_bp)).to_step(5);
    let ahead = rng.range(30, 60);
    let signed = office_time(rng, add_days(start, -ahead));
    let (id, number) = namer.lease(start);
    Lease {
        id,
        number,
        start,
        end: month_end_after(start, 11),
        move_out: None,
        notice: None,
        renewed: false,
        is_renewal: true,
        rent,
        move_in_special: Cents::ZERO,
        signed,
        ..previous.clone()
    }
}

fn unit_state(rng: &mut Rng, leases: &[Lease], cutoff: NaiveDate) -> UnitState {
    let live = leases.iter().find(|l| l.start <= cutoff && l.billed_until().is_none_or(|d| d >= cutoff));
    let last_out = leases.iter().filter_map(|l| l.move_out).filter(|d| *d <= cutoff).max();
    let floor = at(add_days(cutoff, -400), 9, 0, 0);
    let latest_event = leases.iter().map(|l| l.updated(cutoff)).max().unwrap_or(floor).max(floor);
    if let Some(lease) = live {
        return match lease.status(cutoff) {
            LeaseStatus::Notice => UnitState {
                status: "notice",
                availability: add_days(lease.move_out.unwrap_or(lease.end), 10),
                concession: Cents::ZERO,
                updated: latest_event,
            },
            _ => UnitState {
                status: "occupied",
                availability: add_days(lease.end, 1),
                concession: Cents::ZERO,
                updated: latest_event,
            },
        };
    }
    let concession = if rng.chance(3_000) { Cents::dollars(100) } else { Cents::ZERO };
    let (status, availability) = match last_out {
        _ if rng.chance(200) => ("down", add_days(cutoff, rng.range(14, 60))),
        Some(out) if calendar::days_between(out, cutoff) <= 7 => ("turn", add_days(out, 10)),
        _ => ("available", add_days(cutoff, 1)),
    };
    UnitState { status, availability, concession, updated: latest_event }
}
