//! The RPC envelope of Entrata's own API (docs/sources.md §2.2–§2.4): every call is a `POST` to one
//! URL per service whose body names the method, and every answer, success or failure, is judged
//! from its body as much as from its HTTP status.
//!
//! Answers come in two shapes, `{"response": {"requestId", "code", "result"}}` and the same fields
//! unwrapped; `code` is an int or a string; an error may come with HTTP 200
//! (`{"response": {"error": {"code", "message"}}}`); "no records" is a success whose `result` is
//! `{"success": "No Records Found."}`. The result stays raw (`RawValue`): money in it is read
//! from its text later, never through a float.

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value, json};

/// How the API user authenticates: the body's `auth.type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthType {
    /// `https://apis.entrata.com/ext/orgs/{org}/v1/{service}` with the `X-Api-Key` header.
    ApiKey,
    /// `https://{subdomain}.entrata.com/api/v1/{service}` with HTTP Basic.
    Basic,
}

impl AuthType {
    pub fn as_str(self) -> &'static str {
        match self {
            AuthType::ApiKey => "apikey",
            AuthType::Basic => "basic",
        }
    }
}

/// One method call: `{"auth": {"type"}, "requestId", "method": {"name", "version", "params"}}`.
/// List parameters are comma-separated strings and booleans `"0"`/`"1"`, as Entrata takes them.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// The service the URL names (`artransactions`).
    pub service: &'static str,
    /// The method (`getLeaseArTransactions`).
    pub method: &'static str,
    pub version: &'static str,
    pub params: Map<String, Value>,
}

impl Call {
    pub fn new(service: &'static str, method: &'static str, version: &'static str) -> Call {
        Call { service, method, version, params: Map::new() }
    }

    /// A parameter, as a string (Entrata's booleans, ids and lists all travel as text).
    pub fn param(mut self, name: &str, value: impl Into<String>) -> Call {
        self.params.insert(name.to_owned(), Value::String(value.into()));
        self
    }

    /// The request body.
    pub fn body(&self, auth: AuthType, request_id: &str) -> Value {
        json!({
            "auth": {"type": auth.as_str()},
            "requestId": request_id,
            "method": {"name": self.method, "version": self.version, "params": self.params},
        })
    }
}

/// What an answer came to.
#[derive(Debug)]
pub enum Answer {
    /// The method's `result`, raw.
    Result(Box<RawValue>),
    /// A success with nothing in it ("No Records Found.").
    NoRecords,
}

/// Why an answer is not a result.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// HTTP 429: wait (`Retry-After` seconds when given, else the rate-limit windows say).
    #[error("Entrata throttled the call (HTTP 429)")]
    Throttled { retry_after_s: Option<u64> },
    /// Worth another try: a 5xx, or Entrata's error 310.
    #[error("Entrata could not answer now ({code}): {message}")]
    Transient { code: String, message: String },
    /// The API user may not call this method for this property (error 311, HTTP 401/403): a
    /// person must grant it.
    #[error(
        "Entrata refused access ({code}): {message}; ask your Entrata account manager to enable this web service and property for the API user"
    )]
    Permission { code: String, message: String },
    /// Any other error Entrata states: not retried.
    #[error("Entrata refused the call ({code}): {message}")]
    Refused { code: String, message: String },
    /// Not an envelope Entrata sends.
    #[error("Entrata's answer is not readable: {0}")]
    Malformed(String),
}

/// An answer's fields, unwrapped or inside `response` (which holds them again).
#[derive(Deserialize)]
struct Fields<'a> {
    #[serde(default, borrow)]
    response: Option<&'a RawValue>,
    #[serde(default)]
    code: Option<Value>,
    #[serde(default, borrow)]
    result: Option<&'a RawValue>,
    #[serde(default)]
    error: Option<ErrorBody>,
}

#[derive(Deserialize)]
struct ErrorBody {
    #[serde(default)]
    code: Option<Value>,
    #[serde(default)]
    message: Option<String>,
}

/// `200`, `"200"`: a code as text.
fn code_text(code: &Value) -> String {
    match code {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Judges an answer: the HTTP status first, then an error in the body, then its `code`.
pub fn judge(status: u16, retry_after_s: Option<u64>, body: &[u8]) -> Result<Answer, Refusal> {
    if status == 429 {
        return Err(Refusal::Throttled { retry_after_s });
    }
    let outer: Result<Fields<'_>, _> = serde_json::from_slice(body);
    let inner = match outer {
        Ok(Fields { response: Some(raw), .. }) => serde_json::from_str::<Fields<'_>>(raw.get())
            .map_err(|e| Refusal::Malformed(format!("`response` is not an object: {e}")))?,
        Ok(unwrapped) => unwrapped,
        Err(_) if status >= 500 => {
            return Err(Refusal::Transient { code: format!("HTTP {status}"), message: snippet(body) });
        }
        Err(e) => {
            return Err(Refusal::Malformed(format!("HTTP {status}, not JSON ({e}): {}", snippet(body))));
        }
    };
    if let Some(error) = inner.error {
        let code = error.code.as_ref().map(code_text).unwrap_or_else(|| format!("HTTP {status}"));
        let message = error.message.unwrap_or_default();
        return Err(classify(status, code, message));
    }
    if !(200..300).contains(&status) {
        return Err(classify(status, format!("HTTP {status}"), snippet(body)));
    }
    if let Some(code) = inner.code.as_ref().map(code_text)
        && code != "200"
    {
        return Err(classify(status, code, "a code other than 200 with no error".to_owned()));
    }
    let Some(result) = inner.result else {
        return Err(Refusal::Malformed("a success without a `result`".to_owned()));
    };
    if no_records(result) {
        return Ok(Answer::NoRecords);
    }
    Ok(Answer::Result(result.to_owned()))
}

fn classify(status: u16, code: String, message: String) -> Refusal {
    match (status, code.as_str()) {
        (500.., _) | (_, "310") => Refusal::Transient { code, message },
        (401 | 403, _) | (_, "311") => Refusal::Permission { code, message },
        _ => Refusal::Refused { code, message },
    }
}

/// `{"success": "No Records Found."}` (any case, with or without the full stop).
fn no_records(result: &RawValue) -> bool {
    #[derive(Deserialize)]
    struct Success {
        success: String,
    }
    serde_json::from_str::<Success>(result.get())
        .is_ok_and(|s| s.success.trim().trim_end_matches('.').eq_ignore_ascii_case("no records found"))
}

/// The start of a body that is not an envelope, for an error message (bodies hold no secrets:
/// the API key travels in a header).
fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let flat: String = text.chars().take(200).map(|c| if c.is_control() { ' ' } else { c }).collect();
    flat.trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(answer: Result<Answer, Refusal>) -> String {
        match answer {
            Ok(Answer::Result(raw)) => raw.get().to_owned(),
            other => panic!("not a result: {other:?}"),
        }
    }

    #[test]
    fn a_call_is_one_object_naming_the_method() {
        let call = Call::new("artransactions", "getLeaseArTransactions", "r1")
            .param("propertyId", "1150907")
            .param("showFullLedger", "1");
        let body = call.body(AuthType::ApiKey, "17");
        assert_eq!(body["auth"]["type"], "apikey");
        assert_eq!(body["requestId"], "17");
        assert_eq!(body["method"]["name"], "getLeaseArTransactions");
        assert_eq!(body["method"]["version"], "r1");
        assert_eq!(body["method"]["params"]["showFullLedger"], "1");
        assert_eq!(call.body(AuthType::Basic, "1")["auth"]["type"], "basic");
    }

    #[test]
    fn both_success_shapes_keep_the_result_as_sent() {
        // Wrapped, int code (getLeaseArTransactions); money stays as its text.
        let wrapped = br#"{"response":{"requestId":"15","code":200,"result":{"amount":1295.10}}}"#;
        assert_eq!(result(judge(200, None, wrapped)), r#"{"amount":1295.10}"#);
        // Unwrapped, string code (getLeases r1, getGlTransactions has none).
        let unwrapped = br#"{"requestId":"15","code":"200","result":{"leases":{}}}"#;
        assert_eq!(result(judge(200, None, unwrapped)), r#"{"leases":{}}"#);
        let no_code = br#"{"requestId":"15","result":{"properties":{}}}"#;
        assert_eq!(result(judge(200, None, no_code)), r#"{"properties":{}}"#);
        let empty = br#"{"response":{"requestId":"15","code":200,"result":{"success":"No Records Found."}}}"#;
        assert!(matches!(judge(200, None, empty), Ok(Answer::NoRecords)));
    }

    #[test]
    fn an_error_is_an_error_whatever_the_status() {
        let denied = br#"{"response":{"error":{"code":311,"message":"App doesn't have permission to the property."}}}"#;
        let refusal = judge(200, None, denied).unwrap_err();
        assert!(matches!(&refusal, Refusal::Permission { code, .. } if code == "311"), "{refusal:?}");
        assert!(refusal.to_string().contains("enable this web service and property"));
        let busy = br#"{"response":{"error":{"code":310,"message":"Busy"}}}"#;
        assert!(matches!(judge(200, None, busy), Err(Refusal::Transient { .. })));
        let bad = br#"{"response":{"error":{"code":"400","message":"Invalid propertyId"}}}"#;
        assert!(matches!(judge(400, None, bad), Err(Refusal::Refused { code, .. }) if code == "400"));
        let odd_code = br#"{"response":{"requestId":"1","code":301,"result":{}}}"#;
        assert!(matches!(judge(200, None, odd_code), Err(Refusal::Refused { code, .. }) if code == "301"));
        assert_eq!(judge(429, Some(7), b"").unwrap_err(), Refusal::Throttled { retry_after_s: Some(7) });
        assert!(matches!(judge(502, None, b"<html>Bad gateway</html>"), Err(Refusal::Transient { .. })));
        assert!(matches!(judge(200, None, b"<html>maintenance</html>"), Err(Refusal::Malformed(_))));
        assert!(matches!(judge(200, None, br#"{"response":{"code":200}}"#), Err(Refusal::Malformed(_))));
    }
}
