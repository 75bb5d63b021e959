//! `post`: records tonight's plan (`run::record`), then posts every recorded entry a target has not
//! confirmed, to each enabled (or chosen) target, exactly once (`posting::post_to`).

use std::sync::Arc;

use crate::config::Config;
use crate::http::Pause;
use crate::mapping::MappingSet;
use crate::posting::{PostError, PostOptions, TargetError, TargetSummary, post_to};
use crate::report::progress::Progress;
use crate::run::connect::{ConnectError, oauth_settings};
use crate::run::record::{RecordOptions, RecordRunError, RecordSummary, record_with};
use crate::state::{StateError, StateFile};
use crate::targets::TargetKind;
use crate::targets::oauth::TokenSource;
use crate::targets::qbo::client::QboClient;
use crate::targets::qbo::{Company, QboTarget};

#[derive(Debug, thiserror::Error)]
pub enum PostRunError {
    #[error(transparent)]
    Record(#[from] RecordRunError),
    #[error(transparent)]
    State(#[from] StateError),
    #[error(transparent)]
    Post(#[from] PostError),
    #[error(transparent)]
    Connect(#[from] ConnectError),
    #[error("{target} is not connected: run `entrata-recon connect {target}` first")]
    NotConnected { target: TargetKind },
    #[error("{0} is not enabled in the config ([targets.{0}] enabled = false, or missing)")]
    NotEnabled(TargetKind),
    #[error("no target is enabled in the config: add [targets.qbo] or [targets.xero]")]
    NoTargets,
}

/// What to post.
pub struct PostRequest {
    /// Only these targets (every enabled one when empty).
    pub targets: Vec<TargetKind>,
    /// Decide what would be recorded and posted; change nothing, call no target.
    pub dry_run: bool,
    /// How clients wait (a virtual clock in tests).
    pub pause: Pause,
    /// Reclassify this month's posted entries that the current mapping books elsewhere.
    pub reclass: Option<crate::domain::PostMonth>,
}

/// A target's part of the report.
#[derive(Debug, Clone)]
pub struct TargetReport {
    pub target: TargetKind,
    pub company_id: String,
    pub company_name: Option<String>,
    pub summary: TargetSummary,
}

#[derive(Debug, Clone, Default)]
pub struct PostReport {
    pub record: RecordSummary,
    pub targets: Vec<TargetReport>,
    /// Entries recorded and not confirmed, per target (`--dry-run`: what would be posted).
    pub dry_run: bool,
}

impl PostReport {
    /// The run could not do its job for some target (exit 2): its connection is gone.
    pub fn auth_failed(&self) -> bool {
        self.targets.iter().any(|t| t.summary.stopped_for_auth)
    }

    /// Something needs a person (exit 1).
    pub fn needs_attention(&self) -> bool {
        // Adjustments recorded tonight are posted like any entry: reported, not a person's job.
        !self.record.exceptions.is_empty()
            || self.targets.iter().any(|t| crate::posting::engine::needs_attention(&t.summary))
    }
}

/// The targets a request names, checked against the config.
pub fn chosen_targets(config: &Config, wanted: &[TargetKind]) -> Result<Vec<TargetKind>, PostRunError> {
    let enabled: Vec<TargetKind> =
        config.targets.iter().filter(|(_, t)| t.enabled).map(|(k, _)| *k).collect();
    if wanted.is_empty() {
        return if enabled.is_empty() { Err(PostRunError::NoTargets) } else { Ok(enabled) };
    }
    for target in wanted {
        if !enabled.contains(target) {
            return Err(PostRunError::NotEnabled(*target));
        }
    }
    Ok(wanted.to_vec())
}

pub async fn post(
    config: &Config,
    state: &StateFile,
    mappings: &Arc<MappingSet>,
    request: &PostRequest,
    progress: &Progress,
) -> Result<PostReport, PostRunError> {
    let targets = chosen_targets(config, &request.targets)?;
    // Each target is its own job (issue 16, item 2): one that is not connected, or whose settings
    // are wrong, is reported with its reason and the others post. Found before anything is
    // recorded, so that its reason heads the report.
    let mut connections = Vec::with_capacity(targets.len());
    let mut unusable = Vec::new();
    for target in &targets {
        match connection_for(config, state, *target, request.dry_run).await {
            Ok(Some((company_id, company_name))) => connections.push((*target, company_id, company_name)),
            Ok(None) => unusable.push((*target, PostRunError::NotConnected { target: *target })),
            Err(PostRunError::State(e)) => return Err(PostRunError::State(e)),
            Err(e) => unusable.push((*target, e)),
        }
    }

    let options = RecordOptions { dry_run: request.dry_run, reclass: request.reclass };
    let recorded = record_with(state, mappings, options).await?;
    let mut report = PostReport { record: recorded, targets: Vec::new(), dry_run: request.dry_run };
    for (target, why) in unusable {
        let summary = TargetSummary {
            stopped: Some(why.to_string()),
            stopped_for_auth: true,
            ..TargetSummary::default()
        };
        report.targets.push(TargetReport { target, company_id: String::new(), company_name: None, summary });
    }
    let options = PostOptions {
        dry_run: request.dry_run,
        progress,
        settle: config.posting.settle,
        pause: request.pause.clone(),
        adopt_only: false,
    };
    // Every company this state file has never posted to adopts what it holds before anything is
    // sent to any of them: otherwise one could be sent an entry that another is then found holding
    // with other money (a lost state file, one target behind the other), and the two could never
    // agree again. Normal nights skip this (no company is due), and so does a post to one target
    // (nothing to disagree with; its adapter would read its references twice).
    let mut adopted: Vec<(TargetKind, TargetSummary)> = Vec::new();
    // A company that could not be asked: nothing is sent to any company this run.
    let mut not_asked: Option<String> = None;
    if !request.dry_run && connections.len() > 1 {
        for (target, company_id, _) in &connections {
            if !state.adoption_due(*target, company_id).await? {
                continue;
            }
            let first = PostOptions { adopt_only: true, ..options.clone() };
            match post_target(config, state, mappings, *target, company_id, &request.pause, &first).await {
                Ok(summary) => {
                    // History the company holds is final until a person acts: posting to it stops,
                    // and the others go on; a company that could not be asked holds them all back.
                    if let (Some(why), false) = (&summary.stopped, summary.stopped_for_history) {
                        not_asked.get_or_insert_with(|| format!("{} ({why})", name(*target)));
                    }
                    adopted.push((*target, summary));
                }
                Err(PostRunError::Connect(e)) => {
                    not_asked.get_or_insert_with(|| format!("{} ({e})", name(*target)));
                }
                Err(e) => return Err(e),
            }
        }
        if adopted.iter().any(|(_, s)| s.adopted_as_held > 0) {
            let again = record_with(state, mappings, options_again(request)).await?;
            report.record.recorded += again.recorded;
            report.record.drifts.extend(again.drifts);
            report.record.exceptions = again.exceptions;
        }
    }
    // What each company held before tonight: said also when a target stops before posting.
    let counts = state.posting_counts().await?;
    for (target, company_id, company_name) in &connections {
        let first_stopped = adopted.iter().any(|(t, s)| t == target && s.stopped.is_some());
        let mut summary = if request.dry_run {
            // No target is called on a dry run: what is recorded and not confirmed would go, as
            // tonight's record would leave it.
            dry_summary(state, *target, company_id, &report.record).await?
        } else if let (Some(why), false) = (&not_asked, first_stopped) {
            TargetSummary {
                stopped: Some(format!(
                    "nothing sent: {why} could not be asked what it already holds of this state file's \
                     entries, and until it is, no company is sent anything (they could come to disagree); \
                     the next run asks again (`--target` posts to one target alone)"
                )),
                ..TargetSummary::default()
            }
        } else if first_stopped {
            TargetSummary::default()
        } else {
            match post_target(config, state, mappings, *target, company_id, &request.pause, &options).await {
                Ok(summary) => summary,
                Err(PostRunError::Connect(e)) => TargetSummary {
                    stopped: Some(e.to_string()),
                    stopped_for_auth: true,
                    ..TargetSummary::default()
                },
                Err(e) => return Err(e),
            }
        };
        if let Some(at) = adopted.iter().position(|(t, _)| t == target) {
            let (_, mut first) = adopted.swap_remove(at);
            // A company that could not be asked keeps the reason it stopped; nothing more was done.
            if !first_stopped {
                first.absorb(summary);
            }
            summary = first;
        }
        if summary.already_posted == 0 {
            let confirmed = (*target, company_id.clone(), crate::posting::PostingState::Confirmed);
            summary.already_posted = counts.get(&confirmed).copied().unwrap_or(0);
        }
        let (target, company_id, company_name) = (*target, company_id.clone(), company_name.clone());
        report.targets.push(TargetReport { target, company_id, company_name, summary });
    }
    // A company held entries this state file never sent, with other money than planned (a lost or
    // replaced state file): they were recorded as held, so recording again books the difference,
    // which is posted now rather than a night later.
    if report.targets.iter().any(|t| t.summary.adopted_as_held > 0) {
        let again = record_with(state, mappings, options_again(request)).await?;
        report.record.recorded += again.recorded;
        report.record.drifts.extend(again.drifts);
        report.record.exceptions = again.exceptions;
        for (target, company_id, _) in &connections {
            let Some(report) = report.targets.iter_mut().find(|t| t.target == *target) else { continue };
            if report.summary.stopped.is_some() {
                continue;
            }
            let later =
                post_target(config, state, mappings, *target, company_id, &request.pause, &options).await?;
            report.summary.absorb(later);
        }
    }
    Ok(report)
}

/// The company a target posts to (id, name), connecting a Xero custom connection on first use;
/// `None` when the target needs `connect` first.
async fn connection_for(
    config: &Config,
    state: &StateFile,
    target: TargetKind,
    dry_run: bool,
) -> Result<Option<(String, Option<String>)>, PostRunError> {
    let uses_credentials =
        config.targets.get(&target).is_some_and(|t| t.auth == crate::config::TargetAuth::ClientCredentials);
    let book = config.one_book().map_err(ConnectError::from)?;
    Ok(match state.connection(target, &book.name).await? {
        Some(connection) => Some((connection.company_id, connection.company_name)),
        // A Xero custom connection needs no `connect`: its client credentials are enough.
        None if uses_credentials && dry_run => Some((String::new(), None)),
        None if uses_credentials => {
            let options = crate::run::connect::ConnectOptions::default();
            let made = crate::run::connect::connect(config, state, target, &options, &mut |_| {}).await?;
            Some((made.company_id, made.company_name))
        }
        None => None,
    })
}

fn name(target: TargetKind) -> &'static str {
    target.name()
}

/// Recording again after adoption: as the request asked, never a dry run (a dry run adopts nothing).
fn options_again(request: &PostRequest) -> RecordOptions {
    RecordOptions { dry_run: false, reclass: request.reclass }
}

async fn dry_summary(
    state: &StateFile,
    target: TargetKind,
    company: &str,
    record: &RecordSummary,
) -> Result<TargetSummary, PostRunError> {
    let mut summary = TargetSummary::default();
    let result = |entry: &crate::journal::BalancedEntry| crate::posting::EntryResult {
        key: entry.key().as_str().to_owned(),
        doc_number: entry.doc_number().as_str().to_owned(),
        property_id: entry.property_id().as_str().to_owned(),
        date: entry.date(),
        total: crate::domain::format_amount(entry.total()),
        currency: entry.currency().as_str().to_owned(),
        detail: "would be posted".into(),
    };
    let replaced: std::collections::HashSet<&str> = record
        .would_record
        .iter()
        .map(|e| e.key().as_str())
        .chain(record.would_withdraw.iter().map(String::as_str))
        .collect();
    for row in state.outbox(target, company).await? {
        if replaced.contains(row.header.key.as_str()) {
            continue;
        }
        let entry = crate::posting::body::rebuild(&row.header, &row.body).map_err(PostError::from)?;
        summary.would_post.push(result(&entry));
    }
    summary.would_post.extend(record.would_record.iter().map(result));
    Ok(summary)
}

async fn post_target(
    config: &Config,
    state: &StateFile,
    mappings: &Arc<MappingSet>,
    target: TargetKind,
    company_id: &str,
    pause: &Pause,
    options: &PostOptions<'_>,
) -> Result<TargetSummary, PostRunError> {
    let (target_config, mut settings) = oauth_settings(config, target)?;
    settings.pause = pause.clone();
    let tokens = TokenSource::new(settings, state.clone());
    let stopped = |e: TargetError| TargetSummary {
        stopped_for_auth: matches!(e, TargetError::Auth(_)),
        stopped_for_allowance: matches!(e, TargetError::Allowance { .. }),
        stopped: Some(e.to_string()),
        ..TargetSummary::default()
    };
    match target {
        TargetKind::Qbo => {
            let client = QboClient::new(&target_config.api_base, company_id, tokens, pause.clone())
                .and_then(|client| client.with_timeout(config.posting.request_timeout));
            let client = match client {
                Ok(client) => client,
                Err(e) => return Ok(stopped(e)),
            };
            let company = match Company::read(&client).await {
                Ok(company) => company,
                Err(e) => return Ok(stopped(e)),
            };
            let mut adapter = QboTarget::new(client, company, Arc::clone(mappings));
            Ok(post_to(state, &mut adapter, options).await?)
        }
        TargetKind::Xero => {
            let opened = crate::targets::xero::open(
                target_config,
                tokens,
                company_id.to_owned(),
                Arc::clone(mappings),
                pause.clone(),
                config.posting.request_timeout,
            )
            .await;
            let mut adapter = match opened {
                Ok(adapter) => adapter,
                Err(e) => return Ok(stopped(e)),
            };
            Ok(post_to(state, &mut adapter, options).await?)
        }
    }
}
