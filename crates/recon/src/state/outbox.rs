//! The outbox (migrations 0003, 0005, 0007): each recorded entry's posting per target and
//! company, the rows a post reads, and the moves it writes. Which posting state follows which is
//! `posting::outbox`'s table, checked here on every write.

use std::collections::BTreeMap;

use chrono::Utc;
use sqlx::Row;

use super::{StateError, StateFile, timestamp};
use crate::domain::BookName;
use crate::posting::body::StoredHeader;
use crate::posting::outbox::{PostingState, Transition, next};
use crate::targets::TargetKind;

/// A recorded entry not yet confirmed by a target, with its posting there (if any).
#[derive(Debug, Clone)]
pub struct OutboxRow {
    pub header: StoredHeader,
    pub body: String,
    pub state: Option<PostingState>,
    pub attempts: u32,
    pub token: Option<String>,
    pub last_attempt_at: Option<String>,
    /// Withdrawn (no longer planned, never posted from this state file): only ever looked up,
    /// when a company may hold what another state file sent (`withdrawn_outbox`), never sent.
    pub withdrawn: bool,
}

/// One posting's move through the outbox.
#[derive(Debug, Clone)]
pub struct Move {
    pub key: String,
    pub transition: Transition,
    /// `Send`: the idempotency token the request carries.
    pub token: Option<String>,
    pub target_id: Option<String>,
    pub error: Option<String>,
    /// The date the target holds, when it is not the entry's.
    pub target_date: Option<String>,
    /// `FoundByLookup`: the lines the company holds, when they are not the entry's and the entry
    /// cannot be rewritten to them (another target holds it as recorded): a body as JSON.
    pub held_body: Option<String>,
}

impl Move {
    pub fn new(key: impl Into<String>, transition: Transition) -> Move {
        Move {
            key: key.into(),
            transition,
            token: None,
            target_id: None,
            error: None,
            target_date: None,
            held_body: None,
        }
    }
}

/// The rows of a company's outbox (`?1` target, `?2` company, `?3` withdrawn, `?4` whether a book
/// scope applies, `?5`/`?6` its properties and other companies as JSON arrays of ids): what
/// `outbox_where` reads and `unsent_count` counts. A macro, so that each query stays one static
/// string (`concat!`), as sqlx wants SQL it can see whole.
macro_rules! outbox_rows {
    () => {
        "FROM entries e LEFT JOIN postings p \
                  ON p.entry_key = e.entry_key AND p.target = ?1 AND p.company_id = ?2 \
             WHERE (e.withdrawn_at IS NOT NULL) = ?3 AND (p.state IS NULL OR p.state <> 'confirmed') \
               AND (e.only_target IS NULL OR (e.only_target = ?1 AND e.only_company = ?2)) \
               AND (?4 = 0 OR p.state IS NOT NULL OR ( \
                    (CASE WHEN EXISTS (SELECT 1 FROM postings c WHERE c.entry_key = e.corrects \
                                       AND c.target = ?1 AND c.state = 'confirmed') \
                          THEN EXISTS (SELECT 1 FROM postings c WHERE c.entry_key = e.corrects \
                                       AND c.target = ?1 AND c.state = 'confirmed' AND c.company_id = ?2) \
                          ELSE e.property_id IN (SELECT value FROM json_each(?5)) END) \
                    AND NOT EXISTS (SELECT 1 FROM postings o WHERE o.entry_key = e.entry_key AND o.target = ?1 \
                                    AND o.company_id <> ?2 AND o.state <> 'failed' \
                                    AND o.company_id IN (SELECT value FROM json_each(?6))))) "
    };
}

/// A scope's properties and other companies as the JSON arrays `outbox_rows!` reads with
/// `json_each`: ids only, never money.
fn scope_ids(scope: Option<&BookScope>) -> (String, String) {
    let ids = |list: &[String]| serde_json::to_string(list).unwrap_or_else(|_| "[]".to_owned());
    scope
        .map_or_else(|| ("[]".to_owned(), "[]".to_owned()), |s| (ids(&s.properties), ids(&s.other_companies)))
}

/// One book's share of a target's outbox when the config names several books (issue 18). A property's
/// new entries go to the company of the book the mapping files route it to; an adjustment goes
/// where the entry it corrects is confirmed (the books that hold it); an entry another book's
/// company holds (or may hold) stays there; a posting already this company's is settled here.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BookScope {
    /// The properties the mapping files route to the book.
    pub properties: Vec<String>,
    /// The companies the target's other books are connected to.
    pub other_companies: Vec<String>,
}

/// Postings per target, company (QBO realm id, Xero tenant id; '' when not known) and state.
pub type PostingCounts = BTreeMap<(TargetKind, String, PostingState), u64>;

impl StateFile {
    /// Every recorded, not withdrawn entry that `company` of `target` has not confirmed, with its
    /// posting there. A posting to another company is not this company's: its entry is here as
    /// never sent (posted afresh), and its own outcome is never looked up in this company.
    /// `scope`: the book's share, when the config names several books.
    pub async fn outbox(
        &self,
        target: TargetKind,
        company: &str,
        scope: Option<&BookScope>,
    ) -> Result<Vec<OutboxRow>, StateError> {
        self.outbox_where(target, company, false, scope).await
    }

    /// Every withdrawn entry that `company` of `target` has not confirmed. A lost or replaced state
    /// file may have withdrawn an entry (its items changed before it was ever posted from this
    /// file) that another copy of the file posted: a first post looks these up too, and adopts
    /// what the company holds (`revive`).
    pub async fn withdrawn_outbox(
        &self,
        target: TargetKind,
        company: &str,
        scope: Option<&BookScope>,
    ) -> Result<Vec<OutboxRow>, StateError> {
        self.outbox_where(target, company, true, scope).await
    }

    /// How many rows of `company`'s outbox (its `scope` share) were never sent there: what
    /// `status` counts as not sent yet, without reading the entries' bodies.
    pub async fn unsent_count(
        &self,
        target: TargetKind,
        company: &str,
        scope: Option<&BookScope>,
    ) -> Result<u64, StateError> {
        let (properties, others) = scope_ids(scope);
        let n: i64 = sqlx::query_scalar(concat!("SELECT COUNT(*) ", outbox_rows!(), "AND p.state IS NULL"))
            .bind(target.as_str())
            .bind(company)
            .bind(false)
            .bind(scope.is_some())
            .bind(properties)
            .bind(others)
            .fetch_one(&self.pool)
            .await
            .map_err(self.query_err())?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    async fn outbox_where(
        &self,
        target: TargetKind,
        company: &str,
        withdrawn: bool,
        scope: Option<&BookScope>,
    ) -> Result<Vec<OutboxRow>, StateError> {
        let (properties, others) = scope_ids(scope);
        let rows = sqlx::query(
            concat!(
                "SELECT e.entry_key, e.property_id, e.kind, e.seq, e.doc_number, e.entry_date, e.post_month, \
                        e.currency, e.body, p.state, COALESCE(p.attempts, 0), p.idempotency_key, p.last_attempt_at, \
                        e.anchor ",
                outbox_rows!(),
                "ORDER BY e.property_id, e.entry_date, e.entry_key"
            ),
        )
        .bind(target.as_str())
        .bind(company)
        .bind(withdrawn)
        .bind(scope.is_some())
        .bind(properties)
        .bind(others)
        .fetch_all(&self.pool)
        .await
        .map_err(self.query_err())?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let key: String = row.get(0);
            let kind: String = row.get(2);
            let seq: i64 = row.get(3);
            let anchor: String = row.get(13);
            let state: Option<String> = row.get(9);
            let state = match state {
                None => None,
                Some(text) => Some(
                    PostingState::parse(&text)
                        .ok_or_else(|| self.corrupt(format!("posting state {text}")))?,
                ),
            };
            let attempts: i64 = row.get(10);
            out.push(OutboxRow {
                header: StoredHeader {
                    key,
                    property_id: row.get(1),
                    kind,
                    anchor,
                    seq: u32::try_from(seq).unwrap_or(0),
                    doc_number: row.get(4),
                    date: row.get(5),
                    post_month: row.get(6),
                    currency: row.get(7),
                },
                body: row.get(8),
                state,
                attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
                token: row.get(11),
                last_attempt_at: row.get(12),
                withdrawn,
            });
        }
        Ok(out)
    }

    /// Moves postings of `target` in `company` (the one each was sent to or found in), all in one
    /// transaction, each by `posting::outbox::next`; a move the table does not allow refuses the
    /// whole transaction (a connector bug, never a branch).
    pub async fn move_postings(
        &self,
        target: TargetKind,
        company: &str,
        moves: &[Move],
    ) -> Result<(), StateError> {
        if moves.is_empty() {
            return Ok(());
        }
        if company.is_empty() {
            return Err(StateError::Refused {
                path: self.path.clone(),
                message: format!("postings to {target} without the company they go to"),
            });
        }
        let err = self.query_err();
        let now = timestamp(Utc::now());
        let mut conn = self.pool.acquire().await.map_err(&err)?;
        let mut tx = sqlx::Connection::begin_with(&mut *conn, "BEGIN IMMEDIATE").await.map_err(&err)?;
        for m in moves {
            let current: Option<String> = sqlx::query_scalar(
                "SELECT state FROM postings WHERE entry_key = ?1 AND target = ?2 AND company_id = ?3",
            )
            .bind(&m.key)
            .bind(target.as_str())
            .bind(company)
            .fetch_optional(&mut *tx)
            .await
            .map_err(&err)?;
            let from = current.as_deref().map(|s| PostingState::parse(s).ok_or(s));
            let from = match from {
                None => None,
                Some(Ok(state)) => Some(state),
                Some(Err(text)) => return Err(self.corrupt(format!("posting state {text}"))),
            };
            let to = next(from, m.transition).ok_or_else(|| StateError::Refused {
                path: self.path.clone(),
                message: format!(
                    "posting {} to {target}: {:?} is not allowed from {from:?}",
                    m.key, m.transition
                ),
            })?;
            let sending = m.transition == Transition::Send;
            let token = m.token.clone().unwrap_or_default();
            if sending && token.is_empty() {
                return Err(StateError::Refused {
                    path: self.path.clone(),
                    message: format!("posting {} to {target}: sent without an idempotency token", m.key),
                });
            }
            sqlx::query(
                "INSERT INTO postings (entry_key, target, state, idempotency_key, attempts, target_id, target_date, \
                                       error, last_attempt_at, updated_at, company_id, held_body) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?12, ?13) \
                 ON CONFLICT (entry_key, target, company_id) DO UPDATE SET \
                    state = excluded.state, \
                    idempotency_key = CASE WHEN ?11 THEN excluded.idempotency_key ELSE postings.idempotency_key END, \
                    attempts = postings.attempts + CASE WHEN ?11 THEN 1 ELSE 0 END, \
                    target_id = COALESCE(excluded.target_id, postings.target_id), \
                    target_date = COALESCE(excluded.target_date, postings.target_date), \
                    error = CASE WHEN ?11 THEN NULL ELSE COALESCE(excluded.error, postings.error) END, \
                    last_attempt_at = CASE WHEN ?11 THEN excluded.last_attempt_at ELSE postings.last_attempt_at END, \
                    held_body = COALESCE(excluded.held_body, postings.held_body), \
                    updated_at = excluded.updated_at",
            )
            .bind(&m.key)
            .bind(target.as_str())
            .bind(to.as_str())
            .bind(&token)
            .bind(i64::from(sending))
            .bind(&m.target_id)
            .bind(&m.target_date)
            .bind(&m.error)
            .bind(sending.then(|| now.clone()))
            .bind(&now)
            .bind(sending)
            .bind(company)
            .bind(&m.held_body)
            .execute(&mut *tx)
            .await
            .map_err(&err)?;
        }
        tx.commit().await.map_err(&err)?;
        Ok(())
    }

    /// Recorded entries that are not withdrawn and go to `company` of `target` (every entry but
    /// the catch-ups of other companies).
    pub async fn recorded_count(&self, target: TargetKind, company: &str) -> Result<u64, StateError> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM entries WHERE withdrawn_at IS NULL \
             AND (only_target IS NULL OR (only_target = ?1 AND only_company = ?2))",
        )
        .bind(target.as_str())
        .bind(company)
        .fetch_one(&self.pool)
        .await
        .map_err(self.query_err())?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Properties of `scope` with entries confirmed in the target's other books' companies (they
    /// moved to this book since): property, company and how many, by property and company.
    pub async fn moved_in(
        &self,
        target: TargetKind,
        scope: &BookScope,
    ) -> Result<Vec<(String, String, u64)>, StateError> {
        let (properties, others) = scope_ids(Some(scope));
        let rows: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT e.property_id, p.company_id, COUNT(*) FROM entries e \
             JOIN postings p ON p.entry_key = e.entry_key AND p.target = ?1 AND p.state = 'confirmed' \
             WHERE e.property_id IN (SELECT value FROM json_each(?2)) \
               AND p.company_id IN (SELECT value FROM json_each(?3)) \
             GROUP BY e.property_id, p.company_id ORDER BY e.property_id, p.company_id",
        )
        .bind(target.as_str())
        .bind(properties)
        .bind(others)
        .fetch_all(&self.pool)
        .await
        .map_err(self.query_err())?;
        Ok(rows.into_iter().map(|(p, c, n)| (p, c, u64::try_from(n).unwrap_or(0))).collect())
    }

    /// `book`'s share of `target`'s outbox (`BookScope`): the properties with recorded entries that
    /// `routes_to_book` says are the book's, and the companies the target's other books are
    /// connected to.
    pub async fn book_scope(
        &self,
        target: TargetKind,
        book: &BookName,
        routes_to_book: impl Fn(&str) -> bool,
    ) -> Result<BookScope, StateError> {
        let properties = self.recorded_properties().await?;
        let other_companies = self
            .connected_books()
            .await?
            .into_iter()
            .filter(|(t, b, _)| *t == target && b != book)
            .map(|(_, _, company)| company)
            .collect();
        Ok(BookScope {
            properties: properties.into_iter().filter(|p| routes_to_book(p)).collect(),
            other_companies,
        })
    }

    /// Every property with a recorded entry, in id order.
    pub async fn recorded_properties(&self) -> Result<Vec<String>, StateError> {
        sqlx::query_scalar("SELECT DISTINCT property_id FROM entries ORDER BY property_id")
            .fetch_all(&self.pool)
            .await
            .map_err(self.query_err())
    }

    /// Postings per target, company and state, for `status` and summaries.
    pub async fn posting_counts(&self) -> Result<PostingCounts, StateError> {
        let rows = sqlx::query(
            "SELECT target, company_id, state, COUNT(*) FROM postings GROUP BY target, company_id, state",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(self.query_err())?;
        let mut counts = PostingCounts::new();
        for row in rows {
            let target: String = row.get(0);
            let state: String = row.get(2);
            let n: i64 = row.get(3);
            if let (Some(target), Some(state)) = (TargetKind::parse(&target), PostingState::parse(&state)) {
                counts.insert((target, row.get(1), state), u64::try_from(n).unwrap_or(0));
            }
        }
        Ok(counts)
    }
}
