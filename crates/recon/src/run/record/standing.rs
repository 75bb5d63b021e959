//! Where the plan stands against what is posted, for `plan` (issue 16, item 6): once entries are
//! posted, `plan` shows what a post would send now (new entries, recorded ones no target holds
//! yet, adjustments with the document they correct) and counts what is already posted, instead of
//! listing the whole plan as work to do. Decided as `record` would, written nowhere.

use std::collections::HashSet;
use std::sync::Arc;

use super::{RecordRunError, decide, recorded_entries};
use crate::domain::{PostMonth, PropertyId};
use crate::journal::BalancedEntry;
use crate::mapping::MappingSet;
use crate::posting::{Change, SlotDrift};
use crate::run::plan::{PlanRequest, Prepared, prepare};
use crate::state::StateFile;

/// What a post would do now, and what is already posted.
#[derive(Debug, Clone, Default)]
pub struct Standing {
    /// Entries a post would send now, under the identity they are (or would be) recorded with:
    /// new ones, rewritten ones and recorded ones no target holds yet. Adjustments are among them.
    pub to_post: Vec<BalancedEntry>,
    /// The adjustments among them: the posted entry each corrects and what changed.
    pub adjustments: Vec<(PropertyId, SlotDrift)>,
    /// Recorded entries a target holds (or may hold): posted, not work to do.
    pub posted: usize,
}

/// The standing of the properties and month `request` names; `None` when nothing is posted yet
/// (the plan is then exactly what a post would send).
pub async fn standing(
    state: &StateFile,
    mappings: &Arc<MappingSet>,
    request: &PlanRequest,
) -> Result<Option<Standing>, RecordRunError> {
    let Prepared { ar_codes, chosen, use_forms, .. } = prepare(state, mappings, request).await?;
    let mut standing = Standing::default();
    let mut any_posted = false;
    let in_period = |month: PostMonth| request.period.is_none_or(|p| p == month);
    for (property, doc_property) in chosen {
        let id = property.id.clone();
        let recorded = recorded_entries(state, id.as_str(), None).await?;
        let frozen = recorded.iter().filter(|e| e.frozen && !e.withdrawn);
        let posted = frozen.filter(|e| in_period(PostMonth::of(e.date))).count();
        any_posted |= recorded.iter().any(|e| e.frozen);
        standing.posted += posted;
        let decision = decide(state, mappings, &ar_codes, property, doc_property, use_forms).await?;
        let mut replaced: HashSet<String> = HashSet::new();
        for change in decision.changes {
            match change {
                Change::Record(content) => standing.to_post.push(content.entry),
                Change::Rewrite(content) => {
                    replaced.insert(content.entry.key().to_string());
                    standing.to_post.push(content.entry);
                }
                Change::Withdraw { key } => {
                    replaced.insert(key);
                }
            }
        }
        for entry in recorded.iter().filter(|e| !e.frozen && !e.withdrawn && !replaced.contains(&e.key)) {
            if let Some(body) = state.recorded_entry(&entry.key).await? {
                standing.to_post.push(body);
            }
        }
        standing.adjustments.extend(decision.drifts.into_iter().map(|d| (id.clone(), d)));
    }
    if !any_posted {
        return Ok(None);
    }
    standing.to_post.retain(|e| in_period(e.post_month()));
    standing.to_post.sort_by(|a, b| a.key().cmp(b.key()));
    Ok(Some(standing))
}
