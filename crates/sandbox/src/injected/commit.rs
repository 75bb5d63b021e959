//! The actions that do the work and then misbehave, as `server` carries them out:
//! `commit_after_ms` (the commit outlives the client), `system_fault_after_commit` (QuickBooks'
//! `SystemFault` in place of the answer) and `status_after_commit`'s bodies.

use std::future::Future;
use std::time::Duration;

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::{DateTime, Utc};
use tokio::sync::oneshot;

use super::{after_commit_response, fault_response};
use crate::paths::Service;
use crate::qbo::fault::{Fault, json_response, system_fault_batch};

/// The largest body a `commit_after_ms` request may carry (it is read whole before the wait):
/// above every service's own limit (Xero's is 10 MB), so the service refuses first.
pub const MAX_HELD_BODY_BYTES: usize = 16 * 1024 * 1024;

/// `commit_after_ms`: waits `ms` of real time, then hands the request to `handle` in a task of its
/// own, so the commit happens even when the client has gone (hyper drops the connection's future,
/// and with it this one, when the client closes it). The body is read first, while the client is
/// surely there. The answer is returned if the client still waits for it.
pub async fn commit_later<F, Fut>(
    service: Service,
    request: Request,
    ms: u64,
    now: DateTime<Utc>,
    handle: F,
) -> Response
where
    F: FnOnce(Request) -> Fut + Send + 'static,
    Fut: Future<Output = Response> + Send + 'static,
{
    let (parts, body) = request.into_parts();
    let bytes = match to_bytes(body, MAX_HELD_BODY_BYTES).await {
        Ok(bytes) => bytes,
        Err(e) => {
            tracing::info!(error = %e, "commit_after_ms: the request body could not be read; nothing is committed");
            return fault_response(service, StatusCode::PAYLOAD_TOO_LARGE, 1, now);
        }
    };
    let request = Request::from_parts(parts, Body::from(bytes));
    let (answer, answered) = oneshot::channel();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(ms)).await;
        let committed = handle(request).await;
        let status = committed.status().as_u16();
        if answer.send(committed).is_err() {
            tracing::info!(status, "commit_after_ms: handled after the client gave up");
        }
    });
    match answered.await {
        Ok(response) => response,
        // The task ended without answering: only if the runtime is shutting down.
        Err(_) => fault_response(service, StatusCode::SERVICE_UNAVAILABLE, 1, now),
    }
}

/// `system_fault_after_commit`: a batch answered 200 keeps its items' `bId`s, each now with a
/// `SystemFault`; any other answer becomes a 500 `SystemFault`.
pub async fn system_fault(committed: Response, path: &str, now: DateTime<Utc>) -> Response {
    let system = || Fault::system(StatusCode::INTERNAL_SERVER_ERROR).into_response(now);
    if !(path.ends_with("/batch") && committed.status() == StatusCode::OK) {
        return system();
    }
    let Ok(bytes) = to_bytes(committed.into_body(), MAX_HELD_BODY_BYTES).await else { return system() };
    match system_fault_batch(&bytes, now) {
        Some(body) => json_response(StatusCode::OK, body),
        None => system(),
    }
}

/// `status_after_commit`: the service's body for `status` that says nothing about the document.
pub fn status_after(service: Service, status: u16, headers: &HeaderMap, now: DateTime<Utc>) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
    let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok());
    after_commit_response(service, status, key, now)
}
