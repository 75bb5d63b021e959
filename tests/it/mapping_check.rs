//! `mappings check`: AR codes with no rule, the report a controller reads, exit codes, speed.

use std::path::Path;

use entrata_recon::domain::{ArCode, Currency, Money, PropertyId};
use entrata_recon::mapping::{
    CheckReport, CodeUsage, MappingSet, load, missing_target_accounts, target_account_refs, unmapped_codes,
};
use entrata_recon::targets::TargetKind;
use rust_decimal::Decimal;

fn full_set() -> MappingSet {
    load(Path::new("tests/data/mappings/full")).expect("valid mapping files")
}

fn usage(property: &str, code: &str, items: u64, amount: &str, currency: &str) -> CodeUsage {
    let amount: Decimal = amount.parse().expect("test amount");
    let currency = Currency::parse(currency).expect("test currency");
    CodeUsage {
        property_id: PropertyId::new(property),
        code: ArCode::new(code),
        items,
        amount: Money::new(amount, currency).expect("test money"),
    }
}

fn properties(ids: &[&str]) -> Vec<PropertyId> {
    ids.iter().map(PropertyId::new).collect()
}

fn row(usage: &CodeUsage) -> String {
    format!("{} {} {} {}", usage.property_id, usage.code, usage.items, usage.amount)
}

#[test]
fn unmapped_codes_follow_each_propertys_merged_mapping() {
    let set = full_set();
    let seen = vec![
        usage("prop_ridge", "PARK", 2, "50.00", "USD"),
        usage("prop_lakeview", "PARK", 4, "100.00", "USD"), // lakeview's own file maps PARK
        usage("prop_other", "RENT", 10, "12950.00", "USD"), // portfolio maps RENT
        usage("prop_other", "PETFEE", 1, "35.00", "USD"),
        usage("prop_other", "PETFEE", 2, "70.00", "USD"), // same line: added up
        usage("prop_other", "PETFEE", 1, "-10.00", "CAD"), // another currency: its own line
        usage("prop_ridge", "Rent", 1, "-25.00", "USD"),  // codes match exactly
    ];
    let rows: Vec<String> = unmapped_codes(&set, seen).iter().map(row).collect();
    assert_eq!(
        rows,
        [
            "prop_other PETFEE 1 -10.00 CAD",
            "prop_other PETFEE 3 105.00 USD",
            "prop_ridge PARK 2 50.00 USD",
            "prop_ridge Rent 1 -25.00 USD",
        ]
    );
}

#[test]
fn report_lists_held_codes_with_money_waiting() {
    let set = full_set();
    // The state file knows no prop_lakeview: its file is misnamed, and the report says so.
    let seen = vec![
        usage("prop_ridge", "PARK", 2, "50.00", "USD"),
        usage("prop_ridge", "Rent", 1, "-25.00", "USD"),
        usage("prop_21a91f0", "PETFEE", 12, "300.00", "USD"),
    ];
    let known = properties(&["prop_21a91f0", "prop_lakeviews", "prop_ridge"]);
    let report = CheckReport::checked(&set, seen, &known, &[]);
    assert_eq!((report.exit_code(false), report.exit_code(true)), (1, 2));
    insta::assert_snapshot!(report.to_string());
}

#[test]
fn report_when_every_code_has_a_rule() {
    let set = full_set();
    let seen = vec![
        usage("prop_lakeview", "RENT", 40, "51800.00", "USD"),
        usage("prop_lakeview", "PARK", 3, "75.00", "USD"),
        usage("prop_ridge", "UTIL", 20, "900.00", "USD"),
    ];
    let known = properties(&["prop_lakeview", "prop_ridge"]);
    let report = CheckReport::checked(&set, seen, &known, &[]);
    assert_eq!((report.exit_code(false), report.exit_code(true)), (0, 0));
    assert_eq!(
        report.to_string(),
        "Mapping files OK: tests/data/mappings/full/portfolio.toml and 2 property files.\n\
         Every AR code in the state file has a rule (3 codes across 2 properties).\n"
    );
}

#[test]
fn report_before_anything_was_pulled() {
    let report = CheckReport::checked(&full_set(), Vec::new(), &[], &[]);
    assert_eq!(report.exit_code(true), 0);
    assert_eq!(
        report.to_string(),
        "Mapping files OK: tests/data/mappings/full/portfolio.toml and 2 property files.\n\
         The state file has no items yet: AR codes are checked once something is pulled.\n"
    );
}

/// One code across many properties is one code: the headline counts codes, then items, properties
/// and money.
#[test]
fn one_code_across_ten_properties_is_one_code() {
    let set = full_set();
    let seen: Vec<CodeUsage> =
        (0..10).map(|n| usage(&format!("prop_{n:04}"), "MISC", 1, "78.50", "USD")).collect();
    let known: Vec<PropertyId> = seen.iter().map(|u| u.property_id.clone()).collect();
    let report = CheckReport::checked(&set, seen, &known, &[]).to_string();
    assert!(
        report.contains(
            "1 AR code (MISC) has no rule: 10 items across 10 properties, 785.00 USD waiting; held, not posted:"
        ),
        "{report}"
    );
    let many: Vec<CodeUsage> = ["A1", "B2", "C3", "D4", "E5", "F6", "G7"]
        .iter()
        .map(|code| usage("prop_ridge", code, 2, "1.00", "USD"))
        .collect();
    let report =
        CheckReport::checked(&set, many, &properties(&["prop_ridge", "prop_lakeview"]), &[]).to_string();
    assert!(
        report.contains(
            "7 AR codes (A1, B2, C3, D4, E5 and 2 more) have no rule: 14 items across 1 property, 7.00 USD waiting"
        ),
        "{report}"
    );
}

/// A property file named after no property Entrata knows: an error under `--strict`, with the
/// nearest known id; not checked before anything was pulled.
#[test]
fn property_files_named_after_no_known_property() {
    let set = full_set();
    let seen = vec![usage("prop_ridge", "RENT", 1, "1.00", "USD")];
    let report =
        CheckReport::checked(&set, seen.clone(), &properties(&["prop_lakeviews", "prop_ridge"]), &[]);
    assert_eq!((report.exit_code(false), report.exit_code(true)), (1, 2));
    let text = report.to_string();
    assert!(
        text.contains(
            "tests/data/mappings/full/properties/prop_lakeview.toml matches no property Entrata knows, so its \
             settings apply to nothing; did you mean prop_lakeviews (rename it to prop_lakeviews.toml)?"
        ),
        "{text}"
    );
    let far =
        CheckReport::checked(&set, seen.clone(), &properties(&["prop_0001", "prop_ridge"]), &[]).to_string();
    assert!(far.contains("a property file is named after the property's id (`<propertyId>.toml`)"), "{far}");
    let nothing_known = CheckReport::checked(&set, seen, &[], &[]);
    assert_eq!(nothing_known.exit_code(true), 0);
}

#[test]
fn mistakes_in_the_files_always_exit_2() {
    let errors = load(Path::new("tests/data/mappings/three-mistakes")).expect_err("three mistakes");
    let report = CheckReport::invalid(errors);
    assert_eq!((report.exit_code(false), report.exit_code(true)), (2, 2));
}

/// PRODUCT.md §7.6: "`mappings check` runs in well under a second", with hundreds of properties.
#[test]
fn hundreds_of_property_files_load_quickly() {
    let dir = tempfile::tempdir().expect("temp dir");
    let portfolio = std::fs::read_to_string("tests/data/mappings/full/portfolio.toml").expect("test file");
    let codes: String = (0..100).map(|n| format!("[codes.FEE{n}]\naccount = \"rental_income\"\n")).collect();
    std::fs::write(dir.path().join("portfolio.toml"), format!("{portfolio}{codes}")).expect("write");
    std::fs::create_dir(dir.path().join("properties")).expect("mkdir");
    let property =
        std::fs::read_to_string("tests/data/mappings/full/properties/prop_lakeview.toml").expect("file");
    for n in 0..500 {
        std::fs::write(dir.path().join(format!("properties/prop_{n:04}.toml")), &property).expect("write");
    }

    let set = load(dir.path()).expect("valid mapping files");

    assert_eq!(set.overridden_properties().count(), 500);
    assert_eq!(set.for_property(&PropertyId::new("prop_0499")).codes.len(), 105);
    // Speed is not asserted in tests (about 0.1 s unoptimized on 2 cores when last looked at).
}

#[test]
fn accounts_in_use_without_an_account_in_a_target() {
    let set = full_set();
    // prop_lakeview posts bank_002 to `lakeview_bank`, which has a QuickBooks account only.
    let missing: Vec<String> = missing_target_accounts(&set, TargetKind::Xero)
        .iter()
        .map(|gap| {
            format!("{:?} {:?} {}", gap.target, gap.property_id.as_ref().map(PropertyId::as_str), gap.account)
        })
        .collect();
    assert_eq!(missing, ["Xero Some(\"prop_lakeview\") lakeview_bank"]);
    assert!(missing_target_accounts(&set, TargetKind::Qbo).is_empty());

    let refs = target_account_refs(&set, TargetKind::Xero);
    let names = |reference: &str| -> Vec<String> {
        refs.get(reference).map(|names| names.iter().map(|n| n.to_string()).collect()).unwrap_or_default()
    };
    assert_eq!(names("4000"), ["rental_income"]);
    assert_eq!(names("4001"), ["rental_income"]); // prop_lakeview's own Xero account
    assert_eq!(names("4220"), ["sewer_income"]); // the portfolio's UTIL split
    assert!(refs.contains_key("4090")); // CONC
    assert!(!refs.contains_key("1011")); // a QuickBooks account
    assert!(!refs.values().flatten().any(|name| name.as_str() == "lakeview_bank"));

    let report = CheckReport::checked(
        &set,
        vec![usage("prop_lakeview", "RENT", 1, "1.00", "USD")],
        &properties(&["prop_lakeview", "prop_ridge"]),
        &[TargetKind::Qbo, TargetKind::Xero],
    );
    assert_eq!((report.exit_code(false), report.exit_code(true)), (1, 2));
    insta::assert_snapshot!(report.to_string());
}

/// Issue 16, item 11: a property Entrata knows with no property file posts with the portfolio's
/// settings only (no class, location or tracking): a finding at the top, counted in the headline,
/// never "Mapping files OK".
#[test]
fn a_known_property_with_no_file_is_a_finding_at_the_top() {
    let set = full_set();
    let seen =
        vec![usage("prop_ridge", "RENT", 1, "1.00", "USD"), usage("prop_new", "RENT", 1, "1.00", "USD")];
    let report =
        CheckReport::checked(&set, seen, &properties(&["prop_lakeview", "prop_new", "prop_ridge"]), &[]);
    assert_eq!((report.exit_code(false), report.exit_code(true)), (1, 2));
    let text = report.to_string();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some(
            "Mapping files read (tests/data/mappings/full/portfolio.toml and 2 property files): 1 finding for a person, below."
        )
    );
    assert_eq!(lines.next(), Some(""));
    let finding = lines.next().unwrap_or_default();
    assert!(finding.starts_with("1 property Entrata knows has no property file (prop_new): its entries post with portfolio.toml's settings only (no QuickBooks class"), "{text}");
    assert!(!text.contains("Mapping files OK"), "{text}");
}
