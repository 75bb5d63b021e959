//! A merged layer to a `PropertyMapping`: applies the defaults, and checks what only the merged
//! whole can show (required keys, and that every logical account used is defined).

use std::collections::BTreeMap;

use crate::domain::{AccountName, BookName};
use crate::mapping::bank_roles::check_bank_roles;
use crate::mapping::diagnostic::nearest;
use crate::mapping::layer::{At, FileId, Layer, Origin, Problem, RuleLayer};
use crate::mapping::model::{
    CodeRule, DayCount, Dimensions, GroupBy, JournalSettings, PostingRules, PropertyMapping, Proration,
    Remainder, Rounding, Split, SplitShare, TargetAccounts,
};

pub(crate) const DEFAULT_DOC_PREFIX: &str = "EN";

/// `None` when anything is missing or unknown; every such mistake is in `problems`.
pub(crate) fn resolve(
    layer: &Layer,
    portfolio: FileId,
    problems: &mut Vec<Problem>,
) -> Option<PropertyMapping> {
    let before = problems.len();
    let mut resolver = Resolver { layer, problems };

    let receivables = resolver.required_account(&layer.posting.receivables, "receivables", portfolio);
    let tax_payable = resolver.required_account(&layer.posting.tax_payable, "tax_payable", portfolio);
    let clearing = resolver.required_account(&layer.posting.clearing, "clearing", portfolio);
    let clearing_by_method = layer
        .posting
        .clearing_by_method
        .iter()
        .filter_map(|(method, name)| Some((*method, resolver.account(name)?)))
        .collect();
    let bank_accounts = layer
        .posting
        .bank_accounts
        .iter()
        .filter_map(|(bank, name)| Some((bank.clone(), resolver.account(name)?)))
        .collect();
    let codes =
        layer.codes.iter().filter_map(|(code, rule)| Some((code.clone(), resolver.rule(rule)?))).collect();
    let defer_to = layer.proration.defer_to.as_ref().and_then(|name| resolver.account(name));
    if problems.len() == before {
        check_bank_roles(layer, problems);
    }

    if problems.len() > before {
        return None;
    }
    Some(PropertyMapping {
        book: layer.book.as_ref().map_or_else(BookName::default_book, |book| book.value.clone()),
        journal: JournalSettings {
            group_by: value_or(&layer.journal.group_by, GroupBy::Day),
            doc_prefix: layer
                .journal
                .doc_prefix
                .as_ref()
                .map_or_else(|| DEFAULT_DOC_PREFIX.to_owned(), |prefix| prefix.value.clone()),
            doc_property: layer.journal.doc_property.as_ref().map(|code| code.value.clone()),
        },
        accounts: accounts(layer),
        posting: PostingRules {
            receivables: receivables?,
            tax_payable: tax_payable?,
            clearing: clearing?,
            clearing_by_method,
            bank_accounts,
        },
        codes,
        proration: Proration {
            method: value_or(&layer.proration.method, DayCount::ActualDays),
            rounding: value_or(&layer.proration.rounding, Rounding::HalfEven),
            remainder: value_or(&layer.proration.remainder, Remainder::Last),
            defer_to,
            check_tolerance: layer.proration.check_tolerance.as_ref().map(|tolerance| tolerance.value),
        },
        dimensions: Dimensions {
            qbo_class: text(&layer.dimensions.qbo_class),
            qbo_location: text(&layer.dimensions.qbo_location),
            xero_tracking: layer
                .dimensions
                .xero_tracking
                .as_ref()
                .map(|t| t.value.clone())
                .unwrap_or_default(),
            qbo_customer: text(&layer.dimensions.qbo_customer),
            xero_contact: text(&layer.dimensions.xero_contact),
        },
    })
}

struct Resolver<'l, 'p> {
    layer: &'l Layer,
    problems: &'p mut Vec<Problem>,
}

impl Resolver<'_, '_> {
    /// The name, when `[accounts]` defines it.
    fn account(&mut self, name: &At<AccountName>) -> Option<AccountName> {
        if self.layer.accounts.contains_key(&name.value) {
            return Some(name.value.clone());
        }
        let known = self.layer.accounts.keys().map(AccountName::as_str);
        self.problems.push(
            Problem::at(name.origin, format!("unknown account `{}`", name.value))
                .expected("a logical account defined in `[accounts]`")
                .suggestion(nearest(name.value.as_str(), known)),
        );
        None
    }

    /// A `[posting]` account every property needs. When it is missing it is missing from
    /// portfolio.toml (a property file cannot remove a key), so that is where it is reported.
    fn required_account(
        &mut self,
        name: &Option<At<AccountName>>,
        key: &str,
        portfolio: FileId,
    ) -> Option<AccountName> {
        match name {
            Some(name) => self.account(name),
            None => {
                let origin = self.layer.posting.table.unwrap_or(Origin::file_start(portfolio));
                self.problems.push(Problem::at(origin, format!("missing `{key}` in `[posting]`")).expected(
                    format!("`{key} = \"...\"`, the logical account every property posts {}", purpose(key)),
                ));
                None
            }
        }
    }

    fn rule(&mut self, rule: &At<RuleLayer>) -> Option<CodeRule> {
        match &rule.value {
            RuleLayer::Account(name) => self.account(name).map(CodeRule::Account),
            RuleLayer::Split(shares) => {
                let resolved: Vec<SplitShare> = shares
                    .iter()
                    .filter_map(|(name, percent)| {
                        Some(SplitShare { account: self.account(name)?, percent: *percent })
                    })
                    .collect();
                if resolved.len() != shares.len() {
                    return None;
                }
                match Split::new(resolved) {
                    Ok(split) => Some(CodeRule::Split(split)),
                    // The reader already refused such splits; kept as a report, never a panic.
                    Err(error) => {
                        self.problems.push(Problem::at(rule.origin, error.to_string()));
                        None
                    }
                }
            }
        }
    }
}

fn purpose(key: &str) -> &'static str {
    match key {
        "receivables" => "charges to and payments from",
        "tax_payable" => "the tax part of charges to",
        _ => "payments to until they are deposited",
    }
}

fn accounts(layer: &Layer) -> BTreeMap<AccountName, TargetAccounts> {
    layer
        .accounts
        .iter()
        .map(|(name, account)| {
            let target = TargetAccounts {
                qbo: text(&account.qbo),
                xero: text(&account.xero),
                entrata: text(&account.entrata),
            };
            (name.clone(), target)
        })
        .collect()
}

fn value_or<T: Copy>(value: &Option<At<T>>, default: T) -> T {
    value.as_ref().map_or(default, |at| at.value)
}

fn text(value: &Option<At<String>>) -> Option<String> {
    value.as_ref().map(|at| at.value.clone())
}
