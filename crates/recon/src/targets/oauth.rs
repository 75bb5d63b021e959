//! OAuth 2.0 for both targets, with the `oauth2` crate: the authorization URL (with PKCE when the
//! vendor wants it), the code exchange, refresh, client credentials, and the access token a client
//! asks for before each request (refreshed single-flight: in this process by a mutex, across
//! processes by the state file's write lock, the rotated refresh token committed before use).
//!
//! Tokens are `SecretString`s from the token endpoint to the state file and back: never logged,
//! never in an error message.

use std::sync::Arc;

use chrono::{DateTime, Duration as TimeDelta, Utc};
use oauth2::basic::{BasicClient, BasicErrorResponseType};
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointNotSet, EndpointSet, HttpRequest,
    HttpResponse, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RefreshToken, RequestTokenError, Scope,
    TokenResponse, TokenUrl,
};
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::Mutex;

use crate::state::{StateError, StateFile, TokenUpdate};
use crate::targets::TargetKind;

/// Refresh this long before the access token expires, so a request never leaves with a token that
/// dies on the way.
const REFRESH_MARGIN_S: i64 = 120;
const TOKEN_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);
/// Waits before the second and third try of a token request that was lost or met a server
/// error. A refresh repeated after a lost answer is safe: Xero honours the previous refresh token
/// for 30 minutes, and an endpoint that refuses it answers `invalid_grant`, which is not retried.
const TOKEN_RETRY_WAITS: [std::time::Duration; 2] =
    [std::time::Duration::from_millis(500), std::time::Duration::from_secs(2)];

/// What a target's OAuth needs, resolved from the config and environment.
#[derive(Clone)]
pub struct OAuthSettings {
    pub target: TargetKind,
    /// The book whose connection the tokens are (`default` without `[books]`).
    pub book: crate::domain::BookName,
    pub client_id: String,
    pub client_secret: SecretString,
    pub auth_url: String,
    pub token_url: String,
    pub redirect_uri: Option<String>,
    pub scopes: Vec<String>,
    /// PKCE (`S256`) on the authorization request (Xero).
    pub pkce: bool,
    /// How a token request waits before it is tried again.
    pub pause: crate::http::Pause,
}

impl std::fmt::Debug for OAuthSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthSettings")
            .field("target", &self.target)
            .field("book", &self.book)
            .field("client_id", &self.client_id)
            .field("token_url", &self.token_url)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum OAuthError {
    /// The refresh token (or code) was refused: only a new `connect` helps.
    #[error("{target} refused the saved connection ({detail}); run `entrata-recon connect {target}` again")]
    InvalidGrant { target: TargetKind, detail: String },
    #[error("{target} is not connected; run `entrata-recon connect {target}` first")]
    NotConnected { target: TargetKind },
    /// `transient`: lost on the way or a server error, worth another try; otherwise the
    /// endpoint refused the request (a wrong client id or secret, a scope) and only a person helps.
    #[error("{target}'s token endpoint {url} failed: {detail}")]
    Endpoint { target: TargetKind, url: String, detail: String, transient: bool },
    #[error("{0}")]
    Setup(String),
    #[error(transparent)]
    State(#[from] StateError),
}

type Client = BasicClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointSet>;

fn client(settings: &OAuthSettings) -> Result<Client, OAuthError> {
    let bad = |what: &str, e: String| OAuthError::Setup(format!("{} {what}: {e}", settings.target));
    let mut client = BasicClient::new(ClientId::new(settings.client_id.clone()))
        .set_client_secret(ClientSecret::new(settings.client_secret.expose_secret().to_owned()))
        .set_auth_uri(AuthUrl::new(settings.auth_url.clone()).map_err(|e| bad("auth_url", e.to_string()))?)
        .set_token_uri(
            TokenUrl::new(settings.token_url.clone()).map_err(|e| bad("token_url", e.to_string()))?,
        );
    if let Some(redirect) = &settings.redirect_uri {
        client = client.set_redirect_uri(
            RedirectUrl::new(redirect.clone()).map_err(|e| bad("redirect_uri", e.to_string()))?,
        );
    }
    Ok(client)
}

/// An authorization request: the URL to open, and what the redirect must match.
pub struct Authorization {
    pub url: String,
    pub state: String,
    pub pkce_verifier: Option<PkceCodeVerifier>,
}

pub fn authorization(settings: &OAuthSettings) -> Result<Authorization, OAuthError> {
    let client = client(settings)?;
    let mut request = client.authorize_url(CsrfToken::new_random);
    for scope in &settings.scopes {
        request = request.add_scope(Scope::new(scope.clone()));
    }
    let verifier = if settings.pkce {
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        request = request.set_pkce_challenge(challenge);
        Some(verifier)
    } else {
        None
    };
    let (url, state) = request.url();
    Ok(Authorization { url: url.to_string(), state: state.secret().clone(), pkce_verifier: verifier })
}

/// An HTTP client for the token endpoint: no redirects (a redirect could carry the code away).
pub fn http_client() -> Result<reqwest::Client, OAuthError> {
    super::vendor_http(TOKEN_TIMEOUT)
        .map_err(|e| OAuthError::Setup(format!("cannot build an HTTP client: {e}")))
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct HttpError(String);

async fn send(http: &reqwest::Client, request: HttpRequest) -> Result<HttpResponse, HttpError> {
    let (parts, body) = request.into_parts();
    let method = reqwest::Method::from_bytes(parts.method.as_str().as_bytes())
        .map_err(|e| HttpError(e.to_string()))?;
    let mut builder = http.request(method, parts.uri.to_string()).body(body);
    for (name, value) in &parts.headers {
        builder = builder.header(name.as_str(), value.as_bytes());
    }
    let response = builder.send().await.map_err(|e| HttpError(describe(&e)))?;
    let status = response.status().as_u16();
    let headers: Vec<(String, Vec<u8>)> =
        response.headers().iter().map(|(n, v)| (n.as_str().to_owned(), v.as_bytes().to_vec())).collect();
    let bytes = crate::http::read_body(response).await.map_err(|e| HttpError(e.to_string()))?;
    let mut out = oauth2::http::Response::builder().status(status);
    for (name, value) in headers {
        out = out.header(name, value);
    }
    out.body(bytes).map_err(|e| HttpError(e.to_string()))
}

fn describe(e: &reqwest::Error) -> String {
    let mut text = if e.is_timeout() {
        "timed out".to_owned()
    } else if e.is_connect() {
        "could not connect".to_owned()
    } else {
        "request failed".to_owned()
    };
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text = format!("{text}: {s}");
        source = s.source();
    }
    text
}

type TokenResult<TR> =
    Result<TR, RequestTokenError<HttpError, oauth2::StandardErrorResponse<BasicErrorResponseType>>>;

fn update<TR: TokenResponse>(
    settings: &OAuthSettings,
    result: TokenResult<TR>,
    now: DateTime<Utc>,
) -> Result<TokenUpdate, OAuthError> {
    let target = settings.target;
    let response = result.map_err(|e| match e {
        RequestTokenError::ServerResponse(response) => match response.error() {
            BasicErrorResponseType::InvalidGrant => OAuthError::InvalidGrant {
                target,
                detail: response.error_description().cloned().unwrap_or_else(|| "invalid_grant".into()),
            },
            other => OAuthError::Endpoint {
                target,
                url: settings.token_url.clone(),
                detail: format!(
                    "{other}{}",
                    response.error_description().map(|d| format!(": {d}")).unwrap_or_default()
                ),
                // RFC 6749 §4.1.2.1's two codes for a server that could not answer now.
                transient: matches!(
                    other,
                    BasicErrorResponseType::Extension(code)
                        if code == "server_error" || code == "temporarily_unavailable"
                ),
            },
        },
        RequestTokenError::Request(e) => OAuthError::Endpoint {
            target,
            url: settings.token_url.clone(),
            detail: e.to_string(),
            transient: true,
        },
        RequestTokenError::Parse(e, _) => OAuthError::Endpoint {
            target,
            url: settings.token_url.clone(),
            detail: format!("the answer is not a token response ({})", e.path()),
            transient: true,
        },
        // An empty body or a page that is not JSON (a proxy's error page).
        RequestTokenError::Other(e) => {
            OAuthError::Endpoint { target, url: settings.token_url.clone(), detail: e, transient: true }
        }
    })?;
    let lifetime = response.expires_in().map_or(3600, |d| i64::try_from(d.as_secs()).unwrap_or(3600));
    Ok(TokenUpdate {
        access_token: SecretString::from(response.access_token().secret().clone()),
        access_expires_at: now + TimeDelta::seconds(lifetime),
        refresh_token: response.refresh_token().map(|t| SecretString::from(t.secret().clone())),
        refresh_expires_at: None,
    })
}

/// Exchanges an authorization code for tokens.
pub async fn exchange_code(
    settings: &OAuthSettings,
    code: &str,
    verifier: Option<PkceCodeVerifier>,
) -> Result<TokenUpdate, OAuthError> {
    let client = client(settings)?;
    let http = http_client()?;
    let mut request = client.exchange_code(AuthorizationCode::new(code.to_owned()));
    if let Some(verifier) = verifier {
        request = request.set_pkce_verifier(verifier);
    }
    let now = Utc::now();
    let result = request.request_async(&|r| send(&http, r)).await;
    update(settings, result, now)
}

/// Tries a token request up to three times while it fails in a way another try may cure.
async fn with_retries<F, Fut>(settings: &OAuthSettings, mut attempt: F) -> Result<TokenUpdate, OAuthError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<TokenUpdate, OAuthError>>,
{
    let mut waits = TOKEN_RETRY_WAITS.iter();
    loop {
        match attempt().await {
            Err(OAuthError::Endpoint { detail, transient: true, .. }) if waits.len() > 0 => {
                let wait = waits.next().copied().unwrap_or_default();
                tracing::warn!(target = %settings.target, %detail, ?wait, "token request failed; trying again");
                settings.pause.sleep(wait).await;
            }
            other => return other,
        }
    }
}

/// A Xero custom connection's token (client credentials: no user, no refresh token).
pub async fn client_credentials(settings: &OAuthSettings) -> Result<TokenUpdate, OAuthError> {
    with_retries(settings, || client_credentials_once(settings)).await
}

async fn client_credentials_once(settings: &OAuthSettings) -> Result<TokenUpdate, OAuthError> {
    let client = client(settings)?;
    let http = http_client()?;
    let mut request = client.exchange_client_credentials();
    for scope in &settings.scopes {
        request = request.add_scope(Scope::new(scope.clone()));
    }
    let now = Utc::now();
    let result = request.request_async(&|r| send(&http, r)).await;
    update(settings, result, now)
}

async fn refresh(settings: &OAuthSettings, refresh_token: &SecretString) -> Result<TokenUpdate, OAuthError> {
    with_retries(settings, || refresh_once(settings, refresh_token)).await
}

async fn refresh_once(
    settings: &OAuthSettings,
    refresh_token: &SecretString,
) -> Result<TokenUpdate, OAuthError> {
    let client = client(settings)?;
    let http = http_client()?;
    let token = RefreshToken::new(refresh_token.expose_secret().to_owned());
    let now = Utc::now();
    let result = client.exchange_refresh_token(&token).request_async(&|r| send(&http, r)).await;
    update(settings, result, now)
}

/// An access token, when it expires, and the connection's generation it belongs to.
type Cached = (SecretString, DateTime<Utc>, i64);

/// The access token a target's client sends, kept fresh.
#[derive(Clone)]
pub struct TokenSource {
    settings: OAuthSettings,
    state: StateFile,
    /// In this process, one refresh at a time; the token last read or refreshed.
    cached: Arc<Mutex<Option<Cached>>>,
}

impl TokenSource {
    pub fn new(settings: OAuthSettings, state: StateFile) -> TokenSource {
        TokenSource { settings, state, cached: Arc::new(Mutex::new(None)) }
    }

    pub fn target(&self) -> TargetKind {
        self.settings.target
    }

    /// A token valid for at least the refresh margin; refreshed (or, for a custom connection,
    /// fetched again) when it is not.
    pub async fn access_token(&self) -> Result<SecretString, OAuthError> {
        let mut cached = self.cached.lock().await;
        let fresh = |expires: DateTime<Utc>| expires - TimeDelta::seconds(REFRESH_MARGIN_S) > Utc::now();
        if let Some((token, expires, _)) = cached.as_ref()
            && fresh(*expires)
        {
            return Ok(token.clone());
        }
        let (lock, connection) =
            self.state.lock_connection(self.settings.target, &self.settings.book).await?;
        let Some(connection) = connection else {
            lock.release().await?;
            return Err(OAuthError::NotConnected { target: self.settings.target });
        };
        // Another process may have refreshed while we waited for the lock.
        if fresh(connection.access_expires_at) {
            lock.release().await?;
            *cached =
                Some((connection.access_token.clone(), connection.access_expires_at, connection.generation));
            return Ok(connection.access_token);
        }
        let update = match &connection.refresh_token {
            Some(refresh_token) => refresh(&self.settings, refresh_token).await,
            None => client_credentials(&self.settings).await,
        };
        let update = match update {
            Ok(update) => update,
            Err(OAuthError::InvalidGrant { target, detail }) => {
                lock.refused(&detail).await?;
                return Err(OAuthError::InvalidGrant { target, detail });
            }
            Err(e) => {
                lock.release().await?;
                return Err(e);
            }
        };
        lock.store(&update).await?;
        tracing::info!(target = %self.settings.target, "access token refreshed");
        let token = update.access_token.clone();
        *cached = Some((update.access_token, update.access_expires_at, connection.generation + 1));
        Ok(token)
    }

    /// Forgets the cached token so the next request refreshes (after a 401).
    pub async fn invalidate(&self) {
        *self.cached.lock().await = None;
        // The stored one may be the dead one: mark it expired so any process refreshes.
        let _ = self.state.expire_access_token(self.settings.target, &self.settings.book).await;
    }
}
