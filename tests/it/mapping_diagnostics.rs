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

mod rules;
