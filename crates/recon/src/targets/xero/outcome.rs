//! What a write's answer says of each entry sent. With `summarizeErrors=false` Xero answers `200`
//! with every element in order, each with its `StatusAttributeString` (OK, WARNING, ERROR), its
//! id when saved and its `ValidationErrors`. Each element is checked against the entry's key
//! marker before its answer is taken, so an answer out of order is never misread.
//!
//! Had Xero ignored the flag, a `400 ValidationException` would list only the failing elements
//! while the others were saved (reference B.2): those are refused, and every entry the answer
//! does not mention is `Unknown`, so the engine looks it up and finds its id; no id is lost.
//!
//! Only a validation error for the very element proves that document was not created. Every
//! other answer (a 400 that is not a `ValidationException` listing the element, 408, 409, any
//! other 4xx, an element marked ERROR with no validation error) is `Unknown`: a proxy's 4xx or a
//! timeout can come after Xero saved the request.

use serde::de::DeserializeOwned;

use super::build::{bank_transaction_matches, journal_matches};
use super::client::WriteResult;
use super::wire::{self, ErrorBody, Message, SavedBankTransaction, SavedJournal, saved_id};
use crate::posting::SendOutcome;

/// An element of a write's answer.
pub trait Element: DeserializeOwned {
    /// The elements of a `200` answer.
    fn from_answer(body: &[u8]) -> Result<Vec<Self>, serde_json::Error>;
    fn is(&self, key: &str, doc_number: &str) -> bool;
    fn id(&self) -> Option<&str>;
    fn status_attribute(&self) -> Option<&str>;
    fn errors(&self) -> &[Message];
    fn warnings(&self) -> &[Message];
}

impl Element for SavedJournal {
    fn from_answer(body: &[u8]) -> Result<Vec<Self>, serde_json::Error> {
        serde_json::from_slice::<wire::JournalsAnswer>(body).map(|a| a.manual_journals)
    }
    fn is(&self, key: &str, doc_number: &str) -> bool {
        journal_matches(self, key, doc_number)
    }
    fn id(&self) -> Option<&str> {
        saved_id(self.id.as_deref())
    }
    fn status_attribute(&self) -> Option<&str> {
        self.status_attribute_string.as_deref()
    }
    fn errors(&self) -> &[Message] {
        &self.validation_errors
    }
    fn warnings(&self) -> &[Message] {
        &self.warnings
    }
}

impl Element for SavedBankTransaction {
    fn from_answer(body: &[u8]) -> Result<Vec<Self>, serde_json::Error> {
        serde_json::from_slice::<wire::BankTransactionsAnswer>(body).map(|a| a.bank_transactions)
    }
    fn is(&self, key: &str, doc_number: &str) -> bool {
        bank_transaction_matches(self, key, doc_number)
    }
    fn id(&self) -> Option<&str> {
        saved_id(self.id.as_deref())
    }
    fn status_attribute(&self) -> Option<&str> {
        self.status_attribute_string.as_deref()
    }
    fn errors(&self) -> &[Message] {
        &self.validation_errors
    }
    fn warnings(&self) -> &[Message] {
        &self.warnings
    }
}

/// An entry sent: its key and document number.
pub struct Sent<'a> {
    pub key: &'a str,
    pub doc_number: &'a str,
}

/// One outcome per entry of `sent`, in order.
pub fn outcomes<T: Element>(result: WriteResult, sent: &[Sent<'_>]) -> Vec<SendOutcome> {
    let unknown = |reason: &str| vec![SendOutcome::Unknown { reason: reason.to_owned() }; sent.len()];
    match result {
        WriteResult::Unknown(reason) => unknown(&reason),
        WriteResult::Answered(body) => match T::from_answer(&body) {
            Ok(elements) => sent.iter().enumerate().map(|(i, s)| answered(&elements, i, s)).collect(),
            Err(e) => unknown(&format!("Xero's answer is not its JSON ({e})")),
        },
        WriteResult::Refused { status, body } => {
            let listed = serde_json::from_slice::<ErrorBody<T>>(&body)
                .ok()
                .filter(|e| e.kind.as_deref() == Some("ValidationException") && !e.elements.is_empty());
            match listed {
                Some(error) => sent
                    .iter()
                    .map(|s| match error.elements.iter().find(|e| e.is(s.key, s.doc_number)) {
                        Some(element) => refused(element),
                        None => SendOutcome::Unknown {
                            reason:
                                "Xero refused other entries of the request without saying what became of \
                                     this one"
                                    .into(),
                        },
                    })
                    .collect(),
                None => unknown(&format!(
                    "Xero answered the request with {}, which does not say what became of each entry",
                    wire::error_text(status, &body)
                )),
            }
        }
    }
}

/// The answer for `sent`, the `index`-th element sent: the element at that place if it is this
/// entry's, or else the one that is.
fn answered<T: Element>(elements: &[T], index: usize, sent: &Sent<'_>) -> SendOutcome {
    let element = elements
        .get(index)
        .filter(|e| e.is(sent.key, sent.doc_number))
        .or_else(|| elements.iter().find(|e| e.is(sent.key, sent.doc_number)));
    let Some(element) = element else {
        return SendOutcome::Unknown { reason: "Xero's answer does not mention this entry".into() };
    };
    let failed = !element.errors().is_empty()
        || element.status_attribute().is_some_and(|s| s.eq_ignore_ascii_case("ERROR"));
    if failed {
        return refused(element);
    }
    match element.id() {
        Some(id) => {
            for warning in element.warnings() {
                tracing::warn!(key = sent.key, id, warning = %warning.message, "Xero saved the entry with a warning");
            }
            SendOutcome::Confirmed { target_id: id.to_owned() }
        }
        None => SendOutcome::Unknown { reason: "Xero answered OK without an id".into() },
    }
}

/// A refusal when the element carries readable validation errors; otherwise nothing is proven.
fn refused<T: Element>(element: &T) -> SendOutcome {
    let messages: Vec<&str> =
        element.errors().iter().map(|m| m.message.trim()).filter(|m| !m.is_empty()).collect();
    if messages.is_empty() {
        return SendOutcome::Unknown {
            reason: "Xero marked the entry as an error without a validation message".to_owned(),
        };
    }
    let closed_period = messages.iter().any(|m| m.to_ascii_lowercase().contains("lock date"));
    SendOutcome::Refused { message: messages.join("; "), closed_period }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY_A: &str = "p1/charges/2026-02-01/1";
    const KEY_B: &str = "p1/charges/2026-02-02/1";

    fn journal(key: &str, doc: &str, id: &str, status: &str, errors: &[&str]) -> String {
        let errors: Vec<String> = errors.iter().map(|e| format!(r#"{{"Message":"{e}"}}"#)).collect();
        format!(
            r#"{{"ManualJournalID":"{id}","Narration":"{doc}: x [entrata-recon {key}]","StatusAttributeString":"{status}",
               "JournalLines":[{{"LineAmount":10.00}}],"ValidationErrors":[{}]}}"#,
            errors.join(",")
        )
    }

    fn sent() -> Vec<Sent<'static>> {
        vec![Sent { key: KEY_A, doc_number: "DOC-A" }, Sent { key: KEY_B, doc_number: "DOC-B" }]
    }

    #[test]
    fn every_element_answers_for_its_own_entry() {
        // Out of order: each entry still gets its own element's answer.
        let body = format!(
            r#"{{"Id":"x","Status":"OK","ManualJournals":[{},{}]}}"#,
            journal(
                KEY_B,
                "DOC-B",
                wire::EMPTY_GUID,
                "ERROR",
                &[
                    "The document date cannot be before the period lock date, currently set at 31-Jan-2026",
                    "Account code '4095' has been archived, or deleted."
                ]
            ),
            journal(KEY_A, "DOC-A", "4e4c2b50-0000-4000-8000-000000000001", "OK", &[]),
        );
        let got = outcomes::<SavedJournal>(WriteResult::Answered(body.into_bytes()), &sent());
        assert_eq!(
            got[0],
            SendOutcome::Confirmed { target_id: "4e4c2b50-0000-4000-8000-000000000001".into() }
        );
        assert_eq!(
            got[1],
            SendOutcome::Refused {
                message:
                    "The document date cannot be before the period lock date, currently set at 31-Jan-2026; \
                          Account code '4095' has been archived, or deleted."
                        .into(),
                closed_period: true
            }
        );
    }

    #[test]
    fn a_summarized_refusal_never_loses_the_saved_ones() {
        let body = format!(
            r#"{{"ErrorNumber":10,"Type":"ValidationException","Message":"A validation exception occurred","Elements":[{}]}}"#,
            journal(KEY_B, "DOC-B", wire::EMPTY_GUID, "ERROR", &["Narration is required"])
        );
        let got =
            outcomes::<SavedJournal>(WriteResult::Refused { status: 400, body: body.into_bytes() }, &sent());
        assert!(
            matches!(&got[0], SendOutcome::Unknown { .. }),
            "saved but its id is not in the answer: looked up"
        );
        assert_eq!(
            got[1],
            SendOutcome::Refused { message: "Narration is required".into(), closed_period: false }
        );

        let unreadable = br#"{"ErrorNumber":14,"Type":"PostDataInvalidException","Message":"JSON for post data was invalid"}"#;
        let got = outcomes::<SavedJournal>(
            WriteResult::Refused { status: 400, body: unreadable.to_vec() },
            &sent(),
        );
        assert!(
            got.iter().all(|o| matches!(o, SendOutcome::Unknown { reason } if reason.contains("PostDataInvalidException"))),
            "a 400 that lists no element proves nothing of any entry: {got:?}"
        );
        for status in [400, 408, 409, 404] {
            let got = outcomes::<SavedJournal>(
                WriteResult::Refused { status, body: b"<html>gateway</html>".to_vec() },
                &sent(),
            );
            assert!(got.iter().all(|o| matches!(o, SendOutcome::Unknown { .. })), "{status}: {got:?}");
        }
        let silent = format!(
            r#"{{"Id":"x","Status":"OK","ManualJournals":[{}]}}"#,
            journal(KEY_A, "DOC-A", wire::EMPTY_GUID, "ERROR", &[])
        );
        let got = outcomes::<SavedJournal>(WriteResult::Answered(silent.into_bytes()), &sent()[..1]);
        assert!(matches!(&got[0], SendOutcome::Unknown { .. }), "an ERROR with no message: {got:?}");

        let lost = outcomes::<SavedJournal>(WriteResult::Answered(b"<html>".to_vec()), &sent());
        assert!(lost.iter().all(|o| matches!(o, SendOutcome::Unknown { .. })));
    }
}
