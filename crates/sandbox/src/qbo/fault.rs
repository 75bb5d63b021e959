//! QuickBooks Online's error answers: the `Fault` envelope of IntuitRestServiceDef.xsd
//! (`{"Fault":{"Error":[{"Message","Detail","code","element"}],"type":"ValidationFault"},"time":...}`)
//! with the codes and texts the real service sends (reference/qbo-xero-apis.md A.4), and the
//! answers that are not `Fault`s: the lower-case 401 body and the XML 429 body, both shared with
//! fault rules through `crate::injected`.
//!
//! Invariant: a `Fault` always holds at least one error; every QBO error the sandbox sends is built
//! here, so codes and texts are chosen in one place.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;

use super::time::response_time;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum FaultType {
    #[serde(rename = "ValidationFault")]
    Validation,
    #[serde(rename = "AuthorizationFault")]
    Authorization,
    #[serde(rename = "SystemFault")]
    System,
}

/// One `Error` of a `Fault`. `element` is left out when `None` (query errors carry none).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QboError {
    #[serde(rename = "Message")]
    pub message: String,
    #[serde(rename = "Detail")]
    pub detail: String,
    pub code: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub element: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fault {
    #[serde(skip)]
    pub status: StatusCode,
    #[serde(rename = "Error")]
    pub errors: Vec<QboError>,
    #[serde(rename = "type")]
    pub kind: FaultType,
}

pub type QboResult<T> = Result<T, Fault>;

const BUSINESS: &str = "A business validation error has occurred while processing your request";
const INACTIVE: &str = "Object Not Found : Something you're trying to use has been made inactive. \
                        Check the fields with accounts, customers, items, vendors or employees.";

fn error(code: &'static str, message: &str, detail: String, element: Option<&str>) -> QboError {
    QboError { message: message.to_owned(), detail, code, element: element.map(str::to_owned) }
}

impl Fault {
    /// A `ValidationFault` with one error, answered with HTTP 400.
    pub fn validation(error: QboError) -> Fault {
        Fault { status: StatusCode::BAD_REQUEST, errors: vec![error], kind: FaultType::Validation }
    }

    /// The same fault naming `element` as the property at fault.
    pub fn at(mut self, element: &str) -> Fault {
        for error in &mut self.errors {
            error.element = Some(element.to_owned());
        }
        self
    }

    pub fn code(&self) -> &'static str {
        self.errors.first().map_or("", |e| e.code)
    }

    /// 2010: a property the entity does not have, or a value of the wrong JSON type.
    pub fn invalid_property(property: &str, why: &str) -> Fault {
        Fault::validation(error(
            "2010",
            "Request has invalid or unsupported property",
            format!("Property Name:{property} specified is unsupported or invalid: {why}"),
            Some(property),
        ))
    }

    /// 2020: a required parameter is missing.
    pub fn required(parameter: &str) -> Fault {
        Fault::validation(error(
            "2020",
            "Required param missing, need to supply the required value for the API",
            format!("Required parameter {parameter} is missing in the request"),
            Some(parameter),
        ))
    }

    /// 2050: a string longer than the field allows.
    pub fn string_length(element: &str, max: usize, supplied: usize) -> Fault {
        Fault::validation(error(
            "2050",
            "String length is either shorter or longer than supported by specification",
            format!(
                "String length specified does not match the supported length. Min:0 Max:{max} supported. Supplied length:{supplied}"
            ),
            Some(element),
        ))
    }

    /// 2170: a value outside an enumeration (`PostingType`, `Entity.Type`, `DetailType`).
    pub fn invalid_enum(element: &str, value: &str, allowed: &str) -> Fault {
        Fault::validation(error(
            "2170",
            "Invalid Enumeration",
            format!("Invalid Enumeration : {value} is not a valid {element}; expected one of {allowed}"),
            Some(element),
        ))
    }

    /// 2500: a reference to an object that does not exist (`what` in Intuit's plural: `Accounts`).
    pub fn invalid_reference(what: &str, id: &str) -> Fault {
        Fault::validation(error(
            "2500",
            "Invalid Reference Id",
            format!("Invalid Reference Id : {what} element id {id} not found"),
            Some(""),
        ))
    }

    /// 610: a referenced account, customer, class or department is inactive.
    pub fn inactive() -> Fault {
        Fault::validation(error("610", "Object Not Found", INACTIVE.to_owned(), Some("")))
    }

    /// 610: the transaction does not exist (never created, or deleted).
    pub fn deleted_transaction() -> Fault {
        Fault::validation(error(
            "610",
            "Object Not Found",
            "Object Not Found : Another user has deleted this transaction.".to_owned(),
            Some(""),
        ))
    }

    /// 610 for a read of an object that is not there.
    pub fn object_not_found() -> Fault {
        Fault::validation(error("610", "Object Not Found", INACTIVE.to_owned(), Some("")))
    }

    /// 5010: the `SyncToken` sent is not the current one.
    pub fn stale_object() -> Fault {
        Fault::validation(error(
            "5010",
            "Stale Object Error",
            "Stale Object Error : You and root were working on this at the same time. root finished before you did, so your work was not saved."
                .to_owned(),
            Some(""),
        ))
    }

    /// 6000: a business rule (balance, A/R customer, amounts, batch size, request id length).
    pub fn business(detail: impl std::fmt::Display) -> Fault {
        Fault::validation(error("6000", BUSINESS, format!("Business Validation Error: {detail}"), Some("")))
    }

    /// 6140: the `DocNumber` is already used and the company warns about duplicates.
    pub fn duplicate_doc_number(doc_number: &str, txn_id: u64) -> Fault {
        Fault::validation(error(
            "6140",
            "Duplicate Document Number Error",
            format!(
                "Duplicate Document Number Error : You must specify a different number. This number has already been used. DocNumber={doc_number} is assigned to TxnType=Journal Entry with TxnId={txn_id}"
            ),
            Some(""),
        ))
    }

    /// 6210: the transaction date is on or before the books' close date.
    pub fn period_closed() -> Fault {
        Fault::validation(error(
            "6210",
            "Account Period Closed",
            "Account Period Closed, Cannot Update Through Services API".to_owned(),
            Some(""),
        ))
    }

    /// 4000: the query does not parse.
    pub fn query_parse(detail: impl std::fmt::Display) -> Fault {
        Fault::validation(error("4000", "Error parsing query", format!("QueryParserError: {detail}"), None))
    }

    /// 4001: the query parses but asks for something that cannot be queried.
    pub fn query_invalid(detail: impl std::fmt::Display) -> Fault {
        Fault::validation(error("4001", "Invalid query", format!("QueryValidationError: {detail}"), None))
    }

    /// 500: an operation QuickBooks (or this sandbox) does not offer for the entity.
    pub fn unsupported(detail: impl std::fmt::Display) -> Fault {
        Fault::validation(error(
            "500",
            "Unsupported Operation",
            format!("Operation {detail} is not supported."),
            Some(""),
        ))
    }

    /// 10000, a `SystemFault`: the service failed, saying nothing about the request's content.
    pub fn system(status: StatusCode) -> Fault {
        let detail = format!(
            "System Failure Error: An unexpected error occurred while processing the request (sandbox fault, HTTP {})",
            status.as_u16()
        );
        let error = error(
            "10000",
            "An application error has occurred while processing your request",
            detail,
            Some(""),
        );
        Fault { status, errors: vec![error], kind: FaultType::System }
    }

    /// The `Fault` object alone (a batch item carries it without an envelope).
    pub fn to_json(&self) -> String {
        // Serializing plain strings and enums cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// `{"Fault": {...}, "time": "..."}`.
    pub fn body(&self, now: DateTime<Utc>) -> String {
        format!("{{\"Fault\":{},\"time\":\"{}\"}}", self.to_json(), response_time(now))
    }

    pub fn into_response(self, now: DateTime<Utc>) -> Response {
        json_response(self.status, self.body(now))
    }
}

/// A batch answer whose every item carries a `SystemFault` instead of what it answered (its
/// `JournalEntry`, `QueryResponse` or `Fault`), keeping each `bId`: `system_fault_after_commit`.
/// `None` when `committed` is not a batch answer.
pub fn system_fault_batch(committed: &[u8], now: DateTime<Utc>) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Item {
        #[serde(rename = "bId")]
        bid: Option<String>,
    }
    #[derive(serde::Deserialize)]
    struct Batch {
        #[serde(rename = "BatchItemResponse")]
        items: Vec<Item>,
    }
    let batch: Batch = serde_json::from_slice(committed).ok()?;
    let fault = Fault::system(StatusCode::OK).to_json();
    let items: Vec<String> = batch
        .items
        .iter()
        .map(|item| match &item.bid {
            Some(bid) => format!("{{\"bId\":{},\"Fault\":{fault}}}", serde_json::Value::from(bid.as_str())),
            None => format!("{{\"Fault\":{fault}}}"),
        })
        .collect();
    Some(format!("{{\"BatchItemResponse\":[{}],\"time\":\"{}\"}}", items.join(","), response_time(now)))
}

/// An API answer: JSON with the `intuit_tid` header every QuickBooks response carries.
pub fn json_response(status: StatusCode, body: String) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json;charset=UTF-8"));
    with_tid(response)
}

fn with_tid(mut response: Response) -> Response {
    if let Ok(value) = HeaderValue::from_str(&super::tokens::random_hex(16)) {
        response.headers_mut().insert("intuit_tid", value);
    }
    response
}

/// 401 with the lower-case `fault` body the real service sends for a missing, unknown or expired
/// access token (the same body a `{"status": 401}` fault rule gives).
pub fn unauthorized(now: DateTime<Utc>) -> Response {
    let mut response = status_response(StatusCode::UNAUTHORIZED, now);
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"Intuit\", error=\"invalid_token\""),
    );
    with_tid(response)
}

/// 429 with the XML `ThrottleExceeded` body, whatever the client asked for.
pub fn throttled(now: DateTime<Utc>, retry_after_s: u32) -> Response {
    let mut response = status_response(StatusCode::TOO_MANY_REQUESTS, now);
    response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after_s));
    with_tid(response)
}

/// 403 for a realm the token is not connected to.
pub fn forbidden(now: DateTime<Utc>, realm: &str) -> Response {
    let fault = Fault {
        status: StatusCode::FORBIDDEN,
        errors: vec![error(
            "3100",
            "message=AuthorizationFailed; errorCode=003100; statusCode=403",
            format!("The access token is not authorized for company {realm}"),
            Some(""),
        )],
        kind: FaultType::Authorization,
    };
    fault.into_response(now)
}

/// What QuickBooks answers with `status` and nothing else to say (a `{"status": S}` fault rule,
/// a missing token, a throttle): `crate::injected` adds `Retry-After` for a 429 or 503.
pub fn status_response(status: StatusCode, now: DateTime<Utc>) -> Response {
    let time = response_time(now);
    match status.as_u16() {
        429 => {
            let xml = format!(
                "<IntuitResponse time=\"{time}\" xmlns=\"http://schema.intuit.com/finance/v3\"><Fault type=\"SERVICE\">\
                 <Error code=\"3001\"><Message>message=ThrottleExceeded; errorCode=003001; statusCode=429</Message>\
                 <Detail>The request limit was reached.  Try again later</Detail></Error></Fault></IntuitResponse>"
            );
            (status, [(header::CONTENT_TYPE, "application/xml")], xml).into_response()
        }
        401 => {
            let body = json!({"warnings": null, "intuitObject": null,
                "fault": {"error": [{"message": "message=AuthenticationFailed; errorCode=003200; statusCode=401",
                    "detail": "Token expired", "code": "3200", "element": null}], "type": "AUTHENTICATION"},
                "report": null, "queryResponse": null, "batchItemResponse": [], "attachableResponse": [],
                "syncErrorResponse": null, "requestId": null, "time": now.timestamp_millis(), "status": null, "cdcresponse": []});
            (status, axum::Json(body)).into_response()
        }
        code => {
            let (fault_type, message, error_code) = match code {
                400 => (
                    "ValidationFault",
                    "A business validation error has occurred while processing your request",
                    "6000",
                ),
                403 => (
                    "AuthorizationFault",
                    "message=AuthorizationFailed; errorCode=003100; statusCode=403",
                    "3100",
                ),
                404 => ("ValidationFault", "Object Not Found", "610"),
                _ => (
                    "SystemFault",
                    "An application error has occurred while processing your request",
                    "10000",
                ),
            };
            let body = json!({"Fault": {"Error": [{"Message": message, "Detail": format!("{message} (sandbox fault, HTTP {code})"),
                "code": error_code, "element": ""}], "type": fault_type}, "time": time});
            (status, axum::Json(body)).into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_has_intuits_shape() {
        let now = DateTime::parse_from_rfc3339("2026-02-01T10:00:00Z").expect("valid").to_utc();
        let body: serde_json::Value = serde_json::from_str(&Fault::period_closed().body(now)).expect("JSON");
        assert_eq!(body["Fault"]["type"], "ValidationFault");
        assert_eq!(body["Fault"]["Error"][0]["code"], "6210");
        assert_eq!(body["Fault"]["Error"][0]["element"], "");
        assert_eq!(body["time"], "2026-02-01T02:00:00.000-08:00");
        let query: serde_json::Value =
            serde_json::from_str(&Fault::query_parse("x").to_json()).expect("JSON");
        assert!(query["Error"][0].get("element").is_none());
    }
}
