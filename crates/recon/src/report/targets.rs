//! `status`'s part about the accounting targets: the company each is connected to, when its
//! access token expires (and whether it can be refreshed), and, per company, how many recorded
//! entries it holds, may hold, refused or has not been sent yet; the postings of a company no
//! longer connected are listed apart. Never a token.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::domain::{BookName, PropertyId};
use crate::mapping::MappingSet;
use crate::posting::PostingState;
use crate::state::{StateError, StateFile};
use crate::targets::TargetKind;

/// One company's postings of a target.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CompanyCounts {
    /// QBO realm id, Xero tenant id; '' when not known (postings older than the company column,
    /// with no company to take).
    pub company_id: String,
    pub confirmed: u64,
    pub pending: u64,
    pub uncertain: u64,
    pub failed: u64,
}

impl CompanyCounts {
    fn total(&self) -> u64 {
        self.confirmed + self.pending + self.uncertain + self.failed
    }
}

#[derive(Debug, Clone)]
pub struct TargetStatus {
    pub target: TargetKind,
    /// The book whose connection this is (`default` without `[books]`).
    pub book: BookName,
    /// `None`: not connected.
    pub company_id: Option<String>,
    pub company_name: Option<String>,
    pub access_expires_at: Option<DateTime<Utc>>,
    /// A refresh token is kept (a Xero custom connection has none and fetches a new token instead).
    pub refreshable: bool,
    /// The connected company's postings (the latest company's when none is connected).
    pub current: CompanyCounts,
    /// Recorded entries with no posting to that company yet.
    pub unsent: u64,
    /// Postings recorded against other companies of this target (connected before
    /// `connect --switch-company`): never looked up or sent again in the connected one.
    pub others: Vec<CompanyCounts>,
    /// What the last post held back from the connected company, by kind (`currency_unknown`,
    /// `currency_mismatch`, `unknown_account`): decided against the target, so read from the
    /// state file here.
    pub held: Vec<crate::state::HeldByKind>,
    /// When and why the target refused the saved connection since it was made: only `connect`
    /// helps.
    pub refused: Option<(DateTime<Utc>, String)>,
}

impl TargetStatus {
    /// Postings whose outcome is open or refused, or whose outcome is not known in a company no
    /// longer connected: someone (or the next run) must see to them.
    pub fn needs_person(&self) -> bool {
        self.current.uncertain > 0
            || self.current.failed > 0
            || self.others.iter().any(|c| c.uncertain > 0 || c.pending > 0)
            || !self.held.is_empty()
            || self.refused.is_some()
    }
}

/// `mappings`: where each property posts, so that with several books connected to one target each
/// book's "not sent yet" counts its own share only (without them, every recorded entry).
pub async fn gather(
    state: &StateFile,
    mappings: Option<&MappingSet>,
) -> Result<Vec<TargetStatus>, StateError> {
    let counts = state.posting_counts().await?;
    let connected = state.connected_books().await?;
    let mut out = Vec::new();
    for target in [TargetKind::Qbo, TargetKind::Xero] {
        let mut companies: Vec<CompanyCounts> = Vec::new();
        for company in state.posting_companies(target).await? {
            let count =
                |s: PostingState| counts.get(&(target, company.company_id.clone(), s)).copied().unwrap_or(0);
            companies.push(CompanyCounts {
                confirmed: count(PostingState::Confirmed),
                pending: count(PostingState::Pending),
                uncertain: count(PostingState::Uncertain),
                failed: count(PostingState::Failed),
                company_id: company.company_id,
            });
        }
        let books: Vec<&BookName> =
            connected.iter().filter(|(t, _, _)| *t == target).map(|(_, b, _)| b).collect();
        if books.is_empty() && companies.is_empty() {
            continue;
        }
        // Each book's company apart; the companies no book is connected to go with the first.
        let default = BookName::default_book();
        let several = books.len() > 1;
        let books = if books.is_empty() { vec![&default] } else { books };
        let mut parts = Vec::with_capacity(books.len());
        for book in books {
            let connection = state.connection(target, book).await?;
            // The connected company, else the one written last (`posting_companies` puts it first).
            let current_id = match &connection {
                Some(c) => c.company_id.clone(),
                None => companies[0].company_id.clone(),
            };
            let current = match companies.iter().position(|c| c.company_id == current_id) {
                Some(at) => companies.remove(at),
                None => CompanyCounts { company_id: current_id, ..CompanyCounts::default() },
            };
            let (held, refused) = match &connection {
                Some(_) => (
                    state.last_holds(target, &current.company_id).await?,
                    state.connection_refused(target, book).await?,
                ),
                None => (Vec::new(), None),
            };
            let unsent = match (several, mappings) {
                (true, Some(mappings)) => {
                    let routed = |p: &str| mappings.for_property(&PropertyId::new(p)).book == *book;
                    let scope = state.book_scope(target, book, routed).await?;
                    state.unsent_count(target, &current.company_id, Some(&scope)).await?
                }
                _ => state.recorded_count(target, &current.company_id).await?.saturating_sub(current.total()),
            };
            parts.push(TargetStatus {
                refused,
                target,
                book: book.clone(),
                company_id: connection.as_ref().map(|c| c.company_id.clone()),
                company_name: connection.as_ref().and_then(|c| c.company_name.clone()),
                access_expires_at: connection.as_ref().map(|c| c.access_expires_at),
                refreshable: connection.as_ref().is_some_and(|c| c.refresh_token.is_some()),
                unsent,
                current,
                others: Vec::new(),
                held,
            });
        }
        parts[0].others = companies;
        out.extend(parts);
    }
    Ok(out)
}

fn name(target: TargetKind) -> &'static str {
    target.name()
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
            (None, _) => format!("NOT CONNECTED: run `entrata-recon {}`", connect_command(t.target, &t.book)),
            (Some(id), Some(name)) => format!("{name} ({id})"),
            (Some(id), None) => id.clone(),
        };
        let token = match (&t.refused, t.access_expires_at) {
            (Some((at, why)), _) => format!(
                "; NEEDS `entrata-recon {}` AGAIN: the saved connection was refused on {} ({why})",
                connect_command(t.target, &t.book),
                at.format("%Y-%m-%d %H:%M UTC")
            ),
            (None, None) => String::new(),
            (None, Some(at)) if at <= now && !t.refreshable => {
                "; access token expired (a new one is fetched)".into()
            }
            (None, Some(at)) if at <= now => "; access token expired (refreshed on next use)".into(),
            (None, Some(at)) => format!("; access token until {}", at.format("%Y-%m-%d %H:%M UTC")),
        };
        let label = if t.book.is_default() {
            name(t.target).to_owned()
        } else {
            format!("{} ({})", t.target.short_name(), t.book)
        };
        let _ = writeln!(out, "  {label:<18} {company}{token}");
        let c = &t.current;
        let whose = if t.company_id.is_none() && !c.company_id.is_empty() {
            format!(" (company {})", c.company_id)
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "  {:<18} {} posted, {} pending, {} uncertain, {} refused, {} not sent yet{whose}",
            "", c.confirmed, c.pending, c.uncertain, c.failed, t.unsent
        );
        for h in &t.held {
            let _ = writeln!(
                out,
                "  {:<18} {} held by the last post: {} ({}); sent once that is resolved",
                "", h.entries, h.kind, h.example
            );
        }
        for other in &t.others {
            let open = other.uncertain + other.pending;
            let warning = if open > 0 {
                format!(
                    "; {open} with an outcome not known there are never looked up or sent again elsewhere: \
                     connect that company again (`connect {} --switch-company`) to settle them",
                    t.target
                )
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "  {:<18} company {}, no longer connected: {} posted, {} pending, {} uncertain, {} refused{warning}",
                "",
                company_label(&other.company_id),
                other.confirmed,
                other.pending,
                other.uncertain,
                other.failed
            );
        }
    }
    out
}

/// `connect <target>`, with `--books <name>` for a book other than the default.
pub fn connect_command(target: TargetKind, book: &BookName) -> String {
    if book.is_default() { format!("connect {target}") } else { format!("connect {target} --books {book}") }
}

/// A company id as people read it ('' is a company not known).
pub fn company_label(id: &str) -> &str {
    if id.is_empty() { "not known (posted before companies were recorded)" } else { id }
}

fn counts_json(c: &CompanyCounts) -> Value {
    json!({"confirmed": c.confirmed, "pending": c.pending, "uncertain": c.uncertain, "failed": c.failed})
}

pub fn to_json(targets: &[TargetStatus]) -> Value {
    Value::Array(
        targets
            .iter()
            .map(|t| {
                json!({
                    "target": t.target.as_str(),
                    "book": t.book.as_str(),
                    "connected": t.company_id.is_some(),
                    "companyId": t.company_id,
                    "companyName": t.company_name,
                    "accessTokenExpiresAt": t.access_expires_at.map(|at| at.to_rfc3339()),
                    "refreshable": t.refreshable,
                    "connectionRefused": t.refused.as_ref().map(|(at, why)| json!({"at": at.to_rfc3339(), "detail": why})),
                    "postings": {
                        "companyId": t.current.company_id,
                        "confirmed": t.current.confirmed, "pending": t.current.pending,
                        "uncertain": t.current.uncertain, "failed": t.current.failed, "notSent": t.unsent,
                    },
                    "otherCompanies": t.others.iter().map(|c| {
                        let mut v = counts_json(c);
                        v["companyId"] = json!(c.company_id);
                        v
                    }).collect::<Vec<_>>(),
                    "held": t.held.iter().map(|h| json!({
                        "kind": h.kind, "entries": h.entries, "example": h.example,
                    })).collect::<Vec<_>>(),
                })
            })
            .collect(),
    )
}
