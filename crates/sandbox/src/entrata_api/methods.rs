//! Which methods each service serves, in which version, and paging: a call read from the envelope
//! becomes an `Answer` (or a refusal) over the store as it stands.

use std::collections::HashMap;

use super::envelope::{Call, Refusal, bad_param};
use super::state::EntrataApiShared;
use super::{financial, leases, ledger, payments, reference};
use crate::locks::read;

/// A method's result and how its `code` is written.
#[derive(Debug)]
pub struct Answer {
    /// `"200"` rather than `200` (getProperties, getLeases and getArPayments, section 7.1).
    pub code_as_text: bool,
    pub result: super::json::Node,
}

impl Answer {
    pub fn int_code(result: super::json::Node) -> Answer {
        Answer { code_as_text: false, result }
    }

    pub fn text_code(result: super::json::Node) -> Answer {
        Answer { code_as_text: true, result }
    }
}

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

/// `?page_no=N&per_page=M` of a paginated method: page from 1, `per_page` 5 to `perPageMax`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    pub page_no: usize,
    pub per_page: usize,
}

impl Paging {
    fn read(query: &HashMap<String, String>, per_page_max: u32) -> Result<Paging, Refusal> {
        let number = |name: &str, min: u64, max: u64, default: u64| -> Result<usize, Refusal> {
            let Some(text) = query.get(name) else {
                return usize::try_from(default).map_err(|_| bad_param(name, "too large"));
            };
            match text.trim().parse::<u64>() {
                Ok(n) if (min..=max).contains(&n) => {
                    usize::try_from(n).map_err(|_| bad_param(name, "too large"))
                }
                _ => Err(bad_param(name, format!("{text:?} must be a whole number from {min} to {max}"))),
            }
        };
        let max = u64::from(per_page_max);
        Ok(Paging {
            page_no: number("page_no", 1, u64::from(u32::MAX), 1)?,
            per_page: number("per_page", 5, max.max(5), max)?,
        })
    }

    /// The slice of `items` this page holds.
    pub fn page<T>(&self, items: Vec<T>) -> Vec<T> {
        let skip = (self.page_no - 1).saturating_mul(self.per_page);
        items.into_iter().skip(skip).take(self.per_page).collect()
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
    match name {
        "getProperties" => reference::get_properties(&store, params),
        "getArCodes" => reference::get_ar_codes(&store, params),
        "getLeases" => {
            let paging = Paging::read(query, shared.config.per_page_max)?;
            leases::get_leases(&store, params, paging)
        }
        "getLeaseArTransactions" => {
            let paging = Paging::read(query, shared.config.per_page_max)?;
            ledger::get_lease_ar_transactions(&store, params, paging)
        }
        "getArPayments" => payments::get_ar_payments(&store, params, shared.config.answer_cap),
        "getGlTransactions" => {
            let exported = crate::locks::lock(&shared.exported).clone();
            financial::get_gl_transactions(&store, params, &exported)
        }
        "markGlTransactionsExported" => {
            drop(store);
            financial::mark_exported(shared, params)
        }
        _ => Err(Refusal::MethodNotFound(format!("Method not found: {name:?}"))),
    }
}
