//! The dataset's `qbo` and `xero` sections: the accounting companies the QuickBooks Online and Xero
//! sandboxes serve. Each section is one company (`QboDataset`, `XeroDataset`) or an array of them,
//! all of one app (`companies` reads either). Field names are the vendors' own (PascalCase inside
//! lists), as docs/source-api.md prints them.

use serde::{Deserialize, Serialize};

use super::schema::{Field, Ty};

#[derive(Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QboDataset {
    pub realm_id: String,
    pub client_id: String,
    /// Secret: written only to the env file, never to logs or `/_sandbox/state`.
    #[serde(skip_serializing)]
    pub client_secret: String,
    pub home_currency: Option<String>,
    /// Transactions dated on or before this date are refused (QBO error 6210).
    pub book_close_date: Option<String>,
    /// The company preference that makes a duplicate `DocNumber` an error (6140).
    pub warn_duplicate_doc_num: Option<bool>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub accounts: Vec<QboAccount>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub customers: Vec<QboCustomer>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub classes: Vec<QboNamed>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub departments: Vec<QboNamed>,
    /// This company's throttles, where they differ from the sandbox's `QboLimits`.
    pub limits: Option<QboCompanyLimits>,
}

/// A company's own throttles (`limits`): each one given replaces the sandbox's for this realm.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QboCompanyLimits {
    pub requests_per_minute: Option<u32>,
    pub batch_requests_per_minute: Option<u32>,
    pub max_concurrent: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct QboAccount {
    pub id: String,
    pub name: String,
    pub acct_num: Option<String>,
    pub account_type: String,
    pub account_sub_type: Option<String>,
    pub classification: Option<String>,
    pub active: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct QboCustomer {
    pub id: String,
    pub display_name: String,
    pub active: Option<bool>,
}

/// A QBO Class or Department.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct QboNamed {
    pub id: String,
    pub name: String,
    pub active: Option<bool>,
}

#[derive(Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct XeroDataset {
    pub tenant_id: String,
    pub tenant_name: Option<String>,
    pub client_id: String,
    /// Secret: written only to the env file, never to logs or `/_sandbox/state`.
    #[serde(skip_serializing)]
    pub client_secret: String,
    pub base_currency: Option<String>,
    /// Journals dated on or before this date are refused.
    pub lock_date: Option<String>,
    /// Whether the app's custom connection (`client_credentials`) may reach this organisation;
    /// true when absent. It reaches one: the first of the section that allows it.
    pub custom_connection: Option<bool>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub accounts: Vec<XeroAccount>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub contacts: Vec<XeroContact>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub tracking_categories: Vec<XeroTrackingCategory>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct XeroAccount {
    #[serde(rename = "AccountID")]
    pub account_id: String,
    pub code: Option<String>,
    pub name: String,
    /// `BANK`, `CURRENT`, `REVENUE`, ... (manual journals may not use `BANK`).
    #[serde(rename = "Type")]
    pub account_type: String,
    /// `ACTIVE` or `ARCHIVED`.
    pub status: Option<String>,
    pub class: Option<String>,
    /// `DEBTORS`, `CREDITORS`, ... (system accounts manual journals may not use).
    pub system_account: Option<String>,
    pub tax_type: Option<String>,
    pub bank_account_number: Option<String>,
    pub currency_code: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct XeroContact {
    #[serde(rename = "ContactID")]
    pub contact_id: String,
    pub name: String,
    pub contact_status: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct XeroTrackingCategory {
    #[serde(rename = "TrackingCategoryID")]
    pub tracking_category_id: String,
    pub name: String,
    pub status: Option<String>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub options: Vec<XeroTrackingOption>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct XeroTrackingOption {
    #[serde(rename = "TrackingOptionID")]
    pub tracking_option_id: String,
    pub name: String,
    pub status: Option<String>,
}

impl std::fmt::Debug for QboDataset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QboDataset")
            .field("realm_id", &self.realm_id)
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("accounts", &self.accounts.len())
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for XeroDataset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("XeroDataset")
            .field("tenant_id", &self.tenant_id)
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("accounts", &self.accounts.len())
            .finish_non_exhaustive()
    }
}

/// An optional list may be written as `null` (the dataset check allows null for every optional field).
fn null_as_empty<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(deserializer)?.unwrap_or_default())
}

const fn opt(name: &'static str, ty: Ty) -> Field {
    Field { name, ty, required: false }
}

const fn req(name: &'static str, ty: Ty) -> Field {
    Field { name, ty, required: true }
}

use Ty::*;

const QBO_ACCOUNT: &[Field] = &[
    req("Id", Text),
    req("Name", Text),
    opt("AcctNum", Text),
    req("AccountType", Text),
    opt("AccountSubType", Text),
    opt("Classification", Text),
    opt("Active", Bool),
];
const QBO_CUSTOMER: &[Field] = &[req("Id", Text), req("DisplayName", Text), opt("Active", Bool)];
const QBO_NAMED: &[Field] = &[req("Id", Text), req("Name", Text), opt("Active", Bool)];
/// Whole numbers of at least 1 (`companies` checks the values).
pub const QBO_LIMITS: &[Field] =
    &[opt("requestsPerMinute", Number), opt("batchRequestsPerMinute", Number), opt("maxConcurrent", Number)];

pub const QBO: &[Field] = &[
    req("realmId", Text),
    req("clientId", Text),
    req("clientSecret", Text),
    opt("homeCurrency", Text),
    opt("bookCloseDate", Text),
    opt("warnDuplicateDocNum", Bool),
    opt("accounts", ObjectList(QBO_ACCOUNT)),
    opt("customers", ObjectList(QBO_CUSTOMER)),
    opt("classes", ObjectList(QBO_NAMED)),
    opt("departments", ObjectList(QBO_NAMED)),
    opt("limits", Object(QBO_LIMITS)),
];

const XERO_ACCOUNT: &[Field] = &[
    req("AccountID", Text),
    opt("Code", Text),
    req("Name", Text),
    req("Type", Text),
    opt("Status", Text),
    opt("Class", Text),
    opt("SystemAccount", Text),
    opt("TaxType", Text),
    opt("BankAccountNumber", Text),
    opt("CurrencyCode", Text),
];
const XERO_CONTACT: &[Field] = &[req("ContactID", Text), req("Name", Text), opt("ContactStatus", Text)];
const XERO_OPTION: &[Field] = &[req("TrackingOptionID", Text), req("Name", Text), opt("Status", Text)];
const XERO_TRACKING: &[Field] = &[
    req("TrackingCategoryID", Text),
    req("Name", Text),
    opt("Status", Text),
    opt("Options", ObjectList(XERO_OPTION)),
];

pub const XERO: &[Field] = &[
    req("tenantId", Text),
    opt("tenantName", Text),
    req("clientId", Text),
    req("clientSecret", Text),
    opt("baseCurrency", Text),
    opt("lockDate", Text),
    opt("customConnection", Bool),
    opt("accounts", ObjectList(XERO_ACCOUNT)),
    opt("contacts", ObjectList(XERO_CONTACT)),
    opt("trackingCategories", ObjectList(XERO_TRACKING)),
];
