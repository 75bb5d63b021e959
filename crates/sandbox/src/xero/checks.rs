//! Checks a journal line and a bank-transaction line item share: the account a line names, its
//! tracking, and its amounts. Each check adds Xero's message to the element's `ValidationErrors`
//! (or `Warnings`); a value that cannot be read at all refuses the whole request instead.
//!
//! Message texts: the [P]/[S] ones of reference/qbo-xero-apis.md B.3 where known; the others are
//! the sandbox's own, in Xero's style (listed in ARCHITECTURE.md's Xero paragraph).

use rust_decimal::Decimal;
use serde_json::value::RawValue;

use super::books::{Account, Books, TrackingRef};
use super::input::TrackingIn;
use super::wire::{decimal_places, parse_decimal};

/// A line's tracking may name at most this many categories.
pub const MAX_TRACKING: usize = 2;

/// The element's messages so far.
#[derive(Debug, Default)]
pub struct Findings {
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
}

impl Findings {
    pub fn error(&mut self, message: impl Into<String>) {
        let message = message.into();
        if !self.errors.contains(&message) {
            self.errors.push(message);
        }
    }

    pub fn warning(&mut self, message: impl Into<String>) {
        let message = message.into();
        if !self.warnings.contains(&message) {
            self.warnings.push(message);
        }
    }
}

/// Whether the lock date applies (a bookkeeper's edit through the control endpoint skips it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockDate {
    Enforce,
    Ignore,
}

/// Where a line's account may not be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Document {
    /// Manual journals: no BANK accounts, no system receivables/payables.
    ManualJournal,
    /// Bank transaction line items: no BANK accounts (that is a transfer).
    BankLine,
}

/// An amount from the request text, exactly; `Err` (refusing the request) when it is not a number.
pub fn amount(raw: Option<&RawValue>) -> Result<Option<Decimal>, String> {
    match raw {
        None => Ok(None),
        Some(raw) if raw.get().trim() == "null" => Ok(None),
        Some(raw) => parse_decimal(raw)
            .map(Some)
            .ok_or_else(|| format!(" Error converting value {} to type 'System.Decimal'", raw.get())),
    }
}

/// Refuses more than `places` decimals (Xero keeps money to the cent; the sandbox does not round).
pub fn check_places(value: Decimal, places: u32, field: &str, findings: &mut Findings) {
    if decimal_places(value) > places {
        findings.error(format!("The {field} {value} has more than {places} decimal places"));
    }
}

/// The account a line names by `AccountID` or `AccountCode`. `None` drops the line: an unknown
/// account on a manual journal is removed with a warning (as Xero does), elsewhere refused.
pub fn account<'a>(
    books: &'a Books,
    id: Option<&str>,
    code: Option<&str>,
    document: Document,
    findings: &mut Findings,
) -> Option<&'a Account> {
    let id = id.map(str::trim).filter(|s| !s.is_empty());
    let code = code.map(str::trim).filter(|s| !s.is_empty());
    let found = match (id, code) {
        (Some(id), _) => books.account_by_id(id),
        (None, Some(code)) => books.account_by_code(code),
        (None, None) => {
            findings.error(match document {
                Document::ManualJournal => "A valid account must be specified for each journal line",
                Document::BankLine => "A valid account must be specified for each line item",
            });
            return None;
        }
    };
    let label = code.or(id).unwrap_or_default();
    let Some(account) = found else {
        match document {
            Document::ManualJournal => findings.warning(format!(
                "Account code '{label}' has been removed as it does not match a recognised account."
            )),
            Document::BankLine => {
                findings.error(format!("Account code '{label}' is not a valid code for this document."))
            }
        }
        return None;
    };
    if !account.is_active() {
        findings.error(format!("Account code '{}' has been archived, or deleted.", account.label()));
    } else if account.is_bank()
        || (document == Document::ManualJournal
            && account.system_account.as_deref().is_some_and(|s| ["DEBTORS", "CREDITORS"].contains(&s)))
    {
        findings.error(format!("Account code '{}' is not a valid code for this document.", account.label()));
    }
    Some(account)
}

/// Where a line books: its account, its tax type (the line's, else the account's, else `NONE`) and
/// its tracking.
pub struct Booking {
    pub account_id: String,
    pub account_code: Option<String>,
    pub tax_type: String,
    pub tracking: Vec<TrackingRef>,
}

/// What a journal line or a line item names, as a `Booking`; `None` drops the line (see `account`).
pub fn booking(
    books: &Books,
    (id, code): (Option<&str>, Option<&str>),
    tax_type: Option<&str>,
    tracking_given: Option<&[TrackingIn]>,
    document: Document,
    findings: &mut Findings,
) -> Option<Booking> {
    let account = account(books, id, code, document, findings)?;
    Some(Booking {
        account_id: account.id.clone(),
        account_code: account.code.clone(),
        tax_type: tax_type
            .map(str::to_owned)
            .or_else(|| account.tax_type.clone())
            .unwrap_or_else(|| "NONE".to_owned()),
        tracking: tracking(books, tracking_given, findings),
    })
}

/// A line's tracking, resolved by id or by name; problems become validation errors.
pub fn tracking(books: &Books, given: Option<&[TrackingIn]>, findings: &mut Findings) -> Vec<TrackingRef> {
    let given = given.unwrap_or_default();
    if given.len() > MAX_TRACKING {
        findings.error(format!("A line can have a maximum of {MAX_TRACKING} tracking categories"));
    }
    let mut refs: Vec<TrackingRef> = Vec::new();
    for item in given.iter().take(MAX_TRACKING) {
        let named = item.category_id.as_deref().or(item.name.as_deref()).unwrap_or_default();
        let Some(category) = books.tracking_by(item.category_id.as_deref(), item.name.as_deref()) else {
            findings.error(format!("Tracking category '{named}' does not exist"));
            continue;
        };
        if !category.status.eq_ignore_ascii_case("ACTIVE") {
            findings.error(format!("Tracking category '{}' is archived", category.name));
            continue;
        }
        let option_named = item.option_id.as_deref().or(item.option.as_deref()).unwrap_or_default();
        let option = category.options.iter().find(|o| match (&item.option_id, &item.option) {
            (Some(id), _) => o.id.eq_ignore_ascii_case(id.trim()),
            (None, Some(name)) => o.name.eq_ignore_ascii_case(name.trim()),
            (None, None) => false,
        });
        let Some(option) = option else {
            findings.error(format!(
                "Tracking option '{option_named}' does not exist in tracking category '{}'",
                category.name
            ));
            continue;
        };
        if !option.status.eq_ignore_ascii_case("ACTIVE") {
            findings.error(format!(
                "Tracking option '{}' in tracking category '{}' is archived",
                option.name, category.name
            ));
            continue;
        }
        if refs.iter().any(|r| r.category_id == category.id) {
            findings.error(format!("Tracking category '{}' is used more than once on a line", category.name));
            continue;
        }
        refs.push(TrackingRef {
            category_id: category.id.clone(),
            category: category.name.clone(),
            option_id: option.id.clone(),
            option: option.name.clone(),
        });
    }
    refs
}
