//! Each command: settle what it needs, call `run`, print, say how it went.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::args::*;
use super::{Cli, CliError, Outcome};
use entrata_recon::config::Config;
use entrata_recon::domain::PropertyId;
use entrata_recon::mapping::{CheckReport, MappingSet};
use entrata_recon::report::plan::{PlanJsonWriter, PlanView};
use entrata_recon::report::progress::Progress;
use entrata_recon::report::status::{Planned, StatusReport};
use entrata_recon::run::plan::{PlanRequest, PlanRunError, plan, plan_each};
use entrata_recon::run::pull::{PullOptions, pull};
use entrata_recon::run::record::{RecordRunError, held_adjustments};
use entrata_recon::source::Source;
use entrata_recon::state::{Create, RunOutcome, StateError, StateFile, StateLock};
use entrata_recon::targets::TargetKind;

pub(super) async fn cmd_pull(cli: &Cli, args: &PullArgs) -> Result<Outcome, CliError> {
    let config = cli.load_config()?;
    let source = Source::from_config(&config)?;
    StateFile::check_writable(&config.state_path).await?;
    let _lock = StateLock::acquire(&config.state_path, "pull", Create::IfMissing)?;
    let state = StateFile::open(&config.state_path).await?;
    let options = PullOptions {
        properties: args.properties.iter().map(PropertyId::new).collect(),
        since: args.since,
        full: args.full,
    };
    let outcome = run_pull(&config, &source, &state, &options, cli.progress_enabled()).await;
    state.close().await;
    outcome
}

/// A pull recorded as a run, with its summary printed; shared by `pull` and the demo.
pub async fn run_pull(
    config: &Config,
    client: &Source,
    state: &StateFile,
    options: &PullOptions,
    show_progress: bool,
) -> Result<Outcome, CliError> {
    let run = state.begin_run("pull").await?;
    let progress = Progress::new("pull", show_progress);
    let result = pull(config, client, state, options, &progress).await;
    progress.finish();
    let summary = match result {
        Ok(summary) => summary,
        Err(e) => {
            let text = serde_json::json!({ "error": e.to_string() }).to_string();
            state.finish_run(run, RunOutcome::Failed, &text).await?;
            return Err(e.into());
        }
    };
    let quarantined_now = state.invalid_items().await?.len();
    let total = summary.total();
    let by_kind: serde_json::Map<String, serde_json::Value> = summary
        .by_kind
        .iter()
        .map(|(kind, o)| {
            (
                kind.as_str().to_owned(),
                serde_json::json!({"new": o.new, "changed": o.changed, "unchanged": o.unchanged, "quarantined": o.invalid}),
            )
        })
        .collect();
    let json = serde_json::json!({
        "properties": summary.properties,
        "lists": summary.lists,
        "requests": summary.client.requests,
        "retries": summary.client.retries,
        "throttled": summary.client.throttled,
        "elapsedMs": summary.elapsed_ms,
        "items": by_kind,
        "quarantinedNow": quarantined_now,
    });
    let outcome = if quarantined_now > 0 { RunOutcome::NeedsAttention } else { RunOutcome::Ok };
    state.finish_run(run, outcome, &json.to_string()).await?;
    println!(
        "Pulled {} properties ({} lists, {} requests, {:.1} s): {} new, {} changed, {} unchanged.",
        summary.properties,
        summary.lists,
        summary.client.requests,
        summary.elapsed_ms as f64 / 1000.0,
        total.new,
        total.changed,
        total.unchanged
    );
    if quarantined_now > 0 {
        println!(
            "{quarantined_now} item(s) break Entrata's contract and are quarantined; `entrata-recon status` lists them."
        );
        return Ok(Outcome::NeedsAttention);
    }
    Ok(Outcome::Done)
}

pub(super) async fn cmd_status(cli: &Cli, args: &StatusArgs) -> Result<Outcome, CliError> {
    let config = cli.optional_config()?;
    let path = match &config {
        Some(config) => config.state_path.clone(),
        None => cli.state_path()?,
    };
    let mappings_dir = config.as_ref().map_or_else(|| PathBuf::from("mappings"), |c| c.mappings_dir.clone());
    let state = StateFile::open_read_only(&path).await?;
    let planned = planned_exceptions(&state, &mappings_dir, config.as_ref()).await;
    let report = match planned {
        Ok((planned, mappings)) => StatusReport::gather(&state, planned, mappings.as_deref()).await,
        Err(e) => Err(e),
    };
    state.close().await;
    let mut report = report?;
    if !args.books.is_empty() {
        let default = [entrata_recon::domain::BookName::default_book()];
        let named = match &config {
            Some(config) => entrata_recon::run::books::check_named(config.books.keys(), &args.books),
            None => entrata_recon::run::books::check_named(default.iter(), &args.books),
        };
        named.map_err(|e| CliError::Other(e.to_string()))?;
        report.targets.retain(|t| args.books.contains(&t.book));
    }
    match args.format {
        StatusFormat::Text => print!("{}", report.to_text()),
        StatusFormat::Json => println!("{}", report.to_json()),
    }
    Ok(if report.needs_person() { Outcome::NeedsAttention } else { Outcome::Done })
}

/// The exceptions `plan` would report now, made by `plan` itself, or why they were not; and the
/// mapping files, when they could be read.
async fn planned_exceptions(
    state: &StateFile,
    mappings_dir: &Path,
    config: Option<&Config>,
) -> Result<(Planned, Option<Arc<MappingSet>>), StateError> {
    if !mappings_dir.is_dir() {
        let reason = format!("no mapping files at {}", mappings_dir.display());
        return Ok((Planned::NotChecked { reason, needs_person: false }, None));
    }
    let loaded = match config {
        Some(config) => entrata_recon::mapping::load_routed(mappings_dir, config.books.keys()),
        None => entrata_recon::mapping::load(mappings_dir),
    };
    let mappings = match loaded {
        Ok(mappings) => Arc::new(mappings),
        Err(errors) => {
            let n = errors.diagnostics().len();
            let reason = format!(
                "the mapping files in {} have {n} mistake{}; `entrata-recon mappings check` shows {}",
                mappings_dir.display(),
                if n == 1 { "" } else { "s" },
                if n == 1 { "it" } else { "them" }
            );
            return Ok((Planned::NotChecked { reason, needs_person: true }, None));
        }
    };
    let not_checked = |e: String| Planned::NotChecked { reason: e, needs_person: true };
    let mut exceptions = match plan(state, &mappings, &PlanRequest::default()).await {
        Ok(plan) => plan.exceptions,
        Err(PlanRunError::State(e)) => return Err(e),
        Err(e) => return Ok((not_checked(e.to_string()), Some(mappings))),
    };
    match held_adjustments(state, &mappings, &PlanRequest::default()).await {
        Ok(held) => exceptions.extend(held),
        Err(RecordRunError::State(e)) => return Err(e),
        Err(e) => return Ok((not_checked(e.to_string()), Some(mappings))),
    }
    Ok((Planned::Checked(exceptions), Some(mappings)))
}

pub(super) async fn cmd_plan(cli: &Cli, args: &PlanArgs) -> Result<Outcome, CliError> {
    let config = cli.load_config()?;
    let mappings = Arc::new(
        entrata_recon::mapping::load_routed(&config.mappings_dir, config.books.keys())
            .map_err(CliError::Mappings)?,
    );
    let state = StateFile::open_read_only(&config.state_path).await?;
    entrata_recon::run::books::check_named(config.books.keys(), &args.books)
        .map_err(|e| CliError::Other(e.to_string()))?;
    let request = PlanRequest {
        properties: args.properties.iter().map(PropertyId::new).collect(),
        period: args.period,
        books: args.books.clone(),
    };
    let mapping_for = |id: &PropertyId| mappings.for_property(id);
    let target = args.target.map(TargetArg::kind);
    let cannot_write = |e: serde_json::Error| CliError::Other(format!("cannot write the plan: {e}"));
    // Every format is printed only once the whole plan is made: a plan that fails half way prints
    // nothing, never half a document.
    let (output, exceptions) = match args.format {
        PlanFormat::Json => {
            // Rendered as it is made: a property's entries while the next ones are planned, then
            // dropped; only the text is held.
            let mut writer = PlanJsonWriter::new(Vec::new(), &mapping_for, target).map_err(cannot_write)?;
            let planned = plan_each(&state, &mappings, &request, |part| {
                writer.exceptions(part.exceptions);
                writer.entries(&part.entries).map_err(|e| PlanRunError::Output(e.to_string()))
            })
            .await;
            let held = match planned {
                Ok(_) => held_adjustments(&state, &mappings, &request).await,
                Err(e) => Err(e.into()),
            };
            state.close().await;
            writer.exceptions(held.map_err(record_failed)?);
            let (mut json, exceptions) = writer.finish().map_err(cannot_write)?;
            json.push(b'\n');
            (json, exceptions)
        }
        PlanFormat::Table | PlanFormat::Csv => {
            let plan = match plan(&state, &mappings, &request).await {
                Ok(mut plan) => held_adjustments(&state, &mappings, &request).await.map(|held| {
                    plan.exceptions.extend(held);
                    plan
                }),
                Err(e) => Err(e.into()),
            };
            // The table, for people: once something is posted, what a post would send now.
            let standing = match (&plan, args.format) {
                (Ok(_), PlanFormat::Table) => {
                    entrata_recon::run::record::standing(&state, &mappings, &request).await
                }
                _ => Ok(None),
            };
            state.close().await;
            let plan = plan.map_err(record_failed)?;
            let standing = standing.map_err(record_failed)?;
            let view = PlanView {
                entries: &plan.entries,
                exceptions: &plan.exceptions,
                mapping_for: &mapping_for,
                target,
                standing: standing.as_ref(),
            };
            let text = match args.format {
                PlanFormat::Csv => {
                    view.to_csv().map_err(|e| CliError::Other(format!("cannot write CSV: {e}")))?
                }
                _ => view.to_table(),
            };
            (text.into_bytes(), plan.exceptions.len())
        }
    };
    let mut stdout = std::io::stdout().lock();
    std::io::Write::write_all(&mut stdout, &output)
        .and_then(|()| std::io::Write::flush(&mut stdout))
        .map_err(|e| CliError::Other(format!("cannot write the plan: {e}")))?;
    Ok(if exceptions == 0 { Outcome::Done } else { Outcome::NeedsAttention })
}

pub(super) async fn cmd_mappings_check(cli: &Cli, args: &MappingsCheckArgs) -> Result<Outcome, CliError> {
    // The config is optional here: an accountant may check a mapping folder on its own.
    let config = cli.optional_config()?;
    let dir = match (&args.dir, &config) {
        (Some(dir), _) => dir.clone(),
        (None, Some(config)) => config.mappings_dir.clone(),
        (None, None) => PathBuf::from("mappings"),
    };
    let loaded = match &config {
        Some(config) => entrata_recon::mapping::load_routed(&dir, config.books.keys()),
        None => entrata_recon::mapping::load(&dir),
    };
    let set = match loaded {
        Ok(set) => set,
        Err(errors) => {
            print!("{}", CheckReport::invalid(errors));
            return Ok(Outcome::Refused);
        }
    };
    let targets: Vec<TargetKind> = match (args.target, &config) {
        (Some(target), _) => vec![target.kind()],
        (None, Some(config)) => config.targets.iter().filter(|(_, t)| t.enabled).map(|(k, _)| *k).collect(),
        (None, None) => Vec::new(),
    };
    let state_path = cli.state.clone().or_else(|| config.as_ref().map(|c| c.state_path.clone()));
    let codes = match state_path.filter(|p| p.exists()) {
        Some(path) => {
            let state = StateFile::open_read_only(&path).await?;
            let codes = entrata_recon::run::mappings::code_usage(&state).await;
            state.close().await;
            codes?
        }
        None => entrata_recon::run::mappings::StateCodes::default(),
    };
    let report = CheckReport::checked(&set, codes.usage.clone(), &codes.properties, &targets)
        .with_entrata_gl(&set, &codes.ar_codes, &codes.usage);
    print!("{report}");
    let mut exit = report.exit_code(args.strict);
    // `--target` with a connected company: the company itself (each book's) is asked about every
    // name its mappings use.
    if let (Some(target), Some(config)) = (args.target, &config)
        && config.state_path.exists()
    {
        let found =
            crate::cli::posting::check_target(config, Arc::new(set), target.kind(), &args.books).await?;
        if found > 0 {
            exit = exit.max(if args.strict { 2 } else { 1 });
        }
    }
    Ok(match exit {
        0 => Outcome::Done,
        1 => Outcome::NeedsAttention,
        _ => Outcome::Refused,
    })
}

/// A plan made, whose held adjustments could not be told: the plan's own error, or the state
/// file's, or what else stopped it.
fn record_failed(e: RecordRunError) -> CliError {
    match e {
        RecordRunError::Plan(e) => CliError::Plan(e),
        RecordRunError::State(e) => CliError::State(e),
        other => CliError::Other(other.to_string()),
    }
}
