//! The way back from a vendor's consent page to `connect`: a listener on a loopback redirect URI
//! (the browser is on this machine), and a prompt where the redirected URL can be pasted (a server
//! with no browser, or a redirect URI that is not loopback, as Intuit requires for production apps).
//! With a loopback URI both wait at once and the first answer wins. The listener takes only a
//! redirect carrying this request's `state`: any other (stale, or forged by a page that knows the
//! port) is answered 400 and ignored, and the listener keeps waiting.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Html;
use axum::routing::get;
use reqwest::Url;
use tokio::io::AsyncBufReadExt;
use tokio::sync::oneshot;

/// How long `connect` waits for the consent (Intuit's and Xero's codes live 5 to 10 minutes).
pub const WAIT_MAX: Duration = Duration::from_secs(600);

#[derive(Debug, thiserror::Error)]
pub enum RedirectError {
    #[error("redirect_uri `{0}` is not a URL")]
    BadUri(String),
    #[error(
        "cannot listen on {addr} for the redirect ({reason}); free the port, or set a redirect_uri that is not loopback and paste the redirected URL"
    )]
    Listen { addr: String, reason: String },
    #[error("no redirect within {} minutes; run connect again", WAIT_MAX.as_secs() / 60)]
    TimedOut,
    #[error("the pasted text is not the redirected URL (expected {expected}?code=...&state=...)")]
    NotARedirect { expected: String },
    #[error("standard input closed before the redirected URL was pasted")]
    NoInput,
}

/// The query parameters of the redirected URL.
pub type Params = BTreeMap<String, String>;

/// Whether the redirect URI is served on this machine (`http://127.0.0.1:PORT/...` or localhost).
pub fn is_loopback(uri: &str) -> bool {
    Url::parse(uri).ok().is_some_and(|url| {
        url.scheme() == "http" && matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"))
    })
}

/// Waits for the redirect: on the loopback listener when `redirect_uri` is loopback (only a
/// redirect whose `state` is `expected_state` is taken), and from a pasted line on standard input
/// when `prompt` is set (always, when it is not loopback; the caller checks its `state`).
pub async fn wait_for_redirect(
    redirect_uri: &str,
    prompt: bool,
    expected_state: &str,
) -> Result<Params, RedirectError> {
    let url = Url::parse(redirect_uri).map_err(|_| RedirectError::BadUri(redirect_uri.to_owned()))?;
    let mut listening =
        if is_loopback(redirect_uri) { Some(listen(&url, expected_state).await?) } else { None };
    let paste = prompt || listening.is_none();
    let from_stdin =
        async { if paste { read_pasted(redirect_uri).await } else { std::future::pending().await } };
    let from_listener = async {
        match listening.as_mut() {
            Some(listening) => (&mut listening.answer).await.map_err(|_| RedirectError::TimedOut),
            None => std::future::pending().await,
        }
    };
    let answer = tokio::time::timeout(WAIT_MAX, async {
        tokio::select! {
            params = from_listener => params,
            params = from_stdin => params,
        }
    })
    .await;
    // The port is free again when this returns (a second `connect` may listen on it at once).
    if let Some(listening) = listening {
        listening.close().await;
    }
    answer.map_err(|_| RedirectError::TimedOut)?
}

async fn read_pasted(redirect_uri: &str) -> Result<Params, RedirectError> {
    let mut lines = tokio::io::BufReader::new(tokio::io::stdin()).lines();
    loop {
        let line = match lines.next_line().await {
            Ok(Some(line)) => line,
            // A closed standard input is not an answer; the listener may still get one.
            Ok(None) | Err(_) => return std::future::pending().await,
        };
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        return parse_pasted(line, redirect_uri);
    }
}

/// The parameters of a pasted redirected URL (or of its query alone).
pub fn parse_pasted(text: &str, redirect_uri: &str) -> Result<Params, RedirectError> {
    let not = || RedirectError::NotARedirect { expected: redirect_uri.to_owned() };
    let url = match Url::parse(text) {
        Ok(url) => url,
        Err(_) => {
            let query = text.trim_start_matches('?');
            Url::parse(&format!("http://pasted/?{query}")).map_err(|_| not())?
        }
    };
    let params: Params = url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
    if params.contains_key("code") || params.contains_key("error") { Ok(params) } else { Err(not()) }
}

/// What the listener's handler shares: where the answer goes (taken once), and the `state` the
/// answer must carry.
#[derive(Clone)]
struct Slot {
    sender: Arc<Mutex<Option<oneshot::Sender<Params>>>>,
    expected_state: Arc<str>,
}

/// A listener on the redirect URI: the first redirect's parameters arrive on `answer`.
struct Listening {
    answer: oneshot::Receiver<Params>,
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl Listening {
    /// Stops serving (the browser has its page by then) and releases the port.
    async fn close(self) {
        let _ = self.stop.send(());
        let mut task = self.task;
        if tokio::time::timeout(Duration::from_secs(2), &mut task).await.is_err() {
            task.abort();
            let _ = task.await;
        }
    }
}

/// Serves the redirect path on the URI's loopback address.
async fn listen(url: &Url, expected_state: &str) -> Result<Listening, RedirectError> {
    let host = url.host_str().unwrap_or("127.0.0.1").trim_matches(['[', ']']);
    let host = if host == "localhost" { "127.0.0.1" } else { host };
    let port = url.port_or_known_default().unwrap_or(80);
    let addr = format!("{host}:{port}");
    let listener = tokio::net::TcpListener::bind(&addr)
        .await
        .map_err(|e| RedirectError::Listen { addr: addr.clone(), reason: e.to_string() })?;
    let (sender, answer) = oneshot::channel();
    let (stop, stopped) = oneshot::channel::<()>();
    let slot = Slot { sender: Arc::new(Mutex::new(Some(sender))), expected_state: expected_state.into() };
    let router = Router::new().route(url.path(), get(callback)).with_state(slot);
    let task = tokio::spawn(async move {
        let served = axum::serve(listener, router).with_graceful_shutdown(async move {
            let _ = stopped.await;
        });
        if let Err(e) = served.await {
            tracing::warn!(error = %e, "the redirect listener stopped");
        }
    });
    tracing::info!(%addr, "listening for the redirect");
    Ok(Listening { answer, stop, task })
}

async fn callback(
    State(slot): State<Slot>,
    Query(params): Query<Params>,
) -> (StatusCode, Html<&'static str>) {
    if !params.contains_key("code") && !params.contains_key("error") {
        return (
            StatusCode::OK,
            Html("<p>This address is waiting for the accounting system's redirect.</p>"),
        );
    }
    // Checked before the answer is taken: a wrong `state` (even with an `error`) must neither
    // connect another grant nor end the wait for the right one.
    if params.get("state").map(String::as_str) != Some(&*slot.expected_state) {
        tracing::warn!("ignored a redirect whose state does not match this connect (stale or forged)");
        return (
            StatusCode::BAD_REQUEST,
            Html(
                "<h1>entrata-recon</h1><p>This redirect does not belong to the connect that is waiting \
                 (its state does not match); it was ignored.</p>",
            ),
        );
    }
    let sender = slot.sender.lock().ok().and_then(|mut s| s.take());
    match sender {
        Some(sender) => {
            let _ = sender.send(params);
            (
                StatusCode::OK,
                Html(
                    "<h1>entrata-recon</h1><p>Done. You can close this window and return to the terminal.</p>",
                ),
            )
        }
        None => {
            (StatusCode::OK, Html("<p>This connection was already answered; return to the terminal.</p>"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pasted_urls_and_queries() {
        let uri = "https://example.com/callback";
        let params =
            parse_pasted("https://example.com/callback?code=abc&state=xyz&realmId=123", uri).unwrap();
        assert_eq!(params.get("code").map(String::as_str), Some("abc"));
        assert_eq!(params.get("realmId").map(String::as_str), Some("123"));
        assert!(parse_pasted("?code=abc&state=xyz", uri).is_ok());
        assert!(parse_pasted("error=access_denied&state=xyz", uri).is_ok());
        assert!(matches!(parse_pasted("hello", uri), Err(RedirectError::NotARedirect { .. })));
        assert!(is_loopback("http://127.0.0.1:8765/callback"));
        assert!(is_loopback("http://localhost:8765/callback"));
        assert!(!is_loopback("https://127.0.0.1:8765/callback"));
        assert!(!is_loopback("https://example.com/callback"));
    }
}
