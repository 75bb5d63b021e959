//! `status`: what the state file holds, for a person (text) or a scheduler (JSON).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::{Value, json};

use crate::domain::ItemKind;
use crate::state::{CurrentItem, RunRecord, StateError, StateFile, StatusCounts};

pub struct StatusReport {
    pub state_path: String,
    pub counts: StatusCounts,
    pub quarantined: Vec<(String, CurrentItem)>,
    pub runs: Vec<RunRecord>,
}

/// Runs shown by `status`.
const RUNS_SHOWN: u32 = 5;
/// Quarantined items listed by name in the text form (all are in the JSON).
const QUARANTINE_SHOWN: usize = 20;

impl StatusReport {
    pub async fn gather(state: &StateFile) -> Result<StatusReport, StateError> {
        let counts = state.status_counts().await?;
        let quarantined = state.invalid_items().await?;
        let runs = state.recent_runs(RUNS_SHOWN).await?;
        Ok(StatusReport { state_path: state.path().display().to_string(), counts, quarantined, runs })
    }

    fn items_by_kind(&self) -> BTreeMap<&'static str, i64> {
        ItemKind::ALL
            .iter()
            .map(|k| {
                let n = self
                    .counts
                    .items_by_kind
                    .iter()
                    .find(|(name, _)| name == k.as_str())
                    .map_or(0, |(_, n)| *n);
                (k.as_str(), n)
            })
            .collect()
    }

    fn last_pull(&self) -> Option<&RunRecord> {
        self.runs.iter().find(|r| r.command == "pull")
    }

    pub fn to_json(&self) -> Value {
        let mut properties: BTreeMap<&str, BTreeMap<&str, i64>> = BTreeMap::new();
        for (property, kind, n) in &self.counts.items_by_property {
            properties.entry(property).or_default().insert(kind, *n);
        }
        let run_json = |r: &RunRecord| {
            json!({
                "runId": r.run_id,
                "command": r.command,
                "startedAt": r.started_at,
                "finishedAt": r.finished_at,
                "outcome": r.outcome,
                "summary": r.summary.as_deref().and_then(|s| serde_json::from_str::<Value>(s).ok()),
            })
        };
        json!({
            "stateFile": self.state_path,
            "items": self.items_by_kind(),
            "exceptions": self.quarantined.len(),
            "quarantined": self.quarantined.iter().map(|(kind, item)| json!({
                "kind": "invalid_item",
                "itemKind": kind,
                "sourceId": item.item_id,
                "propertyId": item.property_id,
                "version": item.version,
                "message": item.invalid_reason,
            })).collect::<Vec<_>>(),
            "properties": properties,
            "supersededVersions": self.counts.superseded_versions,
            "watermarks": self.counts.watermarks.iter().map(|w| json!({
                "scope": w.scope, "kind": w.kind, "updatedAt": w.updated_at, "pulledAt": w.pulled_at,
            })).collect::<Vec<_>>(),
            "lastPull": self.last_pull().map(run_json),
            "runs": self.runs.iter().map(run_json).collect::<Vec<_>>(),
        })
    }

    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "State file: {}", self.state_path);
        match self.last_pull() {
            Some(r) => {
                let outcome = r.outcome.as_deref().unwrap_or("did not finish");
                let _ = writeln!(out, "Last pull:  {} ({outcome})", r.started_at);
            }
            None => {
                let _ = writeln!(out, "Last pull:  never");
            }
        }
        let _ = writeln!(out, "\nItems (current versions, tombstones included):");
        for (kind, n) in self.items_by_kind() {
            let _ = writeln!(out, "  {kind:<11} {n:>10}");
        }
        if self.counts.superseded_versions > 0 {
            let _ = writeln!(
                out,
                "  ({} earlier versions kept of items changed in Entrata)",
                self.counts.superseded_versions
            );
        }
        let mut properties: BTreeMap<&str, BTreeMap<&str, i64>> = BTreeMap::new();
        for (property, kind, n) in &self.counts.items_by_property {
            properties.entry(property).or_default().insert(kind, *n);
        }
        if !properties.is_empty() {
            let _ = writeln!(
                out,
                "\n  {:<24} {:>8} {:>10} {:>10} {:>10}",
                "property", "leases", "charges", "payments", "deposits"
            );
            for (property, kinds) in &properties {
                let n = |k: &str| kinds.get(k).copied().unwrap_or(0);
                let _ = writeln!(
                    out,
                    "  {property:<24} {:>8} {:>10} {:>10} {:>10}",
                    n("leases"),
                    n("charges"),
                    n("payments"),
                    n("deposits")
                );
            }
        }
        if self.quarantined.is_empty() {
            let _ = writeln!(out, "\nExceptions: none");
        } else {
            let _ = writeln!(
                out,
                "\nExceptions: {} item(s) quarantined by the pull (they break Entrata's contract; fix them in Entrata):",
                self.quarantined.len()
            );
            for (kind, item) in self.quarantined.iter().take(QUARANTINE_SHOWN) {
                let _ = writeln!(
                    out,
                    "  {kind} {} ({}): {}",
                    item.item_id,
                    item.property_id.as_deref().unwrap_or("-"),
                    item.invalid_reason.as_deref().unwrap_or("")
                );
            }
            if self.quarantined.len() > QUARANTINE_SHOWN {
                let _ = writeln!(
                    out,
                    "  ... and {} more (`status --format json` lists all)",
                    self.quarantined.len() - QUARANTINE_SHOWN
                );
            }
        }
        if !self.counts.watermarks.is_empty() {
            let latest = self.counts.watermarks.iter().map(|w| w.updated_at.as_str()).max().unwrap_or("");
            let _ = writeln!(
                out,
                "\nWatermarks: {} lists, latest updatedAt {latest}",
                self.counts.watermarks.len()
            );
        }
        out
    }
}
