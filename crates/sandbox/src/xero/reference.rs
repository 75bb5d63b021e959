//! The organisation's reference data: `GET /Accounts`, `/TrackingCategories`, `/Contacts` (each
//! with `where` and `order`) and `/Organisation` (with the lock dates as `/Date(...)/`).
//!
//! Only values of the enums the SDKs check are written (xero-python refuses an unknown
//! `Timezone`, `Class` or `Version` when it reads the answer).

use std::sync::Arc;

use axum::Extension;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::books::{Account, Contact, TrackingCategory};
use super::filter::{FieldValue, Record};
use super::lists::ListQuery;
use super::wire::{envelope, ms_date, ms_date_time, to_json};
use super::{InTenant, form};
use crate::locks::lock;
use crate::xero::XeroShared;

impl Record for Account {
    const TYPE_NAME: &'static str = "Account";
    fn field(&self, path: &str) -> Option<FieldValue> {
        Some(match path.to_ascii_lowercase().as_str() {
            "accountid" => FieldValue::Str(self.id.clone()),
            "code" => FieldValue::text(self.code.as_deref()),
            "name" => FieldValue::Str(self.name.clone()),
            "type" => FieldValue::Str(self.account_type.clone()),
            "status" => FieldValue::Str(self.status.clone()),
            "class" => FieldValue::Str(self.class.clone()),
            "systemaccount" => FieldValue::text(self.system_account.as_deref()),
            "taxtype" => FieldValue::text(self.tax_type.as_deref()),
            "bankaccountnumber" => FieldValue::text(self.bank_account_number.as_deref()),
            "currencycode" => FieldValue::text(self.currency_code.as_deref()),
            "updateddateutc" => FieldValue::Date(self.updated_at.naive_utc()),
            _ => return None,
        })
    }
}

impl Record for Contact {
    const TYPE_NAME: &'static str = "Contact";
    fn field(&self, path: &str) -> Option<FieldValue> {
        Some(match path.to_ascii_lowercase().as_str() {
            "contactid" => FieldValue::Str(self.id.clone()),
            "name" => FieldValue::Str(self.name.clone()),
            "contactstatus" => FieldValue::Str(self.status.clone()),
            "updateddateutc" => FieldValue::Date(self.updated_at.naive_utc()),
            _ => return None,
        })
    }
}

impl Record for TrackingCategory {
    const TYPE_NAME: &'static str = "TrackingCategory";
    fn field(&self, path: &str) -> Option<FieldValue> {
        Some(match path.to_ascii_lowercase().as_str() {
            "trackingcategoryid" => FieldValue::Str(self.id.clone()),
            "name" => FieldValue::Str(self.name.clone()),
            "status" => FieldValue::Str(self.status.clone()),
            _ => return None,
        })
    }
}

fn insert_some(object: &mut Map<String, Value>, key: &str, value: Option<&str>) {
    if let Some(value) = value {
        object.insert(key.to_owned(), json!(value));
    }
}

pub fn account_json(a: &Account) -> Value {
    let mut o = Map::new();
    o.insert("AccountID".into(), json!(a.id));
    insert_some(&mut o, "Code", a.code.as_deref());
    o.insert("Name".into(), json!(a.name));
    o.insert("Status".into(), json!(a.status));
    o.insert("Type".into(), json!(a.account_type));
    o.insert("TaxType".into(), json!(a.tax_type.as_deref().unwrap_or("NONE")));
    o.insert("Class".into(), json!(a.class));
    insert_some(&mut o, "SystemAccount", a.system_account.as_deref());
    o.insert("EnablePaymentsToAccount".into(), json!(false));
    o.insert("ShowInExpenseClaims".into(), json!(false));
    if a.is_bank() {
        o.insert("BankAccountType".into(), json!("BANK"));
        insert_some(&mut o, "BankAccountNumber", a.bank_account_number.as_deref());
    }
    insert_some(&mut o, "CurrencyCode", a.currency_code.as_deref());
    o.insert("ReportingCode".into(), json!(a.class.chars().take(3).collect::<String>()));
    o.insert("HasAttachments".into(), json!(false));
    o.insert("UpdatedDateUTC".into(), json!(ms_date_time(a.updated_at)));
    o.insert("AddToWatchlist".into(), json!(false));
    Value::Object(o)
}

pub fn contact_json(c: &Contact) -> Value {
    json!({"ContactID": c.id, "ContactStatus": c.status, "Name": c.name, "Addresses": [], "Phones": [],
        "UpdatedDateUTC": ms_date_time(c.updated_at), "ContactGroups": [], "IsSupplier": false,
        "IsCustomer": true, "ContactPersons": [], "HasAttachments": false, "HasValidationErrors": false})
}

pub fn tracking_json(t: &TrackingCategory, include_archived: bool) -> Value {
    let options: Vec<Value> = t
        .options
        .iter()
        .filter(|o| include_archived || o.status == "ACTIVE")
        .map(|o| {
            json!({"TrackingOptionID": o.id, "Name": o.name, "Status": o.status,
                "HasValidationErrors": false, "IsDeleted": false, "IsArchived": o.status == "ARCHIVED",
                "IsActive": o.status == "ACTIVE"})
        })
        .collect();
    json!({"Name": t.name, "Status": t.status, "TrackingCategoryID": t.id, "Options": options})
}

/// Runs a list query over `records` and answers `{key: [...]}` in the envelope.
fn answer<'a, R: Record + 'a>(
    shared: &XeroShared,
    headers: &HeaderMap,
    uri: &Uri,
    key: &str,
    order: &str,
    records: impl Iterator<Item = &'a R>,
    render: impl Fn(&R) -> Value,
) -> Response {
    let mut query = match ListQuery::read(headers, uri, order) {
        Ok(query) => query,
        Err(failure) => return failure.into_response(),
    };
    // These lists are not paged in the sandbox (an organisation's chart fits in one answer).
    query.page = None;
    let since = query.modified_since;
    query.modified_since = None;
    let (selected, _) = match query.apply(records, |_| chrono::DateTime::<chrono::Utc>::MAX_UTC) {
        Ok(selected) => selected,
        Err(failure) => return failure.into_response(),
    };
    let updated = |r: &R| match r.field("UpdatedDateUTC") {
        Some(FieldValue::Date(at)) => Some(at.and_utc()),
        _ => None,
    };
    let items: Vec<Value> = selected
        .into_iter()
        .filter(|r| since.is_none_or(|s| updated(r).is_none_or(|at| at > s)))
        .map(render)
        .collect();
    let mut body = Map::new();
    body.insert(key.to_owned(), Value::Array(items));
    to_json(StatusCode::OK, &envelope(shared.clock.now(), None, body))
}

pub async fn accounts(
    State(shared): State<Arc<XeroShared>>,
    Extension(organisation): InTenant,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let books = lock(&organisation.books);
    answer(&shared, &headers, &uri, "Accounts", "Code ASC", books.accounts.iter(), account_json)
}

pub async fn contacts(
    State(shared): State<Arc<XeroShared>>,
    Extension(organisation): InTenant,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let books = lock(&organisation.books);
    answer(&shared, &headers, &uri, "Contacts", "Name ASC", books.contacts.iter(), contact_json)
}

pub async fn tracking_categories(
    State(shared): State<Arc<XeroShared>>,
    Extension(organisation): InTenant,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let include_archived =
        form::get(&form::query(&uri), "includeArchived").is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let books = lock(&organisation.books);
    let visible = books.tracking.iter().filter(|t| include_archived || t.status == "ACTIVE");
    answer(&shared, &headers, &uri, "TrackingCategories", "Name ASC", visible, |t| {
        tracking_json(t, include_archived)
    })
}

pub async fn organisation(
    State(shared): State<Arc<XeroShared>>,
    Extension(organisation): InTenant,
) -> Response {
    let books = lock(&organisation.books);
    let mut org = json!({
        "OrganisationID": books.organisation_id, "Name": books.name, "LegalName": books.name,
        "PaysTax": true, "Version": "US", "OrganisationType": "COMPANY", "BaseCurrency": books.base_currency,
        "CountryCode": "US", "IsDemoCompany": false, "OrganisationStatus": "ACTIVE",
        "FinancialYearEndDay": 31, "FinancialYearEndMonth": 12, "SalesTaxBasis": "ACCRUALS",
        "SalesTaxPeriod": "MONTHLY", "DefaultSalesTax": "Tax Exclusive", "DefaultPurchasesTax": "Tax Exclusive",
        "CreatedDateUTC": format!("/Date({})/", books.created_at.timestamp_millis()),
        "OrganisationEntityType": "COMPANY", "Timezone": "EASTERNSTANDARDTIME", "ShortCode": "!sbx01",
        "Edition": "BUSINESS", "Class": "STANDARD", "Addresses": [], "Phones": [], "ExternalLinks": [],
        "PaymentTerms": {},
    });
    if let (Some(lock_date), Value::Object(o)) = (books.lock_date, &mut org) {
        o.insert("PeriodLockDate".into(), json!(ms_date(lock_date)));
        o.insert("EndOfYearLockDate".into(), json!(ms_date(lock_date)));
    }
    to_json(StatusCode::OK, &envelope(shared.clock.now(), None, json!({"Organisations": [org]})))
}
