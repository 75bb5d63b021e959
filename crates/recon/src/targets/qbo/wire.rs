//! QuickBooks Online's JSON, as Intuit sends and expects it (reference/qbo-xero-apis.md part A and
//! Intuit's XSDs): `JournalEntry`, the batch envelopes, `QueryResponse` and `Fault`. Money goes out
//! as a JSON number written from the exact decimal text (never through `f64`) and comes back read
//! from the number's text.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct JournalEntry {
    pub doc_number: String,
    pub txn_date: String,
    pub private_note: String,
    pub line: Vec<Line>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Line {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// A JSON number, written from the amount's two-decimal text.
    pub amount: Box<RawValue>,
    pub detail_type: &'static str,
    pub journal_entry_line_detail: LineDetail,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LineDetail {
    pub posting_type: &'static str,
    pub account_ref: Ref,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entity: Option<Entity>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub class_ref: Option<Ref>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub department_ref: Option<Ref>,
}

#[derive(Debug, Serialize)]
pub struct Ref {
    pub value: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Entity {
    #[serde(rename = "Type")]
    pub kind: &'static str,
    pub entity_ref: Ref,
}

#[derive(Debug, Serialize)]
pub struct BatchRequest {
    #[serde(rename = "BatchItemRequest")]
    pub items: Vec<BatchItem>,
}

#[derive(Debug, Serialize)]
pub struct BatchItem {
    #[serde(rename = "bId")]
    pub b_id: String,
    pub operation: &'static str,
    #[serde(rename = "JournalEntry")]
    pub journal_entry: JournalEntry,
}

#[derive(Debug, Deserialize)]
pub struct BatchResponse {
    #[serde(rename = "BatchItemResponse", default)]
    pub items: Vec<BatchItemResponse>,
    /// The company's clock when it answered.
    #[serde(default)]
    pub time: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct BatchItemResponse {
    #[serde(rename = "bId")]
    pub b_id: String,
    #[serde(rename = "JournalEntry")]
    pub journal_entry: Option<SavedEntry>,
    #[serde(rename = "Fault")]
    pub fault: Option<Fault>,
}

/// What we read of a stored JournalEntry: enough to recognise ours, and its lines' money (to
/// compare with an entry before adopting it).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SavedEntry {
    pub id: String,
    pub doc_number: Option<String>,
    pub private_note: Option<String>,
    pub txn_date: Option<String>,
    #[serde(default)]
    pub line: Vec<SavedLine>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SavedLine {
    /// The JSON number's text.
    pub amount: Option<Box<RawValue>>,
    pub journal_entry_line_detail: Option<SavedDetail>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SavedDetail {
    /// `Debit` or `Credit`.
    pub posting_type: String,
    pub account_ref: SavedRef,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SavedRef {
    pub value: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Fault {
    #[serde(rename = "Error", default)]
    pub errors: Vec<FaultError>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct FaultError {
    #[serde(rename = "Message")]
    pub message: Option<String>,
    #[serde(rename = "Detail")]
    pub detail: Option<String>,
    pub code: Option<String>,
}

impl Fault {
    /// `6210 Account Period Closed: ...; 610 Object Not Found: ...`
    pub fn describe(&self) -> String {
        let parts: Vec<String> = self
            .errors
            .iter()
            .map(|e| {
                let code = e.code.as_deref().unwrap_or("?");
                let message = e.message.as_deref().unwrap_or("");
                match e.detail.as_deref().filter(|d| !d.is_empty() && *d != message) {
                    Some(detail) => format!("{code} {message}: {detail}"),
                    None => format!("{code} {message}"),
                }
            })
            .collect();
        if parts.is_empty() { self.kind.clone().unwrap_or_else(|| "fault".into()) } else { parts.join("; ") }
    }

    /// Whether this is a validation fault that says what is wrong: the one answer that proves the
    /// document it answers for was not created. A `SystemFault` (code 10000 and kin), an
    /// authentication fault or a fault without errors proves nothing.
    pub fn is_validation(&self) -> bool {
        self.kind.as_deref().is_some_and(|k| k.eq_ignore_ascii_case("ValidationFault"))
            && !self.errors.is_empty()
    }

    pub fn has_code(&self, code: &str) -> bool {
        self.errors.iter().any(|e| e.code.as_deref() == Some(code))
    }
}

/// `{"Fault": ..., "time": ...}`: the body of an error response.
#[derive(Debug, Deserialize)]
pub struct FaultBody {
    #[serde(rename = "Fault")]
    pub fault: Fault,
}

/// The lower-case 401 body: `{"fault": {"error": [{"message", "detail", "code"}]}}`.
#[derive(Debug, Deserialize)]
pub struct AuthFaultBody {
    pub fault: AuthFault,
}

#[derive(Debug, Deserialize)]
pub struct AuthFault {
    #[serde(default)]
    pub error: Vec<AuthFaultError>,
}

#[derive(Debug, Deserialize)]
pub struct AuthFaultError {
    pub message: Option<String>,
    pub code: Option<String>,
}

/// An amount's two-decimal text as a JSON number; refused (never replaced) if it is not one.
pub fn number(text: &str) -> Result<Box<RawValue>, String> {
    let valid = text.strip_prefix('-').unwrap_or(text).split_once('.').is_some_and(|(int, frac)| {
        !int.is_empty() && frac.len() == 2 && int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
    });
    if !valid {
        return Err(format!("`{text}` is not a two-decimal amount"));
    }
    RawValue::from_string(text.to_owned()).map_err(|e| e.to_string())
}
