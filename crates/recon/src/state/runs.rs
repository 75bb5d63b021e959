//! One row per command that changed the state file.

use chrono::Utc;
use sqlx::Row;

use super::{StateError, StateFile, timestamp};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunId(i64);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunOutcome {
    Ok,
    NeedsAttention,
    Failed,
}

impl RunOutcome {
    pub fn as_str(&self) -> &'static str {
        match self {
            RunOutcome::Ok => "ok",
            RunOutcome::NeedsAttention => "needs_attention",
            RunOutcome::Failed => "failed",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunRecord {
    pub run_id: i64,
    pub command: String,
    pub started_at: String,
    pub finished_at: Option<String>,
    /// `None` while running, or when the process died mid-run.
    pub outcome: Option<String>,
    pub summary: Option<String>,
}

impl StateFile {
    pub async fn begin_run(&self, command: &str) -> Result<RunId, StateError> {
        let row = sqlx::query("INSERT INTO runs (command, started_at) VALUES (?1, ?2) RETURNING run_id")
            .bind(command)
            .bind(timestamp(Utc::now()))
            .fetch_one(&self.pool)
            .await
            .map_err(self.query_err())?;
        Ok(RunId(row.get(0)))
    }

    /// `summary` is JSON written by the command.
    pub async fn finish_run(&self, run: RunId, outcome: RunOutcome, summary: &str) -> Result<(), StateError> {
        sqlx::query("UPDATE runs SET finished_at = ?1, outcome = ?2, summary = ?3 WHERE run_id = ?4")
            .bind(timestamp(Utc::now()))
            .bind(outcome.as_str())
            .bind(summary)
            .bind(run.0)
            .execute(&self.pool)
            .await
            .map_err(self.query_err())?;
        Ok(())
    }

    /// The last run of `command` (a pull by `pull`, `run`, `drift --pull` or the demo is recorded
    /// as `pull`), however many other commands ran since.
    pub async fn last_run_of(&self, command: &str) -> Result<Option<RunRecord>, StateError> {
        let row = sqlx::query(
            "SELECT run_id, command, started_at, finished_at, outcome, summary FROM runs \
             WHERE command = ?1 ORDER BY run_id DESC LIMIT 1",
        )
        .bind(command)
        .fetch_optional(&self.pool)
        .await
        .map_err(self.query_err())?;
        Ok(row.as_ref().map(run_record))
    }

    /// The latest runs, newest first.
    pub async fn recent_runs(&self, limit: u32) -> Result<Vec<RunRecord>, StateError> {
        let rows = sqlx::query(
            "SELECT run_id, command, started_at, finished_at, outcome, summary FROM runs \
             ORDER BY run_id DESC LIMIT ?1",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(self.query_err())?;
        Ok(rows.iter().map(run_record).collect())
    }
}

/// A `runs` row selected as `run_id, command, started_at, finished_at, outcome, summary`.
fn run_record(r: &sqlx::sqlite::SqliteRow) -> RunRecord {
    RunRecord {
        run_id: r.get(0),
        command: r.get(1),
        started_at: r.get(2),
        finished_at: r.get(3),
        outcome: r.get(4),
        summary: r.get(5),
    }
}
