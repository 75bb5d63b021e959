//! A client-side limiter that keeps a target's calls inside every window it enforces (QuickBooks:
//! 500 requests and 40 batch requests a minute per company; Xero: 60 a minute and 5,000 a day per
//! tenant), so that the connector waits before a call instead of spending one on a 429. Windows
//! are sliding, which is at least as strict as any fixed window the vendor counts in. Time is the
//! client's `Pause` (virtual in tests, where waits move the sandbox's clock).

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use tokio::sync::Mutex;

use crate::http::Pause;

/// One window: at most `limit` calls of `class` in any `period`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub name: &'static str,
    pub limit: u32,
    pub period: Duration,
    /// Which calls it counts: every call (`None`) or only those of one class (`Some("batch")`).
    pub class: Option<&'static str>,
}

struct Counted {
    window: Window,
    stamps: VecDeque<Instant>,
}

pub struct RateLimiter {
    windows: Mutex<Vec<Counted>>,
    pause: Pause,
}

/// Waits longer than this are logged, so a long wait is never silent.
const QUIET_WAIT: Duration = Duration::from_secs(2);

impl RateLimiter {
    pub fn new(windows: &[Window], pause: Pause) -> RateLimiter {
        let windows = windows.iter().map(|w| Counted { window: *w, stamps: VecDeque::new() }).collect();
        RateLimiter { windows: Mutex::new(windows), pause }
    }

    /// Waits until a call of `class` fits every window, then counts it. `target` names the target
    /// in the log line of a long wait.
    pub async fn acquire(&self, target: &str, class: &'static str) {
        let mut windows = self.windows.lock().await;
        loop {
            let now = self.pause.now();
            let mut wait = Duration::ZERO;
            let mut reason = "";
            for counted in windows.iter_mut() {
                if counted.window.class.is_some_and(|c| c != class) {
                    continue;
                }
                while counted.stamps.front().is_some_and(|t| now.duration_since(*t) >= counted.window.period)
                {
                    counted.stamps.pop_front();
                }
                if counted.stamps.len() >= counted.window.limit as usize
                    && let Some(oldest) = counted.stamps.front()
                {
                    let until = *oldest + counted.window.period;
                    let this_wait = until.saturating_duration_since(now);
                    if this_wait > wait {
                        wait = this_wait;
                        reason = counted.window.name;
                    }
                }
            }
            if wait.is_zero() {
                for counted in windows.iter_mut().filter(|c| c.window.class.is_none_or(|c| c == class)) {
                    counted.stamps.push_back(now);
                }
                return;
            }
            if wait > QUIET_WAIT {
                tracing::info!(
                    target,
                    limit = reason,
                    wait_s = wait.as_secs(),
                    "waiting for the target's rate limit"
                );
            }
            self.pause.sleep(wait).await;
        }
    }

    /// Calls still allowed now in the window named `name` (for tests and summaries).
    pub async fn remaining(&self, name: &str) -> Option<u32> {
        let windows = self.windows.lock().await;
        let now = self.pause.now();
        windows.iter().find(|c| c.window.name == name).map(|c| {
            let used = c.stamps.iter().filter(|t| now.duration_since(**t) < c.window.period).count();
            c.window.limit.saturating_sub(u32::try_from(used).unwrap_or(u32::MAX))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn waits_exactly_as_long_as_the_tightest_window_needs() {
        let pause = Pause::virtual_clock(|_| {});
        let limiter = RateLimiter::new(
            &[
                Window { name: "minute", limit: 5, period: Duration::from_secs(60), class: None },
                Window { name: "batch", limit: 2, period: Duration::from_secs(60), class: Some("batch") },
            ],
            pause.clone(),
        );
        for _ in 0..2 {
            limiter.acquire("qbo", "batch").await;
        }
        assert!(pause.waits().is_empty());
        limiter.acquire("qbo", "query").await;
        assert!(pause.waits().is_empty(), "a query is not a batch");
        // The third batch waits for the batch window (about 60 s on the virtual clock).
        limiter.acquire("qbo", "batch").await;
        let waits = pause.waits();
        assert_eq!(waits.len(), 1);
        assert!(waits[0] > Duration::from_secs(59) && waits[0] <= Duration::from_secs(60), "{waits:?}");
        assert_eq!(limiter.remaining("batch").await, Some(1));
        // After the wait, the first calls have left the minute window.
        assert_eq!(limiter.remaining("minute").await, Some(4));
    }
}
