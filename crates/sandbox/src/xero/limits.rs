//! Xero's API limits (reference B.5): per tenant (`Limiter`, one per organisation) 60 calls in any
//! rolling minute, 5,000 in any rolling day and 5 calls in progress at once; per app
//! (`AppLimiter`) 10,000 calls a minute across tenants.
//! Windows are sliding and run on the sandbox clock; the concurrency count is real (a call is in
//! progress from the moment its headers arrive until its answer is written or it is dropped).
//!
//! Invariant: a refused call is not counted, so a client that waits `Retry-After` gets through.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use axum::http::{HeaderMap, HeaderValue};
use chrono::{DateTime, TimeDelta, Utc};

use crate::locks::lock;

/// Xero's limits and lifetimes. Defaults are the real service's; tests scale them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct XeroLimits {
    /// Calls per tenant in any rolling 60 seconds.
    pub calls_per_minute: u32,
    /// Calls per tenant in any rolling 24 hours.
    pub calls_per_day: u32,
    /// Calls per tenant in progress at once.
    pub concurrent_calls: u32,
    /// Calls per app (all tenants) in any rolling 60 seconds.
    pub app_calls_per_minute: u32,
    /// `expires_in` of an access token.
    pub access_token_lifetime_s: u32,
    /// How long an unused refresh token lives.
    pub refresh_token_lifetime_s: u32,
    /// How long a used refresh token still works (the answer to its use may have been lost).
    pub refresh_grace_s: u32,
    /// How long an authorization code can be exchanged.
    pub auth_code_lifetime_s: u32,
    /// How long an `Idempotency-Key`'s answer is kept.
    pub idempotency_window_s: u32,
}

impl Default for XeroLimits {
    fn default() -> Self {
        XeroLimits {
            calls_per_minute: 60,
            calls_per_day: 5_000,
            concurrent_calls: 5,
            app_calls_per_minute: 10_000,
            access_token_lifetime_s: 1_800,
            refresh_token_lifetime_s: 60 * 24 * 3_600,
            refresh_grace_s: 1_800,
            auth_code_lifetime_s: 300,
            idempotency_window_s: 360,
        }
    }
}

const MINUTE: TimeDelta = TimeDelta::seconds(60);
const DAY: TimeDelta = TimeDelta::seconds(86_400);

/// Which limit refused a call: the `X-Rate-Limit-Problem` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    Minute,
    Day,
    Concurrent,
    AppMinute,
}

impl Problem {
    pub fn header_value(self) -> &'static str {
        match self {
            Problem::Minute => "minute",
            Problem::Day => "day",
            Problem::Concurrent => "concurrent",
            Problem::AppMinute => "appminute",
        }
    }
}

/// What a call learns from the limiter: the remaining counts for its headers, or a refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Remaining {
    /// `None` for tenant-less calls (`/connections`), which carry only the app header.
    pub tenant: Option<(u32, u32)>,
    pub app_minute: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refusal {
    pub problem: Problem,
    pub retry_after_s: u32,
    pub remaining: Remaining,
}

/// One tenant's sliding windows and in-progress count.
#[derive(Debug, Default)]
pub struct Limiter {
    minute: VecDeque<DateTime<Utc>>,
    day: VecDeque<DateTime<Utc>>,
    in_flight: Arc<Mutex<u32>>,
}

/// The app's minute window, across every tenant (and the tenant-less `/connections`).
#[derive(Debug, Default)]
pub struct AppLimiter {
    minute: VecDeque<DateTime<Utc>>,
}

/// Holds one of the tenant's concurrent-call slots; dropping it frees the slot.
#[derive(Debug)]
pub struct Slot(Arc<Mutex<u32>>);

impl Drop for Slot {
    fn drop(&mut self) {
        let mut count = lock(&self.0);
        *count = count.saturating_sub(1);
    }
}

fn prune(window: &mut VecDeque<DateTime<Utc>>, now: DateTime<Utc>, span: TimeDelta) {
    while window.front().is_some_and(|t| *t + span <= now) {
        window.pop_front();
    }
}

/// Whole seconds until the oldest call leaves the window, at least 1.
fn retry_after(window: &VecDeque<DateTime<Utc>>, now: DateTime<Utc>, span: TimeDelta) -> u32 {
    let left = window.front().map_or(TimeDelta::zero(), |t| *t + span - now);
    let seconds = (left.num_milliseconds().max(0) + 999) / 1000;
    u32::try_from(seconds.max(1)).unwrap_or(u32::MAX)
}

fn left(limit: u32, used: usize) -> u32 {
    limit.saturating_sub(u32::try_from(used).unwrap_or(u32::MAX))
}

impl AppLimiter {
    fn remaining(&self, limits: &XeroLimits) -> u32 {
        left(limits.app_calls_per_minute, self.minute.len())
    }

    /// Counts a tenant-less call (`/connections`) against the app limit only.
    pub fn take(&mut self, now: DateTime<Utc>, limits: &XeroLimits) -> Result<Remaining, Refusal> {
        prune(&mut self.minute, now, MINUTE);
        let remaining = |app: &AppLimiter| Remaining { tenant: None, app_minute: app.remaining(limits) };
        if self.minute.len() >= limits.app_calls_per_minute as usize {
            let retry_after_s = retry_after(&self.minute, now, MINUTE);
            return Err(Refusal { problem: Problem::AppMinute, retry_after_s, remaining: remaining(self) });
        }
        self.minute.push_back(now);
        Ok(remaining(self))
    }
}

impl Limiter {
    fn remaining(&self, app: &AppLimiter, limits: &XeroLimits) -> Remaining {
        Remaining {
            tenant: Some((
                left(limits.calls_per_day, self.day.len()),
                left(limits.calls_per_minute, self.minute.len()),
            )),
            app_minute: app.remaining(limits),
        }
    }

    /// Counts a call to this tenant at `now`, against its windows and the app's, and takes a
    /// concurrency slot; or says which limit refuses it.
    pub fn take(
        &mut self,
        app: &mut AppLimiter,
        now: DateTime<Utc>,
        limits: &XeroLimits,
    ) -> Result<(Remaining, Slot), Refusal> {
        prune(&mut self.minute, now, MINUTE);
        prune(&mut self.day, now, DAY);
        prune(&mut app.minute, now, MINUTE);
        let refuse = |tenant: &Limiter, app: &AppLimiter, problem, retry_after_s| {
            Err(Refusal { problem, retry_after_s, remaining: tenant.remaining(app, limits) })
        };
        if app.minute.len() >= limits.app_calls_per_minute as usize {
            return refuse(self, app, Problem::AppMinute, retry_after(&app.minute, now, MINUTE));
        }
        if self.day.len() >= limits.calls_per_day as usize {
            return refuse(self, app, Problem::Day, retry_after(&self.day, now, DAY));
        }
        if self.minute.len() >= limits.calls_per_minute as usize {
            return refuse(self, app, Problem::Minute, retry_after(&self.minute, now, MINUTE));
        }
        {
            let mut in_flight = lock(&self.in_flight);
            if *in_flight >= limits.concurrent_calls {
                drop(in_flight);
                // Xero names no wait for this one; a second is what a client should try.
                return refuse(self, app, Problem::Concurrent, 1);
            }
            *in_flight += 1;
        }
        self.minute.push_back(now);
        self.day.push_back(now);
        app.minute.push_back(now);
        Ok((self.remaining(app, limits), Slot(Arc::clone(&self.in_flight))))
    }

    /// The counts as they stand, for `/_sandbox/state`.
    pub fn peek(
        &mut self,
        app: &mut AppLimiter,
        now: DateTime<Utc>,
        limits: &XeroLimits,
    ) -> (Remaining, u32) {
        prune(&mut self.minute, now, MINUTE);
        prune(&mut self.day, now, DAY);
        prune(&mut app.minute, now, MINUTE);
        (self.remaining(app, limits), *lock(&self.in_flight))
    }
}

impl Remaining {
    pub fn write_headers(&self, headers: &mut HeaderMap) {
        if let Some((day, minute)) = self.tenant {
            headers.insert("x-daylimit-remaining", HeaderValue::from(day));
            headers.insert("x-minlimit-remaining", HeaderValue::from(minute));
        }
        headers.insert("x-appminlimit-remaining", HeaderValue::from(self.app_minute));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_767_225_600 + seconds, 0).expect("valid")
    }

    #[test]
    fn minute_window_slides() {
        let limits = XeroLimits { calls_per_minute: 2, ..XeroLimits::default() };
        let mut limiter = Limiter::default();
        let mut app = AppLimiter::default();
        let (first, _a) = limiter.take(&mut app, at(0), &limits).expect("first");
        assert_eq!(first.tenant, Some((4_999, 1)));
        let _b = limiter.take(&mut app, at(10), &limits).expect("second");
        let refused = limiter.take(&mut app, at(30), &limits).expect_err("third");
        assert_eq!((refused.problem, refused.retry_after_s), (Problem::Minute, 30));
        let mut other = Limiter::default();
        assert!(other.take(&mut app, at(30), &limits).is_ok(), "another tenant has its own minute");
        assert!(limiter.take(&mut app, at(60), &limits).is_ok(), "the first call left the window");
    }

    #[test]
    fn day_window_and_concurrency() {
        let limits = XeroLimits { calls_per_day: 1, ..XeroLimits::default() };
        let mut limiter = Limiter::default();
        let mut app = AppLimiter::default();
        drop(limiter.take(&mut app, at(0), &limits).expect("first"));
        let refused = limiter.take(&mut app, at(3_600), &limits).expect_err("day");
        assert_eq!((refused.problem, refused.retry_after_s), (Problem::Day, 82_800));

        let limits = XeroLimits { concurrent_calls: 1, ..XeroLimits::default() };
        let mut limiter = Limiter::default();
        let (_, slot) = limiter.take(&mut app, at(0), &limits).expect("first");
        assert_eq!(limiter.take(&mut app, at(0), &limits).expect_err("busy").problem, Problem::Concurrent);
        drop(slot);
        assert!(limiter.take(&mut app, at(0), &limits).is_ok());
    }

    #[test]
    fn the_app_minute_spans_tenants() {
        let limits = XeroLimits { app_calls_per_minute: 2, ..XeroLimits::default() };
        let (mut one, mut two, mut app) = (Limiter::default(), Limiter::default(), AppLimiter::default());
        drop(one.take(&mut app, at(0), &limits).expect("first"));
        assert_eq!(app.take(at(1), &limits).map(|r| r.app_minute), Ok(0), "/connections counts too");
        let refused = two.take(&mut app, at(2), &limits).expect_err("app minute");
        assert_eq!((refused.problem, refused.retry_after_s), (Problem::AppMinute, 58));
        assert_eq!(refused.remaining.tenant, Some((5_000, 60)), "the refused call took nothing");
    }
}
