//! Where postings collect: one group per future entry, keyed by kind, date and (for entries that
//! hold one item) the item, then netted and numbered into balanced entries.
//!
//! Grouping (PRODUCT.md §5): deposits and returns after deposit are one entry per item whatever
//! `group_by` says; other kinds are one entry per date (`day`), per post month dated its last day
//! (`post_month`; recognitions its first day, §7.4) or per item (`item`).
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
use super::describe::{Detail, describe, period_label};
use super::entry::{BalancedEntry, EntryHeader, EntryKey, GroupKey, JournalKind, Netting, Side};
use super::identity::{DocNumberProblem, DocNumbering};
use crate::domain::{AccountName, PostMonth, Property};
use crate::mapping::{GroupBy, PropertyMapping};

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
    /// `items` is how many items the ledger holds: under `group_by = "item"` about as many groups
    /// as that, so the index starts big enough not to rehash a million times over.
    pub fn new(group_by: GroupBy, items: usize) -> Book<'a> {
        let capacity = if group_by == GroupBy::Item { items } else { 0 };
        Book { group_by, index: HashMap::with_capacity(capacity), groups: Vec::with_capacity(capacity) }
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
            // A recognition is dated the first day of its month whatever the grouping
            // (PRODUCT.md §7.4); other month entries are dated the month's last day (§5).
            (false, GroupBy::PostMonth) if kind == JournalKind::Recognition => {
                GroupKey { kind, date: post_month.first_day(), item: None }
            }
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
        let mut drafts: Vec<Draft<'a>> =
            self.groups.into_iter().filter_map(|group| Draft::of(group, group_by, mapping)).collect();

        // Key seqs: within (kind, anchor), by smallest source then date. The sort keys are unique
        // (one group per kind, date and item), so an unstable sort is deterministic; sorting by the
        // kind's name leaves the drafts nearly in key order, which makes the final sort cheap.
        drafts.sort_unstable_by(|a, b| {
            (a.key.kind.as_str(), &a.anchor, a.sources[0], a.key.date).cmp(&(
                b.key.kind.as_str(),
                &b.anchor,
                b.sources[0],
                b.key.date,
            ))
        });
        let mut keyed: Vec<Keyed<'a>> = Vec::with_capacity(drafts.len());
        let mut seq = 0u32;
        for draft in drafts {
            let continues = keyed.last().is_some_and(|previous| {
                previous.draft.key.kind == draft.key.kind && previous.draft.anchor == draft.anchor
            });
            seq = if continues { seq.saturating_add(1) } else { 1 };
            let entry_key = EntryKey::new(&property.id, draft.key.kind, &draft.anchor, seq);
            keyed.push(Keyed { draft, entry_key, doc_seq: 0 });
        }

        // Document seqs: within (kind, date), by smallest source then key. Small sort keys with an
        // index keep the drafts in place.
        let mut order: Vec<(JournalKind, NaiveDate, &str, usize)> = keyed
            .iter()
            .enumerate()
            .map(|(i, k)| (k.draft.key.kind, k.draft.key.date, k.draft.sources[0], i))
            .collect();
        order.sort_unstable_by(|a, b| {
            (a.0, a.1, a.2)
                .cmp(&(b.0, b.1, b.2))
                .then_with(|| keyed[a.3].entry_key.cmp(&keyed[b.3].entry_key))
        });
        let mut doc_seq = 0u32;
        let mut previous: Option<(JournalKind, NaiveDate)> = None;
        for &(kind, date, _, i) in &order {
            doc_seq = if previous == Some((kind, date)) { doc_seq.saturating_add(1) } else { 1 };
            previous = Some((kind, date));
            keyed[i].doc_seq = doc_seq;
        }
        drop(order);

        // Stable and adaptive: nearly sorted input costs about one pass.
        keyed.sort_by(|a, b| a.entry_key.cmp(&b.entry_key));
        let entries =
            keyed.into_iter().map(|k| k.into_entry(property, numbering)).collect::<Result<Vec<_>, _>>()?;
        Ok(entries)
    }
}

/// A group netted and described, waiting for its key and document number.
struct Draft<'a> {
    key: GroupKey<'a>,
    anchor: String,
    /// Sorted, without repeats, never empty.
    sources: Vec<&'a str>,
    lines: Vec<(AccountName, Side, Decimal, String)>,
}

/// A draft with its key, then its document seq.
struct Keyed<'a> {
    draft: Draft<'a>,
    entry_key: EntryKey,
    doc_seq: u32,
}

impl<'a> Draft<'a> {
    /// `None` when the group's lines all net to zero: nothing to post.
    fn of(group: Group<'a>, group_by: GroupBy, mapping: &PropertyMapping) -> Option<Draft<'a>> {
        let mut lines = group.netting.into_lines();
        if lines.is_empty() {
            return None;
        }
        // Netting keeps first-seen order, which follows input order; sort so that the same items
        // in any order give the same entry.
        lines.sort_unstable_by(|a, b| (a.1, &a.0).cmp(&(b.1, &b.0)));
        let label = period_label(group.key, group_by);
        for line in &mut lines {
            line.3 = describe(group.key, &group.detail, &line.0, &label, mapping);
        }
        let mut sources = group.sources;
        sources.sort_unstable();
        sources.dedup();
        let anchor = match group.key.item {
            Some(item) => item.to_owned(),
            None => group.key.date.to_string(),
        };
        // Every group is opened by an item, so `sources` is never empty.
        (!sources.is_empty()).then_some(Draft { key: group.key, anchor, sources, lines })
    }
}

impl Keyed<'_> {
    fn into_entry(self, property: &Property, numbering: &DocNumbering) -> Result<BalancedEntry, PlanError> {
        let Keyed { draft, entry_key, doc_seq } = self;
        let doc_number = numbering
            .number(draft.key.kind, draft.key.date, doc_seq)
            .map_err(|problem| doc_number_error(property, &entry_key, numbering, problem))?;
        let header = EntryHeader {
            key: entry_key,
            doc_number,
            property_id: property.id.clone(),
            kind: draft.key.kind,
            date: draft.key.date,
            post_month: PostMonth::of(draft.key.date),
            currency: property.currency,
            sources: draft.sources.iter().map(|s| (*s).to_owned()).collect(),
        };
        BalancedEntry::new(header, draft.lines)
            .map_err(|source| PlanError::Invariant { property: property.id.clone(), source })
    }
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
