//! `form_pages`: the planning forms (`form.rs`) of per-property item versions, a stored page at a
//! time, as `<item_seq><form>` entries; and `state_meta.forms_version`, which says every current
//! per-property item version has its form in this version's encoding.
//!
//! Invariant: while `forms_version` equals [`FORM_VERSION`], every current per-property item
//! version has exactly one entry, written in the transaction that stored the version. `plan` takes
//! a list's current `item_seq`s from `items_current_by_property`, keeps the entries of exactly
//! those, and reads the items' JSON instead when one is missing or repeated.

use std::collections::BTreeMap;

use sqlx::sqlite::SqliteConnection;
use sqlx::{Connection, Row};

use super::form::{FORM_VERSION, Form, decode_entries, push_entry};
use super::{ItemRef, ItemWrite, StateError, StateFile};
use crate::domain::ItemKind;

/// Items per batch when rebuilding every form.
const REBUILD_BATCH: i64 = 4_096;

const FORMS_VERSION_KEY: &str = "forms_version";

/// Stores the forms of a page's new item versions (inside the page's transaction): `inserts[i]`
/// was stored as `item_seq` `first_seq + i`. One row per property the items claim (almost always
/// one).
pub(super) async fn write_form_pages(
    state: &StateFile,
    conn: &mut SqliteConnection,
    kind: ItemKind,
    first_seq: i64,
    inserts: &[(&ItemWrite, i64)],
) -> Result<(), StateError> {
    let mut pages: BTreeMap<&str, (i64, Vec<u8>)> = BTreeMap::new();
    for (offset, (item, _)) in inserts.iter().enumerate() {
        let form = item.form.as_deref().ok_or_else(|| StateError::Refused {
            path: state.path.clone(),
            message: format!("{kind} {} has no planning form", item.item_id),
        })?;
        let seq = first_seq + offset as i64;
        let property = item.property_id.as_deref().unwrap_or_default();
        let (_, page) =
            pages.entry(property).or_insert_with(|| (seq, Vec::with_capacity(inserts.len() * 160)));
        push_entry(page, seq, form);
    }
    for (property, (first, entries)) in &pages {
        insert_page(state, conn, property, kind, *first, entries).await?;
    }
    Ok(())
}

async fn insert_page(
    state: &StateFile,
    conn: &mut SqliteConnection,
    property: &str,
    kind: ItemKind,
    first_seq: i64,
    entries: &[u8],
) -> Result<(), StateError> {
    sqlx::query("INSERT INTO form_pages (property_id, kind, first_seq, entries) VALUES (?1, ?2, ?3, ?4)")
        .bind(property)
        .bind(kind.as_str())
        .bind(first_seq)
        .bind(entries)
        .execute(&mut *conn)
        .await
        .map_err(state.query_err())?;
    Ok(())
}

impl StateFile {
    /// Whether the form pages are complete for this version's encoding. False for a state file
    /// last pulled by an older version (until the next `pull` rebuilds the forms).
    pub async fn forms_current(&self) -> Result<bool, StateError> {
        let row = sqlx::query("SELECT value FROM state_meta WHERE key = ?1")
            .bind(FORMS_VERSION_KEY)
            .fetch_optional(&self.pool)
            .await
            .map_err(self.query_err())?;
        Ok(row.is_some_and(|r| r.get::<String, _>(0) == FORM_VERSION.to_string()))
    }

    /// Rewrites the forms of every current per-property item version from its raw JSON, `make`
    /// giving each one's form (from its kind, its property and the stored item); then marks the
    /// forms current. Callers hold the state lock. One transaction per batch: interrupted, the
    /// forms stay marked stale and the next call starts again. Returns the number of forms.
    pub async fn rebuild_forms(
        &self,
        mut make: impl FnMut(ItemKind, &str, ItemRef<'_>) -> Vec<u8>,
    ) -> Result<u64, StateError> {
        let err = self.query_err();
        let mut conn = self.pool.acquire().await.map_err(&err)?;
        let mut tx = conn.begin_with("BEGIN IMMEDIATE").await.map_err(&err)?;
        sqlx::query("DELETE FROM state_meta WHERE key = ?1")
            .bind(FORMS_VERSION_KEY)
            .execute(&mut *tx)
            .await
            .map_err(&err)?;
        sqlx::query("DELETE FROM form_pages").execute(&mut *tx).await.map_err(&err)?;
        tx.commit().await.map_err(&err)?;

        let mut written = 0;
        let mut after = 0_i64;
        loop {
            let mut tx = conn.begin_with("BEGIN IMMEDIATE").await.map_err(&err)?;
            let rows = sqlx::query(
                "SELECT item_seq, kind, property_id, item_id, raw, invalid_reason FROM items \
                 WHERE is_current = 1 AND kind IN ('leases', 'charges', 'payments', 'deposits') \
                   AND item_seq > ?1 ORDER BY item_seq LIMIT ?2",
            )
            .bind(after)
            .bind(REBUILD_BATCH)
            .fetch_all(&mut *tx)
            .await
            .map_err(&err)?;
            let Some(last) = rows.last().map(|r| r.get::<i64, _>(0)) else { break };
            let mut pages: BTreeMap<(String, ItemKind), (i64, Vec<u8>)> = BTreeMap::new();
            for row in &rows {
                let seq: i64 = row.get(0);
                let kind_text: &str = row.get(1);
                let kind = ItemKind::parse(kind_text).ok_or_else(|| StateError::Corrupt {
                    path: self.path.clone(),
                    message: format!("item version {seq} is of an unknown kind `{kind_text}`"),
                })?;
                let property: String = row.get::<Option<String>, _>(2).unwrap_or_default();
                let item = ItemRef { item_id: row.get(3), raw: row.get(4), invalid_reason: row.get(5) };
                let form = make(kind, &property, item);
                let (_, page) = pages.entry((property, kind)).or_insert_with(|| (seq, Vec::new()));
                push_entry(page, seq, &form);
                written += 1;
            }
            for ((property, kind), (first, entries)) in &pages {
                insert_page(self, &mut tx, property, *kind, *first, entries).await?;
            }
            tx.commit().await.map_err(&err)?;
            after = last;
        }
        sqlx::query("INSERT OR REPLACE INTO state_meta (key, value) VALUES (?1, ?2)")
            .bind(FORMS_VERSION_KEY)
            .bind(FORM_VERSION.to_string())
            .execute(&mut *conn)
            .await
            .map_err(&err)?;
        Ok(written)
    }

    /// The planning forms of one list (one kind of one property), undecoded: decoding is CPU
    /// work for the caller to place ([`CurrentForms::decode`]). Says whether every current item
    /// version of the list has exactly one form ([`CurrentForms::is_complete`]).
    pub async fn current_forms(&self, kind: ItemKind, property_id: &str) -> Result<CurrentForms, StateError> {
        let err = self.query_err();
        // Index only: items_current_by_property holds (property_id, kind, item_seq), in order.
        let seqs: Option<String> = sqlx::query(
            "SELECT group_concat(item_seq) FROM items INDEXED BY items_current_by_property \
             WHERE property_id = ?1 AND kind = ?2 AND is_current = 1",
        )
        .bind(property_id)
        .bind(kind.as_str())
        .fetch_one(&self.pool)
        .await
        .map_err(&err)?
        .get(0);
        let corrupt = |message: String| StateError::Corrupt {
            path: self.path.clone(),
            message: format!("planning forms of {kind} of {property_id}: {message}"),
        };
        let mut current: Vec<i64> = Vec::new();
        for seq in seqs.as_deref().unwrap_or_default().split(',').filter(|s| !s.is_empty()) {
            current.push(seq.parse().map_err(|_| corrupt(format!("item_seq `{seq}`")))?);
        }
        current.sort_unstable();
        let pages: Vec<Vec<u8>> = sqlx::query(
            "SELECT entries FROM form_pages WHERE property_id = ?1 AND kind = ?2 ORDER BY first_seq",
        )
        .bind(property_id)
        .bind(kind.as_str())
        .fetch_all(&self.pool)
        .await
        .map_err(&err)?
        .into_iter()
        .map(|row| row.get(0))
        .collect();
        // Which current versions have a form, without decoding any.
        let mut seen = vec![0_u8; current.len()];
        for page in &pages {
            decode_entries(
                page,
                |seq| {
                    if let Ok(at) = current.binary_search(&seq) {
                        seen[at] = seen[at].saturating_add(1);
                    }
                    false
                },
                |_, _| {},
            )
            .map_err(|e| corrupt(e.to_string()))?;
        }
        let complete = seen.iter().all(|n| *n == 1);
        let with_form = seen.iter().filter(|n| **n > 0).count() as u64;
        Ok(CurrentForms {
            path: self.path.clone(),
            kind,
            property_id: property_id.to_owned(),
            current,
            pages,
            complete,
            with_form,
        })
    }
}

/// One list's planning forms as read from the state file, not yet decoded.
#[derive(Debug)]
pub struct CurrentForms {
    path: std::path::PathBuf,
    kind: ItemKind,
    property_id: String,
    /// The list's current item versions, ascending.
    current: Vec<i64>,
    pages: Vec<Vec<u8>>,
    complete: bool,
    with_form: u64,
}

impl CurrentForms {
    /// Whether every current item version of the list has exactly one form.
    pub fn is_complete(&self) -> bool {
        self.complete
    }

    /// Current item versions of the list.
    pub fn current(&self) -> u64 {
        self.current.len() as u64
    }

    /// Of those, how many have a form.
    pub fn with_form(&self) -> u64 {
        self.with_form
    }

    /// Calls `each` with the form of every current item version, in item id order (as planning
    /// from the JSON takes them), and returns how many there were. Fails when a form does not
    /// decode or the list is not complete.
    pub fn decode(self, mut each: impl FnMut(Form)) -> Result<u64, StateError> {
        let corrupt = |message: String| StateError::Corrupt {
            path: self.path.clone(),
            message: format!("planning forms of {} of {}: {message}", self.kind, self.property_id),
        };
        if !self.complete {
            return Err(corrupt(format!(
                "{} of {} current items have a form",
                self.with_form,
                self.current.len()
            )));
        }
        let mut forms: Vec<Form> = Vec::with_capacity(self.current.len());
        for page in &self.pages {
            decode_entries(page, |seq| self.current.binary_search(&seq).is_ok(), |_, form| forms.push(form))
                .map_err(|e| corrupt(e.to_string()))?;
        }
        let total = forms.len() as u64;
        if forms.is_sorted_by(|a, b| a.item_id() < b.item_id()) {
            forms.into_iter().for_each(&mut each);
            return Ok(total);
        }
        // Sort positions, not forms: a form is a few hundred bytes to move.
        let mut order: Vec<usize> = (0..forms.len()).collect();
        order.sort_unstable_by(|a, b| forms[*a].item_id().cmp(forms[*b].item_id()));
        if let Some(pair) = order.windows(2).find(|p| forms[p[0]].item_id() == forms[p[1]].item_id()) {
            return Err(corrupt(format!("two current forms of `{}`", forms[pair[0]].item_id())));
        }
        let mut slots: Vec<Option<Form>> = forms.into_iter().map(Some).collect();
        for at in order {
            if let Some(form) = slots[at].take() {
                each(form);
            }
        }
        Ok(total)
    }
}
