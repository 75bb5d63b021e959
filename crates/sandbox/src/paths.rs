//! Where each service lives on the sandbox's one listener. Under its prefix each service keeps the
//! real service's paths, so a connector's configuration differs from production only in base URLs.
//! `write_config` and the fault rules both read this layout; the QBO and Xero services mount their
//! routes at `QBO_API_BASE` and `XERO_API_BASE`.

/// Where the Entrata router is nested; handlers inside it see paths without this prefix.
pub const ENTRATA_MOUNT: &str = "/entrata";
/// `{ENTRATA_PREFIX}/{integrationId}/...` is the normalized Entrata API.
pub const ENTRATA_PREFIX: &str = "/entrata/integrations";
/// Where Entrata's own RPC API is nested: `{ENTRATA_API_MOUNT}/ext/orgs/{org}/v1/{service}` (the
/// gateway, `https://apis.entrata.com`) and `{ENTRATA_API_MOUNT}/{subdomain}/api/v1/{service}` (the
/// legacy host, `https://{subdomain}.entrata.com`).
pub const ENTRATA_API_MOUNT: &str = "/entrata-api";
/// QuickBooks Online's `https://quickbooks.api.intuit.com`.
pub const QBO_API_BASE: &str = "/qbo";
/// Intuit's `https://appcenter.intuit.com/connect/oauth2`.
pub const QBO_AUTH_PATH: &str = "/qbo/connect/oauth2";
/// Intuit's `https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer`.
pub const QBO_TOKEN_PATH: &str = "/qbo/oauth2/v1/tokens/bearer";
/// Intuit's `https://developer.api.intuit.com/v2/oauth2/tokens/revoke`, beside the token endpoint.
pub const QBO_REVOKE_PATH: &str = "/qbo/oauth2/v1/tokens/revoke";
/// Xero's `https://api.xero.com`.
pub const XERO_API_BASE: &str = "/xero";
/// Xero's `https://login.xero.com/identity/connect/authorize`.
pub const XERO_AUTH_PATH: &str = "/xero/identity/connect/authorize";
/// Xero's `https://identity.xero.com/connect/token`.
pub const XERO_TOKEN_PATH: &str = "/xero/identity/connect/token";
/// Xero's `https://identity.xero.com/connect/revocation`.
pub const XERO_REVOKE_PATH: &str = "/xero/identity/connect/revocation";
/// The sandbox's own control endpoints: never subject to fault rules or rate limits.
pub const CONTROL_PREFIX: &str = "/_sandbox";

/// The OAuth endpoints of both vendors, which fault rules address as service `oauth`.
pub const OAUTH_PREFIXES: [&str; 3] = ["/qbo/connect/", "/qbo/oauth2/", "/xero/identity/"];

/// A service the sandbox serves (or will serve), as fault rules name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Service {
    Entrata,
    /// Entrata's own RPC API (`/entrata-api`), as fault rules name it: `entrata-api`.
    #[serde(rename = "entrata-api")]
    EntrataApi,
    Qbo,
    Xero,
    Oauth,
}

impl Service {
    pub fn parse(name: &str) -> Option<Service> {
        match name {
            "entrata" => Some(Service::Entrata),
            "entrata-api" => Some(Service::EntrataApi),
            "qbo" => Some(Service::Qbo),
            "xero" => Some(Service::Xero),
            "oauth" => Some(Service::Oauth),
            _ => None,
        }
    }

    /// The name fault rules give the service.
    pub fn name(self) -> &'static str {
        match self {
            Service::Entrata => "entrata",
            Service::EntrataApi => "entrata-api",
            Service::Qbo => "qbo",
            Service::Xero => "xero",
            Service::Oauth => "oauth",
        }
    }

    /// The service a request path belongs to; `None` for control endpoints and unknown paths.
    pub fn of_path(path: &str) -> Option<Service> {
        if OAUTH_PREFIXES.iter().any(|p| path.starts_with(p)) {
            Some(Service::Oauth)
        } else if under(path, ENTRATA_MOUNT) {
            Some(Service::Entrata)
        } else if under(path, ENTRATA_API_MOUNT) {
            Some(Service::EntrataApi)
        } else if under(path, QBO_API_BASE) {
            Some(Service::Qbo)
        } else if under(path, XERO_API_BASE) {
            Some(Service::Xero)
        } else {
            None
        }
    }
}

fn under(path: &str, prefix: &str) -> bool {
    path.strip_prefix(prefix).is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// The integration id of an Entrata request path, when it has one.
pub fn entrata_integration(path: &str) -> Option<&str> {
    let rest = path.strip_prefix(ENTRATA_PREFIX)?.strip_prefix('/')?;
    let id = rest.split('/').next()?;
    (!id.is_empty()).then_some(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_paths() {
        let check =
            |path: &str, expected: Option<Service>| assert_eq!(Service::of_path(path), expected, "{path}");
        check("/entrata/integrations/int_1/properties", Some(Service::Entrata));
        check("/entrata-api/ext/orgs/acme/v1/artransactions", Some(Service::EntrataApi));
        check("/entrata-api/acme/api/v1/leases", Some(Service::EntrataApi));
        check("/entrata-apix", None);
        check("/qbo/v3/company/1/journalentry", Some(Service::Qbo));
        check("/qbo/oauth2/v1/tokens/bearer", Some(Service::Oauth));
        check("/qbo/connect/oauth2", Some(Service::Oauth));
        check("/xero/api.xro/2.0/ManualJournals", Some(Service::Xero));
        check("/xero/identity/connect/token", Some(Service::Oauth));
        check("/_sandbox/state", None);
        check("/qboX", None);
        assert_eq!(entrata_integration("/entrata/integrations/int_1/sessions"), Some("int_1"));
        assert_eq!(entrata_integration("/entrata/integrations/"), None);
        assert_eq!(entrata_integration("/entrata/other"), None);
    }
}
