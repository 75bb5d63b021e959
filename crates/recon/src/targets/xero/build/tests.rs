//! Journals vs bank transactions, signed amounts, holds, and the chart check, on the example
//! mappings and a small chart.

use std::path::PathBuf;

use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::*;
use crate::domain::{AccountName, Currency, PropertyId};
use crate::journal::{DocNumber, EntryHeader, EntryKey, JournalKind};
use crate::mapping::examples::EXAMPLE_MAPPINGS;
use crate::mapping::{MappingSet, SourceFile, from_sources};
use crate::targets::xero::chart::ChartFinding;

fn example_mappings() -> MappingSet {
    let file = |name: &str| SourceFile {
        path: PathBuf::from(name),
        text: EXAMPLE_MAPPINGS
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, t)| (*t).to_owned())
            .unwrap_or_default(),
    };
    let properties =
        ["properties/prop_0001.toml", "properties/prop_0002.toml", "properties/prop_0003.toml"].map(file);
    from_sources(file("portfolio.toml"), properties.into()).expect("the example mappings are valid")
}

fn account(code: &str, kind: &str, status: &str, system: Option<&str>) -> wire::Account {
    wire::Account {
        id: format!("id-{code}"),
        code: Some(code.to_owned()),
        name: format!("Account {code}"),
        account_type: kind.to_owned(),
        status: status.to_owned(),
        system_account: system.map(str::to_owned),
    }
}

/// The generated chart's codes; `receivables` (1210) as `receivables_system` says.
fn chart_with(base: &str, receivables_system: Option<&str>, contacts: &[&str]) -> Chart {
    let mut accounts = vec![
        account("1010", "BANK", "ACTIVE", None),
        account("1020", "BANK", "ACTIVE", None),
        account("1210", "CURRENT", "ACTIVE", receivables_system),
        account("4095", "REVENUE", "ARCHIVED", None),
    ];
    for code in ["1498", "1499"] {
        accounts.push(account(code, "CURRENT", "ACTIVE", None));
    }
    for code in ["2200", "2300", "2400"] {
        accounts.push(account(code, "CURRLIAB", "ACTIVE", None));
    }
    for code in ["4000", "4090", "4110", "4120", "4130", "4140", "4150", "4160", "4210", "4220"] {
        accounts.push(account(code, "REVENUE", "ACTIVE", None));
    }
    let option = |name: &str, status: &str| wire::TrackingOption { name: name.into(), status: status.into() };
    let tracking = vec![wire::TrackingCategory {
        name: "Property".into(),
        status: "ACTIVE".into(),
        options: vec![
            option("Lakeview", "ACTIVE"),
            option("Riverbend", "ARCHIVED"),
            option("Harbor Pointe", "ACTIVE"),
        ],
    }];
    let contacts = contacts
        .iter()
        .map(|name| wire::Contact { id: format!("contact-{name}"), name: (*name).to_owned(), status: None })
        .collect();
    let organisation =
        wire::Organisation { base_currency: Some(base.into()), ..wire::Organisation::default() };
    Chart::from_lists(Some(organisation), accounts, tracking, contacts)
}

fn chart() -> Chart {
    chart_with("USD", None, &["Lakeview Apartments - Residents", "Entrata Residents"])
}

fn entry(property: &str, kind: JournalKind, lines: &[(&str, Side, i64)]) -> BalancedEntry {
    let property_id = PropertyId::new(property);
    let header = EntryHeader {
        key: EntryKey::new(&property_id, kind, "2026-02-03", 1),
        doc_number: DocNumber::new(format!("EN-LV001-{}260203-1", kind.doc_letter())).expect("doc number"),
        property_id,
        kind,
        date: chrono::NaiveDate::from_ymd_opt(2026, 2, 3).expect("date"),
        post_month: "2026-02".parse().expect("month"),
        currency: Currency::USD,
        sources: vec!["item_1".into()],
    };
    let lines = lines
        .iter()
        .map(|(account, side, cents)| {
            (AccountName::new(account), *side, Decimal::new(*cents, 2), format!("{account} line"))
        })
        .collect();
    BalancedEntry::new(header, lines).expect("balanced")
}

fn built(chart: &Chart, set: &MappingSet, entry: &BalancedEntry) -> Result<Value, Hold> {
    let mapping = set.for_property(entry.property_id());
    Ok(match document(chart, mapping, entry, None)? {
        Document::Journal(j) => json!({"journal": serde_json::to_value(&j).expect("json")}),
        Document::Bank(b) => json!({"bank": serde_json::to_value(&b).expect("json")}),
    })
}

#[test]
fn ordinary_entries_are_posted_journals_with_signed_lines() {
    let set = example_mappings();
    let charges = entry(
        "prop_0001",
        JournalKind::Charges,
        &[
            ("receivables", Side::Debit, 129_500),
            ("rental_income", Side::Credit, 120_000),
            ("tax_payable", Side::Credit, 9_500),
        ],
    );
    let got = built(&chart(), &set, &charges).expect("built");
    let journal = &got["journal"];
    assert_eq!(
        (journal["Status"].clone(), journal["LineAmountTypes"].clone()),
        (json!("POSTED"), json!("NoTax"))
    );
    assert_eq!(journal["Date"], "2026-02-03");
    assert_eq!(
        journal["Narration"],
        "EN-LV001-C260203-1: Entrata charges for prop_0001 on 2026-02-03 [entrata-recon prop_0001/charges/2026-02-03/1]"
    );
    let lines: Vec<(String, String)> = journal["JournalLines"]
        .as_array()
        .expect("lines")
        .iter()
        .map(|l| (l["AccountCode"].as_str().expect("code").to_owned(), l["LineAmount"].to_string()))
        .collect();
    assert_eq!(
        lines,
        [
            ("1210".into(), "1295.0".into()),
            ("4000".into(), "-1200.0".into()),
            ("2200".into(), "-95.0".into())
        ]
    );
    assert_eq!(journal["JournalLines"][0]["Tracking"], json!([{"Name": "Property", "Option": "Lakeview"}]));
    // The exact text on the wire: two decimals, never a float's rendering.
    let Document::Journal(j) =
        document(&chart(), set.for_property(charges.property_id()), &charges, None).expect("built")
    else {
        panic!("a journal")
    };
    let text = serde_json::to_string(&j).expect("json");
    assert!(text.contains(r#""LineAmount":1295.00,"#) && text.contains(r#""LineAmount":-95.00,"#), "{text}");
}

#[test]
fn deposits_receive_and_returns_spend_money() {
    let set = example_mappings();
    let deposit = entry(
        "prop_0001",
        JournalKind::Deposit,
        &[
            ("operating_bank", Side::Debit, 50_000),
            ("undeposited_funds", Side::Credit, 30_000),
            ("card_clearing", Side::Credit, 20_000),
        ],
    );
    let got = built(&chart(), &set, &deposit).expect("built");
    let bank = &got["bank"];
    assert_eq!(bank["Type"], "RECEIVE");
    assert_eq!(bank["BankAccount"], json!({"Code": "1010"}));
    assert_eq!(bank["Contact"], json!({"ContactID": "contact-Lakeview Apartments - Residents"}));
    assert_eq!(
        (bank["Reference"].clone(), bank["Status"].clone()),
        (json!("EN-LV001-D260203-1"), json!("AUTHORISED"))
    );
    let items = bank["LineItems"].as_array().expect("items");
    assert_eq!(items.len(), 2);
    assert_eq!(
        (items[0]["AccountCode"].clone(), items[0]["LineAmount"].to_string()),
        (json!("1499"), "300.0".into())
    );
    assert_eq!(
        (items[1]["AccountCode"].clone(), items[1]["UnitAmount"].to_string()),
        (json!("1498"), "200.0".into())
    );
    assert_eq!(
        items[0]["Description"],
        "undeposited_funds line [entrata-recon prop_0001/deposit/2026-02-03/1]"
    );
    assert_eq!(items[1]["Description"], "card_clearing line");
    let mapping = set.for_property(deposit.property_id());
    let Document::Bank(b) = document(&chart(), mapping, &deposit, None).expect("built") else {
        panic!("a bank transaction")
    };
    let text = serde_json::to_string(&b).expect("json");
    assert!(
        text.contains(r#""Quantity":1,"UnitAmount":300.00,"LineAmount":300.00,"AccountCode":"1499""#),
        "{text}"
    );

    let returned = entry(
        "prop_0003",
        JournalKind::Return,
        &[("receivables", Side::Debit, 7_500), ("operating_bank", Side::Credit, 7_500)],
    );
    let got = built(&chart(), &set, &returned).expect("built");
    let bank = &got["bank"];
    assert_eq!((bank["Type"].clone(), bank["BankAccount"]["Code"].clone()), (json!("SPEND"), json!("1010")));
    assert_eq!(bank["Contact"]["ContactID"], "contact-Entrata Residents", "the portfolio's contact");
    assert_eq!(
        (bank["LineItems"][0]["AccountCode"].clone(), bank["LineItems"][0]["LineAmount"].to_string()),
        (json!("1210"), "75.0".into())
    );
}

/// An adjustment of `EN-LV001-D260203-1` (its key anchored on the corrected document number).
fn adjustment(property: &str, lines: &[(&str, Side, i64)]) -> BalancedEntry {
    let property_id = PropertyId::new(property);
    let header = EntryHeader {
        key: EntryKey::new(&property_id, JournalKind::Adjustment, "EN-LV001-D260203-1", 1),
        doc_number: DocNumber::new("EN-LV001-A260203-1").expect("doc number"),
        property_id,
        kind: JournalKind::Adjustment,
        date: chrono::NaiveDate::from_ymd_opt(2026, 2, 3).expect("date"),
        post_month: "2026-02".parse().expect("month"),
        currency: Currency::USD,
        sources: vec!["dep_1".into()],
    };
    let lines = lines
        .iter()
        .map(|(account, side, cents)| {
            (AccountName::new(account), *side, Decimal::new(*cents, 2), format!("{account} line"))
        })
        .collect();
    BalancedEntry::new(header, lines).expect("balanced")
}

/// `(Type, bank code, Reference, [(code, LineAmount)])` of a built bank transaction.
fn bank_shape(got: &Value) -> (String, String, String, Vec<(String, String)>) {
    let bank = &got["bank"];
    let text = |v: &Value| v.as_str().expect("text").to_owned();
    let items = bank["LineItems"]
        .as_array()
        .expect("items")
        .iter()
        .map(|l| (text(&l["AccountCode"]), l["LineAmount"].to_string()))
        .collect();
    (text(&bank["Type"]), text(&bank["BankAccount"]["Code"]), text(&bank["Reference"]), items)
}

#[test]
fn corrections_of_bank_lines_are_bank_transactions_on_the_same_bank_account() {
    let set = example_mappings();
    let reference = "EN-LV001-A260203-1 corrects EN-LV001-D260203-1";
    // A deposit 16.06 smaller: money out of the bank, coded back to clearing.
    let smaller = adjustment(
        "prop_0001",
        &[("operating_bank", Side::Credit, 1_606), ("undeposited_funds", Side::Debit, 1_606)],
    );
    assert!(is_bank_document(set.for_property(smaller.property_id()), &smaller));
    let got = built(&chart(), &set, &smaller).expect("built");
    assert_eq!(
        bank_shape(&got),
        ("SPEND".into(), "1010".into(), reference.into(), vec![("1499".into(), "16.06".into())])
    );
    assert_eq!(
        got["bank"]["LineItems"][0]["Description"],
        "undeposited_funds line [entrata-recon prop_0001/adjustment/EN-LV001-D260203-1/1]"
    );
    // A deposit 5.00 larger whose payments moved between clearing accounts: one RECEIVE, its
    // line items signed so that they add up to the bank line.
    let larger = adjustment(
        "prop_0001",
        &[
            ("operating_bank", Side::Debit, 500),
            ("undeposited_funds", Side::Credit, 1_500),
            ("card_clearing", Side::Debit, 1_000),
        ],
    );
    assert_eq!(
        bank_shape(&built(&chart(), &set, &larger).expect("built")),
        (
            "RECEIVE".into(),
            "1010".into(),
            reference.into(),
            vec![("1499".into(), "15.0".into()), ("1498".into(), "-10.0".into())]
        )
    );
    // A return undone: the SPEND reversed is a RECEIVE coded to receivables.
    let undone = adjustment(
        "prop_0003",
        &[("operating_bank", Side::Debit, 7_500), ("receivables", Side::Credit, 7_500)],
    );
    assert_eq!(
        bank_shape(&built(&chart(), &set, &undone).expect("built")),
        ("RECEIVE".into(), "1010".into(), reference.into(), vec![("1210".into(), "75.0".into())])
    );
}

#[test]
fn corrections_off_the_bank_are_journals_and_a_transfer_is_held() {
    let set = example_mappings();
    // Payments moved between clearing accounts, the deposit unchanged: no bank line.
    let clearing = adjustment(
        "prop_0001",
        &[("undeposited_funds", Side::Credit, 1_000), ("card_clearing", Side::Debit, 1_000)],
    );
    assert!(!is_bank_document(set.for_property(clearing.property_id()), &clearing));
    let got = built(&chart(), &set, &clearing).expect("built");
    assert_eq!(got["journal"]["Status"], "POSTED");

    // The deposit's bank account remapped: money between two bank accounts is a transfer.
    let transfer = adjustment(
        "prop_0001",
        &[("operating_bank", Side::Credit, 50_000), ("card_settlement_bank", Side::Debit, 50_000)],
    );
    assert!(is_bank_document(set.for_property(transfer.property_id()), &transfer));
    let held = hold_of(&chart(), &transfer);
    assert_eq!(held.kind, "unknown_account");
    assert_eq!(
        held.message,
        "adjustment EN-LV001-A260203-1 of EN-LV001-D260203-1 moves money on 2 bank accounts (500.00 \
         out of Xero account 1010 (`operating_bank`), 500.00 into Xero account 1020 \
         (`card_settlement_bank`)); Xero takes a correction of a bank line only as one bank \
         transaction on one bank account, and money between bank accounts is a transfer, which the \
         connector does not post: the adjustment is held; record the transfer in Xero by hand"
    );
}

#[test]
fn a_bank_transaction_is_found_by_the_first_word_of_its_reference() {
    assert_eq!(reference_doc_number(" EN-LV001-A260203-1 corrects EN-LV001-D260203-1"), "EN-LV001-A260203-1");
    assert_eq!(reference_doc_number("EN-LV001-D260203-1"), "EN-LV001-D260203-1");
    assert_eq!(reference_doc_number(""), "");
}

fn hold_of(chart: &Chart, entry: &BalancedEntry) -> Hold {
    built(chart, &example_mappings(), entry).expect_err("held")
}

#[test]
fn what_xero_would_refuse_is_held_with_what_to_do() {
    let charges = entry(
        "prop_0001",
        JournalKind::Charges,
        &[("receivables", Side::Debit, 100), ("rental_income", Side::Credit, 100)],
    );
    let held = hold_of(&chart_with("NZD", None, &[]), &charges);
    assert_eq!(
        (held.kind, held.message.as_str()),
        ("currency_mismatch", "the entry is in USD and the Xero organisation keeps its books in NZD")
    );

    // An organisation that names no base currency: held, never sent in a guessed currency.
    let mut unnamed = chart_with("USD", None, &[]);
    unnamed.base_currency = None;
    let held = hold_of(&unnamed, &charges);
    assert_eq!(held.kind, "currency_unknown", "{}", held.message);
    assert!(held.message.contains("base currency is not known"), "{}", held.message);

    let held = hold_of(&chart_with("USD", Some("DEBTORS"), &[]), &charges);
    assert_eq!(held.kind, "unknown_account");
    assert!(
        held.message.contains("system Accounts Receivable account 1210")
            && held.message.contains("control account"),
        "{}",
        held.message
    );

    let into_bank = entry(
        "prop_0001",
        JournalKind::Payments,
        &[("operating_bank", Side::Debit, 100), ("receivables", Side::Credit, 100)],
    );
    let held = hold_of(&chart(), &into_bank);
    assert!(
        held.message.contains("bank account 1010") && held.message.contains("clearing account"),
        "{}",
        held.message
    );

    let riverbend = entry(
        "prop_0002",
        JournalKind::Charges,
        &[("receivables", Side::Debit, 100), ("rental_income", Side::Credit, 100)],
    );
    assert_eq!(
        hold_of(&chart(), &riverbend).message,
        "Xero tracking option `Riverbend` of `Property` is archived"
    );

    let deposit = entry(
        "prop_0003",
        JournalKind::Deposit,
        &[("operating_bank", Side::Debit, 100), ("undeposited_funds", Side::Credit, 100)],
    );
    let no_contact = chart_with("USD", None, &["Lakeview Apartments - Residents"]);
    assert_eq!(hold_of(&no_contact, &deposit).message, "Xero has no contact named `Entrata Residents`");
    assert!(built(&chart(), &example_mappings(), &deposit).is_ok());
}

#[test]
fn the_chart_check_names_each_problem_once() {
    let chart = chart_with(
        "USD",
        Some("DEBTORS"),
        &["Lakeview Apartments - Residents", "Riverbend Commons - Residents"],
    );
    let findings = chart.check(&example_mappings());
    let lines: Vec<String> = findings
        .iter()
        .map(|ChartFinding { property_id, account, message }| {
            let property = property_id.as_ref().map_or("portfolio", |p| p.as_str());
            let account = account.as_ref().map_or("-", |a| a.as_str());
            format!("{property} {account}: {message}")
        })
        .collect();
    assert_eq!(lines.len(), 3, "{lines:#?}");
    assert!(
        lines[0].starts_with(
            "portfolio receivables: Xero does not let manual journals post to its system Accounts Receivable"
        ),
        "{lines:#?}"
    );
    assert_eq!(lines[1], "portfolio -: Xero has no contact named `Entrata Residents`");
    assert_eq!(lines[2], "prop_0002 -: Xero tracking option `Riverbend` of `Property` is archived");
}
