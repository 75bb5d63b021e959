//! What the Entrata API view holds: the clock, the same item store the normalized REST view
//! serves (an upsert through `/_sandbox/entrata/...` shows in both), its credentials and limits,
//! the rate windows per service and credential, and the GL details marked exported.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, RwLock};

use serde_json::{Value, json};

use super::limits::Windows;
use crate::clock::Clock;
use crate::dataset::entrata_api::EntrataApiDataset;
use crate::dataset::item::nanos;
use crate::locks::lock;
use crate::store::Store;

pub struct EntrataApiShared {
    pub clock: Arc<Clock>,
    pub store: Arc<RwLock<Store>>,
    pub config: EntrataApiDataset,
    /// The dataset users' (username, password), which HTTP Basic takes when `entrataApi` names
    /// no Basic credential of its own.
    pub users: Vec<(String, String)>,
    /// (service, credential as `/_sandbox/state` may show it) -> its windows.
    pub rate: Mutex<BTreeMap<(String, String), Windows>>,
    /// `glDetail` ids marked by `markGlTransactionsExported`.
    pub exported: Mutex<BTreeSet<String>>,
}

impl EntrataApiShared {
    pub fn now_ns(&self) -> i64 {
        nanos(self.clock.now())
    }

    /// Whether `username`/`password` is a Basic credential of this API.
    pub fn basic_allowed(&self, username: &str, password: &str) -> bool {
        match &self.config.basic {
            Some((user, pass)) => user == username && pass == password,
            None => self.users.iter().any(|(user, pass)| user == username && pass == password),
        }
    }

    /// For `GET /_sandbox/state`: where the API is, its limits and windows, and the export marks.
    /// Credentials appear only as fingerprints (an API key) or user names (Basic).
    pub fn dump(&self) -> Value {
        let now = self.now_ns();
        let limits = &self.config.limits;
        let windows: Vec<Value> = lock(&self.rate)
            .iter()
            .map(|((service, credential), windows)| {
                let state = windows.peek(now, limits);
                json!({"service": service, "credential": credential,
                       "remaining": {"day": state.remaining[0], "hour": state.remaining[1], "minute": state.remaining[2]},
                       "resetSeconds": {"day": state.reset_s[0], "hour": state.reset_s[1], "minute": state.reset_s[2]}})
            })
            .collect();
        json!({
            "org": self.config.org,
            "subdomain": self.config.subdomain,
            "limits": {"day": limits.day, "hour": limits.hour, "minute": limits.minute},
            "perPageMax": self.config.per_page_max,
            "rateLimits": windows,
            "exportedGlDetailIds": lock(&self.exported).iter().collect::<Vec<&String>>(),
        })
    }
}
