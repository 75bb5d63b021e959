//! The Entrata HTTP client: sessions (login with TOTP or a code command, refresh before expiry,
//! re-login after `session_expired`), pacing by the rate-limit headers, and retries of 429, 5xx
//! and connection failures with capped, jittered backoff that honours `Retry-After`.
//!
//! Secrets are held as `SecretString` and only exposed into request headers and bodies.

use std::sync::Mutex as StdMutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use reqwest::StatusCode;
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use tokio::sync::Mutex;

mod pacing;

use super::totp;
use super::transport::{describe_transport, is_refused, loggable_url, origin};
use super::wire::{ErrorEnvelope, SessionResponse};
use crate::config::{EntrataCredentials, SourceConfig};
use crate::http::{Jitter, Pause, RetryPolicy, read_body, retry_after};

#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("Entrata refused the login ({code}): {message}")]
    Login { code: String, message: String },
    #[error(
        "Entrata denied {path}: {message} (ask the Entrata admin to grant the API user this entitlement)"
    )]
    Forbidden { path: String, message: String },
    #[error("Entrata answered {status} for {path} ({code}): {message}")]
    Rejected { path: String, status: u16, code: String, message: String },
    #[error("Entrata kept failing for {path} after {attempts} attempts: {last}")]
    Exhausted { path: String, attempts: u32, last: String },
    #[error(
        "cannot reach Entrata at {origin}: nothing accepts connections there ({attempts} attempts); \
         check source.base_url in the config, and that the service (or `entrata-recon sandbox`) is running"
    )]
    Unreachable { origin: String, attempts: u32 },
    #[error("Entrata asked to wait {seconds} s before retrying {path}, longer than the {max} s we wait")]
    TooLongRetryAfter { path: String, seconds: u64, max: u64 },
    #[error("Entrata sent a malformed response for {path}: {message}")]
    Malformed { path: String, message: String },
    #[error("cannot get an MFA code: {0}")]
    Mfa(String),
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
}

/// Counters for the run summary and for tests.
#[derive(Debug, Default)]
pub struct ClientStats {
    pub requests: AtomicU64,
    pub retries: AtomicU64,
    pub throttled: AtomicU64,
    pub logins: AtomicU64,
    pub refreshes: AtomicU64,
}

impl ClientStats {
    pub fn snapshot(&self) -> StatsSnapshot {
        StatsSnapshot {
            requests: self.requests.load(Ordering::Relaxed),
            retries: self.retries.load(Ordering::Relaxed),
            throttled: self.throttled.load(Ordering::Relaxed),
            logins: self.logins.load(Ordering::Relaxed),
            refreshes: self.refreshes.load(Ordering::Relaxed),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StatsSnapshot {
    pub requests: u64,
    pub retries: u64,
    pub throttled: u64,
    pub logins: u64,
    pub refreshes: u64,
}

struct Session {
    token: Option<SecretString>,
    /// Bumped on every new token, so that concurrent requests that all saw the old token renew
    /// it once, not once each.
    generation: u64,
    /// When to renew the token: shortly before Entrata says it expires.
    renew_at: Option<Instant>,
}

/// Renew the token this long before Entrata says it expires (at most a quarter of its lifetime,
/// so that a short-lived token is not renewed before every request).
const REFRESH_MARGIN: Duration = Duration::from_secs(60);
/// Token renewals one request may cause before we stop (a server that expires every token at
/// once would otherwise keep us looping).
const AUTH_RENEWALS_MAX: u32 = 3;
/// Attempts while the connection is refused: nothing listens at the address, and waiting the
/// whole backoff (a minute or more) for it to appear helps nobody.
const REFUSED_ATTEMPTS_MAX: u32 = 3;
/// Waits at least this long are announced in the log (at info): a silent pause looks like a hang.
pub const ANNOUNCED_WAIT: Duration = Duration::from_secs(2);
const MFA_COMMAND_TIMEOUT: Duration = Duration::from_secs(120);

pub struct EntrataClient {
    http: reqwest::Client,
    base_url: String,
    /// `scheme://host:port` of `base_url`, for messages.
    origin: String,
    credentials: EntrataCredentials,
    retry: RetryPolicy,
    session: Mutex<Session>,
    /// No request leaves before this instant (set when the rate-limit budget is spent).
    not_before: StdMutex<Option<Instant>>,
    /// The last `not_before` announced in the log, so that concurrent waiters say it once.
    announced_until: StdMutex<Option<Instant>>,
    jitter: StdMutex<Jitter>,
    /// Every wait (backoff, `Retry-After`, the rate-limit budget) and the clock those use.
    pause: Pause,
    stats: ClientStats,
}

#[derive(Serialize)]
struct LoginBody<'a> {
    username: &'a str,
    password: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    mfa: Option<MfaBody>,
}

#[derive(Serialize)]
struct MfaBody {
    #[serde(rename = "type")]
    kind: String,
    code: String,
}

/// What one HTTP exchange came to, before retry decisions.
enum Exchange {
    Body(Vec<u8>),
    /// Worth another try.
    Transient(Transient),
    Failed(SourceError),
    /// 401: the error code Entrata gave.
    Unauthorized(String),
}

/// A failure worth another try.
struct Transient {
    reason: String,
    /// The server's `Retry-After`; `None`: the usual backoff.
    wait: Option<Duration>,
    /// The connection was refused: only a few quick tries.
    refused: bool,
}

impl Transient {
    fn exchange(reason: String, wait: Option<Duration>) -> Exchange {
        Exchange::Transient(Transient { reason, wait, refused: false })
    }

    /// A 200 whose body is not the session answer (garbled or cut short): tried again with the
    /// usual backoff, and after `max_attempts` the run stops naming it.
    fn unreadable(message: String) -> Transient {
        Transient { reason: format!("an unreadable session answer ({message})"), wait: None, refused: false }
    }
}

impl EntrataClient {
    pub fn new(config: &SourceConfig, credentials: EntrataCredentials) -> Result<EntrataClient, SourceError> {
        let http = super::transport::http_client(config).map_err(SourceError::Client)?;
        Ok(EntrataClient {
            http,
            base_url: config.base_url.clone(),
            origin: origin(&config.base_url),
            credentials,
            retry: RetryPolicy::standard(config.max_attempts),
            session: Mutex::new(Session { token: None, generation: 0, renew_at: None }),
            not_before: StdMutex::new(None),
            announced_until: StdMutex::new(None),
            jitter: StdMutex::new(Jitter::from_entropy()),
            pause: Pause::real(),
            stats: ClientStats::default(),
        })
    }

    /// Waits through `pause` instead of tokio's timer (tests: a virtual clock).
    pub fn with_pause(mut self, pause: Pause) -> EntrataClient {
        self.pause = pause;
        self
    }

    /// Shortens the retry waits (tests run against a sandbox that asks for short waits).
    pub fn with_retry_policy(mut self, retry: RetryPolicy) -> EntrataClient {
        self.retry = retry;
        self
    }

    pub fn stats(&self) -> StatsSnapshot {
        self.stats.snapshot()
    }

    /// Logs in now (the first request would otherwise do it), so bad credentials fail fast.
    pub async fn login(&self) -> Result<(), SourceError> {
        let mut session = self.session.lock().await;
        self.login_locked(&mut session).await
    }

    /// `GET {base}{path}?{query}` with the session token; returns the body of a 200.
    pub async fn get(&self, path: &str, query: &[(&str, String)]) -> Result<Vec<u8>, SourceError> {
        let url = format!("{}{}", self.base_url, path);
        let mut attempt = 0;
        let mut renewals = 0;
        loop {
            let (token, generation) = self.current_token().await?;
            attempt += 1;
            self.wait_for_budget().await;
            let request = self.http.get(&url).query(query).bearer_auth(token.expose_secret());
            let exchange = self.exchange(request, path).await;
            match exchange {
                Exchange::Body(body) => return Ok(body),
                Exchange::Failed(e) => return Err(e),
                Exchange::Unauthorized(code) if code == "token_expired" && renewals < AUTH_RENEWALS_MAX => {
                    renewals += 1;
                    attempt -= 1; // an expired token is not a failure of this request
                    self.renew(generation).await?;
                }
                Exchange::Unauthorized(code) => {
                    return Err(SourceError::Rejected {
                        path: path.to_owned(),
                        status: 401,
                        code,
                        message: "the session was not accepted".to_owned(),
                    });
                }
                Exchange::Transient(transient) => {
                    self.retry_later(path, attempt, &transient).await?;
                }
            }
        }
    }

    async fn current_token(&self) -> Result<(SecretString, u64), SourceError> {
        let mut session = self.session.lock().await;
        let stale = session.renew_at.is_some_and(|at| self.pause.now() >= at);
        if session.token.is_none() {
            self.login_locked(&mut session).await?;
        } else if stale {
            self.refresh_locked(&mut session).await?;
        }
        match &session.token {
            Some(token) => Ok((token.clone(), session.generation)),
            None => {
                Err(SourceError::Login { code: "no_token".into(), message: "login returned no token".into() })
            }
        }
    }

    /// Called after `token_expired` on a token of `generation`; renews it unless another request
    /// already did.
    async fn renew(&self, generation: u64) -> Result<(), SourceError> {
        let mut session = self.session.lock().await;
        if session.generation != generation {
            return Ok(());
        }
        self.refresh_locked(&mut session).await
    }

    /// `POST /sessions/refresh`; after `session_expired` (or any refusal) logs in again.
    async fn refresh_locked(&self, session: &mut Session) -> Result<(), SourceError> {
        let Some(token) = session.token.clone() else { return self.login_locked(session).await };
        let path = "/sessions/refresh";
        let url = format!("{}{}", self.base_url, path);
        let mut attempt = 0;
        loop {
            attempt += 1;
            self.wait_for_budget().await;
            let request = self.http.post(&url).bearer_auth(token.expose_secret());
            match self.exchange(request, path).await {
                Exchange::Body(body) => {
                    self.stats.refreshes.fetch_add(1, Ordering::Relaxed);
                    match self.install(session, &body, path) {
                        Err(SourceError::Malformed { message, .. }) => {
                            self.retry_later(path, attempt, &Transient::unreadable(message)).await?;
                        }
                        installed => return installed,
                    }
                }
                Exchange::Unauthorized(code) => {
                    tracing::info!(%code, "Entrata session can no longer be refreshed; logging in again");
                    return self.login_locked(session).await;
                }
                Exchange::Failed(e) => return Err(e),
                Exchange::Transient(transient) => {
                    self.retry_later(path, attempt, &transient).await?;
                }
            }
        }
    }

    async fn login_locked(&self, session: &mut Session) -> Result<(), SourceError> {
        let path = "/sessions";
        let mut mfa = match &self.credentials.totp_secret {
            Some(secret) => Some(self.totp_mfa(secret)?),
            None => None,
        };
        let mut attempt = 0;
        let mut asked_for_mfa = false;
        loop {
            attempt += 1;
            self.wait_for_budget().await;
            let body = LoginBody {
                username: self.credentials.username.expose_secret(),
                password: self.credentials.password.expose_secret(),
                mfa: mfa.as_ref().map(|m: &MfaBody| MfaBody { kind: m.kind.clone(), code: m.code.clone() }),
            };
            let request = self
                .http
                .post(format!("{}{}", self.base_url, path))
                // The integration token is already the Basic credential, as Entrata issues it.
                .header(
                    reqwest::header::AUTHORIZATION,
                    format!("Basic {}", self.credentials.integration_token.expose_secret()),
                )
                .json(&body);
            match self.exchange(request, path).await {
                Exchange::Body(body) => {
                    self.stats.logins.fetch_add(1, Ordering::Relaxed);
                    // An answer cut short or garbled on the way: logging in again is harmless
                    // (the session it may have opened simply expires).
                    match self.install(session, &body, path) {
                        Err(SourceError::Malformed { message, .. }) => {
                            self.retry_later(path, attempt, &Transient::unreadable(message)).await?;
                        }
                        installed => return installed,
                    }
                }
                Exchange::Unauthorized(code) if code.starts_with("mfa_required") && !asked_for_mfa => {
                    asked_for_mfa = true;
                    let methods = code.split_once(':').map(|(_, m)| m.to_owned()).unwrap_or_default();
                    mfa = Some(self.mfa_for(&methods).await?);
                    attempt -= 1;
                }
                Exchange::Unauthorized(code) => {
                    let code = code.split(':').next().unwrap_or_default().to_owned();
                    let message = match code.as_str() {
                        "invalid_credentials" => {
                            "check the username, password and integration token".to_owned()
                        }
                        "invalid_mfa_code" => {
                            "the MFA code was not accepted; check the TOTP secret and this machine's clock"
                                .to_owned()
                        }
                        "mfa_required" => "Entrata still asks for an MFA code".to_owned(),
                        _ => "login refused".to_owned(),
                    };
                    return Err(SourceError::Login { code, message });
                }
                Exchange::Failed(e) => return Err(e),
                Exchange::Transient(transient) => {
                    self.retry_later(path, attempt, &transient).await?;
                    // A TOTP code may have gone stale while we waited.
                    if let Some(secret) = &self.credentials.totp_secret
                        && mfa.as_ref().is_some_and(|m| m.kind == "totp")
                    {
                        mfa = Some(self.totp_mfa(secret)?);
                    }
                }
            }
        }
    }

    fn totp_mfa(&self, secret: &SecretString) -> Result<MfaBody, SourceError> {
        let key = totp::decode_secret(secret.expose_secret()).map_err(|e| SourceError::Mfa(e.to_string()))?;
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        Ok(MfaBody { kind: "totp".into(), code: totp::code_at(&key, now) })
    }

    /// After `mfa_required`: a TOTP code when we have the secret, else the configured command.
    async fn mfa_for(&self, methods: &str) -> Result<MfaBody, SourceError> {
        if let Some(secret) = &self.credentials.totp_secret
            && (methods.is_empty() || methods.split(',').any(|m| m == "totp"))
        {
            return self.totp_mfa(secret);
        }
        let Some(command) = &self.credentials.mfa_code_command else {
            return Err(SourceError::Mfa(format!(
                "Entrata requires MFA ({}) but neither source.totp_secret_env nor source.mfa_code_command is configured",
                if methods.is_empty() { "method not given" } else { methods }
            )));
        };
        let kind = methods.split(',').find(|m| !m.is_empty()).unwrap_or("sms").to_owned();
        let output = tokio::time::timeout(
            MFA_COMMAND_TIMEOUT,
            tokio::process::Command::new("sh").arg("-c").arg(command).kill_on_drop(true).output(),
        )
        .await
        .map_err(|_| {
            SourceError::Mfa(format!("`{command}` did not finish within {} s", MFA_COMMAND_TIMEOUT.as_secs()))
        })?
        .map_err(|e| SourceError::Mfa(format!("cannot run `{command}`: {e}")))?;
        if !output.status.success() {
            return Err(SourceError::Mfa(format!("`{command}` exited with {}", output.status)));
        }
        let code = String::from_utf8_lossy(&output.stdout).trim().to_owned();
        if code.is_empty() || !code.chars().all(|c| c.is_ascii_digit()) || code.len() > 10 {
            return Err(SourceError::Mfa(format!("`{command}` did not print a numeric code")));
        }
        Ok(MfaBody { kind, code })
    }

    fn install(&self, session: &mut Session, body: &[u8], path: &str) -> Result<(), SourceError> {
        let response: SessionResponse = serde_json::from_slice(body)
            .map_err(|e| SourceError::Malformed { path: path.into(), message: e.to_string() })?;
        session.token = Some(SecretString::from(response.auth_token));
        session.generation += 1;
        let lifetime = Duration::from_secs(response.expires_in);
        // `None` (a lifetime past what an Instant holds) means no renewal ahead of time.
        session.renew_at = self.pause.now().checked_add(lifetime - REFRESH_MARGIN.min(lifetime / 4));
        Ok(())
    }

    /// One request: classifies the outcome; records rate-limit budget and stats. With `-vv` each
    /// request is logged with its method, URL (no secrets: `loggable_url`), status and time.
    async fn exchange(&self, request: reqwest::RequestBuilder, path: &str) -> Exchange {
        self.stats.requests.fetch_add(1, Ordering::Relaxed);
        let request = match request.build() {
            Ok(request) => request,
            Err(e) => return Exchange::Failed(SourceError::Client(describe_transport(&e, &self.origin))),
        };
        let (method, url) = (request.method().clone(), loggable_url(request.url()));
        let started = Instant::now();
        let response = match self.http.execute(request).await {
            Ok(r) => r,
            Err(e) => {
                let reason = describe_transport(&e, &self.origin);
                tracing::trace!(%method, %url, elapsed_ms = started.elapsed().as_millis() as u64, error = %reason, "HTTP request failed");
                return Exchange::Transient(Transient { reason, wait: None, refused: is_refused(&e) });
            }
        };
        let status = response.status();
        tracing::trace!(%method, %url, status = status.as_u16(), elapsed_ms = started.elapsed().as_millis() as u64, "HTTP request");
        self.note_budget(response.headers());
        let wait = retry_after(response.headers(), SystemTime::now());
        let body = match read_body(response).await {
            Ok(b) => b,
            Err(e) => return Transient::exchange(e.to_string(), None),
        };
        if status == StatusCode::OK {
            return Exchange::Body(body);
        }
        let error = serde_json::from_slice::<ErrorEnvelope>(&body).ok().map(|e| e.error);
        let code = error.as_ref().map(|e| e.code.clone()).unwrap_or_default();
        let message = error.as_ref().and_then(|e| e.message.clone()).unwrap_or_default();
        match status {
            StatusCode::UNAUTHORIZED => {
                let methods = error.and_then(|e| e.methods).map(|m| m.join(",")).unwrap_or_default();
                if code == "mfa_required" {
                    Exchange::Unauthorized(format!("mfa_required:{methods}"))
                } else {
                    Exchange::Unauthorized(code)
                }
            }
            StatusCode::FORBIDDEN => Exchange::Failed(SourceError::Forbidden {
                path: path.to_owned(),
                message: if message.is_empty() { "forbidden".into() } else { message },
            }),
            StatusCode::TOO_MANY_REQUESTS => {
                self.stats.throttled.fetch_add(1, Ordering::Relaxed);
                Transient::exchange("429 rate limited".into(), wait)
            }
            s if s.is_server_error() || s == StatusCode::REQUEST_TIMEOUT => {
                Transient::exchange(format!("{} {}", s.as_u16(), code), wait)
            }
            s => Exchange::Failed(SourceError::Rejected {
                path: path.to_owned(),
                status: s.as_u16(),
                code,
                message: if message.is_empty() {
                    String::from_utf8_lossy(&body).chars().take(200).collect()
                } else {
                    message
                },
            }),
        }
    }
}
