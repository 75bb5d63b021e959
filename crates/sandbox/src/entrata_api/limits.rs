//! Entrata's rate limits: three fixed windows (day, hour, minute) per service and credential, on
//! the sandbox clock (docs/sources.md section 2.5). Every answer carries
//! `X-RateLimit-Limit: 15000/DAY;1000/HOUR;150/MINUTE`, `X-RateLimit-Remaining` in the same form
//! and `X-RateLimit-Reset: d;h;m` (seconds until each window resets); a call over any window is
//! refused (429) with `Retry-After` and counts in none.

use axum::http::{HeaderMap, HeaderValue};

use crate::dataset::entrata_api::ApiLimits;

const NANOS_PER_SECOND: i64 = 1_000_000_000;
/// The windows, longest first, as the headers list them.
const WINDOWS: [(&str, u32); 3] = [("DAY", 86_400), ("HOUR", 3_600), ("MINUTE", 60)];

fn limit_of(limits: &ApiLimits, window: usize) -> u32 {
    [limits.day, limits.hour, limits.minute][window]
}

#[derive(Debug, Default, Clone, Copy)]
struct Window {
    /// When it opened (sandbox clock, ns since the epoch); `None` before the first call.
    opened_ns: Option<i64>,
    used: u32,
}

/// One service's windows for one credential.
#[derive(Debug, Default, Clone)]
pub struct Windows([Window; 3]);

/// The windows as an answer reports them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitState {
    pub allowed: bool,
    pub limit: [u32; 3],
    pub remaining: [u32; 3],
    /// Whole seconds until each window resets, at least 1.
    pub reset_s: [u32; 3],
}

impl Windows {
    /// Counts one call at `now_ns` if every window has room.
    pub fn take(&mut self, now_ns: i64, limits: &ApiLimits) -> LimitState {
        for (i, window) in self.0.iter_mut().enumerate() {
            let length = i64::from(WINDOWS[i].1) * NANOS_PER_SECOND;
            if window.opened_ns.is_none_or(|opened| now_ns >= opened.saturating_add(length)) {
                *window = Window { opened_ns: Some(now_ns), used: 0 };
            }
        }
        let allowed = self.0.iter().enumerate().all(|(i, w)| w.used < limit_of(limits, i));
        if allowed {
            for window in &mut self.0 {
                window.used += 1;
            }
        }
        LimitState { allowed, ..self.peek(now_ns, limits) }
    }

    /// The windows as they stand, without counting a call.
    pub fn peek(&self, now_ns: i64, limits: &ApiLimits) -> LimitState {
        let mut state = LimitState::fresh(limits);
        for (i, window) in self.0.iter().enumerate() {
            let length = i64::from(WINDOWS[i].1) * NANOS_PER_SECOND;
            let Some(opened) = window.opened_ns.filter(|opened| now_ns < opened.saturating_add(length))
            else {
                continue;
            };
            state.remaining[i] = state.limit[i].saturating_sub(window.used);
            state.reset_s[i] = seconds_until(opened.saturating_add(length), now_ns);
        }
        state.allowed = state.remaining.iter().all(|r| *r > 0);
        state
    }
}

fn seconds_until(end_ns: i64, now_ns: i64) -> u32 {
    let left = end_ns.saturating_sub(now_ns).max(0);
    let seconds = (left + NANOS_PER_SECOND - 1) / NANOS_PER_SECOND;
    u32::try_from(seconds.max(1)).unwrap_or(u32::MAX)
}

impl LimitState {
    /// Windows nobody has called in yet (also what a refused credential's answer reports).
    pub fn fresh(limits: &ApiLimits) -> LimitState {
        let limit = [limits.day, limits.hour, limits.minute];
        LimitState { allowed: true, limit, remaining: limit, reset_s: WINDOWS.map(|(_, s)| s) }
    }

    /// How long until a call would be allowed: the latest reset among the exhausted windows.
    pub fn retry_after_s(&self) -> u32 {
        (0..3).filter(|i| self.remaining[*i] == 0).map(|i| self.reset_s[i]).max().unwrap_or(1)
    }

    pub fn write_headers(&self, headers: &mut HeaderMap) {
        let per_window = |values: &[u32; 3]| {
            let parts: Vec<String> =
                values.iter().zip(WINDOWS).map(|(v, (name, _))| format!("{v}/{name}")).collect();
            parts.join(";")
        };
        let resets: Vec<String> = self.reset_s.iter().map(u32::to_string).collect();
        for (name, value) in [
            ("x-ratelimit-limit", per_window(&self.limit)),
            ("x-ratelimit-remaining", per_window(&self.remaining)),
            ("x-ratelimit-reset", resets.join(";")),
        ] {
            if let Ok(value) = HeaderValue::from_str(&value) {
                headers.insert(name, value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_windows_and_headers() {
        let limits = ApiLimits { day: 5, hour: 4, minute: 2 };
        let mut windows = Windows::default();
        let s = NANOS_PER_SECOND;
        let summary = |state: &LimitState| (state.allowed, state.remaining, state.reset_s);
        assert_eq!(summary(&windows.take(0, &limits)), (true, [4, 3, 1], [86_400, 3_600, 60]));
        assert_eq!(summary(&windows.take(10 * s, &limits)), (true, [3, 2, 0], [86_390, 3_590, 50]));
        let refused = windows.take(20 * s, &limits);
        assert_eq!(summary(&refused), (false, [3, 2, 0], [86_380, 3_580, 40]));
        assert_eq!(refused.retry_after_s(), 40);
        // The minute window rolls; the hour runs out after two more calls.
        assert!(windows.take(60 * s, &limits).allowed);
        assert!(windows.take(61 * s, &limits).allowed);
        assert!(!windows.take(121 * s, &limits).allowed);
        let state = windows.peek(121 * s, &limits);
        assert_eq!((state.remaining, state.retry_after_s()), ([1, 0, 2], 3_479));
        let mut headers = HeaderMap::new();
        state.write_headers(&mut headers);
        let header =
            |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        assert_eq!(header("x-ratelimit-limit"), "5/DAY;4/HOUR;2/MINUTE");
        assert_eq!(header("x-ratelimit-remaining"), "1/DAY;0/HOUR;2/MINUTE");
        assert_eq!(header("x-ratelimit-reset"), "86279;3479;60");
    }
}
