//! Xero as a posting target. `open` reads the organisation's references once per run (`chart`);
//! every recorded entry becomes a manual journal, or, for deposits and returns after deposit, a
//! bank transaction equal to the bank-feed line, and for their corrections one on the same bank
//! account (`build`); writes go 50 to a request with
//! `summarizeErrors=false` under an `Idempotency-Key` (`client`), each element's answer read for
//! its own entry (`outcome`); entries whose outcome is not known are found again by document
//! number and key marker (`lookup`). `Chart::check` is what `mappings check --target xero` reports.
//!
//! Architecture invariants: only the target adapters know the vendors' JSON (`wire`); money is a
//! `Decimal` from the recorded entry to the exact JSON number on the wire; a request whose answer
//! is lost is never taken for "not sent"; no token reaches a log line or an error.

pub mod build;
pub mod chart;
pub mod client;
pub mod lookup;
pub mod outcome;
pub mod readback;
pub mod wire;

use std::sync::Arc;

pub use self::chart::ChartFinding;
pub use self::client::CallCounts;

use self::build::Document;
use self::chart::Chart;
use self::client::XeroClient;
use self::outcome::Sent;
use crate::config::TargetConfig;
use crate::http::Pause;
use crate::journal::BalancedEntry;
use crate::mapping::MappingSet;
use crate::posting::engine::batch_key;
use crate::posting::{Found, Hold, LookupRequest, Outgoing, SendOutcome, Target, TargetError};
use crate::targets::TargetKind;
use crate::targets::oauth::TokenSource;

/// Elements per write: Xero's recommended batch (reference B.2), well under its 10 MB body.
pub const BATCH_MAX: usize = 50;
/// The suffixes that tell a batch's two requests apart under one batch key.
const JOURNALS_KEY_SUFFIX: &str = "-mj";
const BANK_KEY_SUFFIX: &str = "-bt";

pub struct XeroTarget {
    client: XeroClient,
    chart: Chart,
    mappings: Arc<MappingSet>,
    /// The organisation's clock in the latest answer to a write.
    answered_at: std::sync::Mutex<Option<chrono::DateTime<chrono::Utc>>>,
}

/// Connects to the organisation `tenant_id` and reads its references (4 calls, more only when the
/// mappings name over twenty contacts).
pub async fn open(
    config: &TargetConfig,
    tokens: TokenSource,
    tenant_id: String,
    mappings: Arc<MappingSet>,
    pause: Pause,
    request_timeout: std::time::Duration,
) -> Result<XeroTarget, TargetError> {
    let client =
        XeroClient::new(&config.api_base, tenant_id, tokens, pause)?.with_timeout(request_timeout)?;
    let chart = Chart::read(&client, &mappings).await?;
    Ok(XeroTarget { client, chart, mappings, answered_at: std::sync::Mutex::new(None) })
}

/// `mappings check --target xero`: what the mappings ask of the organisation that its books
/// cannot give (`open`, then `Chart::check_of` the mappings that post to `book`; every mapping
/// with `None`).
pub async fn check_chart(
    config: &TargetConfig,
    tokens: TokenSource,
    tenant_id: String,
    mappings: Arc<MappingSet>,
    book: Option<&crate::domain::BookName>,
    pause: Pause,
) -> Result<Vec<ChartFinding>, TargetError> {
    let timeout = crate::config::PostingConfig::default().request_timeout;
    let target = open(config, tokens, tenant_id, Arc::clone(&mappings), pause, timeout).await?;
    Ok(target.chart.check_of(&mappings.of_book(book)))
}

impl XeroTarget {
    pub fn chart(&self) -> &Chart {
        &self.chart
    }

    /// Calls made so far in this run.
    pub fn counts(&self) -> CallCounts {
        self.client.counts()
    }

    fn document(&self, entry: &BalancedEntry, redate: Option<chrono::NaiveDate>) -> Result<Document, Hold> {
        build::document(&self.chart, self.mappings.for_property(entry.property_id()), entry, redate)
    }

    /// Sends one kind of document (`path`) for the entries at `indexes` of `batch`.
    async fn write<T: outcome::Element>(
        &self,
        path: &str,
        suffix: &str,
        batch: &[Outgoing],
        indexes: &[usize],
        body: Result<Vec<u8>, serde_json::Error>,
    ) -> Result<Vec<SendOutcome>, TargetError> {
        let body =
            body.map_err(|e| TargetError::Protocol(format!("cannot write the {path} request: {e}")))?;
        let tokens: Vec<&str> = indexes.iter().map(|&i| batch[i].token.as_str()).collect();
        let key = format!("{}{suffix}", batch_key(&tokens));
        let result = self.client.put(path, body, &key).await?;
        if let client::WriteResult::Answered(body) = &result
            && let Some(at) = wire::answer_time(body)
        {
            let mut answered = self.answered_at.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            *answered = (*answered).max(Some(at));
        }
        let sent: Vec<Sent<'_>> = indexes
            .iter()
            .map(|&i| Sent {
                key: batch[i].entry.key().as_str(),
                doc_number: batch[i].entry.doc_number().as_str(),
            })
            .collect();
        Ok(outcome::outcomes::<T>(result, &sent))
    }
}

impl Target for XeroTarget {
    fn kind(&self) -> TargetKind {
        TargetKind::Xero
    }

    fn company_id(&self) -> &str {
        self.client.tenant_id()
    }

    fn batch_size(&self) -> usize {
        BATCH_MAX
    }

    /// Journals and bank transactions go to two endpoints: batches of one kind each take one call.
    /// A deposit, a return, or an adjustment of one on its bank account is a bank transaction.
    fn batch_class(&self, entry: &BalancedEntry) -> u8 {
        u8::from(build::is_bank_document(self.mappings.for_property(entry.property_id()), entry))
    }

    fn hold_reason(&self, entry: &BalancedEntry) -> Option<Hold> {
        self.document(entry, None).err()
    }

    /// The day after the later of the organisation's lock dates, read afresh.
    async fn first_open_date(&mut self) -> Result<Option<chrono::NaiveDate>, TargetError> {
        let organisations: wire::Organisations =
            chart::parse("Organisation", &self.client.get("Organisation", &[], None).await?)?;
        let Some(org) = organisations.organisations.into_iter().next() else { return Ok(None) };
        let lock = [org.period_lock_date, org.end_of_year_lock_date]
            .iter()
            .flatten()
            .filter_map(|d| wire::parse_date(d))
            .max();
        Ok(lock.and_then(|d| d.succ_opt()))
    }

    async fn send(&mut self, batch: &[Outgoing]) -> Result<Vec<SendOutcome>, TargetError> {
        let mut outcomes: Vec<Option<SendOutcome>> = vec![None; batch.len()];
        let (mut journals, mut journal_at) = (Vec::new(), Vec::new());
        let (mut banks, mut bank_at) = (Vec::new(), Vec::new());
        for (index, outgoing) in batch.iter().enumerate() {
            match self.document(&outgoing.entry, outgoing.redate) {
                Ok(Document::Journal(journal)) => {
                    journals.push(journal);
                    journal_at.push(index);
                }
                Ok(Document::Bank(transaction)) => {
                    banks.push(transaction);
                    bank_at.push(index);
                }
                Err(hold) => {
                    outcomes[index] =
                        Some(SendOutcome::Refused { message: hold.message, closed_period: false });
                }
            }
        }
        if !journals.is_empty() {
            let body = serde_json::to_vec(&wire::ManualJournals { manual_journals: journals });
            let answers = self
                .write::<wire::SavedJournal>("ManualJournals", JOURNALS_KEY_SUFFIX, batch, &journal_at, body)
                .await?;
            for (index, answer) in journal_at.iter().zip(answers) {
                outcomes[*index] = Some(answer);
            }
        }
        if !banks.is_empty() {
            let body = serde_json::to_vec(&wire::BankTransactions { bank_transactions: banks });
            let answers = self
                .write::<wire::SavedBankTransaction>(
                    "BankTransactions",
                    BANK_KEY_SUFFIX,
                    batch,
                    &bank_at,
                    body,
                )
                .await;
            // The journals' outcomes are known: a failure now must not hide them.
            let answers = match answers {
                Ok(answers) => answers,
                Err(e) if journal_at.is_empty() => return Err(e),
                Err(e) => vec![SendOutcome::Unknown { reason: format!("not sent: {e}") }; bank_at.len()],
            };
            for (index, answer) in bank_at.iter().zip(answers) {
                outcomes[*index] = Some(answer);
            }
        }
        Ok(outcomes
            .into_iter()
            .map(|o| o.unwrap_or(SendOutcome::Unknown { reason: "no outcome".into() }))
            .collect())
    }

    async fn lookup(&mut self, requests: &[LookupRequest]) -> Result<Vec<Option<Found>>, TargetError> {
        lookup::lookup(&self.client, requests).await
    }

    /// A lookup lists what changed since the earliest attempt whatever the number of entries: all
    /// of them in one go.
    fn lookups_per_call(&self) -> usize {
        usize::MAX
    }

    /// A full read back (`readback`), the connector's live documents only.
    fn last_answer_time(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        *self.answered_at.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    async fn documents_of_ours(
        &mut self,
        since: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Result<Option<crate::posting::HeldHistory>, TargetError> {
        let read = readback::read_back(&self.client, since, &|_, key| key.is_some()).await?;
        let at = read.compared_at;
        Ok(Some(crate::posting::HeldHistory { documents: crate::drift::held::live_keys(read.documents), at }))
    }

    /// The entry's lines under the mapping's Xero codes: a bank transaction built from it books
    /// the same net per account as a journal would (`lookup::bank_lines` reads one back so).
    fn held_form(&self, entry: &BalancedEntry) -> Option<Vec<crate::posting::FoundLine>> {
        let mapping = self.mappings.for_property(entry.property_id());
        entry
            .lines()
            .iter()
            .map(|line| {
                let code = mapping.accounts.get(line.account())?.xero.as_deref()?.to_ascii_uppercase();
                Some(crate::posting::FoundLine { account: code, side: line.side(), amount: line.amount() })
            })
            .collect()
    }

    fn accounts_for(&self, entry: &BalancedEntry, code: &str) -> Vec<crate::domain::AccountName> {
        let mapping = self.mappings.for_property(entry.property_id());
        mapping.accounts_where(|a| a.xero.as_deref(), |c| c.eq_ignore_ascii_case(code))
    }

    /// The first record of each list: two calls.
    async fn holds_documents(&mut self) -> Result<bool, TargetError> {
        lookup::holds_any(&self.client).await
    }
}
