//! The company's books: the name lists (`company`), the journal entries with their deleted ones
//! (for Change Data Capture), and the answers remembered per `requestid`. Every operation on them
//! runs under one lock, so a request's check, its write and the remembering of its answer are one
//! step and a replay can never race the original. An entry created under a `visible_after_ms`
//! fault rule is hidden from reads (`visible_entries`, `get_visible`) until its time has come;
//! writes and the control endpoints see every entry.
//!
//! Invariants: `SyncToken` and `LastUpdatedTime` move forward on every change; an entry's `Id` is
//! never reused; a remembered answer is returned byte for byte.

use std::collections::{BTreeMap, HashMap, VecDeque};

use axum::http::StatusCode;
use chrono::{DateTime, Utc};

use super::company::{Company, Meta};
use super::draft::Draft;
use super::entry::{JournalEntry, Tombstone};
use super::fault::{Fault, QboResult};
use super::time::{company_today, to_seconds};
use super::validate::{Content, Spec, check_open, validate};

/// Answers remembered per `requestid`; past this many the oldest are forgotten.
const MAX_REMEMBERED_ANSWERS: usize = 10_000;

/// What a write may skip, from `include=allowduplicatedocnum` or a batch item's `optionsData`.
#[derive(Debug, Clone, Copy, Default)]
pub struct WriteOptions {
    pub allow_duplicate_doc_num: bool,
    /// A created entry is hidden from reads until then (a `visible_after_ms` fault rule).
    pub visible_from: Option<DateTime<Utc>>,
}

/// An answer as sent: status and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: StatusCode,
    pub body: String,
}

#[derive(Debug)]
pub struct Books {
    pub company: Company,
    entries: BTreeMap<u64, JournalEntry>,
    tombstones: Vec<Tombstone>,
    last_id: u64,
    answers: HashMap<String, Answer>,
    answer_order: VecDeque<String>,
    /// Entries that reads do not see before the time given (read lag).
    hidden_until: HashMap<u64, DateTime<Utc>>,
}

impl Books {
    pub fn new(company: Company) -> Books {
        Books {
            company,
            entries: BTreeMap::new(),
            tombstones: Vec::new(),
            last_id: 0,
            answers: HashMap::new(),
            answer_order: VecDeque::new(),
            hidden_until: HashMap::new(),
        }
    }

    /// The answer first given to `request_id`, if any.
    pub fn remembered(&self, request_id: &str) -> Option<&Answer> {
        self.answers.get(request_id)
    }

    pub fn remember(&mut self, request_id: &str, answer: Answer) {
        if self.answers.insert(request_id.to_owned(), answer).is_none() {
            self.answer_order.push_back(request_id.to_owned());
        }
        while self.answer_order.len() > MAX_REMEMBERED_ANSWERS {
            if let Some(oldest) = self.answer_order.pop_front() {
                self.answers.remove(&oldest);
            }
        }
    }

    pub fn remembered_count(&self) -> usize {
        self.answers.len()
    }

    /// Every entry, visible to reads or not (writes, control endpoints, the state dump).
    pub fn entries(&self) -> impl Iterator<Item = &JournalEntry> {
        self.entries.values()
    }

    /// The entries reads see at `now`: all but those created under read lag that is not over.
    pub fn visible_entries(&self, now: DateTime<Utc>) -> impl Iterator<Item = &JournalEntry> {
        self.entries.values().filter(move |e| self.is_visible(e.id, now))
    }

    /// A live entry by its `Id` text, if reads see it at `now`.
    pub fn get_visible(&self, id: &str, now: DateTime<Utc>) -> Option<&JournalEntry> {
        self.get(id).filter(|e| self.is_visible(e.id, now))
    }

    fn is_visible(&self, id: u64, now: DateTime<Utc>) -> bool {
        self.hidden_until.get(&id).is_none_or(|until| now >= *until)
    }

    pub fn tombstones(&self) -> &[Tombstone] {
        &self.tombstones
    }

    /// A live entry by its `Id` text.
    pub fn get(&self, id: &str) -> Option<&JournalEntry> {
        id.trim().parse::<u64>().ok().and_then(|id| self.entries.get(&id))
    }

    /// `POST journalentry`: a create, or an update when the body has an `Id`.
    pub fn save(
        &mut self,
        draft: Draft,
        now: DateTime<Utc>,
        options: WriteOptions,
    ) -> QboResult<&JournalEntry> {
        if draft.id.is_some() { self.update(draft, now, options) } else { self.create(draft, now, options) }
    }

    pub fn create(
        &mut self,
        draft: Draft,
        now: DateTime<Utc>,
        options: WriteOptions,
    ) -> QboResult<&JournalEntry> {
        let content = validate(Spec::from_draft(draft), &self.company, company_today(now))?;
        self.check_doc_number(&content, None, options)?;
        self.last_id += 1;
        let at = to_seconds(now);
        let entry = build(self.last_id, Meta { sync_token: 0, created: at, updated: at }, content);
        if let Some(until) = options.visible_from {
            self.hidden_until.insert(entry.id, until);
            tracing::info!(id = entry.id, visible_from = %until, "QBO journal entry hidden from reads until then");
        }
        tracing::debug!(id = entry.id, doc_number = entry.doc_number.as_deref().unwrap_or(""), total = %entry.total(), "QBO journal entry created");
        Ok(self.entries.entry(entry.id).or_insert(entry))
    }

    pub fn update(
        &mut self,
        draft: Draft,
        now: DateTime<Utc>,
        options: WriteOptions,
    ) -> QboResult<&JournalEntry> {
        let id = draft.id.clone().unwrap_or_default();
        let existing = self.get(&id).ok_or_else(Fault::deleted_transaction)?.clone();
        let sync_token = draft.sync_token.clone().ok_or_else(|| Fault::required("SyncToken"))?;
        if sync_token.trim() != existing.meta.sync_token.to_string() {
            return Err(Fault::stale_object());
        }
        check_open(&self.company, existing.txn_date)?;
        let spec = if draft.sparse { Spec::sparse(&existing, draft) } else { Spec::from_draft(draft) };
        let spec = Spec { txn_date: spec.txn_date.or(Some(existing.txn_date)), ..spec };
        let content = validate(spec, &self.company, company_today(now))?;
        self.check_doc_number(&content, Some(existing.id), options)?;
        Ok(self.replace(existing, content, now))
    }

    /// `operation=delete`: the entry goes, and Change Data Capture reports it as `Deleted`.
    pub fn delete(&mut self, id: &str, sync_token: Option<&str>, now: DateTime<Utc>) -> QboResult<u64> {
        let existing = self.get(id).ok_or_else(Fault::deleted_transaction)?;
        let sync_token = sync_token.ok_or_else(|| Fault::required("SyncToken"))?;
        if sync_token.trim() != existing.meta.sync_token.to_string() {
            return Err(Fault::stale_object());
        }
        check_open(&self.company, existing.txn_date)?;
        let id = existing.id;
        self.remove(id, now);
        Ok(id)
    }

    /// A bookkeeper's edit in QuickBooks: the body's fields replace the entry's (as a sparse
    /// update), the entry is checked again except for the close date and duplicate numbers (the
    /// bookkeeper may override both), and `SyncToken` and `LastUpdatedTime` move on.
    pub fn edit_behind(&mut self, id: &str, draft: Draft, now: DateTime<Utc>) -> QboResult<&JournalEntry> {
        let existing = self.get(id).ok_or_else(Fault::deleted_transaction)?.clone();
        let spec = Spec::sparse(&existing, draft);
        let mut company = self.company.clone();
        company.book_close_date = None;
        let content = validate(spec, &company, company_today(now))?;
        Ok(self.replace(existing, content, now))
    }

    /// A bookkeeper's delete. False when there is no such entry.
    pub fn delete_behind(&mut self, id: &str, now: DateTime<Utc>) -> bool {
        match self.get(id).map(|e| e.id) {
            Some(id) => {
                self.remove(id, now);
                true
            }
            None => false,
        }
    }

    fn remove(&mut self, id: u64, now: DateTime<Utc>) {
        if let Some(entry) = self.entries.remove(&id) {
            let deleted_at = to_seconds(now).max(entry.meta.updated);
            self.tombstones.push(Tombstone { id, deleted_at });
            tracing::info!(id, "QBO journal entry deleted");
        }
    }

    fn replace(&mut self, existing: JournalEntry, content: Content, now: DateTime<Utc>) -> &JournalEntry {
        let mut meta = existing.meta.clone();
        meta.bump(now);
        let entry = build(existing.id, meta, content);
        tracing::info!(id = entry.id, sync_token = entry.meta.sync_token, "QBO journal entry updated");
        let slot = self.entries.entry(entry.id).or_insert_with(|| existing.clone());
        *slot = entry;
        slot
    }

    /// 6140 when the company warns about duplicate journal numbers and another entry has this one.
    fn check_doc_number(&self, content: &Content, own: Option<u64>, options: WriteOptions) -> QboResult<()> {
        if !self.company.warn_duplicate_doc_num || options.allow_duplicate_doc_num {
            return Ok(());
        }
        let Some(doc) = &content.doc_number else { return Ok(()) };
        match self
            .entries
            .values()
            .find(|e| Some(e.id) != own && e.doc_number.as_deref() == Some(doc.as_str()))
        {
            Some(other) => Err(Fault::duplicate_doc_number(doc, other.id)),
            None => Ok(()),
        }
    }
}

fn build(id: u64, meta: Meta, content: Content) -> JournalEntry {
    JournalEntry {
        id,
        meta,
        doc_number: content.doc_number,
        txn_date: content.txn_date,
        private_note: content.private_note,
        currency: content.currency,
        department: content.department,
        adjustment: content.adjustment,
        lines: content.lines,
    }
}
