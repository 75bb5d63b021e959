//! `status`: what needs a person first (open exceptions by kind, with the money waiting: the same
//! exceptions `plan` finds, quarantined items included; a failed last pull and why), then what the
//! state file holds. Text for a person, JSON for a scheduler.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde_json::{Value, json};

use super::exceptions::{KindSummary, by_kind, render_by_kind};
use crate::domain::{Exception, ExceptionKind, ItemKind, PropertyId};
use crate::state::{CurrentItem, RunRecord, StateError, StateFile, StatusCounts};

/// The exceptions `plan` finds now, or why they could not be found.
#[derive(Debug, Clone)]
pub enum Planned {
    Checked(Vec<Exception>),
    /// Why the plan was not made; `needs_person` when a person must fix something first (the
    /// mapping files have mistakes), not when there is simply nothing to plan with.
    NotChecked {
        reason: String,
        needs_person: bool,
    },
}

pub struct StatusReport {
    pub state_path: String,
    pub counts: StatusCounts,
    pub quarantined: Vec<(String, CurrentItem)>,
    pub runs: Vec<RunRecord>,
    /// The last pull, whichever command made it.
    pub last_pull: Option<RunRecord>,
    /// Every open exception: the plan's, and quarantined items the plan did not reach.
    pub exceptions: Vec<Exception>,
    pub planned: Planned,
    /// Each connected (or posted-to) target: company, token expiry, postings by state.
    pub targets: Vec<crate::report::targets::TargetStatus>,
}

/// Runs shown by `status`.
const RUNS_SHOWN: u32 = 5;
/// Quarantined items listed by name in the text form (all are in the JSON).
const QUARANTINE_SHOWN: usize = 20;

impl StatusReport {
    /// `mappings`: the mapping files as `planned` read them, when they could be.
    pub async fn gather(
        state: &StateFile,
        planned: Planned,
        mappings: Option<&crate::mapping::MappingSet>,
    ) -> Result<StatusReport, StateError> {
        let counts = state.status_counts().await?;
        let quarantined = state.invalid_items().await?;
        let runs = state.recent_runs(RUNS_SHOWN).await?;
        let last_pull = state.last_run_of("pull").await?;
        let mut exceptions = match &planned {
            Planned::Checked(exceptions) => exceptions.clone(),
            Planned::NotChecked { .. } => Vec::new(),
        };
        let reported: BTreeSet<&str> = exceptions
            .iter()
            .filter(|x| x.kind == ExceptionKind::InvalidItem)
            .map(|x| x.source_id.as_str())
            .collect();
        let unreported: Vec<Exception> = quarantined
            .iter()
            .filter(|(_, item)| !reported.contains(item.item_id.as_str()))
            .map(|(_, item)| Exception {
                kind: ExceptionKind::InvalidItem,
                property_id: item.property_id.as_deref().map(PropertyId::new),
                source_id: item.item_id.clone(),
                amount: None,
                message: format!("quarantined by the pull: {}", item.invalid_reason.as_deref().unwrap_or("")),
            })
            .collect();
        exceptions.extend(unreported);
        Ok(StatusReport {
            state_path: state.path().display().to_string(),
            counts,
            quarantined,
            runs,
            last_pull,
            exceptions,
            planned,
            targets: crate::report::targets::gather(state, mappings).await?,
        })
    }

    /// Whether a person needs to look: open exceptions, a failed last pull, or mapping files that
    /// keep the plan from being made.
    pub fn needs_person(&self) -> bool {
        !self.exceptions.is_empty()
            || self.last_pull().is_some_and(|r| r.outcome.as_deref() == Some("failed"))
            || matches!(self.planned, Planned::NotChecked { needs_person: true, .. })
            || self.targets.iter().any(crate::report::targets::TargetStatus::needs_person)
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
        self.last_pull.as_ref()
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
        let kind_json = |k: &KindSummary| {
            let waiting: BTreeMap<&str, Option<String>> =
                k.money.iter().map(|(c, m)| (c.as_str(), m.map(crate::domain::format_amount))).collect();
            json!({"kind": k.kind.as_str(), "count": k.count, "held": k.kind.holds_item(), "waiting": waiting})
        };
        let (checked, not_checked) = match &self.planned {
            Planned::Checked(_) => (true, None),
            Planned::NotChecked { reason, .. } => (false, Some(reason.as_str())),
        };
        json!({
            "stateFile": self.state_path,
            "needsPerson": self.needs_person(),
            "items": self.items_by_kind(),
            "exceptions": self.exceptions.len(),
            "exceptionsByKind": by_kind(&self.exceptions).iter().map(kind_json).collect::<Vec<_>>(),
            "planChecked": checked,
            "planNotCheckedBecause": not_checked,
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
            "targets": crate::report::targets::to_json(&self.targets),
            "runs": self.runs.iter().map(run_json).collect::<Vec<_>>(),
        })
    }

    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "State file: {}", self.state_path);
        self.write_last_pull(&mut out);
        self.write_exceptions(&mut out);
        self.write_quarantined(&mut out);
        out.push_str(&crate::report::targets::to_text(&self.targets, chrono::Utc::now()));
        self.write_items(&mut out);
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

    fn write_last_pull(&self, out: &mut String) {
        let Some(r) = self.last_pull() else {
            let _ = writeln!(out, "Last pull:  never");
            return;
        };
        let outcome = r.outcome.as_deref().unwrap_or("did not finish");
        let summary = r.summary.as_deref().and_then(|s| serde_json::from_str::<Value>(s).ok());
        let error = summary.as_ref().and_then(|s| s.get("error").and_then(Value::as_str).map(str::to_owned));
        // A pull made by `run` (or the demo's nights) says so.
        let outcome = match summary.as_ref().and_then(|s| s.get("by")).and_then(Value::as_str) {
            Some(by) => format!("{outcome}, by `{by}`"),
            None => outcome.to_owned(),
        };
        match error {
            Some(error) => {
                let _ = writeln!(out, "Last pull:  {} ({outcome}): {error}", r.started_at);
            }
            None => {
                let _ = writeln!(out, "Last pull:  {} ({outcome})", r.started_at);
            }
        }
    }

    fn write_exceptions(&self, out: &mut String) {
        let kinds = by_kind(&self.exceptions);
        if kinds.is_empty() {
            let _ = writeln!(out, "\nNeeds a person: no open exceptions.");
        } else {
            let _ = writeln!(
                out,
                "\nNeeds a person: {} open exception{}",
                self.exceptions.len(),
                if self.exceptions.len() == 1 { "" } else { "s" }
            );
            out.push_str(&render_by_kind(&kinds, "  "));
        }
        match &self.planned {
            Planned::Checked(_) if !kinds.is_empty() => {
                let _ = writeln!(out, "  `entrata-recon plan` lists each one.");
            }
            Planned::Checked(_) => {}
            Planned::NotChecked { reason, .. } => {
                let _ = writeln!(
                    out,
                    "  Planning exceptions (unmapped codes, deposit mismatches, ...) not checked: {reason}"
                );
            }
        }
    }

    fn write_quarantined(&self, out: &mut String) {
        if self.quarantined.is_empty() {
            return;
        }
        let _ = writeln!(
            out,
            "\nQuarantined by the pull: {} item(s) break Entrata's contract (fix them in Entrata):",
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

    fn write_items(&self, out: &mut String) {
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
    }
}
