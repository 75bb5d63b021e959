//! `drift`: the three-way comparison (PRODUCT.md §9, issue 12). Gathers Entrata's side (the last
//! pull, planned under tonight's mapping: `entrata`), the state file's (recorded entries and their
//! postings) and each book's company in each enabled target (read back at the cost of what
//! changed: `readback`; issue 18), hands each property to `drift::compare_property`, and keeps only
//! the period, properties and books asked for.
//! `write_run_reports` is what `run` ends with: the HTML and CSV reports in the reports folder.
//!
//! Writes nothing but each target's read-back snapshot (and, when a target refreshes them, its
//! tokens). Every target must be read for the report to stand: one that cannot be is an error
//! naming it (exit 2), never a report that silently leaves it out.

mod entrata;
mod readback;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::Utc;

pub use self::readback::MARGIN;
use self::readback::{Connected, read_target};
use crate::config::{Config, TargetAuth};
use crate::domain::BookName;
use crate::domain::PostMonth;
use crate::drift::compare::exception_finding;
use crate::drift::owners::Books;
use crate::drift::{DriftReport, TargetSide, compare_property};
use crate::http::Pause;
use crate::mapping::MappingSet;
use crate::run::books::BookError;
use crate::run::plan::{PlanRequest, Prepared, prepare};
use crate::state::{StateError, StateFile};
use crate::targets::TargetKind;

#[derive(Debug, thiserror::Error)]
pub enum DriftError {
    #[error("could not compare Entrata's side (the last pull, planned under the mapping files): {0}")]
    Entrata(String),
    #[error("could not compare {}: {message}", target.name())]
    Target { target: TargetKind, message: String },
    #[error("could not compare the state file's side: {0}")]
    State(#[from] StateError),
    #[error(
        "nothing to compare with: no book posts to an enabled target (see [targets.qbo], [targets.xero] and [books] in recon.toml)"
    )]
    NoTargets,
    #[error(transparent)]
    Book(#[from] BookError),
    #[error("cannot write the drift report {path}: {reason}")]
    Write { path: PathBuf, reason: String },
}

impl DriftError {
    pub(crate) fn entrata(e: impl std::fmt::Display) -> DriftError {
        DriftError::Entrata(e.to_string())
    }
}

#[derive(Debug, Clone, Default)]
pub struct DriftRequest {
    /// Only findings and totals of this post month.
    pub period: Option<PostMonth>,
    /// Only these properties (all when empty).
    pub properties: Vec<String>,
    /// Read every target in full, whatever the snapshot.
    pub full: bool,
    pub pause: Pause,
    /// Only these targets (every enabled one when empty).
    pub targets: Vec<TargetKind>,
    /// Only these books' companies (every book when empty): `--books`.
    pub books: Vec<BookName>,
}

/// The comparison, as `drift` prints it: every book's company in each target read back and
/// compared with what that book answers for (`drift::owners`).
pub async fn drift(
    config: &Config,
    state: &StateFile,
    mappings: &Arc<MappingSet>,
    request: &DriftRequest,
) -> Result<DriftReport, DriftError> {
    let enabled: Vec<TargetKind> =
        config.targets.iter().filter(|(_, t)| t.enabled).map(|(k, _)| *k).collect();
    let targets: Vec<TargetKind> = match request.targets.is_empty() {
        true => enabled.clone(),
        false => enabled.iter().copied().filter(|t| request.targets.contains(t)).collect(),
    };
    crate::run::books::check_named(config.books.keys(), &request.books)?;
    let asked = |book: &BookName| request.books.is_empty() || request.books.contains(book);
    let destinations: Vec<(TargetKind, BookName)> = targets
        .iter()
        .flat_map(|target| {
            config
                .books
                .values()
                .filter(|b| b.posts_to(*target) && asked(&b.name))
                .map(|b| (*target, b.name.clone()))
        })
        .collect();
    if destinations.is_empty() {
        return Err(DriftError::NoTargets);
    }
    let last_pull_at = state.last_pull_at().await?;
    if last_pull_at.is_none() {
        return Err(DriftError::Entrata("nothing was pulled yet: run `entrata-recon pull` first".into()));
    }
    let plan_request =
        PlanRequest { properties: entrata::chosen(&request.properties), period: None, books: Vec::new() };
    let Prepared { exceptions, ar_codes, chosen, use_forms } =
        prepare(state, mappings, &plan_request).await.map_err(DriftError::entrata)?;

    let mut reads = Vec::with_capacity(destinations.len());
    let mut sides = Vec::with_capacity(destinations.len());
    let mut not_compared = Vec::new();
    let mut first_unconnected = None;
    for (target, book) in destinations {
        let connected = match connection(config, state, target, &book).await? {
            Some(connected) => connected,
            None => {
                let whose = if book.is_default() { String::new() } else { format!("book {book}: ") };
                let command = crate::report::targets::connect_command(target, &book);
                not_compared.push((target, format!("{whose}not connected (`entrata-recon {command}`)")));
                first_unconnected.get_or_insert_with(|| {
                    (target, format!("{whose}not connected: run `entrata-recon {command}` first"))
                });
                continue;
            }
        };
        let (read, held) = read_target(config, state, &connected, request.full, &request.pause).await?;
        reads.push(read);
        sides.push(TargetSide::new(target, book, held));
    }

    // Nothing to compare the books with at all: that is a comparison that could not be made.
    if let (true, Some((target, message))) = (reads.is_empty(), first_unconnected) {
        return Err(DriftError::Target { target, message });
    }
    let books = books_of(config, state, &enabled).await?;
    let mut report = DriftReport {
        generated_at: Utc::now(),
        last_pull_at,
        period: request.period,
        properties: request.properties.clone(),
        targets: reads,
        not_compared,
        findings: Vec::new(),
        tieouts: Vec::new(),
    };
    let currency = chosen.first().map(|(p, _)| p.currency.as_str().to_owned()).unwrap_or_default();
    for exception in &exceptions {
        let routed = exception.property_id.as_ref().map(|p| mappings.for_property(p).book.clone());
        if routed.is_none_or(|book| asked(&book)) {
            report.findings.push(exception_finding(exception, None, "", &currency));
        }
    }
    for (property, doc_property) in chosen {
        let routed = mappings.for_property(&property.id).book.clone();
        // Findings about the property itself (Entrata's side) belong to the book it is routed to;
        // a company's findings to that company's book.
        let its_own = asked(&routed);
        let one =
            entrata::property_sides(state, mappings, &ar_codes, property, doc_property, use_forms, &books)
                .await?;
        let (findings, tieouts) = compare_property(&one, &sides);
        let in_period = |month: Option<PostMonth>| match (request.period, month) {
            (Some(period), Some(month)) => period == month,
            _ => true,
        };
        report.findings.extend(
            findings.into_iter().filter(|f| in_period(f.post_month) && (f.book.is_some() || its_own)),
        );
        report.tieouts.extend(tieouts.into_iter().filter(|t| in_period(Some(t.post_month))));
    }
    report.sort();
    Ok(report)
}

/// Per enabled target, the books posting to it and the company each is connected to.
async fn books_of(config: &Config, state: &StateFile, enabled: &[TargetKind]) -> Result<Books, DriftError> {
    let connected = state.connected_books().await?;
    let by_target = enabled
        .iter()
        .map(|target| {
            let of_target = config
                .books
                .values()
                .filter(|b| b.posts_to(*target))
                .map(|b| {
                    let company =
                        connected.iter().find(|(t, n, _)| t == target && *n == b.name).map(|c| c.2.clone());
                    (b.name.clone(), company)
                })
                .collect();
            (*target, of_target)
        })
        .collect();
    Ok(Books { by_target, several: config.books.len() > 1 })
}

/// The book's connection to the target; a Xero custom connection connects itself (as `post`
/// does). `None` when the book needs `connect` first.
async fn connection(
    config: &Config,
    state: &StateFile,
    target: TargetKind,
    book: &BookName,
) -> Result<Option<Connected>, DriftError> {
    if let Some(c) = state.connection(target, book).await? {
        let (company_id, company_name) = (c.company_id, c.company_name);
        return Ok(Some(Connected { target, book: book.clone(), company_id, company_name }));
    }
    let custom = config.targets.get(&target).is_some_and(|t| t.auth == TargetAuth::ClientCredentials);
    if !custom {
        return Ok(None);
    }
    let options = crate::run::connect::ConnectOptions { book: Some(book.clone()), ..Default::default() };
    let made = crate::run::connect::connect(config, state, target, &options, &mut |_| {})
        .await
        .map_err(|e| DriftError::Target { target, message: e.to_string() })?;
    let (company_id, company_name) = (made.company_id, made.company_name);
    Ok(Some(Connected { target, book: book.clone(), company_id, company_name }))
}

/// The HTML and CSV reports `run` writes, one pair per run.
#[derive(Debug, Clone)]
pub struct RunReports {
    pub html: PathBuf,
    pub csv: PathBuf,
    pub report: DriftReport,
}

/// Compares (everything, reading each target's changes) and writes `drift-<time>.html` and
/// `.csv` into `config.reports_dir`, never over an earlier run's pair.
pub async fn write_run_reports(
    config: &Config,
    state: &StateFile,
    mappings: &Arc<MappingSet>,
    pause: &Pause,
    targets: &[TargetKind],
    books: &[BookName],
) -> Result<RunReports, DriftError> {
    let request = DriftRequest {
        pause: pause.clone(),
        targets: targets.to_vec(),
        books: books.to_vec(),
        ..DriftRequest::default()
    };
    let report = drift(config, state, mappings, &request).await?;
    let dir = &config.reports_dir;
    create_owner_only_dir(dir).map_err(|e| DriftError::Write { path: dir.clone(), reason: e.to_string() })?;
    let stamp = report.generated_at.format("%Y%m%d-%H%M%S").to_string();
    let (html, csv) = free_pair(dir, &stamp);
    write_new(&html, crate::report::drift::html::render(&report).as_bytes())?;
    let csv_text = crate::report::drift::csv::render(&report)
        .map_err(|reason| DriftError::Write { path: csv.clone(), reason })?;
    write_new(&csv, csv_text.as_bytes())?;
    Ok(RunReports { html, csv, report })
}

/// `drift-<stamp>.html` and `.csv`, or `drift-<stamp>-2...` when a pair of that name exists.
fn free_pair(dir: &Path, stamp: &str) -> (PathBuf, PathBuf) {
    let pair = |suffix: String| {
        (dir.join(format!("drift-{stamp}{suffix}.html")), dir.join(format!("drift-{stamp}{suffix}.csv")))
    };
    let mut n = 1;
    loop {
        let (html, csv) = pair(if n == 1 { String::new() } else { format!("-{n}") });
        if !html.exists() && !csv.exists() {
            return (html, csv);
        }
        n += 1;
    }
}

/// The reports folder and any missing parents, owner-only where this makes them (reports hold the
/// same money as the state file); a folder that exists keeps its permissions.
fn create_owner_only_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Writes a file that must not exist yet (a report is never written over another), readable by
/// its owner only, like the state file.
pub fn write_new(path: &Path, bytes: &[u8]) -> Result<(), DriftError> {
    use std::io::Write as _;
    let failed = |e: std::io::Error| DriftError::Write { path: path.to_owned(), reason: e.to_string() };
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(failed)?;
    file.write_all(bytes).map_err(failed)?;
    file.sync_all().map_err(failed)
}

/// Findings by kind, for logs and summaries.
pub fn summary_counts(report: &DriftReport) -> HashMap<&'static str, usize> {
    report.counts_by_kind().into_iter().map(|(k, n)| (k.as_str(), n)).collect()
}
