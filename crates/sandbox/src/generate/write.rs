//! Each item in its wire shape (spec/source-api.md §3-§4 and the seed's property and unit
//! objects), fields in the documented order, ids derived from property index and sequence.

use std::fmt::Write as _;
use std::io::Write as _;

use chrono::{NaiveDate, NaiveDateTime};

use super::calendar::{self, Tz, month_name};
use super::catalog::{AR_CODES, CARD_BANK, Code, OPERATING_BANK};
use super::cents::Cents;
use super::digits::push_digits;
use super::json::List;
use super::leases::{Lease, UnitState};
use super::ledger::{Charge, Fate, Ledger, MISC_KINDS, Note};
use super::property::Property;
use entrata_recon::domain::PostMonth;

const CURRENCY: &str = "USD";

/// When the AR codes were last changed (a fixed, plausible time).
fn ar_codes_updated() -> NaiveDateTime {
    calendar::at(calendar::add_days(calendar::last_month().first_day(), -400), 15, 12, 0)
}

/// `"chg_0001_000123"`: written straight into the buffer, no String per id.
fn id(out: &mut Vec<u8>, prefix: &str, property: u32, seq: u32) {
    out.push(b'"');
    out.extend_from_slice(prefix.as_bytes());
    out.push(b'_');
    push_digits(out, u64::from(property), 4);
    out.push(b'_');
    push_digits(out, u64::from(seq), 6);
    out.push(b'"');
}

fn utc(tz: Tz, local: NaiveDateTime) -> NaiveDateTime {
    tz.to_utc(local)
}

pub fn property(list: &mut List<'_>, p: &Property, states: &[UnitState]) {
    let cutoff = calendar::cutoff();
    let occupied = states.iter().filter(|s| matches!(s.status, "occupied" | "notice")).count();
    let units = p.units.len().max(1);
    // Two decimals, rounded half up, from integers: 0.96.
    let percent = (occupied * 100 * 2 + units) / (units * 2);
    let occupancy = if percent >= 100 { "1.00".to_owned() } else { format!("0.{percent:02}") };
    let rent_total: i64 = p.units.iter().map(|u| u.market_rent.0).sum();
    let average = Cents((rent_total * 2 + units as i64) / (units as i64 * 2));
    list.object(|o| {
        o.str("propertyId", &p.id)
            .str("name", &p.name)
            .str("code", &p.code)
            .str("status", "active")
            .object("address", |a| {
                a.str("line1", &p.line1)
                    .str("city", p.site.city)
                    .str("region", p.site.region)
                    .str("postalCode", p.site.postal_code)
                    .str("country", "US");
            })
            .str("timezone", p.site.tz.name())
            .int("unitCount", p.units.len() as i64)
            .number_text("occupancyRate", &occupancy)
            .money("averageMarketRent", average)
            .str("currency", CURRENCY)
            .month("openPostMonth", calendar::last_month().prev())
            .utc("updatedAt", utc(p.site.tz, p.updated_at.min(calendar::at(cutoff, 12, 0, 0))));
    });
}

pub fn unit(list: &mut List<'_>, p: &Property, index: usize, state: &UnitState) {
    let u = &p.units[index];
    list.object(|o| {
        o.str("unitId", &u.id)
            .str("propertyId", &p.id)
            .str("unitNumber", &u.number)
            .str("floorplanCode", &u.floorplan)
            .int("bedrooms", i64::from(u.bedrooms))
            .int("bathrooms", i64::from(u.bathrooms))
            .int("squareFeet", i64::from(u.square_feet))
            .str("status", state.status)
            .money("marketRent", u.market_rent)
            .money("concession", state.concession)
            .money("effectiveRent", u.market_rent - state.concession)
            .date("availabilityDate", state.availability)
            .str_array("amenities", u.amenities.iter().copied())
            .str("buildingId", &u.building_id)
            .int("floor", i64::from(u.floor))
            .utc("updatedAt", utc(p.site.tz, state.updated));
    });
}

fn fee_name(code: Code) -> &'static str {
    match code {
        Code::Rent => "Rent",
        Code::Util => "Water/Sewer",
        Code::Park => "Parking",
        Code::Pet => "Pet rent",
        Code::Trash => "Valet trash",
        Code::Pest => "Pest control",
        Code::Stor => "Storage",
        Code::Conc => "Concession",
        Code::Late => "Late fee",
        Code::Nsf => "NSF fee",
        Code::Secdep => "Security deposit",
        Code::Misc => "Miscellaneous",
    }
}

pub fn lease(list: &mut List<'_>, p: &Property, lease: &Lease) {
    let cutoff = calendar::cutoff();
    list.object(|o| {
        o.str("leaseId", &lease.id)
            .str("propertyId", &p.id)
            .str("number", &lease.number)
            .str("unitId", &p.units[lease.unit].id)
            .str("primaryResidentId", &lease.resident)
            .str_array("coResidentIds", lease.co_residents.iter().map(String::as_str))
            .str("status", lease.status(cutoff).as_str())
            .date("startDate", lease.start)
            .date("endDate", lease.end)
            .date("moveInDate", lease.move_in)
            .opt_date("moveOutDate", lease.shown_move_out(cutoff))
            .money("rent", lease.rent)
            .objects("fees", &lease.fees, |f, fee| {
                let description = if fee.tax.is_positive() {
                    format!("{} (incl. {} sales tax)", fee_name(fee.code), percent_text(p.site.sales_tax_bp))
                } else {
                    fee_name(fee.code).to_owned()
                };
                f.str("code", fee.code.text())
                    .str("description", &description)
                    .money("amount", fee.amount)
                    .str("frequency", "monthly");
            })
            .money("deposit", lease.deposit)
            .str("currency", CURRENCY)
            .utc("updatedAt", utc(p.site.tz, lease.updated(cutoff)));
    });
}

/// `700` basis points as `7.00%`.
fn percent_text(basis_points: i64) -> String {
    format!("{}.{:02}%", basis_points / 100, basis_points % 100)
}

pub fn ar_codes(out: &mut Vec<u8>) -> u64 {
    let mut list = List::begin(out);
    for info in &AR_CODES {
        list.object(|o| {
            o.str("arCodeId", info.id)
                .str("code", info.text)
                .str("name", info.name)
                .str("type", info.kind)
                .bool("isTaxable", info.taxable)
                .str("glDebitAccount", info.gl_debit)
                .str("glCreditAccount", info.gl_credit)
                .bool("isDisabled", false)
                .utc("updatedAt", ar_codes_updated());
        });
    }
    list.end()
}

fn month_text(out: &mut String, month: PostMonth) {
    out.push_str(month_name(month));
    // Writing into a String cannot fail.
    let _ = write!(out, " {}", month.year());
}

/// What a resident sees on the ledger line.
fn describe(out: &mut String, p: &Property, ledger: &Ledger, charge: &Charge) {
    let service_month = charge.service.map_or(charge.post_month, |(start, _)| PostMonth::of(start));
    match charge.note {
        Note::Monthly | Note::Prorated { .. } | Note::Advance => {
            out.push_str(fee_name(charge.code));
            out.push(' ');
            month_text(out, service_month);
            if let Note::Prorated { days } = charge.note {
                let _ = write!(out, " (prorated, {days} of {} days)", service_month.days());
            }
            if charge.note == Note::Advance {
                out.push_str(" (billed in advance)");
            }
            if charge.tax.0 != 0 {
                let _ = write!(out, " (incl. {} sales tax)", percent_text(p.site.sales_tax_bp));
            }
        }
        Note::MoveIn if charge.code == Code::Conc => out.push_str("Move-in special"),
        Note::MoveIn => out.push_str(fee_name(charge.code)),
        Note::Goodwill => out.push_str("Resident goodwill credit"),
        Note::Late => {
            out.push_str("Late fee ");
            month_text(out, PostMonth::of(charge.post_date));
        }
        Note::Nsf { payment } => {
            let seq = ledger.payment_seq[payment as usize];
            let _ = write!(out, "NSF fee: returned payment pay_{:04}_{seq:06}", p.index);
        }
        Note::Misc { kind } => out.push_str(MISC_KINDS[usize::from(kind) % MISC_KINDS.len()].0),
        Note::Reversal { waived } => {
            out.push_str("Reversal: ");
            if let Some(original) = charge.reverses {
                describe(out, p, ledger, &ledger.charges[original as usize]);
            }
            if waived {
                out.push_str(" (waived)");
            }
        }
    }
    if charge.corrected {
        out.push_str(" (corrected)");
    }
}

pub fn charges(list: &mut List<'_>, p: &Property, leases: &[Lease], ledger: &Ledger) {
    let mut order: Vec<u32> = (0..ledger.charges.len() as u32).collect();
    order.sort_unstable_by_key(|&i| ledger.charge_seq[i as usize]);
    let mut description = String::new();
    for index in order {
        let charge = &ledger.charges[index as usize];
        let lease = &leases[charge.lease as usize];
        description.clear();
        describe(&mut description, p, ledger, charge);
        list.object(|o| {
            o.raw("chargeId", |out| id(out, "chg", p.index, ledger.charge_seq[index as usize]))
                .str("propertyId", &p.id)
                .str("leaseId", &lease.id)
                .str("residentId", &lease.resident)
                .str("unitId", &p.units[lease.unit].id)
                .str("arCode", charge.code.text())
                .str("description", &description)
                .money("amount", charge.amount)
                .money("taxAmount", charge.tax)
                .str("currency", CURRENCY)
                .date("transactionDate", charge.post_date)
                .date("postDate", charge.post_date)
                .month("postMonth", charge.post_month)
                .opt_date("servicePeriodStart", charge.service.map(|s| s.0))
                .opt_date("servicePeriodEnd", charge.service.map(|s| s.1));
            match charge.reverses {
                Some(original) => o.raw("reversesChargeId", |out| {
                    id(out, "chg", p.index, ledger.charge_seq[original as usize])
                }),
                None => o.null("reversesChargeId"),
            };
            if charge.scheduled {
                o.raw("scheduledChargeId", |out| {
                    let _ = write!(out, "\"sch_{}_{}\"", &lease.id["lease_".len()..], charge.code.text());
                });
            } else {
                o.null("scheduledChargeId");
            }
            o.str("status", "posted")
                .utc("createdAt", utc(p.site.tz, charge.created))
                .utc("updatedAt", utc(p.site.tz, charge.updated));
        });
    }
}

pub fn payments(list: &mut List<'_>, p: &Property, leases: &[Lease], ledger: &Ledger) {
    let mut order: Vec<u32> = (0..ledger.payments.len() as u32).collect();
    order.sort_unstable_by_key(|&i| ledger.payment_seq[i as usize]);
    let tz = p.site.tz;
    for index in order {
        let payment = &ledger.payments[index as usize];
        let lease = &leases[payment.lease as usize];
        let (status, returned, reason) = match &payment.fate {
            Fate::Captured => ("captured", None, None),
            Fate::Returned { at, reason } => ("returned", Some(*at), Some(*reason)),
            Fate::Voided { at } => ("voided", Some(*at), Some("Voided: entered in error")),
        };
        let returned_date: Option<NaiveDate> = returned.map(|t| t.date());
        list.object(|o| {
            o.raw("paymentId", |out| id(out, "pay", p.index, ledger.payment_seq[index as usize]))
                .str("propertyId", &p.id)
                .str("leaseId", &lease.id)
                .str("residentId", &lease.resident)
                .money("amount", payment.amount)
                .str("currency", CURRENCY)
                .str("method", payment.method.as_str())
                .str("status", status)
                .local("receivedAt", payment.received, tz.offset_minutes(payment.received))
                .date("postDate", payment.post_date)
                .month("postMonth", payment.post_month)
                .opt_date("returnedDate", returned_date)
                .opt_month("returnPostMonth", returned_date.map(PostMonth::of))
                .opt_str("returnReason", reason);
            match payment.deposit {
                Some(deposit) => o.raw("depositId", |out| id(out, "dep", p.index, deposit + 1)),
                None => o.null("depositId"),
            };
            o.objects("allocations", &payment.allocations, |a, (charge, amount)| {
                let charged = &ledger.charges[*charge as usize];
                a.raw("chargeId", |out| id(out, "chg", p.index, ledger.charge_seq[*charge as usize]))
                    .str("arCode", charged.code.text())
                    .money("amount", *amount);
            })
            .utc("createdAt", utc(tz, payment.received))
            .utc("updatedAt", utc(tz, payment.updated));
        });
    }
}

pub fn deposits(list: &mut List<'_>, p: &Property, ledger: &Ledger) {
    for (index, deposit) in ledger.deposits.iter().enumerate() {
        let bank = if deposit.bank == 0 { &OPERATING_BANK } else { &CARD_BANK };
        list.object(|o| {
            o.raw("depositId", |out| id(out, "dep", p.index, index as u32 + 1))
                .str("propertyId", &p.id)
                .str("bankAccountId", bank.id)
                .str("bankAccountName", bank.name)
                .date("depositDate", deposit.date)
                .month("postMonth", deposit.post_month)
                .money("amount", deposit.amount)
                .str("currency", CURRENCY)
                .raw("paymentIds", |out| {
                    out.push(b'[');
                    for (i, payment) in deposit.payments.iter().enumerate() {
                        if i > 0 {
                            out.push(b',');
                        }
                        id(out, "pay", p.index, ledger.payment_seq[*payment as usize]);
                    }
                    out.push(b']');
                })
                .utc("updatedAt", utc(p.site.tz, deposit.at));
        });
    }
}

/// The id a deposit gets in the output (for the summary).
pub fn deposit_id(property: u32, index: u32) -> String {
    format!("dep_{property:04}_{:06}", index + 1)
}

pub fn charge_id(property: u32, seq: u32) -> String {
    format!("chg_{property:04}_{seq:06}")
}
