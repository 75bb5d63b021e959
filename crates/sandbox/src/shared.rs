//! The state of the whole sandbox, as `server` and `/_sandbox` see it: the clock, the fault
//! engine, request counts, and each service's own state. A service's handlers see their own
//! state alone (`EntrataShared`, `QboShared`, `XeroShared`): no service reaches another's.

use std::collections::BTreeMap;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, RwLock};

use axum::http::HeaderMap;
use chrono::{DateTime, TimeDelta, Utc};

use super::bearer::bearer;
use super::clock::Clock;
use super::dataset::Dataset;
use super::dataset::item::truncate_to_millis;
use super::dataset::targets::{QboDataset, XeroDataset};
use super::entrata::rate_limit::RateWindow;
use super::entrata::sessions::Sessions;
use super::entrata::{EntrataLimits, EntrataShared};
use super::entrata_api::EntrataApiShared;
use super::faults::{FaultEngine, FaultPlan};
use super::locks::lock;
use super::paths::Service;
use super::qbo::{QboLimits, QboService, QboShared};
use super::store::Store;
use super::xero::{XeroLimits, XeroShared, XeroState};

pub struct Shared {
    pub clock: Arc<Clock>,
    pub faults: Mutex<FaultEngine>,
    /// `METHOD /route/{template}` -> requests served.
    pub counts: Mutex<BTreeMap<String, u64>>,
    pub entrata: Arc<EntrataShared>,
    /// Entrata's own API: the same items as `entrata` (one store), another wire.
    pub entrata_api: Arc<EntrataApiShared>,
    /// The dataset's QuickBooks companies (empty without a `qbo` section).
    pub qbo: Vec<QboDataset>,
    /// The QuickBooks Online service; its `qbo_service` is there when the dataset has a `qbo` section.
    pub qbo_api: Arc<QboShared>,
    /// The dataset's Xero organisations (empty without a `xero` section).
    pub xero: Vec<XeroDataset>,
    /// The Xero service; its `xero_service` is there when the dataset has a `xero` section.
    pub xero_api: Arc<XeroShared>,
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
        let Dataset { integration_id, integration_token, users, items, qbo, xero, entrata_api, load_time: _ } =
            dataset;
        let clock = Arc::new(Clock::starting_at(start));
        let store = Arc::new(RwLock::new(Store::new(items)));
        Shared {
            entrata_api: Arc::new(EntrataApiShared {
                clock: Arc::clone(&clock),
                store: Arc::clone(&store),
                config: entrata_api,
                users: users.iter().map(|u| (u.username.clone(), u.password.clone())).collect(),
                rate: Mutex::new(BTreeMap::new()),
                exported: Mutex::new(Default::default()),
            }),
            entrata: Arc::new(EntrataShared {
                clock: Arc::clone(&clock),
                store,
                integration_id,
                integration_token,
                users,
                limits,
                sessions: Mutex::new(Sessions::default()),
                rate: Mutex::new(RateWindow::default()),
                created: AtomicU64::new(0),
            }),
            faults: Mutex::new(FaultEngine::new(faults)),
            counts: Mutex::new(BTreeMap::new()),
            qbo_api: Arc::new(QboShared { clock: Arc::clone(&clock), qbo_service: None }),
            qbo,
            xero_api: Arc::new(XeroShared { clock: Arc::clone(&clock), xero_service: None }),
            xero,
            clock,
        }
    }

    /// Starts the QBO service for the dataset's `qbo` section, with these limits.
    pub fn with_qbo(mut self, limits: QboLimits) -> Shared {
        let qbo_service = QboService::new(&self.qbo, limits, self.clock.now());
        self.qbo_api = Arc::new(QboShared { clock: Arc::clone(&self.clock), qbo_service });
        self
    }

    /// Starts the Xero service for the dataset's `xero` section, with these limits.
    pub fn with_xero(mut self, limits: XeroLimits) -> Shared {
        let xero_service = XeroState::new(&self.xero, limits, self.clock.now());
        self.xero_api = Arc::new(XeroShared { clock: Arc::clone(&self.clock), xero_service });
        self
    }

    /// Fault action `expire_token`: expires the token the request carries (Entrata sessions, QBO
    /// and Xero access tokens).
    pub fn expire_token(&self, service: Service, headers: &HeaderMap) -> bool {
        match (service, bearer(headers)) {
            (Service::Entrata, Some(token)) => lock(&self.entrata.sessions).expire(token, self.clock.now()),
            (Service::Qbo, Some(_)) => {
                self.qbo_api.qbo_service.as_ref().is_some_and(|q| q.expire_token(headers, self.clock.now()))
            }
            (Service::Xero, Some(token)) => {
                self.xero_api.xero_service.as_ref().is_some_and(|x| x.expire_token(token, self.clock.now()))
            }
            _ => false,
        }
    }

    pub fn count_request(&self, endpoint: String) {
        *lock(&self.counts).entry(endpoint).or_insert(0) += 1;
    }
}
