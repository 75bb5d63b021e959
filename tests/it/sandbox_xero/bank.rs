//! Bank transactions over HTTP (RECEIVE and SPEND, contacts, bank accounts, totals, status
//! changes) and the reference lists (accounts, tracking categories, contacts, organisation).

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::support::{Harness, first_list, messages};

fn receive(kind: &str, contact: Value, bank: Value, amount: &str) -> String {
    format!(
        r#"{{"BankTransactions":[{{"Type":"{kind}","Contact":{contact},"BankAccount":{bank},"Date":"2026-02-02",
            "Reference":"DEP-0001","LineAmountTypes":"NoTax","Status":"AUTHORISED",
            "LineItems":[{{"Description":"Deposit d1","Quantity":1.0,"UnitAmount":{amount},"LineAmount":{amount},"AccountCode":"1210",
                           "Tracking":[{{"Name":"Property","Option":"Lakeview"}}]}}]}}]}}"#
    )
}

#[tokio::test]
async fn receive_and_spend_money() {
    let h = &Harness::start().await;
    let token = &h.access().await;
    let contact = json!({"ContactID": "c0000000-0000-4000-8000-000000000001"});
    let reply = h
        .put(
            "/BankTransactions",
            token,
            &receive("RECEIVE", contact.clone(), json!({"Code": "1010"}), "1295.00"),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert!(
        reply.text.contains(r#""Total":1295.00"#) && reply.text.contains(r#""Quantity":1.0000"#),
        "{}",
        reply.text
    );
    let created = first_list(&reply.json())[0].clone();
    assert_eq!((created["Type"].clone(), created["Status"].clone()), (json!("RECEIVE"), json!("AUTHORISED")));
    assert_eq!(
        created["BankAccount"],
        json!({"AccountID": "a1010000-0000-4000-8000-000000000001", "Code": "1010", "Name": "Operating Bank"})
    );
    assert_eq!(created["Contact"]["Name"], "Lakeview Apartments - Residents");
    assert_eq!(
        (created["Date"].clone(), created["DateString"].clone()),
        (json!("/Date(1769990400000+0000)/"), json!("2026-02-02T00:00:00"))
    );
    assert_eq!(
        (created["IsReconciled"].clone(), created["CurrencyCode"].clone()),
        (json!(false), json!("USD"))
    );
    assert_eq!(created["LineItems"][0]["Tracking"][0]["Option"], "Lakeview");
    assert!(
        created["BankTransactionID"].as_str().is_some_and(|id| id.len() == 36)
            && created["UpdatedDateUTC"].is_string()
    );

    // A SPEND by contact name: an unknown name creates the contact, as Xero does.
    let spend = receive(
        "SPEND",
        json!({"Name": "Returned Payments"}),
        json!({"AccountID": "a1020000-0000-4000-8000-000000000002"}),
        "35.00",
    );
    let reply = h.put("/BankTransactions", token, &spend).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let spent = first_list(&reply.json())[0].clone();
    assert_eq!((spent["Type"].clone(), spent["SubTotal"].clone()), (json!("SPEND"), json!(35.0)));
    let contacts = first_list(&h.get("/Contacts", token).await.json());
    assert!(
        contacts
            .iter()
            .any(|c| c["Name"] == "Returned Payments" && c["ContactID"] == spent["Contact"]["ContactID"])
    );

    // Lists: no lines without page; where on type.
    let all = h.get("/BankTransactions", token).await.json();
    assert_eq!(first_list(&all).len(), 2);
    assert_eq!(first_list(&all)[0]["LineItems"], json!([]));
    let spends = h.get("/BankTransactions?where=Type%3D%3D%22SPEND%22&page=1", token).await.json();
    assert_eq!(first_list(&spends).len(), 1);
    assert_eq!(first_list(&spends)[0]["LineItems"].as_array().map(Vec::len), Some(1));

    // Deleting through the API.
    let id = created["BankTransactionID"].as_str().expect("id");
    let reply = h
        .post(&format!("/BankTransactions/{id}"), token, r#"{"BankTransactions":[{"Status":"DELETED"}]}"#)
        .await;
    assert_eq!(first_list(&reply.json())[0]["Status"], "DELETED");
    assert_eq!(
        first_list(&h.get(&format!("/BankTransactions/{id}"), token).await.json())[0]["Status"],
        "DELETED"
    );
}

#[tokio::test]
async fn bank_transaction_validation() {
    let h = &Harness::start().await;
    let token = &h.access().await;
    let errors = |body: String| async move {
        let reply = h.put("/BankTransactions?summarizeErrors=false", token, &body).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        messages(&first_list(&reply.json())[0]["ValidationErrors"])
    };
    let contact = json!({"ContactID": "c0000000-0000-4000-8000-000000000001"});
    let no_contact = receive("RECEIVE", json!(null), json!({"Code": "1010"}), "10.00");
    assert_eq!(errors(no_contact).await, ["A Contact must be specified for this type of transaction"]);
    let not_bank = receive("RECEIVE", contact.clone(), json!({"Code": "4000"}), "10.00");
    assert_eq!(errors(not_bank).await, ["Account code '4000' is not a valid bank account"]);
    let mismatch = receive("RECEIVE", contact.clone(), json!({"Code": "1010"}), "10.00")
        .replace(r#""LineAmount":10.00"#, r#""LineAmount":11.00"#);
    assert_eq!(
        errors(mismatch).await,
        ["The line amount 11.00 does not equal the quantity times the unit amount (10.00)"]
    );
    let bank_line = receive("RECEIVE", contact.clone(), json!({"Code": "1010"}), "10.00")
        .replace(r#""AccountCode":"1210""#, r#""AccountCode":"1020""#);
    assert_eq!(errors(bank_line).await, ["Account code '1020' is not a valid code for this document."]);
    let negative = receive("SPEND", contact.clone(), json!({"Code": "1010"}), "-10.00");
    assert_eq!(errors(negative).await, ["The total of a bank transaction cannot be negative (-10.00)"]);
    let transfer = receive("RECEIVE-TRANSFER", contact.clone(), json!({"Code": "1010"}), "10.00");
    assert_eq!(
        errors(transfer).await,
        ["Bank transactions of type RECEIVE-TRANSFER are not supported by the sandbox"]
    );
    let no_lines = r#"{"BankTransactions":[{"Type":"RECEIVE","Contact":{"Name":"Lakeview Apartments - Residents"},"BankAccount":{"Code":"1010"},"LineItems":[]}]}"#;
    assert_eq!(errors(no_lines.to_owned()).await, ["One or more line items must be specified"]);
    // Nothing failed was saved, and the unknown contact was not created by a failure.
    assert_eq!(h.state().await["bankTransactions"], json!([]));

    // Summarized: 400 with only the failures; the good one is saved.
    let good = receive("RECEIVE", contact.clone(), json!({"Code": "1010"}), "10.00");
    let bad = receive("RECEIVE", json!(null), json!({"Code": "1010"}), "10.00");
    let both =
        format!(r#"{{"BankTransactions":[{},{}]}}"#, &good[21..good.len() - 2], &bad[21..bad.len() - 2]);
    let reply = h.put("/BankTransactions", token, &both).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
    assert_eq!(reply.errors(0), ["A Contact must be specified for this type of transaction"]);
    assert_eq!(h.state().await["bankTransactions"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn reference_lists() {
    let h = &Harness::start().await;
    let token = &h.access().await;
    let banks = first_list(
        &h.get("/Accounts?where=Type%3D%3D%22BANK%22%20AND%20Status%3D%3D%22ACTIVE%22", token).await.json(),
    );
    let codes: Vec<&str> = banks.iter().map(|a| a["Code"].as_str().unwrap_or("?")).collect();
    assert_eq!(codes, ["1010", "1020"]);
    assert_eq!(
        (banks[0]["Class"].clone(), banks[0]["BankAccountType"].clone()),
        (json!("ASSET"), json!("BANK"))
    );
    let debtors = first_list(&h.get("/Accounts?where=SystemAccount%3D%3D%22DEBTORS%22", token).await.json());
    assert_eq!(debtors[0]["Code"], "1100");

    let tracking = first_list(&h.get("/TrackingCategories", token).await.json());
    assert_eq!(tracking.len(), 2);
    let options: Vec<&str> = tracking[0]["Options"]
        .as_array()
        .expect("options")
        .iter()
        .map(|o| o["Name"].as_str().unwrap_or("?"))
        .collect();
    assert_eq!(options, ["Lakeview", "Riverbend"], "archived options only with includeArchived");
    let archived = first_list(&h.get("/TrackingCategories?includeArchived=true", token).await.json());
    assert_eq!(archived[0]["Options"].as_array().map(Vec::len), Some(3));

    let org = h.get("/Organisation", token).await.json();
    let org = &org["Organisations"][0];
    assert_eq!(
        (org["Name"].clone(), org["BaseCurrency"].clone()),
        (json!("Lakeview Holdings"), json!("USD"))
    );
    assert!(org.get("PeriodLockDate").is_none());
    h.control(Method::POST, "/_sandbox/xero/lock-date", r#"{"lockDate": "2026-01-31"}"#).await;
    let org = h.get("/Organisation", token).await.json();
    assert_eq!(org["Organisations"][0]["PeriodLockDate"], "/Date(1769817600000+0000)/");
    assert_eq!(org["Organisations"][0]["EndOfYearLockDate"], "/Date(1769817600000+0000)/");
}
