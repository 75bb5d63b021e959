//! Reading a planning form back: the decoder `decode_entries` walks a page with.

use chrono::{DateTime, FixedOffset, NaiveDate};

use super::*;

pub(super) struct Reader<'a> {
    pub(super) bytes: &'a [u8],
    pub(super) at: usize,
    /// The last currency read: a portfolio has one or a few, and looking a code up is a search.
    pub(super) currency: Option<(&'a str, Currency)>,
}

impl<'a> Reader<'a> {
    pub(super) fn bad(&self, what: &str) -> FormError {
        FormError { at: self.at, what: what.to_owned() }
    }

    pub(super) fn u8(&mut self) -> Result<u8, FormError> {
        let byte = *self.bytes.get(self.at).ok_or_else(|| self.bad("cut short"))?;
        self.at += 1;
        Ok(byte)
    }

    pub(super) fn uint128(&mut self) -> Result<u128, FormError> {
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

    pub(super) fn uint(&mut self) -> Result<u64, FormError> {
        u64::try_from(self.uint128()?).map_err(|_| self.bad("integer out of range"))
    }

    pub(super) fn int(&mut self) -> Result<i64, FormError> {
        let z = self.uint()?;
        Ok(((z >> 1) as i64) ^ -((z & 1) as i64))
    }

    pub(super) fn int128(&mut self) -> Result<i128, FormError> {
        let z = self.uint128()?;
        Ok(((z >> 1) as i128) ^ -((z & 1) as i128))
    }

    pub(super) fn str(&mut self) -> Result<&'a str, FormError> {
        let len = usize::try_from(self.uint()?).map_err(|_| self.bad("string length"))?;
        let bytes = self.at.checked_add(len).and_then(|end| self.bytes.get(self.at..end));
        let bytes = bytes.ok_or_else(|| self.bad("string beyond the form"))?;
        let text = std::str::from_utf8(bytes).map_err(|_| self.bad("string not UTF-8"))?;
        self.at += len;
        Ok(text)
    }

    pub(super) fn string(&mut self) -> Result<String, FormError> {
        self.str().map(str::to_owned)
    }

    pub(super) fn opt<T>(
        &mut self,
        read: impl FnOnce(&mut Self) -> Result<T, FormError>,
    ) -> Result<Option<T>, FormError> {
        match self.u8()? {
            0 => Ok(None),
            1 => read(self).map(Some),
            _ => Err(self.bad("optional marker not 0 or 1")),
        }
    }

    pub(super) fn opt_string(&mut self) -> Result<Option<String>, FormError> {
        self.opt(Reader::string)
    }

    pub(super) fn opt_id<T>(&mut self, make: impl FnOnce(&str) -> T) -> Result<Option<T>, FormError> {
        Ok(self.opt(Reader::str)?.map(make))
    }

    pub(super) fn date(&mut self) -> Result<NaiveDate, FormError> {
        let days = i32::try_from(self.int()?).map_err(|_| self.bad("date out of range"))?;
        NaiveDate::from_num_days_from_ce_opt(days).ok_or_else(|| self.bad("date out of range"))
    }

    pub(super) fn month(&mut self) -> Result<PostMonth, FormError> {
        let year = i32::try_from(self.int()?).map_err(|_| self.bad("year out of range"))?;
        let month = self.u8()?;
        PostMonth::new(year, u32::from(month)).ok_or_else(|| self.bad("not a month"))
    }

    pub(super) fn instant(&mut self) -> Result<DateTime<FixedOffset>, FormError> {
        let seconds = self.int()?;
        let nanos = u32::try_from(self.uint()?).map_err(|_| self.bad("nanoseconds out of range"))?;
        let offset = i32::try_from(self.int()?).map_err(|_| self.bad("offset out of range"))?;
        let offset = FixedOffset::east_opt(offset).ok_or_else(|| self.bad("offset out of range"))?;
        let utc = DateTime::from_timestamp(seconds, nanos).ok_or_else(|| self.bad("instant out of range"))?;
        Ok(utc.with_timezone(&offset))
    }

    pub(super) fn currency(&mut self) -> Result<Currency, FormError> {
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

    pub(super) fn money(&mut self) -> Result<Money, FormError> {
        let currency = self.currency()?;
        let cents = self.int128()?;
        Money::from_cents(cents, currency).map_err(|_| self.bad("amount out of range"))
    }

    pub(super) fn count(&mut self) -> Result<usize, FormError> {
        let n = usize::try_from(self.uint()?).map_err(|_| self.bad("count out of range"))?;
        // Every element takes at least one byte: a larger count is corruption, not a big list.
        if n > self.bytes.len() - self.at {
            return Err(self.bad("count beyond the form"));
        }
        Ok(n)
    }

    pub(super) fn form(&mut self) -> Result<Form, FormError> {
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

    pub(super) fn lease(&mut self) -> Result<Lease, FormError> {
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

    pub(super) fn charge(&mut self) -> Result<Charge, FormError> {
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

    pub(super) fn payment(&mut self) -> Result<Payment, FormError> {
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

    pub(super) fn deposit(&mut self) -> Result<Deposit, FormError> {
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
