//! `pull`: properties and AR codes, then every property's leases, charges, payments and
//! deposits, incrementally from the watermarks, into the state file.

use std::collections::BTreeMap;
use std::time::Instant;

use chrono::{DateTime, Duration as ChronoDuration, Utc};
use futures_util::{StreamExt, TryStreamExt, stream};

pub mod api;

use crate::config::Config;
use crate::domain::{ItemKind, PropertyId};
use crate::report::progress::Progress;
use crate::source::Source;
use crate::source::client::{EntrataClient, SourceError, StatsSnapshot};
use crate::source::convert::{Item, NOT_A_LEDGER_ITEM, reconvert};
use crate::source::pager::{ListRequest, ListStats, PageItems, PageSink, WalkError, walk};
use crate::state::form::{self, FormSource};
use crate::state::{ItemRef, ItemWrite, PageOutcome, PageWrite, PageWriter, StateError, StateFile};

#[derive(Debug, Clone, Default)]
pub struct PullOptions {
    /// Only these properties' ledgers (all when empty). Properties and AR codes are always pulled.
    pub properties: Vec<PropertyId>,
    /// Start every list at this instant instead of at its watermark.
    pub since: Option<DateTime<Utc>>,
    /// Start every list at its beginning.
    pub full: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum PullError {
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error(transparent)]
    State(#[from] StateError),
    #[error("unknown property {id}: the state file knows {known}")]
    UnknownProperty { id: String, known: String },
}

impl From<WalkError<StateError>> for PullError {
    fn from(e: WalkError<StateError>) -> PullError {
        match e {
            WalkError::Source(e) => PullError::Source(e),
            WalkError::Sink(e) => PullError::State(e),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct PullSummary {
    pub by_kind: BTreeMap<ItemKind, PageOutcome>,
    pub lists: u64,
    pub properties: u64,
    pub client: StatsSnapshot,
    pub repeats_skipped: u64,
    pub elapsed_ms: u64,
}

impl PullSummary {
    pub fn total(&self) -> PageOutcome {
        let mut total = PageOutcome::default();
        for outcome in self.by_kind.values() {
            total.add(*outcome);
        }
        total
    }
}

/// Writes each page, with its watermark, in one state-file transaction.
pub(crate) struct StateSink<'a> {
    /// Every list's pages go through one writer (one connection), one page at a time. SQLite has
    /// one writer anyway; queueing here, the next page starts the moment the last one commits,
    /// where SQLite's busy handler would have it sleep and poll (1 ms, 2 ms, 5 ms, ...).
    pub(crate) writer: &'a tokio::sync::Mutex<PageWriter>,
    pub(crate) state: &'a StateFile,
    pub(crate) kind: ItemKind,
    pub(crate) scope: String,
    pub(crate) outcome: PageOutcome,
    pub(crate) progress: &'a Progress,
}

impl PageSink for StateSink<'_> {
    type Error = StateError;

    async fn accept(&mut self, page: PageItems) -> Result<(), StateError> {
        let n_items = page.items.len() as u64;
        let kind = self.kind;
        // Encoding planning forms is CPU work: not on the task that polls every list of the pull.
        let items = crate::blocking::run(move || {
            page.items
                .into_iter()
                .map(|(raw, c)| ItemWrite {
                    form: planning_form(kind, &c.item_id, &c.item),
                    item_id: c.item_id,
                    property_id: c.property_id,
                    updated_at: c.updated_at_text,
                    content_hash: c.content_hash,
                    raw,
                    invalid_reason: c.item.err(),
                })
                .collect::<Vec<_>>()
        })
        .await;
        let items = items.map_err(|e| StateError::Refused {
            path: self.state.path().to_owned(),
            message: e.to_string(),
        })?;
        let write = PageWrite {
            kind: self.kind,
            scope: self.scope.clone(),
            items,
            watermark: page.watermark,
            seen_at: Utc::now(),
        };
        let outcome = self.writer.lock().await.write_page(&write).await?;
        self.outcome.add(outcome);
        self.progress.advance(n_items);
        Ok(())
    }
}

const COMPANY_SCOPE: &str = "*";
const PROPERTY_KINDS: [ItemKind; 4] =
    [ItemKind::Lease, ItemKind::Charge, ItemKind::Payment, ItemKind::Deposit];

pub async fn pull(
    config: &Config,
    source: &Source,
    state: &StateFile,
    options: &PullOptions,
    progress: &Progress,
) -> Result<PullSummary, PullError> {
    let started = Instant::now();
    if !state.forms_current().await? {
        progress.set_message("pull: rebuilding planning forms");
        let forms = state.rebuild_forms(rebuilt_form).await?;
        tracing::info!(
            forms,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "planning forms rebuilt from the stored items (first pull by this version)"
        );
    }
    let client = match source {
        Source::Rest(client) => client,
        Source::Api(client) => {
            return api::pull_api(config, client, state, options, progress).await;
        }
    };
    progress.set_message("pull: logging in to Entrata");
    client.login().await?;
    progress.set_message("pull: properties and AR codes");
    let writer = tokio::sync::Mutex::new(state.page_writer().await?);
    let writer = &writer;
    let mut summary = PullSummary::default();

    for (kind, path) in [(ItemKind::Property, "/properties"), (ItemKind::ArCode, "/ar-codes")] {
        let (outcome, stats) =
            pull_list(config, client, state, writer, options, progress, kind, path.into(), None).await?;
        record(&mut summary, kind, outcome, stats);
    }

    let properties = properties_to_pull(state, &options.properties).await?;
    summary.properties = properties.len() as u64;
    tracing::info!(properties = properties.len(), "pulling property ledgers");
    progress.set_total(summary.properties, "properties");
    progress.set_message("pull: ledgers");

    let per_property = stream::iter(properties.into_iter().map(|property| async move {
        let mut results = Vec::with_capacity(PROPERTY_KINDS.len());
        for kind in PROPERTY_KINDS {
            let path = format!("/properties/{}/{}", urlencode_segment(&property), path_segment(kind));
            let result = pull_list(
                config,
                client,
                state,
                writer,
                options,
                progress,
                kind,
                path,
                Some(property.clone()),
            )
            .await?;
            results.push((kind, result));
        }
        let new: u64 = results.iter().map(|(_, (o, _))| o.new + o.changed).sum();
        tracing::info!(property = %property, new_or_changed = new, "property pulled");
        progress.step();
        Ok::<_, PullError>(results)
    }))
    .buffer_unordered(config.source.concurrency as usize)
    .try_collect::<Vec<_>>()
    .await?;
    for results in per_property {
        for (kind, (outcome, stats)) in results {
            record(&mut summary, kind, outcome, stats);
        }
    }
    summary.client = client.stats();
    summary.elapsed_ms = started.elapsed().as_millis() as u64;
    Ok(summary)
}

/// The planning form of a classified item, for per-property kinds (`state::form`).
fn planning_form(kind: ItemKind, item_id: &str, item: &Result<Item, String>) -> Option<Vec<u8>> {
    if !kind.is_per_property() {
        return None;
    }
    Some(form::encode(match item {
        Ok(Item::Lease(l)) => FormSource::Lease(l),
        Ok(Item::Charge(c)) => FormSource::Charge(c),
        Ok(Item::Payment(p)) => FormSource::Payment(p),
        Ok(Item::Deposit(d)) => FormSource::Deposit(d),
        Ok(Item::Property(_) | Item::ArCode(_)) => FormSource::Invalid { item_id, reason: NOT_A_LEDGER_ITEM },
        Err(reason) => FormSource::Invalid { item_id, reason },
    }))
}

/// A stored item's planning form, rebuilt ([`reconvert`]: the pull's verdict stands).
fn rebuilt_form(kind: ItemKind, property: &str, item: ItemRef<'_>) -> Vec<u8> {
    let converted = reconvert(kind, item.raw, item.invalid_reason, Some(property));
    planning_form(kind, item.item_id, &converted).unwrap_or_default()
}

fn record(summary: &mut PullSummary, kind: ItemKind, outcome: PageOutcome, stats: ListStats) {
    summary.by_kind.entry(kind).or_default().add(outcome);
    summary.lists += 1;
    summary.repeats_skipped += stats.repeats_skipped;
}

#[allow(clippy::too_many_arguments)]
async fn pull_list(
    config: &Config,
    client: &EntrataClient,
    state: &StateFile,
    writer: &tokio::sync::Mutex<PageWriter>,
    options: &PullOptions,
    progress: &Progress,
    kind: ItemKind,
    path: String,
    property: Option<String>,
) -> Result<(PageOutcome, ListStats), PullError> {
    let scope = property.clone().unwrap_or_else(|| COMPANY_SCOPE.to_owned());
    let start = if options.full {
        None
    } else if let Some(since) = options.since {
        Some(since)
    } else {
        let overlap = ChronoDuration::seconds(i64::from(config.source.overlap_seconds));
        state.watermark(&scope, kind).await?.map(|w| w - overlap)
    };
    let request =
        ListRequest { kind, path, property_id: property, start, page_size: config.source.page_size };
    let mut sink = StateSink { writer, state, kind, scope, outcome: PageOutcome::default(), progress };
    let stats = walk(client, &request, &mut sink).await?;
    tracing::debug!(
        path = %request.path,
        requests = stats.requests,
        new = sink.outcome.new,
        changed = sink.outcome.changed,
        unchanged = sink.outcome.unchanged,
        "list pulled"
    );
    Ok((sink.outcome, stats))
}

/// Every property the state file knows (from this pull or earlier ones), or the chosen ones.
async fn properties_to_pull(state: &StateFile, chosen: &[PropertyId]) -> Result<Vec<String>, PullError> {
    let known: Vec<String> =
        state.current_items(ItemKind::Property, None).await?.into_iter().map(|p| p.item_id).collect();
    if chosen.is_empty() {
        return Ok(known);
    }
    for id in chosen {
        if !known.iter().any(|k| k == id.as_str()) {
            return Err(PullError::UnknownProperty {
                id: id.to_string(),
                known: if known.is_empty() { "no properties".to_owned() } else { known.join(", ") },
            });
        }
    }
    Ok(chosen.iter().map(|p| p.to_string()).collect())
}

fn path_segment(kind: ItemKind) -> &'static str {
    match kind {
        ItemKind::Property => "properties",
        ItemKind::ArCode => "ar-codes",
        ItemKind::Lease => "leases",
        ItemKind::Charge => "charges",
        ItemKind::Payment => "payments",
        ItemKind::Deposit => "deposits",
    }
}

/// Property ids go into a path: escape anything but unreserved characters.
fn urlencode_segment(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for b in segment.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
