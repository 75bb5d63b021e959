//! Entrata's JSON envelopes (spec/source-api.md §1–§2). Items stay raw here: each one is kept
//! verbatim in the state file and converted by `convert`, so one bad item never spoils a page.

use serde::Deserialize;
use serde_json::value::RawValue;

/// `{"items": [...], "page": 1, "pageSize": 50, "total": 1234}`
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListPage<'a> {
    #[serde(borrow)]
    pub items: Vec<&'a RawValue>,
    pub page: Option<u64>,
    pub page_size: Option<u64>,
    pub total: Option<u64>,
}

/// `{"error": {"code": "...", "message": "...", "details": {...}}}`
#[derive(Debug, Deserialize)]
pub struct ErrorEnvelope {
    pub error: ErrorBody,
}

#[derive(Debug, Deserialize)]
pub struct ErrorBody {
    pub code: String,
    #[serde(default)]
    pub message: Option<String>,
    /// For `mfa_required`: the MFA types the user has.
    #[serde(default)]
    pub methods: Option<Vec<String>>,
}

/// `POST /sessions` and `POST /sessions/refresh` success.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionResponse {
    pub auth_token: String,
    pub expires_in: u64,
    #[serde(default)]
    pub user: Option<SessionUser>,
}

impl std::fmt::Debug for SessionResponse {
    // The token is a secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionResponse")
            .field("expires_in", &self.expires_in)
            .field("user", &self.user)
            .finish()
    }
}

#[derive(Debug, Deserialize)]
pub struct SessionUser {
    pub id: Option<String>,
    pub name: Option<String>,
    #[serde(default)]
    pub entitlements: Vec<String>,
}
