//! Accounting targets (QuickBooks Online, Xero): OAuth (`oauth`) and the adapters that implement
//! `posting::Target`.
//!
//! Architecture invariant: only the adapters here know the vendors' JSON.

pub mod identity;
pub mod limit;
pub mod oauth;
pub mod qbo;
pub mod redirect;
pub mod xero;

/// The HTTP client every vendor call goes through (API, token endpoint, identity): a whole-request
/// timeout, 10 s to connect, no redirects followed (a redirect from a vendor API is an error to
/// report, not to follow with a bearer token), our user agent.
pub(crate) fn vendor_http(timeout: std::time::Duration) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(std::time::Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("entrata-recon/", env!("CARGO_PKG_VERSION")))
        .build()
}

/// The innermost cause of a transport error (hyper's "connection closed before message
/// completed"), or the error itself when it has none.
pub(crate) fn cause_text(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text = s.to_string();
        source = s.source();
    }
    text
}

/// A request that left and got no answer: timed out or the connection was lost.
pub(crate) fn lost_text(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() { "timed out" } else { "connection lost" };
    format!("{kind}: {}", cause_text(e))
}

/// An accounting system the connector posts to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TargetKind {
    Qbo,
    Xero,
}

impl TargetKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            TargetKind::Qbo => "qbo",
            TargetKind::Xero => "xero",
        }
    }

    pub fn parse(text: &str) -> Option<TargetKind> {
        match text {
            "qbo" => Some(TargetKind::Qbo),
            "xero" => Some(TargetKind::Xero),
            _ => None,
        }
    }

    /// The product's name, as screens and reports write it (`QuickBooks Online`).
    pub fn name(self) -> &'static str {
        match self {
            TargetKind::Qbo => "QuickBooks Online",
            TargetKind::Xero => "Xero",
        }
    }

    /// The short name, where a sentence names it again (`QuickBooks`).
    pub fn short_name(self) -> &'static str {
        match self {
            TargetKind::Qbo => "QuickBooks",
            TargetKind::Xero => "Xero",
        }
    }
}

impl std::fmt::Display for TargetKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
