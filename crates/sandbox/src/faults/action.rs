//! A rule's `action`: what happens to a request the rule fired on. Parsed from the plan, checked
//! by `check`, written back by `describe` for `GET /_sandbox/faults`, and carried out by `server`.

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Value, json};

use super::{FaultsError, MAX_DELAY_MS, invalid};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultAction {
    Status {
        status: u16,
        retry_after_s: u32,
    },
    Delay {
        ms: u64,
    },
    Reset,
    DropAfterCommit,
    StatusAfterCommit {
        status: u16,
    },
    ExpireToken,
    Garbled,
    /// No answer for `ms` (real time), then the request is handled, committed whether or not the
    /// client is still connected, and answered if it is.
    CommitAfter {
        ms: u64,
    },
    /// Handled at once, but what the write creates is hidden from reads for `ms` of the sandbox
    /// clock (QuickBooks and Xero).
    VisibleAfter {
        ms: u64,
    },
    /// QuickBooks: handled, then answered with a `SystemFault` (each batch item, or a 500).
    SystemFaultAfterCommit,
    /// Xero lists: answered, then the first record the answer listed is edited by someone else
    /// (its `UpdatedDateUTC` moves to now, nothing else changes) before the next request.
    EditFirstListed,
}

const NAMES: &str = "reset, drop_after_commit, system_fault_after_commit, expire_token, garbled, \
                     edit_first_listed, \
                     {\"status\": N}, {\"status_after_commit\": N}, {\"delay_ms\": N}, \
                     {\"commit_after_ms\": N}, {\"visible_after_ms\": N}";

impl FaultAction {
    /// The action as the plan spells it, for `/_sandbox/faults` and `/_sandbox/state`.
    pub fn describe(&self) -> Value {
        match *self {
            FaultAction::Status { status, retry_after_s } => {
                json!({"status": status, "retry_after_s": retry_after_s})
            }
            FaultAction::Delay { ms } => json!({"delay_ms": ms}),
            FaultAction::Reset => json!("reset"),
            FaultAction::DropAfterCommit => json!("drop_after_commit"),
            FaultAction::StatusAfterCommit { status } => json!({"status_after_commit": status}),
            FaultAction::ExpireToken => json!("expire_token"),
            FaultAction::Garbled => json!("garbled"),
            FaultAction::CommitAfter { ms } => json!({"commit_after_ms": ms}),
            FaultAction::VisibleAfter { ms } => json!({"visible_after_ms": ms}),
            FaultAction::SystemFaultAfterCommit => json!("system_fault_after_commit"),
            FaultAction::EditFirstListed => json!("edit_first_listed"),
        }
    }
}

/// Read lag for what one write creates: put on the request by `server` for a `visible_after_ms`
/// rule, read by the QuickBooks and Xero write handlers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadLag {
    pub ms: u64,
}

impl ReadLag {
    /// When a document created at `created` (sandbox clock) becomes visible to reads.
    pub fn visible_from(&self, created: DateTime<Utc>) -> DateTime<Utc> {
        let lag = TimeDelta::milliseconds(i64::try_from(self.ms).unwrap_or(i64::MAX));
        created.checked_add_signed(lag).unwrap_or(DateTime::<Utc>::MAX_UTC)
    }
}

/// Put on a Xero list request by `server` for an `edit_first_listed` rule: once the page is
/// written, the list handler edits the first record it listed, as another user would.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EditFirstListed;

pub(super) fn parse_action(value: &Value, at: &str) -> Result<FaultAction, FaultsError> {
    let at = format!("{at}.action");
    match value {
        Value::String(name) => match name.as_str() {
            "reset" => Ok(FaultAction::Reset),
            "drop_after_commit" => Ok(FaultAction::DropAfterCommit),
            "system_fault_after_commit" => Ok(FaultAction::SystemFaultAfterCommit),
            "expire_token" => Ok(FaultAction::ExpireToken),
            "garbled" => Ok(FaultAction::Garbled),
            "edit_first_listed" => Ok(FaultAction::EditFirstListed),
            other => Err(invalid(at, format!("unknown action \"{other}\" ({NAMES})"))),
        },
        Value::Object(object) => {
            let keys: Vec<&str> = object.keys().map(String::as_str).collect();
            match keys.as_slice() {
                ["status_after_commit"] => {
                    let status = object
                        .get("status_after_commit")
                        .and_then(Value::as_u64)
                        .filter(|s| (400..=599).contains(s))
                        .and_then(|s| u16::try_from(s).ok())
                        .ok_or_else(|| {
                            invalid(&at, "\"status_after_commit\": expected an HTTP error status, 400 to 599")
                        })?;
                    Ok(FaultAction::StatusAfterCommit { status })
                }
                ["delay_ms"] => {
                    milliseconds(object.get("delay_ms"), "delay_ms", &at).map(|ms| FaultAction::Delay { ms })
                }
                ["commit_after_ms"] => milliseconds(object.get("commit_after_ms"), "commit_after_ms", &at)
                    .map(|ms| FaultAction::CommitAfter { ms }),
                ["visible_after_ms"] => milliseconds(object.get("visible_after_ms"), "visible_after_ms", &at)
                    .map(|ms| FaultAction::VisibleAfter { ms }),
                ["status"] | ["retry_after_s", "status"] | ["status", "retry_after_s"] => {
                    let status =
                        object.get("status").and_then(Value::as_u64).filter(|s| (400..=599).contains(s));
                    let status = status.ok_or_else(|| {
                        invalid(&at, "\"status\": expected an HTTP error status, 400 to 599")
                    })?;
                    let retry_after_s = match object.get("retry_after_s") {
                        None => 1,
                        Some(v) => v.as_u64().and_then(|s| u32::try_from(s).ok()).ok_or_else(|| {
                            invalid(&at, "\"retry_after_s\": expected a non-negative integer")
                        })?,
                    };
                    // Checked by the range filter above.
                    Ok(FaultAction::Status { status: u16::try_from(status).unwrap_or(500), retry_after_s })
                }
                _ => Err(invalid(
                    at,
                    format!("expected one of {NAMES} (\"status\" optionally with \"retry_after_s\")"),
                )),
            }
        }
        _ => Err(invalid(at, "expected a string or an object")),
    }
}

/// A duration in milliseconds, 0 to `MAX_DELAY_MS` (0 is refused by `check`, naming the rule).
fn milliseconds(value: Option<&Value>, name: &str, at: &str) -> Result<u64, FaultsError> {
    match value.and_then(Value::as_u64) {
        Some(ms) if ms <= MAX_DELAY_MS => Ok(ms),
        _ => Err(invalid(at, format!("\"{name}\": expected an integer from 0 to {MAX_DELAY_MS}"))),
    }
}
