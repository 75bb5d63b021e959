//! `post`: records tonight's plan (`run::record`), then posts every recorded entry a target has not
//! confirmed, to each enabled (or chosen) target, exactly once (`posting::post_to`).

use std::sync::Arc;

use futures_util::{StreamExt, stream};

mod books;

use books::{Destination, connection_for, for_book, scope_books};

use crate::config::Config;
use crate::domain::BookName;
use crate::http::Pause;
use crate::mapping::MappingSet;
use crate::posting::{PostError, PostOptions, TargetError, TargetSummary, post_to};
use crate::report::progress::Progress;
use crate::run::connect::{ConnectError, oauth_settings_for};
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
    #[error(
        "{target} is not connected{}: run `entrata-recon {}` first",
        for_book(book),
        crate::report::targets::connect_command(*target, book)
    )]
    NotConnected { target: TargetKind, book: BookName },
    #[error("{0} is not enabled in the config ([targets.{0}] enabled = false, or missing)")]
    NotEnabled(TargetKind),
    #[error("no target is enabled in the config: add [targets.qbo] or [targets.xero]")]
    NoTargets,
    #[error(transparent)]
    Book(#[from] crate::run::books::BookError),
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
    /// Only these books (`--books`; every book when empty).
    pub books: Vec<BookName>,
}

/// A target's part of the report: one book's company in it.
#[derive(Debug, Clone)]
pub struct TargetReport {
    pub target: TargetKind,
    /// The book (`default` without `[books]`).
    pub book: BookName,
    /// Properties routed to this book whose earlier entries another book's company holds: they
    /// stay there (property, company, entries).
    pub moved_in: Vec<(String, String, u64)>,
    pub company_id: String,
    pub company_name: Option<String>,
    pub summary: TargetSummary,
}

#[derive(Debug, Clone, Default)]
pub struct PostReport {
    pub record: RecordSummary,
    pub targets: Vec<TargetReport>,
    /// Books with properties that have no company in a target, so that nothing of theirs is
    /// posted there (issue 18): said on the screen, since a forgotten `xero = {}` looks the same.
    pub posted_nowhere: Vec<PostedNowhere>,
    /// Entries recorded and not confirmed, per target (`--dry-run`: what would be posted).
    pub dry_run: bool,
}

/// A book whose properties post to no company of `target`: [books.<book>] names none there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostedNowhere {
    pub target: TargetKind,
    pub book: BookName,
    /// Its properties with recorded entries.
    pub properties: Vec<String>,
}

impl TargetReport {
    /// The target's name, with the book's when it is not the default (`QuickBooks Online (owner-a)`).
    pub fn label(&self) -> String {
        books::label(self.target, &self.book)
    }
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
    // Each target's book is its own job (issue 16, item 2; issue 18): one that is not connected,
    // or whose settings are wrong, is reported with its reason and the others post. Found before
    // anything is recorded, so that its reason heads the report.
    crate::run::books::check_named(config.books.keys(), &request.books)?;
    let chosen = |book: &BookName| request.books.is_empty() || request.books.contains(book);
    let mut connections: Vec<Destination> = Vec::new();
    let mut unusable = Vec::new();
    for target in &targets {
        // An enabled target no book posts to is a config a person should look at, not silence.
        if request.books.is_empty() && !config.books.values().any(|b| b.posts_to(*target)) {
            let default = BookName::default_book();
            unusable.push((
                *target,
                default,
                PostRunError::Book(crate::run::books::BookError::NoneFor { target: *target }),
            ));
            continue;
        }
        for book in config.books.values().filter(|b| b.posts_to(*target) && chosen(&b.name)) {
            match connection_for(config, state, *target, &book.name, request.dry_run).await {
                Ok(Some((company_id, company_name))) => connections.push(Destination {
                    target: *target,
                    book: book.name.clone(),
                    company_id,
                    company_name,
                    scope: None,
                }),
                Ok(None) => {
                    let why = PostRunError::NotConnected { target: *target, book: book.name.clone() };
                    unusable.push((*target, book.name.clone(), why));
                }
                Err(PostRunError::State(e)) => return Err(PostRunError::State(e)),
                Err(e) => unusable.push((*target, book.name.clone(), e)),
            }
        }
    }

    let options = RecordOptions { dry_run: request.dry_run, reclass: request.reclass };
    let recorded = record_with(state, mappings, options).await?;
    let posted_nowhere = books::posted_nowhere(config, state, mappings, &targets, &chosen).await?;
    let mut report =
        PostReport { record: recorded, targets: Vec::new(), posted_nowhere, dry_run: request.dry_run };
    scope_books(config, state, mappings, &mut connections).await?;
    for (target, book, why) in unusable {
        let summary = TargetSummary {
            stopped: Some(why.to_string()),
            stopped_for_auth: true,
            ..TargetSummary::default()
        };
        report.targets.push(TargetReport {
            target,
            book,
            moved_in: Vec::new(),
            company_id: String::new(),
            company_name: None,
            summary,
        });
    }
    let options = PostOptions {
        dry_run: request.dry_run,
        progress,
        settle: config.posting.settle,
        pause: request.pause.clone(),
        adopt_only: false,
        scope: None,
    };
    // Every company this state file has never posted to adopts what it holds before anything is
    // sent to any of them: otherwise one could be sent an entry that another is then found holding
    // with other money (a lost state file, one target behind the other), and the two could never
    // agree again. Normal nights skip this (no company is due), and so does a post to one target
    // (nothing to disagree with; its adapter would read its references twice).
    let mut adopted: Vec<((TargetKind, BookName), TargetSummary)> = Vec::new();
    // Companies that could not be asked: nothing is sent this run to any company that could be
    // sent an entry they may hold (`books::may_share`).
    let mut not_asked: Vec<(&Destination, String)> = Vec::new();
    if !request.dry_run && connections.len() > 1 {
        for to in &connections {
            let target = &to.target;
            if !state.adoption_due(*target, &to.company_id).await? {
                continue;
            }
            let first = PostOptions { adopt_only: true, scope: to.scope.clone(), ..options.clone() };
            match post_target(config, state, mappings, to, &request.pause, &first).await {
                Ok(summary) => {
                    // History the company holds is final until a person acts: posting to it stops,
                    // and the others go on; a company that could not be asked holds them all back.
                    if let (Some(why), false) = (&summary.stopped, summary.stopped_for_history) {
                        not_asked.push((to, format!("{} ({why})", to.label())));
                    }
                    adopted.push((to.key(), summary));
                }
                Err(PostRunError::Connect(e)) => not_asked.push((to, format!("{} ({e})", to.label()))),
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
    // Each book is another company, metered apart by its vendor: they are posted at once, at most
    // `[posting] books_in_flight` (issue 18), and what each did is reported in config order.
    let record = &report.record;
    let in_flight = usize::try_from(config.posting.books_in_flight).unwrap_or(1).max(1);
    // A destination whose adoption pass stopped is done for tonight.
    let first_stopped: Vec<bool> = connections
        .iter()
        .map(|to| adopted.iter().any(|(k, s)| *k == to.key() && s.stopped.is_some()))
        .collect();
    let sent: Vec<Result<TargetSummary, PostRunError>> = stream::iter(connections.iter().zip(&first_stopped).map(|(to, &first_stopped)| {
        let options = PostOptions { scope: to.scope.clone(), ..options.clone() };
        let not_asked =
            not_asked.iter().find(|(other, _)| other.key() != to.key() && books::may_share(to, other)).map(|(_, why)| why);
        async move {
            if request.dry_run {
                // No target is called on a dry run: what is recorded and not confirmed would go,
                // as tonight's record would leave it.
                return dry_summary(state, to, record).await;
            }
            if let (Some(why), false) = (not_asked, first_stopped) {
                return Ok(TargetSummary {
                    stopped: Some(format!(
                        "nothing sent: {why} could not be asked what it already holds of this state file's \
                         entries, and until it is, no company that could be sent the same entries is sent \
                         anything (they could come to disagree); \
                         the next run asks again (`--target` posts to one target alone)"
                    )),
                    ..TargetSummary::default()
                });
            }
            if first_stopped {
                return Ok(TargetSummary::default());
            }
            match post_target(config, state, mappings, to, &request.pause, &options).await {
                Err(PostRunError::Connect(e)) => Ok(TargetSummary {
                    stopped: Some(e.to_string()),
                    stopped_for_auth: true,
                    ..TargetSummary::default()
                }),
                other => other,
            }
        }
    }))
    .buffered(in_flight)
    .collect()
    .await;
    for ((to, summary), first_stopped) in connections.iter().zip(sent).zip(first_stopped) {
        let mut summary = summary?;
        if let Some(at) = adopted.iter().position(|(k, _)| *k == to.key()) {
            let (_, mut first) = adopted.swap_remove(at);
            // A company that could not be asked keeps the reason it stopped; nothing more was done.
            if !first_stopped {
                first.absorb(summary);
            }
            summary = first;
        }
        if summary.already_posted == 0 {
            let confirmed = (to.target, to.company_id.clone(), crate::posting::PostingState::Confirmed);
            summary.already_posted = counts.get(&confirmed).copied().unwrap_or(0);
        }
        let moved_in = match &to.scope {
            Some(scope) => state.moved_in(to.target, scope).await?,
            None => Vec::new(),
        };
        report.targets.push(TargetReport {
            target: to.target,
            book: to.book.clone(),
            moved_in,
            company_id: to.company_id.clone(),
            company_name: to.company_name.clone(),
            summary,
        });
    }
    // A company held entries this state file never sent, with other money than planned (a lost or
    // replaced state file): they were recorded as held, so recording again books the difference,
    // which is posted now rather than a night later.
    if report.targets.iter().any(|t| t.summary.adopted_as_held > 0) {
        let again = record_with(state, mappings, options_again(request)).await?;
        report.record.recorded += again.recorded;
        report.record.drifts.extend(again.drifts);
        report.record.exceptions = again.exceptions;
        for to in &connections {
            let found = report.targets.iter_mut().find(|t| t.target == to.target && t.book == to.book);
            let Some(report) = found else { continue };
            if report.summary.stopped.is_some() {
                continue;
            }
            let options = PostOptions { scope: to.scope.clone(), ..options.clone() };
            let later = post_target(config, state, mappings, to, &request.pause, &options).await?;
            report.summary.absorb(later);
        }
    }
    Ok(report)
}

/// Recording again after adoption: as the request asked, never a dry run (a dry run adopts nothing).
fn options_again(request: &PostRequest) -> RecordOptions {
    RecordOptions { dry_run: false, reclass: request.reclass }
}

async fn dry_summary(
    state: &StateFile,
    to: &Destination,
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
    for row in state.outbox(to.target, &to.company_id, to.scope.as_deref()).await? {
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
    to: &Destination,
    pause: &Pause,
    options: &PostOptions<'_>,
) -> Result<TargetSummary, PostRunError> {
    let (target, company_id) = (to.target, to.company_id.as_str());
    // With several books, each company's documents are built in its own book's
    // chart and dimensions: an adjustment of a moved property's entry too (`MappingSet::as_book`).
    let mappings = &match &to.scope {
        Some(_) => Arc::new(mappings.as_book(&to.book)),
        None => Arc::clone(mappings),
    };
    let (target_config, mut settings) = oauth_settings_for(config, target, to.book.clone())?;
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
