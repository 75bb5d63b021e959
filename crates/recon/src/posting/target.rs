//! What the posting engine needs from an accounting target, and nothing vendor-shaped: the
//! QuickBooks and Xero adapters (`crate::targets`) implement `Target`.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

use crate::domain::AccountName;
use crate::journal::{BalancedEntry, JournalKind, Side};
use crate::targets::TargetKind;

/// An entry on its way to a target, with the idempotency token recorded for this attempt.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub entry: BalancedEntry,
    /// Recorded in the outbox before the request leaves; the same for a resend of the same
    /// attempt, a new one after a refusal (vendors cache refusals under a key too).
    pub token: String,
    /// When the target refused the entry's date (a closed period), the date it is sent with
    /// instead; the original date goes into the memo.
    pub redate: Option<NaiveDate>,
}

/// What became of one entry of a write call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendOutcome {
    /// The target holds it under this id.
    Confirmed { target_id: String },
    /// The target refused it and said why; nothing was created.
    Refused { message: String, closed_period: bool },
    /// The request left and its outcome for this entry is not known.
    Unknown { reason: String },
}

/// Where to look for an entry whose outcome is not known.
#[derive(Debug, Clone)]
pub struct LookupRequest {
    pub key: String,
    pub doc_number: String,
    pub date: NaiveDate,
    /// What the entry is (never parsed back out of `key`, whose anchor may hold any character).
    pub kind: JournalKind,
    /// The document class the target sends it as (`Target::batch_class`): a target with one list
    /// per class reads only the list that can hold it.
    pub class: u8,
    /// The entry's first attempt: anything the target changed before it cannot be the entry.
    pub since: Option<DateTime<Utc>>,
}

/// An entry found in a target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub target_id: String,
    /// The date the target holds it on, when the lookup can tell (a re-dated entry's differs).
    pub date: Option<NaiveDate>,
    /// Its lines in the target's own account references, when the lookup read them
    /// (`Target::held_form` gives an entry's in the same terms).
    pub lines: Option<Vec<FoundLine>>,
}

/// What a company held of ours when asked (`Target::documents_of_ours`).
#[derive(Debug, Clone)]
pub struct HeldHistory {
    pub documents: Vec<HeldDocument>,
    /// The company's time when the read began.
    pub at: chrono::DateTime<chrono::Utc>,
}

/// A document of the connector's that a company holds (`Target::documents_of_ours`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldDocument {
    pub key: String,
    pub doc_number: String,
    pub lines: Vec<FoundLine>,
}

/// One line of a document found in a target: the target's account reference (a QuickBooks
/// account id, a Xero account code), side and amount.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundLine {
    pub account: String,
    pub side: Side,
    pub amount: Decimal,
}

/// Net (debit positive) per account reference, zeros dropped: two documents that book the same
/// money to the same accounts compare equal whatever their line order or splitting.
pub fn net_by_account(lines: &[FoundLine]) -> BTreeMap<String, Decimal> {
    let mut net: BTreeMap<String, Decimal> = BTreeMap::new();
    for line in lines {
        let signed = match line.side {
            Side::Debit => line.amount,
            Side::Credit => -line.amount,
        };
        *net.entry(line.account.clone()).or_default() += signed;
    }
    net.retain(|_, v| !v.is_zero());
    net
}

/// `4000 -1295.00 → -1200.00` for each account whose net differs between `before` and `after`, in
/// account order (the drift report's moves and adoption's "planned → held" alike).
pub fn net_moves(before: &BTreeMap<String, Decimal>, after: &BTreeMap<String, Decimal>) -> Vec<String> {
    let accounts: std::collections::BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    accounts
        .into_iter()
        .filter_map(|account| {
            let (b, a) = (
                before.get(account).copied().unwrap_or_default(),
                after.get(account).copied().unwrap_or_default(),
            );
            (a != b).then(|| {
                format!("{account} {} → {}", crate::domain::format_amount(b), crate::domain::format_amount(a))
            })
        })
        .collect()
}

/// Why an entry is not sent to a target at all (it stays recorded; reported as held).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hold {
    /// An exception kind: `currency_mismatch`, `unknown_account`.
    pub kind: &'static str,
    pub message: String,
}

/// A failure of the whole exchange with the target (not of one entry): the run stops for this
/// target, with what was done kept.
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    /// The connection is gone or was never made: `connect` must be run again. Exit 2.
    #[error("{0}")]
    Auth(String),
    /// The target's daily allowance is spent; nothing is lost, the next run resumes. Exit 1.
    #[error("{message}")]
    Allowance { message: String, resume_at: Option<DateTime<Utc>> },
    /// The target could not be reached, or kept failing, before anything was sent.
    #[error("{0}")]
    Unavailable(String),
    /// The target answered something that is not its API's shape.
    #[error("{0}")]
    Protocol(String),
    /// The mapping or the target's configuration does not let entries be built (a missing account).
    #[error("{0}")]
    Setup(String),
    /// Ctrl-C: no further request is sent this run. Exit 130.
    #[error("interrupted (Ctrl-C): nothing more is sent this run")]
    Interrupted,
}

/// An accounting target, as the posting engine sees it.
#[allow(async_fn_in_trait)]
pub trait Target {
    fn kind(&self) -> TargetKind;

    /// The company every call goes to (QuickBooks realm id, Xero tenant id): each posting records
    /// it, and only this company's postings are looked up or sent again here.
    fn company_id(&self) -> &str;

    /// Most entries one write call carries.
    fn batch_size(&self) -> usize;

    /// Entries of different classes never share a batch (a target with one endpoint per kind of
    /// document takes a batch of one class in one call). One class unless the target says more.
    fn batch_class(&self, _entry: &BalancedEntry) -> u8 {
        0
    }

    /// Why `entry` cannot be sent to this target as it is, if it cannot.
    fn hold_reason(&self, entry: &BalancedEntry) -> Option<Hold>;

    /// The first date the target accepts entries on (the day after its books' close or lock
    /// date), read afresh: an entry refused for a closed period is sent again dated on it.
    async fn first_open_date(&mut self) -> Result<Option<NaiveDate>, TargetError> {
        Ok(None)
    }

    /// Sends a batch; one outcome per entry, in order. `Err` only when nothing can be said of any
    /// of them beyond "not sent" (the engine then looks them up on the next run).
    async fn send(&mut self, batch: &[Outgoing]) -> Result<Vec<SendOutcome>, TargetError>;

    /// Looks entries up by document number and the key in their memo; one answer per request.
    async fn lookup(&mut self, requests: &[LookupRequest]) -> Result<Vec<Option<Found>>, TargetError>;

    /// Most lookups one `lookup` call should carry (a target that lists everything changed in one
    /// go answers any number at the same cost).
    fn lookups_per_call(&self) -> usize {
        50
    }

    /// Whether the company holds any document of the kinds the connector makes: asked before the
    /// first post from a state file, when the company may hold entries a lost or replaced state
    /// file made (they are then looked up and adopted, never sent again). `true` when unsure.
    async fn holds_documents(&mut self) -> Result<bool, TargetError> {
        Ok(true)
    }

    /// The live documents of the connector's that the company holds (key from its memo marker,
    /// document number, lines): all of them with `since` `None`, read on the first post from a
    /// state file to a company that holds documents, to tell whether the company holds history
    /// this state file cannot know (adjustments, late entries, moved documents); otherwise those
    /// changed since then (the company's clock), read before a post sends anything, to tell
    /// whether another copy of the state file posted since (`state::history`). With the company's
    /// time when the read began. `None`: this target cannot tell.
    async fn documents_of_ours(
        &mut self,
        _since: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Result<Option<HeldHistory>, TargetError> {
        Ok(None)
    }

    /// The company's clock in the latest answer to a write this run (QuickBooks' `time`, Xero's
    /// `DateTimeUTC`): after a post, what the company changed before it (less a margin) is this
    /// state file's, so the next history check reads only what changed since. `None`: not known.
    fn last_answer_time(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        None
    }

    /// `entry`'s lines as this target would hold them, in the terms of `Found::lines`; `None`
    /// when it cannot say (the entry would be held here). Compared with what a lookup found
    /// before an entry this state file never sent is adopted.
    fn held_form(&self, _entry: &BalancedEntry) -> Option<Vec<FoundLine>> {
        None
    }

    /// The mapping's accounts, for `entry`'s property, that this target's account reference
    /// stands for (more than one when the mapping sends several to one account).
    fn accounts_for(&self, _entry: &BalancedEntry, _reference: &str) -> Vec<AccountName> {
        Vec::new()
    }
}
