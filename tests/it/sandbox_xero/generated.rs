//! The generated Xero organisation lets the example mappings post: resident receivables (1210) is
//! a CURRENT control account a manual journal may use, 1010 and 1020 are BANK accounts, and the
//! Property tracking options and residents' contacts exist.

use entrata_recon_sandbox::SandboxOptions;
use entrata_recon_sandbox::generate::{GenerateSpec, generate};
use reqwest::StatusCode;
use serde_json::json;

use super::support::{Harness, first_list};

#[tokio::test]
async fn example_mappings_post_to_the_generated_chart() {
    let spec: GenerateSpec = "properties=2,months=1,seed=1".parse().expect("spec");
    let dataset = entrata_recon_sandbox::Dataset::from_json(&generate(&spec)).expect("generated dataset");
    let h = &Harness::start_with(SandboxOptions::new(dataset)).await;
    let token = &h.access().await;
    let accounts = first_list(&h.get("/Accounts", token).await.json());
    let account = |code: &str| accounts.iter().find(|a| a["Code"] == code).cloned().expect("account");
    assert_eq!(
        (account("1210")["Type"].clone(), account("1210").get("SystemAccount")),
        (json!("CURRENT"), None)
    );
    assert_eq!(
        (account("1010")["Type"].clone(), account("1020")["Type"].clone()),
        (json!("BANK"), json!("BANK"))
    );

    let journal = json!({"ManualJournals": [{"Narration": "Entrata prop_0001 2026-01", "Date": "2026-01-31", "Status": "POSTED",
        "JournalLines": [
            {"LineAmount": 1295.00, "AccountCode": "1210", "Tracking": [{"Name": "Property", "Option": "Lakeview"}]},
            {"LineAmount": -1295.00, "AccountCode": "4000", "Tracking": [{"Name": "Property", "Option": "Lakeview"}]}]}]});
    let reply = h.put("/ManualJournals", token, &journal.to_string()).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);

    for (bank, contact) in [("1010", "Lakeview Apartments - Residents"), ("1020", "Entrata Residents")] {
        let deposit = json!({"BankTransactions": [{"Type": "RECEIVE", "Contact": {"Name": contact}, "BankAccount": {"Code": bank},
            "Date": "2026-02-02", "LineAmountTypes": "NoTax",
            "LineItems": [{"Description": "Deposit", "UnitAmount": 1295.00, "AccountCode": "1499"}]}]});
        let reply = h.put("/BankTransactions", token, &deposit.to_string()).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    }
    // Both contacts existed: none was created.
    assert_eq!(first_list(&h.get("/Contacts", token).await.json()).len(), 3);
}
