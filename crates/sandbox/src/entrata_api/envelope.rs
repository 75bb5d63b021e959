//! Entrata's RPC envelope (docs/sources.md sections 2.2 to 2.4 and 7.1): the request
//! `{"auth": {"type"}, "requestId", "method": {"name", "version", "params"}}`, the success
//! `{"response": {"requestId", "code", "result"}}` and the errors, most of them HTTP 200.

use std::borrow::Cow;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde_json::value::RawValue;

use super::dates::mdy;
use super::json::{Node, Obj};
use crate::dataset::raw::{JsonKind, RawObject, as_str, parse_array, parse_object};

/// What the API answers instead of a result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// HTTP 400, code 400: the body is not the envelope.
    BadEnvelope(String),
    /// HTTP 401, code 113: bad or missing credentials.
    Unauthorized(String),
    /// HTTP 404: no such service or path.
    NotFound(String),
    /// HTTP 429, code 429, after `retry_after_s` seconds.
    RateLimited { retry_after_s: u32 },
    /// HTTP 200, code 301: the method is not the service's, or not in that version.
    MethodNotFound(String),
    /// HTTP 200, code 302: a parameter is missing or unreadable (the message names it).
    BadParameter(String),
}

impl Refusal {
    fn parts(&self) -> (StatusCode, i64, Cow<'_, str>) {
        match self {
            Refusal::BadEnvelope(m) => (StatusCode::BAD_REQUEST, 400, m.into()),
            Refusal::Unauthorized(m) => (StatusCode::UNAUTHORIZED, 113, m.into()),
            Refusal::NotFound(m) => (StatusCode::NOT_FOUND, 404, m.into()),
            Refusal::RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, 429, "Too many requests".into()),
            Refusal::MethodNotFound(m) => (StatusCode::OK, 301, m.into()),
            Refusal::BadParameter(m) => (StatusCode::OK, 302, m.into()),
        }
    }

    /// The error answer; the method-level errors (HTTP 200) echo the request's `requestId`.
    pub fn into_response_for(self, request_id: Option<&RawValue>) -> Response {
        let (status, code, message) = self.parts();
        let echo = matches!(self, Refusal::MethodNotFound(_) | Refusal::BadParameter(_));
        let error = Obj::new().with("code", Node::Int(code)).with("message", Node::text(message)).build();
        let response = Obj::new()
            .maybe("requestId", request_id.filter(|_| echo).map(Node::raw))
            .with("error", error)
            .build();
        let mut answer = json_response(status, &Obj::new().with("response", response).build());
        if let Refusal::RateLimited { retry_after_s } = self {
            answer.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after_s));
        }
        answer
    }
}

/// The body fault rules' `{"status": S}` answer with: Entrata's error shape with the status as
/// its code (429's message as a throttled call's).
pub fn status_body(status: StatusCode) -> Response {
    let message = match status.as_u16() {
        429 => "Too many requests",
        401 => "Authorization failed",
        _ => status.canonical_reason().unwrap_or("Error"),
    };
    let error = Obj::new()
        .with("code", Node::Int(i64::from(status.as_u16())))
        .with("message", Node::text(message))
        .build();
    json_response(status, &Obj::new().with("response", Obj::new().with("error", error).build()).build())
}

/// A result: `code` 200, or the string `"200"` where Entrata's spec types it so (`code_as_text`).
pub fn success(request_id: Option<&RawValue>, code_as_text: bool, result: Node) -> Response {
    let code = if code_as_text { Node::text("200") } else { Node::Int(200) };
    let response = Obj::new()
        .maybe("requestId", request_id.map(Node::raw))
        .with("code", code)
        .with("result", result)
        .build();
    json_response(StatusCode::OK, &Obj::new().with("response", response).build())
}

/// The result of a call that found nothing.
pub fn no_records() -> Node {
    Obj::new().with("success", Node::text("No Records Found.")).build()
}

fn json_response(status: StatusCode, body: &Node) -> Response {
    let content_type = HeaderValue::from_static("application/json; charset=utf-8");
    (status, [(header::CONTENT_TYPE, content_type)], body.to_json()).into_response()
}

/// A request body read as the envelope.
#[derive(Debug)]
pub struct Call<'a> {
    pub request_id: Option<&'a RawValue>,
    pub auth_type: Cow<'a, str>,
    pub method: Cow<'a, str>,
    pub version: Option<Cow<'a, str>>,
    pub params: Params<'a>,
}

/// Reads the envelope. One object, as production code sends it; an array holding exactly one is
/// read too, because Entrata's gateway spec (and the client generated from it) sends the body as
/// an array of request objects (docs/sources.md section 2.2).
pub fn parse_call(body: &str) -> Result<Call<'_>, Refusal> {
    let bad = |m: String| Refusal::BadEnvelope(format!("the body is not an Entrata request: {m}"));
    let text = match JsonKind::of(body) {
        JsonKind::Array => match parse_array(body).map_err(bad)?.as_slice() {
            [one] => one.get(),
            _ => return Err(bad("an array body must hold exactly one request object".into())),
        },
        _ => body,
    };
    let object = parse_object(text).map_err(bad)?;
    let auth = object.get("auth").ok_or_else(|| bad("\"auth\" is missing".into()))?;
    let auth = parse_object(auth.get()).map_err(|m| bad(format!("\"auth\": {m}")))?;
    let auth_type =
        auth.get("type").and_then(as_str).ok_or_else(|| bad("\"auth.type\" must be a string".into()))?;
    let method = object.get("method").ok_or_else(|| bad("\"method\" is missing".into()))?;
    let method = parse_object(method.get()).map_err(|m| bad(format!("\"method\": {m}")))?;
    let name =
        method.get("name").and_then(as_str).ok_or_else(|| bad("\"method.name\" must be a string".into()))?;
    let version = match method.get("version") {
        None => None,
        Some(v) if v.get().trim() == "null" => None,
        Some(v) => Some(as_str(v).ok_or_else(|| bad("\"method.version\" must be a string".into()))?),
    };
    let params = match method.get("params") {
        None => RawObject { fields: Vec::new() },
        Some(v) if v.get().trim() == "null" => RawObject { fields: Vec::new() },
        Some(v) => parse_object(v.get()).map_err(|m| bad(format!("\"method.params\": {m}")))?,
    };
    let request_id = object.get("requestId").filter(|v| v.get().trim() != "null");
    Ok(Call { request_id, auth_type, method: name, version, params: Params(params) })
}

/// A method's `params`. Entrata sends scalars as strings or numbers, lists as one comma-separated
/// string, and flags as `"0"`/`"1"` (or `0`/`1`, `true`/`false`).
#[derive(Debug)]
pub struct Params<'a>(RawObject<'a>);

impl Params<'_> {
    /// A scalar parameter as text; absent, null or empty is `None`.
    pub fn text(&self, name: &str) -> Result<Option<String>, Refusal> {
        let Some(value) = self.0.get(name) else { return Ok(None) };
        let text = match JsonKind::of(value.get()) {
            JsonKind::Null => return Ok(None),
            JsonKind::String => as_str(value).map(Cow::into_owned).unwrap_or_default(),
            JsonKind::Number => value.get().trim().to_owned(),
            kind => {
                return Err(bad_param(
                    name,
                    format!("expected a string or a number, found {}", kind.article()),
                ));
            }
        };
        let text = text.trim().to_owned();
        Ok((!text.is_empty()).then_some(text))
    }

    pub fn required(&self, name: &str) -> Result<String, Refusal> {
        self.text(name)?.ok_or_else(|| bad_param(name, "is required"))
    }

    /// A comma-separated list (or a JSON array of scalars); `None` when absent.
    pub fn list(&self, name: &str) -> Result<Option<Vec<String>>, Refusal> {
        if let Some(value) = self.0.get(name)
            && JsonKind::of(value.get()) == JsonKind::Array
        {
            let elements = parse_array(value.get()).map_err(|m| bad_param(name, m))?;
            let mut out = Vec::new();
            for element in elements {
                match JsonKind::of(element.get()) {
                    JsonKind::String => out.extend(as_str(element).map(|s| s.trim().to_owned())),
                    JsonKind::Number => out.push(element.get().trim().to_owned()),
                    _ => return Err(bad_param(name, "expected comma-separated ids")),
                }
            }
            return Ok(Some(out.into_iter().filter(|s| !s.is_empty()).collect()));
        }
        Ok(self.text(name)?.map(|text| {
            text.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
        }))
    }

    /// A flag: `1`, `"1"`, `true` or `"true"` is set; `0`, `"0"`, `false`, `"false"` or absent is not.
    pub fn flag(&self, name: &str) -> Result<bool, Refusal> {
        if let Some(value) = self.0.get(name) {
            match value.get().trim() {
                "true" => return Ok(true),
                "false" => return Ok(false),
                _ => {}
            }
        }
        match self.text(name)?.as_deref() {
            None | Some("0" | "false") => Ok(false),
            Some("1" | "true") => Ok(true),
            Some(other) => Err(bad_param(name, format!("{other:?} is not 0 or 1"))),
        }
    }

    /// A date, `MM/DD/YYYY`.
    pub fn date(&self, name: &str) -> Result<Option<NaiveDate>, Refusal> {
        match self.text(name)? {
            None => Ok(None),
            Some(text) => mdy(&text)
                .map(Some)
                .ok_or_else(|| bad_param(name, format!("{text:?} is not a date in the form MM/DD/YYYY"))),
        }
    }
}

pub fn bad_param(name: &str, message: impl AsRef<str>) -> Refusal {
    Refusal::BadParameter(format!("Invalid parameter \"{name}\": {}", message.as_ref()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_envelope() {
        let body = r#"{"auth": {"type": "apikey"}, "requestId": 15,
            "method": {"name": "getLeaseArTransactions", "version": "r1",
                       "params": {"propertyId": 1150907, "leaseIds": "1, 2,,3", "showFullLedger": "1",
                                  "includeReversals": true, "transactionFromDate": "01/01/2026", "bad": "13/01/2026"}}}"#;
        let call = parse_call(body).expect("envelope");
        assert_eq!((call.auth_type.as_ref(), call.method.as_ref()), ("apikey", "getLeaseArTransactions"));
        assert_eq!(call.request_id.map(|r| r.get()), Some("15"));
        assert_eq!(call.version.as_deref(), Some("r1"));
        let params = &call.params;
        assert_eq!(params.required("propertyId"), Ok("1150907".to_owned()));
        assert_eq!(params.list("leaseIds"), Ok(Some(vec!["1".into(), "2".into(), "3".into()])));
        assert_eq!((params.flag("showFullLedger"), params.flag("includeReversals")), (Ok(true), Ok(true)));
        assert_eq!(params.flag("missing"), Ok(false));
        assert_eq!(params.date("transactionFromDate"), Ok(NaiveDate::from_ymd_opt(2026, 1, 1)));
        assert_eq!(
            params.date("bad"),
            Err(Refusal::BadParameter(
                "Invalid parameter \"bad\": \"13/01/2026\" is not a date in the form MM/DD/YYYY".into()
            ))
        );
        assert_eq!(
            params.required("nope"),
            Err(Refusal::BadParameter("Invalid parameter \"nope\": is required".into()))
        );
        // The generated client's array of one request.
        let call =
            parse_call(r#"[{"auth": {"type": "basic"}, "method": {"name": "getArCodes"}}]"#).expect("array");
        assert_eq!(
            (call.auth_type.as_ref(), call.version, call.request_id.map(|r| r.get())),
            ("basic", None, None)
        );
    }

    #[test]
    fn refuses_what_is_not_the_envelope() {
        let check = |body: &str, expected: &str| match parse_call(body) {
            Err(Refusal::BadEnvelope(m)) => {
                assert_eq!(m, format!("the body is not an Entrata request: {expected}"))
            }
            other => panic!("{body}: {other:?}"),
        };
        check("[]", "an array body must hold exactly one request object");
        check("3", "expected an object, found a number");
        check(r#"{"method": {"name": "x"}}"#, "\"auth\" is missing");
        check(r#"{"auth": {"type": 1}, "method": {"name": "x"}}"#, "\"auth.type\" must be a string");
        check(r#"{"auth": {"type": "apikey"}, "method": {}}"#, "\"method.name\" must be a string");
        check(
            r#"{"auth": {"type": "apikey"}, "method": {"name": "x", "params": []}}"#,
            "\"method.params\": expected an object, found an array",
        );
    }
}
