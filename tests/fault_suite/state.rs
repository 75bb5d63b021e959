//! What the state file says was recorded and posted, read straight from its tables (read-only),
//! with each line's logical account turned into the target's account code by the mappings.

use std::collections::BTreeMap;
use std::path::Path;

use entrata_recon::domain::{AccountName, PropertyId};
use entrata_recon::mapping::MappingSet;
use serde::Deserialize;
use sqlx::Row;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};

use super::books::text_cents;

#[derive(Debug, Clone)]
pub struct Recorded {
    pub property_id: String,
    pub doc_number: String,
    pub date: chrono::NaiveDate,
    pub post_month: String,
    pub withdrawn: bool,
    /// (logical account, debit, cents).
    pub lines: Vec<(String, bool, i64)>,
    /// A catch-up: posted to this target alone.
    pub only: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Posting {
    /// The company it was sent to or found in (QuickBooks realm, Xero tenant).
    pub company_id: String,
    pub state: String,
    pub target_id: Option<String>,
    pub target_date: Option<String>,
    pub error: Option<String>,
    /// What the company holds when it is not the entry's lines (a catch-up books the difference).
    pub held_lines: Option<Vec<(String, bool, i64)>>,
}

#[derive(Debug, Default)]
pub struct Ledger {
    pub entries: BTreeMap<String, Recorded>,
    /// (entry key, target) -> posting.
    pub postings: BTreeMap<(String, String), Posting>,
}

#[derive(Deserialize)]
struct Body {
    lines: Vec<BodyLine>,
}

#[derive(Deserialize)]
struct BodyLine {
    account: String,
    side: String,
    amount: String,
}

/// A stored body's lines: (logical account, debit, cents).
fn body_lines(key: &str, body: &str) -> Result<Vec<(String, bool, i64)>, String> {
    let body: Body = serde_json::from_str(body).map_err(|e| format!("{key}: body: {e}"))?;
    body.lines.iter().map(|l| Ok((l.account.clone(), l.side == "debit", text_cents(&l.amount)?))).collect()
}

impl Ledger {
    pub async fn read(path: &Path) -> Result<Ledger, String> {
        let options = SqliteConnectOptions::new().filename(path).read_only(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await
            .map_err(|e| format!("state file: {e}"))?;
        let result = Self::read_from(&pool).await;
        pool.close().await;
        result
    }

    async fn read_from(pool: &sqlx::SqlitePool) -> Result<Ledger, String> {
        let sql = |e: sqlx::Error| format!("state file: {e}");
        let mut ledger = Ledger::default();
        let rows = sqlx::query(
            "SELECT entry_key, property_id, doc_number, entry_date, withdrawn_at IS NOT NULL, body, post_month, \
                    only_target \
             FROM entries",
        )
        .fetch_all(pool)
        .await
        .map_err(sql)?;
        for row in rows {
            let key: String = row.get(0);
            let lines = body_lines(&key, row.get::<&str, _>(5))?;
            let date: String = row.get(3);
            let recorded = Recorded {
                property_id: row.get(1),
                doc_number: row.get(2),
                date: chrono::NaiveDate::parse_from_str(&date, "%Y-%m-%d")
                    .map_err(|e| format!("{key}: {e}"))?,
                post_month: row.get(6),
                withdrawn: row.get::<i64, _>(4) == 1,
                lines,
                only: row.get(7),
            };
            ledger.entries.insert(key, recorded);
        }
        let rows = sqlx::query(
            "SELECT entry_key, target, state, target_id, target_date, error, held_body, company_id FROM postings",
        )
        .fetch_all(pool)
        .await
        .map_err(sql)?;
        for row in rows {
            let key: String = row.get(0);
            let held: Option<String> = row.get(6);
            let held_lines = held.map(|body| body_lines(&key, &body)).transpose()?;
            // An entry is posted to one company per target; should another row be there, the
            // confirmed one is what the checks compare (the other shows as a document twice).
            let at = (key, row.get::<String, _>(1));
            if ledger.postings.get(&at).is_some_and(|p| p.state == "confirmed") {
                continue;
            }
            ledger.postings.insert(
                at,
                Posting {
                    company_id: row.get(7),
                    state: row.get(2),
                    target_id: row.get(3),
                    target_date: row.get(4),
                    error: row.get(5),
                    held_lines,
                },
            );
        }
        Ok(ledger)
    }

    /// Postings not confirmed, as `key at target: state (error)`; entries with no posting row
    /// at a target count too.
    pub fn unsettled(&self) -> Vec<String> {
        let mut open = Vec::new();
        for (key, entry) in self.entries.iter().filter(|(_, e)| !e.withdrawn) {
            for target in
                ["qbo", "xero"].into_iter().filter(|t| entry.only.as_deref().is_none_or(|o| o == *t))
            {
                match self.postings.get(&(key.clone(), target.to_owned())) {
                    Some(p) if p.state == "confirmed" => {}
                    Some(p) => open.push(format!(
                        "{} ({key}) at {target}: {} ({})",
                        entry.doc_number,
                        p.state,
                        p.error.as_deref().unwrap_or("-")
                    )),
                    None => open.push(format!("{} ({key}) at {target}: never sent", entry.doc_number)),
                }
            }
        }
        open
    }
}

/// The account code a logical account of a property has at a target.
pub fn code(mappings: &MappingSet, property: &str, account: &str, target: &str) -> String {
    let mapping = mappings.for_property(&PropertyId::new(property));
    let accounts = mapping.accounts.get(&AccountName::new(account));
    let code = accounts.and_then(|a| if target == "qbo" { a.qbo.clone() } else { a.xero.clone() });
    code.unwrap_or_else(|| format!("?{account}"))
}
