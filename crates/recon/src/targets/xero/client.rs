//! The Xero Accounting API client: `{api_base}/api.xro/2.0` with a bearer token from
//! `oauth::TokenSource` (one refresh and one more try after a 401), the `xero-tenant-id` header,
//! `Idempotency-Key` on every write, and pacing that never trips a limit: a sliding-window limiter
//! with Xero's per-tenant windows (60 a minute, 5,000 a day) that also trusts the
//! `X-MinLimit-Remaining` / `X-DayLimit-Remaining` headers of every answer when they say fewer
//! calls remain than it thinks.
//!
//! What each failure means (reference/qbo-xero-apis.md B.3-B.6):
//! - 429 `minute` / `concurrent` / `appminute`: not processed; waited out (`Retry-After`), sent again.
//! - 429 `day` (or the limiter's day window spent): `TargetError::Allowance`, the run stops cleanly.
//! - 401: the token is refreshed once and the call tried again; a second 401 is `TargetError::Auth`.
//! - 403: the organisation is disconnected (`TargetError::Auth`).
//! - Could not connect: not sent, tried again. A 5xx, a timeout or a reset after a write left:
//!   the outcome is not known (`WriteResult::Unknown`); only a lookup may tell.
//!
//! Every wait goes through `Pause`. Tokens never reach a log line or an error.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use secrecy::ExposeSecret;

use super::wire;
use crate::http::{Jitter, Pause, RetryPolicy, read_body, retry_after};
use crate::posting::TargetError;
use crate::targets::limit::{RateLimiter, Window};
use crate::targets::oauth::{OAuthError, TokenSource};

const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// A throttled call (minute, concurrent) is waited out at most this long each time.
const THROTTLE_WAIT_MAX: Duration = Duration::from_secs(120);
/// A wait for the limiter longer than this is the day's allowance: the run stops instead.
const PACE_WAIT_MAX: Duration = Duration::from_secs(300);
/// A `Retry-After` on a day refusal we cannot read: resume no earlier than this.
const DAY_RETRY_DEFAULT: Duration = Duration::from_secs(3_600);
/// Tries per call (the first included) for failures that are safe to try again.
const ATTEMPTS_MAX: u32 = 5;

pub const MINUTE_WINDOW: &str = "calls per minute";
pub const DAY_WINDOW: &str = "calls per day";

/// Xero's per-tenant limits (reference B.5), each window a second longer than Xero's: the
/// limiter counts a call when it leaves, Xero when it arrives, so a call that left exactly a
/// window after our oldest one could still meet Xero's. The 5 concurrent calls are never reached:
/// the client makes one call at a time.
pub const WINDOWS: [Window; 2] = [
    Window { name: MINUTE_WINDOW, limit: 60, period: Duration::from_secs(60 + 1), class: None },
    Window { name: DAY_WINDOW, limit: 5_000, period: Duration::from_secs(86_400 + 1), class: None },
];

/// What a write call came to.
#[derive(Debug)]
pub enum WriteResult {
    /// `200` with Xero's body.
    Answered(Vec<u8>),
    /// A 4xx answer (not 401/409/429). Only a `ValidationException` naming an element with its
    /// validation errors proves anything (that element was not saved): `outcome` reads it; any
    /// other 4xx, which a proxy or gateway may give after Xero saved the request, is unknown.
    Refused { status: u16, body: Vec<u8> },
    /// The request may have been processed; its answer is lost.
    Unknown(String),
}

/// Requests sent (a call stopped before it left is not counted), for summaries and tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CallCounts {
    pub reads: u64,
    pub writes: u64,
    /// 429 answers (each was waited out, or stopped the run).
    pub throttled: u64,
    /// 401 answers (each followed by one refresh).
    pub refused_tokens: u64,
}

pub struct XeroClient {
    http: reqwest::Client,
    /// `{api_base}/api.xro/2.0`
    api_url: String,
    tenant_id: String,
    tokens: TokenSource,
    limiter: RateLimiter,
    pause: Pause,
    retry: RetryPolicy,
    jitter: std::sync::Mutex<Jitter>,
    counts: std::sync::Mutex<CallCounts>,
    /// Xero's clock less ours, from the `Date` header of the latest answer that had one.
    clock_offset: std::sync::Mutex<Option<TimeDelta>>,
}

enum Exchange {
    Answer(StatusCode, Vec<u8>),
    /// Not processed: safe to send again (after the wait, if any).
    NotSent(String, Option<Duration>),
    /// Sent; whether it was processed is not known.
    Lost(String),
}

impl XeroClient {
    pub fn new(
        api_base: &str,
        tenant_id: String,
        tokens: TokenSource,
        pause: Pause,
    ) -> Result<XeroClient, TargetError> {
        let http = crate::targets::vendor_http(REQUEST_TIMEOUT)
            .map_err(|e| TargetError::Setup(format!("cannot build an HTTP client: {e}")))?;
        XeroClient::process_start();
        Ok(XeroClient {
            http,
            api_url: format!("{}/api.xro/2.0", api_base.trim_end_matches('/')),
            tenant_id,
            tokens,
            limiter: RateLimiter::new(&WINDOWS, pause.clone()),
            pause,
            retry: RetryPolicy::standard(ATTEMPTS_MAX),
            jitter: std::sync::Mutex::new(Jitter::from_entropy()),
            counts: std::sync::Mutex::new(CallCounts::default()),
            clock_offset: std::sync::Mutex::new(None),
        })
    }

    /// The same client with another limit on one request (`[posting] request_timeout_seconds`): past
    /// it a write's outcome is unknown.
    pub fn with_timeout(mut self, timeout: Duration) -> Result<XeroClient, TargetError> {
        self.http = crate::targets::vendor_http(timeout)
            .map_err(|e| TargetError::Setup(format!("cannot build an HTTP client: {e}")))?;
        Ok(self)
    }

    pub fn tenant_id(&self) -> &str {
        &self.tenant_id
    }

    pub fn counts(&self) -> CallCounts {
        *self.counts.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// How far Xero's clock is ahead of ours (negative: behind), as the `Date` header of the latest
    /// answer said (to the second, less the answer's way back); `None` before any answer had one.
    pub fn clock_offset(&self) -> Option<TimeDelta> {
        *self.clock_offset.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// When this process made its first Xero client (our clock): an attempt before it was made by
    /// an earlier run, whose offset from Xero's clock may not be today's.
    pub fn process_start() -> DateTime<Utc> {
        static START: std::sync::OnceLock<DateTime<Utc>> = std::sync::OnceLock::new();
        *START.get_or_init(Utc::now)
    }

    fn observe_clock(&self, headers: &HeaderMap) {
        let xero = headers
            .get(reqwest::header::DATE)
            .and_then(|v| v.to_str().ok())
            .and_then(|text| httpdate::parse_http_date(text).ok());
        if let Some(xero) = xero {
            let offset = DateTime::<Utc>::from(xero) - Utc::now();
            *self.clock_offset.lock().unwrap_or_else(|p| p.into_inner()) = Some(offset);
        }
    }

    fn count(&self, each: impl FnOnce(&mut CallCounts)) {
        each(&mut self.counts.lock().unwrap_or_else(|p| p.into_inner()));
    }

    /// `GET {path}` with `params` (and `If-Modified-Since` when given); the body of its `200`.
    /// Everything but a 4xx is tried again (a read changes nothing).
    pub async fn get(
        &self,
        path: &str,
        params: &[(&str, String)],
        modified_since: Option<DateTime<Utc>>,
    ) -> Result<Vec<u8>, TargetError> {
        let url = format!("{}/{path}", self.api_url);
        let mut failure = String::new();
        for attempt in 1..=self.retry.max_attempts {
            let (reason, wait) = match self.exchange(Method::GET, &url, params, modified_since, None).await? {
                Exchange::Answer(StatusCode::OK, body) => return Ok(body),
                Exchange::Answer(status, body) if status.is_client_error() => {
                    return Err(TargetError::Protocol(format!(
                        "Xero refused GET {path}: {}",
                        wire::error_text(status.as_u16(), &body)
                    )));
                }
                Exchange::Answer(status, body) => (wire::error_text(status.as_u16(), &body), None),
                Exchange::NotSent(reason, wait) => (reason, wait),
                Exchange::Lost(reason) => (reason, None),
            };
            failure = reason;
            if attempt < self.retry.max_attempts {
                self.backoff(attempt, wait).await;
            }
        }
        Err(TargetError::Unavailable(format!("Xero GET {path} kept failing: {failure}")))
    }

    /// `PUT {path}?summarizeErrors=false` under `idempotency_key`. What was not processed (429,
    /// no connection, a refused token) is sent again; anything after Xero may have processed the
    /// request is `Unknown`.
    pub async fn put(
        &self,
        path: &str,
        body: Vec<u8>,
        idempotency_key: &str,
    ) -> Result<WriteResult, TargetError> {
        let url = format!("{}/{path}", self.api_url);
        let params = [("summarizeErrors", "false".to_owned())];
        let mut failure = String::new();
        for attempt in 1..=self.retry.max_attempts {
            let exchange = self
                .exchange(Method::PUT, &url, &params, None, Some((body.clone(), idempotency_key)))
                .await?;
            match exchange {
                Exchange::Answer(StatusCode::OK, body) => return Ok(WriteResult::Answered(body)),
                // 409: a request under this key is still being processed; it may yet be saved.
                Exchange::Answer(StatusCode::CONFLICT, body) => {
                    return Ok(WriteResult::Unknown(wire::error_text(409, &body)));
                }
                Exchange::Answer(status, body) if status.is_client_error() => {
                    return Ok(WriteResult::Refused { status: status.as_u16(), body });
                }
                Exchange::Answer(status, body) => {
                    return Ok(WriteResult::Unknown(wire::error_text(status.as_u16(), &body)));
                }
                Exchange::Lost(reason) => return Ok(WriteResult::Unknown(reason)),
                Exchange::NotSent(reason, wait) => {
                    failure = reason;
                    if attempt < self.retry.max_attempts {
                        self.backoff(attempt, wait).await;
                    }
                }
            }
        }
        Err(TargetError::Unavailable(format!("Xero PUT {path} could not be sent: {failure}")))
    }

    async fn backoff(&self, attempt: u32, wait: Option<Duration>) {
        self.retry.wait_to_retry(&self.pause, attempt, wait, &self.jitter, "Xero").await;
    }

    /// Waits for the limiter; stops (`Allowance`) instead of waiting out a spent day.
    async fn pace(&self) -> Result<(), TargetError> {
        if let Some((wait, window)) = self.limiter.wait_needed("call").await
            && wait > PACE_WAIT_MAX
        {
            return Err(allowance(format!("Xero's {window} for this organisation are used up"), wait));
        }
        self.limiter.acquire("xero", "call").await;
        Ok(())
    }

    /// What the limit headers of an answer say (not on a 429, whose `Retry-After` says more).
    async fn observe_limits(&self, headers: &HeaderMap) {
        let number = |name: &str| headers.get(name)?.to_str().ok()?.trim().parse::<u32>().ok();
        if let Some(minute) = number("x-minlimit-remaining") {
            self.limiter.trust_remaining(MINUTE_WINDOW, minute).await;
        }
        if let Some(day) = number("x-daylimit-remaining") {
            self.limiter.trust_remaining(DAY_WINDOW, day).await;
        }
    }

    /// One exchange, paced, with a token. A 401 is answered by one refresh and one more try.
    async fn exchange(
        &self,
        method: Method,
        url: &str,
        params: &[(&str, String)],
        modified_since: Option<DateTime<Utc>>,
        body: Option<(Vec<u8>, &str)>,
    ) -> Result<Exchange, TargetError> {
        let mut refreshed = false;
        loop {
            self.pace().await?;
            let token = match self.tokens.access_token().await {
                Ok(token) => token,
                // The token endpoint could not be reached or its answer was lost: nothing was
                // sent to the API, and a lost refresh may be repeated within Xero's grace.
                Err(OAuthError::Endpoint { detail, .. }) => {
                    return Ok(Exchange::NotSent(format!("token endpoint: {detail}"), None));
                }
                Err(e) => return Err(auth_error(e)),
            };
            let mut request = self
                .http
                .request(method.clone(), url)
                .query(params)
                .bearer_auth(token.expose_secret())
                .header("xero-tenant-id", &self.tenant_id)
                .header("Accept", "application/json");
            if let Some(at) = modified_since {
                request = request.header("If-Modified-Since", wire::modified_since(at));
            }
            if let Some((bytes, key)) = &body {
                request = request
                    .header("Content-Type", "application/json")
                    .header("Idempotency-Key", *key)
                    .body(bytes.clone());
            }
            self.count(|c| if body.is_some() { c.writes += 1 } else { c.reads += 1 });
            let started = std::time::Instant::now();
            let response = match request.send().await {
                Ok(response) => response,
                Err(e) if e.is_connect() => {
                    return Ok(Exchange::NotSent(
                        format!("could not connect: {}", crate::targets::cause_text(&e)),
                        None,
                    ));
                }
                Err(e) => return Ok(Exchange::Lost(crate::targets::lost_text(&e))),
            };
            let status = response.status();
            let headers = response.headers().clone();
            // `-vv` (trace) logs each HTTP request, whichever service it goes to.
            tracing::trace!(%method, url, status = status.as_u16(), elapsed_ms = started.elapsed().as_millis() as u64,
                correlation = headers.get("xero-correlation-id").and_then(|v| v.to_str().ok()).unwrap_or(""), "Xero request");
            let bytes = match read_body(response).await {
                Ok(bytes) => bytes,
                Err(e) => return Ok(Exchange::Lost(e.to_string())),
            };
            self.observe_clock(&headers);
            if status != StatusCode::TOO_MANY_REQUESTS {
                self.observe_limits(&headers).await;
            }
            match status {
                StatusCode::UNAUTHORIZED if !refreshed => {
                    tracing::info!("Xero refused the access token; refreshing it once");
                    self.count(|c| c.refused_tokens += 1);
                    self.tokens.invalidate().await;
                    refreshed = true;
                }
                StatusCode::UNAUTHORIZED => {
                    self.count(|c| c.refused_tokens += 1);
                    return Err(TargetError::Auth(format!(
                        "Xero refused a fresh access token ({}); run `entrata-recon connect xero` again",
                        wire::error_text(401, &bytes)
                    )));
                }
                StatusCode::FORBIDDEN => {
                    return Err(TargetError::Auth(format!(
                        "Xero refused access to organisation {} ({}): the connection was removed or \
                         never reached it; run `entrata-recon connect xero` again",
                        self.tenant_id,
                        wire::error_text(403, &bytes)
                    )));
                }
                StatusCode::TOO_MANY_REQUESTS => {
                    self.count(|c| c.throttled += 1);
                    return throttled(&headers);
                }
                _ => return Ok(Exchange::Answer(status, bytes)),
            }
        }
    }
}

/// A 429: the day's allowance stops the run; any other limit is waited out.
fn throttled(headers: &HeaderMap) -> Result<Exchange, TargetError> {
    let problem = headers
        .get("x-rate-limit-problem")
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default();
    let wait = retry_after(headers, std::time::SystemTime::now());
    if problem.starts_with("day") {
        let wait = wait.unwrap_or(DAY_RETRY_DEFAULT);
        return Err(allowance("Xero's daily call limit for this organisation is reached".into(), wait));
    }
    let wait = wait.unwrap_or(Duration::from_secs(60)).min(THROTTLE_WAIT_MAX);
    let problem = if problem.is_empty() { "unnamed" } else { problem.as_str() };
    tracing::warn!(problem, wait_s = wait.as_secs(), "Xero throttled a call (429); waiting");
    Ok(Exchange::NotSent(format!("throttled (429, {problem} limit)"), Some(wait)))
}

fn allowance(what: String, wait: Duration) -> TargetError {
    let resume_at = TimeDelta::from_std(wait).ok().and_then(|d| Utc::now().checked_add_signed(d));
    let when = resume_at.map(|t| format!(" after {}", t.format("%Y-%m-%d %H:%M UTC"))).unwrap_or_default();
    TargetError::Allowance {
        message: format!("{what}; nothing is lost: run again{when} to post the rest"),
        resume_at,
    }
}

fn auth_error(e: OAuthError) -> TargetError {
    match e {
        OAuthError::InvalidGrant { .. } | OAuthError::NotConnected { .. } => TargetError::Auth(e.to_string()),
        OAuthError::Setup(message) => TargetError::Setup(message),
        other => TargetError::Unavailable(other.to_string()),
    }
}
