//! How an injected fault is answered, per service: the composition layer between the fault
//! engine (`faults`, which knows no vendor) and the vendors, which each own their error bodies.
//! `commit` carries out the actions that do the work and then misbehave.
//!
//! What each real service answers with a given error status, for `{"status": S}` fault rules.
//! Shapes from reference/qbo-xero-apis.md: QBO's `Fault` envelope (XML `ThrottleExceeded` on 429
//! even when JSON was asked, the lower-case `fault` body on 401), Xero's problem JSON with
//! `X-Rate-Limit-Problem` on 429, and OAuth's `{"error": ...}`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde_json::json;

use crate::api_error::ApiError;
use crate::paths::Service;

pub mod commit;

pub fn fault_response(
    service: Service,
    status: StatusCode,
    retry_after_s: u32,
    now: DateTime<Utc>,
) -> Response {
    let mut response = match service {
        Service::Entrata => return ApiError::for_status(status, retry_after_s).into_response(),
        Service::EntrataApi => crate::entrata_api::status_body(status),
        Service::Qbo => crate::qbo::fault::status_response(status, now),
        Service::Xero => crate::xero::wire::fault(status, now),
        Service::Oauth => oauth(status),
    };
    if matches!(status, StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE) {
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after_s));
    }
    response
}

/// What the service answers with `status` after it has done the work (`status_after_commit`): as
/// [`fault_response`], except that no 4xx reads as "this document was refused". QuickBooks' 400
/// is a `SystemFault` (10000) and its other 4xx (408, 409, 404, ...) the gateway's lower-case
/// `fault` of type `SERVICE`, as its 500s come through the gateway; Xero's 400, 408 and 409 are
/// problem JSON (409 is Xero's answer while a request under the same `Idempotency-Key` is still
/// being processed), never a `ValidationException`. 401, 403 and 429 are as [`fault_response`]:
/// they do not speak of a document either.
pub fn after_commit_response(
    service: Service,
    status: StatusCode,
    idempotency_key: Option<&str>,
    now: DateTime<Utc>,
) -> Response {
    let code = status.as_u16();
    if !status.is_client_error() || matches!(code, 401 | 403 | 429) {
        return fault_response(service, status, 1, now);
    }
    match service {
        Service::Qbo if code == 400 => crate::qbo::fault::Fault::system(status).into_response(now),
        Service::Qbo => {
            let reason = status.canonical_reason().unwrap_or("Error").replace(' ', "");
            let body = json!({"warnings": null, "intuitObject": null,
                "fault": {"error": [{"message": format!("message={reason}; errorCode=003100; statusCode={code}"),
                    "detail": null, "code": "3100", "element": null}], "type": "SERVICE"},
                "report": null, "queryResponse": null, "batchItemResponse": [], "attachableResponse": [],
                "syncErrorResponse": null, "requestId": null, "time": now.timestamp_millis(), "status": null, "cdcresponse": []});
            (status, axum::Json(body)).into_response()
        }
        Service::Xero => {
            use crate::xero::wire::problem;
            match code {
                409 => {
                    let key = idempotency_key.unwrap_or_default();
                    problem(status, &format!("A request with Idempotency Key {key} is still being processed"))
                }
                400 => problem(
                    status,
                    "An error occurred in Xero. Check the API Status page http://status.developer.xero.com for current service status.",
                ),
                _ => problem(status, status.canonical_reason().unwrap_or("Error")),
            }
        }
        Service::Entrata | Service::EntrataApi | Service::Oauth => fault_response(service, status, 1, now),
    }
}

fn oauth(status: StatusCode) -> Response {
    let (error, description) = match status.as_u16() {
        400 => ("invalid_grant", "Token has been expired or revoked."),
        401 => ("invalid_client", "Client authentication failed"),
        503 => ("temporarily_unavailable", "The authorization server is temporarily unavailable"),
        _ => ("server_error", "The authorization server encountered an unexpected error"),
    };
    (status, axum::Json(json!({"error": error, "error_description": description}))).into_response()
}
