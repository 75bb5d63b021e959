//! A client-side limiter that keeps a target's calls inside every window it enforces (QuickBooks:
//! 500 requests a minute per company, each item of a batch counted, and 40 batch requests a
//! minute; Xero: 60 a minute and 5,000 a day per tenant), so that the connector waits before a call instead of spending one on a 429. Windows
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
        self.acquire_weighted(target, class, 1).await;
    }

    /// As `acquire`, for a call that the windows counting every call count `weight` times
    /// (QuickBooks meters each item of a batch like a call of its own); a window of its own class
    /// counts it once.
    pub async fn acquire_weighted(&self, target: &str, class: &'static str, weight: u32) {
        let mut windows = self.windows.lock().await;
        loop {
            let now = self.pause.now();
            let (wait, reason) = wait_for(&mut windows, now, class, weight);
            if wait.is_zero() {
                for counted in windows.iter_mut().filter(|c| c.window.class.is_none_or(|c| c == class)) {
                    let times = if counted.window.class.is_none() { weight } else { 1 };
                    counted.stamps.extend(std::iter::repeat_n(now, times as usize));
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
            self.pause.sleep_for(wait, &format!("{target}'s {reason} rate limit")).await;
        }
    }

    /// How long a call of `class` would wait now, and for which window; `None` when it would go
    /// at once. Counts nothing (a client that will not wait that long stops instead).
    pub async fn wait_needed(&self, class: &'static str) -> Option<(Duration, &'static str)> {
        let mut windows = self.windows.lock().await;
        let (wait, reason) = wait_for(&mut windows, self.pause.now(), class, 1);
        (!wait.is_zero()).then_some((wait, reason))
    }

    /// The vendor says only `remaining` calls are left in the window named `name`. When this
    /// limiter believes more are left, the difference is counted now: calls the vendor saw and
    /// this limiter did not (another process on the same company, calls before this run), so that
    /// the next calls wait as the vendor will have them wait. Conservative: those calls are counted
    /// from now, so they leave the window a little later than the vendor's own count does.
    pub async fn trust_remaining(&self, name: &str, remaining: u32) {
        let mut windows = self.windows.lock().await;
        let now = self.pause.now();
        let Some(counted) = windows.iter_mut().find(|c| c.window.name == name) else { return };
        let period = counted.window.period;
        while counted.stamps.front().is_some_and(|t| now.duration_since(*t) >= period) {
            counted.stamps.pop_front();
        }
        let believed = (counted.window.limit as usize).saturating_sub(counted.stamps.len());
        let unseen = believed.saturating_sub(remaining as usize);
        counted.stamps.extend(std::iter::repeat_n(now, unseen));
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

/// How long a call of `class` (counted `weight` times by the windows counting every call) must
/// wait at `now` to fit every window (zero: at once), and the window that makes it wait; drops
/// stamps that have left their windows. A weight above a window's limit is counted as the limit
/// (it waits for an empty window, and then goes).
fn wait_for(
    windows: &mut [Counted],
    now: Instant,
    class: &'static str,
    weight: u32,
) -> (Duration, &'static str) {
    let mut wait = Duration::ZERO;
    let mut reason = "";
    for counted in windows.iter_mut() {
        if counted.window.class.is_some_and(|c| c != class) {
            continue;
        }
        while counted.stamps.front().is_some_and(|t| now.duration_since(*t) >= counted.window.period) {
            counted.stamps.pop_front();
        }
        // The call fits once enough of the oldest stamps have left for `limit - w` at most to stay.
        let limit = counted.window.limit as usize;
        let w = if counted.window.class.is_none() { (weight as usize).clamp(1, limit.max(1)) } else { 1 };
        if counted.stamps.len() + w > limit
            && let Some(leaving) = counted.stamps.get(counted.stamps.len() + w - limit - 1)
        {
            let until = *leaving + counted.window.period;
            let this_wait = until.saturating_duration_since(now);
            if this_wait > wait {
                wait = this_wait;
                reason = counted.window.name;
            }
        }
    }
    (wait, reason)
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
        // Calls 30 s apart on the virtual clock, so that real time in between cannot blur them.
        limiter.acquire("qbo", "batch").await;
        pause.sleep(Duration::from_secs(30)).await;
        limiter.acquire("qbo", "batch").await;
        limiter.acquire("qbo", "query").await;
        assert_eq!(pause.waits().len(), 1, "a query is not a batch, and two batches fit");
        // The third batch waits for the first to leave the batch window (about 30 s more).
        limiter.acquire("qbo", "batch").await;
        let waits = pause.waits();
        assert_eq!(waits.len(), 2);
        assert!(waits[1] > Duration::from_secs(29) && waits[1] <= Duration::from_secs(30), "{waits:?}");
        // In the window now: the second and third batches, the query; the first has left it.
        assert_eq!(limiter.remaining("batch").await, Some(0));
        assert_eq!(limiter.remaining("minute").await, Some(2));
    }

    #[tokio::test]
    async fn the_vendors_count_wins_when_it_is_lower() {
        let pause = Pause::virtual_clock(|_| {});
        let day = Window { name: "day", limit: 10, period: Duration::from_secs(86_400), class: None };
        let limiter = RateLimiter::new(&[day], pause.clone());
        limiter.acquire("xero", "call").await;
        assert_eq!(limiter.wait_needed("call").await, None);
        // The vendor counts more calls than we made: another process used the same company.
        limiter.trust_remaining("day", 2).await;
        assert_eq!(limiter.remaining("day").await, Some(2));
        limiter.trust_remaining("day", 5).await; // a higher count changes nothing
        assert_eq!(limiter.remaining("day").await, Some(2));
        limiter.acquire("xero", "call").await;
        limiter.acquire("xero", "call").await;
        let (wait, window) = limiter.wait_needed("call").await.expect("the day is spent");
        assert_eq!(window, "day");
        assert!(wait > Duration::from_secs(86_000), "{wait:?}");
        assert!(pause.waits().is_empty(), "wait_needed never waits");
    }

    #[tokio::test]
    async fn a_batch_counts_each_item_against_the_request_window() {
        let pause = Pause::virtual_clock(|_| {});
        let limiter = RateLimiter::new(
            &[
                Window { name: "requests", limit: 100, period: Duration::from_secs(60), class: None },
                Window { name: "batches", limit: 40, period: Duration::from_secs(60), class: Some("batch") },
            ],
            pause.clone(),
        );
        // Three batches of 30 items fit in 100 requests; the fourth waits for the first to leave.
        for _ in 0..3 {
            limiter.acquire_weighted("qbo", "batch", 30).await;
        }
        assert_eq!(limiter.remaining("requests").await, Some(10));
        assert_eq!(limiter.remaining("batches").await, Some(37));
        assert!(pause.waits().is_empty());
        limiter.acquire_weighted("qbo", "batch", 30).await;
        assert_eq!(pause.waits().len(), 1, "waited for the request window");
        assert!(pause.waits()[0] > Duration::from_secs(59), "{:?}", pause.waits());
    }
}
