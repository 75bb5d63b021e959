//! `financial`/`getGlTransactions` and `markGlTransactionsExported` r1 (docs/sources.md sections
//! 2.9.6 and 7.2): the dataset's deposits as debit lines on their bank accounts' GL, one `glDetail`
//! per deposit, and the export marks a client sets on them.

use std::collections::BTreeSet;

use super::answer::Answer;
use super::dates::{MonthForm, date, month, ymd};
use super::envelope::{Params, Refusal, bad_param, no_records};
use super::fields::{Fields, by_id};
use super::json::{Node, Obj, one_or_many};
use super::state::EntrataApiShared;
use crate::dataset::raw::as_str;
use crate::dataset::schema::EntrataKind;
use crate::locks::lock;
use crate::store::Store;

/// One bank account's GL lines: its id and name as written, and its deposits' details.
struct Account {
    key: String,
    id: Option<Node>,
    name: Option<Node>,
    details: Vec<Node>,
}

/// `getGlTransactions`: per requested property, one `transaction` per bank account, with its
/// deposits in the `postDateFrom`..=`postDateTo` window. Deleted deposits are not listed, nor,
/// with `excludeExportedTransactions=1`, those marked exported.
pub fn get_gl_transactions(
    store: &Store,
    params: &Params<'_>,
    exported: &BTreeSet<String>,
) -> Result<Answer, Refusal> {
    let properties = params.list("propertyIds")?.filter(|ids| !ids.is_empty());
    let properties = properties.ok_or_else(|| bad_param("propertyIds", "is required"))?;
    let from = params.date("postDateFrom")?;
    let to = params.date("postDateTo")?;
    let exclude_exported = params.flag("excludeExportedTransactions")?;
    let mut nodes = Vec::new();
    for property in &properties {
        let Some(property_item) = store.get(EntrataKind::Properties, property) else { continue };
        // Bank account (as written) -> its name and its deposits' lines, in first-seen order.
        let mut accounts: Vec<Account> = Vec::new();
        for item in by_id(store, EntrataKind::Deposits, property) {
            let fields = Fields::of(item);
            let day = fields.text("depositDate").and_then(|d| ymd(&d));
            let outside = day.is_some_and(|d| from.is_some_and(|f| d < f) || to.is_some_and(|t| d > t));
            if fields.deleted() || outside || (exclude_exported && exported.contains(&*item.id)) {
                continue;
            }
            let key = fields.raw("bankAccountId").map(|v| v.get().to_owned()).unwrap_or_default();
            let at = match accounts.iter().position(|a| a.key == key) {
                Some(at) => at,
                None => {
                    let (id, name) = (fields.node("bankAccountId"), fields.node("bankAccountName"));
                    accounts.push(Account { key, id, name, details: Vec::new() });
                    accounts.len() - 1
                }
            };
            accounts[at].details.push(detail(&fields, &item.id));
        }
        if accounts.is_empty() {
            continue;
        }
        let transactions = accounts
            .into_iter()
            .map(|account| {
                let attributes =
                    Obj::new().maybe("accountId", account.id).maybe("accountName", account.name).build();
                Obj::new()
                    .with("@attributes", attributes)
                    .with("glDetails", one_or_many("glDetail", account.details))
                    .build()
            })
            .collect();
        let property = Fields::of(property_item);
        let attributes = Obj::new()
            .maybe("id", property.node("propertyId"))
            .maybe("name", property.node("name"))
            .maybe("lookupCode", property.node("code"))
            .build();
        nodes.push(
            Obj::new()
                .with("@attributes", attributes)
                .with("transactions", one_or_many("transaction", transactions))
                .build(),
        );
    }
    if nodes.is_empty() {
        return Ok(Answer::int_code(no_records()));
    }
    Ok(Answer::int_code(Obj::new().with("properties", one_or_many("property", nodes)).build()))
}

fn detail(fields: &Fields<'_>, id: &str) -> Node {
    let attributes = Obj::new()
        .maybe("id", fields.node("depositId"))
        .with("transactionType", Node::text("Deposit"))
        .build();
    let payments: Vec<String> =
        fields.list("paymentIds").into_iter().filter_map(|p| as_str(p).map(|p| p.into_owned())).collect();
    Obj::new()
        .with("@attributes", attributes)
        .maybe("transactionDate", fields.raw("depositDate").map(date))
        .maybe("postDate", fields.raw("depositDate").map(date))
        .maybe("postMonth", fields.raw("postMonth").map(|m| month(m, MonthForm::MonthYear)))
        .maybe("debit", fields.node("amount"))
        .with("credit", Node::text("0.00"))
        .with("reference", Node::text(format!("Deposit {id}")))
        // Section 7.3.
        .with("arPaymentIds", Node::text(payments.join(",")))
        .maybe("currencyCode", fields.node("currency"))
        .build()
}

/// `markGlTransactionsExported`: records the ids (`glDetailId`, comma-separated), which
/// `GET /_sandbox/state` lists and `excludeExportedTransactions=1` then leaves out.
pub fn mark_exported(shared: &EntrataApiShared, params: &Params<'_>) -> Result<Answer, Refusal> {
    let ids = params.list("glDetailId")?.filter(|ids| !ids.is_empty());
    let ids = ids.ok_or_else(|| bad_param("glDetailId", "is required"))?;
    let count = ids.len();
    lock(&shared.exported).extend(ids);
    tracing::info!(count, "Entrata API: GL details marked exported");
    let message = format!("{count} GL transaction(s) marked as exported.");
    let result =
        Obj::new().with("status", Node::text("Success")).with("message", Node::text(message)).build();
    Ok(Answer::int_code(result))
}
