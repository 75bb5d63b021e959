//! Every kind of mapping-file mistake, with the exact line the user reads (`file:line:col: ...`).
//!
//! Each case is a set of files and the full expected output; "" means the files load.

use std::path::PathBuf;

use entrata_recon::mapping::{SourceFile, from_sources};

/// Twelve lines; cases append from line 13 (inside `[posting]` unless they open a table).
const BASE: &str = r#"version = 1
[accounts]
receivables = { qbo = "1200", xero = "1210" }
tax_payable = { qbo = "2200" }
undeposited_funds = { qbo = "1499" }
rental_income = { qbo = "4000" }
water_income = { qbo = "4210" }
sewer_income = { qbo = "4220" }
[posting]
receivables = "receivables"
tax_payable = "tax_payable"
clearing = "undeposited_funds"
"#;

/// `files[0]` is portfolio.toml; the others are named relative to `mappings/`.
fn check(files: &[(&str, &str)], expected: &str) {
    let source = |(name, text): &(&str, &str)| SourceFile {
        path: PathBuf::from("mappings").join(name),
        text: (*text).to_owned(),
    };
    let (portfolio, properties) = files.split_first().expect("a portfolio file");
    assert_eq!(portfolio.0, "portfolio.toml");
    let got = match from_sources(source(portfolio), properties.iter().map(source).collect()) {
        Ok(_) => String::new(),
        Err(errors) => errors.to_string(),
    };
    assert_eq!(got, expected.trim(), "\nfiles: {files:#?}");
}

fn base(extra: &str) -> String {
    format!("{BASE}{extra}")
}

#[test]
fn valid_files_load() {
    check(&[("portfolio.toml", BASE)], "");
    check(&[("portfolio.toml", &base("[journal]\ngroup_by = \"item\"\n"))], "");
    // A property file may add an account and use it; the portfolio never sees it.
    check(
        &[
            ("portfolio.toml", BASE),
            (
                "properties/prop_a.toml",
                "[accounts]\nparking = { xero = \"4300\" }\n[codes.PARK]\naccount = \"parking\"\n",
            ),
        ],
        "",
    );
    // A code's rule is replaced whole: a split in the portfolio may become one account.
    check(
        &[
            (
                "portfolio.toml",
                &base(
                    "[codes.UTIL]\nsplit = [{ account = \"water_income\", percent = \"70\" }, { account = \"sewer_income\", percent = 30 }]\n",
                ),
            ),
            ("properties/prop_a.toml", "version = 1\n[codes.UTIL]\naccount = \"water_income\"\n"),
        ],
        "",
    );
    // An empty property file is the portfolio.
    check(&[("portfolio.toml", BASE), ("properties/1150907.toml", "")], "");
}

#[test]
fn syntax_errors() {
    check(
        &[("portfolio.toml", &base("[journal]\ngroup_by = \"day\n"))],
        "mappings/portfolio.toml:14:16: invalid TOML: invalid basic string; expected `\"`",
    );
    check(
        &[("portfolio.toml", &base("[journal]\ngroup_by = day\n"))],
        "mappings/portfolio.toml:14:12: invalid TOML: string values must be quoted; expected literal string",
    );
    check(
        &[("portfolio.toml", &base("[journal]\ngroup_by = \"day\"\ngroup_by = \"item\"\n"))],
        "mappings/portfolio.toml:15:1: invalid TOML: duplicate key `group_by`",
    );
    // Syntax errors in one file do not hide the mistakes of another.
    check(
        &[
            ("portfolio.toml", &base("[journal\n")),
            ("properties/prop_a.toml", "[journal]\ngrup_by = \"day\"\n"),
        ],
        r#"
mappings/portfolio.toml:13:9: invalid TOML: unclosed table; expected `]`
mappings/properties/prop_a.toml:2:1: unknown key `grup_by` in `[journal]`; did you mean `group_by`?
"#,
    );
}

#[test]
fn unknown_keys() {
    check(
        &[("portfolio.toml", &base("[journal]\ngruop_by = \"day\"\n"))],
        "mappings/portfolio.toml:14:1: unknown key `gruop_by` in `[journal]`; did you mean `group_by`?",
    );
    check(
        &[("portfolio.toml", &base("[journal]\ncolour = \"red\"\n"))],
        "mappings/portfolio.toml:14:1: unknown key `colour` in `[journal]`; \
         expected one of `group_by`, `doc_prefix`, `doc_property`",
    );
    check(
        &[("portfolio.toml", &base("[codez.RENT]\naccount = \"rental_income\"\n"))],
        "mappings/portfolio.toml:13:2: unknown key `codez` at the top level; did you mean `codes`?",
    );
    check(
        &[("portfolio.toml", &base("clearing_by_metod = { card = \"undeposited_funds\" }\n"))],
        "mappings/portfolio.toml:13:1: unknown key `clearing_by_metod` in `[posting]`; \
         did you mean `clearing_by_method`?",
    );
    check(
        &[("portfolio.toml", &base("[codes.RENT]\naccount = \"rental_income\"\nacount = \"x\"\n"))],
        "mappings/portfolio.toml:15:1: unknown key `acount` in `[codes.RENT]`; did you mean `account`?",
    );
    // A property file may not introduce a key the schema does not know.
    check(
        &[("portfolio.toml", BASE), ("properties/prop_a.toml", "[dimensions]\nqbo_clas = \"Lakeview\"\n")],
        "mappings/properties/prop_a.toml:2:1: unknown key `qbo_clas` in `[dimensions]`; did you mean `qbo_class`?",
    );
}

#[test]
fn wrong_types_and_values() {
    check(
        &[("portfolio.toml", &base("[journal]\ngroup_by = 1\n"))],
        "mappings/portfolio.toml:14:12: wrong type for `group_by` in `[journal]`: found an integer; \
         expected a string, one of `day`, `post_month`, `item`",
    );
    check(
        &[("portfolio.toml", &base("[journal]\ngroup_by = \"daily\"\n"))],
        "mappings/portfolio.toml:14:12: unknown value `daily` for `group_by` in `[journal]`; did you mean `day`?",
    );
    check(
        &[("portfolio.toml", &base("[journal]\ngroup_by = \"weekly\"\n"))],
        "mappings/portfolio.toml:14:12: unknown value `weekly` for `group_by` in `[journal]`; \
         expected one of `day`, `post_month`, `item`",
    );
    check(
        &[(
            "portfolio.toml",
            &base("[proration]\nmethod = \"actual\"\nrounding = \"half_evn\"\nremainder = 1\n"),
        )],
        r#"
mappings/portfolio.toml:14:10: unknown value `actual` for `method` in `[proration]`; expected one of `actual_days`, `thirty_day`, `days_365`
mappings/portfolio.toml:15:12: unknown value `half_evn` for `rounding` in `[proration]`; did you mean `half_even`?
mappings/portfolio.toml:16:13: wrong type for `remainder` in `[proration]`: found an integer; expected a string, one of `first`, `last`
"#,
    );
    check(
        &[("portfolio.toml", &base("[dimensions]\nqbo_class = true\n"))],
        "mappings/portfolio.toml:14:13: wrong type for `qbo_class` in `[dimensions]`: found a boolean; \
         expected a string: a QuickBooks class name",
    );
    check(
        &[("portfolio.toml", &base("[codes]\nRENT = \"rental_income\"\n"))],
        "mappings/portfolio.toml:14:8: wrong type for `RENT` in `[codes]`: found a string; expected a table",
    );
    check(
        &[("portfolio.toml", &format!("{BASE}[journal]\ndoc_prefix = \"ENTR\"\ndoc_property = \"LV-01\"\n"))],
        r#"
mappings/portfolio.toml:14:14: `doc_prefix` in `[journal]` is `ENTR`; expected 1 to 3 letters or digits, so that document numbers fit QuickBooks' 21 characters
mappings/portfolio.toml:15:16: `doc_property` in `[journal]` is `LV-01`; expected 1 to 5 letters or digits, so that document numbers fit QuickBooks' 21 characters
"#,
    );
    check(
        &[("portfolio.toml", &base("[proration]\ncheck_tolerance = \"-0.01\"\n"))],
        "mappings/portfolio.toml:14:19: `check_tolerance` in `[proration]` is negative; \
         expected an amount of 0 or more, such as `\"0.01\"`",
    );
    check(
        &[("portfolio.toml", &base("[proration]\ncheck_tolerance = 0.01\n"))],
        "mappings/portfolio.toml:14:19: `check_tolerance` in `[proration]` is the TOML float `0.01`, \
         which is not exact; did you mean `\"0.01\"`?",
    );
    check(
        &[("portfolio.toml", &base("[proration]\ncheck_tolerance = \"1 cent\"\n"))],
        "mappings/portfolio.toml:14:19: `check_tolerance` in `[proration]` is `1 cent`, not a decimal number; \
         expected a decimal string such as `\"70.5\"`, or a whole number",
    );
    check(
        &[("portfolio.toml", &base("[dimensions]\nqbo_customer = \" Lakeview\"\nqbo_class = \"\"\n"))],
        r#"
mappings/portfolio.toml:14:16: `qbo_customer` in `[dimensions]` starts or ends with spaces; expected a QuickBooks customer name, without surrounding spaces
mappings/portfolio.toml:15:13: `qbo_class` in `[dimensions]` is empty; expected a QuickBooks class name
"#,
    );
}

#[test]
fn versions() {
    check(
        &[("portfolio.toml", BASE.trim_start_matches("version = 1\n"))],
        "mappings/portfolio.toml:1:1: missing `version`; expected `version = 1` at the top of portfolio.toml",
    );
    check(
        &[("portfolio.toml", &BASE.replace("version = 1", "version = \"1\""))],
        "mappings/portfolio.toml:1:11: wrong type for `version` at the top level: found a string; \
         expected the integer `1`",
    );
    check(
        &[("portfolio.toml", BASE), ("properties/prop_a.toml", "version = 2\n")],
        "mappings/properties/prop_a.toml:1:11: unsupported mapping file version `2`; expected `version = 1`",
    );
}

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
mappings/properties/prop_a.toml:1:1: unknown key `colour` at the top level; expected one of `version`, `journal`, `accounts`, `posting`, `codes`, `proration`, `dimensions`
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
