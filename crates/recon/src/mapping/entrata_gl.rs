//! `mappings check` against Entrata's own GL mapping (issue 19, item 4): each AR code states the
//! GL accounts Entrata itself debits and credits for it (`glDebitAccount` / `glCreditAccount`,
//! from `debitGlAccountId` / `creditGlAccountId` in Entrata's API). Where our mapping books the
//! code elsewhere, say so: the receivables a charge debits, and the account (or split) it credits.
//!
//! A logical account matches Entrata's GL account when its `entrata` key names it, or, without
//! that key, when its QuickBooks number or Xero code is the same text (charts often keep Entrata's
//! numbers). A difference holds nothing back: the books may be kept apart from Entrata's GL on
//! purpose (a split income, another chart); the controller decides.

use std::collections::BTreeMap;
use std::fmt;

use crate::domain::{AccountName, ArCode, ArCodeDef, PropertyId};
use crate::mapping::model::{CodeRule, PropertyMapping, TargetAccounts};
use crate::mapping::set::MappingSet;
use crate::mapping::usage::{CodeUsage, plural};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Side {
    Debit,
    Credit,
}

impl Side {
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Debit => "debits",
            Side::Credit => "credits",
        }
    }
}

/// One AR code side booked elsewhere than Entrata books it, and the properties it is so for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GlDifference {
    pub code: ArCode,
    pub side: Side,
    /// Entrata's GL account for that side.
    pub entrata: String,
    /// Our accounts for that side, each as the controller reads it (`rental_income (qbo 4000)`).
    pub ours: Vec<String>,
    /// The properties whose mapping this is; empty: the portfolio's (no property uses the code).
    pub properties: Vec<PropertyId>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GlComparison {
    /// AR code sides compared (Entrata states a GL account, and a rule maps the code).
    pub compared: usize,
    pub differences: Vec<GlDifference>,
}

/// Compares every AR code Entrata states GL accounts for with the mapping of each property that
/// uses it (the portfolio's, when none does).
pub fn compare(set: &MappingSet, codes: &[ArCodeDef], usage: &[CodeUsage]) -> GlComparison {
    let mut by_code: BTreeMap<&ArCode, Vec<&PropertyId>> = BTreeMap::new();
    for u in usage {
        let users = by_code.entry(&u.code).or_default();
        if !users.contains(&&u.property_id) {
            users.push(&u.property_id);
        }
    }
    let mut compared = 0;
    let mut found: BTreeMap<(ArCode, Side, String, Vec<String>), Vec<PropertyId>> = BTreeMap::new();
    for def in codes {
        let users = by_code.get(&def.code).cloned().unwrap_or_default();
        let mappings: Vec<(Option<&PropertyId>, &PropertyMapping)> = match users.is_empty() {
            true => vec![(None, set.portfolio())],
            false => users.iter().map(|p| (Some(*p), set.for_property(p))).collect(),
        };
        for (property, mapping) in mappings {
            let Some(rule) = mapping.codes.get(&def.code) else { continue };
            let credited: Vec<&AccountName> = match rule {
                CodeRule::Account(account) => vec![account],
                CodeRule::Split(split) => split.shares().iter().map(|s| &s.account).collect(),
            };
            let sides = [
                (Side::Debit, def.gl_debit_account.as_deref(), vec![&mapping.posting.receivables]),
                (Side::Credit, def.gl_credit_account.as_deref(), credited),
            ];
            for (side, entrata, ours) in sides {
                let Some(entrata) = entrata.map(str::trim).filter(|g| !g.is_empty()) else { continue };
                compared += 1;
                let accounts: Vec<(&AccountName, Option<&TargetAccounts>)> =
                    ours.iter().map(|a| (*a, mapping.accounts.get(*a))).collect();
                // A split matches only when every share is Entrata's one account.
                if accounts.iter().all(|(_, t)| t.is_some_and(|t| same(t, entrata))) {
                    continue;
                }
                let shown = accounts.iter().map(|(name, t)| describe(name, *t)).collect();
                let entry = found.entry((def.code.clone(), side, entrata.to_owned(), shown)).or_default();
                entry.extend(property.cloned());
            }
        }
    }
    let differences = found
        .into_iter()
        .map(|((code, side, entrata, ours), properties)| GlDifference {
            code,
            side,
            entrata,
            ours,
            properties,
        })
        .collect();
    GlComparison { compared, differences }
}

fn same(account: &TargetAccounts, entrata: &str) -> bool {
    match &account.entrata {
        Some(stated) => stated.trim() == entrata,
        None => [&account.qbo, &account.xero].into_iter().flatten().any(|t| t.trim() == entrata),
    }
}

fn describe(name: &AccountName, account: Option<&TargetAccounts>) -> String {
    let Some(account) = account else { return name.to_string() };
    let parts: Vec<String> = [("entrata", &account.entrata), ("qbo", &account.qbo), ("xero", &account.xero)]
        .into_iter()
        .filter_map(|(label, value)| value.as_ref().map(|v| format!("{label} {v}")))
        .collect();
    match parts.is_empty() {
        true => name.to_string(),
        false => format!("{name} ({})", parts.join(", ")),
    }
}

/// Entrata's own GL mapping against ours, code by code: where they differ (information, not a
/// finding: nothing is held for it).
pub(crate) fn render(f: &mut fmt::Formatter<'_>, gl: &GlComparison) -> fmt::Result {
    if gl.compared == 0 {
        return Ok(());
    }
    writeln!(f)?;
    if gl.differences.is_empty() {
        return writeln!(
            f,
            "Entrata's own GL mapping agrees with this mapping on every AR code it states GL accounts for ({}).",
            plural(gl.compared, "side", "sides")
        );
    }
    writeln!(
        f,
        "Entrata's own GL books {} differently from this mapping (nothing is held for this; check which is meant, and name Entrata's account with `entrata = \"...\"` in [accounts] when the numbers differ but the accounts are the same):",
        plural(gl.differences.len(), "AR code side", "AR code sides")
    )?;
    for d in &gl.differences {
        let whose = match d.properties.as_slice() {
            [] => "portfolio.toml".to_owned(),
            [one] => one.to_string(),
            many => format!("{} properties", many.len()),
        };
        writeln!(
            f,
            "  {code}: Entrata {side} GL {gl}; the mapping {side} {ours} ({whose})",
            code = d.code,
            side = d.side.as_str(),
            gl = d.entrata,
            ours = d.ours.join(" and "),
        )?;
    }
    Ok(())
}
