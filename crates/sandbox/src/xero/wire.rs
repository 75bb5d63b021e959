//! Xero's wire conventions: Microsoft JSON dates (`/Date(1552521600000+0000)/`), GUIDs, money as
//! JSON numbers with two decimals read exactly from the request text, the success envelope, and
//! the error bodies (problem JSON for 401/403, `ValidationException`, `PostDataInvalidException`,
//! `QueryParseException`, the plain-text 404).
//!
//! Invariant: money never passes through a float; it is read from the JSON text into a `Decimal`
//! and written back as JSON number text.

use std::hash::{BuildHasher, Hasher, RandomState};
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use rust_decimal::Decimal;
use serde::{Serialize, Serializer};
use serde_json::value::RawValue;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// What Xero puts in `ProviderName`: the name of the app making the call.
pub const PROVIDER_NAME: &str = "Entrata Recon";
/// The GUID Xero gives an element that was not saved.
pub const EMPTY_GUID: &str = "00000000-0000-0000-0000-000000000000";

/// A random version-4 GUID.
pub fn new_guid() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut random = RandomState::new().build_hasher();
    random.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    let mut hasher = Sha256::new();
    hasher.update(random.finish().to_le_bytes());
    hasher.update(RandomState::new().build_hasher().finish().to_le_bytes());
    let bytes = hasher.finalize();
    let hex = data_encoding::HEXLOWER.encode(&bytes[..16]);
    let variant = ["8", "9", "a", "b"][usize::from(bytes[16] & 3)];
    format!("{}-{}-4{}-{variant}{}-{}", &hex[..8], &hex[8..12], &hex[13..16], &hex[17..20], &hex[20..32])
}

/// `/Date(ms+0000)/`: how Xero writes dates and times of records.
pub fn ms_date_time(at: DateTime<Utc>) -> String {
    format!("/Date({}+0000)/", at.timestamp_millis())
}

/// A date as Xero writes it: midnight UTC of that day.
pub fn ms_date(date: NaiveDate) -> String {
    ms_date_time(date.and_time(NaiveTime::MIN).and_utc())
}

/// `/Date(ms)/`: the envelope's `DateTimeUTC` has no offset.
pub fn envelope_time(at: DateTime<Utc>) -> String {
    format!("/Date({})/", at.timestamp_millis())
}

/// `2016-10-13T00:00:00`: the `DateString` beside a transaction's `Date`.
pub fn date_string(date: NaiveDate) -> String {
    date.format("%Y-%m-%dT00:00:00").to_string()
}

/// A request's date: `YYYY-MM-DD` (the spec), `/Date(ms[+-hhmm])/` (xero-python sends
/// `/Date(ms)/` of midnight UTC), or an ISO date-time (xero-node passes strings through; the date
/// part is taken as written).
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    if let Some(inner) = text.strip_prefix("/Date(").and_then(|t| t.strip_suffix(")/")) {
        let digits_end = inner.char_indices().skip(1).find(|(_, c)| !c.is_ascii_digit()).map(|(i, _)| i);
        let millis: i64 = inner[..digits_end.unwrap_or(inner.len())].parse().ok()?;
        return DateTime::from_timestamp_millis(millis).map(|at| at.date_naive());
    }
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Some(date);
    }
    parse_date_time(text).map(|(at, _)| at.date())
}

/// An ISO date-time with or without an offset; the local time as written and the UTC instant
/// (a time without an offset is UTC, as Xero reads it).
pub fn parse_date_time(text: &str) -> Option<(NaiveDateTime, DateTime<Utc>)> {
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Some((at.naive_local(), at.to_utc()));
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f%:z", "%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%dT%H:%M%:z"] {
        if let Ok(at) = DateTime::parse_from_str(text, format) {
            return Some((at.naive_local(), at.to_utc()));
        }
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S%.f"] {
        if let Ok(at) = NaiveDateTime::parse_from_str(text, format) {
            return Some((at, at.and_utc()));
        }
    }
    None
}

/// An `If-Modified-Since` header: an HTTP-date or an ISO date-time (what the SDKs send).
pub fn parse_if_modified_since(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(at) = httpdate::parse_http_date(text) {
        return Some(DateTime::<Utc>::from(at));
    }
    if let Some((_, at)) = parse_date_time(text.trim()) {
        return Some(at);
    }
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok().map(|d| d.and_time(NaiveTime::MIN).and_utc())
}

/// A number from the request's JSON text (a number, or a string holding one), exactly.
pub fn parse_decimal(raw: &RawValue) -> Option<Decimal> {
    let text = raw.get().trim();
    let text = match serde_json::from_str::<Value>(text).ok()? {
        Value::Number(_) => text.to_owned(),
        Value::String(s) => s.trim().to_owned(),
        _ => return None,
    };
    if text.contains(['e', 'E']) {
        Decimal::from_scientific(&text).ok()
    } else {
        Decimal::from_str(&text).ok()
    }
}

/// Decimal places that matter (`100.000` has none).
pub fn decimal_places(value: Decimal) -> u32 {
    value.normalize().scale()
}

/// Money written as a JSON number with `places` decimals (`100.00`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Amount(pub Decimal, pub u32);

impl Amount {
    pub fn money(value: Decimal) -> Amount {
        Amount(value, 2)
    }

    fn text(&self) -> String {
        let mut value = self.0.normalize();
        if value.scale() < self.1 {
            value.rescale(self.1);
        }
        value.to_string()
    }
}

impl Serialize for Amount {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // A decimal's text is always a valid JSON number.
        match RawValue::from_string(self.text()) {
            Ok(raw) => raw.serialize(serializer),
            Err(e) => Err(serde::ser::Error::custom(e)),
        }
    }
}

/// `"The total debits (100.00) ..."`: an amount in a message, two decimals.
pub fn money_text(value: Decimal) -> String {
    Amount::money(value).text()
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Message {
    #[serde(rename = "Message")]
    pub message: String,
}

pub fn messages(texts: &[String]) -> Vec<Message> {
    texts.iter().map(|m| Message { message: m.clone() }).collect()
}

/// Xero's JSON answer: `application/json; charset=utf-8` with a correlation id.
pub fn json_response(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json; charset=utf-8"));
    if let Ok(id) = HeaderValue::from_str(&new_guid()) {
        headers.insert("xero-correlation-id", id);
    }
    response
}

pub fn to_json<T: Serialize>(status: StatusCode, body: &T) -> Response {
    match serde_json::to_string(body) {
        Ok(text) => json_response(status, text),
        Err(e) => {
            json_response(StatusCode::INTERNAL_SERVER_ERROR, json!({"Message": e.to_string()}).to_string())
        }
    }
}

/// The success envelope around a list: `{"Id", "Status": "OK", "ProviderName", "DateTimeUTC", <key>: [...]}`.
#[derive(Serialize)]
pub struct Envelope<T: Serialize> {
    #[serde(rename = "Id")]
    pub id: String,
    #[serde(rename = "Status")]
    pub status: &'static str,
    #[serde(rename = "ProviderName")]
    pub provider_name: &'static str,
    #[serde(rename = "DateTimeUTC")]
    pub date_time_utc: String,
    #[serde(rename = "pagination", skip_serializing_if = "Option::is_none")]
    pub pagination: Option<Value>,
    #[serde(flatten)]
    pub body: T,
}

pub fn envelope<T: Serialize>(now: DateTime<Utc>, pagination: Option<Value>, body: T) -> Envelope<T> {
    Envelope {
        id: new_guid(),
        status: "OK",
        provider_name: PROVIDER_NAME,
        date_time_utc: envelope_time(now),
        pagination,
        body,
    }
}

/// Xero's problem JSON (401, 403, 429 and other gateway answers).
pub fn problem(status: StatusCode, detail: &str) -> Response {
    let title = status.canonical_reason().unwrap_or("Error");
    let body = json!({"Type": null, "Title": title, "Status": status.as_u16(), "Detail": detail,
        "Instance": new_guid(), "Extensions": {}});
    json_response(status, body.to_string())
}

/// 401 for an expired access token, with the expiry as Xero prints it.
pub fn token_expired(expired_at: DateTime<Utc>) -> Response {
    let detail = format!("TokenExpired: token expired at {}", expired_at.format("%m/%d/%Y %H:%M:%S"));
    problem(StatusCode::UNAUTHORIZED, &detail)
}

pub fn unauthorized() -> Response {
    problem(StatusCode::UNAUTHORIZED, "AuthenticationUnsuccessful")
}

pub fn forbidden() -> Response {
    problem(StatusCode::FORBIDDEN, "AuthenticationUnsuccessful")
}

/// `400 ValidationException` with the failing elements, each carrying its `ValidationErrors`.
pub fn validation_exception<T: Serialize>(elements: &[T]) -> Response {
    #[derive(Serialize)]
    struct Error<'a, T: Serialize> {
        #[serde(rename = "ErrorNumber")]
        number: u32,
        #[serde(rename = "Type")]
        kind: &'static str,
        #[serde(rename = "Message")]
        message: &'static str,
        #[serde(rename = "Elements")]
        elements: &'a [T],
    }
    let body = Error {
        number: 10,
        kind: "ValidationException",
        message: "A validation exception occurred",
        elements,
    };
    to_json(StatusCode::BAD_REQUEST, &body)
}

/// `400` for a body that is not the JSON the endpoint takes.
pub fn post_data_invalid(detail: &str) -> Response {
    let body = json!({"ErrorNumber": 14, "Type": "PostDataInvalidException",
        "Message": format!("JSON for post data was invalid,{detail}")});
    json_response(StatusCode::BAD_REQUEST, body.to_string())
}

/// A request refused before its handler's work: small to pass around, turned into Xero's answer
/// at the edge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// 401 `AuthenticationUnsuccessful`: no token, or one the sandbox did not issue (or revoked).
    Unauthorized,
    /// 401 `TokenExpired: token expired at ...`.
    TokenExpired(DateTime<Utc>),
    /// 403: tenant header missing or not a tenant the app is connected to.
    Forbidden,
    /// 400 `QueryParseException`.
    QueryParse(String),
    /// 429 with `Retry-After` and `X-Rate-Limit-Problem`.
    RateLimited(super::limits::Refusal),
    /// 400 `{"error": ...}` from the identity endpoints.
    OAuth(&'static str),
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        match self {
            Failure::Unauthorized => unauthorized(),
            Failure::TokenExpired(at) => token_expired(at),
            Failure::Forbidden => forbidden(),
            Failure::QueryParse(message) => query_parse(&message),
            Failure::RateLimited(refusal) => rate_limited(refusal),
            Failure::OAuth(error) => {
                let mut response =
                    (StatusCode::BAD_REQUEST, axum::Json(json!({ "error": error }))).into_response();
                response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
                response
            }
        }
    }
}

/// The 429 for a refused call.
pub fn rate_limited(refusal: super::limits::Refusal) -> Response {
    let mut response = problem(StatusCode::TOO_MANY_REQUESTS, "Rate limit exceeded");
    let headers = response.headers_mut();
    headers.insert(header::RETRY_AFTER, HeaderValue::from(refusal.retry_after_s));
    headers.insert("x-rate-limit-problem", HeaderValue::from_static(refusal.problem.header_value()));
    refusal.remaining.write_headers(headers);
    response
}

/// `400` for a `where` or `order` Xero cannot parse.
pub fn query_parse(message: &str) -> Response {
    let body = json!({"ErrorNumber": 16, "Type": "QueryParseException", "Message": message});
    json_response(StatusCode::BAD_REQUEST, body.to_string())
}

/// `404` with Xero's plain-text body.
pub fn not_found() -> Response {
    let mut response =
        (StatusCode::NOT_FOUND, "The resource you're looking for cannot be found").into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    response
}

/// What Xero answers with a bare `status` (fault rules `{"status": S}`); the caller adds
/// `Retry-After` to a 429 or 503.
pub fn fault(status: StatusCode, now: DateTime<Utc>) -> Response {
    match status.as_u16() {
        400 => validation_exception::<Message>(&[]),
        401 => token_expired(now),
        403 => forbidden(),
        404 => not_found(),
        429 => {
            let mut response = problem(status, "Rate limit exceeded");
            response.headers_mut().insert("x-rate-limit-problem", HeaderValue::from_static("minute"));
            response
        }
        500 => problem(
            status,
            "An error occurred in Xero. Check the API Status page http://status.developer.xero.com for current service status.",
        ),
        _ => problem(status, status.canonical_reason().unwrap_or("Error")),
    }
}

/// `createdDateUtc` of a connection: seven fractional digits and no zone, as Xero writes it.
pub fn connection_time(at: DateTime<Utc>) -> String {
    // chrono has no seven-digit fraction: ticks of 100 ns, as .NET writes them.
    let ticks = at.timestamp_subsec_nanos() / 100;
    format!("{}.{ticks:07}", at.format("%Y-%m-%dT%H:%M:%S"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_both_ways() {
        let date = NaiveDate::from_ymd_opt(2019, 3, 14).expect("valid");
        assert_eq!(ms_date(date), "/Date(1552521600000+0000)/");
        for text in [
            "2019-03-14",
            "/Date(1552521600000)/",
            "/Date(1552521600000+0000)/",
            "2019-03-14T00:00:00",
            "2019-03-14T00:00:00+13:00",
            "2019-03-14T00:00:00.000Z",
        ] {
            assert_eq!(parse_date(text), Some(date), "{text}");
        }
        assert_eq!(parse_date("2019-02-30"), None);
        assert_eq!(parse_date("14/03/2019"), None);
        let since = parse_if_modified_since("Thu, 14 Mar 2019 00:00:00 GMT").expect("http date");
        assert_eq!(since, date.and_time(NaiveTime::MIN).and_utc());
        assert_eq!(parse_if_modified_since("2019-03-14T01:00:00+01:00"), Some(since));
        assert_eq!(parse_if_modified_since("2019-03-14T00:00:00"), Some(since));
        let at = DateTime::parse_from_rfc3339("2019-12-07T18:46:19.51654Z").expect("valid").to_utc();
        assert_eq!(connection_time(at), "2019-12-07T18:46:19.5165400");
    }

    #[test]
    fn money_exactly() {
        let raw = |text: &str| RawValue::from_string(text.to_owned()).expect("json");
        assert_eq!(parse_decimal(&raw("12500.00")), Some(Decimal::new(1_250_000, 2)));
        assert_eq!(parse_decimal(&raw("\"-0.10\"")), Some(Decimal::new(-10, 2)));
        assert_eq!(parse_decimal(&raw("1.5e2")), Some(Decimal::new(150, 0)));
        assert_eq!(parse_decimal(&raw("0.30000000000000004")).map(decimal_places), Some(17));
        assert_eq!(parse_decimal(&raw("true")), None);
        assert_eq!(decimal_places(Decimal::new(100_000, 3)), 0);
        let text = serde_json::to_string(&(Amount::money(Decimal::new(-1, 0)), Amount(Decimal::ONE, 4)))
            .expect("serializes");
        assert_eq!(text, "[-1.00,1.0000]");
    }

    #[test]
    fn guids_are_version_4() {
        let a = new_guid();
        assert_ne!(a, new_guid());
        let parts: Vec<usize> = a.split('-').map(str::len).collect();
        assert_eq!(parts, vec![8, 4, 4, 4, 12]);
        assert_eq!(&a[14..15], "4");
    }
}
