//! `arpayments`/`getArPayments` r1 (docs/sources.md sections 2.9.5 and 7.2): every property's
//! payments in PascalCase, not paginated, with no property, lease or post month (the adapter
//! takes those from the ledger transaction with the same `arPaymentId`).

use chrono::NaiveDate;

use super::answer::Answer;
use super::dates::{date, mountain_day, mountain_minute};
use super::envelope::{Params, Refusal, no_records};
use super::fields::{ArCodes, Fields};
use super::json::{Node, Obj, one_or_many};
use crate::dataset::item::Item;
use crate::dataset::schema::EntrataKind;
use crate::store::Store;

/// `cap`: the dataset's `answerCap`, at most that many payments per answer, the rest left out
/// without a word (a fault for tests).
pub fn get_ar_payments(store: &Store, params: &Params<'_>, cap: Option<u32>) -> Result<Answer, Refusal> {
    let ids = params.list("arPaymentIds")?;
    let from = params.date("fromDate")?;
    let to = params.date("toDate")?;
    let allocations = params.flag("isIncludeAllocations")?;
    let codes = ArCodes::of(store);
    let mut items: Vec<&Item> =
        store.lists(EntrataKind::Payments).flat_map(|(_, items)| items.iter().map(AsRef::as_ref)).collect();
    items.sort_by(|a, b| a.id.cmp(&b.id));
    let mut payments = Vec::new();
    for item in items {
        if ids.as_ref().is_some_and(|ids| !ids.iter().any(|id| id.as_str() == &*item.id)) {
            continue;
        }
        let fields = Fields::of(item);
        // `fromDate`/`toDate` are on `PaymentDate`: the Mountain Time day it was received. A time
        // that does not read is in every window, so that the adapter's quarantine sees it.
        let day: Option<NaiveDate> = fields.text("receivedAt").and_then(|t| mountain_day(&t));
        let outside = day.is_some_and(|d| from.is_some_and(|f| d < f) || to.is_some_and(|t| d > t));
        if fields.deleted() || outside {
            continue;
        }
        payments.push(payment(store, &fields, allocations, &codes));
    }
    if let Some(cap) = cap {
        payments.truncate(cap as usize);
    }
    if payments.is_empty() {
        return Ok(Answer::text_code(no_records()));
    }
    let result = Obj::new().with("ArPayments", one_or_many("ArPayment", payments)).build();
    Ok(Answer::text_code(result))
}

fn payment(store: &Store, fields: &Fields<'_>, allocations: bool, codes: &ArCodes) -> Node {
    let received = fields.raw("receivedAt").map(mountain_minute);
    let mut payment = Obj::new()
        .maybe("ArPaymentId", fields.node("paymentId"))
        .maybe("CustomerId", fields.node("residentId"))
        .maybe("PaymentAmount", fields.node("amount"))
        .maybe("PaymentType", mapped(fields, "method", payment_type))
        .maybe("PaymentStatus", mapped(fields, "status", payment_status))
        .maybe("PaymentDate", received.clone())
        .maybe("CapturedOn", received)
        .maybe("ReturnedOn", fields.raw("returnedDate").map(date))
        .maybe("DistributeOn", distributed_on(store, fields))
        .maybe("CurrencyCode", fields.node("currency"))
        .maybe("DepositId", fields.node("depositId"))
        // Section 7.3.
        .maybe("ReturnReason", fields.node("returnReason"));
    if allocations {
        let list = fields
            .objects("allocations")
            .iter()
            .map(|a| {
                Obj::new()
                    .maybe("ArTransactionId", a.node("chargeId"))
                    .maybe("ChargeCodeId", codes.id_for(a, "arCode"))
                    .maybe("ChargeCodeName", codes.name_for(a, "arCode"))
                    .maybe("Amount", a.node("amount"))
                    .build()
            })
            .collect();
        payment = payment.with("ArAllocations", one_or_many("ArAllocation", list));
    }
    payment.build()
}

/// The date of the deposit that banked the payment (not when that deposit is deleted).
fn distributed_on(store: &Store, fields: &Fields<'_>) -> Option<Node> {
    let deposit = store.get(EntrataKind::Deposits, &fields.text("depositId")?)?;
    let deposit = Fields::of(deposit);
    if deposit.deleted() {
        return None;
    }
    deposit.raw("depositDate").map(date)
}

/// A dataset enum in Entrata's words; a value it does not know is served as written.
fn mapped(fields: &Fields<'_>, name: &str, words: fn(&str) -> Option<&'static str>) -> Option<Node> {
    let value = fields.text(name)?;
    Some(words(&value).map_or_else(|| fields.node(name).unwrap_or(Node::text(value.as_ref())), Node::text))
}

fn payment_type(method: &str) -> Option<&'static str> {
    Some(match method {
        "ach" => "ACH",
        "card" => "Credit Card",
        "check" => "Check",
        "cash" => "Cash",
        "money_order" => "Money Order",
        "other" => "Other",
        _ => return None,
    })
}

fn payment_status(status: &str) -> Option<&'static str> {
    Some(match status {
        "captured" => "Captured",
        "returned" => "Returned",
        "voided" => "Voided",
        _ => return None,
    })
}
