//! The listener: one loopback port for every service, connections served with hyper directly
//! (below axum's `Router`) so that a fault rule can close a connection before or after the work
//! is done and the client sees a transport error, as it would from a real network.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{Method, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;
use tower::ServiceExt;

use super::api_error::ApiError;
use super::faults::{EditFirstListed, FaultAction, ReadLag};
use super::injected::{commit, fault_response};
use super::locks::lock;
use super::paths::{self, Service};
use super::shared::Shared;
use super::{control, entrata, entrata_api, qbo, xero};

/// How long `shutdown` waits for requests in flight before closing their connections.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

pub fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .nest("/entrata", entrata::router(Arc::clone(&shared.entrata)))
        .nest(paths::ENTRATA_API_MOUNT, entrata_api::router(Arc::clone(&shared.entrata_api)))
        .nest(paths::QBO_API_BASE, qbo::router(Arc::clone(&shared.qbo_api)))
        .nest(paths::XERO_API_BASE, xero::router(Arc::clone(&shared.xero_api)))
        .merge(control::router(&shared))
        .fallback(fallback)
        .layer(middleware::from_fn_with_state(Arc::clone(&shared), count_requests))
        .with_state(shared)
}

/// Counts requests per endpoint (`GET /entrata/integrations/{integration_id}/properties`), and
/// the ones a service throttled (`... -> 429`), so that a test can say none was.
async fn count_requests(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().map(|p| p.as_str().to_owned());
    let endpoint = format!("{} {}", request.method(), route.as_deref().unwrap_or("(no route)"));
    shared.count_request(endpoint.clone());
    let response = next.run(request).await;
    if response.status() == StatusCode::TOO_MANY_REQUESTS {
        shared.count_request(format!("{endpoint} -> 429"));
    }
    response
}

async fn fallback(method: Method, uri: Uri) -> Response {
    let message = format!("no endpoint {method} {}", uri.path());
    ApiError::not_found(message).into_response()
}

/// Serves connections until `shutdown` turns true, then drains them.
pub async fn accept_loop(listener: TcpListener, shared: Arc<Shared>, mut shutdown: watch::Receiver<bool>) {
    let router = router(Arc::clone(&shared));
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    connections.spawn(serve_connection(stream, Arc::clone(&shared), router.clone(), shutdown.clone()));
                }
                Err(e) => {
                    // Out of file descriptors and the like: say so, back off, keep serving.
                    tracing::warn!(error = %e, "sandbox could not accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            _ = shutdown.changed() => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    let drain = async { while connections.join_next().await.is_some() {} };
    if tokio::time::timeout(SHUTDOWN_GRACE, drain).await.is_err() {
        tracing::warn!("sandbox shutdown: closing connections still busy after {SHUTDOWN_GRACE:?}");
        connections.abort_all();
    }
}

enum Event {
    Finished,
    Kill,
    Drain,
}

async fn serve_connection(
    stream: TcpStream,
    shared: Arc<Shared>,
    router: Router,
    mut shutdown: watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    let kill = Arc::new(Notify::new());
    let service = {
        let kill = Arc::clone(&kill);
        service_fn(move |request| handle(Arc::clone(&shared), router.clone(), Arc::clone(&kill), request))
    };
    let mut connection = http1::Builder::new().serve_connection(TokioIo::new(stream), service);
    let mut draining = false;
    loop {
        let event = tokio::select! {
            result = &mut connection => {
                if let Err(e) = result {
                    tracing::debug!(error = %e, "sandbox connection ended with an error");
                }
                Event::Finished
            }
            _ = kill.notified() => Event::Kill,
            _ = shutdown.changed(), if !draining => Event::Drain,
        };
        match event {
            Event::Finished => return,
            Event::Drain => {
                draining = true;
                std::pin::Pin::new(&mut connection).graceful_shutdown();
            }
            Event::Kill => {
                // A zero linger makes the close an RST, as a crashed peer or a middlebox would.
                let stream = connection.into_parts().io.into_inner();
                let _ = stream.set_zero_linger();
                drop(stream);
                return;
            }
        }
    }
}

/// One request: the fault plan first, then the router.
async fn handle(
    shared: Arc<Shared>,
    router: Router,
    kill: Arc<Notify>,
    request: hyper::Request<Incoming>,
) -> Result<Response, Infallible> {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let service = Service::of_path(&path);
    let fired = service.and_then(|s| lock(&shared.faults).decide(s, method.as_str(), &path).map(|f| (s, f)));
    let request = request.map(Body::new);
    let response = match fired {
        None => route(router, request).await,
        Some((service, fired)) => {
            tracing::info!(rule = fired.rule, action = ?fired.action, %method, %path, "fault rule fired");
            match fired.action {
                FaultAction::Status { status, retry_after_s } => {
                    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                    fault_response(service, status, retry_after_s, shared.clock.now())
                }
                FaultAction::Delay { ms } => {
                    tokio::time::sleep(Duration::from_millis(ms)).await;
                    route(router, request).await
                }
                FaultAction::ExpireToken => {
                    shared.expire_token(service, request.headers());
                    route(router, request).await
                }
                FaultAction::Reset => {
                    kill.notify_one();
                    return std::future::pending().await;
                }
                FaultAction::StatusAfterCommit { status } => {
                    let headers = request.headers().clone();
                    let _committed = route(router, request).await;
                    commit::status_after(service, status, &headers, shared.clock.now())
                }
                FaultAction::SystemFaultAfterCommit => {
                    let committed = route(router, request).await;
                    commit::system_fault(committed, &path, shared.clock.now()).await
                }
                FaultAction::CommitAfter { ms } => {
                    let now = shared.clock.now();
                    commit::commit_later(service, request, ms, now, move |request| route(router, request))
                        .await
                }
                FaultAction::VisibleAfter { ms } => {
                    let mut request = request;
                    request.extensions_mut().insert(ReadLag { ms });
                    route(router, request).await
                }
                FaultAction::DropAfterCommit => {
                    let _committed = route(router, request).await;
                    kill.notify_one();
                    return std::future::pending().await;
                }
                FaultAction::Garbled => garbled_response(),
                FaultAction::EditFirstListed => {
                    let mut request = request;
                    request.extensions_mut().insert(EditFirstListed);
                    route(router, request).await
                }
            }
        }
    };
    tracing::debug!(%method, %path, status = response.status().as_u16(), elapsed_ms = started.elapsed().as_millis() as u64, "sandbox request");
    let mut response = response;
    date_header(&mut response, shared.clock.now());
    Ok(response)
}

/// Every answer's `Date` is the sandbox clock's (hyper would write the host's): a client that
/// reads the service's time from it sees the service's clock, as it would the vendor's.
fn date_header(response: &mut Response, now: chrono::DateTime<chrono::Utc>) {
    let text = httpdate::fmt_http_date(std::time::SystemTime::from(now));
    if let Ok(value) = axum::http::HeaderValue::from_str(&text) {
        response.headers_mut().insert(axum::http::header::DATE, value);
    }
}

/// A 200 whose body is not the API's JSON: what a misconfigured proxy or captive portal sends.
fn garbled_response() -> Response {
    let body = "<html><head><title>Gateway</title></head><body>Service temporarily unavailable</body></html>";
    let mut response = Response::new(Body::from(body));
    if let Ok(value) = axum::http::HeaderValue::from_str("text/html; charset=utf-8") {
        response.headers_mut().insert(axum::http::header::CONTENT_TYPE, value);
    }
    response
}

async fn route(router: Router, request: Request) -> Response {
    match router.oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    }
}

/// The sandbox's base URL for a bound address.
pub fn base_url(addr: SocketAddr) -> String {
    format!("http://{addr}")
}

/// The Entrata base URL the connector's `source.base_url` takes.
pub fn entrata_base_url(addr: SocketAddr, integration_id: &str) -> String {
    format!("{}{}/{integration_id}", base_url(addr), paths::ENTRATA_PREFIX)
}
