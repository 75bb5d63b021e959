//! What the Entrata service holds: its clock, items and integration, sessions and rate window.
//! It sees nothing of the other services.

use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, RwLock};

use axum::http::HeaderMap;

use super::rate_limit::RateWindow;
use super::sessions::{Sessions, missing_token, unknown_token};
use crate::api_error::ApiError;
use crate::bearer::bearer;
use crate::clock::Clock;
use crate::dataset::User;
use crate::dataset::item::nanos;
use crate::locks::lock;
use crate::store::Store;

/// Entrata's rate limit and session timing. Defaults are the real service's; tests scale them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntrataLimits {
    /// Requests allowed per window, per integration.
    pub requests_per_window: u32,
    pub window_s: u32,
    /// `expiresIn` of a session token.
    pub token_lifetime_s: u32,
    /// How long after expiry a token can still be refreshed.
    pub refresh_grace_s: u32,
}

impl Default for EntrataLimits {
    fn default() -> Self {
        EntrataLimits {
            requests_per_window: 1200,
            window_s: 60,
            token_lifetime_s: 3600,
            refresh_grace_s: 900,
        }
    }
}

pub struct EntrataShared {
    pub clock: Arc<Clock>,
    /// The items, shared with the Entrata API view (`entrata_api`), which serves the same ones.
    pub store: Arc<RwLock<Store>>,
    pub integration_id: String,
    pub integration_token: String,
    pub users: Vec<User>,
    pub limits: EntrataLimits,
    pub sessions: Mutex<Sessions>,
    pub rate: Mutex<RateWindow>,
    /// Numbers the leases and work orders created through the API.
    pub created: AtomicU64,
}

impl EntrataShared {
    pub fn now_ns(&self) -> i64 {
        nanos(self.clock.now())
    }

    /// Checks a request's bearer token and the entitlement an endpoint needs; the caller's index.
    pub fn authorize(&self, headers: &HeaderMap, entitlement: &str) -> Result<usize, ApiError> {
        let token = bearer(headers).ok_or_else(missing_token)?;
        let user = {
            let sessions = lock(&self.sessions);
            let session = sessions.get(token).ok_or_else(unknown_token)?;
            if self.clock.now() >= session.expires_at {
                return Err(ApiError::unauthorized(
                    "token_expired",
                    "the auth token has expired; refresh it",
                ));
            }
            session.user
        };
        if !self.users[user].has_entitlement(entitlement) {
            return Err(ApiError::new(
                axum::http::StatusCode::FORBIDDEN,
                "forbidden",
                format!("entitlement '{entitlement}' required"),
            ));
        }
        Ok(user)
    }
}
