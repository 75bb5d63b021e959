//! How the client waits: before another attempt (backoff or `Retry-After`, a few quick tries when
//! nothing accepts connections) and while Entrata's rate-limit budget is spent. Every wait of
//! [`ANNOUNCED_WAIT`] or more says in the log what it waits for and how long.

use std::sync::atomic::Ordering;
use std::time::Duration;

use super::{ANNOUNCED_WAIT, EntrataClient, REFUSED_ATTEMPTS_MAX, SourceError, Transient};

impl EntrataClient {
    /// After a transient failure: gives up once the attempts are spent (a few when nothing
    /// listens at the address), else waits.
    pub(super) async fn retry_later(
        &self,
        path: &str,
        attempt: u32,
        transient: &Transient,
    ) -> Result<(), SourceError> {
        if transient.refused && attempt >= REFUSED_ATTEMPTS_MAX.min(self.retry.max_attempts) {
            return Err(SourceError::Unreachable { origin: self.origin.clone(), attempts: attempt });
        }
        if attempt >= self.retry.max_attempts {
            return Err(SourceError::Exhausted {
                path: path.to_owned(),
                attempts: attempt,
                last: transient.reason.clone(),
            });
        }
        self.pause(path, attempt, &transient.reason, transient.wait).await
    }

    /// Sleeps before another attempt: `Retry-After` when the server gave one, else backoff.
    async fn pause(
        &self,
        path: &str,
        attempt: u32,
        reason: &str,
        wait: Option<Duration>,
    ) -> Result<(), SourceError> {
        self.stats.retries.fetch_add(1, Ordering::Relaxed);
        let delay = match wait {
            Some(w) if w > self.retry.max_retry_after => {
                return Err(SourceError::TooLongRetryAfter {
                    path: path.to_owned(),
                    seconds: w.as_secs(),
                    max: self.retry.max_retry_after.as_secs(),
                });
            }
            Some(w) => w,
            None => {
                let mut jitter = self.jitter.lock().unwrap_or_else(|p| p.into_inner());
                self.retry.backoff(attempt, &mut jitter)
            }
        };
        let waiting = if delay.as_millis() >= 1_000 {
            format!("{} s", delay.as_secs_f64().round())
        } else {
            format!("{} ms", delay.as_millis())
        };
        tracing::warn!(
            path,
            attempt,
            max_attempts = self.retry.max_attempts,
            reason,
            delay_ms = delay.as_millis() as u64,
            "Entrata request failed ({reason}); retrying in {waiting}"
        );
        self.pause.sleep_for(delay, "a retry of a failed Entrata request").await;
        Ok(())
    }

    /// When Entrata says the window's budget is spent, hold further requests until it resets
    /// instead of spending a request on a 429.
    pub(super) fn note_budget(&self, headers: &reqwest::header::HeaderMap) {
        let number = |name: &str| headers.get(name)?.to_str().ok()?.trim().parse::<u64>().ok();
        if let (Some(0), Some(reset)) = (number("x-ratelimit-remaining"), number("x-ratelimit-reset")) {
            let until =
                self.pause.now() + Duration::from_secs(reset.min(self.retry.max_retry_after.as_secs()));
            let mut not_before = self.not_before.lock().unwrap_or_else(|p| p.into_inner());
            *not_before = Some(not_before.map_or(until, |t| t.max(until)));
        }
    }

    pub(super) async fn wait_for_budget(&self) {
        let until = *self.not_before.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(until) = until {
            let now = self.pause.now();
            if until > now {
                let wait = until - now;
                if wait >= ANNOUNCED_WAIT {
                    let mut announced = self.announced_until.lock().unwrap_or_else(|p| p.into_inner());
                    if announced.is_none_or(|at| at < until) {
                        *announced = Some(until);
                        tracing::info!(
                            wait_s = wait.as_secs_f64().round() as u64,
                            "Entrata's rate-limit budget is spent (X-RateLimit-Remaining: 0): waiting {} s for its \
                             window to reset",
                            wait.as_secs_f64().round()
                        );
                    }
                }
                self.pause.sleep_for(wait, "Entrata's rate-limit window").await;
            }
        }
    }
}
