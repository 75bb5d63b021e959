//! `mappings check --target qbo|xero` against a connected company: every account, customer, class
//! and department (QuickBooks), or account, tracking category and option and contact (Xero), the
//! mappings name, checked in the company itself (missing, inactive or archived, a bank or system
//! account where a manual journal would use it), each finding located in the mapping files.
//!
//! It reads the company only; the one thing it may write is a refreshed access token (the
//! state file is where tokens live).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::config::Config;
use crate::domain::BookName;
use crate::domain::{AccountName, PropertyId};
use crate::http::Pause;
use crate::mapping::{MappingSet, PropertyMapping, used_accounts};
use crate::posting::TargetError;
use crate::run::connect::{ConnectError, oauth_settings_for};
use crate::state::{StateError, StateFile};
use crate::targets::TargetKind;
use crate::targets::oauth::TokenSource;
use crate::targets::qbo::Company;
use crate::targets::qbo::client::QboClient;

#[derive(Debug, thiserror::Error)]
pub enum TargetCheckError {
    #[error(transparent)]
    Connect(#[from] ConnectError),
    #[error(transparent)]
    State(#[from] StateError),
    #[error("cannot read the {target} company: {source}")]
    Target { target: TargetKind, source: TargetError },
}

/// One thing a connected company says about the mappings.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct TargetFinding {
    /// `file:line` where the mapping names it, when found.
    pub location: Option<String>,
    /// `None` for the portfolio mapping.
    pub property_id: Option<PropertyId>,
    pub message: String,
}

/// The findings, or `None` when the target is not connected (nothing to compare with).
pub async fn check(
    config: &Config,
    state: &StateFile,
    mappings: &Arc<MappingSet>,
    target: TargetKind,
    book: &BookName,
) -> Result<Option<Vec<TargetFinding>>, TargetCheckError> {
    let (target_config, settings) = oauth_settings_for(config, target, book.clone())?;
    let custom = target_config.auth == crate::config::TargetAuth::ClientCredentials;
    let company_id = match state.connection(target, book).await? {
        Some(connection) => connection.company_id,
        // A Xero custom connection needs no `connect`: its client credentials are enough.
        None if custom => {
            let options =
                crate::run::connect::ConnectOptions { book: Some(book.clone()), ..Default::default() };
            crate::run::connect::connect(config, state, target, &options, &mut |_| {}).await?.company_id
        }
        None => return Ok(None),
    };
    // With several books, a company answers for its own book's mappings only.
    let several = config.books.len() > 1;
    let only = several.then_some(book);
    let tokens = TokenSource::new(settings, state.clone());
    let fail = |source| TargetCheckError::Target { target, source };
    let files = MappingFiles::read(mappings.files());
    let raw: Vec<(Option<PropertyId>, Option<AccountName>, String)> = match target {
        TargetKind::Qbo => {
            let client =
                QboClient::new(&target_config.api_base, &company_id, tokens, Pause::real()).map_err(fail)?;
            let company = Company::read(&client).await.map_err(fail)?;
            qbo_findings(&company, &mappings.of_book(only))
        }
        TargetKind::Xero => {
            let findings = crate::targets::xero::check_chart(
                target_config,
                tokens,
                company_id.clone(),
                Arc::clone(mappings),
                only,
                Pause::real(),
            )
            .await
            .map_err(fail)?;
            findings.into_iter().map(|f| (f.property_id, f.account, f.message)).collect()
        }
    };
    let mut findings: Vec<TargetFinding> = raw
        .into_iter()
        .map(|(property_id, account, message)| TargetFinding {
            location: account.as_ref().and_then(|a| files.locate_account(a, property_id.as_ref())),
            property_id,
            message,
        })
        .collect();
    findings.sort();
    findings.dedup();
    Ok(Some(findings))
}

fn qbo_findings(
    company: &Company,
    mappings: &[(Option<PropertyId>, &PropertyMapping)],
) -> Vec<(Option<PropertyId>, Option<AccountName>, String)> {
    let mut findings = Vec::new();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    for (property, mapping) in mappings {
        let mapping = *mapping;
        let mut add = |account: Option<AccountName>, message: String| {
            // A property repeats what its portfolio says unless it changes it: report that once.
            if seen.insert(message.clone()) {
                findings.push((property.clone(), account, message));
            }
        };
        for logical in used_accounts(mapping) {
            let Some(number) = mapping.accounts.get(logical).and_then(|a| a.qbo.as_deref()) else { continue };
            match company.accounts_by_number.get(number) {
                None => add(
                    Some(logical.clone()),
                    format!(
                        "QuickBooks has no account numbered {number} (`{logical}`); create it or map `{logical}` to another"
                    ),
                ),
                Some(account) if !account.active => add(
                    Some(logical.clone()),
                    format!(
                        "QuickBooks account {number} ({}) for `{logical}` is inactive; make it active or map another",
                        account.name
                    ),
                ),
                Some(_) => {}
            }
        }
        let dims = &mapping.dimensions;
        for (name, table, what) in [
            (&dims.qbo_customer, &company.customers, "customer"),
            (&dims.qbo_class, &company.classes, "class"),
            (&dims.qbo_location, &company.departments, "location (department)"),
        ] {
            let Some(name) = name else { continue };
            match table.get(name) {
                None => add(None, format!("QuickBooks has no {what} named `{name}`")),
                Some((_, false)) => add(None, format!("QuickBooks {what} `{name}` is inactive")),
                Some(_) => {}
            }
        }
    }
    findings
}

/// The mapping files' text, to say where a name is written.
struct MappingFiles {
    files: Vec<(PathBuf, String)>,
}

impl MappingFiles {
    fn read(paths: &[PathBuf]) -> MappingFiles {
        MappingFiles {
            files: paths.iter().filter_map(|p| Some((p.clone(), std::fs::read_to_string(p).ok()?))).collect(),
        }
    }

    /// Where `[accounts]` defines `account`: in the property's file if it does, else the portfolio's.
    fn locate_account(&self, account: &AccountName, property: Option<&PropertyId>) -> Option<String> {
        let by_name: BTreeMap<&str, &(PathBuf, String)> =
            self.files.iter().map(|f| (stem(&f.0), f)).collect();
        let candidates = property.map(|p| p.as_str()).into_iter().chain(["portfolio"]);
        for name in candidates {
            let Some((path, text)) = by_name.get(name) else { continue };
            for (index, line) in text.lines().enumerate() {
                let line = line.trim_start();
                let defines = line
                    .strip_prefix(account.as_str())
                    .is_some_and(|rest| rest.trim_start().starts_with('=') || rest.starts_with(']'))
                    || line.starts_with(&format!("[accounts.{account}]"));
                if defines {
                    return Some(format!("{}:{}", path.display(), index + 1));
                }
            }
        }
        None
    }
}

fn stem(path: &Path) -> &str {
    path.file_stem().and_then(|s| s.to_str()).unwrap_or("")
}
