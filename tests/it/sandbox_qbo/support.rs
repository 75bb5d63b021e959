//! A QuickBooks company in a small dataset, and a client that connects to it through the OAuth
//! flow and calls the API over real HTTP.

use entrata_recon_sandbox::{Dataset, QboLimits, Sandbox, SandboxOptions, start};
use reqwest::StatusCode;
use serde_json::{Value, json};

pub use super::api_support::Reply;

pub const REALM: &str = "9130357766900456";
pub const CLIENT_ID: &str = "qbo-client";
pub const CLIENT_SECRET: &str = "qbo-secret";
pub const REDIRECT: &str = "http://localhost:8080/callback";
/// Accounts: A/R 84, Rental Income 79, Operating Bank 35, A/P 33, inactive Move-in Specials 90.
pub const AR: &str = "84";
pub const INCOME: &str = "79";
pub const BANK: &str = "35";
pub const AP: &str = "33";
pub const INACTIVE_ACCOUNT: &str = "90";
pub const CUSTOMER: &str = "58";
pub const INACTIVE_CUSTOMER: &str = "59";
pub const CLASS: &str = "5000000000000012345";
pub const DEPARTMENT: &str = "1";

pub fn qbo_section() -> Value {
    json!({
        "realmId": REALM, "clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET, "homeCurrency": "USD",
        "bookCloseDate": null, "warnDuplicateDocNum": true,
        "accounts": [
            {"Id": AR, "Name": "Accounts Receivable (A/R)", "AcctNum": "1200", "AccountType": "Accounts Receivable", "Active": true},
            {"Id": INCOME, "Name": "Rental Income", "AcctNum": "4000", "AccountType": "Income", "Active": true},
            {"Id": BANK, "Name": "Operating Bank", "AcctNum": "1010", "AccountType": "Bank", "Active": true},
            {"Id": AP, "Name": "Accounts Payable (A/P)", "AcctNum": "2000", "AccountType": "Accounts Payable", "Active": true},
            {"Id": INACTIVE_ACCOUNT, "Name": "Move-in Specials (old)", "AcctNum": "4095", "AccountType": "Income", "Active": false}
        ],
        "customers": [
            {"Id": CUSTOMER, "DisplayName": "Lakeview Apartments - Residents", "Active": true},
            {"Id": INACTIVE_CUSTOMER, "DisplayName": "Old Mill - Residents", "Active": false}
        ],
        "classes": [{"Id": CLASS, "Name": "Lakeview"}],
        "departments": [{"Id": DEPARTMENT, "Name": "Omaha"}]
    })
}

pub fn options() -> SandboxOptions {
    let mut dataset: Value = serde_json::from_str(super::api_support::DATASET).expect("dataset JSON");
    dataset["qbo"] = qbo_section();
    SandboxOptions::new(Dataset::from_json(dataset.to_string().as_bytes()).expect("test dataset is valid"))
}

pub struct Qbo {
    pub sandbox: Sandbox,
    /// Follows no redirects, so the authorize answer can be read.
    pub http: reqwest::Client,
    pub access_token: String,
    pub refresh_token: String,
}

impl Qbo {
    /// A sandbox with the real limits, connected.
    pub async fn start() -> Qbo {
        Qbo::start_with(options()).await
    }

    pub async fn with_limits(limits: QboLimits) -> Qbo {
        Qbo::start_with(SandboxOptions { qbo_limits: limits, ..options() }).await
    }

    pub async fn start_with(options: SandboxOptions) -> Qbo {
        let sandbox = start(options).await.expect("sandbox starts");
        let http =
            reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
        let mut qbo = Qbo { sandbox, http, access_token: String::new(), refresh_token: String::new() };
        let code = qbo.authorize_code().await;
        let tokens = qbo.exchange(&code, REDIRECT).await;
        assert_eq!(tokens.status, StatusCode::OK, "{}", tokens.text);
        qbo.access_token = tokens.json()["access_token"].as_str().expect("access_token").to_owned();
        qbo.refresh_token = tokens.json()["refresh_token"].as_str().expect("refresh_token").to_owned();
        qbo
    }

    pub fn root(&self, path: &str) -> String {
        format!("{}{path}", self.sandbox.base_url())
    }

    /// `/qbo/v3/company/{realm}{path}`.
    pub fn api(&self, path: &str) -> String {
        self.root(&format!("/qbo/v3/company/{REALM}{path}"))
    }

    pub fn authorize_url(&self, scope: &str) -> String {
        format!(
            "{}?client_id={CLIENT_ID}&response_type=code&scope={scope}&redirect_uri={}&state=st-42",
            self.root("/qbo/connect/oauth2"),
            urlencode(REDIRECT)
        )
    }

    /// The `Location` of the authorize answer.
    pub async fn authorize(&self, url: &str) -> (StatusCode, String) {
        let reply = Reply::read(self.http.get(url).send().await.expect("authorize")).await;
        (reply.status, reply.header("location").unwrap_or_default().to_owned())
    }

    pub async fn authorize_code(&self) -> String {
        let (status, location) =
            self.authorize(&self.authorize_url("com.intuit.quickbooks.accounting%20openid")).await;
        assert_eq!(status, StatusCode::FOUND, "{location}");
        query_param(&location, "code").expect("code on the redirect")
    }

    /// The token endpoint with HTTP Basic client authentication, as intuit-oauth calls it.
    pub async fn token_request(&self, form: &[(&str, &str)]) -> Reply {
        let request = self
            .http
            .post(self.root("/qbo/oauth2/v1/tokens/bearer"))
            .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
            .header("accept", "application/json")
            .form(form);
        Reply::read(request.send().await.expect("token request")).await
    }

    pub async fn exchange(&self, code: &str, redirect_uri: &str) -> Reply {
        self.token_request(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect_uri),
        ])
        .await
    }

    pub async fn refresh(&self, refresh_token: &str) -> Reply {
        self.token_request(&[("grant_type", "refresh_token"), ("refresh_token", refresh_token)]).await
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.get_with(path, &self.access_token).await
    }

    pub async fn get_with(&self, path: &str, token: &str) -> Reply {
        let request = self.http.get(self.api(path)).bearer_auth(token).header("accept", "application/json");
        Reply::read(request.send().await.expect("GET")).await
    }

    pub async fn post(&self, path: &str, body: &str) -> Reply {
        let request = self
            .http
            .post(self.api(path))
            .bearer_auth(&self.access_token)
            .header("accept", "application/json")
            .header("content-type", "application/json")
            .body(body.to_owned());
        Reply::read(request.send().await.expect("POST")).await
    }

    /// `POST journalentry?minorversion=75`.
    pub async fn create(&self, body: &str) -> Reply {
        self.post("/journalentry?minorversion=75", body).await
    }

    /// Creates a balanced entry and returns it.
    pub async fn create_ok(&self, body: &str) -> Value {
        let reply = self.create(body).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        reply.json()["JournalEntry"].clone()
    }

    /// `GET query?query=...` (node-quickbooks' way).
    pub async fn query(&self, text: &str) -> Reply {
        self.get(&format!("/query?query={}&minorversion=75", urlencode(text))).await
    }

    /// `POST query` with an `application/text` body (python-quickbooks' way).
    pub async fn query_post(&self, text: &str) -> Reply {
        let request = self
            .http
            .post(self.api("/query?minorversion=75"))
            .bearer_auth(&self.access_token)
            .header("accept", "application/json")
            .header("content-type", "application/text")
            .body(text.to_owned());
        Reply::read(request.send().await.expect("POST query")).await
    }

    pub async fn control(&self, method: reqwest::Method, path: &str, body: &str) -> Reply {
        let request = self.http.request(method, self.root(path)).body(body.to_owned());
        Reply::read(request.send().await.expect("control request")).await
    }

    pub async fn advance(&self, seconds: u64) {
        let reply = self
            .control(reqwest::Method::POST, "/_sandbox/time", &format!("{{\"advanceSeconds\": {seconds}}}"))
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    }

    pub async fn state(&self) -> Value {
        self.control(reqwest::Method::GET, "/_sandbox/state?items=false", "").await.json()
    }

    /// The journal entries the sandbox holds.
    pub async fn entry_count(&self) -> usize {
        self.state().await["qbo"]["journalEntries"].as_array().map_or(0, Vec::len)
    }
}

/// A line, with the amount written as given (so the JSON text is what is tested).
pub fn line(posting: &str, amount: &str, account: &str, extra: &str) -> String {
    format!(
        r#"{{"Amount": {amount}, "DetailType": "JournalEntryLineDetail", "JournalEntryLineDetail": {{"PostingType": "{posting}", "AccountRef": {{"value": "{account}"}}{extra}}}}}"#
    )
}

pub fn customer(id: &str) -> String {
    format!(r#", "Entity": {{"Type": "Customer", "EntityRef": {{"value": "{id}"}}}}"#)
}

/// A balanced entry: A/R (with the customer) debit, rental income credit.
pub fn entry(doc_number: &str, amount: &str) -> String {
    entry_with(&format!(r#""DocNumber": "{doc_number}", "TxnDate": "2026-02-01""#), amount)
}

pub fn entry_with(fields: &str, amount: &str) -> String {
    let lines = [line("Debit", amount, AR, &customer(CUSTOMER)), line("Credit", amount, INCOME, "")];
    format!(r#"{{{fields}, "Line": [{}]}}"#, lines.join(","))
}

pub fn lines_entry(lines: &[String]) -> String {
    format!(r#"{{"TxnDate": "2026-02-01", "Line": [{}]}}"#, lines.join(","))
}

/// The first error of a `Fault` body: (code, element, Message, Detail).
pub fn fault(reply: &Reply) -> (String, String, String, String) {
    let json = reply.json();
    assert_eq!(json["Fault"]["type"], "ValidationFault", "{}", reply.text);
    assert!(json["time"].is_string(), "{}", reply.text);
    let error = &json["Fault"]["Error"][0];
    let text = |key: &str| error[key].as_str().unwrap_or_default().to_owned();
    (text("code"), text("element"), text("Message"), text("Detail"))
}

pub fn query_param(url: &str, name: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    query.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=')?;
        (key == name).then(|| percent_decode(value))
    })
}

pub fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            out.push(u8::from_str_radix(&text[i + 1..i + 3], 16).unwrap_or(b'?'));
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
