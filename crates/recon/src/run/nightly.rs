//! `run`: the nightly job (PRODUCT.md §2): pull, record and post to every enabled target, and say
//! in one screen what happened and what needs a person. `--dry-run` stops before posting.

use std::sync::Arc;

use crate::config::Config;
use crate::http::Pause;
use crate::mapping::MappingSet;
use crate::report::progress::Progress;
use crate::run::post::{PostReport, PostRequest, PostRunError, post};
use crate::run::pull::{PullError, PullOptions, PullSummary, pull};
use crate::source::Source;
use crate::state::{RunOutcome, StateError, StateFile};
use crate::targets::TargetKind;

#[derive(Debug, thiserror::Error)]
pub enum NightlyError {
    #[error(transparent)]
    Pull(#[from] PullError),
    #[error(transparent)]
    Post(#[from] PostRunError),
    #[error(transparent)]
    State(#[from] StateError),
}

pub struct NightlyRequest {
    pub targets: Vec<TargetKind>,
    /// Only these books (`--books`; every book when empty).
    pub books: Vec<crate::domain::BookName>,
    pub dry_run: bool,
    pub pause: Pause,
}

#[derive(Debug, Clone)]
pub struct NightlyReport {
    pub pull: PullSummary,
    /// Items the pull holds as quarantined now (current versions).
    pub quarantined: usize,
    pub post: PostReport,
    /// `mark_exported` (Entrata's own API): how many deposit GL lines were marked exported in
    /// Entrata, or why marking failed (the postings stand either way).
    pub marked_exported: Option<Result<u64, String>>,
}

impl NightlyReport {
    pub fn needs_attention(&self) -> bool {
        self.quarantined > 0
            || self.post.needs_attention()
            || self.marked_exported.as_ref().is_some_and(|m| m.is_err())
    }
}

pub async fn nightly(
    config: &Config,
    client: &Source,
    state: &StateFile,
    mappings: &Arc<MappingSet>,
    request: &NightlyRequest,
    progress: &Progress,
) -> Result<NightlyReport, NightlyError> {
    // The pull is a pull whoever makes it: `status` says when the last one was (issue 16, item 4).
    let pull_run = state.begin_run("pull").await?;
    let pulled = match pull(config, client, state, &PullOptions::default(), progress).await {
        Ok(pulled) => pulled,
        Err(e) => {
            let text = serde_json::json!({ "error": e.to_string(), "by": "run" }).to_string();
            state.finish_run(pull_run, RunOutcome::Failed, &text).await?;
            return Err(e.into());
        }
    };
    let quarantined = state.invalid_items().await?.len();
    let total = pulled.total();
    let summary = serde_json::json!({ "by": "run", "new": total.new, "changed": total.changed,
        "quarantined": quarantined });
    let outcome = if quarantined > 0 { RunOutcome::NeedsAttention } else { RunOutcome::Ok };
    state.finish_run(pull_run, outcome, &summary.to_string()).await?;
    let post_request = PostRequest {
        targets: request.targets.clone(),
        dry_run: request.dry_run,
        pause: request.pause.clone(),
        reclass: None,
        books: request.books.clone(),
    };
    let posted = post(config, state, mappings, &post_request, progress).await?;
    let marked_exported = match (client, config.source.api.as_ref()) {
        (Source::Api(api), Some(settings)) if settings.mark_exported && !request.dry_run => {
            let marked = crate::run::mark_exported::mark_exported(api, state).await;
            if let Err(e) = &marked {
                tracing::warn!(error = %e, "marking GL lines exported in Entrata failed; the postings stand");
            }
            Some(marked.map_err(|e| e.to_string()))
        }
        _ => None,
    };
    Ok(NightlyReport { pull: pulled, quarantined, post: posted, marked_exported })
}
