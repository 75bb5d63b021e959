//! Each kind of item from its fields: what the contract asks of a property, an AR code, a lease,
//! a charge, a payment and a deposit (PRODUCT.md §4), every problem collected by the `Reader`.

use serde::Deserialize;
use serde_json::value::RawValue;

use super::reader::*;
use super::{Fields, Header};
use crate::domain::*;

pub(super) fn property(r: &mut Reader, f: &Fields<'_>, h: Header) -> Option<Property> {
    let name = r.opt_string("name", f.name);
    let code = r.opt_string("code", f.code);
    let status = r.opt_string("status", f.status);
    let timezone = r.opt_string("timezone", f.timezone);
    let currency = r.currency(f.currency);
    let open_post_month = r.opt_month("openPostMonth", f.open_post_month);
    Some(Property {
        name: name.unwrap_or_else(|| h.id.clone()),
        code: code.unwrap_or_else(|| h.id.clone()),
        id: PropertyId::new(h.id),
        status: status.unwrap_or_else(|| "active".to_owned()),
        timezone,
        currency: currency?,
        open_post_month: open_post_month?,
        updated_at: h.updated_at,
    })
}

pub(super) fn ar_code(r: &mut Reader, f: &Fields<'_>, h: Header) -> Option<ArCodeDef> {
    const TYPES: &str =
        "rent, fee, other_income, utility, deposit, concession, refund, write_off, tax, other_liability";
    let code = r.string("code", f.code);
    let name = r.opt_string("name", f.name);
    let code_type = r.choice("type", f.code_type, ArCodeType::parse, TYPES);
    let is_taxable = r.bool_or("isTaxable", f.is_taxable, false);
    let gl_debit_account = r.opt_string("glDebitAccount", f.gl_debit_account);
    let gl_credit_account = r.opt_string("glCreditAccount", f.gl_credit_account);
    let is_disabled = r.bool_or("isDisabled", f.is_disabled, false);
    let code = code?;
    Some(ArCodeDef {
        id: ArCodeId::new(h.id),
        name: name.unwrap_or_else(|| code.clone()),
        code: ArCode::new(code),
        code_type: code_type?,
        is_taxable: is_taxable?,
        gl_debit_account,
        gl_credit_account,
        is_disabled: is_disabled?,
        updated_at: h.updated_at,
    })
}

pub(super) fn lease(r: &mut Reader, f: &Fields<'_>, h: Header) -> Option<Lease> {
    const STATUSES: &str = "pending_signature, active, notice, past, cancelled, deleted";
    let currency = r.currency(f.currency);
    let status = r.choice("status", f.status, LeaseStatus::parse, STATUSES);
    let number = r.opt_string("number", f.number);
    let unit_id = r.opt_string("unitId", f.unit_id);
    let primary_resident_id = r.opt_string("primaryResidentId", f.primary_resident_id);
    let start_date = r.opt_date("startDate", f.start_date);
    let end_date = r.opt_date("endDate", f.end_date);
    let move_in_date = r.opt_date("moveInDate", f.move_in_date);
    let move_out_date = r.opt_date("moveOutDate", f.move_out_date);
    let rent = r.opt_money("rent", f.rent, currency);
    let deposit = r.opt_money("deposit", f.deposit, currency);
    let fees = r.objects("fees", f.fees, |r, at, fee| lease_fee(r, at, fee, currency));
    Some(Lease {
        id: LeaseId::new(h.id.clone()),
        property_id: h.property(),
        number,
        unit_id: unit_id.map(UnitId::new),
        primary_resident_id: primary_resident_id.map(ResidentId::new),
        status: status?,
        start_date: start_date?,
        end_date: end_date?,
        move_in_date: move_in_date?,
        move_out_date: move_out_date?,
        rent: rent?,
        fees: fees?,
        deposit: deposit?,
        currency: currency?,
        updated_at: h.updated_at,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct FeeFields<'a> {
    #[serde(borrow)]
    code: Option<&'a RawValue>,
    #[serde(borrow)]
    description: Option<&'a RawValue>,
    #[serde(borrow)]
    amount: Option<&'a RawValue>,
    #[serde(borrow)]
    frequency: Option<&'a RawValue>,
}

pub(super) fn lease_fee(
    r: &mut Reader,
    at: &Elem<'_>,
    f: FeeFields<'_>,
    currency: Option<Currency>,
) -> Option<LeaseFee> {
    let code = r.string(&Field { at, field: "code" }, f.code);
    let description = r.opt_string(&Field { at, field: "description" }, f.description);
    let amount = r.money(&Field { at, field: "amount" }, f.amount, currency);
    let frequency = r.choice(
        &Field { at, field: "frequency" },
        f.frequency,
        |s| match s {
            "monthly" => Some(FeeFrequency::Monthly),
            "once" => Some(FeeFrequency::Once),
            _ => None,
        },
        "monthly, once",
    );
    Some(LeaseFee {
        code: ArCode::new(code?),
        description: description.unwrap_or_default(),
        amount: amount?,
        frequency: frequency?,
    })
}

pub(super) fn charge(r: &mut Reader, f: &Fields<'_>, h: Header) -> Option<Charge> {
    let currency = r.currency(f.currency);
    let ar_code = r.string("arCode", f.ar_code);
    let description = r.opt_string("description", f.description);
    let amount = r.money("amount", f.amount, currency);
    let tax = match is_null(f.tax_amount) {
        true => currency.map(Money::zero),
        false => r.money("taxAmount", f.tax_amount, currency),
    };
    let lease_id = r.opt_string("leaseId", f.lease_id);
    let resident_id = r.opt_string("residentId", f.resident_id);
    let unit_id = r.opt_string("unitId", f.unit_id);
    let transaction_date = r.opt_date("transactionDate", f.transaction_date);
    let post_date = r.date("postDate", f.post_date);
    let post_month = r.month("postMonth", f.post_month);
    let start = r.opt_date("servicePeriodStart", f.service_period_start);
    let end = r.opt_date("servicePeriodEnd", f.service_period_end);
    let reverses = r.opt_string("reversesChargeId", f.reverses_charge_id);
    let scheduled_charge_id = r.opt_string("scheduledChargeId", f.scheduled_charge_id);
    let status = r.choice(
        "status",
        f.status,
        |s| match s {
            "posted" => Some(ChargeStatus::Posted),
            "deleted" => Some(ChargeStatus::Deleted),
            _ => None,
        },
        "posted, deleted",
    );
    let service_period = match (start?, end?) {
        (None, None) => None,
        (Some(start), Some(end)) => match ServicePeriod::new(start, end) {
            Some(p) => Some(p),
            None => {
                r.problem(format!("servicePeriodEnd {end} is before servicePeriodStart {start}"));
                None
            }
        },
        (Some(_), None) | (None, Some(_)) => {
            r.problem("servicePeriodStart and servicePeriodEnd must both be set or both be null".to_owned());
            None
        }
    };
    let (amount, tax) = (amount?, tax?);
    let tax_fits = tax.is_zero()
        || (tax.is_negative() == amount.is_negative() && tax.amount().abs() <= amount.amount().abs());
    if !tax_fits {
        r.problem(format!(
            "taxAmount {} must be part of amount {} (same sign, not larger)",
            format_amount(tax.amount()),
            format_amount(amount.amount())
        ));
    }
    Some(Charge {
        id: ChargeId::new(h.id.clone()),
        property_id: h.property(),
        lease_id: lease_id.map(LeaseId::new),
        resident_id: resident_id.map(ResidentId::new),
        unit_id: unit_id.map(UnitId::new),
        ar_code: ArCode::new(ar_code?),
        description: description.unwrap_or_default(),
        amount,
        tax,
        transaction_date: transaction_date?,
        post_date: post_date?,
        post_month: post_month?,
        service_period,
        reverses: reverses.map(ChargeId::new),
        scheduled_charge_id,
        status: status?,
        updated_at: h.updated_at,
    })
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub(super) struct AllocationFields<'a> {
    #[serde(borrow)]
    charge_id: Option<&'a RawValue>,
    #[serde(borrow)]
    ar_code: Option<&'a RawValue>,
    #[serde(borrow)]
    amount: Option<&'a RawValue>,
}

pub(super) fn payment(r: &mut Reader, f: &Fields<'_>, h: Header) -> Option<Payment> {
    const METHODS: &str = "ach, card, check, cash, money_order, other";
    let currency = r.currency(f.currency);
    let amount = r.money("amount", f.amount, currency);
    let method = r.choice("method", f.method, PaymentMethod::parse, METHODS);
    let status = r.choice(
        "status",
        f.status,
        |s| match s {
            "captured" => Some(PaymentStatus::Captured),
            "returned" => Some(PaymentStatus::Returned),
            "voided" => Some(PaymentStatus::Voided),
            "deleted" => Some(PaymentStatus::Deleted),
            _ => None,
        },
        "captured, returned, voided, deleted",
    );
    let lease_id = r.opt_string("leaseId", f.lease_id);
    let resident_id = r.opt_string("residentId", f.resident_id);
    let received_at = r.opt_timestamp("receivedAt", f.received_at);
    let post_date = r.date("postDate", f.post_date);
    let post_month = r.month("postMonth", f.post_month);
    let returned_date = r.opt_date("returnedDate", f.returned_date);
    let return_post_month = r.opt_month("returnPostMonth", f.return_post_month);
    let return_reason = r.opt_string("returnReason", f.return_reason);
    let deposit_id = r.opt_string("depositId", f.deposit_id);
    let allocations = r.objects("allocations", f.allocations, |r, at, a: AllocationFields<'_>| {
        let charge_id = r.string(&Field { at, field: "chargeId" }, a.charge_id);
        let ar_code = r.opt_string(&Field { at, field: "arCode" }, a.ar_code);
        let amount = r.money(&Field { at, field: "amount" }, a.amount, currency);
        Some(Allocation {
            charge_id: ChargeId::new(charge_id?),
            ar_code: ar_code.map(ArCode::new),
            amount: amount?,
        })
    });
    let (amount, status) = (amount?, status?);
    if amount.is_negative() || amount.is_zero() {
        r.problem(format!("amount {} must be positive", format_amount(amount.amount())));
    }
    let returned = match (status, returned_date?, return_post_month?) {
        (PaymentStatus::Returned | PaymentStatus::Voided, Some(date), Some(post_month)) => {
            Some(PaymentReturn { date, post_month, reason: return_reason })
        }
        (PaymentStatus::Returned | PaymentStatus::Voided, _, _) => {
            r.problem("a returned or voided payment needs returnedDate and returnPostMonth".to_owned());
            None
        }
        _ => None,
    };
    Some(Payment {
        id: PaymentId::new(h.id.clone()),
        property_id: h.property(),
        lease_id: lease_id.map(LeaseId::new),
        resident_id: resident_id.map(ResidentId::new),
        amount,
        method: method?,
        status,
        received_at: received_at?,
        post_date: post_date?,
        post_month: post_month?,
        returned,
        deposit_id: deposit_id.map(DepositId::new),
        allocations: allocations?,
        updated_at: h.updated_at,
    })
}

pub(super) fn deposit(r: &mut Reader, f: &Fields<'_>, h: Header) -> Option<Deposit> {
    let currency = r.currency(f.currency);
    let bank_account_id = r.string("bankAccountId", f.bank_account_id);
    let bank_account_name = r.opt_string("bankAccountName", f.bank_account_name);
    let deposit_date = r.date("depositDate", f.deposit_date);
    let post_month = r.month("postMonth", f.post_month);
    let amount = r.money("amount", f.amount, currency);
    let payment_ids = r.array("paymentIds", f.payment_ids, |r, at, raw| r.string(at, Some(raw)));
    let status = match is_null(f.status) {
        true => Some(DepositStatus::Active),
        false => r.choice(
            "status",
            f.status,
            |s| match s {
                "deleted" => Some(DepositStatus::Deleted),
                "posted" | "active" => Some(DepositStatus::Active),
                _ => None,
            },
            "deleted (or absent)",
        ),
    };
    Some(Deposit {
        id: DepositId::new(h.id.clone()),
        property_id: h.property(),
        bank_account_id: BankAccountId::new(bank_account_id?),
        bank_account_name,
        deposit_date: deposit_date?,
        post_month: post_month?,
        amount: amount?,
        payment_ids: payment_ids?.into_iter().map(PaymentId::new).collect(),
        status: status?,
        updated_at: h.updated_at,
    })
}
