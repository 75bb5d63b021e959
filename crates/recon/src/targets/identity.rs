//! Which company a new connection reaches: QuickBooks' `CompanyInfo` (the realm comes on the
//! redirect) and Xero's `GET /connections` (the tenants the grant covers), read once by `connect`.

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::targets::TargetKind;

#[derive(Debug, thiserror::Error)]
#[error("{target}: {message}")]
pub struct IdentityError {
    pub target: TargetKind,
    pub message: String,
}

/// A Xero organisation the grant covers.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Tenant {
    /// The connection's id (for `DELETE /connections/{id}`).
    pub id: Option<String>,
    pub tenant_id: String,
    pub tenant_name: Option<String>,
    pub tenant_type: Option<String>,
}

fn http() -> Result<reqwest::Client, String> {
    super::vendor_http(std::time::Duration::from_secs(30)).map_err(|e| e.to_string())
}

async fn get_json(
    url: &str,
    token: &SecretString,
    target: TargetKind,
) -> Result<serde_json::Value, IdentityError> {
    let fail = |message: String| IdentityError { target, message };
    let response = http()
        .map_err(fail)?
        .get(url)
        .bearer_auth(token.expose_secret())
        .header("Accept", "application/json")
        .send()
        .await
        .map_err(|e| fail(format!("GET {url}: {e}")))?;
    let status = response.status();
    let body = crate::http::read_body(response).await.map_err(|e| fail(format!("GET {url}: {e}")))?;
    if !status.is_success() {
        return Err(fail(format!(
            "GET {url} answered HTTP {}: {}",
            status.as_u16(),
            String::from_utf8_lossy(&body)
        )));
    }
    serde_json::from_slice(&body).map_err(|e| fail(format!("GET {url}: not JSON ({e})")))
}

/// The QuickBooks company's name, from `CompanyInfo`.
pub async fn qbo_company_name(
    api_base: &str,
    realm_id: &str,
    token: &SecretString,
) -> Result<Option<String>, IdentityError> {
    let url = format!(
        "{}/v3/company/{realm_id}/companyinfo/{realm_id}?minorversion={}",
        api_base.trim_end_matches('/'),
        crate::targets::qbo::client::MINOR_VERSION
    );
    let body = get_json(&url, token, TargetKind::Qbo).await?;
    Ok(body["CompanyInfo"]["CompanyName"].as_str().map(str::to_owned))
}

/// The Xero organisations a token reaches.
pub async fn xero_tenants(api_base: &str, token: &SecretString) -> Result<Vec<Tenant>, IdentityError> {
    let url = format!("{}/connections", api_base.trim_end_matches('/'));
    let body = get_json(&url, token, TargetKind::Xero).await?;
    serde_json::from_value(body).map_err(|e| IdentityError {
        target: TargetKind::Xero,
        message: format!("GET {url}: not a list of connections ({e})"),
    })
}

/// Revokes a grant at the vendor: Intuit takes JSON `{"token": ...}`, Xero a form (RFC 7009); both
/// with the client's Basic credentials.
pub async fn revoke(
    target: TargetKind,
    revoke_url: &str,
    client_id: &str,
    client_secret: &SecretString,
    token: &SecretString,
) -> Result<(), IdentityError> {
    let fail = |message: String| IdentityError { target, message };
    let request =
        http().map_err(fail)?.post(revoke_url).basic_auth(client_id, Some(client_secret.expose_secret()));
    let request = match target {
        TargetKind::Qbo => request.json(&serde_json::json!({ "token": token.expose_secret() })),
        TargetKind::Xero => request.form(&[("token", token.expose_secret())]),
    };
    let response = request.send().await.map_err(|e| fail(format!("POST {revoke_url}: {e}")))?;
    let status = response.status();
    if status.is_success() {
        Ok(())
    } else {
        Err(fail(format!("POST {revoke_url} answered HTTP {}", status.as_u16())))
    }
}
