//! QuickBooks Online's throttles per realm, on the sandbox clock: requests per minute (a batch
//! counts each of its items, "each item metered like a normal call"), batch requests per minute,
//! and requests in flight at once. Over any of them the answer is 429 with the XML
//! `ThrottleExceeded` body.
//!
//! Invariants: a refused request takes nothing from any window; a request's concurrency slot is
//! given back when its answer is made or its future is dropped, whichever comes first.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Value, json};

use super::QboLimits;
use crate::locks::lock;

/// A fixed window that opens at the first request after the previous one closed.
#[derive(Debug, Default)]
struct Window {
    opened: Option<DateTime<Utc>>,
    used: u32,
}

impl Window {
    fn roll(&mut self, now: DateTime<Utc>, window_s: u32) {
        let open = self.opened.is_some_and(|opened| now < opened + TimeDelta::seconds(i64::from(window_s)));
        if !open {
            self.opened = None;
            self.used = 0;
        }
    }

    fn has_room(&self, count: u32, limit: u32) -> bool {
        self.used.saturating_add(count) <= limit
    }

    fn take(&mut self, now: DateTime<Utc>, count: u32) {
        self.opened.get_or_insert(now);
        self.used = self.used.saturating_add(count);
    }

    /// Whole seconds until the window closes, at least 1.
    fn reset_in_s(&self, now: DateTime<Utc>, window_s: u32) -> u32 {
        let Some(opened) = self.opened else { return window_s.max(1) };
        let left = (opened + TimeDelta::seconds(i64::from(window_s)) - now).num_milliseconds().max(0);
        u32::try_from((left + 999) / 1000).unwrap_or(u32::MAX).max(1)
    }
}

#[derive(Debug, Default)]
struct Windows {
    requests: Window,
    batches: Window,
}

#[derive(Debug, Default)]
pub struct Meter {
    windows: Mutex<Windows>,
    in_flight: AtomicU32,
}

/// A request in flight; dropping it frees the slot.
#[derive(Debug)]
pub struct Slot<'a>(&'a AtomicU32);

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Meter {
    /// Takes a concurrency slot, or `None` when `max_concurrent` requests are already in flight.
    pub fn enter(&self, limits: &QboLimits) -> Option<Slot<'_>> {
        let taken = self.in_flight.fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
            (n < limits.max_concurrent).then_some(n + 1)
        });
        taken.ok().map(|_| Slot(&self.in_flight))
    }

    /// Counts one ordinary request; `Err(retry_after_s)` when the minute is used up.
    pub fn take_request(&self, now: DateTime<Utc>, limits: &QboLimits) -> Result<(), u32> {
        let mut windows = lock(&self.windows);
        windows.requests.roll(now, limits.window_s);
        if !windows.requests.has_room(1, limits.requests_per_minute) {
            return Err(windows.requests.reset_in_s(now, limits.window_s));
        }
        windows.requests.take(now, 1);
        Ok(())
    }

    /// Counts a batch: one batch request, and each of its items (at least one) as a request.
    pub fn take_batch(&self, now: DateTime<Utc>, items: usize, limits: &QboLimits) -> Result<(), u32> {
        let count = u32::try_from(items.max(1)).unwrap_or(u32::MAX);
        let mut windows = lock(&self.windows);
        windows.requests.roll(now, limits.window_s);
        windows.batches.roll(now, limits.window_s);
        if !windows.batches.has_room(1, limits.batch_requests_per_minute) {
            return Err(windows.batches.reset_in_s(now, limits.window_s));
        }
        if !windows.requests.has_room(count, limits.requests_per_minute) {
            return Err(windows.requests.reset_in_s(now, limits.window_s));
        }
        windows.batches.take(now, 1);
        windows.requests.take(now, count);
        Ok(())
    }

    /// The windows as they stand, for `/_sandbox/state`.
    pub fn dump(&self, now: DateTime<Utc>, limits: &QboLimits) -> Value {
        let mut windows = lock(&self.windows);
        windows.requests.roll(now, limits.window_s);
        windows.batches.roll(now, limits.window_s);
        json!({
            "requestsInWindow": windows.requests.used,
            "batchRequestsInWindow": windows.batches.used,
            "inFlight": self.in_flight.load(Ordering::Acquire),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_and_slots() {
        let limits = QboLimits {
            requests_per_minute: 3,
            batch_requests_per_minute: 1,
            max_concurrent: 1,
            ..QboLimits::default()
        };
        let meter = Meter::default();
        let t0 = DateTime::parse_from_rfc3339("2026-02-01T00:00:00Z").expect("valid").to_utc();
        assert_eq!(meter.take_request(t0, &limits), Ok(()));
        assert_eq!(meter.take_batch(t0, 3, &limits), Err(60), "two requests left, three items");
        assert_eq!(meter.take_batch(t0, 2, &limits), Ok(()));
        assert_eq!(meter.take_request(t0 + TimeDelta::seconds(10), &limits), Err(50));
        assert_eq!(meter.take_request(t0 + TimeDelta::seconds(60), &limits), Ok(()));
        let slot = meter.enter(&limits).expect("free");
        assert!(meter.enter(&limits).is_none());
        drop(slot);
        assert!(meter.enter(&limits).is_some());
    }
}
