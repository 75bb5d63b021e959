//! The state every handler shares: the clock, the Entrata data and sessions, the fault engine,
//! request counts, and the accounting sections kept for the QBO and Xero services.

use std::collections::BTreeMap;
use std::sync::atomic::AtomicU64;
use std::sync::{Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};

use axum::http::HeaderMap;
use chrono::{DateTime, TimeDelta, Utc};

use super::EntrataLimits;
use super::clock::Clock;
use super::dataset::item::{nanos, truncate_to_millis};
use super::dataset::targets::{QboDataset, XeroDataset};
use super::dataset::{Dataset, User};
use super::entrata::error::ApiError;
use super::entrata::rate_limit::RateWindow;
use super::entrata::sessions::{Sessions, bearer, missing_token, unknown_token};
use super::faults::{FaultEngine, FaultPlan};
use super::paths::Service;
use super::store::Store;
use super::xero::{XeroLimits, XeroState};

pub struct Shared {
    pub clock: Clock,
    pub store: RwLock<Store>,
    pub entrata: EntrataState,
    pub faults: Mutex<FaultEngine>,
    /// `METHOD /route/{template}` -> requests served.
    pub counts: Mutex<BTreeMap<String, u64>>,
    pub qbo: Option<QboDataset>,
    /// The QuickBooks Online service (`qbo`), when the dataset has a `qbo` section.
    pub qbo_service: Option<super::qbo::QboService>,
    pub xero: Option<XeroDataset>,
    /// The Xero service's live state, when the dataset has a `xero` section.
    pub xero_service: Option<XeroState>,
    /// The last `updatedAt` given by an upsert or create, so that each one is later than the last.
    last_bump: Mutex<DateTime<Utc>>,
}

pub struct EntrataState {
    pub integration_id: String,
    pub integration_token: String,
    pub users: Vec<User>,
    pub limits: EntrataLimits,
    pub sessions: Mutex<Sessions>,
    pub rate: Mutex<RateWindow>,
    /// Numbers the leases and work orders created through the API.
    pub created: AtomicU64,
}

impl Shared {
    pub fn new(
        dataset: Dataset,
        faults: FaultPlan,
        limits: EntrataLimits,
        clock_start: Option<DateTime<Utc>>,
    ) -> Shared {
        // The real service's "now" is never before the data it holds: start after the latest
        // `updatedAt` so that an upsert always moves its item to the end of the list.
        let after_data = dataset
            .latest_update_ns()
            .map(|ns| DateTime::from_timestamp_nanos(ns) + TimeDelta::milliseconds(1))
            .unwrap_or(DateTime::<Utc>::MIN_UTC);
        let start = clock_start.unwrap_or_else(|| truncate_to_millis(Utc::now().max(after_data)));
        let Dataset { integration_id, integration_token, users, items, qbo, xero, load_time: _ } = dataset;
        Shared {
            clock: Clock::starting_at(start),
            store: RwLock::new(Store::new(items)),
            entrata: EntrataState {
                integration_id,
                integration_token,
                users,
                limits,
                sessions: Mutex::new(Sessions::default()),
                rate: Mutex::new(RateWindow::default()),
                created: AtomicU64::new(0),
            },
            faults: Mutex::new(FaultEngine::new(faults)),
            counts: Mutex::new(BTreeMap::new()),
            qbo_service: None,
            qbo,
            xero_service: None,
            xero,
            last_bump: Mutex::new(DateTime::<Utc>::MIN_UTC),
        }
    }

    /// Starts the QBO service for the dataset's `qbo` section, with these limits.
    pub fn with_qbo(mut self, limits: super::qbo::QboLimits) -> Shared {
        self.qbo_service =
            self.qbo.as_ref().map(|q| super::qbo::QboService::new(q, limits, self.clock.now()));
        self
    }

    /// Starts the Xero service for the dataset's `xero` section, with these limits.
    pub fn with_xero(mut self, limits: XeroLimits) -> Shared {
        self.xero_service = self.xero.as_ref().map(|x| XeroState::new(x, limits, self.clock.now()));
        self
    }

    /// The `updatedAt` for an upsert or create: the clock's now at millisecond precision, and
    /// always later than the previous one, so that successive upserts keep their order.
    pub fn bump_time(&self) -> DateTime<Utc> {
        let mut last = lock(&self.last_bump);
        let now = truncate_to_millis(self.clock.now());
        let next = if now > *last { now } else { *last + TimeDelta::milliseconds(1) };
        *last = next;
        next
    }

    pub fn now_ns(&self) -> i64 {
        nanos(self.clock.now())
    }

    /// Checks a request's bearer token and the entitlement an endpoint needs; the caller's index.
    pub fn authorize(&self, headers: &HeaderMap, entitlement: &str) -> Result<usize, ApiError> {
        let token = bearer(headers).ok_or_else(missing_token)?;
        let user = {
            let sessions = lock(&self.entrata.sessions);
            let session = sessions.get(token).ok_or_else(unknown_token)?;
            if self.clock.now() >= session.expires_at {
                return Err(ApiError::unauthorized(
                    "token_expired",
                    "the auth token has expired; refresh it",
                ));
            }
            session.user
        };
        if !self.entrata.users[user].has_entitlement(entitlement) {
            return Err(ApiError::new(
                axum::http::StatusCode::FORBIDDEN,
                "forbidden",
                format!("entitlement '{entitlement}' required"),
            ));
        }
        Ok(user)
    }

    /// Fault action `expire_token`: expires the token the request carries (Entrata sessions, QBO
    /// and Xero access tokens).
    pub fn expire_token(&self, service: Service, headers: &HeaderMap) -> bool {
        match (service, bearer(headers)) {
            (Service::Entrata, Some(token)) => lock(&self.entrata.sessions).expire(token, self.clock.now()),
            (Service::Qbo, Some(_)) => {
                self.qbo_service.as_ref().is_some_and(|q| q.expire_token(headers, self.clock.now()))
            }
            (Service::Xero, Some(token)) => {
                self.xero_service.as_ref().is_some_and(|x| x.expire_token(token, self.clock.now()))
            }
            _ => false,
        }
    }

    pub fn count_request(&self, endpoint: String) {
        *lock(&self.counts).entry(endpoint).or_insert(0) += 1;
    }
}

// A panic while a lock is held leaves the data as it was between two whole operations (no
// handler mutates in steps that can panic halfway), so a poisoned lock is still safe to use.
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

pub fn read<T>(lock: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(std::sync::PoisonError::into_inner)
}

pub fn write<T>(lock: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(std::sync::PoisonError::into_inner)
}
