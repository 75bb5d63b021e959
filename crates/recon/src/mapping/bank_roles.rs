//! Bank accounts keep to their role (PRODUCT.md §5): only `deposit` entries and payments returned
//! after their deposit (`return`) touch a bank account, so that each such entry equals a line of the
//! bank statement. A bank account named anywhere else (`clearing`, `receivables`, a code, a split,
//! `defer_to`) would move money in or out of the bank with no bank line behind it, and Xero refuses
//! manual journals on bank accounts. The same holds for a logical account that is a bank account in
//! disguise: another name for the same QuickBooks account number or Xero code.
//!
//! Checked on the merged layer, where every value still remembers where it was written.

use std::collections::BTreeSet;

use crate::domain::AccountName;
use crate::mapping::layer::{At, Layer, Problem, RuleLayer};

/// A place where the mapping names an account for a role that is not a bank's.
struct Use<'l> {
    account: &'l At<AccountName>,
    /// `clearing`, `codes.RENT`, ...
    role: String,
    /// What to map there instead.
    instead: &'static str,
}

const CLEARING: &str = "a clearing account such as undeposited funds: payments wait there until a deposit moves them to the bank";
const CODE: &str = "the code's income or liability account";

/// Adds a problem for every non-bank role that names a bank account.
pub(crate) fn check_bank_roles(layer: &Layer, problems: &mut Vec<Problem>) {
    let banks: BTreeSet<&AccountName> =
        layer.posting.bank_accounts.values().map(|name| &name.value).collect();
    if banks.is_empty() {
        return;
    }
    for used in uses(layer) {
        let name = &used.account.value;
        let problem = if banks.contains(name) {
            format!(
                "`{name}` is a bank account (it is in `[posting] bank_accounts`) and cannot be used for `{}`: \
                 only deposits and payments returned after their deposit post to bank accounts",
                used.role
            )
        } else if let Some((target, number, bank)) = same_account_as_a_bank(layer, name, &banks) {
            format!(
                "`{name}` is {target} account {number}, the same account as bank account `{bank}`, and cannot be \
                 used for `{}`: only deposits and payments returned after their deposit post to bank accounts",
                used.role
            )
        } else {
            continue;
        };
        problems.push(Problem::at(used.account.origin, problem).expected(used.instead));
    }
}

fn uses(layer: &Layer) -> Vec<Use<'_>> {
    fn add<'l>(
        uses: &mut Vec<Use<'l>>,
        account: Option<&'l At<AccountName>>,
        role: String,
        instead: &'static str,
    ) {
        if let Some(account) = account {
            uses.push(Use { account, role, instead });
        }
    }
    let posting = &layer.posting;
    let mut uses = Vec::new();
    add(
        &mut uses,
        posting.receivables.as_ref(),
        "receivables".into(),
        "the residents' receivables (A/R) account",
    );
    add(&mut uses, posting.tax_payable.as_ref(), "tax_payable".into(), "a sales tax liability account");
    add(&mut uses, posting.clearing.as_ref(), "clearing".into(), CLEARING);
    for (method, account) in &posting.clearing_by_method {
        add(&mut uses, Some(account), format!("clearing_by_method.{}", method.as_str()), CLEARING);
    }
    for (code, rule) in &layer.codes {
        match &rule.value {
            RuleLayer::Account(account) => add(&mut uses, Some(account), format!("codes.{code}"), CODE),
            RuleLayer::Split(shares) => {
                for (account, _) in shares {
                    add(&mut uses, Some(account), format!("codes.{code}.split"), CODE);
                }
            }
        }
    }
    let deferral = "a liability account such as prepaid rent";
    add(&mut uses, layer.proration.defer_to.as_ref(), "defer_to".into(), deferral);
    uses
}

/// The target, account number and bank of a bank account that `name` is another name for.
fn same_account_as_a_bank<'l>(
    layer: &'l Layer,
    name: &AccountName,
    banks: &BTreeSet<&'l AccountName>,
) -> Option<(&'static str, &'l str, &'l AccountName)> {
    let account = layer.accounts.get(name)?;
    banks.iter().find_map(|bank| {
        let bank_account = layer.accounts.get(*bank)?;
        let same = |ours: &'l Option<At<String>>, theirs: &Option<At<String>>| {
            ours.as_ref()
                .zip(theirs.as_ref())
                .filter(|(a, b)| a.value == b.value)
                .map(|(a, _)| a.value.as_str())
        };
        same(&account.qbo, &bank_account.qbo)
            .map(|number| ("QuickBooks", number, *bank))
            .or_else(|| same(&account.xero, &bank_account.xero).map(|code| ("Xero", code, *bank)))
    })
}
