//! The QuickBooks app the sandbox serves and the companies it reaches (the dataset's `qbo`
//! section: one company or several, as one Intuit app connects to many). The app holds what is
//! the app's: its client credentials, the token lifetimes and the tokens, each grant bound to the
//! realm its consent chose. Everything else is one company's own (`QboCompany`): its books under
//! `/v3/company/{realmId}`, its `requestid` answers and its throttles, metered per realm as
//! Intuit meters them.
//!
//! Invariant: an app has at least one company (`QboService::new` refuses none), and realm ids
//! are distinct (the dataset check refuses repeats).

use std::sync::{Arc, Mutex};

use axum::http::HeaderMap;
use chrono::{DateTime, Utc};

use super::QboLimits;
use super::books::Books;
use super::company::Company;
use super::meter::Meter;
use super::tokens::Tokens;
use crate::bearer::bearer;
use crate::dataset::targets::{QboCompanyLimits, QboDataset};
use crate::locks::lock;

pub struct QboService {
    pub client_id: String,
    /// Secret: compared, never logged or dumped.
    client_secret: String,
    /// The sandbox's limits: token lifetimes, and the throttles of a company that sets none.
    pub limits: QboLimits,
    /// In dataset order; never empty.
    pub companies: Vec<Arc<QboCompany>>,
    pub tokens: Mutex<Tokens>,
    /// The company the next consent chooses (`POST /_sandbox/qbo/consent`), by index; once a
    /// consent has chosen it, the first company again.
    next_consent: Mutex<Option<usize>>,
}

/// One company: its books, its `requestid` answers (in `books`) and its throttles.
pub struct QboCompany {
    pub realm_id: String,
    /// The throttles metered for this realm: the sandbox's, with the company's own `limits`.
    pub limits: QboLimits,
    pub books: Mutex<Books>,
    pub meter: Meter,
}

impl QboService {
    /// The app serving `companies` (the first one's client credentials; the dataset check made
    /// them every company's); `None` when there is no company.
    pub fn new(companies: &[QboDataset], limits: QboLimits, now: DateTime<Utc>) -> Option<QboService> {
        let first = companies.first()?;
        Some(QboService {
            client_id: first.client_id.clone(),
            client_secret: first.client_secret.clone(),
            limits,
            companies: companies
                .iter()
                .map(|dataset| {
                    Arc::new(QboCompany {
                        realm_id: dataset.realm_id.clone(),
                        limits: company_limits(limits, dataset.limits.unwrap_or_default()),
                        books: Mutex::new(Books::new(Company::from_dataset(dataset, now))),
                        meter: Meter::default(),
                    })
                })
                .collect(),
            tokens: Mutex::new(Tokens::default()),
            next_consent: Mutex::new(None),
        })
    }

    /// The first company: the one `/_sandbox/state`'s top-level fields and the control endpoints
    /// without `realmId` describe.
    pub fn first(&self) -> &Arc<QboCompany> {
        // `new` builds an app only from a non-empty list, and companies are never removed.
        &self.companies[0]
    }

    pub fn company(&self, realm_id: &str) -> Option<&Arc<QboCompany>> {
        self.companies.iter().find(|c| c.realm_id == realm_id)
    }

    /// The realm ids, in dataset order, for messages and `/_sandbox`.
    pub fn realm_ids(&self) -> Vec<&str> {
        self.companies.iter().map(|c| c.realm_id.as_str()).collect()
    }

    /// The company the next consent will choose.
    pub fn next_consent(&self) -> &Arc<QboCompany> {
        let chosen = *lock(&self.next_consent);
        chosen.and_then(|index| self.companies.get(index)).unwrap_or_else(|| self.first())
    }

    /// Sets the company the next consent chooses (`None`: the first). False for an unknown realm.
    pub fn choose_next_consent(&self, realm_id: Option<&str>) -> bool {
        let index = match realm_id {
            None => None,
            Some(realm) => match self.companies.iter().position(|c| c.realm_id == realm) {
                Some(index) => Some(index),
                None => return false,
            },
        };
        *lock(&self.next_consent) = index;
        true
    }

    /// A consent is given: the company chosen for it, after which the choice is spent.
    pub fn consent(&self) -> Arc<QboCompany> {
        let chosen = lock(&self.next_consent).take();
        Arc::clone(chosen.and_then(|index| self.companies.get(index)).unwrap_or_else(|| self.first()))
    }

    /// Whether a client id and secret are this app's (compared in constant time).
    pub fn client_ok(&self, id: &str, secret: &str) -> bool {
        constant_time_eq(id, &self.client_id) & constant_time_eq(secret, &self.client_secret)
    }

    /// Fault action `expire_token`: the request's access token expires now.
    pub fn expire_token(&self, headers: &HeaderMap, now: DateTime<Utc>) -> bool {
        bearer(headers).is_some_and(|token| lock(&self.tokens).expire(token, now))
    }
}

/// The sandbox's throttles with a company's own in their place.
fn company_limits(sandbox: QboLimits, own: QboCompanyLimits) -> QboLimits {
    QboLimits {
        requests_per_minute: own.requests_per_minute.unwrap_or(sandbox.requests_per_minute),
        batch_requests_per_minute: own.batch_requests_per_minute.unwrap_or(sandbox.batch_requests_per_minute),
        max_concurrent: own.max_concurrent.unwrap_or(sandbox.max_concurrent),
        ..sandbox
    }
}

impl std::fmt::Debug for QboService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QboService")
            .field("realm_ids", &self.realm_ids())
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
