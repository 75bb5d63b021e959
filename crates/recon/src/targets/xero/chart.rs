//! The organisation as the mappings see it, read once per run: the base currency and lock dates
//! (`GET /Organisation`), the chart of accounts by code (`GET /Accounts`), tracking categories with
//! their options (`GET /TrackingCategories?includeArchived=true`) and the contacts the mappings
//! name (`GET /Contacts` with a `where` on their names). Also the checks a mapping must pass to
//! post here, shared by the holds of `XeroTarget` and by `check_chart` (`mappings check`).

use std::collections::{BTreeSet, HashMap};

use chrono::NaiveDate;

use super::client::XeroClient;
use super::wire::{self, where_string};
use crate::domain::{AccountName, PropertyId};
use crate::mapping::model::{Dimensions, PropertyMapping};
use crate::mapping::{MappingSet, used_accounts};
use crate::posting::TargetError;

/// Contact names per `GET /Contacts` (the `where` clause stays short).
const CONTACT_NAMES_PER_CALL: usize = 20;
/// Xero lets a line carry at most two tracking categories.
const TRACKING_MAX: usize = 2;

/// An account of the chart, by its code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChartAccount {
    pub id: String,
    pub code: String,
    pub name: String,
    /// `BANK`, `CURRENT`, `REVENUE`, ...
    pub account_type: String,
    /// `ACTIVE`, `ARCHIVED` or `DELETED`.
    pub status: String,
    /// `DEBTORS`, `CREDITORS`, `RETAINEDEARNINGS`, ... for Xero's system accounts.
    pub system_account: Option<String>,
}

impl ChartAccount {
    pub fn is_bank(&self) -> bool {
        self.account_type.eq_ignore_ascii_case("BANK")
    }

    pub fn is_active(&self) -> bool {
        self.status.eq_ignore_ascii_case("ACTIVE")
    }

    fn label(&self) -> String {
        format!("{} ({})", self.code, self.name)
    }
}

/// A contact the mappings name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChartContact {
    pub id: String,
    pub name: String,
    pub active: bool,
}

/// The organisation's references.
#[derive(Debug, Clone, Default)]
pub struct Chart {
    pub organisation: Option<String>,
    pub base_currency: Option<String>,
    pub period_lock_date: Option<NaiveDate>,
    pub end_of_year_lock_date: Option<NaiveDate>,
    /// By code, upper-cased (Xero matches codes in any case).
    accounts: HashMap<String, ChartAccount>,
    tracking: Vec<wire::TrackingCategory>,
    /// By name, trimmed and lower-cased (Xero matches names in any case).
    contacts: HashMap<String, ChartContact>,
}

pub(super) fn parse<T: serde::de::DeserializeOwned>(what: &str, body: &[u8]) -> Result<T, TargetError> {
    serde_json::from_slice(body)
        .map_err(|e| TargetError::Protocol(format!("Xero's answer to GET {what} is not its JSON: {e}")))
}

fn name_key(name: &str) -> String {
    name.trim().to_lowercase()
}

/// A finding of `check_chart`: what a mapping asks of Xero that Xero's books cannot give.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ChartFinding {
    /// `None` for the portfolio mapping (every property without a file of its own).
    pub property_id: Option<PropertyId>,
    /// The logical account concerned, when the finding is about one.
    pub account: Option<AccountName>,
    pub message: String,
}

impl Chart {
    /// Reads the organisation's references: four calls, more only when the mappings name over
    /// twenty contacts.
    pub async fn read(client: &XeroClient, mappings: &MappingSet) -> Result<Chart, TargetError> {
        let organisations: wire::Organisations =
            parse("Organisation", &client.get("Organisation", &[], None).await?)?;
        let accounts: wire::Accounts = parse("Accounts", &client.get("Accounts", &[], None).await?)?;
        let params = [("includeArchived", "true".to_owned())];
        let tracking: wire::TrackingCategories =
            parse("TrackingCategories", &client.get("TrackingCategories", &params, None).await?)?;
        let names: BTreeSet<String> = all_mappings(mappings)
            .filter_map(|m| m.dimensions.xero_contact.as_deref())
            .map(|name| name.trim().to_owned())
            .filter(|name| !name.is_empty())
            .collect();
        let names: Vec<String> = names.into_iter().collect();
        let mut contacts = Vec::new();
        for chunk in names.chunks(CONTACT_NAMES_PER_CALL) {
            let clause: Vec<String> = chunk.iter().map(|n| format!("Name=={}", where_string(n))).collect();
            let params = [("where", clause.join(" OR "))];
            let found: wire::Contacts = parse("Contacts", &client.get("Contacts", &params, None).await?)?;
            contacts.extend(found.contacts);
        }
        let chart = Chart::from_lists(
            organisations.organisations.into_iter().next(),
            accounts.accounts,
            tracking.tracking_categories,
            contacts,
        );
        tracing::info!(
            organisation = chart.organisation.as_deref().unwrap_or("?"),
            accounts = chart.accounts.len(),
            tracking_categories = chart.tracking.len(),
            contacts = chart.contacts.len(),
            "Xero references read"
        );
        Ok(chart)
    }

    /// The references from Xero's lists (accounts without a code cannot be named by a mapping).
    pub fn from_lists(
        organisation: Option<wire::Organisation>,
        accounts: Vec<wire::Account>,
        tracking: Vec<wire::TrackingCategory>,
        contacts: Vec<wire::Contact>,
    ) -> Chart {
        let mut chart = Chart { tracking, ..Chart::default() };
        if let Some(org) = organisation {
            chart.organisation = org.name;
            chart.base_currency = org.base_currency.map(|c| c.trim().to_ascii_uppercase());
            chart.period_lock_date = org.period_lock_date.as_deref().and_then(wire::parse_date);
            chart.end_of_year_lock_date = org.end_of_year_lock_date.as_deref().and_then(wire::parse_date);
        }
        for account in accounts {
            let Some(code) = account.code.as_deref().map(str::trim).filter(|c| !c.is_empty()) else {
                continue;
            };
            chart.accounts.insert(
                code.to_ascii_uppercase(),
                ChartAccount {
                    id: account.id,
                    code: code.to_owned(),
                    name: account.name,
                    account_type: account.account_type,
                    status: account.status,
                    system_account: account.system_account,
                },
            );
        }
        for contact in contacts {
            let active = contact.status.as_deref().is_none_or(|s| s.eq_ignore_ascii_case("ACTIVE"));
            chart
                .contacts
                .insert(name_key(&contact.name), ChartContact { id: contact.id, name: contact.name, active });
        }
        chart
    }

    pub fn account(&self, code: &str) -> Option<&ChartAccount> {
        self.accounts.get(&code.trim().to_ascii_uppercase())
    }

    /// The account `logical` posts to: named in the mapping, in the chart, active.
    pub fn posting_account(
        &self,
        mapping: &PropertyMapping,
        logical: &AccountName,
    ) -> Result<&ChartAccount, String> {
        let code = mapping
            .accounts
            .get(logical)
            .and_then(|a| a.xero.as_deref())
            .ok_or_else(|| format!("`{logical}` has no Xero account code in the mapping"))?;
        let account = self
            .account(code)
            .ok_or_else(|| format!("Xero has no account with code {code} (`{logical}`)"))?;
        if !account.is_active() {
            return Err(format!(
                "Xero account {} (`{logical}`) is {}; map `{logical}` to an active account",
                account.label(),
                account.status.to_ascii_lowercase()
            ));
        }
        Ok(account)
    }

    /// Why a manual journal may not post to `account`, with what to map instead.
    pub fn journal_refusal(logical: &AccountName, account: &ChartAccount) -> Option<String> {
        if account.is_bank() {
            return Some(format!(
                "Xero does not let manual journals post to bank account {} (`{logical}`); map `{logical}` \
                 to a clearing account (a CURRENT asset) instead",
                account.label()
            ));
        }
        let system = account.system_account.as_deref().map(str::to_ascii_uppercase);
        match system.as_deref() {
            Some(kind @ ("DEBTORS" | "CREDITORS")) => {
                let what = if kind == "DEBTORS" { "Accounts Receivable" } else { "Accounts Payable" };
                Some(format!(
                    "Xero does not let manual journals post to its system {what} account {} (`{logical}`); \
                     map `{logical}` to a control account of type CURRENT{} instead",
                    account.label(),
                    if kind == "DEBTORS" { " (e.g. Resident Receivables)" } else { "" }
                ))
            }
            _ => None,
        }
    }

    /// Why a bank logical account cannot take bank transactions.
    pub fn bank_refusal(logical: &AccountName, account: &ChartAccount) -> Option<String> {
        (!account.is_bank()).then(|| {
            format!(
                "`{logical}` is a bank account in the mapping, but Xero account {} is of type {}: deposits \
                 and returns post as bank transactions into a BANK account",
                account.label(),
                account.account_type
            )
        })
    }

    /// The tracking of every line, checked: at most two categories, each active, with an active option.
    pub fn tracking(&self, dimensions: &Dimensions) -> Result<Vec<wire::Tracking>, String> {
        let wanted = &dimensions.xero_tracking;
        if wanted.len() > TRACKING_MAX {
            return Err(format!(
                "Xero takes at most {TRACKING_MAX} tracking categories on a line; the mapping names {}",
                wanted.len()
            ));
        }
        let mut out = Vec::with_capacity(wanted.len());
        for item in wanted {
            let category = self
                .tracking
                .iter()
                .find(|c| c.name.trim().eq_ignore_ascii_case(item.name.trim()))
                .ok_or_else(|| format!("Xero has no tracking category named `{}`", item.name))?;
            if !category.status.eq_ignore_ascii_case("ACTIVE") {
                return Err(format!(
                    "Xero tracking category `{}` is {}",
                    category.name,
                    category.status.to_ascii_lowercase()
                ));
            }
            let option = category
                .options
                .iter()
                .find(|o| o.name.trim().eq_ignore_ascii_case(item.option.trim()))
                .ok_or_else(|| {
                    format!("Xero tracking category `{}` has no option `{}`", category.name, item.option)
                })?;
            if !option.status.eq_ignore_ascii_case("ACTIVE") {
                return Err(format!(
                    "Xero tracking option `{}` of `{}` is {}",
                    option.name,
                    category.name,
                    option.status.to_ascii_lowercase()
                ));
            }
            out.push(wire::Tracking { name: category.name.clone(), option: option.name.clone() });
        }
        Ok(out)
    }

    /// The contact of bank transactions, checked.
    pub fn contact(&self, dimensions: &Dimensions) -> Result<&ChartContact, String> {
        let name = dimensions.xero_contact.as_deref().map(str::trim).filter(|n| !n.is_empty()).ok_or_else(|| {
            "Xero needs a contact on bank transactions (deposits, returns and their corrections): set `xero_contact` in [dimensions]"
                .to_owned()
        })?;
        let contact = self
            .contacts
            .get(&name_key(name))
            .ok_or_else(|| format!("Xero has no contact named `{name}`"))?;
        if !contact.active {
            return Err(format!("Xero contact `{}` is archived", contact.name));
        }
        Ok(contact)
    }

    /// Everything the mappings ask of Xero that its books cannot give, for `mappings check`:
    /// account codes missing or archived, BANK or system accounts where a manual journal would use
    /// them (with what to map instead), bank roles on accounts that are not BANK, tracking
    /// categories and options that do not exist, a contact that does not exist. A logical account
    /// with no Xero code is left to `mapping::missing_target_accounts`. A property's finding that
    /// its portfolio already has is listed once, for the portfolio.
    pub fn check(&self, mappings: &MappingSet) -> Vec<ChartFinding> {
        self.check_of(&mappings.of_book(None))
    }

    /// `check` of some mappings (`MappingSet::of_book`: one book's), each finding listed for the
    /// first of them that has it.
    pub fn check_of(&self, mappings: &[(Option<PropertyId>, &PropertyMapping)]) -> Vec<ChartFinding> {
        let mut seen: BTreeSet<(Option<AccountName>, String)> = BTreeSet::new();
        let mut findings = Vec::new();
        for (property_id, mapping) in mappings {
            for (account, message) in self.check_one(mapping) {
                if seen.insert((account.clone(), message.clone())) {
                    findings.push(ChartFinding { property_id: property_id.clone(), account, message });
                }
            }
        }
        findings
    }

    fn check_one(&self, mapping: &PropertyMapping) -> Vec<(Option<AccountName>, String)> {
        let mut out = Vec::new();
        let banks: BTreeSet<&AccountName> = mapping.posting.bank_accounts.values().collect();
        for logical in used_accounts(mapping) {
            if mapping.accounts.get(logical).and_then(|a| a.xero.as_deref()).is_none() {
                continue;
            }
            let refusal = match self.posting_account(mapping, logical) {
                Err(message) => Some(message),
                Ok(account) if banks.contains(logical) => Chart::bank_refusal(logical, account),
                Ok(account) => Chart::journal_refusal(logical, account),
            };
            out.extend(refusal.map(|message| (Some(logical.clone()), message)));
        }
        if let Err(message) = self.tracking(&mapping.dimensions) {
            out.push((None, message));
        }
        if !banks.is_empty()
            && let Err(message) = self.contact(&mapping.dimensions)
        {
            out.push((None, message));
        }
        out
    }
}

/// The portfolio mapping and every property's merged mapping.
fn all_mappings(set: &MappingSet) -> impl Iterator<Item = &PropertyMapping> {
    std::iter::once(set.portfolio()).chain(set.overridden_properties().map(|id| set.for_property(id)))
}
