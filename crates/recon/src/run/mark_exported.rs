//! `[source] mark_exported = true` (issue 19, item 5): after a night's postings, the GL lines of
//! deposits whose entries every target confirmed are marked exported in Entrata
//! (`financial.markGlTransactionsExported`), once each, so that the operator's Entrata shows what
//! reached the books. Off by default: it writes to Entrata, and a marked line is hidden from every
//! later `excludeExportedTransactions` reader with the same credentials (docs/sources.md 2.9.6).
//!
//! Only the deposits' lines are marked: they are the GL lines the connector reads (`deposits =
//! "gl"`); the GL lines of charges and payments are Entrata's own postings, which it does not read.

use crate::source::client::SourceError;
use crate::source::entrata_api::client::ApiClient;
use crate::source::entrata_api::envelope::Call;
use crate::state::{StateError, StateFile};

/// GL line ids per call.
const BATCH: usize = 100;

#[derive(Debug, thiserror::Error)]
pub enum MarkError {
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error(transparent)]
    State(#[from] StateError),
    #[error("Entrata did not mark GL lines exported: {0}")]
    Refused(String),
}

/// Marks every deposit GL line that reached the books and is not marked yet; returns how many.
/// Each batch Entrata accepts is recorded before the next is sent, so a failure loses nothing.
pub async fn mark_exported(client: &ApiClient, state: &StateFile) -> Result<u64, MarkError> {
    let ids = state.deposits_to_mark_exported().await?;
    let mut marked = 0;
    for batch in ids.chunks(BATCH) {
        let call =
            Call::new("financial", "markGlTransactionsExported", "r1").param("glDetailId", batch.join(","));
        let Some(result) = client.call(&call, None).await? else {
            return Err(MarkError::Refused("no answer to the call (\"No Records Found.\")".to_owned()));
        };
        #[derive(serde::Deserialize)]
        struct Answer {
            #[serde(default)]
            status: Option<String>,
            #[serde(default)]
            message: Option<String>,
        }
        let answer: Answer = serde_json::from_str(result.get())
            .map_err(|e| MarkError::Refused(format!("an answer that does not read: {e}")))?;
        if !answer.status.as_deref().is_some_and(|s| s.trim().eq_ignore_ascii_case("success")) {
            return Err(MarkError::Refused(format!(
                "status {:?}: {}",
                answer.status.unwrap_or_default(),
                answer.message.unwrap_or_default()
            )));
        }
        state.record_marked_exported(batch).await?;
        marked += batch.len() as u64;
    }
    Ok(marked)
}
