//! `leases`/`getLeases` r1 (docs/sources.md sections 2.9.3 and 7.2), paginated by lease: a lease
//! with its interval, customers and scheduled charges (rent, fees, deposit) on Entrata's AR codes.

use super::answer::{Answer, Paging};
use super::dates::date;
use super::envelope::{Params, Refusal};
use super::fields::{ArCodes, Fields, by_id};
use super::json::{Node, Obj, one_or_many};
use crate::dataset::schema::EntrataKind;
use crate::store::Store;

/// Entrata's lease status ids (`getLeasePickList`): 1 Applicant, 2 Cancelled, 4 Current, 5 Notice, 6 Past.
pub fn status_type_id(status: &str) -> Option<i64> {
    match status {
        "pending_signature" => Some(1),
        "cancelled" => Some(2),
        "active" => Some(4),
        "notice" => Some(5),
        "past" => Some(6),
        _ => None,
    }
}

/// The lease interval id the sandbox gives a lease (its one interval).
pub fn interval_id(lease_id: &str) -> String {
    format!("li-{lease_id}")
}

pub fn get_leases(store: &Store, params: &Params<'_>, paging: Paging) -> Result<Answer, Refusal> {
    let property = params.required("propertyId")?;
    let lease_ids = params.list("leaseIds")?;
    let status_ids = params.list("leaseStatusTypeIds")?;
    let codes = ArCodes::of(store);
    let mut leases = Vec::new();
    for item in by_id(store, EntrataKind::Leases, &property) {
        let fields = Fields::of(item);
        if fields.deleted()
            || lease_ids.as_ref().is_some_and(|ids| !ids.iter().any(|id| id.as_str() == &*item.id))
        {
            continue;
        }
        let status = fields.text("status");
        let status_id = status.as_deref().and_then(status_type_id);
        if let Some(wanted) = &status_ids
            && !status_id.is_some_and(|id| wanted.iter().any(|w| *w == id.to_string()))
        {
            continue;
        }
        leases.push((item, status_id));
    }
    let currency = store.get(EntrataKind::Properties, &property).and_then(|p| Fields::of(p).node("currency"));
    let nodes =
        paging.page(leases).into_iter().map(|(item, status_id)| lease(item, status_id, &codes)).collect();
    let result =
        Obj::new().maybe("currencyCode", currency).with("leases", one_or_many("lease", nodes)).build();
    Ok(Answer::text_code(result))
}

fn lease(item: &crate::dataset::item::Item, status_id: Option<i64>, codes: &ArCodes) -> Node {
    let fields = Fields::of(item);
    // A string, as Entrata's spec types every getLeases field (its pick lists' ids are numbers,
    // and no real getLeases capture says which); an unknown status is served as written.
    let status = status_id.map(|id| Node::text(id.to_string())).or_else(|| fields.node("status"));
    let interval = Obj::new()
        .with("id", Node::text(interval_id(&item.id)))
        .maybe("startDate", fields.raw("startDate").map(date))
        .maybe("endDate", fields.raw("endDate").map(date))
        .build();
    Obj::new()
        .maybe("id", fields.node("leaseId"))
        .maybe("propertyId", fields.node("propertyId"))
        .maybe("unitId", fields.node("unitId"))
        .maybe("leaseStatusTypeId", status)
        .maybe("moveInDate", fields.raw("moveInDate").map(date))
        .maybe("moveOutDate", fields.raw("moveOutDate").map(date))
        .with("leaseIntervalId", Node::text(interval_id(&item.id)))
        .with("leaseIntervals", one_or_many("leaseInterval", vec![interval]))
        .with("customers", one_or_many("customer", customers(&fields)))
        .with("scheduledCharges", one_or_many("scheduledCharge", scheduled_charges(&item.id, &fields, codes)))
        // Section 7.3.
        .maybe("leaseNumber", fields.node("number"))
        .maybe("currencyCode", fields.node("currency"))
        .build()
}

fn customers(fields: &Fields<'_>) -> Vec<Node> {
    let customer =
        |id: Node, kind: &str| Obj::new().with("id", id).with("customerType", Node::text(kind)).build();
    let mut out: Vec<Node> =
        fields.node("primaryResidentId").map(|id| customer(id, "Primary")).into_iter().collect();
    out.extend(fields.list("coResidentIds").into_iter().map(|id| customer(Node::raw(id), "Responsible")));
    out
}

/// The rent (`Monthly`, on the rent-type code), each fee (`Monthly` or `One Time`, on the code the
/// fee names), the deposit (`One Time`, on the deposit-type code).
fn scheduled_charges(lease_id: &str, fields: &Fields<'_>, codes: &ArCodes) -> Vec<Node> {
    let charge = |id: String, code: Option<Node>, name: Option<Node>, amount: Node, frequency: &str| {
        Obj::new()
            .with("id", Node::text(id))
            .maybe("chargeCodeId", code)
            .maybe("chargeCodeName", name)
            .with("amount", amount)
            .with("frequency", Node::text(frequency))
            .build()
    };
    let mut out = Vec::new();
    if let Some(rent) = fields.node("rent") {
        let name = Some(Node::text("Rent"));
        out.push(charge(format!("sc-{lease_id}-rent"), codes.of_type("rent"), name, rent, "Monthly"));
    }
    for (i, fee) in fields.objects("fees").iter().enumerate() {
        let Some(amount) = fee.node("amount") else { continue };
        let frequency = if fee.is("frequency", "monthly") { "Monthly" } else { "One Time" };
        out.push(charge(
            format!("sc-{lease_id}-fee-{}", i + 1),
            codes.id_for(fee, "code"),
            fee.node("description").or_else(|| codes.name_for(fee, "code")),
            amount,
            frequency,
        ));
    }
    if let Some(deposit) = fields.node("deposit") {
        let name = Some(Node::text("Security Deposit"));
        out.push(charge(
            format!("sc-{lease_id}-deposit"),
            codes.of_type("deposit"),
            name,
            deposit,
            "One Time",
        ));
    }
    out
}
