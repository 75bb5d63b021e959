//! The QuickBooks company the sandbox serves: its chart of accounts, customers, classes and
//! departments from the dataset's `qbo` section, and the preferences that change validation (the
//! books' close date, the duplicate-number warning). Each object renders as the real service
//! writes it (`Account`, `Customer`, `Class`, `Department`, `Preferences`, `CompanyInfo`).
//!
//! Invariant: ids are the dataset's; a deactivation or reactivation bumps the object's `SyncToken`
//! and `LastUpdatedTime`, as an edit in QuickBooks does.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::time::{meta_time, to_seconds};
use crate::dataset::targets::{QboAccount, QboDataset};

/// The entities the sandbox models. Names are Intuit's; clients send them in any case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntityKind {
    JournalEntry,
    Account,
    Customer,
    Class,
    Department,
}

impl EntityKind {
    pub const ALL: [EntityKind; 5] = [
        EntityKind::JournalEntry,
        EntityKind::Account,
        EntityKind::Customer,
        EntityKind::Class,
        EntityKind::Department,
    ];

    pub fn name(self) -> &'static str {
        match self {
            EntityKind::JournalEntry => "JournalEntry",
            EntityKind::Account => "Account",
            EntityKind::Customer => "Customer",
            EntityKind::Class => "Class",
            EntityKind::Department => "Department",
        }
    }

    /// `journalentry`, `JournalEntry`, `journalEntry`: node-quickbooks queries `from account` and
    /// `from journalEntry`, and the real service answers with the canonical name.
    pub fn parse(name: &str) -> Option<EntityKind> {
        EntityKind::ALL.into_iter().find(|k| k.name().eq_ignore_ascii_case(name))
    }
}

/// Intuit entities the sandbox does not hold: querying them finds nothing, as in a company that
/// has none, rather than failing as an unknown name does.
pub const EMPTY_ENTITIES: [&str; 30] = [
    "Attachable",
    "Bill",
    "BillPayment",
    "Budget",
    "CompanyCurrency",
    "CreditCardPayment",
    "CreditMemo",
    "CustomerType",
    "Deposit",
    "Employee",
    "Estimate",
    "ExchangeRate",
    "Invoice",
    "Item",
    "JournalCode",
    "Payment",
    "PaymentMethod",
    "Purchase",
    "PurchaseOrder",
    "RecurringTransaction",
    "RefundReceipt",
    "SalesReceipt",
    "TaxAgency",
    "TaxCode",
    "TaxRate",
    "Term",
    "TimeActivity",
    "Transfer",
    "Vendor",
    "VendorCredit",
];

/// What every name-list object carries besides its own fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Meta {
    pub sync_token: u64,
    pub created: DateTime<Utc>,
    pub updated: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: String,
    pub name: String,
    pub acct_num: Option<String>,
    pub account_type: String,
    pub sub_type: Option<String>,
    pub classification: String,
    pub active: bool,
    pub meta: Meta,
}

/// A customer, class or department: an id, a name and whether it is active.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    pub id: String,
    pub name: String,
    pub active: bool,
    pub meta: Meta,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Company {
    pub realm_id: String,
    pub home_currency: String,
    pub book_close_date: Option<NaiveDate>,
    pub warn_duplicate_doc_num: bool,
    pub accounts: Vec<Account>,
    pub customers: Vec<Named>,
    pub classes: Vec<Named>,
    pub departments: Vec<Named>,
    pub created: DateTime<Utc>,
}

/// The `Classification` QuickBooks derives from an `AccountType`.
fn classification(account_type: &str) -> &'static str {
    match account_type {
        "Bank" | "Accounts Receivable" | "Other Current Asset" | "Fixed Asset" | "Other Asset" => "Asset",
        "Accounts Payable" | "Credit Card" | "Other Current Liability" | "Long Term Liability" => "Liability",
        "Equity" => "Equity",
        "Income" | "Other Income" => "Revenue",
        _ => "Expense",
    }
}

impl Company {
    /// The company as the dataset describes it, created at `now`. A `bookCloseDate` that is not a
    /// date is ignored (the dataset check only knows it is text).
    pub fn from_dataset(qbo: &QboDataset, now: DateTime<Utc>) -> Company {
        let now = to_seconds(now);
        let meta = Meta { sync_token: 0, created: now, updated: now };
        let account = |a: &QboAccount| Account {
            id: a.id.clone(),
            name: a.name.clone(),
            acct_num: a.acct_num.clone(),
            account_type: a.account_type.clone(),
            sub_type: a.account_sub_type.clone(),
            classification: a
                .classification
                .clone()
                .unwrap_or_else(|| classification(&a.account_type).to_owned()),
            active: a.active.unwrap_or(true),
            meta: meta.clone(),
        };
        let named = |id: &str, name: &str, active: Option<bool>| Named {
            id: id.to_owned(),
            name: name.to_owned(),
            active: active.unwrap_or(true),
            meta: meta.clone(),
        };
        Company {
            realm_id: qbo.realm_id.clone(),
            home_currency: qbo.home_currency.clone().unwrap_or_else(|| "USD".to_owned()),
            book_close_date: qbo
                .book_close_date
                .as_deref()
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()),
            warn_duplicate_doc_num: qbo.warn_duplicate_doc_num.unwrap_or(false),
            accounts: qbo.accounts.iter().map(account).collect(),
            customers: qbo.customers.iter().map(|c| named(&c.id, &c.display_name, c.active)).collect(),
            classes: qbo.classes.iter().map(|c| named(&c.id, &c.name, c.active)).collect(),
            departments: qbo.departments.iter().map(|d| named(&d.id, &d.name, d.active)).collect(),
            created: now,
        }
    }

    pub fn account(&self, id: &str) -> Option<&Account> {
        self.accounts.iter().find(|a| a.id == id)
    }

    pub fn account_mut(&mut self, id: &str) -> Option<&mut Account> {
        self.accounts.iter_mut().find(|a| a.id == id)
    }

    pub fn named(&self, kind: EntityKind) -> &[Named] {
        match kind {
            EntityKind::Customer => &self.customers,
            EntityKind::Class => &self.classes,
            EntityKind::Department => &self.departments,
            EntityKind::JournalEntry | EntityKind::Account => &[],
        }
    }

    pub fn currency_name(&self) -> String {
        currency_name(&self.home_currency)
    }
}

pub fn currency_name(code: &str) -> String {
    match code {
        "USD" => "United States Dollar".to_owned(),
        "CAD" => "Canadian Dollar".to_owned(),
        "GBP" => "British Pound Sterling".to_owned(),
        "EUR" => "Euro".to_owned(),
        "AUD" => "Australian Dollar".to_owned(),
        other => other.to_owned(),
    }
}

#[derive(Serialize)]
pub struct RefOut<'a> {
    pub value: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<&'a str>,
}

#[derive(Serialize)]
pub struct MetaOut {
    #[serde(rename = "CreateTime")]
    pub create_time: String,
    #[serde(rename = "LastUpdatedTime")]
    pub last_updated_time: String,
}

impl Meta {
    pub fn out(&self) -> MetaOut {
        MetaOut { create_time: meta_time(self.created), last_updated_time: meta_time(self.updated) }
    }

    pub fn bump(&mut self, now: DateTime<Utc>) {
        self.sync_token += 1;
        self.updated = to_seconds(now).max(self.updated);
    }
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct AccountOut<'a> {
    name: &'a str,
    sub_account: bool,
    fully_qualified_name: &'a str,
    active: bool,
    classification: &'a str,
    account_type: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    account_sub_type: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    acct_num: Option<&'a str>,
    currency_ref: RefOut<'a>,
    #[serde(rename = "domain")]
    domain: &'static str,
    #[serde(rename = "sparse")]
    sparse: bool,
    id: &'a str,
    sync_token: String,
    #[serde(rename = "MetaData")]
    meta_data: MetaOut,
}

/// A customer, class or department; the name field is `DisplayName` for a customer, `Name` otherwise.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct NamedOut<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    display_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    print_on_check_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sub_class: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sub_department: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    job: Option<bool>,
    fully_qualified_name: &'a str,
    active: bool,
    #[serde(rename = "domain")]
    domain: &'static str,
    #[serde(rename = "sparse")]
    sparse: bool,
    id: &'a str,
    sync_token: String,
    #[serde(rename = "MetaData")]
    meta_data: MetaOut,
}

/// Renders a name-list object; serializing plain fields cannot fail.
pub fn account_json(account: &Account, company: &Company) -> String {
    let out = AccountOut {
        name: &account.name,
        sub_account: false,
        fully_qualified_name: &account.name,
        active: account.active,
        classification: &account.classification,
        account_type: &account.account_type,
        account_sub_type: account.sub_type.as_deref(),
        acct_num: account.acct_num.as_deref(),
        currency_ref: RefOut { value: &company.home_currency, name: None },
        domain: "QBO",
        sparse: false,
        id: &account.id,
        sync_token: account.meta.sync_token.to_string(),
        meta_data: account.meta.out(),
    };
    serde_json::to_string(&out).unwrap_or_default()
}

pub fn named_json(kind: EntityKind, named: &Named) -> String {
    let customer = kind == EntityKind::Customer;
    let out = NamedOut {
        name: (!customer).then_some(named.name.as_str()),
        display_name: customer.then_some(named.name.as_str()),
        print_on_check_name: customer.then_some(named.name.as_str()),
        sub_class: (kind == EntityKind::Class).then_some(false),
        sub_department: (kind == EntityKind::Department).then_some(false),
        job: customer.then_some(false),
        fully_qualified_name: &named.name,
        active: named.active,
        domain: "QBO",
        sparse: false,
        id: &named.id,
        sync_token: named.meta.sync_token.to_string(),
        meta_data: named.meta.out(),
    };
    serde_json::to_string(&out).unwrap_or_default()
}

/// `GET .../preferences`: the parts of `Preferences` that matter to journal entries.
pub fn preferences_json(company: &Company) -> serde_json::Value {
    let meta =
        MetaOut { create_time: meta_time(company.created), last_updated_time: meta_time(company.created) };
    serde_json::json!({
        "AccountingInfoPrefs": {
            "TrackDepartments": true, "DepartmentTerminology": "Location",
            "ClassTrackingPerTxn": false, "ClassTrackingPerTxnLine": true, "CustomerTerminology": "Customers",
            "BookCloseDate": company.book_close_date.map(|d| d.to_string()),
        },
        "CurrencyPrefs": {"MultiCurrencyEnabled": false,
            "HomeCurrency": {"value": company.home_currency}},
        "OtherPrefs": {"NameValue": [
            {"Name": "WarnDuplicateJournalNumber", "Value": company.warn_duplicate_doc_num.to_string()},
        ]},
        "domain": "QBO", "sparse": false, "Id": "1", "SyncToken": "0",
        "MetaData": {"CreateTime": meta.create_time, "LastUpdatedTime": meta.last_updated_time},
    })
}

/// `GET .../companyinfo/{realmId}`.
pub fn company_info_json(company: &Company) -> serde_json::Value {
    let created = meta_time(company.created);
    serde_json::json!({
        "CompanyName": "Sandbox Company_US_1", "LegalName": "Sandbox Company_US_1", "Country": "US",
        "CompanyStartDate": company.created.date_naive().to_string(), "FiscalYearStartMonth": "January",
        "SupportedLanguages": "en", "domain": "QBO", "sparse": false, "Id": "1", "SyncToken": "0",
        "MetaData": {"CreateTime": created, "LastUpdatedTime": created},
    })
}
