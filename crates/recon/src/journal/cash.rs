//! Payments, their returns and voids, and bank deposits (PRODUCT.md §5, rows 3–6).
//!
//! Every payment posts its capture (clearing against receivables) whatever its status now. A return
//! or void undoes the capture in clearing while the payment is not in a deposit, and comes out of the
//! deposit's bank account (one `return` entry, equal to the bank's return line) once it is. A deposit
//! is one entry equal to the bank line: the bank account against each listed payment's clearing
//! account at the payment's original amount; it is held when those do not add up.
//!
//! A returned payment that names a deposit which does not list it (or was deleted) comes back out
//! of clearing, in its own `return` entry with the deposit among its sources: where the money went
//! back from is the deposit's say, so when the deposit changes (deleted, edited to list the
//! payment or no longer to), it is the same entry that changes, and the adjustment moves exactly the
//! return between clearing and the bank. In the day's `payments` entry, nothing would tell that
//! entry the deposit had changed, and the return would be booked twice or not at all.

use std::collections::HashMap;

use super::PlanError;
use super::entry::JournalKind;
use super::planner::{Planner, cents, decimal, id_list};
use crate::domain::{
    Deposit, DepositId, DepositStatus, ExceptionKind, Money, Payment, PaymentReturn, PaymentStatus,
};

/// What the planner knows about an id a payment or deposit refers to.
#[derive(Clone, Copy)]
enum Known<'a, T> {
    Usable(&'a T),
    Deleted,
    /// Held by an exception of its own.
    Held,
}

pub(crate) fn plan_cash(p: &mut Planner<'_>) -> Result<(), PlanError> {
    let ledger = p.ledger;
    let mut payments: HashMap<&str, Known<'_, Payment>> = HashMap::with_capacity(ledger.payments.len());
    let mut usable_payments = Vec::with_capacity(ledger.payments.len());
    for payment in ledger.payments {
        let known = if payment.status == PaymentStatus::Deleted {
            Known::Deleted
        } else if let Some(problem) = payment_problem(p, payment) {
            p.report(ExceptionKind::InvalidItem, payment.id.as_str(), Some(payment.amount), problem);
            Known::Held
        } else {
            usable_payments.push(payment);
            Known::Usable(payment)
        };
        payments.insert(payment.id.as_str(), known);
    }
    let mut deposits: HashMap<&str, Known<'_, Deposit>> = HashMap::with_capacity(ledger.deposits.len());
    let mut usable_deposits = Vec::with_capacity(ledger.deposits.len());
    for deposit in ledger.deposits {
        let id = deposit.id.as_str();
        let known = if deposit.status == DepositStatus::Deleted {
            Known::Deleted
        } else if let Some(problem) = p.item_problem("deposit", id, &deposit.property_id, &[deposit.amount]) {
            p.report(ExceptionKind::InvalidItem, id, Some(deposit.amount), problem);
            Known::Held
        } else {
            usable_deposits.push(deposit);
            Known::Usable(deposit)
        };
        deposits.insert(id, known);
    }
    for payment in usable_payments {
        plan_payment(p, payment, &deposits)?;
    }
    for deposit in usable_deposits {
        plan_deposit(p, deposit, &payments)?;
    }
    Ok(())
}

fn payment_problem(p: &Planner<'_>, payment: &Payment) -> Option<String> {
    let id = payment.id.as_str();
    if let Some(problem) = p.item_problem("payment", id, &payment.property_id, &[payment.amount]) {
        return Some(problem);
    }
    if cents(payment.amount) <= 0 {
        return Some(format!(
            "payment {id} has amount {}, but payments must be positive; it is held. Correct it in Entrata.",
            payment.amount.amount()
        ));
    }
    let undone = matches!(payment.status, PaymentStatus::Returned | PaymentStatus::Voided);
    if undone && payment.returned.is_none() {
        return Some(format!(
            "payment {id} is returned or voided but has no returnedDate and returnPostMonth; it is held (capture and return). Correct it in Entrata."
        ));
    }
    None
}

/// Where a returned or voided payment's money was when it came back.
enum Whereabouts<'a> {
    /// In clearing: it names no deposit.
    Clearing,
    /// In clearing: the deposit it names does not list it, or was deleted.
    NotInDeposit(&'a DepositId),
    /// In the bank: its deposit lists it.
    Deposited(&'a Deposit),
    /// Its deposit is not in the ledger, or is held: we cannot tell whether the bank took it in.
    Unknown(&'a DepositId, &'static str),
}

fn plan_payment<'a>(
    p: &mut Planner<'a>,
    payment: &'a Payment,
    deposits: &HashMap<&str, Known<'a, Deposit>>,
) -> Result<(), PlanError> {
    let (property, id) = (&p.ledger.property.id, payment.id.as_str());
    let amount = decimal(cents(payment.amount), property, id)?;
    let posting = &p.mapping.posting;
    let clearing = posting.clearing_for(payment.method);

    let group = p.book.group(JournalKind::Payments, payment.post_month, payment.post_date, id);
    group.detail.add_method(payment.method);
    group.detail.mark_received();
    group.post(clearing, amount);
    group.post(&posting.receivables, -amount);

    let undone = matches!(payment.status, PaymentStatus::Returned | PaymentStatus::Voided);
    let Some(returned) = payment.returned.as_ref().filter(|_| undone) else {
        return Ok(());
    };
    match whereabouts(payment, deposits) {
        Whereabouts::Clearing => {
            let group = p.book.group(JournalKind::Payments, returned.post_month, returned.date, id);
            group.detail.add_method(payment.method);
            group.detail.mark_returned();
            group.post(&posting.receivables, amount);
            group.post(clearing, -amount);
        }
        Whereabouts::NotInDeposit(deposit_id) => {
            let group = p.book.group(JournalKind::Return, returned.post_month, returned.date, id);
            group.add_source(deposit_id.as_str());
            group.detail.payment = Some(&payment.id);
            group.detail.not_in = Some(deposit_id);
            group.post(&posting.receivables, amount);
            group.post(clearing, -amount);
        }
        Whereabouts::Deposited(deposit) => {
            let Some(bank) = posting.bank_accounts.get(&deposit.bank_account_id) else {
                let message = format!(
                    "payment {id} was returned on {} after deposit {} into bank account {bank_id}, which posting.bank_accounts does not map; the return is held (its capture is posted). Add \"{bank_id}\" = \"<logical account>\" under [posting] bank_accounts.",
                    returned.date,
                    deposit.id,
                    bank_id = deposit.bank_account_id,
                );
                p.report(ExceptionKind::UnknownAccount, id, Some(payment.amount), message);
                return Ok(());
            };
            let group = p.book.group(JournalKind::Return, returned.post_month, returned.date, id);
            group.add_source(deposit.id.as_str());
            group.detail.deposit = Some((&deposit.id, &deposit.bank_account_id));
            group.detail.payment = Some(&payment.id);
            group.post(&posting.receivables, amount);
            group.post(bank, -amount);
        }
        Whereabouts::Unknown(deposit_id, why) => {
            let message = return_held_message(payment, returned, deposit_id, why);
            p.report(ExceptionKind::DepositMismatch, id, Some(payment.amount), message);
        }
    }
    Ok(())
}

fn whereabouts<'a>(payment: &'a Payment, deposits: &HashMap<&str, Known<'a, Deposit>>) -> Whereabouts<'a> {
    let Some(deposit_id) = &payment.deposit_id else {
        return Whereabouts::Clearing;
    };
    match deposits.get(deposit_id.as_str()) {
        None => Whereabouts::Unknown(deposit_id, "is not in the ledger"),
        Some(Known::Held) => Whereabouts::Unknown(deposit_id, "is held as an invalid item"),
        Some(Known::Deleted) => Whereabouts::NotInDeposit(deposit_id),
        Some(Known::Usable(deposit)) if deposit.payment_ids.contains(&payment.id) => {
            Whereabouts::Deposited(deposit)
        }
        Some(Known::Usable(_)) => Whereabouts::NotInDeposit(deposit_id),
    }
}

fn return_held_message(
    payment: &Payment,
    returned: &PaymentReturn,
    deposit: &DepositId,
    why: &str,
) -> String {
    format!(
        "payment {id} was returned or voided on {date}, but its deposit {deposit} {why}, so we cannot tell whether the bank took it in; the return ({amount}) is held, its capture is posted. Pull {deposit} again or correct the payment in Entrata.",
        id = payment.id,
        date = returned.date,
        amount = payment.amount.amount(),
    )
}

/// What is wrong with the payments a deposit lists.
#[derive(Default)]
struct ListProblems<'a> {
    missing: Vec<&'a str>,
    deleted: Vec<&'a str>,
    held: Vec<&'a str>,
    /// Listed here but naming another deposit (or none) themselves.
    elsewhere: Vec<&'a str>,
    repeated: Vec<&'a str>,
}

impl ListProblems<'_> {
    fn is_empty(&self) -> bool {
        self.missing.is_empty()
            && self.deleted.is_empty()
            && self.held.is_empty()
            && self.elsewhere.is_empty()
            && self.repeated.is_empty()
    }
}

fn plan_deposit<'a>(
    p: &mut Planner<'a>,
    deposit: &'a Deposit,
    payments: &HashMap<&str, Known<'a, Payment>>,
) -> Result<(), PlanError> {
    let id = deposit.id.as_str();
    let mut problems = ListProblems::default();
    let mut listed: Vec<&'a Payment> = Vec::with_capacity(deposit.payment_ids.len());
    for payment_id in &deposit.payment_ids {
        match payments.get(payment_id.as_str()) {
            None => problems.missing.push(payment_id.as_str()),
            Some(Known::Deleted) => problems.deleted.push(payment_id.as_str()),
            Some(Known::Held) => problems.held.push(payment_id.as_str()),
            Some(Known::Usable(payment)) => {
                if payment.deposit_id.as_ref() != Some(&deposit.id) {
                    problems.elsewhere.push(payment_id.as_str());
                }
                listed.push(payment);
            }
        }
    }
    let mut ids: Vec<&str> = deposit.payment_ids.iter().map(|p| p.as_str()).collect();
    ids.sort_unstable();
    problems.repeated = ids.windows(2).filter(|w| w[0] == w[1]).map(|w| w[0]).collect();
    problems.repeated.dedup();

    let zero = Money::zero(deposit.amount.currency());
    let total = listed.iter().try_fold(zero, |sum, payment| sum.checked_add(payment.amount));
    let total =
        total.map_err(|_| PlanError::Overflow { property: p.ledger.property.id.clone(), item: id.into() })?;

    let mut held = false;
    if total != deposit.amount || !problems.is_empty() {
        let message = mismatch_message(deposit, total, listed.len(), &problems);
        p.report(ExceptionKind::DepositMismatch, id, Some(deposit.amount), message);
        held = true;
    }
    let posting = &p.mapping.posting;
    let Some(bank) = posting.bank_accounts.get(&deposit.bank_account_id) else {
        let message = format!(
            "deposit {id} ({} on {}) is in bank account {bank_id}, which posting.bank_accounts does not map; it is held. Add \"{bank_id}\" = \"<logical account>\" under [posting] bank_accounts.",
            deposit.amount.amount(),
            deposit.deposit_date,
            bank_id = deposit.bank_account_id,
        );
        p.report(ExceptionKind::UnknownAccount, id, Some(deposit.amount), message);
        return Ok(());
    };
    if held {
        return Ok(());
    }

    let property = &p.ledger.property.id;
    let mut lines = Vec::with_capacity(listed.len() + 1);
    lines.push((bank, decimal(cents(deposit.amount), property, id)?));
    for payment in &listed {
        let amount = decimal(cents(payment.amount), property, payment.id.as_str())?;
        lines.push((posting.clearing_for(payment.method), -amount));
    }
    let group = p.book.group(JournalKind::Deposit, deposit.post_month, deposit.deposit_date, id);
    group.detail.deposit = Some((&deposit.id, &deposit.bank_account_id));
    for payment in &listed {
        group.add_source(payment.id.as_str());
        group.detail.add_method(payment.method);
    }
    for (account, amount) in lines {
        group.post(account, amount);
    }
    Ok(())
}

fn mismatch_message(deposit: &Deposit, total: Money, count: usize, problems: &ListProblems<'_>) -> String {
    let mut message = format!(
        "deposit {id} ({bank}, {date}) is {amount}",
        id = deposit.id,
        bank = deposit.bank_account_id,
        date = deposit.deposit_date,
        amount = deposit.amount.amount(),
    );
    if total != deposit.amount {
        let difference =
            deposit.amount.checked_sub(total).map(|d| d.amount().to_string()).unwrap_or_default();
        message.push_str(&format!(
            " but its payments total {} ({count} of {listed} listed found; difference {difference})",
            total.amount(),
            listed = deposit.payment_ids.len(),
        ));
    }
    let parts = [
        (&problems.missing, "it lists payments that are not in the ledger"),
        (&problems.deleted, "it lists payments deleted in Entrata"),
        (&problems.held, "it lists payments held as invalid items"),
        (&problems.elsewhere, "it lists payments that name another deposit or none"),
        (&problems.repeated, "it lists payments more than once"),
    ];
    for (ids, what) in parts {
        if !ids.is_empty() {
            message.push_str(&format!("; {what}: {}", id_list(ids.iter().copied())));
        }
    }
    message.push_str(
        ". The deposit is held: compare it with the bank statement and correct it in Entrata, or pull again if its payments are new.",
    );
    message
}
