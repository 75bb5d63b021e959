//! `artransactions`/`getLeaseArTransactions` r1 (docs/sources.md sections 2.9.4 and 7.2): a
//! property's ledger as `leases.lease[] -> customers.customer[] -> ledgers.ledger ->
//! transactions.transaction[]`, paginated by lease node.
//!
//! A charge is transaction type 1; a payment is type 2 on the payment code with its amount negated
//! (credits are negative on Entrata's ledger); a returned or voided payment adds its reversal, type
//! 3, on the return's date and month. Without `showFullLedger=1` Entrata lists only open items,
//! which the sandbox (which knows no balances) takes as none; without `includeReversals=1` it
//! lists no reversal (a payment's, or a charge that reverses another). A deleted item is not
//! listed, and nor is anything without a lease. The date window is inclusive, on
//! `transactionDate`, else `postDate`; an item whose date does not read is in every window, so
//! that the adapter's quarantine sees it.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde_json::value::RawValue;

use super::answer::{Answer, Paging};
use super::dates::{MonthForm, date, month, ymd};
use super::envelope::{Params, Refusal, no_records};
use super::fields::{ArCodes, Fields, by_id};
use super::json::{Node, Obj, negated, one_or_many};
use super::reference::PAYMENT_CODE_ID;
use crate::dataset::raw::as_str;
use crate::dataset::schema::EntrataKind;
use crate::store::Store;

/// The inclusive date window of a call.
#[derive(Debug, Clone, Copy, Default)]
struct Window {
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
}

impl Window {
    /// Whether an item dated `value` is listed, and the key it is ordered by in its ledger.
    fn admits(&self, value: Option<&RawValue>) -> Option<String> {
        let text = value.and_then(as_str).map(|t| t.into_owned()).unwrap_or_default();
        match ymd(&text) {
            Some(day) if self.from.is_some_and(|f| day < f) || self.to.is_some_and(|t| day > t) => None,
            _ => Some(text),
        }
    }
}

/// One customer's transactions under a lease.
#[derive(Default)]
struct Customer {
    id: Option<Node>,
    /// (date, id) -> transaction.
    transactions: BTreeMap<(String, String), Node>,
}

/// A lease node being filled: its customers by id (as written).
struct LeaseNode<'a> {
    fields: Fields<'a>,
    customers: BTreeMap<String, Customer>,
}

impl LeaseNode<'_> {
    /// Files a transaction under the item's resident, or the lease's primary resident.
    fn add(&mut self, resident: Option<&RawValue>, key: (String, String), transaction: Node) {
        let resident = resident.or_else(|| self.fields.raw("primaryResidentId"));
        let slot =
            self.customers.entry(resident.map(|r| r.get().to_owned()).unwrap_or_default()).or_default();
        slot.id = resident.map(Node::raw);
        slot.transactions.insert(key, transaction);
    }

    fn into_node(self) -> Node {
        let customers = self
            .customers
            .into_values()
            .map(|customer| {
                let transactions = one_or_many("transaction", customer.transactions.into_values().collect());
                let ledger = Obj::new()
                    .with("id", Node::Int(1))
                    .with("name", Node::text("Resident"))
                    .with("transactions", transactions)
                    .build();
                Obj::new()
                    .maybe("id", customer.id)
                    .with("ledgers", one_or_many("ledger", vec![ledger]))
                    .build()
            })
            .collect();
        Obj::new()
            .maybe("id", self.fields.node("leaseId"))
            .maybe("propertyId", self.fields.node("propertyId"))
            .with("customers", one_or_many("customer", customers))
            .build()
    }
}

pub fn get_lease_ar_transactions(
    store: &Store,
    params: &Params<'_>,
    paging: Paging,
) -> Result<Answer, Refusal> {
    let property = params.required("propertyId")?;
    let lease_ids = params.list("leaseIds")?;
    let full = params.flag("showFullLedger")?;
    let reversals = params.flag("includeReversals")?;
    let window = Window { from: params.date("transactionFromDate")?, to: params.date("transactionToDate")? };
    if !full {
        return Ok(Answer::int_code(no_records()));
    }
    let mut leases: BTreeMap<&str, LeaseNode<'_>> = BTreeMap::new();
    for item in by_id(store, EntrataKind::Leases, &property) {
        let fields = Fields::of(item);
        let wanted = lease_ids.as_ref().is_none_or(|ids| ids.iter().any(|id| id.as_str() == &*item.id));
        if wanted && !fields.deleted() {
            leases.insert(&item.id, LeaseNode { fields, customers: BTreeMap::new() });
        }
    }
    let codes = ArCodes::of(store);
    for item in store.all(EntrataKind::Charges, &property) {
        let fields = Fields::of(item);
        let lease = fields.text("leaseId").and_then(|id| leases.get_mut(id.as_ref()));
        let (Some(lease), false) = (lease, fields.deleted()) else { continue };
        if !reversals && fields.raw("reversesChargeId").is_some() {
            continue;
        }
        let Some(day) = window.admits(fields.raw("transactionDate").or(fields.raw("postDate"))) else {
            continue;
        };
        lease.add(fields.raw("residentId"), (day, item.id.to_string()), charge(&fields, &codes));
    }
    for item in store.all(EntrataKind::Payments, &property) {
        let fields = Fields::of(item);
        let lease = fields.text("leaseId").and_then(|id| leases.get_mut(id.as_ref()));
        let (Some(lease), false) = (lease, fields.deleted()) else { continue };
        let resident = fields.raw("residentId");
        if let Some(day) = window.admits(fields.raw("postDate")) {
            let id = format!("pmt-{}", item.id);
            lease.add(resident, (day, id.clone()), payment(&fields, id));
        }
        let returned = fields.is("status", "returned") || fields.is("status", "voided");
        if let (true, true, Some(day)) = (reversals, returned, window.admits(fields.raw("returnedDate"))) {
            let id = format!("pmtr-{}", item.id);
            lease.add(resident, (day, id.clone()), reversal(&fields, id));
        }
    }
    let listed: Vec<LeaseNode<'_>> = leases.into_values().filter(|l| !l.customers.is_empty()).collect();
    let page: Vec<Node> = paging.page(listed).into_iter().map(LeaseNode::into_node).collect();
    if page.is_empty() {
        return Ok(Answer::int_code(no_records()));
    }
    let result = Obj::new().with("leases", one_or_many("lease", page)).build();
    Ok(Answer::int_code(result))
}

fn charge(fields: &Fields<'_>, codes: &ArCodes) -> Node {
    let dated = |name: &str| fields.raw(name).map(date);
    Obj::new()
        .maybe("id", fields.node("chargeId"))
        .with("transactionTypeId", Node::Int(1))
        .maybe("arCodeId", codes.id_for(fields, "arCode"))
        .maybe("arCodeName", codes.name_for(fields, "arCode"))
        .maybe("description", fields.node("description"))
        .maybe("transactionDate", dated("transactionDate"))
        .maybe("postDate", dated("postDate"))
        .maybe("postMonth", fields.raw("postMonth").map(|m| month(m, MonthForm::FirstDay)))
        .with("isTemporary", Node::Int(0))
        .maybe("amount", fields.node("amount"))
        .maybe("scheduledChargeId", fields.node("scheduledChargeId"))
        // Section 7.3: what Entrata's public material has no field for.
        .maybe("taxAmount", fields.node("taxAmount"))
        .maybe("servicePeriodStart", dated("servicePeriodStart"))
        .maybe("servicePeriodEnd", dated("servicePeriodEnd"))
        .maybe("originalArTransactionId", fields.node("reversesChargeId"))
        .maybe("unitId", fields.node("unitId"))
        .maybe("currencyCode", fields.node("currency"))
        .build()
}

fn payment(fields: &Fields<'_>, id: String) -> Node {
    let amount = fields.raw("amount").map(|a| negated(a).unwrap_or_else(|| Node::raw(a)));
    Obj::new()
        .with("id", Node::text(id))
        .with("transactionTypeId", Node::Int(2))
        .with("arCodeId", Node::text(PAYMENT_CODE_ID))
        .maybe("arPaymentId", fields.node("paymentId"))
        .maybe("postDate", fields.raw("postDate").map(date))
        .maybe("postMonth", fields.raw("postMonth").map(|m| month(m, MonthForm::FirstDay)))
        .with("isTemporary", Node::Int(0))
        .maybe("amount", amount)
        .build()
}

fn reversal(fields: &Fields<'_>, id: String) -> Node {
    Obj::new()
        .with("id", Node::text(id))
        .with("transactionTypeId", Node::Int(3))
        .with("arCodeId", Node::text(PAYMENT_CODE_ID))
        .maybe("arPaymentId", fields.node("paymentId"))
        .maybe("transactionDate", fields.raw("returnedDate").map(date))
        .maybe("postDate", fields.raw("returnedDate").map(date))
        .maybe("postMonth", fields.raw("returnPostMonth").map(|m| month(m, MonthForm::FirstDay)))
        .with("isTemporary", Node::Int(0))
        .maybe("amount", fields.node("amount"))
        .build()
}
