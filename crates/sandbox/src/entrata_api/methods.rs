//! Which methods each service serves, in which version, and paging: a call read from the envelope
//! becomes an `Answer` (or a refusal) over the store as it stands.

use std::collections::HashMap;

use super::answer::{Answer, Paging};
use super::envelope::{Call, Refusal};
use super::state::EntrataApiShared;
use super::{financial, leases, ledger, payments, reference};
use crate::locks::read;

/// The services Entrata's API has that the sandbox serves.
pub const SERVICES: [&str; 6] =
    ["properties", "arcodes", "leases", "artransactions", "arpayments", "financial"];

/// The methods of a service (all of version `r1`).
fn methods(service: &str) -> &'static [&'static str] {
    match service {
        "properties" => &["getProperties"],
        "arcodes" => &["getArCodes"],
        "leases" => &["getLeases"],
        "artransactions" => &["getLeaseArTransactions"],
        "arpayments" => &["getArPayments"],
        "financial" => &["getGlTransactions", "markGlTransactionsExported"],
        _ => &[],
    }
}

/// Runs one call of `service`.
pub fn call(
    shared: &EntrataApiShared,
    service: &str,
    call: &Call<'_>,
    query: &HashMap<String, String>,
) -> Result<Answer, Refusal> {
    let name = call.method.as_ref();
    if !methods(service).contains(&name) {
        let known = methods(service).join(", ");
        return Err(Refusal::MethodNotFound(format!(
            "Method not found: {name:?} is not a method of the {service} service (it has {known})"
        )));
    }
    if let Some(version) = call.version.as_deref().filter(|v| *v != "r1") {
        return Err(Refusal::MethodNotFound(format!(
            "Method not found: {name} version {version:?} (the sandbox serves r1)"
        )));
    }
    let params = &call.params;
    let store = read(&shared.store);
    let answer = answer(shared, &store, name, params, query)?;
    Ok(match shared.config.extensions {
        true => answer,
        false => Answer { result: answer.result.without(extensions_of(name)), ..answer },
    })
}

/// The fields the sandbox adds to a method's answer that Entrata's public material does not have
/// (docs/sources.md section 7.3), left out with `entrataApi.extensions = false`.
fn extensions_of(method: &str) -> &'static [&'static str] {
    match method {
        "getProperties" => &["LookupCode", "Timezone", "CurrencyCode"],
        "getArCodes" => &["lookupCode"],
        "getLeases" => &["leaseNumber"],
        "getLeaseArTransactions" => &[
            "taxAmount",
            "servicePeriodStart",
            "servicePeriodEnd",
            "originalArTransactionId",
            "unitId",
            "currencyCode",
        ],
        "getArPayments" => &["DepositId", "ReturnReason"],
        "getGlTransactions" => &["arPaymentIds", "currencyCode"],
        _ => &[],
    }
}

fn answer(
    shared: &EntrataApiShared,
    store: &crate::store::Store,
    name: &str,
    params: &super::envelope::Params<'_>,
    query: &HashMap<String, String>,
) -> Result<Answer, Refusal> {
    match name {
        "getProperties" => reference::get_properties(store, params),
        "getArCodes" => reference::get_ar_codes(store, params),
        "getLeases" => {
            let paging = Paging::read(query, shared.config.per_page_max)?;
            leases::get_leases(store, params, paging)
        }
        "getLeaseArTransactions" => {
            let paging = Paging::read(query, shared.config.per_page_max)?;
            ledger::get_lease_ar_transactions(store, params, paging)
        }
        "getArPayments" => payments::get_ar_payments(store, params, shared.config.answer_cap),
        "getGlTransactions" => {
            let exported = crate::locks::lock(&shared.exported).clone();
            financial::get_gl_transactions(store, params, &exported)
        }
        "markGlTransactionsExported" => financial::mark_exported(shared, params),
        _ => Err(Refusal::MethodNotFound(format!("Method not found: {name:?}"))),
    }
}
