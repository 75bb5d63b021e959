//! `status`'s part about the accounting targets: the company each is connected to, when its
//! access token expires (and whether it can be refreshed), and how many recorded entries each
//! holds, may hold, refused or has not been sent yet. Never a token.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::posting::PostingState;
use crate::state::{StateError, StateFile};
use crate::targets::TargetKind;

#[derive(Debug, Clone)]
pub struct TargetStatus {
    pub target: TargetKind,
    /// `None`: not connected.
    pub company_id: Option<String>,
    pub company_name: Option<String>,
    pub access_expires_at: Option<DateTime<Utc>>,
    /// A refresh token is kept (a Xero custom connection has none and fetches a new token instead).
    pub refreshable: bool,
    pub confirmed: u64,
    pub pending: u64,
    pub uncertain: u64,
    pub failed: u64,
    /// Recorded entries with no posting to this target yet.
    pub unsent: u64,
}

impl TargetStatus {
    /// Postings whose outcome is open or refused: someone (or the next run) must see to them.
    pub fn needs_person(&self) -> bool {
        self.uncertain > 0 || self.failed > 0
    }
}

pub async fn gather(state: &StateFile) -> Result<Vec<TargetStatus>, StateError> {
    let counts = state.posting_counts().await?;
    let recorded = state.recorded_count().await?;
    let mut out = Vec::new();
    for target in [TargetKind::Qbo, TargetKind::Xero] {
        let connection = state.connection(target).await?;
        let count = |s: PostingState| counts.get(&(target, s)).copied().unwrap_or(0);
        let posted_somehow: u64 = PostingState::ALL.iter().map(|s| count(*s)).sum();
        if connection.is_none() && posted_somehow == 0 {
            continue;
        }
        out.push(TargetStatus {
            target,
            company_id: connection.as_ref().map(|c| c.company_id.clone()),
            company_name: connection.as_ref().and_then(|c| c.company_name.clone()),
            access_expires_at: connection.as_ref().map(|c| c.access_expires_at),
            refreshable: connection.as_ref().is_some_and(|c| c.refresh_token.is_some()),
            confirmed: count(PostingState::Confirmed),
            pending: count(PostingState::Pending),
            uncertain: count(PostingState::Uncertain),
            failed: count(PostingState::Failed),
            unsent: recorded.saturating_sub(posted_somehow),
        });
    }
    Ok(out)
}

fn name(target: TargetKind) -> &'static str {
    crate::report::post::target_name(target)
}

pub fn to_text(targets: &[TargetStatus], now: DateTime<Utc>) -> String {
    let mut out = String::new();
    if targets.is_empty() {
        let _ = writeln!(out, "\nTargets: none connected (`entrata-recon connect qbo|xero`).");
        return out;
    }
    let _ = writeln!(out, "\nTargets:");
    for t in targets {
        let company = match (&t.company_id, &t.company_name) {
            (None, _) => "NOT CONNECTED (`entrata-recon connect` it)".to_owned(),
            (Some(id), Some(name)) => format!("{name} ({id})"),
            (Some(id), None) => id.clone(),
        };
        let token = match t.access_expires_at {
            None => String::new(),
            Some(at) if at <= now && !t.refreshable => "; access token expired (a new one is fetched)".into(),
            Some(at) if at <= now => "; access token expired (refreshed on next use)".into(),
            Some(at) => format!("; access token until {}", at.format("%Y-%m-%d %H:%M UTC")),
        };
        let _ = writeln!(out, "  {:<18} {company}{token}", name(t.target));
        let _ = writeln!(
            out,
            "  {:<18} {} posted, {} pending, {} uncertain, {} refused, {} not sent yet",
            "", t.confirmed, t.pending, t.uncertain, t.failed, t.unsent
        );
    }
    out
}

pub fn to_json(targets: &[TargetStatus]) -> Value {
    Value::Array(
        targets
            .iter()
            .map(|t| {
                json!({
                    "target": t.target.as_str(),
                    "connected": t.company_id.is_some(),
                    "companyId": t.company_id,
                    "companyName": t.company_name,
                    "accessTokenExpiresAt": t.access_expires_at.map(|at| at.to_rfc3339()),
                    "refreshable": t.refreshable,
                    "postings": {
                        "confirmed": t.confirmed, "pending": t.pending, "uncertain": t.uncertain,
                        "failed": t.failed, "notSent": t.unsent,
                    },
                })
            })
            .collect(),
    )
}
