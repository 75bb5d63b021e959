//! Accounts, posting, splits, Xero tracking, portfolio-wide mistakes, file names, ordering,
//! numbers and bank accounts.

use super::{BASE, base, check};

#[test]
fn accounts() {
    check(
        &[("portfolio.toml", &base("[accounts.parking]\n"))],
        "mappings/portfolio.toml:13:1: account `parking` names no account in any target; \
         expected `qbo = \"...\"`, `xero = \"...\"` or both",
    );
    // An unknown key is one mistake, not two.
    check(
        &[("portfolio.toml", &base("[accounts.parking]\nqb = \"4300\"\n"))],
        "mappings/portfolio.toml:14:1: unknown key `qb` in `[accounts.parking]`; did you mean `qbo`?",
    );
    check(
        &[("portfolio.toml", &BASE.replace("{ qbo = \"4000\" }", "{ qbo = 4000 }"))],
        "mappings/portfolio.toml:6:25: wrong type for `qbo` in `[accounts.rental_income]`: found an integer; \
         expected a string: a QuickBooks account number, such as `\"4000\"`",
    );
    check(
        &[("portfolio.toml", &base("[codes.RENT]\naccount = \"rental_incme\"\n"))],
        "mappings/portfolio.toml:14:11: unknown account `rental_incme`; did you mean `rental_income`?",
    );
    check(
        &[("portfolio.toml", &base("[codes.PARK]\naccount = \"parking\"\n"))],
        "mappings/portfolio.toml:14:11: unknown account `parking`; expected a logical account defined in `[accounts]`",
    );
    check(
        &[("portfolio.toml", &base("[proration]\ndefer_to = \"prepaid_rent\"\n"))],
        "mappings/portfolio.toml:14:12: unknown account `prepaid_rent`; expected a logical account defined in `[accounts]`",
    );
    check(
        &[("portfolio.toml", &base("bank_accounts = { bank_001 = \"operating_bank\" }\n"))],
        "mappings/portfolio.toml:13:30: unknown account `operating_bank`; expected a logical account defined in `[accounts]`",
    );
    // Found while checking a property's merge, reported where it was written.
    check(
        &[
            ("portfolio.toml", BASE),
            ("properties/prop_a.toml", "[posting]\nclearing = \"undeposited_fund\"\n"),
        ],
        "mappings/properties/prop_a.toml:2:12: unknown account `undeposited_fund`; did you mean `undeposited_funds`?",
    );
    // An account one property adds is not known to another.
    check(
        &[
            ("portfolio.toml", BASE),
            ("properties/prop_a.toml", "[accounts]\nparking = { qbo = \"4300\" }\n"),
            ("properties/prop_b.toml", "[codes.PARK]\naccount = \"parking\"\n"),
        ],
        "mappings/properties/prop_b.toml:2:11: unknown account `parking`; expected a logical account defined in `[accounts]`",
    );
}

#[test]
fn posting() {
    check(
        &[("portfolio.toml", &BASE.replace("receivables = \"receivables\"\n", ""))],
        "mappings/portfolio.toml:9:1: missing `receivables` in `[posting]`; expected `receivables = \"...\"`, \
         the logical account every property posts charges to and payments from",
    );
    let without_posting = &BASE[..BASE.find("[posting]").expect("BASE has [posting]")];
    check(
        &[("portfolio.toml", without_posting), ("properties/prop_a.toml", "")],
        r#"
mappings/portfolio.toml:1:1: missing `clearing` in `[posting]`; expected `clearing = "..."`, the logical account every property posts payments to until they are deposited
mappings/portfolio.toml:1:1: missing `receivables` in `[posting]`; expected `receivables = "..."`, the logical account every property posts charges to and payments from
mappings/portfolio.toml:1:1: missing `tax_payable` in `[posting]`; expected `tax_payable = "..."`, the logical account every property posts the tax part of charges to
"#,
    );
    check(
        &[(
            "portfolio.toml",
            &base("clearing_by_method = { crad = \"undeposited_funds\", cheque = \"undeposited_funds\" }\n"),
        )],
        r#"
mappings/portfolio.toml:13:24: unknown payment method `crad` in `[posting.clearing_by_method]`; did you mean `card`?
mappings/portfolio.toml:13:52: unknown payment method `cheque` in `[posting.clearing_by_method]`; expected one of `ach`, `card`, `check`, `cash`, `money_order`, `other`
"#,
    );
}

#[test]
fn splits() {
    let utils = |shares: &str| base(&format!("[codes.UTIL]\nsplit = [{shares}]\n"));
    let water = "{ account = \"water_income\", percent = \"70\" }";
    check(
        &[(
            "portfolio.toml",
            &utils(&format!("{water}, {{ account = \"sewer_income\", percent = \"29\" }}")),
        )],
        "mappings/portfolio.toml:14:9: `codes.UTIL.split` shares sum to 99, not 100; expected shares that sum to exactly 100",
    );
    check(
        &[("portfolio.toml", &utils(&format!("{water}, {{ account = \"sewer_income\", percent = 29.5 }}")))],
        "mappings/portfolio.toml:14:94: `percent` in share 2 of `codes.UTIL.split` is the TOML float `29.5`, \
         which is not exact; did you mean `\"29.5\"`?",
    );
    check(
        &[(
            "portfolio.toml",
            &utils(
                "{ account = \"water_income\", percent = \"0\" }, { account = \"sewer_income\", percent = 100 }",
            ),
        )],
        "mappings/portfolio.toml:14:48: share percent 0 in share 1 of `codes.UTIL.split` is out of range; \
         expected more than 0 and at most 100",
    );
    check(
        &[("portfolio.toml", &utils(""))],
        "mappings/portfolio.toml:14:9: `codes.UTIL.split` is empty; expected at least one of shares such as \
         `{ account = \"water_income\", percent = \"70\" }`",
    );
    check(
        &[("portfolio.toml", &utils(&format!("{water}, {{ account = \"sewer_income\" }}")))],
        "mappings/portfolio.toml:14:56: missing `percent` in share 2 of `codes.UTIL.split`; \
         expected a percent such as `\"70\"`",
    );
    check(
        &[("portfolio.toml", &utils(&format!("{water}, {{ account = \"sewr_income\", percent = \"30\" }}")))],
        "mappings/portfolio.toml:14:68: unknown account `sewr_income`; did you mean `sewer_income`?",
    );
    check(
        &[("portfolio.toml", &base("[codes.UTIL]\naccount = \"water_income\"\nsplit = []\n"))],
        "mappings/portfolio.toml:13:1: `[codes.UTIL]` has both `account` and `split`; \
         expected one of them: a code's charges go to one account or are split",
    );
    check(
        &[("portfolio.toml", &base("[codes.UTIL]\n"))],
        "mappings/portfolio.toml:13:1: `[codes.UTIL]` has no rule; expected `account = \"...\"` or `split = [...]`",
    );
}

#[test]
fn xero_tracking() {
    check(
        &[(
            "portfolio.toml",
            &base(
                "[dimensions]\nxero_tracking = [{ name = \"Property\", option = \"A\" }, { name = \"Region\", option = \"B\" }, \
                 { name = \"Property\", option = \"C\" }]\n",
            ),
        )],
        r#"
mappings/portfolio.toml:14:17: `dimensions.xero_tracking` has 3 entries; expected at most 2: Xero allows two tracking categories per line
mappings/portfolio.toml:14:99: tracking category `Property` is named twice; expected each tracking category at most once
"#,
    );
    check(
        &[("portfolio.toml", &base("[dimensions]\nxero_tracking = [{ name = \"Property\" }]\n"))],
        "mappings/portfolio.toml:14:18: missing `option` in tracking 1 of `dimensions.xero_tracking`; \
         expected a Xero tracking option name",
    );
}

#[test]
fn portfolio_mistakes_are_reported_once() {
    let portfolio = base("[codes.RENT]\naccount = \"rental_incme\"\n");
    check(
        &[
            ("portfolio.toml", &portfolio),
            ("properties/prop_a.toml", ""),
            ("properties/prop_b.toml", "[journal]\ngroup_by = \"item\"\n"),
        ],
        "mappings/portfolio.toml:14:11: unknown account `rental_incme`; did you mean `rental_income`?",
    );
    // Unless a property fixes it: then the portfolio alone is still wrong.
    check(
        &[
            ("portfolio.toml", &base("[codes.PARK]\naccount = \"parking\"\n")),
            ("properties/prop_a.toml", "[accounts]\nparking = { qbo = \"4300\" }\n"),
        ],
        "mappings/portfolio.toml:14:11: unknown account `parking`; expected a logical account defined in `[accounts]`",
    );
}

#[test]
fn property_file_names() {
    check(
        &[("portfolio.toml", BASE), ("properties/Lakeview Apartments.toml", "")],
        "mappings/properties/Lakeview Apartments.toml: the file name is not a property id; \
         expected `<propertyId>.toml`, such as `prop_21a91f0.toml`: letters, digits, `_` or `-`, at most 64",
    );
    check(
        &[("portfolio.toml", BASE), ("properties/prop_a.toml", ""), ("other/prop_a.toml", "")],
        "mappings/other/prop_a.toml: a second mapping file for property `prop_a`; expected one file per property",
    );
}

#[test]
fn errors_are_sorted_by_file_line_and_column() {
    check(
        &[
            ("portfolio.toml", &base("[journal]\ngroup_by = \"daily\"\n[codes.RENT]\naccount = \"rent\"\n")),
            ("properties/prop_b.toml", "[journal]\ndoc_prefix = \"\"\n"),
            ("properties/prop_a.toml", "colour = 1\n"),
        ],
        r#"
mappings/portfolio.toml:14:12: unknown value `daily` for `group_by` in `[journal]`; did you mean `day`?
mappings/portfolio.toml:16:11: unknown account `rent`; expected a logical account defined in `[accounts]`
mappings/properties/prop_a.toml:1:1: unknown key `colour` at the top level; expected one of `version`, `book`, `journal`, `accounts`, `posting`, `codes`, `proration`, `dimensions`
mappings/properties/prop_b.toml:2:14: `doc_prefix` in `[journal]` is empty; expected 1 to 3 letters or digits, so that document numbers fit QuickBooks' 21 characters
"#,
    );
}

#[test]
fn a_portfolio_mistake_is_reported_once_whatever_a_property_would_suggest() {
    check(
        &[
            ("portfolio.toml", &base("[codes.PARK]\naccount = \"parkng\"\n")),
            ("properties/prop_a.toml", "[accounts]\nparking = { qbo = \"4300\" }\n"),
        ],
        "mappings/portfolio.toml:14:11: unknown account `parkng`; expected a logical account defined in `[accounts]`",
    );
}

#[test]
fn numbers_that_are_not_decimals() {
    let utils = |percent: &str| {
        base(&format!(
            "[codes.UTIL]\nsplit = [{{ account = \"water_income\", percent = {percent} }}, \
             {{ account = \"sewer_income\", percent = \"30\" }}]\n"
        ))
    };
    check(&[("portfolio.toml", &utils("+70"))], "");
    check(
        &[("portfolio.toml", &utils("0x46"))],
        "mappings/portfolio.toml:14:48: `percent` in share 1 of `codes.UTIL.split` is `0x46`, not a decimal number; \
         expected a decimal string such as `\"70.5\"`, or a whole number",
    );
    check(
        &[("portfolio.toml", &utils("\"70%\""))],
        "mappings/portfolio.toml:14:48: `percent` in share 1 of `codes.UTIL.split` is `70%`, not a decimal number; \
         expected a decimal string such as `\"70.5\"`, or a whole number",
    );
    check(
        &[("portfolio.toml", &utils("7e1"))],
        "mappings/portfolio.toml:14:48: `percent` in share 1 of `codes.UTIL.split` is the TOML float `7e1`, \
         which is not exact; did you mean `\"70\"`?",
    );
    check(
        &[("portfolio.toml", &utils("nan"))],
        "mappings/portfolio.toml:14:48: `percent` in share 1 of `codes.UTIL.split` is the TOML float `nan`, \
         which is not exact; expected a decimal string such as `\"70.5\"`, or a whole number",
    );
}

#[test]
fn bank_accounts_are_only_for_deposits_and_returns() {
    let banked = |extra: &str| {
        base(&format!(
            "bank_accounts = {{ bank_001 = \"operating_bank\" }}\n[accounts.operating_bank]\nqbo = \"1010\"\nxero = \"1010\"\n{extra}"
        ))
    };
    // The plain mapping, with a bank account in its role, loads.
    check(&[("portfolio.toml", &banked(""))], "");
    let role = |name: &str, role: &str| {
        format!(
            "`{name}` is a bank account (it is in `[posting] bank_accounts`) and cannot be used for `{role}`: \
             only deposits and payments returned after their deposit post to bank accounts"
        )
    };
    check(
        &[(
            "portfolio.toml",
            &banked("").replace("clearing = \"undeposited_funds\"", "clearing = \"operating_bank\""),
        )],
        &format!(
            "mappings/portfolio.toml:12:12: {}; expected a clearing account such as undeposited funds: payments wait there until a deposit moves them to the bank",
            role("operating_bank", "clearing")
        ),
    );
    check(
        &[(
            "portfolio.toml",
            &banked("").replace("receivables = \"receivables\"", "receivables = \"operating_bank\""),
        )],
        &format!(
            "mappings/portfolio.toml:10:15: {}; expected the residents' receivables (A/R) account",
            role("operating_bank", "receivables")
        ),
    );
    check(
        &[("portfolio.toml", &banked("[codes.RENT]\naccount = \"operating_bank\"\n"))],
        &format!(
            "mappings/portfolio.toml:18:11: {}; expected the code's income or liability account",
            role("operating_bank", "codes.RENT")
        ),
    );
    check(
        &[("portfolio.toml", &banked("[proration]\ndefer_to = \"operating_bank\"\n"))],
        &format!(
            "mappings/portfolio.toml:18:12: {}; expected a liability account such as prepaid rent",
            role("operating_bank", "defer_to")
        ),
    );
    // Another name for the bank's QuickBooks account number is the bank account too; a property
    // file can make the mistake, and is where it is reported.
    check(
        &[
            ("portfolio.toml", &banked("")),
            (
                "properties/prop_a.toml",
                "[accounts]\ncash_box = { qbo = \"1010\" }\n[posting]\nclearing_by_method = { cash = \"cash_box\" }\n",
            ),
        ],
        "mappings/properties/prop_a.toml:4:31: `cash_box` is QuickBooks account 1010, the same account as bank account \
         `operating_bank`, and cannot be used for `clearing_by_method.cash`: only deposits and payments returned after \
         their deposit post to bank accounts; expected a clearing account such as undeposited funds: payments wait there \
         until a deposit moves them to the bank",
    );
    check(
        &[(
            "portfolio.toml",
            &banked(
                "[accounts.water_income2]\nxero = \"1010\"\n[codes.UTIL]\nsplit = [{ account = \"water_income\", percent = \"70\" }, { account = \"water_income2\", percent = \"30\" }]\n",
            ),
        )],
        "mappings/portfolio.toml:20:68: `water_income2` is Xero account 1010, the same account as bank account \
         `operating_bank`, and cannot be used for `codes.UTIL.split`: only deposits and payments returned after their \
         deposit post to bank accounts; expected the code's income or liability account",
    );
}
