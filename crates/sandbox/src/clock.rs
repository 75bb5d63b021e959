//! The sandbox's controllable clock: it runs at real speed from its start and jumps forward on
//! `POST /_sandbox/time`, so tests can expire tokens and roll rate-limit windows without sleeping.
//! Token lifetimes, rate-limit windows and the `updatedAt` of upserts all read it; TOTP codes do not
//! (an authenticator app runs on real time).

use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Instant;

use chrono::{DateTime, TimeDelta, Utc};

use crate::dataset::item::truncate_to_millis;

#[derive(Debug)]
pub struct Clock {
    start: DateTime<Utc>,
    started: Instant,
    advanced_ms: AtomicI64,
    /// The last time `bump_time` gave, so that each one is later than the last.
    last_bump: Mutex<DateTime<Utc>>,
}

impl Clock {
    pub fn starting_at(start: DateTime<Utc>) -> Clock {
        Clock {
            start,
            started: Instant::now(),
            advanced_ms: AtomicI64::new(0),
            last_bump: Mutex::new(DateTime::<Utc>::MIN_UTC),
        }
    }

    /// The `updatedAt` (Entrata) or `UpdatedDateUTC` (Xero) of a write: now at millisecond
    /// precision, and always later than the previous one, so that successive writes keep their
    /// order (on every service: they share the clock).
    pub fn bump_time(&self) -> DateTime<Utc> {
        let mut last = crate::locks::lock(&self.last_bump);
        let now = truncate_to_millis(self.now());
        let next = if now > *last { now } else { *last + TimeDelta::milliseconds(1) };
        *last = next;
        next
    }

    pub fn now(&self) -> DateTime<Utc> {
        // Monotonic: wall-clock adjustments on the host do not move the sandbox's time back.
        let elapsed = TimeDelta::from_std(self.started.elapsed()).unwrap_or(TimeDelta::MAX);
        let advanced = TimeDelta::milliseconds(self.advanced_ms.load(Ordering::Relaxed));
        self.start.checked_add_signed(elapsed + advanced).unwrap_or(DateTime::<Utc>::MAX_UTC)
    }

    /// Moves the clock forward; returns the new time.
    pub fn advance(&self, seconds: u32) -> DateTime<Utc> {
        self.advanced_ms.fetch_add(i64::from(seconds) * 1000, Ordering::Relaxed);
        self.now()
    }

    /// Moves the clock forward by `by`, to the millisecond (a test's virtual waits).
    pub fn advance_by(&self, by: std::time::Duration) -> DateTime<Utc> {
        let ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        self.advanced_ms.fetch_add(ms, Ordering::Relaxed);
        self.now()
    }

    /// How far the clock has been moved forward, in whole seconds.
    pub fn advanced_seconds(&self) -> i64 {
        self.advanced_ms.load(Ordering::Relaxed) / 1000
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advances_from_start() {
        let start = DateTime::parse_from_rfc3339("2026-02-01T00:00:00Z").expect("valid").to_utc();
        let clock = Clock::starting_at(start);
        assert!(clock.now() >= start && clock.now() < start + TimeDelta::seconds(5));
        let later = clock.advance(3600);
        assert!(later >= start + TimeDelta::seconds(3600));
        assert_eq!(clock.advanced_seconds(), 3600);
    }
}
