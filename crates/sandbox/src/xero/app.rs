//! The Xero app the sandbox serves and the organisations (tenants) it can connect to: the
//! dataset's `xero` section, one organisation or several. The app holds what is the app's: its
//! client credentials, Xero Identity (grants, tokens, connections), the app-wide minute limit and
//! which organisations the next consent covers. Each organisation holds its own books, its
//! per-tenant limits and its `Idempotency-Key` answers (`Organisation`).
//!
//! A consent connects the app to every organisation it covers (all of them unless a test chose
//! some with `POST /_sandbox/xero/consent`); a token reaches an organisation while the app is
//! connected to it. A custom connection (`client_credentials`) reaches one organisation: the first
//! whose `customConnection` is not false.
//!
//! Invariant: an app has at least one organisation (`XeroState::new` refuses none), and tenant ids
//! are distinct in any case (the dataset check refuses repeats).

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};

use super::books::Books;
use super::connections::custom_connection_id;
use super::idempotency;
use super::limits::{AppLimiter, Limiter, XeroLimits};
use super::tokens::Identity;
use crate::dataset::targets::XeroDataset;
use crate::locks::lock;

/// Everything the Xero sandbox holds for the dataset's one app.
pub struct XeroState {
    pub client_id: String,
    /// Secret: compared, never logged or dumped.
    pub(super) client_secret: String,
    /// The organisation a custom connection reaches, by index; `None`: the app may not use
    /// `client_credentials`.
    pub custom_connection: Option<usize>,
    pub custom_connection_id: String,
    pub started_at: DateTime<Utc>,
    pub limits: XeroLimits,
    /// In dataset order; never empty.
    pub organisations: Vec<Arc<Organisation>>,
    pub identity: Mutex<Identity>,
    /// The app's minute window across tenants. Taken before a tenant's `limiter`, never after.
    pub app_limiter: Mutex<AppLimiter>,
    /// The organisations the next consent covers, by index (`None`: every one); spent by it.
    next_consent: Mutex<Option<Vec<usize>>>,
}

/// One organisation: a tenant the app can be connected to.
pub struct Organisation {
    pub tenant_id: String,
    pub tenant_name: String,
    /// Whether the dataset lets a custom connection reach it (`customConnection`).
    pub allows_custom_connection: bool,
    pub books: Mutex<Books>,
    /// This tenant's minute, day and concurrency limits.
    pub limiter: Mutex<Limiter>,
    /// `Idempotency-Key` answers to calls for this tenant.
    pub idempotency: Mutex<idempotency::Cache>,
}

impl XeroState {
    /// The app serving `organisations` (the first one's client credentials; the dataset check made
    /// them every organisation's); `None` when there is none.
    pub fn new(organisations: &[XeroDataset], limits: XeroLimits, start: DateTime<Utc>) -> Option<XeroState> {
        let first = organisations.first()?;
        let organisations: Vec<Arc<Organisation>> = organisations
            .iter()
            .map(|dataset| {
                Arc::new(Organisation {
                    tenant_id: dataset.tenant_id.clone(),
                    tenant_name: dataset
                        .tenant_name
                        .clone()
                        .unwrap_or_else(|| "Sandbox Organisation".to_owned()),
                    allows_custom_connection: dataset.custom_connection.unwrap_or(true),
                    books: Mutex::new(Books::new(dataset, start)),
                    limiter: Mutex::new(Limiter::default()),
                    idempotency: Mutex::new(idempotency::Cache::default()),
                })
            })
            .collect();
        Some(XeroState {
            client_id: first.client_id.clone(),
            client_secret: first.client_secret.clone(),
            custom_connection: organisations.iter().position(|o| o.allows_custom_connection),
            custom_connection_id: custom_connection_id(),
            started_at: start,
            limits,
            organisations,
            identity: Mutex::new(Identity::new(limits)),
            app_limiter: Mutex::new(AppLimiter::default()),
            next_consent: Mutex::new(None),
        })
    }

    /// The first organisation: the one `/_sandbox/state`'s top-level fields and the control
    /// endpoints without `tenantId` describe.
    pub fn first(&self) -> &Arc<Organisation> {
        // `new` builds an app only from a non-empty list, and organisations are never removed.
        &self.organisations[0]
    }

    /// The organisation of a tenant id, in any case (Xero's GUIDs are).
    pub fn organisation(&self, tenant_id: &str) -> Option<&Arc<Organisation>> {
        let tenant_id = tenant_id.trim();
        self.organisations.iter().find(|o| o.tenant_id.eq_ignore_ascii_case(tenant_id))
    }

    /// The organisation a custom connection reaches, if the app may use one.
    pub fn custom_organisation(&self) -> Option<&Arc<Organisation>> {
        self.custom_connection.and_then(|index| self.organisations.get(index))
    }

    pub fn tenant_ids(&self) -> Vec<&str> {
        self.organisations.iter().map(|o| o.tenant_id.as_str()).collect()
    }

    /// The organisations the next consent will cover, in dataset order.
    pub fn next_consent(&self) -> Vec<&Arc<Organisation>> {
        match &*lock(&self.next_consent) {
            None => self.organisations.iter().collect(),
            Some(chosen) => chosen.iter().filter_map(|index| self.organisations.get(*index)).collect(),
        }
    }

    /// Sets the organisations the next consent covers (`None`: every one). `Err` names a tenant id
    /// the app has no organisation for; an empty choice is refused as a consent to nothing.
    pub fn choose_next_consent(&self, tenant_ids: Option<&[String]>) -> Result<(), String> {
        let chosen = match tenant_ids {
            None => None,
            Some([]) => return Err("a consent covers at least one organisation".to_owned()),
            Some(ids) => {
                let mut chosen = Vec::with_capacity(ids.len());
                for id in ids {
                    let index = self
                        .organisations
                        .iter()
                        .position(|o| o.tenant_id.eq_ignore_ascii_case(id.trim()))
                        .ok_or_else(|| format!("no Xero organisation with tenantId {id:?}"))?;
                    if !chosen.contains(&index) {
                        chosen.push(index);
                    }
                }
                chosen.sort_unstable();
                Some(chosen)
            }
        };
        *lock(&self.next_consent) = chosen;
        Ok(())
    }

    /// A consent is given: the tenant ids it covers, after which the choice is spent.
    pub fn consent(&self) -> Vec<String> {
        let chosen = lock(&self.next_consent).take();
        match chosen {
            None => self.organisations.iter().map(|o| o.tenant_id.clone()).collect(),
            Some(chosen) => chosen
                .iter()
                .filter_map(|index| self.organisations.get(*index))
                .map(|o| o.tenant_id.clone())
                .collect(),
        }
    }

    /// Fault action `expire_token`: the access token a request carries expires now.
    pub fn expire_token(&self, token: &str, now: DateTime<Utc>) -> bool {
        lock(&self.identity).expire(token, now)
    }
}

impl std::fmt::Debug for XeroState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("XeroState").field("tenant_ids", &self.tenant_ids()).finish_non_exhaustive()
    }
}
