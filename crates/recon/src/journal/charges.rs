//! Charges (PRODUCT.md §5, first two rows; §7.1–7.5): receivables against the code's account(s)
//! and tax, deferral with its recognition entries, and the proration check.
//!
//! Amounts are signed throughout: a charge debits receivables by `amount` and credits the code's
//! accounts by `amount − tax`, so a credit (`amount < 0`) comes out as the mirror image without a
//! separate path. Everything that can fail for one charge is computed before anything is posted, so a
//! held charge leaves no trace in the entries.

use std::collections::HashMap;

use rust_decimal::Decimal;

use super::PlanError;
use super::entry::JournalKind;
use super::planner::{Planner, cents, decimal};
use super::prorate::{
    AllocError, MonthSpan, allocate, div_round, fraction_weights, month_spans, months_touched, share_weights,
};
use crate::domain::{
    AccountName, ArCode, ArCodeType, Charge, ChargeStatus, ExceptionKind, FeeFrequency, Lease, Money,
    PostMonth, ServicePeriod,
};
use crate::mapping::{CodeRule, DayCount, Proration};

/// Deferral spreads a charge over at most this many months (ten years); a longer service period is
/// surely a data error, and each month would cost a recognition entry.
pub(crate) const MAX_DEFERRAL_MONTHS: u32 = 120;

pub(crate) fn plan_charges(p: &mut Planner<'_>) -> Result<(), PlanError> {
    let rules = resolve_rules(p.mapping);
    let leases: HashMap<&str, &Lease> = match p.mapping.proration.check_tolerance {
        Some(_) => p.ledger.leases.iter().map(|l| (l.id.as_str(), l)).collect(),
        None => HashMap::new(),
    };
    for charge in p.ledger.charges {
        plan_charge(p, charge, &rules, &leases)?;
    }
    Ok(())
}

/// How a code's charges are credited, resolved once per plan.
enum Credit<'a> {
    One(&'a AccountName),
    /// Accounts and their integer weights (empty when the percents could not be made integers).
    Split(Vec<&'a AccountName>, Vec<u128>),
}

struct Rule<'a> {
    code: &'a ArCode,
    credit: Credit<'a>,
}

impl<'a> Rule<'a> {
    /// Credits `part` (cents, signed) to the code's account(s) per PRODUCT.md §7.2.
    fn credit(
        &self,
        part: i128,
        proration: &Proration,
        out: &mut Vec<(&'a AccountName, i128)>,
    ) -> Result<(), AllocError> {
        match &self.credit {
            Credit::One(account) => out.push((account, part)),
            Credit::Split(accounts, weights) => {
                let parts = allocate(part, weights, proration.rounding, proration.remainder)?;
                out.extend(accounts.iter().copied().zip(parts));
            }
        }
        Ok(())
    }
}

fn resolve_rules(mapping: &crate::mapping::PropertyMapping) -> HashMap<&str, Rule<'_>> {
    mapping
        .codes
        .iter()
        .map(|(code, rule)| {
            let credit = match rule {
                CodeRule::Account(account) => Credit::One(account),
                CodeRule::Split(split) => Credit::Split(
                    split.shares().iter().map(|s| &s.account).collect(),
                    share_weights(split.shares()).unwrap_or_default(),
                ),
            };
            (code.as_str(), Rule { code, credit })
        })
        .collect()
}

/// One charge's money, in cents, credit positive.
#[derive(Default)]
struct ChargeParts<'a> {
    /// To the code's account(s) in the charge's entry.
    income: Vec<(&'a AccountName, i128)>,
    /// To `defer_to` in the charge's entry.
    deferred: i128,
    recognitions: Vec<Recognition<'a>>,
}

/// A later month's part of a deferred charge and its split over the code's accounts.
struct Recognition<'a> {
    month: PostMonth,
    part: i128,
    split: Vec<(&'a AccountName, i128)>,
}

fn plan_charge<'a>(
    p: &mut Planner<'a>,
    charge: &'a Charge,
    rules: &HashMap<&str, Rule<'a>>,
    leases: &HashMap<&str, &'a Lease>,
) -> Result<(), PlanError> {
    if charge.status == ChargeStatus::Deleted {
        return Ok(());
    }
    let id = charge.id.as_str();
    let invalid = ExceptionKind::InvalidItem;
    if let Some(problem) = p.item_problem("charge", id, &charge.property_id, &[charge.amount, charge.tax]) {
        p.report(invalid, id, Some(charge.amount), problem);
        return Ok(());
    }
    let (amount, tax) = (cents(charge.amount), cents(charge.tax));
    if tax != 0 && (tax.signum() != amount.signum() || tax.abs() > amount.abs()) {
        let message = format!(
            "charge {id}: taxAmount {} is not a part of amount {} (it must have the same sign and be no larger); the charge is held. Correct it in Entrata.",
            charge.tax.amount(),
            charge.amount.amount()
        );
        p.report(invalid, id, Some(charge.amount), message);
        return Ok(());
    }
    if amount == 0 {
        return Ok(()); // a zero charge posts nothing
    }
    let Some(rule) = rules.get(charge.ar_code.as_str()) else {
        // `unmapped_code_in` reads the code back out of this message.
        let message = format!(
            "charge {id} ({} {}, post month {}) uses AR code {code}, which has no rule in the mapping files; it is held, never guessed. Add [codes.{code}] with an account or a split to mappings/portfolio.toml or to this property's file, then plan again.",
            charge.amount.amount(),
            charge.amount.currency(),
            charge.post_month,
            code = charge.ar_code,
        );
        p.report(ExceptionKind::UnmappedCode, id, Some(charge.amount), message);
        return Ok(());
    };
    let parts = match charge_parts(charge, rule, amount - tax, &p.mapping.proration) {
        Ok(parts) => parts,
        Err(problem) => {
            p.report(
                invalid,
                id,
                Some(charge.amount),
                format!("charge {id}: {problem}; the charge is held."),
            );
            return Ok(());
        }
    };
    let mismatch = proration_check(p, charge, leases, amount - tax);
    post_charge(p, charge, rule.code, amount, tax, parts)?;
    if let Some(message) = mismatch {
        p.report(ExceptionKind::ProrationMismatch, id, Some(charge.amount), message);
    }
    Ok(())
}

fn charge_parts<'a>(
    charge: &Charge,
    rule: &Rule<'a>,
    net: i128,
    proration: &Proration,
) -> Result<ChargeParts<'a>, String> {
    let alloc = |e: AllocError| format!("its split over the code's accounts cannot be computed: {e}");
    let mut parts = ChargeParts::default();
    let post_month = charge.post_month;
    let deferred_period = match (&proration.defer_to, charge.service_period) {
        (Some(_), Some(period)) if period.end() > post_month.last_day() => Some(period),
        _ => None,
    };
    let Some(period) = deferred_period else {
        rule.credit(net, proration, &mut parts.income).map_err(alloc)?;
        return Ok(parts);
    };
    for (month, part) in deferral_parts(period, net, proration)? {
        if month <= post_month {
            rule.credit(part, proration, &mut parts.income).map_err(alloc)?;
        } else {
            let mut split = Vec::new();
            rule.credit(part, proration, &mut split).map_err(alloc)?;
            parts.deferred += part;
            parts.recognitions.push(Recognition { month, part, split });
        }
    }
    Ok(parts)
}

/// `net` (cents) over the months of `period` in proportion to each month's day-count fraction
/// (PRODUCT.md §7.3, §7.4). When every fraction is zero (30/360 on a period of 31sts only) the
/// calendar days weigh instead, so the money still lands somewhere.
fn deferral_parts(
    period: ServicePeriod,
    net: i128,
    proration: &Proration,
) -> Result<Vec<(PostMonth, i128)>, String> {
    let months = months_touched(period);
    if months > MAX_DEFERRAL_MONTHS {
        return Err(format!(
            "its service period {}..{} spans {months} months and deferral spreads at most {MAX_DEFERRAL_MONTHS}; correct the service period in Entrata",
            period.start(),
            period.end()
        ));
    }
    let spans: Vec<MonthSpan> = month_spans(period).collect();
    let fractions: Vec<_> = spans.iter().map(|s| s.fraction(proration.method)).collect();
    let too_big = || "its deferral weights do not fit 128 bits".to_owned();
    let mut weights = fraction_weights(&fractions).ok_or_else(too_big)?;
    if weights.iter().all(|w| *w == 0) {
        weights = spans.iter().map(|s| u128::from(s.calendar_days())).collect();
    }
    let parts = allocate(net, &weights, proration.rounding, proration.remainder)
        .map_err(|e| format!("its deferral cannot be computed: {e}"))?;
    Ok(spans.iter().map(MonthSpan::month).zip(parts).collect())
}

fn post_charge<'a>(
    p: &mut Planner<'a>,
    charge: &'a Charge,
    code: &'a ArCode,
    amount: i128,
    tax: i128,
    parts: ChargeParts<'a>,
) -> Result<(), PlanError> {
    let (posting, property, id) = (&p.mapping.posting, &p.ledger.property.id, charge.id.as_str());
    let dec = |c: i128| decimal(c, property, id);
    let mut lines: Vec<(&AccountName, Decimal)> = Vec::with_capacity(parts.income.len() + 3);
    lines.push((&posting.receivables, dec(amount)?));
    lines.push((&posting.tax_payable, dec(-tax)?));
    for (account, part) in &parts.income {
        lines.push((account, dec(-part)?));
    }
    let defer_to = p.mapping.proration.defer_to.as_ref();
    if let Some(defer_to) = defer_to {
        lines.push((defer_to, dec(-parts.deferred)?));
    }
    let mut recognitions = Vec::with_capacity(parts.recognitions.len());
    for recognition in &parts.recognitions {
        let mut rec_lines = Vec::with_capacity(recognition.split.len() + 1);
        if let Some(defer_to) = defer_to {
            rec_lines.push((defer_to, dec(recognition.part)?));
        }
        for (account, share) in &recognition.split {
            rec_lines.push((*account, dec(-share)?));
        }
        recognitions.push((recognition.month, rec_lines));
    }

    let group = p.book.group(JournalKind::Charges, charge.post_month, charge.post_date, id);
    group.detail.add_code(code);
    for (account, amount) in lines.into_iter().filter(|(_, a)| !a.is_zero()) {
        group.post(account, amount);
    }
    for (month, rec_lines) in recognitions {
        let group = p.book.group(JournalKind::Recognition, month, month.first_day(), id);
        group.detail.add_code(code);
        for (account, amount) in rec_lines.into_iter().filter(|(_, a)| !a.is_zero()) {
            group.post(account, amount);
        }
    }
    Ok(())
}

/// PRODUCT.md §7.5: a charge for part of one month on a lease with a monthly amount for its code is
/// compared with `monthly × fraction`. Reversals are not checked (their original was), and the
/// pre-tax amount is compared because leases state monthly amounts before tax.
fn proration_check(
    p: &Planner<'_>,
    charge: &Charge,
    leases: &HashMap<&str, &Lease>,
    net: i128,
) -> Option<String> {
    let proration = &p.mapping.proration;
    let tolerance = proration.check_tolerance?;
    let period = charge.service_period?;
    let span = MonthSpan::new(period.start(), period.end()).filter(|s| !s.is_whole_month())?;
    if charge.reverses.is_some() {
        return None;
    }
    let lease = leases.get(charge.lease_id.as_ref()?.as_str())?;
    let (monthly, what) = monthly_amount(p, charge, lease)?;
    if monthly.currency() != p.ledger.property.currency {
        return None;
    }
    let fraction = span.fraction(proration.method);
    let product = cents(monthly).checked_mul(i128::from(fraction.num))?;
    let expected = div_round(product, u128::from(fraction.den), proration.rounding)?;
    let difference = (net - expected).abs();
    let as_money = |c: i128| Decimal::try_from_i128_with_scale(c, 2).ok();
    if as_money(difference)? <= tolerance {
        return None;
    }
    let taxed = if charge.tax.is_zero() { "" } else { " before tax" };
    Some(format!(
        "charge {id} ({code}, service {start}..{end}) is {charged}{taxed}, but lease {lease}'s {what} {monthly} × {fraction} ({method}) is {expected}: a difference of {difference}, above the tolerance of {tolerance}. The charge is posted as Entrata charged it; check the proration in Entrata.",
        id = charge.id,
        code = charge.ar_code,
        start = period.start(),
        end = period.end(),
        charged = as_money(net)?,
        lease = lease.id,
        monthly = monthly.amount(),
        method = method_name(proration.method),
        expected = as_money(expected)?,
        difference = as_money(difference)?,
    ))
}

/// The lease's monthly amount for the charge's code: its rent for a rent-type code, else the sum of
/// its monthly fees with that code.
fn monthly_amount(p: &Planner<'_>, charge: &Charge, lease: &Lease) -> Option<(Money, &'static str)> {
    let code_type = p.ledger.ar_codes.get(&charge.ar_code).map(|def| def.code_type);
    if code_type == Some(ArCodeType::Rent) {
        return Some((lease.rent?, "monthly rent"));
    }
    let mut fees =
        lease.fees.iter().filter(|f| f.code == charge.ar_code && f.frequency == FeeFrequency::Monthly);
    let first = fees.next()?.amount;
    let total = fees.try_fold(first, |sum, fee| sum.checked_add(fee.amount).ok())?;
    Some((total, "monthly fee"))
}

fn method_name(method: DayCount) -> &'static str {
    match method {
        DayCount::ActualDays => "actual_days",
        DayCount::ThirtyDay => "thirty_day",
        DayCount::Days365 => "days_365",
    }
}

/// The AR code an `unmapped_code` exception's message names (the message `plan_charge` writes).
pub fn unmapped_code_in(message: &str) -> Option<&str> {
    let rest = message.split_once(" uses AR code ")?.1;
    rest.split_once(", which has no rule").map(|(code, _)| code)
}

#[cfg(test)]
mod unmapped_code_tests {
    #[test]
    fn the_code_is_read_back_from_the_message() {
        let message = "charge chg_9 (75.00 USD, post month 2026-02) uses AR code AMEN, which has no rule in the mapping files; it is held, never guessed.";
        assert_eq!(super::unmapped_code_in(message), Some("AMEN"));
        assert_eq!(super::unmapped_code_in("something else"), None);
    }
}
