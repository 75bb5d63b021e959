//! The way back from a vendor's consent page to `connect`: a listener on a loopback redirect URI
//! (the browser is on this machine), and a prompt where the redirected URL can be pasted (a server
//! with no browser, or a redirect URI that is not loopback, as Intuit requires for production apps).
//! With a loopback URI both wait at once and the first answer wins.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Query, State};
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

/// Waits for the redirect: on the loopback listener when `redirect_uri` is loopback, and from a
/// pasted line on standard input when `prompt` is set (always, when it is not loopback).
pub async fn wait_for_redirect(redirect_uri: &str, prompt: bool) -> Result<Params, RedirectError> {
    let url = Url::parse(redirect_uri).map_err(|_| RedirectError::BadUri(redirect_uri.to_owned()))?;
    let mut listening = if is_loopback(redirect_uri) { Some(listen(&url).await?) } else { None };
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

type Slot = Arc<Mutex<Option<oneshot::Sender<Params>>>>;

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
async fn listen(url: &Url) -> Result<Listening, RedirectError> {
    let host = url.host_str().unwrap_or("127.0.0.1").trim_matches(['[', ']']);
    let host = if host == "localhost" { "127.0.0.1" } else { host };
    let port = url.port_or_known_default().unwrap_or(80);
    let addr = format!("{host}:{port}");
    let listener = tokio::net::TcpListener::bind(&addr)
        .await
        .map_err(|e| RedirectError::Listen { addr: addr.clone(), reason: e.to_string() })?;
    let (sender, answer) = oneshot::channel();
    let (stop, stopped) = oneshot::channel::<()>();
    let slot: Slot = Arc::new(Mutex::new(Some(sender)));
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

async fn callback(State(slot): State<Slot>, Query(params): Query<Params>) -> Html<&'static str> {
    if !params.contains_key("code") && !params.contains_key("error") {
        return Html("<p>This address is waiting for the accounting system's redirect.</p>");
    }
    let sender = slot.lock().ok().and_then(|mut s| s.take());
    match sender {
        Some(sender) => {
            let _ = sender.send(params);
            Html("<h1>entrata-recon</h1><p>Done. You can close this window and return to the terminal.</p>")
        }
        None => Html("<p>This connection was already answered; return to the terminal.</p>"),
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
