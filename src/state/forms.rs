//! The `item_forms` table: every current per-property item's planning form (`form.rs`), clustered
//! by property, kind and id; and `state_meta.forms_version`, which says the table is complete for
//! this version's encoding.
//!
//! Invariant: while `forms_version` equals [`FORM_VERSION`], `item_forms` holds exactly one row per
//! current per-property item, written in the transaction that stored the item's version. `plan`
//! checks the count per property and kind before trusting it, and reads raw JSON when it does not
//! match.

use sqlx::sqlite::{SqliteArguments, SqliteConnection};
use sqlx::{Arguments, Connection, Row};

use super::form::{FORM_VERSION, Form, decode_all};
use super::items::{INSERT_ROWS_MAX, SHAPE_ROWS, insert_chunks};
use super::{ItemRef, ItemWrite, StateError, StateFile};
use crate::domain::ItemKind;

/// Forms per batch row when reading: about 150 bytes each, under 1 MB a row.
const FORMS_PER_BATCH: i64 = 4_096;

const FORMS_VERSION_KEY: &str = "forms_version";

/// Stores the forms of a page's new and changed per-property items (inside the page's
/// transaction), first removing the forms of changed items that moved to another property.
pub(super) async fn write_forms(
    state: &StateFile,
    conn: &mut SqliteConnection,
    kind: ItemKind,
    moved: &[(Option<&str>, &str)],
    inserts: &[(&ItemWrite, i64)],
) -> Result<(), StateError> {
    let err = state.query_err();
    for (old_property, item_id) in moved {
        sqlx::query("DELETE FROM item_forms WHERE property_id = ?1 AND kind = ?2 AND item_id = ?3")
            .bind(old_property)
            .bind(kind.as_str())
            .bind(item_id)
            .execute(&mut *conn)
            .await
            .map_err(&err)?;
    }
    let mut rows = Vec::with_capacity(inserts.len());
    for (item, _) in inserts {
        let refused = |what: &str| StateError::Refused {
            path: state.path.clone(),
            message: format!("{kind} {} has no {what}: its planning form cannot be stored", item.item_id),
        };
        let property = item.property_id.as_deref().ok_or_else(|| refused("property"))?;
        let form = item.form.as_deref().ok_or_else(|| refused("planning form"))?;
        rows.push((property, item.item_id.as_str(), form));
    }
    insert_forms(state, conn, kind, &rows).await
}

async fn insert_forms(
    state: &StateFile,
    conn: &mut SqliteConnection,
    kind: ItemKind,
    rows: &[(&str, &str, &[u8])],
) -> Result<(), StateError> {
    let err = state.query_err();
    let mut rest = rows;
    for shape in insert_chunks(rows.len()) {
        let (chunk, after) = rest.split_at(SHAPE_ROWS[shape]);
        rest = after;
        let mut args = SqliteArguments::default();
        let encode = |e| err(sqlx::Error::Encode(e));
        for (property, item_id, form) in chunk {
            args.add(*property).map_err(encode)?;
            args.add(kind.as_str()).map_err(encode)?;
            args.add(*item_id).map_err(encode)?;
            args.add(*form).map_err(encode)?;
        }
        sqlx::query_with(insert_sql(shape), args).execute(&mut *conn).await.map_err(&err)?;
    }
    Ok(())
}

fn insert_sql(shape: usize) -> &'static str {
    use std::sync::OnceLock;
    static SQL: [OnceLock<String>; SHAPE_ROWS.len()] = [const { OnceLock::new() }; SHAPE_ROWS.len()];
    const _: () = assert!(INSERT_ROWS_MAX * 4 < 32_766, "too many bound values per statement");
    SQL[shape].get_or_init(|| {
        let mut sql =
            String::from("INSERT OR REPLACE INTO item_forms (property_id, kind, item_id, form) VALUES ");
        sql.push_str(&vec!["(?, ?, ?, ?)"; SHAPE_ROWS[shape]].join(", "));
        sql
    })
}

const PER_PROPERTY_KINDS: [ItemKind; 4] =
    [ItemKind::Lease, ItemKind::Charge, ItemKind::Payment, ItemKind::Deposit];

impl StateFile {
    /// Whether `item_forms` is complete for this version's encoding. False for a state file last
    /// pulled by an older version (until the next `pull` rebuilds the forms).
    pub async fn forms_current(&self) -> Result<bool, StateError> {
        let row = sqlx::query("SELECT value FROM state_meta WHERE key = ?1")
            .bind(FORMS_VERSION_KEY)
            .fetch_optional(&self.pool)
            .await
            .map_err(self.query_err())?;
        Ok(row.is_some_and(|r| r.get::<String, _>(0) == FORM_VERSION.to_string()))
    }

    /// Rewrites every planning form from the current items' raw JSON, `make` giving each item's
    /// form (from its kind, its property and the stored item); then marks the forms current.
    /// Callers hold the state lock. One transaction per property: interrupted, the forms stay
    /// marked stale and the next call starts again. Returns the number of forms written.
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
        sqlx::query("DELETE FROM item_forms").execute(&mut *tx).await.map_err(&err)?;
        tx.commit().await.map_err(&err)?;

        let properties: Vec<String> = sqlx::query(
            "SELECT DISTINCT property_id FROM items INDEXED BY items_current_by_property \
             WHERE is_current = 1 AND property_id IS NOT NULL \
               AND kind IN ('leases', 'charges', 'payments', 'deposits') ORDER BY property_id",
        )
        .fetch_all(&mut *conn)
        .await
        .map_err(&err)?
        .into_iter()
        .map(|r| r.get(0))
        .collect();

        let mut written = 0;
        for property in &properties {
            let mut tx = conn.begin_with("BEGIN IMMEDIATE").await.map_err(&err)?;
            for kind in PER_PROPERTY_KINDS {
                let mut forms: Vec<(String, Vec<u8>)> = Vec::new();
                self.for_each_current_item(kind, property, |item| {
                    forms.push((item.item_id.to_owned(), make(kind, property, item)));
                })
                .await?;
                let rows: Vec<(&str, &str, &[u8])> = forms
                    .iter()
                    .map(|(id, form)| (property.as_str(), id.as_str(), form.as_slice()))
                    .collect();
                insert_forms(self, &mut tx, kind, &rows).await?;
                written += rows.len() as u64;
            }
            tx.commit().await.map_err(&err)?;
        }
        sqlx::query("INSERT OR REPLACE INTO state_meta (key, value) VALUES (?1, ?2)")
            .bind(FORMS_VERSION_KEY)
            .bind(FORM_VERSION.to_string())
            .execute(&mut *conn)
            .await
            .map_err(&err)?;
        Ok(written)
    }

    /// Current items of one kind of one property (quarantined ones included).
    pub async fn count_current(&self, kind: ItemKind, property_id: &str) -> Result<u64, StateError> {
        let n: i64 = sqlx::query(
            "SELECT count(*) FROM items INDEXED BY items_current_by_property \
             WHERE property_id = ?1 AND kind = ?2 AND is_current = 1",
        )
        .bind(property_id)
        .bind(kind.as_str())
        .fetch_one(&self.pool)
        .await
        .map_err(self.query_err())?
        .get(0);
        Ok(n as u64)
    }

    /// Reads the planning forms of every current item of one kind of one property, undecoded:
    /// decoding is CPU work for the caller to place ([`CurrentForms::decode`]). Forms come back
    /// many to a row (`FORMS_PER_BATCH`, back to back: each carries its length), so that they
    /// cost no per-row work in sqlx.
    pub async fn current_forms(&self, kind: ItemKind, property_id: &str) -> Result<CurrentForms, StateError> {
        // The primary key's order: SQLite sorts nothing, and ids arrive sorted.
        const BATCH: &str = "SELECT count(*), max(item_id), CAST(group_concat(form, '') AS BLOB) \
             FROM (SELECT item_id, form FROM item_forms \
                   WHERE property_id = ?1 AND kind = ?2 AND item_id > ?3 ORDER BY item_id LIMIT ?4)";
        let mut forms = CurrentForms {
            path: self.path.clone(),
            kind,
            property_id: property_id.to_owned(),
            batches: Vec::new(),
            count: 0,
        };
        let mut after = String::new();
        loop {
            let row = sqlx::query(BATCH)
                .bind(property_id)
                .bind(kind.as_str())
                .bind(&after)
                .bind(FORMS_PER_BATCH)
                .fetch_one(&self.pool)
                .await
                .map_err(self.query_err())?;
            let count: i64 = row.get(0);
            let Some(last) = row.get::<Option<String>, _>(1) else { break };
            let bytes: Vec<u8> = row.get::<Option<Vec<u8>>, _>(2).unwrap_or_default();
            forms.count += count as u64;
            forms.batches.push(FormBatch { count: count as u64, last: last.clone(), bytes });
            if count < FORMS_PER_BATCH {
                break;
            }
            after = last;
        }
        Ok(forms)
    }
}

/// One list's planning forms as read from the state file, not yet decoded.
#[derive(Debug)]
pub struct CurrentForms {
    path: std::path::PathBuf,
    kind: ItemKind,
    property_id: String,
    batches: Vec<FormBatch>,
    count: u64,
}

#[derive(Debug)]
struct FormBatch {
    count: u64,
    /// The batch's last item id, as the table has it.
    last: String,
    bytes: Vec<u8>,
}

impl CurrentForms {
    /// How many forms the table holds for the list.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Calls `each` with every form, in id order, and returns how many there were. Fails when a
    /// form does not decode, or the forms are not the rows they were read from (count, order,
    /// last id).
    pub fn decode(self, mut each: impl FnMut(Form)) -> Result<u64, StateError> {
        let corrupt = |message: String| StateError::Corrupt {
            path: self.path.clone(),
            message: format!("planning forms of {} of {}: {message}", self.kind, self.property_id),
        };
        let mut previous = String::new();
        let mut total = 0_u64;
        for batch in &self.batches {
            let mut decoded = 0_u64;
            let mut out_of_order = None;
            decode_all(&batch.bytes, |form| {
                let id = form.item_id();
                if id <= previous.as_str() && (decoded > 0 || total > 0) {
                    out_of_order.get_or_insert_with(|| id.to_owned());
                }
                decoded += 1;
                previous.clear();
                previous.push_str(id);
                each(form);
            })
            .map_err(|e| corrupt(e.to_string()))?;
            if let Some(id) = out_of_order {
                return Err(corrupt(format!("form of `{id}` out of order or under another id")));
            }
            if decoded != batch.count || previous != batch.last {
                return Err(corrupt(format!("read {decoded} forms of {}", batch.count)));
            }
            total += decoded;
        }
        Ok(total)
    }
}
