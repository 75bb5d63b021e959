//! What every HTTP client of ours shares: retry timing (capped exponential backoff with full
//! jitter, `Retry-After` honoured) and response-body limits.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use reqwest::header::{HeaderMap, RETRY_AFTER};

/// When and how often a transient failure (429, 5xx, connection error) is tried again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// A server asking us to wait longer than this is treated as a failure, not waited out.
    pub max_retry_after: Duration,
}

impl RetryPolicy {
    pub fn standard(max_attempts: u32) -> RetryPolicy {
        RetryPolicy {
            max_attempts,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(300),
        }
    }

    /// Waits before attempt `attempt + 1`: what the vendor asked (`Retry-After`) when it asked,
    /// else `backoff`. `vendor` names it on the progress bar while it lasts.
    pub async fn wait_to_retry(
        &self,
        pause: &Pause,
        attempt: u32,
        retry_after: Option<Duration>,
        jitter: &Mutex<Jitter>,
        vendor: &str,
    ) {
        let delay = retry_after.unwrap_or_else(|| self.backoff(attempt, &mut lock(jitter)));
        let why = match retry_after {
            Some(_) => format!("{vendor}'s Retry-After"),
            None => format!("a retry of a failed {vendor} call"),
        };
        pause.sleep_for(delay, &why).await;
    }

    /// The wait before attempt `attempt + 1` (attempt counts from 1): a random duration up to
    /// `min(max_delay, base_delay × 2^(attempt-1))` ("full jitter"), so that many clients that
    /// failed together do not retry together.
    pub fn backoff(&self, attempt: u32, jitter: &mut Jitter) -> Duration {
        let exponent = attempt.saturating_sub(1).min(20);
        let ceiling = self.base_delay.saturating_mul(1 << exponent).min(self.max_delay);
        let ceiling_ms = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(jitter.below(ceiling_ms.saturating_add(1)))
    }
}

/// A small deterministic PRNG (SplitMix64) for jitter; seeded per client.
#[derive(Debug, Clone)]
pub struct Jitter(u64);

impl Jitter {
    pub fn new(seed: u64) -> Jitter {
        Jitter(seed)
    }

    pub fn from_entropy() -> Jitter {
        let nanos =
            SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
        Jitter(nanos as u64 ^ u64::from(std::process::id()).rotate_left(32))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..bound` (0 when `bound` is 0).
    pub fn below(&mut self, bound: u64) -> u64 {
        if bound == 0 { 0 } else { self.next_u64() % bound }
    }
}

/// How our clients wait (backoff, `Retry-After`, rate-limit budgets) and what "now" is for those
/// waits. In production: tokio's timer and the monotonic clock. In tests: a virtual clock that
/// records every wait, does not sleep, and calls a hook (which moves a sandbox's clock by the same
/// amount), so that waits are checked exactly and rate-limit windows roll without real time.
#[derive(Clone, Default)]
pub struct Pause {
    virtual_clock: Option<Arc<VirtualClock>>,
}

struct VirtualClock {
    /// How far the virtual clock is ahead of the real one: the sum of the waits skipped.
    skipped: Mutex<Duration>,
    waits: Mutex<Vec<Duration>>,
    on_wait: Box<dyn Fn(Duration) + Send + Sync>,
}

impl std::fmt::Debug for Pause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.virtual_clock.is_some() { "Pause(virtual)" } else { "Pause(real)" })
    }
}

impl Pause {
    /// Real waits on tokio's timer.
    pub fn real() -> Pause {
        Pause::default()
    }

    /// Waits that take no time: each is recorded, moves `now()` forward and calls `on_wait`.
    pub fn virtual_clock(on_wait: impl Fn(Duration) + Send + Sync + 'static) -> Pause {
        Pause {
            virtual_clock: Some(Arc::new(VirtualClock {
                skipped: Mutex::new(Duration::ZERO),
                waits: Mutex::new(Vec::new()),
                on_wait: Box::new(on_wait),
            })),
        }
    }

    pub fn now(&self) -> Instant {
        let skipped = self.virtual_clock.as_ref().map_or(Duration::ZERO, |v| *lock(&v.skipped));
        Instant::now() + skipped
    }

    pub async fn sleep(&self, duration: Duration) {
        match &self.virtual_clock {
            // Ctrl-C during a wait: no request is in flight, so the process may end here.
            None => tokio::select! {
                () = tokio::time::sleep(duration) => {}
                () = crate::interrupt::pressed() => crate::interrupt::stop_waiting(duration),
            },
            Some(clock) => {
                *lock(&clock.skipped) += duration;
                lock(&clock.waits).push(duration);
                (clock.on_wait)(duration);
            }
        }
    }

    /// As `sleep`, with why: while it lasts, a progress bar says what it waits for and how long
    /// is left (`waiting 42 s for xero's minute rate limit`), instead of standing still.
    pub async fn sleep_for(&self, duration: Duration, why: &str) {
        let noted = waiting::note(why, duration);
        self.sleep(duration).await;
        waiting::done(noted);
    }

    /// Waits until `at` (on this pause's clock); at once when it has passed.
    pub async fn sleep_until(&self, at: Instant) {
        let now = self.now();
        if at > now {
            self.sleep(at - now).await;
        }
    }

    /// The waits a virtual clock skipped, in order (empty for real waits).
    pub fn waits(&self) -> Vec<Duration> {
        self.virtual_clock.as_ref().map_or_else(Vec::new, |v| lock(&v.waits).clone())
    }
}

/// The waits going on now, for the progress bar: process-wide, as the bar is. The latest one
/// noted is shown; one that ends (or whose future is dropped and whose time passes) is not.
pub mod waiting {
    use std::sync::Mutex;
    use std::time::{Duration, Instant};

    struct Noted {
        id: u64,
        why: String,
        until: Instant,
    }

    /// The waits going on, oldest first (several clients may wait at once).
    static NOW: Mutex<Vec<Noted>> = Mutex::new(Vec::new());
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

    /// Notes a wait of `duration` starting now; `done` with the id it returns ends it.
    pub fn note(why: &str, duration: Duration) -> u64 {
        let id = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut now = super::lock(&NOW);
        let at = Instant::now();
        now.retain(|n| n.until > at);
        now.push(Noted { id, why: why.to_owned(), until: at + duration });
        id
    }

    pub fn done(id: u64) {
        super::lock(&NOW).retain(|n| n.id != id);
    }

    /// The latest wait still going on: what it waits for, and how long is left (real time).
    pub fn current() -> Option<(String, Duration)> {
        let now = super::lock(&NOW);
        let at = Instant::now();
        now.iter().rev().find_map(|n| Some((n.why.clone(), n.until.checked_duration_since(at)?)))
    }
}

// The data under these locks is a sum and a list, valid between any two statements.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// `Retry-After` as seconds or as an HTTP date (RFC 9110 §10.2.3).
pub fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// Largest response body we accept; a page of 1,000 items is well under 2 MiB.
pub const BODY_BYTES_MAX: usize = 64 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    #[error("response body larger than {BODY_BYTES_MAX} bytes")]
    TooLarge,
    #[error("connection failed while reading the response body: {0}")]
    Transport(#[from] reqwest::Error),
}

/// Reads a body, refusing one beyond `BODY_BYTES_MAX` before it is all in memory.
pub async fn read_body(mut response: reqwest::Response) -> Result<Vec<u8>, BodyError> {
    if response.content_length().is_some_and(|n| n > BODY_BYTES_MAX as u64) {
        return Err(BodyError::TooLarge);
    }
    let mut body = Vec::with_capacity(response.content_length().unwrap_or(0) as usize);
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > BODY_BYTES_MAX {
            return Err(BodyError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[tokio::test]
    async fn a_virtual_pause_records_and_skips_its_waits() {
        let seen = Arc::new(Mutex::new(Duration::ZERO));
        let hook = Arc::clone(&seen);
        let pause = Pause::virtual_clock(move |d| *lock(&hook) += d);
        let before = pause.now();
        let real = Instant::now();
        pause.sleep(Duration::from_secs(30)).await;
        pause.sleep_until(pause.now() + Duration::from_secs(5)).await;
        pause.sleep_until(before).await; // in the past: no wait
        assert!(real.elapsed() < Duration::from_secs(30), "a virtual wait slept");
        // The second wait is up to 5 s less the real time between reading now() twice.
        let waits = pause.waits();
        assert_eq!(waits.len(), 2, "{waits:?}");
        assert_eq!(waits[0], Duration::from_secs(30));
        assert!(waits[1] <= Duration::from_secs(5) && waits[1] > Duration::from_secs(4), "{waits:?}");
        assert_eq!(*lock(&seen), waits[0] + waits[1]);
        assert!(pause.now() >= before + Duration::from_secs(34));
        assert!(Pause::real().waits().is_empty());
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let policy = RetryPolicy::standard(8);
        let mut jitter = Jitter::new(7);
        for attempt in 1..=12 {
            let ceiling = (250u64 << (attempt - 1).min(20)).min(30_000);
            for _ in 0..50 {
                let d = policy.backoff(attempt, &mut jitter).as_millis() as u64;
                assert!(d <= ceiling, "attempt {attempt}: {d} > {ceiling}");
            }
        }
        let spread: std::collections::BTreeSet<_> = (0..50).map(|_| policy.backoff(5, &mut jitter)).collect();
        assert!(spread.len() > 10, "jitter should spread retries");
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_static("7"));
        assert_eq!(retry_after(&h, now), Some(Duration::from_secs(7)));
        let later = httpdate::fmt_http_date(now + Duration::from_secs(30));
        h.insert(RETRY_AFTER, HeaderValue::from_str(&later).unwrap());
        assert_eq!(retry_after(&h, now), Some(Duration::from_secs(30)));
        h.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&h, now), None);
    }
}
