//! The QuickBooks Online HTTP client: bearer tokens from `oauth::TokenSource` (one refresh and
//! retry after a 401), the client-side limiter (500 requests and 40 batches a minute per company),
//! `minorversion`, `requestid`, and the line between "not sent" (safe to try again) and "sent, outcome
//! unknown" (a write whose answer was lost: only a lookup may tell).
//!
//! Intuit's error bodies: a `Fault` envelope on 400s, the lower-case `fault` body on 401, and an XML
//! `ThrottleExceeded` body on 429 even when JSON was asked (reference/qbo-xero-apis.md A.4).

use std::time::Duration;

use reqwest::{Method, StatusCode};
use secrecy::ExposeSecret;
use serde_json::Value;

use super::wire::{AuthFaultBody, BatchRequest, BatchResponse, FaultBody};
use crate::http::{Jitter, Pause, RetryPolicy, read_body, retry_after};
use crate::posting::TargetError;
use crate::targets::limit::{RateLimiter, Window};
use crate::targets::oauth::{OAuthError, TokenSource};

/// Intuit ignores minor versions below 75 since August 2025.
pub const MINOR_VERSION: u32 = 75;
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// A throttled call is waited out at most this long before the run stops for the target.
const THROTTLE_WAIT_MAX: Duration = Duration::from_secs(120);

/// QuickBooks' per-company limits (reference A.5, A.7): each item of a batch counts as a request.
/// Each window is a second longer than Intuit's: we count a call when it leaves and Intuit when it
/// arrives, and without the second the windows' edges meet in a 429 now and then.
pub const WINDOWS: [Window; 2] = [
    Window { name: "requests per minute", limit: 500, period: WINDOW_WITH_MARGIN, class: None },
    Window { name: "batch requests per minute", limit: 40, period: WINDOW_WITH_MARGIN, class: Some("batch") },
];
const WINDOW_WITH_MARGIN: Duration = Duration::from_secs(60 + 1);

/// What a write call came to.
pub enum WriteResult<T> {
    Answered(T),
    /// The request may have been processed; the answer is lost or says nothing of its documents.
    Unknown(String),
}

pub struct QboClient {
    http: reqwest::Client,
    /// `{api_base}/v3/company/{realmId}`
    company_url: String,
    realm_id: String,
    tokens: TokenSource,
    limiter: RateLimiter,
    pause: Pause,
    retry: RetryPolicy,
    jitter: std::sync::Mutex<Jitter>,
}

impl QboClient {
    pub fn new(
        api_base: &str,
        realm_id: &str,
        tokens: TokenSource,
        pause: Pause,
    ) -> Result<QboClient, TargetError> {
        let http = crate::targets::vendor_http(REQUEST_TIMEOUT)
            .map_err(|e| TargetError::Setup(format!("cannot build an HTTP client: {e}")))?;
        Ok(QboClient {
            http,
            company_url: format!("{}/v3/company/{realm_id}", api_base.trim_end_matches('/')),
            realm_id: realm_id.to_owned(),
            tokens,
            limiter: RateLimiter::new(&WINDOWS, pause.clone()),
            pause,
            retry: RetryPolicy::standard(5),
            jitter: std::sync::Mutex::new(Jitter::from_entropy()),
        })
    }

    /// The same client with another limit on one request (`[posting] request_timeout_seconds`): past
    /// it a write's outcome is unknown.
    pub fn with_timeout(mut self, timeout: Duration) -> Result<QboClient, TargetError> {
        self.http = crate::targets::vendor_http(timeout)
            .map_err(|e| TargetError::Setup(format!("cannot build an HTTP client: {e}")))?;
        Ok(self)
    }

    /// The company (realm) every request goes to.
    pub fn realm_id(&self) -> &str {
        &self.realm_id
    }

    /// Runs a query (`SELECT * FROM Account ...`), retrying what is safe to retry.
    pub async fn query(&self, query: &str) -> Result<Value, TargetError> {
        let params = [("query", query.to_owned())];
        let body = self.read("query", &params, &format!("the query `{query}`")).await?;
        serde_json::from_slice(&body).map_err(|e| {
            TargetError::Protocol(format!("QuickBooks sent a query answer that is not JSON: {e}"))
        })
    }

    /// `GET {company}/{path}` with `params` (and `minorversion`): the body of its `200`, for
    /// callers that read money from the JSON text (never through `Value`'s floats). A 5xx or a
    /// lost answer is tried again (a read changes nothing); any other status is an error naming
    /// `what` and Intuit's fault.
    pub async fn read(
        &self,
        path: &str,
        params: &[(&str, String)],
        what: &str,
    ) -> Result<Vec<u8>, TargetError> {
        let url = format!("{}/{path}", self.company_url);
        let mut params = params.to_vec();
        params.push(("minorversion", MINOR_VERSION.to_string()));
        for attempt in 1.. {
            match self.exchange(Method::GET, &url, &params, None, "query", 1).await? {
                Exchange::Answer(StatusCode::OK, body) => return Ok(body),
                Exchange::Answer(status, body) => {
                    if status.is_server_error() && attempt < self.retry.max_attempts {
                        self.backoff(attempt, None).await;
                        continue;
                    }
                    return Err(TargetError::Protocol(format!(
                        "QuickBooks refused {what}: {}",
                        fault_text(status, &body)
                    )));
                }
                Exchange::NotSent(reason, wait) | Exchange::Lost(reason, wait) => {
                    if attempt >= self.retry.max_attempts {
                        return Err(TargetError::Unavailable(format!("QuickBooks at {url}: {reason}")));
                    }
                    self.backoff(attempt, wait).await;
                }
            }
        }
        unreachable!("the loop returns")
    }

    /// The company's `Preferences` (`GET .../preferences`): home currency, books' close date.
    pub async fn preferences(&self) -> Result<Value, TargetError> {
        let url = format!("{}/preferences", self.company_url);
        let params = [("minorversion", MINOR_VERSION.to_string())];
        for attempt in 1.. {
            match self.exchange(Method::GET, &url, &params, None, "read", 1).await? {
                Exchange::Answer(StatusCode::OK, body) => {
                    let answer: Value = serde_json::from_slice(&body).map_err(|e| {
                        TargetError::Protocol(format!("QuickBooks sent preferences that are not JSON: {e}"))
                    })?;
                    return Ok(answer["Preferences"].clone());
                }
                Exchange::Answer(status, body)
                    if !status.is_server_error() || attempt >= self.retry.max_attempts =>
                {
                    return Err(TargetError::Protocol(format!(
                        "QuickBooks refused to read the preferences: {}",
                        fault_text(status, &body)
                    )));
                }
                Exchange::Answer(..) => self.backoff(attempt, None).await,
                Exchange::NotSent(reason, wait) | Exchange::Lost(reason, wait) => {
                    if attempt >= self.retry.max_attempts {
                        return Err(TargetError::Unavailable(format!("QuickBooks at {url}: {reason}")));
                    }
                    self.backoff(attempt, wait).await;
                }
            }
        }
        unreachable!("the loop returns")
    }

    /// Every row of `SELECT * FROM {entity} {filter}`, a page of 1000 at a time.
    pub async fn query_all(&self, entity: &str, filter: &str) -> Result<Vec<Value>, TargetError> {
        let mut rows = Vec::new();
        let mut start = 1;
        loop {
            let answer = self
                .query(&format!("SELECT * FROM {entity} {filter} STARTPOSITION {start} MAXRESULTS 1000"))
                .await?;
            let page: Vec<Value> = answer["QueryResponse"][entity].as_array().cloned().unwrap_or_default();
            let got = page.len();
            rows.extend(page);
            if got < 1000 {
                return Ok(rows);
            }
            start += 1000;
        }
    }

    /// Posts a batch under `request_id`. A 429 or a refused token is waited out and tried again (the
    /// service did not process it); anything after the request may have been processed is `Unknown`,
    /// a 4xx too: a 400, 408 or 409 for the whole batch can come after its items were committed
    /// (a gateway timing out, a proxy), and says nothing of any one document.
    pub async fn batch(
        &self,
        request_id: &str,
        body: &BatchRequest,
    ) -> Result<WriteResult<BatchResponse>, TargetError> {
        let url = format!("{}/batch", self.company_url);
        let params = [("minorversion", MINOR_VERSION.to_string()), ("requestid", request_id.to_owned())];
        let json = serde_json::to_vec(body).map_err(|e| TargetError::Protocol(e.to_string()))?;
        // QuickBooks meters each item of a batch like a request of its own.
        let items = u32::try_from(body.items.len()).unwrap_or(u32::MAX);
        for attempt in 1.. {
            match self.exchange(Method::POST, &url, &params, Some(json.clone()), "batch", items).await? {
                Exchange::Answer(StatusCode::OK, body) => {
                    return Ok(match serde_json::from_slice::<BatchResponse>(&body) {
                        Ok(response) => WriteResult::Answered(response),
                        Err(e) => {
                            WriteResult::Unknown(format!("the batch answer is not QuickBooks' JSON ({e})"))
                        }
                    });
                }
                Exchange::Answer(status, body) => {
                    return Ok(WriteResult::Unknown(format!(
                        "HTTP {}: {}",
                        status.as_u16(),
                        fault_text(status, &body)
                    )));
                }
                Exchange::Lost(reason, _) => return Ok(WriteResult::Unknown(reason)),
                Exchange::NotSent(reason, wait) => {
                    if attempt >= self.retry.max_attempts {
                        return Err(TargetError::Unavailable(format!("QuickBooks at {url}: {reason}")));
                    }
                    self.backoff(attempt, wait).await;
                }
            }
        }
        unreachable!("the loop returns")
    }

    async fn backoff(&self, attempt: u32, wait: Option<Duration>) {
        self.retry.wait_to_retry(&self.pause, attempt, wait, &self.jitter, "QuickBooks").await;
    }

    /// One exchange, with the limiter and a token. A 401 is answered by one refresh and one more try;
    /// a 429 by waiting (it was not processed).
    async fn exchange(
        &self,
        method: Method,
        url: &str,
        params: &[(&str, String)],
        body: Option<Vec<u8>>,
        class: &'static str,
        weight: u32,
    ) -> Result<Exchange, TargetError> {
        let mut refreshed = false;
        loop {
            self.limiter.acquire_weighted("qbo", class, weight).await;
            let token = self.tokens.access_token().await.map_err(auth_error)?;
            let mut request = self
                .http
                .request(method.clone(), url)
                .query(params)
                .bearer_auth(token.expose_secret())
                .header("Accept", "application/json");
            if let Some(body) = &body {
                request = request.header("Content-Type", "application/json").body(body.clone());
            }
            let started = std::time::Instant::now();
            let response = match request.send().await {
                Ok(response) => response,
                Err(e) if e.is_connect() => {
                    return Ok(Exchange::NotSent(
                        format!("could not connect: {}", crate::targets::cause_text(&e)),
                        None,
                    ));
                }
                Err(e) => return Ok(Exchange::Lost(crate::targets::lost_text(&e), None)),
            };
            let status = response.status();
            tracing::trace!(%method, url, status = status.as_u16(), elapsed_ms = started.elapsed().as_millis() as u64, intuit_tid = response.headers().get("intuit_tid").and_then(|v| v.to_str().ok()).unwrap_or(""), "QuickBooks request");
            let wait = retry_after(response.headers(), std::time::SystemTime::now());
            let bytes = match read_body(response).await {
                Ok(bytes) => bytes,
                Err(e) => return Ok(Exchange::Lost(e.to_string(), None)),
            };
            match status {
                StatusCode::UNAUTHORIZED if !refreshed => {
                    tracing::info!("QuickBooks refused the access token; refreshing it once");
                    self.tokens.invalidate().await;
                    refreshed = true;
                }
                StatusCode::UNAUTHORIZED => {
                    return Err(TargetError::Auth(format!(
                        "QuickBooks refused a fresh access token ({}); run `entrata-recon connect qbo` again",
                        fault_text(status, &bytes)
                    )));
                }
                StatusCode::TOO_MANY_REQUESTS => {
                    let wait = wait.unwrap_or(Duration::from_secs(60)).min(THROTTLE_WAIT_MAX);
                    tracing::warn!(wait_s = wait.as_secs(), "QuickBooks throttled a request (429); waiting");
                    return Ok(Exchange::NotSent("throttled (429)".into(), Some(wait)));
                }
                _ => return Ok(Exchange::Answer(status, bytes)),
            }
        }
    }
}

enum Exchange {
    Answer(StatusCode, Vec<u8>),
    /// Not processed: safe to send again (after the wait, if any).
    NotSent(String, Option<Duration>),
    /// Sent; whether it was processed is not known.
    Lost(String, Option<Duration>),
}

fn auth_error(e: OAuthError) -> TargetError {
    match e {
        OAuthError::InvalidGrant { .. } | OAuthError::NotConnected { .. } => TargetError::Auth(e.to_string()),
        other => TargetError::Unavailable(other.to_string()),
    }
}

/// What an error body says, whichever of Intuit's shapes it is in.
fn fault_text(status: StatusCode, body: &[u8]) -> String {
    if let Ok(fault) = serde_json::from_slice::<FaultBody>(body) {
        return fault.fault.describe();
    }
    if let Ok(auth) = serde_json::from_slice::<AuthFaultBody>(body) {
        let parts: Vec<String> = auth
            .fault
            .error
            .iter()
            .map(|e| format!("{} {}", e.code.as_deref().unwrap_or("?"), e.message.as_deref().unwrap_or("")))
            .collect();
        return parts.join("; ");
    }
    let text = String::from_utf8_lossy(body);
    if let Some(message) = text.split("<Message>").nth(1).and_then(|m| m.split("</Message>").next()) {
        return message.to_owned();
    }
    format!("HTTP {}", status.as_u16())
}
