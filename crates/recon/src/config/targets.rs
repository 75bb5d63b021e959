//! `[targets.qbo]` and `[targets.xero]`: where each accounting target's API and OAuth endpoints are,
//! which environment variables hold its client credentials, and how `connect` comes back (the
//! redirect URI). Everything has the real service's value as its default but the client
//! credentials' variable names and the API base, which every config states.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use super::{ConfigError, Env};
use crate::targets::TargetKind;
use secrecy::SecretString;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileTargets {
    qbo: Option<FileTarget>,
    xero: Option<FileTarget>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileTarget {
    enabled: Option<bool>,
    api_base: Spanned<String>,
    auth_url: Option<Spanned<String>>,
    token_url: Option<Spanned<String>>,
    revoke_url: Option<Spanned<String>>,
    client_id_env: String,
    client_secret_env: String,
    redirect_uri: Option<String>,
    /// Xero only: `authorization_code` (default) or `client_credentials` (a custom connection).
    auth: Option<String>,
    /// Xero only: the organisation to post to when the user connected several.
    tenant_id: Option<String>,
    /// The OAuth scopes asked for (the vendor's defaults otherwise).
    scopes: Option<Vec<String>>,
}

/// How a target is authorized.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetAuth {
    /// A person consents in a browser (`connect`).
    AuthorizationCode,
    /// A Xero custom connection: the client credentials alone, no browser, no refresh token.
    ClientCredentials,
}

#[derive(Debug, Clone)]
pub struct TargetConfig {
    pub enabled: bool,
    pub api_base: String,
    pub auth_url: String,
    pub token_url: String,
    pub revoke_url: String,
    pub client_id_env: String,
    pub client_secret_env: String,
    pub redirect_uri: String,
    pub auth: TargetAuth,
    pub tenant_id: Option<String>,
    pub scopes: Vec<String>,
}

/// The real services' endpoints and scopes (reference/qbo-xero-apis.md A.8, B.6).
struct Defaults {
    auth_url: &'static str,
    token_url: &'static str,
    revoke_url: &'static str,
    scopes: &'static [&'static str],
}

const QBO: Defaults = Defaults {
    auth_url: "https://appcenter.intuit.com/connect/oauth2",
    token_url: "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer",
    revoke_url: "https://developer.api.intuit.com/v2/oauth2/tokens/revoke",
    scopes: &["com.intuit.quickbooks.accounting"],
};

const XERO: Defaults = Defaults {
    auth_url: "https://login.xero.com/identity/connect/authorize",
    token_url: "https://identity.xero.com/connect/token",
    revoke_url: "https://identity.xero.com/connect/revocation",
    scopes: &[
        "offline_access",
        "accounting.transactions",
        "accounting.settings.read",
        "accounting.contacts.read",
    ],
};

/// The loopback redirect `connect` listens on when the config names none.
pub const DEFAULT_REDIRECT_URI: &str = "http://127.0.0.1:8765/callback";

pub(super) fn settle(
    file: FileTargets,
    path: &Path,
    text: &str,
) -> Result<BTreeMap<TargetKind, TargetConfig>, ConfigError> {
    let mut targets = BTreeMap::new();
    for (kind, target, defaults) in [(TargetKind::Qbo, file.qbo, QBO), (TargetKind::Xero, file.xero, XERO)] {
        let Some(t) = target else { continue };
        let invalid = |message: String| ConfigError::Invalid { path: path.to_owned(), message };
        let auth = match (kind, t.auth.as_deref()) {
            (_, None | Some("authorization_code")) => TargetAuth::AuthorizationCode,
            (TargetKind::Xero, Some("client_credentials")) => TargetAuth::ClientCredentials,
            (_, Some(other)) => {
                let expected = match kind {
                    TargetKind::Xero => "\"authorization_code\" or \"client_credentials\"",
                    TargetKind::Qbo => "\"authorization_code\" (QuickBooks has no custom connections)",
                };
                return Err(invalid(format!("[targets.{kind}] auth = \"{other}\": expected {expected}")));
            }
        };
        if kind == TargetKind::Qbo && t.tenant_id.is_some() {
            return Err(invalid(
                "[targets.qbo] tenant_id: only Xero has tenants (QuickBooks' company comes from connect)"
                    .into(),
            ));
        }
        let url = |value: Option<String>, default: &str, key: &str| -> Result<String, ConfigError> {
            let value = value.unwrap_or_else(|| default.to_owned());
            if value.starts_with("http://") || value.starts_with("https://") {
                Ok(value.trim_end_matches('/').to_owned())
            } else {
                Err(invalid(format!(
                    "[targets.{kind}] {key} = \"{value}\": expected an http:// or https:// URL"
                )))
            }
        };
        // The endpoints secrets and tokens travel to: https://, or http:// to loopback only.
        let endpoint = |value: Option<Spanned<String>>, default: &str, key: &str| match value {
            Some(value) => super::urls::checked(path, text, &format!("[targets.{kind}] {key}"), &value),
            None => Ok(default.to_owned()),
        };
        targets.insert(
            kind,
            TargetConfig {
                enabled: t.enabled.unwrap_or(true),
                api_base: endpoint(Some(t.api_base), "", "api_base")?,
                auth_url: endpoint(t.auth_url, defaults.auth_url, "auth_url")?,
                token_url: endpoint(t.token_url, defaults.token_url, "token_url")?,
                revoke_url: endpoint(t.revoke_url, defaults.revoke_url, "revoke_url")?,
                client_id_env: t.client_id_env,
                client_secret_env: t.client_secret_env,
                redirect_uri: url(t.redirect_uri, DEFAULT_REDIRECT_URI, "redirect_uri")?,
                auth,
                tenant_id: t.tenant_id,
                scopes: t.scopes.unwrap_or_else(|| defaults.scopes.iter().map(|s| (*s).to_owned()).collect()),
            },
        );
    }
    Ok(targets)
}

impl TargetConfig {
    /// The client id and secret, from the environment (or the env file).
    pub fn client_credentials(
        &self,
        env: &Env,
        kind: TargetKind,
    ) -> Result<(String, SecretString), ConfigError> {
        let purpose = match kind {
            TargetKind::Qbo => "the QuickBooks app's client id and secret",
            TargetKind::Xero => "the Xero app's client id and secret",
        };
        let id = env
            .get(&self.client_id_env)
            .ok_or_else(|| ConfigError::MissingEnv { name: self.client_id_env.clone(), purpose })?;
        let secret = env.secret(&self.client_secret_env, purpose)?;
        Ok((id, secret))
    }
}
