//! A dataset with a small Xero organisation, and plain-HTTP helpers: the OAuth flows, the
//! accounting API with its headers, and the control endpoints.

use entrata_recon_sandbox::{Dataset, FaultPlan, Sandbox, SandboxOptions, XeroLimits, start};
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::Value;
use sha2::{Digest, Sha256};

pub const TENANT: &str = "fe79f7dd-b6d4-4a92-ba7b-538af6289c58";
pub const CLIENT_ID: &str = "xero-client";
pub const CLIENT_SECRET: &str = "xero-secret";
pub const REDIRECT: &str = "http://localhost:8765/callback";
pub const SCOPES: &str = "openid profile email offline_access accounting.transactions accounting.settings";

/// Chart: two bank accounts, a receivables control account (1210), the system DEBTORS account,
/// income, an archived income account; a Property and a Region tracking category (with an
/// archived option); one contact; lock date none.
pub const DATASET: &str = r#"{
  "integrationId": "int_test", "integrationToken": "c2FuZGJveDpzYW5kYm94",
  "users": [{"id": "u_ctrl", "name": "Controller", "username": "controller@example.com", "password": "pw",
             "entitlements": ["properties", "financials"]}],
  "properties": [], "units": [], "leases": [], "arCodes": [], "charges": [], "payments": [], "deposits": [], "workOrders": [],
  "xero": {"tenantId": "fe79f7dd-b6d4-4a92-ba7b-538af6289c58", "tenantName": "Lakeview Holdings", "clientId": "xero-client",
    "clientSecret": "xero-secret", "baseCurrency": "USD", "lockDate": null, "customConnection": CUSTOM,
    "accounts": [
      {"AccountID": "a1010000-0000-4000-8000-000000000001", "Code": "1010", "Name": "Operating Bank", "Type": "BANK", "Status": "ACTIVE"},
      {"AccountID": "a1020000-0000-4000-8000-000000000002", "Code": "1020", "Name": "Card Bank", "Type": "BANK", "Status": "ACTIVE"},
      {"AccountID": "a1100000-0000-4000-8000-000000000003", "Code": "1100", "Name": "Accounts Receivable", "Type": "CURRENT", "Status": "ACTIVE", "SystemAccount": "DEBTORS"},
      {"AccountID": "a1210000-0000-4000-8000-000000000004", "Code": "1210", "Name": "Resident Receivables", "Type": "CURRENT", "Status": "ACTIVE"},
      {"AccountID": "a2300000-0000-4000-8000-000000000005", "Code": "2300", "Name": "Security Deposits", "Type": "CURRLIAB", "Status": "ACTIVE"},
      {"AccountID": "a4000000-0000-4000-8000-000000000006", "Code": "4000", "Name": "Rental Income", "Type": "REVENUE", "Status": "ACTIVE"},
      {"AccountID": "a4095000-0000-4000-8000-000000000007", "Code": "4095", "Name": "Move-in Specials (old)", "Type": "REVENUE", "Status": "ARCHIVED"}
    ],
    "contacts": [{"ContactID": "c0000000-0000-4000-8000-000000000001", "Name": "Lakeview Apartments - Residents", "ContactStatus": "ACTIVE"}],
    "trackingCategories": [
      {"TrackingCategoryID": "t1000000-0000-4000-8000-000000000001", "Name": "Property", "Status": "ACTIVE",
       "Options": [{"TrackingOptionID": "o1000000-0000-4000-8000-000000000001", "Name": "Lakeview", "Status": "ACTIVE"},
                   {"TrackingOptionID": "o1000000-0000-4000-8000-000000000002", "Name": "Riverbend", "Status": "ACTIVE"},
                   {"TrackingOptionID": "o1000000-0000-4000-8000-000000000003", "Name": "Old Mill", "Status": "ARCHIVED"}]},
      {"TrackingCategoryID": "t2000000-0000-4000-8000-000000000002", "Name": "Region", "Status": "ACTIVE",
       "Options": [{"TrackingOptionID": "o2000000-0000-4000-8000-000000000001", "Name": "Midwest", "Status": "ACTIVE"}]}
    ]}
}"#;

pub fn options() -> SandboxOptions {
    options_with(true)
}

pub fn options_with(custom_connection: bool) -> SandboxOptions {
    let text = DATASET.replace("CUSTOM", if custom_connection { "true" } else { "false" });
    SandboxOptions::new(Dataset::from_json(text.as_bytes()).expect("test dataset is valid"))
}

pub struct Harness {
    pub sandbox: Sandbox,
    pub http: reqwest::Client,
}

/// The tokens a code flow gives.
#[derive(Debug, Clone)]
pub struct Tokens {
    pub access: String,
    pub refresh: String,
    pub body: Value,
}

impl Harness {
    pub async fn start() -> Harness {
        Harness::start_with(options()).await
    }

    pub async fn with_limits(limits: XeroLimits) -> Harness {
        Harness::start_with(SandboxOptions { xero_limits: limits, ..options() }).await
    }

    pub async fn with_faults(faults: FaultPlan) -> Harness {
        Harness::start_with(SandboxOptions { faults, ..options() }).await
    }

    pub async fn start_with(options: SandboxOptions) -> Harness {
        let sandbox = start(options).await.expect("sandbox starts");
        let http =
            reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
        Harness { sandbox, http }
    }

    /// `path` under `/xero` (Xero's `https://api.xero.com`).
    pub fn xero(&self, path: &str) -> String {
        format!("{}{path}", self.sandbox.xero_base_url())
    }

    /// `path` under the Accounting API (`/xero/api.xro/2.0`).
    pub fn api(&self, path: &str) -> String {
        self.xero(&format!("/api.xro/2.0{path}"))
    }

    /// Authorizes with PKCE (S256); the code from the redirect.
    pub async fn authorize(&self, verifier: &str) -> String {
        let challenge = data_encoding::BASE64URL_NOPAD.encode(&Sha256::digest(verifier.as_bytes()));
        let reply = self
            .send(self.http.get(self.xero("/identity/connect/authorize")).query(&[
                ("response_type", "code"),
                ("client_id", CLIENT_ID),
                ("redirect_uri", REDIRECT),
                ("scope", SCOPES),
                ("state", "st-123"),
                ("code_challenge", &challenge),
                ("code_challenge_method", "S256"),
            ]))
            .await;
        assert_eq!(reply.status, StatusCode::FOUND, "{}", reply.text);
        let location = reply.header("location").expect("a redirect").to_owned();
        redirect_param(&location, "code").expect("a code")
    }

    /// `POST /connect/token` with a form; Basic client auth when `basic`.
    pub async fn token(&self, form: &[(&str, &str)], basic: bool) -> Reply {
        let mut request = self.http.post(self.xero("/identity/connect/token")).form(form);
        if basic {
            request = request.basic_auth(CLIENT_ID, Some(CLIENT_SECRET));
        }
        self.send(request).await
    }

    /// A full PKCE code flow by a confidential client.
    pub async fn code_flow(&self) -> Tokens {
        let verifier = "verifier-0123456789-0123456789-0123456789-abcdef";
        let code = self.authorize(verifier).await;
        let reply = self
            .token(
                &[
                    ("grant_type", "authorization_code"),
                    ("code", &code),
                    ("redirect_uri", REDIRECT),
                    ("code_verifier", verifier),
                ],
                true,
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        let body = reply.json();
        Tokens {
            access: body["access_token"].as_str().expect("access_token").to_owned(),
            refresh: body["refresh_token"].as_str().expect("refresh_token").to_owned(),
            body,
        }
    }

    /// An access token from a full code flow.
    pub async fn access(&self) -> String {
        self.code_flow().await.access
    }

    /// An accounting call with the tenant header (and an `Idempotency-Key` when given).
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<&str>,
        key: Option<&str>,
    ) -> Reply {
        let mut request =
            self.http.request(method, self.api(path)).bearer_auth(token).header("xero-tenant-id", TENANT);
        request = request.header("accept", "application/json");
        if let Some(body) = body {
            request = request.header("content-type", "application/json").body(body.to_owned());
        }
        if let Some(key) = key {
            request = request.header("idempotency-key", key);
        }
        self.send(request).await
    }

    pub async fn get(&self, path: &str, token: &str) -> Reply {
        self.call(Method::GET, path, token, None, None).await
    }

    pub async fn put(&self, path: &str, token: &str, body: &str) -> Reply {
        self.call(Method::PUT, path, token, Some(body), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: &str) -> Reply {
        self.call(Method::POST, path, token, Some(body), None).await
    }

    pub async fn send(&self, request: reqwest::RequestBuilder) -> Reply {
        Reply::read(request.send().await.expect("request")).await
    }

    pub async fn control(&self, method: Method, path: &str, body: &str) -> Reply {
        let url = format!("{}{path}", self.sandbox.base_url());
        self.send(self.http.request(method, url).body(body.to_owned())).await
    }

    pub async fn advance(&self, seconds: u64) {
        let reply =
            self.control(Method::POST, "/_sandbox/time", &format!("{{\"advanceSeconds\": {seconds}}}")).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    }

    /// The `xero` section of `/_sandbox/state`.
    pub async fn state(&self) -> Value {
        self.control(Method::GET, "/_sandbox/state?items=false", "").await.json()["xero"].clone()
    }
}

/// A parameter of a redirect's query.
pub fn redirect_param(location: &str, name: &str) -> Option<String> {
    let url = reqwest::Url::parse(location).ok()?;
    url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}

/// An answer read whole.
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
}

impl Reply {
    pub async fn read(response: reqwest::Response) -> Reply {
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.expect("response body");
        Reply { status, headers, text }
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The `Message`s of the first element's `ValidationErrors` (or of `Elements[0]` in a 400).
    pub fn errors(&self, index: usize) -> Vec<String> {
        let json = self.json();
        let element = match json.get("Elements") {
            Some(elements) => elements[index].clone(),
            None => first_list(&json)[index].clone(),
        };
        messages(&element["ValidationErrors"])
    }
}

/// The records of a success envelope (`ManualJournals`, `BankTransactions`, ...).
pub fn first_list(json: &Value) -> Vec<Value> {
    for key in
        ["ManualJournals", "BankTransactions", "Accounts", "Contacts", "TrackingCategories", "Organisations"]
    {
        if let Some(list) = json[key].as_array() {
            return list.clone();
        }
    }
    panic!("no list in {json}");
}

pub fn messages(list: &Value) -> Vec<String> {
    list.as_array()
        .map(|l| l.iter().map(|m| m["Message"].as_str().unwrap_or("?").to_owned()).collect())
        .unwrap_or_default()
}

/// A balanced two-line journal: `amount` debited to 1210, credited to 4000, tracked to Lakeview.
pub fn journal(narration: &str, amount: &str, status: Option<&str>) -> Value {
    let status = status.map_or(String::new(), |s| format!(r#","Status":"{s}""#));
    let text = format!(
        r#"{{"Narration":"{narration}","Date":"2026-01-31"{status},"JournalLines":[
            {{"LineAmount":{amount},"AccountCode":"1210","Description":"Rent charges","Tracking":[{{"Name":"Property","Option":"Lakeview"}}]}},
            {{"LineAmount":-{amount},"AccountCode":"4000","Description":"Rent income","Tracking":[{{"Name":"Property","Option":"Lakeview"}}]}}]}}"#
    );
    serde_json::from_str(&text).expect("journal JSON")
}

/// `{"ManualJournals": [...]}` as text.
pub fn journals(list: &[Value]) -> String {
    serde_json::json!({ "ManualJournals": list }).to_string()
}

/// The balance message of `unbalanced`, a journal debiting 100.00 and crediting 90.00.
pub const BALANCE: &str = "The total debits (100.00) must equal total credits (-90.00)";

pub fn unbalanced(narration: &str) -> Value {
    let mut j = journal(narration, "100.00", Some("POSTED"));
    j["JournalLines"][1]["LineAmount"] = serde_json::json!(-90.0);
    j
}
