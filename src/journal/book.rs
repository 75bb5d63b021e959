//! Where postings collect: one group per future entry, keyed by kind, date and (for entries that
//! hold one item) the item, then netted and numbered into balanced entries.
//!
//! Grouping (PRODUCT.md §5): deposits and returns after deposit are one entry per item whatever
//! `group_by` says; other kinds are one entry per date (`day`), per post month dated its last day
//! (`post_month`) or per item (`item`).
//!
//! Identity: the key anchor is the date for grouped entries and the item id for one-item entries
//! (deposit id, returned payment id, or the item under `group_by = "item"`), so adding an unrelated
//! item never renames an entry that holds one item. The key seq counts from 1 within (kind, anchor);
//! the document-number seq counts from 1 within (kind, date). Both are ordered by the smallest
//! source id, then the date.

use std::collections::HashMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::PlanError;
use super::describe::{Detail, describe};
use super::entry::{BalancedEntry, EntryHeader, EntryKey, JournalKind, Netting, Side};
use super::identity::{DocNumberProblem, DocNumbering};
use crate::domain::{AccountName, PostMonth, Property};
use crate::mapping::{GroupBy, PropertyMapping};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct GroupKey<'a> {
    pub kind: JournalKind,
    pub date: NaiveDate,
    /// Set for entries that hold one item only.
    pub item: Option<&'a str>,
}

pub(crate) struct Group<'a> {
    key: GroupKey<'a>,
    netting: Netting,
    sources: Vec<&'a str>,
    pub detail: Detail<'a>,
}

impl<'a> Group<'a> {
    /// Adds `amount` to `account`: positive is a debit, negative a credit.
    pub fn post(&mut self, account: &AccountName, amount: Decimal) {
        self.netting.add(account, Side::Debit, amount, String::new);
    }

    /// Names another item as a source of this entry (the item that opened the group already is).
    pub fn add_source(&mut self, id: &'a str) {
        self.sources.push(id);
    }
}

pub(crate) struct Book<'a> {
    group_by: GroupBy,
    index: HashMap<GroupKey<'a>, usize>,
    groups: Vec<Group<'a>>,
}

impl<'a> Book<'a> {
    pub fn new(group_by: GroupBy) -> Book<'a> {
        Book { group_by, index: HashMap::new(), groups: Vec::new() }
    }

    /// The group that `item`'s posting of `kind` in `post_month` joins; `date` is the item's date,
    /// moved into the post month (PRODUCT.md §5 "Dating") here.
    pub fn group(
        &mut self,
        kind: JournalKind,
        post_month: PostMonth,
        date: NaiveDate,
        item: &'a str,
    ) -> &mut Group<'a> {
        let date = post_month.date_within(date);
        let key = match (kind.touches_bank(), self.group_by) {
            (true, _) | (false, GroupBy::Item) => GroupKey { kind, date, item: Some(item) },
            (false, GroupBy::Day) => GroupKey { kind, date, item: None },
            (false, GroupBy::PostMonth) => GroupKey { kind, date: post_month.last_day(), item: None },
        };
        let groups = &mut self.groups;
        let at = *self.index.entry(key).or_insert_with(|| {
            groups.push(Group {
                key,
                netting: Netting::new(),
                sources: Vec::new(),
                detail: Detail::default(),
            });
            groups.len() - 1
        });
        let group = &mut self.groups[at];
        group.sources.push(item);
        group
    }

    /// Nets every group into an entry (dropping those that net to nothing), numbers them and returns
    /// them sorted by key.
    pub fn into_entries(
        self,
        property: &Property,
        mapping: &PropertyMapping,
        numbering: &DocNumbering,
    ) -> Result<Vec<BalancedEntry>, PlanError> {
        let group_by = self.group_by;
        let mut drafts: Vec<Draft<'a>> = self
            .groups
            .into_iter()
            .filter_map(|group| {
                let mut lines = group.netting.into_lines();
                if lines.is_empty() {
                    return None;
                }
                // Netting keeps first-seen order, which follows input order; sort so that the
                // same items in any order give the same entry.
                lines.sort_by(|a, b| (a.1, &a.0).cmp(&(b.1, &b.0)));
                for line in &mut lines {
                    line.3 = describe(group.key, &group.detail, &line.0, group_by, mapping);
                }
                // Every group is opened by an item, so it has a source; were it ever empty,
                // `BalancedEntry::new` refuses it and the plan fails loudly.
                let first_source = group.sources.iter().copied().min().unwrap_or_default();
                let anchor = match group.key.item {
                    Some(item) => item.to_owned(),
                    None => group.key.date.format("%Y-%m-%d").to_string(),
                };
                Some(Draft { key: group.key, anchor, first_source, sources: group.sources, lines, seq: 0 })
            })
            .collect();

        drafts.sort_by(|a, b| {
            (a.key.kind, &a.anchor, a.first_source, a.key.date).cmp(&(
                b.key.kind,
                &b.anchor,
                b.first_source,
                b.key.date,
            ))
        });
        for i in 0..drafts.len() {
            let continues = i > 0 && {
                let (previous, current) = (&drafts[i - 1], &drafts[i]);
                previous.key.kind == current.key.kind && previous.anchor == current.anchor
            };
            drafts[i].seq = if continues { drafts[i - 1].seq.saturating_add(1) } else { 1 };
        }
        let mut keyed: Vec<(EntryKey, Draft<'a>)> = drafts
            .into_iter()
            .map(|d| (EntryKey::new(&property.id, d.key.kind, &d.anchor, d.seq), d))
            .collect();

        keyed.sort_by(|(ka, a), (kb, b)| {
            (a.key.kind, a.key.date, a.first_source, ka).cmp(&(b.key.kind, b.key.date, b.first_source, kb))
        });
        let mut entries = Vec::with_capacity(keyed.len());
        let mut doc_seq = 0u32;
        let mut previous: Option<(JournalKind, NaiveDate)> = None;
        for (key, draft) in keyed {
            let run = (draft.key.kind, draft.key.date);
            doc_seq = if previous == Some(run) { doc_seq.saturating_add(1) } else { 1 };
            previous = Some(run);
            let doc_number = numbering
                .number(draft.key.kind, draft.key.date, doc_seq)
                .map_err(|problem| doc_number_error(property, &key, numbering, problem))?;
            let header = EntryHeader {
                key,
                doc_number,
                property_id: property.id.clone(),
                kind: draft.key.kind,
                date: draft.key.date,
                post_month: PostMonth::of(draft.key.date),
                currency: property.currency,
                sources: draft.sources.iter().map(|s| (*s).to_owned()).collect(),
            };
            let entry = BalancedEntry::new(header, draft.lines)
                .map_err(|source| PlanError::Invariant { property: property.id.clone(), source })?;
            entries.push(entry);
        }
        entries.sort_by(|a, b| a.key().cmp(b.key()));
        Ok(entries)
    }
}

struct Draft<'a> {
    key: GroupKey<'a>,
    anchor: String,
    first_source: &'a str,
    sources: Vec<&'a str>,
    lines: Vec<(AccountName, Side, Decimal, String)>,
    seq: u32,
}

fn doc_number_error(
    property: &Property,
    key: &EntryKey,
    numbering: &DocNumbering,
    problem: DocNumberProblem,
) -> PlanError {
    match problem {
        DocNumberProblem::NoRoom { stem } => {
            PlanError::DocNumberTooLong { property: property.id.clone(), key: key.clone(), stem }
        }
        DocNumberProblem::BadParts => PlanError::BadDocParts {
            property: property.id.clone(),
            doc_prefix: numbering.doc_prefix().to_owned(),
            doc_property: numbering.doc_property().to_owned(),
        },
    }
}
