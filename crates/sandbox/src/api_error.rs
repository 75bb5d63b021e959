//! The Entrata API's error envelope: `{"error": {"code": "...", "message": "...", "details": {...}}}`
//! (spec/source-api.md §2), with the 401 variants of §1 (`mfa_required` carries `methods`).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub details: Option<Value>,
    /// Extra members of the `error` object (`methods` for `mfa_required`).
    pub extra: Map<String, Value>,
    pub retry_after_s: Option<u32>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            details: None,
            extra: Map::new(),
            retry_after_s: None,
        }
    }

    pub fn with_details(mut self, details: Value) -> ApiError {
        self.details = Some(details);
        self
    }

    pub fn with_extra(mut self, key: &str, value: Value) -> ApiError {
        self.extra.insert(key.to_owned(), value);
        self
    }

    pub fn invalid_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_request", message)
    }

    /// A bad query or body parameter, named in the message and in `details.parameter`.
    pub fn invalid_parameter(parameter: &str, message: impl Into<String>) -> ApiError {
        let message = format!("parameter {parameter:?}: {}", message.into());
        ApiError::invalid_request(message).with_details(json!({ "parameter": parameter }))
    }

    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    pub fn unauthorized(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, code, message)
    }

    pub fn rate_limited(retry_after_s: u32) -> ApiError {
        let mut error = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!("rate limit exceeded; retry after {retry_after_s} s"),
        );
        error.retry_after_s = Some(retry_after_s);
        error
    }

    /// What the real service answers with a bare `status`, for fault rules.
    pub fn for_status(status: StatusCode, retry_after_s: u32) -> ApiError {
        let (code, message) = match status.as_u16() {
            400 => ("invalid_request", "the request could not be processed"),
            401 => ("token_expired", "the auth token has expired"),
            403 => ("forbidden", "access denied"),
            404 => ("not_found", "not found"),
            409 => ("conflict", "the resource was modified concurrently"),
            429 => return ApiError::rate_limited(retry_after_s),
            500 => ("internal_error", "an internal error occurred"),
            502 => ("bad_gateway", "the upstream Entrata session failed"),
            503 => ("service_unavailable", "the service is temporarily unavailable"),
            504 => ("gateway_timeout", "the upstream Entrata request timed out"),
            _ => ("error", "the request failed"),
        };
        let mut error = ApiError::new(status, code, message);
        if status == StatusCode::SERVICE_UNAVAILABLE {
            error.retry_after_s = Some(retry_after_s);
        }
        error
    }

    pub fn body(&self) -> Value {
        let mut error = Map::new();
        error.insert("code".into(), json!(self.code));
        error.insert("message".into(), json!(self.message));
        if let Some(details) = &self.details {
            error.insert("details".into(), details.clone());
        }
        error.extend(self.extra.clone());
        json!({ "error": error })
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, axum::Json(self.body())).into_response();
        if let Some(seconds) = self.retry_after_s {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

pub type ApiResult<T = Response> = Result<T, ApiError>;
