//! Entrata's per-integration rate limit: a fixed window on the sandbox clock. Every response
//! carries `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset` (seconds until the
//! window resets); over the limit the answer is `429` with `Retry-After`.

use axum::http::{HeaderMap, HeaderValue};

use super::EntrataLimits;

const NANOS_PER_SECOND: i64 = 1_000_000_000;

#[derive(Debug, Default)]
pub struct RateWindow {
    /// When the current window opened (sandbox clock, ns since the epoch); `None` before the first request.
    opened_ns: Option<i64>,
    used: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateState {
    pub allowed: bool,
    pub limit: u32,
    pub remaining: u32,
    /// Whole seconds until the window resets, at least 1 while a window is open.
    pub reset_s: u32,
}

impl RateWindow {
    /// Counts one request at `now_ns` if the window has room.
    pub fn take(&mut self, now_ns: i64, limits: &EntrataLimits) -> RateState {
        let window_ns = i64::from(limits.window_s.max(1)) * NANOS_PER_SECOND;
        let opened = match self.opened_ns {
            Some(opened) if now_ns < opened.saturating_add(window_ns) => opened,
            _ => {
                self.opened_ns = Some(now_ns);
                self.used = 0;
                now_ns
            }
        };
        let allowed = self.used < limits.requests_per_window;
        if allowed {
            self.used += 1;
        }
        RateState {
            allowed,
            limit: limits.requests_per_window,
            remaining: limits.requests_per_window.saturating_sub(self.used),
            reset_s: seconds_until(opened.saturating_add(window_ns), now_ns),
        }
    }

    /// The window as it stands, without counting a request (for `/_sandbox/state`).
    pub fn peek(&self, now_ns: i64, limits: &EntrataLimits) -> RateState {
        let window_ns = i64::from(limits.window_s.max(1)) * NANOS_PER_SECOND;
        match self.opened_ns {
            Some(opened) if now_ns < opened.saturating_add(window_ns) => RateState {
                allowed: self.used < limits.requests_per_window,
                limit: limits.requests_per_window,
                remaining: limits.requests_per_window.saturating_sub(self.used),
                reset_s: seconds_until(opened.saturating_add(window_ns), now_ns),
            },
            _ => RateState {
                allowed: true,
                limit: limits.requests_per_window,
                remaining: limits.requests_per_window,
                reset_s: limits.window_s,
            },
        }
    }
}

fn seconds_until(end_ns: i64, now_ns: i64) -> u32 {
    let left = end_ns.saturating_sub(now_ns).max(0);
    let seconds = (left + NANOS_PER_SECOND - 1) / NANOS_PER_SECOND;
    u32::try_from(seconds.max(1)).unwrap_or(u32::MAX)
}

impl RateState {
    pub fn write_headers(&self, headers: &mut HeaderMap) {
        headers.insert("x-ratelimit-limit", HeaderValue::from(self.limit));
        headers.insert("x-ratelimit-remaining", HeaderValue::from(self.remaining));
        headers.insert("x-ratelimit-reset", HeaderValue::from(self.reset_s));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_window() {
        let limits = EntrataLimits { requests_per_window: 2, window_s: 60, ..EntrataLimits::default() };
        let mut window = RateWindow::default();
        let s = NANOS_PER_SECOND;
        let check = |state: RateState, allowed: bool, remaining: u32, reset_s: u32| {
            assert_eq!((state.allowed, state.remaining, state.reset_s), (allowed, remaining, reset_s))
        };
        check(window.take(0, &limits), true, 1, 60);
        check(window.take(10 * s + 1, &limits), true, 0, 50);
        check(window.take(30 * s, &limits), false, 0, 30);
        check(window.take(60 * s - 1, &limits), false, 0, 1);
        check(window.take(60 * s, &limits), true, 1, 60);
        check(window.peek(61 * s, &limits), true, 1, 59);
    }
}
