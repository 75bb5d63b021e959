//! Before a post sends anything: is this state file the one that posted last to this company?
//! (`state::history`; issue 15, a lost *or replaced* state file.)
//!
//! The company is asked what of ours changed since it was last asked. A document of a property this
//! state file records that it never sent there means another copy of the state file posted since
//! (a backup restored over the one that posted, a copy on another machine): the post then goes the
//! way of a first post, where the whole company is read, history this file cannot know stops the
//! post, and everything about to be sent is looked up first. Nothing is sent twice.

use chrono::{DateTime, TimeDelta, Utc};

use super::PostError;
use super::target::{HeldHistory, Target, TargetError};
use crate::state::StateFile;

/// How far before the company's time of a read the next read of changes starts: a document saved
/// while the read was answered carries a time just before it.
pub(super) const MARGIN: TimeDelta = TimeDelta::minutes(5);

/// Documents a check names in its log line.
const NAMED_MAX: usize = 3;

/// What the company was found to hold since the last check.
pub(super) struct Checked {
    /// Documents of ours this state file never sent to this company (`key (doc number)`).
    pub strangers: Vec<String>,
    /// The company's time when the read began.
    pub at: Option<DateTime<Utc>>,
}

/// Reads what of ours the company changed since the last check and names what this state file
/// never sent there. `Err` inside: the company could not be read (nothing may be sent).
pub(super) async fn check<T: Target>(
    state: &StateFile,
    target: &mut T,
) -> Result<Result<Checked, TargetError>, PostError> {
    let (kind, company) = (target.kind(), target.company_id().to_owned());
    let since = state.history_known_until(kind, &company).await?;
    let held = match target.documents_of_ours(since).await {
        Ok(Some(held)) => held,
        Ok(None) => return Ok(Ok(Checked { strangers: Vec::new(), at: None })),
        Err(e) => return Ok(Err(e)),
    };
    let strangers = strangers(state, kind, &company, &held).await?;
    if !strangers.is_empty() {
        let shown: Vec<&str> = strangers.iter().take(NAMED_MAX).map(String::as_str).collect();
        tracing::warn!(
            target = %kind,
            documents = strangers.len(),
            examples = %shown.join(", "),
            "the company holds documents of ours this state file never sent there: it is not the state file that posted last (restored from a backup, or a copy); everything is looked up before anything is sent"
        );
    }
    Ok(Ok(Checked { strangers, at: Some(held.at) }))
}

/// The documents in `held` of a property this state file records that it never sent to `company`.
async fn strangers(
    state: &StateFile,
    kind: crate::targets::TargetKind,
    company: &str,
    held: &HeldHistory,
) -> Result<Vec<String>, PostError> {
    let sent = state.sent_numbers(kind, company).await?;
    let (_, properties) = state.recorded_numbers().await?;
    Ok(held
        .documents
        .iter()
        .filter(|d| d.key.split('/').next().is_some_and(|p| properties.contains(p)))
        .filter(|d| sent.get(&d.key) != Some(&d.doc_number))
        .map(|d| format!("{} ({})", d.doc_number, d.key))
        .collect())
}

/// Marks the company's history known up to `at` (less the margin).
pub(super) async fn known_until(
    state: &StateFile,
    kind: crate::targets::TargetKind,
    company: &str,
    at: Option<DateTime<Utc>>,
) -> Result<(), PostError> {
    if let Some(at) = at {
        state.set_history_known_until(kind, company, at - MARGIN).await?;
    }
    Ok(())
}
