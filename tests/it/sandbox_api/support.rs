//! A small hand-written dataset and a client that talks to a sandbox over real HTTP.

use entrata_recon_sandbox::totp::TotpSecret;
use entrata_recon_sandbox::{Dataset, EntrataLimits, FaultPlan, Sandbox, SandboxOptions, start};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::Value;

pub const INTEGRATION_TOKEN: &str = "c2FuZGJveDpzYW5kYm94";
pub const TOTP_SECRET: &str = "JBSWY3DPEHPK3PXP";

/// Money written four ways on purpose: 1295.00 (a number with trailing zeros), 12.345 (three
/// decimals), "1295.00" (a string), -50 (no decimals). Charges c2, c3 and c4 share an instant
/// (c4 written with a +01:00 offset), so they are ordered by id.
pub const DATASET: &str = r#"{
  "integrationId": "int_test",
  "integrationToken": "c2FuZGJveDpzYW5kYm94",
  "users": [
    {"id": "u_ctrl", "name": "Controller", "username": "controller@example.com", "password": "pw",
     "totpSecret": "JBSWY3DPEHPK3PXP", "entitlements": ["properties", "leasing", "maintenance", "financials"]},
    {"id": "u_clerk", "name": "Clerk", "username": "clerk@example.com", "password": "pw2", "entitlements": ["properties"]}
  ],
  "properties": [
    {"propertyId": "p1", "name": "Lakeview Apartments", "code": "LV-OMA-001", "status": "active",
     "address": {"line1": "125 Lakeview Ct", "city": "Omaha", "region": "NE", "postalCode": "68130", "country": "US"},
     "timezone": "America/Chicago", "unitCount": 220, "occupancyRate": 0.96, "averageMarketRent": 1320.00,
     "currency": "USD", "openPostMonth": "2026-02", "updatedAt": "2026-01-20T13:45:00Z"},
    {"propertyId": "p2", "name": "Old Mill", "code": "OM-001", "status": "inactive", "currency": "USD",
     "updatedAt": "2026-01-21T00:00:00Z"}
  ],
  "units": [{"unitId": "u1", "propertyId": "p1", "unitNumber": "A-204", "bedrooms": 2, "marketRent": 1395.00,
             "amenities": ["Balcony"], "updatedAt": "2026-01-22T08:15:12Z"}],
  "leases": [{"leaseId": "l1", "propertyId": "p1", "number": "LV-2026-00001", "unitId": "u1", "status": "active",
              "rent": 1295.00, "fees": [{"code": "PET", "description": "Pet Fee", "amount": 25.00, "frequency": "monthly"}],
              "currency": "USD", "updatedAt": "2026-01-21T11:20:44Z"}],
  "arCodes": [{"arCodeId": "ar_1", "code": "RENT", "name": "Rent", "type": "rent", "isTaxable": false, "updatedAt": "2026-01-01T00:00:00Z"}],
  "charges": [
    {"chargeId": "c1", "propertyId": "p1", "leaseId": "l1", "arCode": "RENT", "amount": 1295.00, "taxAmount": 0.00,
     "currency": "USD", "postDate": "2026-02-01", "postMonth": "2026-02", "status": "posted", "updatedAt": "2026-01-31T23:00:00Z"},
    {"chargeId": "c2", "propertyId": "p1", "leaseId": "l1", "arCode": "RENT", "amount": 12.345, "currency": "USD",
     "postDate": "2026-02-30", "postMonth": "2026-02", "status": "posted", "updatedAt": "2026-02-01T00:00:00Z"},
    {"chargeId": "c3", "propertyId": "p1", "leaseId": null, "arCode": "CONC", "amount": "1295.00", "currency": "XXQ",
     "postMonth": "2026-01", "status": "posted", "updatedAt": "2026-02-01T00:00:00Z"},
    {"chargeId": "c4", "propertyId": "p1", "leaseId": "l1", "arCode": "RENT", "amount": -50, "postMonth": "2026-02",
     "status": "deleted", "updatedAt": "2026-02-01T01:00:00+01:00"},
    {"chargeId": "c5", "propertyId": "p1", "arCode": "RENT", "amount": 10.00, "postMonth": "2026-02", "status": "posted",
     "updatedAt": "2026-02-02T00:00:00.500Z"}
  ],
  "payments": [{"paymentId": "pay_1", "propertyId": "p1", "leaseId": "l1", "amount": 1295.00, "currency": "USD",
                "method": "ach", "status": "captured", "postDate": "2026-02-01", "postMonth": "2026-02",
                "depositId": "d1", "allocations": [{"chargeId": "c1", "arCode": "RENT", "amount": 1295.00}],
                "updatedAt": "2026-02-01T20:03:00-06:00"}],
  "deposits": [{"depositId": "d1", "propertyId": "p1", "bankAccountId": "bank_001", "depositDate": "2026-02-02",
                "postMonth": "2026-02", "amount": 1295.00, "currency": "USD", "paymentIds": ["pay_1"],
                "updatedAt": "2026-02-02T12:00:00Z"}],
  "workOrders": [],
  "qbo": {"realmId": "9130357766900456", "clientId": "qbo-client", "clientSecret": "qbo-secret", "homeCurrency": "USD",
          "bookCloseDate": null, "warnDuplicateDocNum": true,
          "accounts": [{"Id": "84", "Name": "Accounts Receivable", "AcctNum": "1200", "AccountType": "Accounts Receivable", "Active": true}],
          "customers": [{"Id": "58", "DisplayName": "Lakeview Apartments - Residents", "Active": true}],
          "classes": [{"Id": "5000000000000012345", "Name": "Lakeview"}], "departments": [{"Id": "1", "Name": "Omaha"}]},
  "xero": {"tenantId": "fe79f7dd-b6d4-4a92-ba7b-538af6289c58", "tenantName": "Lakeview Holdings", "clientId": "xero-client",
           "clientSecret": "xero-secret", "baseCurrency": "USD", "lockDate": null,
           "accounts": [{"AccountID": "c4f29c22", "Code": "1210", "Name": "Resident Receivables", "Type": "CURRENT", "Status": "ACTIVE"}],
           "contacts": [{"ContactID": "k1", "Name": "Lakeview Apartments - Residents", "ContactStatus": "ACTIVE"}],
           "trackingCategories": [{"TrackingCategoryID": "t1", "Name": "Property", "Status": "ACTIVE",
                                   "Options": [{"TrackingOptionID": "o1", "Name": "Lakeview", "Status": "ACTIVE"}]}]}
}"#;

pub struct Harness {
    pub sandbox: Sandbox,
    pub http: reqwest::Client,
}

pub fn options() -> SandboxOptions {
    SandboxOptions::new(Dataset::from_json(DATASET.as_bytes()).expect("test dataset is valid"))
}

impl Harness {
    pub async fn start() -> Harness {
        Harness::start_with(options()).await
    }

    pub async fn with_limits(limits: EntrataLimits) -> Harness {
        Harness::start_with(SandboxOptions { entrata_limits: limits, ..options() }).await
    }

    pub async fn with_faults(faults: FaultPlan) -> Harness {
        Harness::start_with(SandboxOptions { faults, ..options() }).await
    }

    pub async fn start_with(options: SandboxOptions) -> Harness {
        let sandbox = start(options).await.expect("sandbox starts");
        Harness { sandbox, http: reqwest::Client::new() }
    }

    /// An Entrata URL: `path` under the integration's base URL.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sandbox.entrata_base_url())
    }

    pub fn root(&self, path: &str) -> String {
        format!("{}{path}", self.sandbox.base_url())
    }

    pub async fn login(&self, username: &str, password: &str, mfa: Option<Value>) -> Reply {
        let mut body = serde_json::json!({"username": username, "password": password});
        if let Some(mfa) = mfa {
            body["mfa"] = mfa;
        }
        let request = self
            .http
            .post(self.url("/sessions"))
            .header("authorization", format!("Basic {INTEGRATION_TOKEN}"))
            .header("content-type", "application/json")
            .body(body.to_string());
        Reply::read(request.send().await.expect("login request")).await
    }

    /// A token for the controller (TOTP MFA, every entitlement).
    pub async fn controller_token(&self) -> String {
        let reply = self.login("controller@example.com", "pw", Some(totp_now())).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        reply.json()["authToken"].as_str().expect("authToken").to_owned()
    }

    pub async fn clerk_token(&self) -> String {
        let reply = self.login("clerk@example.com", "pw2", None).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        reply.json()["authToken"].as_str().expect("authToken").to_owned()
    }

    pub async fn get(&self, path: &str, token: &str) -> Reply {
        let request = self.http.get(self.url(path)).bearer_auth(token);
        Reply::read(request.send().await.expect("GET request")).await
    }

    pub async fn post(&self, path: &str, token: &str, body: &str) -> Reply {
        let request = self
            .http
            .post(self.url(path))
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(body.to_owned());
        Reply::read(request.send().await.expect("POST request")).await
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
        self.control(reqwest::Method::GET, "/_sandbox/state", "").await.json()
    }
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

    /// The `error.code` of an error body.
    pub fn code(&self) -> String {
        self.json()["error"]["code"].as_str().unwrap_or("").to_owned()
    }

    /// Ids of a list page, in order.
    pub fn ids(&self, id_field: &str) -> Vec<String> {
        let json = self.json();
        let items = json["items"].as_array().unwrap_or_else(|| panic!("no items: {}", self.text));
        items.iter().map(|i| i[id_field].as_str().unwrap_or("?").to_owned()).collect()
    }
}

pub fn totp_at(unix_seconds: u64) -> Value {
    let secret = TotpSecret::from_base32(TOTP_SECRET).expect("valid secret");
    serde_json::json!({"type": "totp", "code": secret.code_at(unix_seconds)})
}

pub fn totp_now() -> Value {
    totp_at(unix_now())
}

pub fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// Waits until at least 3 s remain in the current 30-second TOTP step, so that a code computed
/// now is judged in the same step by the server.
pub async fn clear_of_step_boundary() {
    let into_step = unix_now() % 30;
    if into_step >= 27 {
        tokio::time::sleep(std::time::Duration::from_secs(30 - into_step + 1)).await;
    }
}
