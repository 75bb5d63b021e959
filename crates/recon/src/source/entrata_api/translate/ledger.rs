//! The ledger's side of the translation: charges and the payments' lines from
//! getLeaseArTransactions, payments from getArPayments, and deposits from the GL.

use std::collections::{BTreeMap, HashMap};

use super::super::json::{self, Obj, plain, quote};
use super::super::shape::*;
use super::{Codes, Draft};

/// A payment's line in the ledger: where the payment sits, or (amount positive) its reversal.
#[derive(Debug, Clone, Default)]
pub struct PaymentLine {
    pub lease_id: String,
    pub resident_id: String,
    pub post_date: String,
    pub post_month: String,
    pub reversal: Option<(String, String)>,
}

/// The charges of one property's ledger, the payments' lines by payment id, and how many
/// temporary transactions were left out.
pub struct Ledger {
    pub charges: Vec<Draft>,
    /// The date each charge is filed under in the window (transaction date, else post date).
    pub charge_dates: BTreeMap<String, String>,
    pub payments: BTreeMap<String, PaymentLine>,
    pub temporary: u64,
}

pub fn ledger(
    leases: Vec<LedgerLease<'_>>,
    property: &str,
    currency: Option<&str>,
    codes: &Codes,
    include_temporary: bool,
) -> Ledger {
    let mut out = Ledger {
        charges: Vec::new(),
        charge_dates: BTreeMap::new(),
        payments: BTreeMap::new(),
        temporary: 0,
    };
    for lease in leases {
        let lease_id = json::id(lease.lease_id.or(lease.id));
        let lease_property = plain(lease.property_id).unwrap_or_else(|| property.to_owned());
        let mut holders: Vec<(String, LedgerNode<'_>)> =
            lease.ledgers.into_vec().into_iter().map(|l| ("null".to_owned(), l)).collect();
        for customer in lease.customers.into_vec() {
            let resident = json::id(customer.id);
            holders.extend(customer.ledgers.into_vec().into_iter().map(|l| (resident.clone(), l)));
        }
        for (resident, ledger) in holders {
            for t in ledger.transactions.into_vec() {
                if !include_temporary && json::flag(t.is_temporary) == "true" {
                    out.temporary += 1;
                    continue;
                }
                if plain(t.ar_payment_id).is_some() || codes.is_payment_code(t.ar_code_id) {
                    let Some(payment) = plain(t.ar_payment_id) else { continue };
                    let negative = t
                        .amount
                        .is_some_and(|a| a.get().trim().trim_matches('"').trim_start().starts_with('-'));
                    let line = out.payments.entry(payment).or_default();
                    if negative {
                        line.lease_id = lease_id.clone();
                        line.resident_id = resident.clone();
                        line.post_date = json::date(t.post_date);
                        line.post_month = json::month(t.post_month);
                    } else {
                        line.reversal = Some((json::date(t.post_date), json::month(t.post_month)));
                    }
                    continue;
                }
                let id = plain(t.id).unwrap_or_default();
                let filed = plain(t.transaction_date).or(plain(t.post_date)).unwrap_or_default();
                out.charge_dates
                    .insert(id.clone(), json::parse_date(&filed).map(|d| d.to_string()).unwrap_or_default());
                let mut o = Obj::new();
                o.json("chargeId", &json::id(t.id))
                    .text("propertyId", &lease_property)
                    .json("leaseId", &lease_id)
                    .json("residentId", &resident)
                    .json("unitId", &json::id(t.unit_id))
                    .json("arCode", &codes.key(t.ar_code_id))
                    .raw("description", t.description)
                    .raw("amount", t.amount);
                if t.tax_amount.is_some() {
                    o.raw("taxAmount", t.tax_amount);
                }
                match t.currency_code {
                    Some(stated) => o.raw("currency", Some(stated)),
                    None => o.opt_text("currency", currency),
                }
                .json("transactionDate", &json::date(t.transaction_date))
                .json("postDate", &json::date(t.post_date))
                .json("postMonth", &json::month(t.post_month))
                .json("servicePeriodStart", &json::date(t.service_period_start))
                .json("servicePeriodEnd", &json::date(t.service_period_end))
                .json("reversesChargeId", &json::id(t.original_ar_transaction_id))
                .json("scheduledChargeId", &json::id(t.scheduled_charge_id))
                .text("status", "posted");
                out.charges.push(Draft::from(id, o));
            }
        }
    }
    out
}

fn method(text: Option<&str>) -> &'static str {
    let lower = text.unwrap_or("").trim().to_ascii_lowercase();
    match lower.as_str() {
        "ach" | "echeck" | "e-check" => "ach",
        "check" | "check 21" | "personal check" | "cashiers check" | "cashier's check" => "check",
        "cash" => "cash",
        "money order" => "money_order",
        l if l.contains("card") || ["visa", "mastercard", "amex", "discover"].contains(&l) => "card",
        _ => "other",
    }
}

fn payment_status(node: &PaymentNode<'_>) -> &'static str {
    match node.payment_status.as_deref().unwrap_or("").trim().to_ascii_lowercase().as_str() {
        "returned" => "returned",
        "voided" | "void" | "reversed" => "voided",
        _ if node.returned_on.as_deref().is_some_and(|r| !r.trim().is_empty()) => "returned",
        _ => "captured",
    }
}

/// Payments, placed by their ledger lines. A payment's deposit is the one it names (`DepositId`,
/// which the sandbox adds), else the deposit whose GL line lists it (`deposits`).
pub fn payments(
    nodes: Vec<PaymentNode<'_>>,
    property: &str,
    lines: &BTreeMap<String, PaymentLine>,
    deposits: &HashMap<String, String>,
    currency: Option<&str>,
    codes: &Codes,
    zone: chrono_tz::Tz,
) -> Vec<Draft> {
    let mut drafts = Vec::new();
    for p in nodes {
        let id = plain(p.ar_payment_id).unwrap_or_default();
        let line = lines.get(&id).cloned().unwrap_or_default();
        let or_null = |s: &str| if s.is_empty() { "null".to_owned() } else { s.to_owned() };
        let status = payment_status(&p);
        let received =
            p.captured_on.as_deref().or(p.payment_date.as_deref()).and_then(|t| json::local_time(t, zone));
        let (returned_date, return_month) = match (status, &line.reversal) {
            ("captured", _) => ("null".to_owned(), "null".to_owned()),
            (_, Some((date, month))) => (date.clone(), month.clone()),
            (_, None) => {
                let date = p.returned_on.as_deref().and_then(json::parse_date);
                (
                    date.map_or("null".to_owned(), |d| quote(&d.to_string())),
                    date.map_or("null".to_owned(), |d| quote(&d.format("%Y-%m").to_string())),
                )
            }
        };
        let allocations: Vec<String> = p
            .ar_allocations
            .into_vec()
            .into_iter()
            .map(|a| {
                let mut o = Obj::new();
                o.json("chargeId", &json::id(a.ar_transaction_id))
                    .json("arCode", &codes.key(a.charge_code_id))
                    .raw("amount", a.amount);
                o.finish()
            })
            .collect();
        let currency = plain(p.currency_code).or(currency.map(str::to_owned));
        let mut o = Obj::new();
        o.json("paymentId", &json::id(p.ar_payment_id))
            .text("propertyId", property)
            .json("leaseId", &or_null(&line.lease_id))
            .json("residentId", &json::id(p.customer_id))
            .raw("amount", p.payment_amount)
            .opt_text("currency", currency.as_deref())
            .text("method", method(p.payment_type.as_deref()))
            .text("status", status)
            .opt_text("receivedAt", received.as_deref())
            .json("postDate", &or_null(&line.post_date))
            .json("postMonth", &or_null(&line.post_month))
            .json("returnedDate", &returned_date)
            .json("returnPostMonth", &return_month)
            .raw("returnReason", p.return_reason)
            .json(
                "depositId",
                &match p.deposit_id {
                    Some(stated) => json::id(Some(stated)),
                    None => deposits.get(&id).map_or("null".to_owned(), |d| quote(d)),
                },
            )
            .json("allocations", &format!("[{}]", allocations.join(",")));
        drafts.push(Draft::from(id, o));
    }
    drafts
}

/// Deposits from the bank GL lines of type `Deposit`; also which deposit lists each payment.
pub fn deposits(
    result: GlResult<'_>,
    property: &str,
    currency: Option<&str>,
) -> (Vec<Draft>, HashMap<String, String>) {
    let mut drafts = Vec::new();
    let mut of_payment = HashMap::new();
    for gl_property in result.properties.into_vec() {
        for account in gl_property.transactions.into_vec() {
            for detail in account.gl_details.into_vec() {
                let is_deposit = detail
                    .attributes
                    .transaction_type
                    .as_deref()
                    .is_some_and(|t| t.trim().eq_ignore_ascii_case("deposit"));
                if !is_deposit {
                    continue;
                }
                let id = plain(detail.attributes.id).unwrap_or_default();
                let payment_ids: Vec<String> = detail
                    .ar_payment_ids
                    .as_deref()
                    .unwrap_or("")
                    .split(',')
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .map(str::to_owned)
                    .collect();
                for p in &payment_ids {
                    of_payment.insert(p.clone(), id.clone());
                }
                let currency = plain(detail.currency_code).or(currency.map(str::to_owned));
                let quoted: Vec<String> = payment_ids.iter().map(|p| quote(p)).collect();
                let mut o = Obj::new();
                o.json("depositId", &json::id(detail.attributes.id))
                    .text("propertyId", property)
                    .json("bankAccountId", &json::id(account.attributes.account_id))
                    .raw("bankAccountName", account.attributes.account_name)
                    .json("depositDate", &json::date(detail.transaction_date.or(detail.post_date)))
                    .json("postMonth", &json::month(detail.post_month))
                    .raw("amount", detail.debit)
                    .opt_text("currency", currency.as_deref())
                    .json("paymentIds", &format!("[{}]", quoted.join(",")))
                    .text("status", "posted");
                drafts.push(Draft::from(id, o));
            }
        }
    }
    (drafts, of_payment)
}
