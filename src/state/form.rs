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

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
    /// The last currency read: a portfolio has one or a few, and looking a code up is a search.
    currency: Option<(&'a str, Currency)>,
}

impl<'a> Reader<'a> {
    fn bad(&self, what: &str) -> FormError {
        FormError { at: self.at, what: what.to_owned() }
    }

    fn u8(&mut self) -> Result<u8, FormError> {
        let byte = *self.bytes.get(self.at).ok_or_else(|| self.bad("cut short"))?;
        self.at += 1;
        Ok(byte)
    }

    fn uint128(&mut self) -> Result<u128, FormError> {
        let mut value = 0_u128;
        for shift in (0..128).step_by(7) {
            let byte = self.u8()?;
            value |= u128::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(self.bad("varint too long"))
    }

    fn uint(&mut self) -> Result<u64, FormError> {
        u64::try_from(self.uint128()?).map_err(|_| self.bad("integer out of range"))
    }

    fn int(&mut self) -> Result<i64, FormError> {
        let z = self.uint()?;
        Ok(((z >> 1) as i64) ^ -((z & 1) as i64))
    }

    fn int128(&mut self) -> Result<i128, FormError> {
        let z = self.uint128()?;
        Ok(((z >> 1) as i128) ^ -((z & 1) as i128))
    }

    fn str(&mut self) -> Result<&'a str, FormError> {
        let len = usize::try_from(self.uint()?).map_err(|_| self.bad("string length"))?;
        let bytes = self.at.checked_add(len).and_then(|end| self.bytes.get(self.at..end));
        let bytes = bytes.ok_or_else(|| self.bad("string beyond the form"))?;
        let text = std::str::from_utf8(bytes).map_err(|_| self.bad("string not UTF-8"))?;
        self.at += len;
        Ok(text)
    }

    fn string(&mut self) -> Result<String, FormError> {
        self.str().map(str::to_owned)
    }

    fn opt<T>(
        &mut self,
        read: impl FnOnce(&mut Self) -> Result<T, FormError>,
    ) -> Result<Option<T>, FormError> {
        match self.u8()? {
            0 => Ok(None),
            1 => read(self).map(Some),
            _ => Err(self.bad("optional marker not 0 or 1")),
        }
    }

    fn opt_string(&mut self) -> Result<Option<String>, FormError> {
        self.opt(Reader::string)
    }

    fn opt_id<T>(&mut self, make: impl FnOnce(&str) -> T) -> Result<Option<T>, FormError> {
        Ok(self.opt(Reader::str)?.map(make))
    }

    fn date(&mut self) -> Result<NaiveDate, FormError> {
        let days = i32::try_from(self.int()?).map_err(|_| self.bad("date out of range"))?;
        NaiveDate::from_num_days_from_ce_opt(days).ok_or_else(|| self.bad("date out of range"))
    }

    fn month(&mut self) -> Result<PostMonth, FormError> {
        let year = i32::try_from(self.int()?).map_err(|_| self.bad("year out of range"))?;
        let month = self.u8()?;
        PostMonth::new(year, u32::from(month)).ok_or_else(|| self.bad("not a month"))
    }

    fn instant(&mut self) -> Result<DateTime<FixedOffset>, FormError> {
        let seconds = self.int()?;
        let nanos = u32::try_from(self.uint()?).map_err(|_| self.bad("nanoseconds out of range"))?;
        let offset = i32::try_from(self.int()?).map_err(|_| self.bad("offset out of range"))?;
        let offset = FixedOffset::east_opt(offset).ok_or_else(|| self.bad("offset out of range"))?;
        let utc = DateTime::from_timestamp(seconds, nanos).ok_or_else(|| self.bad("instant out of range"))?;
        Ok(utc.with_timezone(&offset))
    }

    fn currency(&mut self) -> Result<Currency, FormError> {
        let code = self.str()?;
        if let Some((last, currency)) = self.currency
            && last == code
        {
            return Ok(currency);
        }
        let currency = Currency::parse(code).map_err(|_| self.bad("unknown currency"))?;
        self.currency = Some((code, currency));
        Ok(currency)
    }

    fn money(&mut self) -> Result<Money, FormError> {
        let currency = self.currency()?;
        let cents = self.int128()?;
        Money::from_cents(cents, currency).map_err(|_| self.bad("amount out of range"))
    }

    fn count(&mut self) -> Result<usize, FormError> {
        let n = usize::try_from(self.uint()?).map_err(|_| self.bad("count out of range"))?;
        // Every element takes at least one byte: a larger count is corruption, not a big list.
        if n > self.bytes.len() - self.at {
            return Err(self.bad("count beyond the form"));
        }
        Ok(n)
    }

    fn form(&mut self) -> Result<Form, FormError> {
        let version = self.u8()?;
        if version != FORM_VERSION {
            return Err(self.bad(&format!("version {version}, expected {FORM_VERSION}")));
        }
        match self.u8()? {
            TAG_INVALID => Ok(Form::Invalid { item_id: self.string()?, reason: self.string()? }),
            TAG_LEASE => self.lease().map(Form::Lease),
            TAG_CHARGE => self.charge().map(Form::Charge),
            TAG_PAYMENT => self.payment().map(Form::Payment),
            TAG_DEPOSIT => self.deposit().map(Form::Deposit),
            _ => Err(self.bad("unknown kind of form")),
        }
    }

    fn lease(&mut self) -> Result<Lease, FormError> {
        let id = LeaseId::new(self.str()?);
        let property_id = PropertyId::new(self.str()?);
        let number = self.opt_string()?;
        let unit_id = self.opt_id(|s| UnitId::new(s))?;
        let primary_resident_id = self.opt_id(|s| ResidentId::new(s))?;
        let status = match self.u8()? {
            0 => LeaseStatus::PendingSignature,
            1 => LeaseStatus::Active,
            2 => LeaseStatus::Notice,
            3 => LeaseStatus::Past,
            4 => LeaseStatus::Cancelled,
            5 => LeaseStatus::Deleted,
            _ => return Err(self.bad("unknown lease status")),
        };
        let start_date = self.opt(Reader::date)?;
        let end_date = self.opt(Reader::date)?;
        let move_in_date = self.opt(Reader::date)?;
        let move_out_date = self.opt(Reader::date)?;
        let rent = self.opt(Reader::money)?;
        let n_fees = self.count()?;
        let mut fees = Vec::with_capacity(n_fees);
        for _ in 0..n_fees {
            let code = ArCode::new(self.str()?);
            let description = self.string()?;
            let amount = self.money()?;
            let frequency = match self.u8()? {
                0 => FeeFrequency::Monthly,
                1 => FeeFrequency::Once,
                _ => return Err(self.bad("unknown fee frequency")),
            };
            fees.push(LeaseFee { code, description, amount, frequency });
        }
        Ok(Lease {
            id,
            property_id,
            number,
            unit_id,
            primary_resident_id,
            status,
            start_date,
            end_date,
            move_in_date,
            move_out_date,
            rent,
            fees,
            deposit: self.opt(Reader::money)?,
            currency: self.currency()?,
            updated_at: self.instant()?,
        })
    }

    fn charge(&mut self) -> Result<Charge, FormError> {
        Ok(Charge {
            id: ChargeId::new(self.str()?),
            property_id: PropertyId::new(self.str()?),
            lease_id: self.opt_id(|s| LeaseId::new(s))?,
            resident_id: self.opt_id(|s| ResidentId::new(s))?,
            unit_id: self.opt_id(|s| UnitId::new(s))?,
            ar_code: ArCode::new(self.str()?),
            description: self.string()?,
            amount: self.money()?,
            tax: self.money()?,
            transaction_date: self.opt(Reader::date)?,
            post_date: self.date()?,
            post_month: self.month()?,
            service_period: self.opt(|r| {
                let (start, end) = (r.date()?, r.date()?);
                ServicePeriod::new(start, end).ok_or_else(|| r.bad("service period ends before it starts"))
            })?,
            reverses: self.opt_id(|s| ChargeId::new(s))?,
            scheduled_charge_id: self.opt_string()?,
            status: match self.u8()? {
                0 => ChargeStatus::Posted,
                1 => ChargeStatus::Deleted,
                _ => return Err(self.bad("unknown charge status")),
            },
            updated_at: self.instant()?,
        })
    }

    fn payment(&mut self) -> Result<Payment, FormError> {
        let id = PaymentId::new(self.str()?);
        let property_id = PropertyId::new(self.str()?);
        let lease_id = self.opt_id(|s| LeaseId::new(s))?;
        let resident_id = self.opt_id(|s| ResidentId::new(s))?;
        let amount = self.money()?;
        let method = match self.u8()? {
            0 => PaymentMethod::Ach,
            1 => PaymentMethod::Card,
            2 => PaymentMethod::Check,
            3 => PaymentMethod::Cash,
            4 => PaymentMethod::MoneyOrder,
            5 => PaymentMethod::Other,
            _ => return Err(self.bad("unknown payment method")),
        };
        let status = match self.u8()? {
            0 => PaymentStatus::Captured,
            1 => PaymentStatus::Returned,
            2 => PaymentStatus::Voided,
            3 => PaymentStatus::Deleted,
            _ => return Err(self.bad("unknown payment status")),
        };
        let received_at = self.opt(Reader::instant)?;
        let post_date = self.date()?;
        let post_month = self.month()?;
        let returned = self.opt(|r| {
            Ok(PaymentReturn { date: r.date()?, post_month: r.month()?, reason: r.opt_string()? })
        })?;
        let deposit_id = self.opt_id(|s| DepositId::new(s))?;
        let n_allocations = self.count()?;
        let mut allocations = Vec::with_capacity(n_allocations);
        for _ in 0..n_allocations {
            allocations.push(Allocation {
                charge_id: ChargeId::new(self.str()?),
                ar_code: self.opt_id(|s| ArCode::new(s))?,
                amount: self.money()?,
            });
        }
        Ok(Payment {
            id,
            property_id,
            lease_id,
            resident_id,
            amount,
            method,
            status,
            received_at,
            post_date,
            post_month,
            returned,
            deposit_id,
            allocations,
            updated_at: self.instant()?,
        })
    }

    fn deposit(&mut self) -> Result<Deposit, FormError> {
        let id = DepositId::new(self.str()?);
        let property_id = PropertyId::new(self.str()?);
        let bank_account_id = BankAccountId::new(self.str()?);
        let bank_account_name = self.opt_string()?;
        let deposit_date = self.date()?;
        let post_month = self.month()?;
        let amount = self.money()?;
        let n_payments = self.count()?;
        let mut payment_ids = Vec::with_capacity(n_payments);
        for _ in 0..n_payments {
            payment_ids.push(PaymentId::new(self.str()?));
        }
        Ok(Deposit {
            id,
            property_id,
            bank_account_id,
            bank_account_name,
            deposit_date,
            post_month,
            amount,
            payment_ids,
            status: match self.u8()? {
                0 => DepositStatus::Active,
                1 => DepositStatus::Deleted,
                _ => return Err(self.bad("unknown deposit status")),
            },
            updated_at: self.instant()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use proptest::prelude::*;

    use super::*;

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn usd(cents: i128) -> Money {
        Money::from_cents(cents, Currency::USD).unwrap()
    }

    fn month(y: i32, m: u32) -> PostMonth {
        PostMonth::new(y, m).unwrap()
    }

    fn instant() -> DateTime<FixedOffset> {
        FixedOffset::west_opt(6 * 3600).unwrap().with_ymd_and_hms(2025, 3, 1, 4, 0, 0).unwrap()
            + chrono::Duration::nanoseconds(123_456_789)
    }

    fn charge() -> Charge {
        Charge {
            id: ChargeId::new("chg_1"),
            property_id: PropertyId::new("prop_1"),
            lease_id: Some(LeaseId::new("lease_1")),
            resident_id: None,
            unit_id: Some(UnitId::new("unit_ü_1")),
            ar_code: ArCode::new("RENT"),
            description: "Rent — March".into(),
            amount: usd(-130_501),
            tax: usd(0),
            transaction_date: None,
            post_date: date("2024-02-29"),
            post_month: month(2024, 2),
            service_period: ServicePeriod::new(date("2024-02-01"), date("2024-02-29")),
            reverses: Some(ChargeId::new("chg_0")),
            scheduled_charge_id: None,
            status: ChargeStatus::Deleted,
            updated_at: instant(),
        }
    }

    fn lease() -> Lease {
        Lease {
            id: LeaseId::new("lease_1"),
            property_id: PropertyId::new("prop_1"),
            number: Some(String::new()),
            unit_id: None,
            primary_resident_id: Some(ResidentId::new("res_1")),
            status: LeaseStatus::Notice,
            start_date: Some(date("0001-01-01")),
            end_date: None,
            move_in_date: Some(date("9999-12-31")),
            move_out_date: None,
            rent: Some(usd(i128::from(i64::MAX) * 1_000)),
            fees: vec![
                LeaseFee {
                    code: ArCode::new("PET"),
                    description: "Pet rent".into(),
                    amount: usd(5_000),
                    frequency: FeeFrequency::Monthly,
                },
                LeaseFee {
                    code: ArCode::new("ADMIN"),
                    description: String::new(),
                    amount: Money::from_cents(1, Currency::parse("EUR").unwrap()).unwrap(),
                    frequency: FeeFrequency::Once,
                },
            ],
            deposit: None,
            currency: Currency::parse("CAD").unwrap(),
            updated_at: instant(),
        }
    }

    fn payment() -> Payment {
        Payment {
            id: PaymentId::new("pay_1"),
            property_id: PropertyId::new("prop_1"),
            lease_id: None,
            resident_id: Some(ResidentId::new("res_1")),
            amount: usd(146_500),
            method: PaymentMethod::MoneyOrder,
            status: PaymentStatus::Returned,
            received_at: Some(instant()),
            post_date: date("2025-03-01"),
            post_month: month(2025, 3),
            returned: Some(PaymentReturn {
                date: date("2025-04-02"),
                post_month: month(2025, 4),
                reason: Some("NSF".into()),
            }),
            deposit_id: Some(DepositId::new("dep_1")),
            allocations: vec![
                Allocation { charge_id: ChargeId::new("chg_1"), ar_code: None, amount: usd(130_500) },
                Allocation {
                    charge_id: ChargeId::new("chg_2"),
                    ar_code: Some(ArCode::new("UTIL")),
                    amount: usd(16_000),
                },
            ],
            updated_at: instant(),
        }
    }

    fn deposit() -> Deposit {
        Deposit {
            id: DepositId::new("dep_1"),
            property_id: PropertyId::new("prop_1"),
            bank_account_id: BankAccountId::new("bank_001"),
            bank_account_name: None,
            deposit_date: date("2025-03-03"),
            post_month: month(2025, 3),
            amount: usd(146_500),
            payment_ids: vec![PaymentId::new("pay_1"), PaymentId::new("pay_2")],
            status: DepositStatus::Active,
            updated_at: instant(),
        }
    }

    /// Decodes one form, as the single entry of a page.
    fn decode(form: &[u8]) -> Result<Form, FormError> {
        let mut page = Vec::new();
        push_entry(&mut page, 1, form);
        let mut forms = Vec::new();
        decode_entries(&page, |_| true, |_, f| forms.push(f))?;
        match (forms.pop(), forms.is_empty()) {
            (Some(form), true) => Ok(form),
            _ => Err(FormError { at: 0, what: "not one form".to_owned() }),
        }
    }

    fn all_forms() -> Vec<Vec<u8>> {
        vec![
            encode(FormSource::Charge(&charge())),
            encode(FormSource::Lease(&lease())),
            encode(FormSource::Payment(&payment())),
            encode(FormSource::Deposit(&deposit())),
            encode(FormSource::Invalid {
                item_id: "?abc",
                reason: "amount: 12.345 has more than 2 decimal places",
            }),
        ]
    }

    #[test]
    fn every_kind_round_trips_exactly() {
        assert_eq!(decode(&encode(FormSource::Charge(&charge()))), Ok(Form::Charge(charge())));
        assert_eq!(decode(&encode(FormSource::Lease(&lease()))), Ok(Form::Lease(lease())));
        assert_eq!(decode(&encode(FormSource::Payment(&payment()))), Ok(Form::Payment(payment())));
        assert_eq!(decode(&encode(FormSource::Deposit(&deposit()))), Ok(Form::Deposit(deposit())));
        let invalid = encode(FormSource::Invalid { item_id: "chg_9", reason: "postDate: missing" });
        assert_eq!(
            decode(&invalid),
            Ok(Form::Invalid { item_id: "chg_9".into(), reason: "postDate: missing".into() })
        );
        // The offset survives, not only the instant (DateTime's == compares instants only).
        let Ok(Form::Payment(p)) = decode(&encode(FormSource::Payment(&payment()))) else { panic!() };
        assert_eq!(p.received_at.unwrap().to_rfc3339(), instant().to_rfc3339());
        assert_eq!(p.amount.to_string(), "1465.00 USD");
    }

    #[test]
    fn forms_concatenate() {
        let mut page = Vec::new();
        for (seq, form) in all_forms().iter().enumerate() {
            push_entry(&mut page, seq as i64, form);
        }
        let mut decoded = Vec::new();
        decode_entries(&page, |_| true, |_, form| decoded.push(form)).unwrap();
        assert_eq!(decoded.len(), 5);
        assert_eq!(decoded[0], Form::Charge(charge()));
        assert_eq!(decoded[3], Form::Deposit(deposit()));
        assert_eq!(decoded[4].item_id(), "?abc");
    }

    #[test]
    fn a_cut_form_is_an_error_at_every_length() {
        for form in all_forms() {
            let mut page = Vec::new();
            push_entry(&mut page, 1, &form);
            for len in 1..page.len() {
                let cut = decode_entries(&page[..len], |_| true, |_, _| {});
                assert!(cut.is_err(), "{len} of {} bytes decoded", page.len());
            }
        }
    }

    #[test]
    fn page_entries_keep_only_the_chosen_versions() {
        let mut page = Vec::new();
        let mut boundaries = Vec::new();
        for (seq, form) in [7_i64, 9, 1_000_000_000_000].into_iter().zip(all_forms()) {
            push_entry(&mut page, seq, &form);
            boundaries.push(page.len());
        }
        let mut kept = Vec::new();
        decode_entries(&page, |seq| seq != 9, |seq, form| kept.push((seq, form))).unwrap();
        assert_eq!(kept, vec![(7, Form::Charge(charge())), (1_000_000_000_000, Form::Payment(payment()))]);
        // Cut anywhere but between entries, a page is an error, whether or not entries are kept.
        for len in (1..page.len()).filter(|len| !boundaries.contains(len)) {
            assert!(decode_entries(&page[..len], |_| true, |_, _| {}).is_err(), "{len} bytes decoded");
            assert!(decode_entries(&page[..len], |_| false, |_, _| {}).is_err(), "{len} bytes skipped");
        }
    }

    #[test]
    fn another_version_is_refused() {
        let mut form = encode(FormSource::Deposit(&deposit()));
        // Byte 0 is the length (under 128 here); byte 1 the version.
        form[1] = FORM_VERSION + 1;
        let err = decode(&form).unwrap_err();
        assert!(err.what.contains("version"), "{err}");
    }

    proptest! {
        /// Whatever the bytes, decoding answers (a form or an error) and never panics.
        #[test]
        fn any_bytes_decode_or_fail_cleanly(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = decode_entries(&bytes, |_| true, |_, _| {});
        }

        /// Flipping any byte of a valid form gives an error or some form, never a panic.
        #[test]
        fn corrupted_forms_fail_cleanly(index in 0_usize..4, at in any::<prop::sample::Index>(), byte in any::<u8>()) {
            let mut form = all_forms().swap_remove(index);
            let at = at.index(form.len());
            form[at] = byte;
            let _ = decode(&form);
        }

        /// Any amount text the parser accepts and `Money` holds (up to the largest 96-bit
        /// mantissa, plain or exponent form) comes back from its form exactly: the planning-form
        /// round trip once printed 4e28 a hundred times smaller.
        #[test]
        fn any_accepted_amount_text_round_trips(
            digits in "[1-9][0-9]{0,28}", point in 0_usize..30, exponent in -3_i32..30, negative in any::<bool>(),
        ) {
            let point = point.min(digits.len());
            let text = format!(
                "{}{}.{}0e{exponent}",
                if negative { "-" } else { "" },
                &digits[..point.max(1)],
                &digits[point.max(1)..]
            );
            let Ok(amount) = crate::domain::parse_decimal_text(&text) else { return Ok(()) };
            let Ok(money) = Money::new(amount, Currency::USD) else { return Ok(()) };
            prop_assert_eq!(money.amount(), amount, "{}", text);
            let mut c = charge();
            c.amount = money;
            c.tax = -money;
            prop_assert_eq!(decode(&encode(FormSource::Charge(&c))), Ok(Form::Charge(c)));
        }

        #[test]
        fn any_amount_round_trips(cents in any::<i64>(), scale in 0_u32..3) {
            let cents = i128::from(cents) * 10_i128.pow(scale);
            let mut c = charge();
            c.amount = usd(cents);
            c.tax = usd(-cents);
            prop_assert_eq!(decode(&encode(FormSource::Charge(&c))), Ok(Form::Charge(c)));
        }
    }
}
