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
}

impl std::fmt::Display for TargetKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
