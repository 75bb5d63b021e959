//! Key sequences and document numbers taken so far (recorded, withdrawn, or given out tonight):
//! a new entry gets the next key seq of its kind and anchor and the lowest free document number of
//! its kind and date, and no number is ever given twice.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;

use super::{NewContent, RecordError, RecordedEntry};
use crate::domain::PropertyId;
use crate::journal::identity::DocNumbering;
use crate::journal::{EntryKey, JournalKind};

pub(super) struct Numbers {
    /// Upper-cased: QuickBooks compares document numbers without case.
    docs: BTreeSet<String>,
    /// Highest key seq per (kind, anchor).
    seqs: BTreeMap<(JournalKind, String), u32>,
    /// Per (kind, date): every document seq below this one is taken (so a busy day is numbered in
    /// one pass, not by probing from 1 each time).
    doc_cursor: BTreeMap<(JournalKind, NaiveDate), u32>,
}

impl Numbers {
    pub(super) fn new(recorded: &[RecordedEntry]) -> Numbers {
        let mut seqs: BTreeMap<(JournalKind, String), u32> = BTreeMap::new();
        for entry in recorded {
            let seq = seqs.entry((entry.kind, entry.anchor.clone())).or_default();
            *seq = (*seq).max(entry.seq);
        }
        let docs = recorded.iter().map(|e| e.doc_number.to_ascii_uppercase()).collect();
        Numbers { docs, seqs, doc_cursor: BTreeMap::new() }
    }

    /// The next key seq of the entry's kind and anchor, and the lowest free document number of its
    /// kind and date.
    pub(super) fn identify(
        &mut self,
        property: &PropertyId,
        content: NewContent,
        numbering: &DocNumbering,
    ) -> Result<NewContent, RecordError> {
        let NewContent { entry, slot, sources, content_hash, corrects, only } = content;
        let (kind, date) = (entry.kind(), entry.date());
        let anchor = entry.key().anchor().to_owned();
        let seq = self.seqs.entry((kind, anchor.clone())).or_default();
        *seq += 1;
        let key = EntryKey::new(property, kind, &anchor, *seq);
        let no_number = || RecordError::NoDocNumber { property: property.clone(), kind, date };
        let cursor = self.doc_cursor.entry((kind, date)).or_insert(1);
        let doc = loop {
            let doc = numbering.number(kind, date, *cursor).map_err(|_| no_number())?;
            *cursor = cursor.checked_add(1).ok_or_else(no_number)?;
            if self.docs.insert(doc.as_str().to_ascii_uppercase()) {
                break doc;
            }
        };
        Ok(NewContent { entry: entry.with_identity(key, doc), slot, sources, content_hash, corrects, only })
    }
}
