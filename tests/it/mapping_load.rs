//! Loading mapping directories from disk: the merged result, and what a broken directory reports.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use entrata_recon::domain::{AccountName, ArCode, BankAccountId, BookName, PaymentMethod, PropertyId};
use entrata_recon::mapping::{
    CheckReport, CodeRule, DayCount, Dimensions, GroupBy, JournalSettings, PostingRules, PropertyMapping,
    Proration, Remainder, Rounding, Split, SplitShare, TargetAccounts, XeroTracking, load,
};
use rust_decimal::dec;

fn data(name: &str) -> PathBuf {
    Path::new("tests/data/mappings").join(name)
}

fn name(text: &str) -> AccountName {
    AccountName::new(text)
}

fn both(qbo: &str, xero: &str) -> TargetAccounts {
    TargetAccounts { qbo: Some(qbo.to_owned()), xero: Some(xero.to_owned()), entrata: None }
}

fn account_rule(account: &str) -> CodeRule {
    CodeRule::Account(name(account))
}

fn split_rule(shares: &[(&str, rust_decimal::Decimal)]) -> CodeRule {
    let shares =
        shares.iter().map(|(account, percent)| SplitShare { account: name(account), percent: *percent });
    CodeRule::Split(Split::new(shares.collect()).expect("test split sums to 100"))
}

/// tests/data/mappings/full/portfolio.toml, written out by hand.
fn expected_portfolio() -> PropertyMapping {
    let accounts = [
        ("receivables", "1200", "1210"),
        ("undeposited_funds", "1499", "1499"),
        ("card_clearing", "1498", "1498"),
        ("rental_income", "4000", "4000"),
        ("concessions", "4090", "4090"),
        ("tax_payable", "2200", "2200"),
        ("deposits_held", "2300", "2300"),
        ("prepaid_rent", "2400", "2400"),
        ("operating_bank", "1010", "1010"),
        ("water_income", "4210", "4210"),
        ("sewer_income", "4220", "4220"),
    ];
    PropertyMapping {
        book: BookName::default_book(),
        journal: JournalSettings { group_by: GroupBy::Day, doc_prefix: "EN".to_owned(), doc_property: None },
        accounts: accounts.iter().map(|(logical, qbo, xero)| (name(logical), both(qbo, xero))).collect(),
        posting: PostingRules {
            receivables: name("receivables"),
            tax_payable: name("tax_payable"),
            clearing: name("undeposited_funds"),
            clearing_by_method: BTreeMap::from([(PaymentMethod::Card, name("card_clearing"))]),
            bank_accounts: BTreeMap::from([(BankAccountId::new("bank_001"), name("operating_bank"))]),
        },
        codes: BTreeMap::from([
            (ArCode::new("RENT"), account_rule("rental_income")),
            (ArCode::new("CONC"), account_rule("concessions")),
            (ArCode::new("UTIL"), split_rule(&[("water_income", dec!(70)), ("sewer_income", dec!(30))])),
            (ArCode::new("SECDEP"), account_rule("deposits_held")),
        ]),
        proration: Proration {
            method: DayCount::ActualDays,
            rounding: Rounding::HalfEven,
            remainder: Remainder::Last,
            defer_to: Some(name("prepaid_rent")),
            check_tolerance: None,
        },
        dimensions: Dimensions {
            xero_tracking: vec![XeroTracking { name: "Region".to_owned(), option: "Midwest".to_owned() }],
            ..Dimensions::default()
        },
    }
}

#[test]
fn full_portfolio_and_two_property_files_merge_key_by_key() {
    let set = load(&data("full")).expect("valid mapping files");

    let portfolio = expected_portfolio();
    assert_eq!(set.portfolio(), &portfolio);

    // properties/prop_lakeview.toml: tables merge key by key, arrays and code rules are replaced.
    let mut lakeview = expected_portfolio();
    lakeview.journal.doc_property = Some("LV001".to_owned());
    lakeview.accounts.insert(
        name("lakeview_bank"),
        TargetAccounts { qbo: Some("1011".to_owned()), xero: None, entrata: None },
    );
    lakeview.accounts.insert(name("rental_income"), both("4000", "4001"));
    lakeview.posting.bank_accounts.insert(BankAccountId::new("bank_002"), name("lakeview_bank"));
    lakeview.codes.insert(ArCode::new("UTIL"), split_rule(&[("water_income", dec!(100))]));
    lakeview.codes.insert(ArCode::new("PARK"), account_rule("rental_income"));
    lakeview.proration.check_tolerance = Some(dec!(0.05));
    lakeview.dimensions = Dimensions {
        qbo_class: Some("Lakeview".to_owned()),
        qbo_location: Some("Omaha".to_owned()),
        xero_tracking: vec![XeroTracking { name: "Property".to_owned(), option: "Lakeview".to_owned() }],
        qbo_customer: Some("Lakeview Apartments - Residents".to_owned()),
        xero_contact: Some("Lakeview Apartments - Residents".to_owned()),
    };
    assert_eq!(set.for_property(&PropertyId::new("prop_lakeview")), &lakeview);

    // properties/prop_ridge.toml: a split becomes one account, an empty array clears tracking.
    let mut ridge = expected_portfolio();
    ridge.journal.group_by = GroupBy::PostMonth;
    ridge.journal.doc_prefix = "RG".to_owned();
    ridge.posting.clearing = name("card_clearing");
    ridge.posting.clearing_by_method.insert(PaymentMethod::Check, name("undeposited_funds"));
    ridge.codes.insert(ArCode::new("UTIL"), account_rule("water_income"));
    ridge.proration.method = DayCount::ThirtyDay;
    ridge.proration.rounding = Rounding::HalfUp;
    ridge.proration.remainder = Remainder::First;
    ridge.dimensions.xero_tracking = Vec::new();
    assert_eq!(set.for_property(&PropertyId::new("prop_ridge")), &ridge);

    // A property without a file gets the portfolio.
    assert_eq!(set.for_property(&PropertyId::new("prop_other")), &portfolio);

    let overridden: Vec<&str> = set.overridden_properties().map(PropertyId::as_str).collect();
    assert_eq!(overridden, ["prop_lakeview", "prop_ridge"]);
    // README.md and the hidden editor lock file in properties/ are not read.
    let files: Vec<PathBuf> = set.files().to_vec();
    assert_eq!(
        files,
        [
            data("full/portfolio.toml"),
            data("full/properties/prop_lakeview.toml"),
            data("full/properties/prop_ridge.toml")
        ]
    );
}

#[test]
fn defaults_apply_when_tables_are_absent() {
    // bad-files/portfolio.toml is minimal (its properties/ holds the mistakes): read it alone.
    let text = std::fs::read_to_string(data("bad-files/portfolio.toml")).expect("test file");
    let portfolio = entrata_recon::mapping::SourceFile { path: data("bad-files/portfolio.toml"), text };
    let set = entrata_recon::mapping::from_sources(portfolio, Vec::new()).expect("valid portfolio");
    let mapping = set.portfolio();
    assert_eq!(
        mapping.journal,
        JournalSettings { group_by: GroupBy::Day, doc_prefix: "EN".to_owned(), doc_property: None }
    );
    assert_eq!(
        mapping.proration,
        Proration {
            method: DayCount::ActualDays,
            rounding: Rounding::HalfEven,
            remainder: Remainder::Last,
            defer_to: None,
            check_tolerance: None,
        }
    );
    assert_eq!(mapping.dimensions, Dimensions::default());
    assert!(mapping.codes.is_empty());
    assert!(mapping.posting.clearing_by_method.is_empty() && mapping.posting.bank_accounts.is_empty());
}

/// The issue's case: three mistakes in one file, all reported with their line and column.
#[test]
fn three_mistakes_are_all_reported() {
    let errors = load(&data("three-mistakes")).expect_err("three mistakes");
    assert_eq!(errors.diagnostics().len(), 3);
    insta::assert_snapshot!(CheckReport::invalid(errors).to_string());
}

#[test]
fn broken_directories_say_which_path() {
    let check = |dir: &str, expected: &str| {
        let got = load(&data(dir)).expect_err("a broken directory").to_string();
        assert_eq!(got, expected.trim(), "{dir}");
    };
    check(
        "does-not-exist",
        "tests/data/mappings/does-not-exist: the mappings directory does not exist; \
         expected a directory holding `portfolio.toml` (set `[mappings] dir` in recon.toml)",
    );
    check(
        "no-portfolio",
        "tests/data/mappings/no-portfolio/portfolio.toml: the file does not exist; \
         expected the portfolio-wide mapping: `version = 1`, `[accounts]`, `[posting]` and `[codes]`",
    );
    check(
        "bad-files",
        r#"
tests/data/mappings/bad-files/properties/Lakeview Apts.toml: the file name is not a property id; expected `<propertyId>.toml`, such as `prop_21a91f0.toml`: letters, digits, `_` or `-`, at most 64
tests/data/mappings/bad-files/properties/prop_latin1.toml: the file is not UTF-8 text; expected a TOML file saved as UTF-8
tests/data/mappings/bad-files/properties/prop_ok_name.toml:2:12: unknown value `mnth` for `group_by` in `[journal]`; expected one of `day`, `post_month`, `item`
"#,
    );
}

#[test]
fn oversized_files_are_not_read() {
    let dir = tempfile::tempdir().expect("temp dir");
    let padding = "# padding\n".repeat(500_000); // 5 MB of comments
    std::fs::write(dir.path().join("portfolio.toml"), padding).expect("write");
    let errors = load(dir.path()).expect_err("too large");
    let diagnostic = &errors.diagnostics()[0];
    assert_eq!(diagnostic.position, None);
    assert_eq!(diagnostic.message, "the file is 5000000 bytes long");
    assert_eq!(diagnostic.expected.as_deref(), Some("a mapping file of at most 4194304 bytes"));
}

/// The example in PRODUCT.md §7, verbatim, loads.
#[test]
fn the_product_spec_example_loads() {
    let set = load(&data("product-example")).expect("PRODUCT.md §7 example");
    let mapping = set.portfolio();
    assert_eq!(mapping.accounts.len(), 10);
    assert_eq!(mapping.codes.len(), 4);
    assert_eq!(mapping.proration.check_tolerance, Some(dec!(0.01)));
    assert_eq!(mapping.dimensions.qbo_customer.as_deref(), Some("Lakeview Apartments - Residents"));
}
