//! Planning forms: a per-property item as the puller converted it, in a compact binary encoding,
//! so that `plan` reads small rows and decodes them instead of re-parsing Entrata's JSON.
//!
//! The raw JSON in `items` stays the record; a form is derived from it and can always be rebuilt
//! (`StateFile::rebuild_forms`). Every form starts with [`FORM_VERSION`]: a change to this encoding
//! or to what conversion produces must bump it, and the next `pull` rebuilds every form.
//!
//! Encoding: a form is `<length varint> <version byte> <tag byte> <fields>`; a form page
//! (`push_entry`, `decode_entries`) is `<item_seq> <form>` entries back to back, which the lengths
//! make safe to split and to skip. Strings are `<length varint> <UTF-8>`, optional values `0` or `1 <value>`, signed
//! integers zigzag varints, dates days from 0001-01-01, instants seconds + nanoseconds + offset.
//! Money is integer minor units (cents) with its currency code: never a float.

use crate::domain::*;
use chrono::{DateTime, Datelike, FixedOffset, NaiveDate};

/// Bump on any change to the encoding or to the domain items it carries.
pub const FORM_VERSION: u8 = 1;

/// What a form holds: a converted item, or the reason its item was quarantined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Form {
    Lease(Lease),
    Charge(Charge),
    Payment(Payment),
    Deposit(Deposit),
    Invalid { item_id: String, reason: String },
}

/// What a form is made from (borrowed, at pull time).
#[derive(Debug, Clone, Copy)]
pub enum FormSource<'a> {
    Lease(&'a Lease),
    Charge(&'a Charge),
    Payment(&'a Payment),
    Deposit(&'a Deposit),
    Invalid { item_id: &'a str, reason: &'a str },
}

const TAG_INVALID: u8 = 0;
const TAG_LEASE: u8 = 1;
const TAG_CHARGE: u8 = 2;
const TAG_PAYMENT: u8 = 3;
const TAG_DEPOSIT: u8 = 4;

impl Form {
    pub fn item_id(&self) -> &str {
        match self {
            Form::Lease(l) => l.id.as_str(),
            Form::Charge(c) => c.id.as_str(),
            Form::Payment(p) => p.id.as_str(),
            Form::Deposit(d) => d.id.as_str(),
            Form::Invalid { item_id, .. } => item_id,
        }
    }
}

/// Encodes one form, length-prefixed.
pub fn encode(source: FormSource<'_>) -> Vec<u8> {
    let mut w = Writer(Vec::with_capacity(192));
    w.u8(FORM_VERSION);
    match source {
        FormSource::Invalid { item_id, reason } => {
            w.u8(TAG_INVALID);
            w.str(item_id);
            w.str(reason);
        }
        FormSource::Lease(l) => {
            w.u8(TAG_LEASE);
            w.str(l.id.as_str());
            w.str(l.property_id.as_str());
            w.opt_str(l.number.as_deref());
            w.opt_str(l.unit_id.as_ref().map(UnitId::as_str));
            w.opt_str(l.primary_resident_id.as_ref().map(ResidentId::as_str));
            w.u8(lease_status_tag(l.status));
            for date in [l.start_date, l.end_date, l.move_in_date, l.move_out_date] {
                w.opt(date, Writer::date);
            }
            w.opt(l.rent, Writer::money);
            w.uint(l.fees.len() as u64);
            for fee in &l.fees {
                w.str(fee.code.as_str());
                w.str(&fee.description);
                w.money(fee.amount);
                w.u8(match fee.frequency {
                    FeeFrequency::Monthly => 0,
                    FeeFrequency::Once => 1,
                });
            }
            w.opt(l.deposit, Writer::money);
            w.str(l.currency.as_str());
            w.instant(l.updated_at);
        }
        FormSource::Charge(c) => {
            w.u8(TAG_CHARGE);
            w.str(c.id.as_str());
            w.str(c.property_id.as_str());
            w.opt_str(c.lease_id.as_ref().map(LeaseId::as_str));
            w.opt_str(c.resident_id.as_ref().map(ResidentId::as_str));
            w.opt_str(c.unit_id.as_ref().map(UnitId::as_str));
            w.str(c.ar_code.as_str());
            w.str(&c.description);
            w.money(c.amount);
            w.money(c.tax);
            w.opt(c.transaction_date, Writer::date);
            w.date(c.post_date);
            w.month(c.post_month);
            w.opt(c.service_period, |w, p| {
                w.date(p.start());
                w.date(p.end());
            });
            w.opt_str(c.reverses.as_ref().map(ChargeId::as_str));
            w.opt_str(c.scheduled_charge_id.as_deref());
            w.u8(match c.status {
                ChargeStatus::Posted => 0,
                ChargeStatus::Deleted => 1,
            });
            w.instant(c.updated_at);
        }
        FormSource::Payment(p) => {
            w.u8(TAG_PAYMENT);
            w.str(p.id.as_str());
            w.str(p.property_id.as_str());
            w.opt_str(p.lease_id.as_ref().map(LeaseId::as_str));
            w.opt_str(p.resident_id.as_ref().map(ResidentId::as_str));
            w.money(p.amount);
            w.u8(payment_method_tag(p.method));
            w.u8(match p.status {
                PaymentStatus::Captured => 0,
                PaymentStatus::Returned => 1,
                PaymentStatus::Voided => 2,
                PaymentStatus::Deleted => 3,
            });
            w.opt(p.received_at, Writer::instant);
            w.date(p.post_date);
            w.month(p.post_month);
            w.opt(p.returned.as_ref(), |w, r| {
                w.date(r.date);
                w.month(r.post_month);
                w.opt_str(r.reason.as_deref());
            });
            w.opt_str(p.deposit_id.as_ref().map(DepositId::as_str));
            w.uint(p.allocations.len() as u64);
            for a in &p.allocations {
                w.str(a.charge_id.as_str());
                w.opt_str(a.ar_code.as_ref().map(ArCode::as_str));
                w.money(a.amount);
            }
            w.instant(p.updated_at);
        }
        FormSource::Deposit(d) => {
            w.u8(TAG_DEPOSIT);
            w.str(d.id.as_str());
            w.str(d.property_id.as_str());
            w.str(d.bank_account_id.as_str());
            w.opt_str(d.bank_account_name.as_deref());
            w.date(d.deposit_date);
            w.month(d.post_month);
            w.money(d.amount);
            w.uint(d.payment_ids.len() as u64);
            for id in &d.payment_ids {
                w.str(id.as_str());
            }
            w.u8(match d.status {
                DepositStatus::Active => 0,
                DepositStatus::Deleted => 1,
            });
            w.instant(d.updated_at);
        }
    }
    let body = w.0;
    let mut out = Writer(Vec::with_capacity(body.len() + 3));
    out.uint(body.len() as u64);
    out.0.extend_from_slice(&body);
    out.0
}

/// Appends one entry of a form page: the item version's `item_seq`, then its form.
pub fn push_entry(page: &mut Vec<u8>, item_seq: i64, form: &[u8]) {
    let mut w = Writer(std::mem::take(page));
    w.int(item_seq);
    w.0.extend_from_slice(form);
    *page = w.0;
}

/// Reads the entries of a form page (`push_entry`), in order: for each, `keep` sees the item
/// version's `item_seq`, and `each` gets the decoded form of those kept (the others are skipped
/// undecoded). Fails on the first entry that is cut short or does not decode.
pub fn decode_entries(
    page: &[u8],
    mut keep: impl FnMut(i64) -> bool,
    mut each: impl FnMut(i64, Form),
) -> Result<(), FormError> {
    let mut r = Reader { bytes: page, at: 0, currency: None };
    while r.at < page.len() {
        let seq = r.int()?;
        let len = usize::try_from(r.uint()?).map_err(|_| r.bad("form length"))?;
        let end = r.at.checked_add(len).filter(|end| *end <= page.len());
        let end = end.ok_or_else(|| r.bad("form length beyond the data"))?;
        if keep(seq) {
            let mut body = Reader { bytes: &page[..end], at: r.at, currency: r.currency };
            each(seq, body.form()?);
            if body.at != end {
                return Err(body.bad("form longer than its content"));
            }
            r.currency = body.currency;
        }
        r.at = end;
    }
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("planning form unreadable at byte {at}: {what}")]
pub struct FormError {
    pub at: usize,
    pub what: String,
}

fn lease_status_tag(status: LeaseStatus) -> u8 {
    match status {
        LeaseStatus::PendingSignature => 0,
        LeaseStatus::Active => 1,
        LeaseStatus::Notice => 2,
        LeaseStatus::Past => 3,
        LeaseStatus::Cancelled => 4,
        LeaseStatus::Deleted => 5,
    }
}

fn payment_method_tag(method: PaymentMethod) -> u8 {
    match method {
        PaymentMethod::Ach => 0,
        PaymentMethod::Card => 1,
        PaymentMethod::Check => 2,
        PaymentMethod::Cash => 3,
        PaymentMethod::MoneyOrder => 4,
        PaymentMethod::Other => 5,
    }
}

struct Writer(Vec<u8>);

impl Writer {
    fn u8(&mut self, value: u8) {
        self.0.push(value);
    }

    fn uint(&mut self, mut value: u64) {
        while value >= 0x80 {
            self.0.push((value as u8) | 0x80);
            value >>= 7;
        }
        self.0.push(value as u8);
    }

    fn int(&mut self, value: i64) {
        self.uint(((value << 1) ^ (value >> 63)) as u64);
    }

    fn int128(&mut self, value: i128) {
        let mut zigzag = ((value << 1) ^ (value >> 127)) as u128;
        while zigzag >= 0x80 {
            self.0.push((zigzag as u8) | 0x80);
            zigzag >>= 7;
        }
        self.0.push(zigzag as u8);
    }

    fn str(&mut self, text: &str) {
        self.uint(text.len() as u64);
        self.0.extend_from_slice(text.as_bytes());
    }

    fn opt_str(&mut self, text: Option<&str>) {
        self.opt(text, Writer::str);
    }

    fn opt<T>(&mut self, value: Option<T>, write: impl FnOnce(&mut Writer, T)) {
        match value {
            None => self.u8(0),
            Some(v) => {
                self.u8(1);
                write(self, v);
            }
        }
    }

    fn date(&mut self, date: NaiveDate) {
        self.int(i64::from(date.num_days_from_ce()));
    }

    fn month(&mut self, month: PostMonth) {
        self.int(i64::from(month.year()));
        self.u8(month.month() as u8);
    }

    fn instant(&mut self, at: DateTime<FixedOffset>) {
        self.int(at.timestamp());
        self.uint(u64::from(at.timestamp_subsec_nanos()));
        self.int(i64::from(at.offset().local_minus_utc()));
    }

    fn money(&mut self, money: Money) {
        self.str(money.currency().as_str());
        self.int128(money.cents());
    }
}

mod read;
use read::Reader;

#[cfg(test)]
mod tests;
