//! Wire-faithful sandboxes of Entrata, QuickBooks Online and Xero on loopback, used by the demo,
//! the integration tests and users trying a mapping change.
//!
//! One listener serves every service, told apart by path prefix (`paths`): the normalized Entrata
//! API under `/entrata/integrations/{integrationId}`, Entrata's own RPC API over the same items
//! under `/entrata-api` (`entrata_api`: `/ext/orgs/{org}/v1/{service}` and
//! `/{subdomain}/api/v1/{service}`), QBO under `/qbo` (`qbo`: Intuit's OAuth and
//! the Accounting API's journal entries), Xero under `/xero` (`xero`: Xero Identity, connections and
//! the Accounting API's manual journals and bank transactions), and the sandbox's own control
//! endpoints under `/_sandbox`.
//!
//! ```no_run
//! # async fn demo(bytes: &[u8]) -> Result<(), Box<dyn std::error::Error>> {
//! use entrata_recon_sandbox::{Dataset, SandboxOptions, start};
//! let sandbox = start(SandboxOptions::new(Dataset::from_json(bytes)?)).await?;
//! println!("Entrata at {}", sandbox.entrata_base_url());
//! sandbox.write_config(std::path::Path::new("recon.toml"))?;
//! sandbox.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! Invariants: the sandbox binds loopback addresses only; it serves items' JSON exactly as the
//! dataset (or an upsert) wrote it; secrets never reach logs or `/_sandbox/state`.

mod api_error;
mod bearer;
mod clock;
mod config;
mod control;
pub mod dataset;
pub mod entrata;
mod entrata_api;
pub mod faults;
pub mod generate;
mod injected;
mod locks;
pub mod paths;
pub mod qbo;
mod server;
mod shared;
mod store;
pub mod totp;
pub mod xero;

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use self::config::env_path;
pub use self::dataset::schema::EntrataKind;
pub use self::dataset::targets::{QboDataset, XeroDataset};
pub use self::dataset::{Dataset, DatasetError, User};
pub use self::entrata::EntrataLimits;
pub use self::faults::{
    FaultAction, FaultPlan, FaultRule, FaultsError, Trigger, parse_fault_file, parse_faults,
};
pub use self::paths::Service;
pub use self::qbo::QboLimits;
use self::shared::Shared;
pub use self::xero::XeroLimits;

/// Everything `start` needs.
#[derive(Debug)]
pub struct SandboxOptions {
    pub dataset: Dataset,
    /// Must be a loopback address; port 0 picks a free port.
    pub listen: SocketAddr,
    pub faults: FaultPlan,
    pub entrata_limits: EntrataLimits,
    pub qbo_limits: QboLimits,
    /// Xero's rate limits, token lifetimes and idempotency window.
    pub xero_limits: XeroLimits,
    /// Where the controllable clock starts. By default: now, or just after the dataset's latest
    /// `updatedAt` if that is later (the real service's now is never before its own data).
    pub clock_start: Option<DateTime<Utc>>,
}

impl SandboxOptions {
    /// `127.0.0.1:0`, no faults, the real service's limits.
    pub fn new(dataset: Dataset) -> SandboxOptions {
        SandboxOptions {
            dataset,
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            faults: FaultPlan::default(),
            entrata_limits: EntrataLimits::default(),
            qbo_limits: QboLimits::default(),
            xero_limits: XeroLimits::default(),
            clock_start: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("the sandbox listens on loopback addresses only, and {addr} is not one (try 127.0.0.1:{port})", port = addr.port())]
    NotLoopback { addr: SocketAddr },
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
    #[error("cannot write {}: {source}", path.display())]
    WriteConfig { path: PathBuf, source: std::io::Error },
    #[error(
        "no user in the dataset has the 'financials' entitlement, so the connector could not pull ledgers; \
         add it to a user's entitlements"
    )]
    NoFinancialsUser,
    #[error("{name} contains a carriage return, which an env file line cannot hold")]
    UnwritableSecret { name: String },
    #[error("cannot render the config: {0}")]
    RenderConfig(String),
}

/// A running sandbox. Dropping it stops it too, without waiting; `shutdown` waits.
pub struct Sandbox {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

/// Binds the listener, starts serving in the background and returns at once.
pub async fn start(options: SandboxOptions) -> Result<Sandbox, SandboxError> {
    let SandboxOptions { dataset, listen, faults, entrata_limits, qbo_limits, xero_limits, clock_start } =
        options;
    if !listen.ip().is_loopback() {
        return Err(SandboxError::NotLoopback { addr: listen });
    }
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|source| SandboxError::Bind { addr: listen, source })?;
    let addr = listener.local_addr().map_err(|source| SandboxError::Bind { addr: listen, source })?;
    let counts: Vec<String> =
        EntrataKind::ALL.iter().map(|k| format!("{} {}", dataset.count(*k), k.dataset_key())).collect();
    let shared = Arc::new(
        Shared::new(dataset, faults, entrata_limits, clock_start).with_qbo(qbo_limits).with_xero(xero_limits),
    );
    tracing::info!(
        entrata = %server::entrata_base_url(addr, &shared.entrata.integration_id),
        entrata_api = %format!("{}{}", server::base_url(addr), entrata_api::gateway_path(&shared.entrata_api.config.org)),
        items = %counts.join(", "),
        fault_rules = locks::lock(&shared.faults).rule_count(),
        "sandbox listening"
    );
    let (stop, stopped) = watch::channel(false);
    let task = tokio::spawn(server::accept_loop(listener, Arc::clone(&shared), stopped));
    Ok(Sandbox { addr, shared, stop, task: Some(task) })
}

impl Sandbox {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`: the root of every service and of `/_sandbox`.
    pub fn base_url(&self) -> String {
        server::base_url(self.addr)
    }

    /// `http://127.0.0.1:PORT/qbo`: QuickBooks Online's base URL (`targets.qbo.api_base`).
    pub fn qbo_base_url(&self) -> String {
        format!("{}{}", self.base_url(), paths::QBO_API_BASE)
    }

    /// `http://127.0.0.1:PORT/entrata/integrations/<integrationId>`: the connector's `source.base_url`.
    pub fn entrata_base_url(&self) -> String {
        server::entrata_base_url(self.addr, &self.shared.entrata.integration_id)
    }

    /// `http://127.0.0.1:PORT/entrata-api/ext/orgs/<org>/v1`: Entrata's own API through its gateway
    /// form (`https://apis.entrata.com/ext/orgs/<org>/v1`, `X-Api-Key`); a service's URL is this
    /// plus `/<service>` (`/artransactions`).
    pub fn entrata_api_base_url(&self) -> String {
        format!("{}{}", self.base_url(), entrata_api::gateway_path(&self.shared.entrata_api.config.org))
    }

    /// `http://127.0.0.1:PORT/entrata-api/<subdomain>/api/v1`: Entrata's own API through its legacy
    /// host form (`https://<subdomain>.entrata.com/api/v1`, HTTP Basic).
    pub fn entrata_api_legacy_base_url(&self) -> String {
        format!("{}{}", self.base_url(), entrata_api::legacy_path(&self.shared.entrata_api.config.subdomain))
    }

    /// A handle on the sandbox's controllable clock, for tests in the same process (the same as
    /// `POST /_sandbox/time`, without a request).
    pub fn clock(&self) -> SandboxClock {
        SandboxClock(Arc::clone(&self.shared))
    }

    /// `http://127.0.0.1:PORT/xero`: Xero's `https://api.xero.com` (the Accounting API is under
    /// `/api.xro/2.0`, Xero Identity under `/identity`).
    pub fn xero_base_url(&self) -> String {
        format!("{}{}", self.base_url(), paths::XERO_API_BASE)
    }

    /// Writes `path` (a `recon.toml` pointing at this sandbox) and its env file (`env_path`).
    pub fn write_config(&self, path: &Path) -> Result<(), SandboxError> {
        let source = config::SourceChoice::Rest { base_url: self.entrata_base_url() };
        config::write_config_for(&self.shared, &self.base_url(), source, path)
    }

    /// As [`Sandbox::write_config`], but the `[source]` is Entrata's own API through its gateway
    /// (`kind = "entrata"`, `auth = "apikey"`, `base_url` = [`Sandbox::entrata_api_base_url`]) and
    /// the env file holds `ENTRATA_API_KEY` instead of the REST credentials.
    pub fn write_config_entrata_api(&self, path: &Path) -> Result<(), SandboxError> {
        let source = config::SourceChoice::EntrataApi { base_url: self.entrata_api_base_url() };
        config::write_config_for(&self.shared, &self.base_url(), source, path)
    }

    /// Stops accepting, lets requests in flight finish (a few seconds at most), then returns.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take()
            && let Err(e) = task.await
        {
            tracing::warn!(error = %e, "sandbox server task failed");
        }
        tracing::info!(addr = %self.addr, "sandbox stopped");
    }
}

/// The sandbox's clock, held apart from the sandbox (see [`Sandbox::clock`]).
#[derive(Clone)]
pub struct SandboxClock(Arc<Shared>);

impl SandboxClock {
    pub fn now(&self) -> DateTime<Utc> {
        self.0.clock.now()
    }

    /// Moves the clock forward: tokens expire and rate-limit windows roll as if `by` had passed.
    pub fn advance(&self, by: std::time::Duration) -> DateTime<Utc> {
        self.0.clock.advance_by(by)
    }
}

impl std::fmt::Debug for SandboxClock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SandboxClock({})", self.now())
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox").field("addr", &self.addr).finish_non_exhaustive()
    }
}
