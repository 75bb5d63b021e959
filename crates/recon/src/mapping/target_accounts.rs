//! Which target accounts the mappings post to. Whether those exist, are active and not archived
//! in a target's chart of accounts needs the target (IO): that check compares the chart with
//! `target_account_refs`. What the files alone can show is here: a logical account in use that
//! names no account in a target.

use std::collections::{BTreeMap, BTreeSet};

use crate::domain::{AccountName, PropertyId};
use crate::mapping::model::{CodeRule, PropertyMapping, TargetAccounts};
use crate::mapping::set::MappingSet;
use crate::targets::TargetKind;

/// A logical account used by a mapping with no account in one target: entries that use it cannot
/// be posted there.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct MissingTargetAccount {
    pub target: TargetKind,
    /// `None` for the portfolio mapping (every property without a file of its own).
    pub property_id: Option<PropertyId>,
    pub account: AccountName,
}

/// The logical accounts a mapping posts to: `[posting]`, every code rule and `defer_to`.
/// Accounts defined in `[accounts]` but used nowhere are not included.
pub fn used_accounts(mapping: &PropertyMapping) -> BTreeSet<&AccountName> {
    let posting = &mapping.posting;
    let mut used: BTreeSet<&AccountName> =
        [&posting.receivables, &posting.tax_payable, &posting.clearing].into();
    used.extend(posting.clearing_by_method.values());
    used.extend(posting.bank_accounts.values());
    for rule in mapping.codes.values() {
        match rule {
            CodeRule::Account(account) => {
                used.insert(account);
            }
            CodeRule::Split(split) => used.extend(split.shares().iter().map(|share| &share.account)),
        }
    }
    used.extend(mapping.proration.defer_to.as_ref());
    used
}

fn target_account(accounts: &TargetAccounts, target: TargetKind) -> Option<&str> {
    match target {
        TargetKind::Qbo => accounts.qbo.as_deref(),
        TargetKind::Xero => accounts.xero.as_deref(),
    }
}

/// Used accounts with no account in `target`, for the portfolio and then each property file.
/// A gap a property inherits unchanged from the portfolio is listed once, for the portfolio.
pub fn missing_target_accounts(set: &MappingSet, target: TargetKind) -> Vec<MissingTargetAccount> {
    let gaps = |mapping: &PropertyMapping| -> BTreeSet<AccountName> {
        used_accounts(mapping)
            .into_iter()
            .filter(|name| mapping.accounts.get(*name).and_then(|a| target_account(a, target)).is_none())
            .cloned()
            .collect()
    };
    let portfolio_gaps = gaps(set.portfolio());
    let mut missing: Vec<MissingTargetAccount> = portfolio_gaps
        .iter()
        .map(|account| MissingTargetAccount { target, property_id: None, account: account.clone() })
        .collect();
    for property_id in set.overridden_properties() {
        for account in gaps(set.for_property(property_id)) {
            if !portfolio_gaps.contains(&account) {
                missing.push(MissingTargetAccount {
                    target,
                    property_id: Some(property_id.clone()),
                    account,
                });
            }
        }
    }
    missing
}

/// Every account in `target` that some mapping posts to, with the logical names that use it: what
/// a chart-of-accounts check must find there.
pub fn target_account_refs(set: &MappingSet, target: TargetKind) -> BTreeMap<String, BTreeSet<AccountName>> {
    let mut refs: BTreeMap<String, BTreeSet<AccountName>> = BTreeMap::new();
    let mappings =
        std::iter::once(set.portfolio()).chain(set.overridden_properties().map(|id| set.for_property(id)));
    for mapping in mappings {
        for name in used_accounts(mapping) {
            if let Some(reference) = mapping.accounts.get(name).and_then(|a| target_account(a, target)) {
                refs.entry(reference.to_owned()).or_default().insert(name.clone());
            }
        }
    }
    refs
}
