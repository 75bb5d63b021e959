//! The HTTP client of Entrata's own API: one `POST` per call to `{base}/{service}`, the API key
//! (`X-Api-Key`) or HTTP Basic, each answer judged from its body as well as its status
//! (`envelope::judge`), each service paced by the windows its answers state (`limits`), and 429,
//! 5xx, error 310 and dropped connections tried again with capped, jittered backoff that honours
//! `Retry-After`. A refusal (a permission, an unknown method, a bad parameter) is not retried.
//!
//! Secrets are held as `SecretString` and only exposed into request headers.

use std::collections::HashMap;
use std::sync::Mutex as StdMutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use secrecy::ExposeSecret;
use serde_json::value::RawValue;

use super::envelope::{Answer, AuthType, Call, Refusal, judge};
use super::limits::{Window, wait_before_next, windows};
use crate::config::{ApiAuth, ApiCredentials, SourceConfig};
use crate::http::{Jitter, Pause, RetryPolicy, read_body, retry_after};
use crate::source::client::{ANNOUNCED_WAIT, ClientStats, SourceError, StatsSnapshot};
use crate::source::transport::{describe_transport, is_refused, loggable_url, origin};

const REFUSED_ATTEMPTS_MAX: u32 = 3;

/// What a service's last answer said about its limits, and when.
#[derive(Default)]
struct Budget {
    windows: Vec<Window>,
    seen_at: Option<Instant>,
    last_call: Option<Instant>,
}

pub struct ApiClient {
    http: reqwest::Client,
    base_url: String,
    origin: String,
    credentials: ApiCredentials,
    auth: AuthType,
    retry: RetryPolicy,
    pause: Pause,
    jitter: StdMutex<Jitter>,
    budgets: StdMutex<HashMap<&'static str, Budget>>,
    min_interval: Duration,
    reserve_percent: u64,
    stats: ClientStats,
    request_ids: AtomicU64,
}

/// One page of a paginated method.
#[derive(Debug, Clone, Copy)]
pub struct Page {
    pub number: u32,
    pub per_page: u32,
}

enum Attempt {
    Answer(Answer),
    Again { reason: String, wait: Option<Duration>, refused: bool },
    Failed(SourceError),
}

impl ApiClient {
    pub fn new(config: &SourceConfig, credentials: ApiCredentials) -> Result<ApiClient, SourceError> {
        let api =
            config.api.as_ref().ok_or_else(|| SourceError::Client("source.kind is not `entrata`".into()))?;
        let http = crate::source::transport::http_client(config).map_err(SourceError::Client)?;
        Ok(ApiClient {
            http,
            base_url: config.base_url.clone(),
            origin: origin(&config.base_url),
            credentials,
            auth: match api.auth {
                ApiAuth::ApiKey => AuthType::ApiKey,
                ApiAuth::Basic => AuthType::Basic,
            },
            retry: RetryPolicy::standard(config.max_attempts),
            pause: Pause::real(),
            jitter: StdMutex::new(Jitter::from_entropy()),
            budgets: StdMutex::new(HashMap::new()),
            min_interval: Duration::from_millis(api.min_interval_ms),
            reserve_percent: api.limit_reserve_percent,
            stats: ClientStats::default(),
            request_ids: AtomicU64::new(1),
        })
    }

    /// Waits through `pause` instead of tokio's timer (tests: a virtual clock).
    pub fn with_pause(mut self, pause: Pause) -> ApiClient {
        self.pause = pause;
        self
    }

    pub fn with_retry_policy(mut self, retry: RetryPolicy) -> ApiClient {
        self.retry = retry;
        self
    }

    pub fn stats(&self) -> StatsSnapshot {
        self.stats.snapshot()
    }

    /// One method call, tried again while the failure is transient. `Ok(None)`: "No Records
    /// Found"; `Ok(Some(result))`: the raw `result`.
    pub async fn call(&self, call: &Call, page: Option<Page>) -> Result<Option<Box<RawValue>>, SourceError> {
        let what = match page {
            Some(p) => format!("{}.{} page {}", call.service, call.method, p.number),
            None => format!("{}.{}", call.service, call.method),
        };
        let mut attempt = 0;
        loop {
            attempt += 1;
            self.wait_for_service(call.service, &what).await?;
            match self.attempt(call, page, &what).await {
                Attempt::Answer(Answer::Result(result)) => return Ok(Some(result)),
                Attempt::Answer(Answer::NoRecords) => return Ok(None),
                Attempt::Failed(e) => return Err(e),
                Attempt::Again { reason, wait, refused } => {
                    if refused && attempt >= REFUSED_ATTEMPTS_MAX.min(self.retry.max_attempts) {
                        return Err(SourceError::Unreachable {
                            origin: self.origin.clone(),
                            attempts: attempt,
                        });
                    }
                    if attempt >= self.retry.max_attempts {
                        return Err(SourceError::Exhausted { path: what, attempts: attempt, last: reason });
                    }
                    if let Some(w) = wait
                        && w > self.retry.max_retry_after
                    {
                        return Err(SourceError::TooLongRetryAfter {
                            path: what,
                            seconds: w.as_secs(),
                            max: self.retry.max_retry_after.as_secs(),
                        });
                    }
                    self.stats.retries.fetch_add(1, Ordering::Relaxed);
                    let delay = wait.unwrap_or_else(|| {
                        let mut jitter = self.jitter.lock().unwrap_or_else(|p| p.into_inner());
                        self.retry.backoff(attempt, &mut jitter)
                    });
                    tracing::warn!(
                        call = %what,
                        attempt,
                        max_attempts = self.retry.max_attempts,
                        delay_ms = delay.as_millis() as u64,
                        "Entrata call failed ({reason}); retrying in {} ms",
                        delay.as_millis()
                    );
                    self.pause.sleep_for(delay, "a retry of a failed Entrata call").await;
                }
            }
        }
    }

    async fn attempt(&self, call: &Call, page: Option<Page>, what: &str) -> Attempt {
        let url = format!("{}/{}", self.base_url, call.service);
        let request_id = self.request_ids.fetch_add(1, Ordering::Relaxed).to_string();
        let mut request = self.http.post(&url).json(&call.body(self.auth, &request_id));
        if let Some(p) = page {
            request = request.query(&[("page_no", p.number), ("per_page", p.per_page)]);
        }
        request = match &self.credentials {
            ApiCredentials::ApiKey(key) => request.header("X-Api-Key", key.expose_secret()),
            ApiCredentials::Basic { username, password } => {
                request.basic_auth(username.expose_secret(), Some(password.expose_secret()))
            }
        };
        self.stats.requests.fetch_add(1, Ordering::Relaxed);
        let request = match request.build() {
            Ok(r) => r,
            Err(e) => return Attempt::Failed(SourceError::Client(describe_transport(&e, &self.origin))),
        };
        let shown = loggable_url(request.url());
        let started = Instant::now();
        let response = match self.http.execute(request).await {
            Ok(r) => r,
            Err(e) => {
                let reason = describe_transport(&e, &self.origin);
                tracing::trace!(url = %shown, method = call.method, error = %reason, "Entrata call failed");
                return Attempt::Again { reason, wait: None, refused: is_refused(&e) };
            }
        };
        let status = response.status().as_u16();
        tracing::trace!(
            url = %shown,
            method = call.method,
            status,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "Entrata call"
        );
        self.note_limits(call.service, response.headers());
        let wait = retry_after(response.headers(), SystemTime::now());
        let body = match read_body(response).await {
            Ok(b) => b,
            Err(e) => return Attempt::Again { reason: e.to_string(), wait: None, refused: false },
        };
        match judge(status, wait.map(|w| w.as_secs()), &body) {
            Ok(answer) => Attempt::Answer(answer),
            Err(Refusal::Throttled { .. }) => {
                self.stats.throttled.fetch_add(1, Ordering::Relaxed);
                let wait = wait.or_else(|| self.spent_window_reset(call.service));
                Attempt::Again { reason: "429 throttled".into(), wait, refused: false }
            }
            Err(refusal @ (Refusal::Transient { .. } | Refusal::Malformed(_))) => {
                Attempt::Again { reason: refusal.to_string(), wait, refused: false }
            }
            Err(refusal @ Refusal::Permission { .. }) => Attempt::Failed(SourceError::Forbidden {
                path: what.to_owned(),
                message: refusal.to_string(),
            }),
            Err(Refusal::Refused { code, message }) => {
                Attempt::Failed(SourceError::Rejected { path: what.to_owned(), status, code, message })
            }
        }
    }

    fn note_limits(&self, service: &'static str, headers: &reqwest::header::HeaderMap) {
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        let read = windows(
            header("x-ratelimit-limit"),
            header("x-ratelimit-remaining"),
            header("x-ratelimit-reset"),
        );
        let mut budgets = self.budgets.lock().unwrap_or_else(|p| p.into_inner());
        let budget = budgets.entry(service).or_default();
        if let Some(windows) = read {
            budget.windows = windows;
            budget.seen_at = Some(self.pause.now());
        }
    }

    /// After a 429 without `Retry-After`: the shortest reset among the windows that are spent.
    fn spent_window_reset(&self, service: &str) -> Option<Duration> {
        let budgets = self.budgets.lock().unwrap_or_else(|p| p.into_inner());
        let budget = budgets.get(service)?;
        budget
            .windows
            .iter()
            .filter(|w| w.remaining == 0)
            .map(|w| Duration::from_secs(w.reset_s.max(1)))
            .min()
    }

    /// Before a call to `service`: waits out a window down to its reserve (saying so), and the
    /// configured floor between two calls. A spent day window is not slept through: the pull
    /// stops and says when the day starts again.
    async fn wait_for_service(&self, service: &'static str, what: &str) -> Result<(), SourceError> {
        loop {
            let now = self.pause.now();
            let wait = {
                let mut budgets = self.budgets.lock().unwrap_or_else(|p| p.into_inner());
                let budget = budgets.entry(service).or_default();
                let elapsed = budget.seen_at.map_or(Duration::ZERO, |at| now.saturating_duration_since(at));
                // A window whose reset has passed since the answer that stated it has started again.
                let current: Vec<Window> = budget
                    .windows
                    .iter()
                    .filter(|w| Duration::from_secs(w.reset_s) > elapsed)
                    .map(|w| Window { reset_s: w.reset_s - elapsed.as_secs().min(w.reset_s), ..w.clone() })
                    .collect();
                let limit_wait = wait_before_next(&current, self.reserve_percent).map(|(d, why)| {
                    let unit = current
                        .iter()
                        .find(|w| Duration::from_secs(w.reset_s.max(1)) == d)
                        .map(|w| w.unit.clone())
                        .unwrap_or_default();
                    (d, why, unit)
                });
                let floor =
                    budget.last_call.map(|at| (at + self.min_interval).saturating_duration_since(now));
                match (limit_wait, floor) {
                    (Some(w), _) => Some(w),
                    (None, Some(f)) if !f.is_zero() => {
                        Some((f, "source.min_interval_ms".to_owned(), String::new()))
                    }
                    _ => {
                        budget.last_call = Some(now);
                        None
                    }
                }
            };
            let Some((wait, why, unit)) = wait else { return Ok(()) };
            if unit == "DAY" || wait > self.retry.max_retry_after.max(Duration::from_secs(3600)) {
                return Err(SourceError::Rejected {
                    path: what.to_owned(),
                    status: 429,
                    code: "limit_spent".to_owned(),
                    message: format!(
                        "{why} for the `{service}` service; it starts again in {} s. Run the pull again then.",
                        wait.as_secs()
                    ),
                });
            }
            if wait >= ANNOUNCED_WAIT {
                tracing::info!(
                    service,
                    wait_s = wait.as_secs(),
                    "Entrata's `{service}` limits: {why}; waiting {} s before the next call",
                    wait.as_secs()
                );
            }
            self.pause.sleep_for(wait, "Entrata's rate limit").await;
        }
    }
}
