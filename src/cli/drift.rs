//! `drift`: the three-way drift report (issue 12), and the reports `run` ends with.
//!
//! Exit codes: 0 no drift and nothing waits for a person; 1 drift found, or something waits for a
//! person (exceptions, postings not done; the verdict says which); 2 could not compare (the
//! message names the side: Entrata's, the state file's, or a target's).

use std::path::Path;
use std::sync::Arc;

use super::args::{DriftArgs, DriftFormat};
use super::{Cli, CliError, Outcome};
use entrata_recon::http::Pause;
use entrata_recon::report::drift::{csv, html, json, table};
use entrata_recon::report::progress::Progress;
use entrata_recon::run::drift::{DriftError, DriftRequest, drift};
use entrata_recon::state::{Create, RunOutcome, StateFile, StateLock};

pub(super) async fn cmd_drift(cli: &Cli, args: &DriftArgs) -> Result<Outcome, CliError> {
    let outs = out_formats(args)?;
    let config = cli.load_config()?;
    let mappings = Arc::new(
        entrata_recon::mapping::load_routed(&config.mappings_dir, config.books.keys())
            .map_err(CliError::Mappings)?,
    );
    // `drift --pull` may start a state file, as a first pull does; a comparison alone never does.
    let create = if args.pull { Create::IfMissing } else { Create::Never };
    StateFile::check_writable(&config.state_path).await?;
    // One comparison at a time, and never in the middle of a pull, post or run.
    let _lock = StateLock::acquire(&config.state_path, "drift", create)?;
    let state = StateFile::open_for_writing(&config.state_path, create).await?;
    let result = compare(cli, args, &config, &state, &mappings).await;
    state.close().await;
    let report = result?;
    if args.out.is_empty() {
        print!("{}", render(&report, args.format.unwrap_or(DriftFormat::Table))?);
    }
    // One comparison, every file asked for.
    for (path, format) in &outs {
        write_replacing(path, render(&report, *format)?.as_bytes())?;
        println!(
            "Drift report written to {}: {}.",
            path.display(),
            entrata_recon::report::drift::verdict(&report)
        );
    }
    Ok(if report.needs_person() { Outcome::NeedsAttention } else { Outcome::Done })
}

fn render(report: &entrata_recon::drift::DriftReport, format: DriftFormat) -> Result<String, CliError> {
    Ok(match format {
        DriftFormat::Table => table::render(report),
        DriftFormat::Csv => csv::render(report)
            .map_err(|reason| CliError::Other(format!("cannot write the CSV: {reason}")))?,
        DriftFormat::Json => json::render(report),
        DriftFormat::Html => html::render(report),
    })
}

/// Each `--out` with its format: a single one takes `--format` when given; otherwise the file's
/// extension says it. Decided before anything is compared, so a mistake costs no reads.
fn out_formats(args: &DriftArgs) -> Result<Vec<(std::path::PathBuf, DriftFormat)>, CliError> {
    if let ([path], Some(format)) = (args.out.as_slice(), args.format) {
        return Ok(vec![(path.clone(), format)]);
    }
    args.out
        .iter()
        .map(|path| {
            let extension = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
            let format = match extension.as_deref() {
                Some("html" | "htm") => DriftFormat::Html,
                Some("csv") => DriftFormat::Csv,
                Some("json") => DriftFormat::Json,
                Some("txt") => DriftFormat::Table,
                _ => {
                    return Err(CliError::Other(format!(
                        "--out {}: say its format by its extension (.txt, .csv, .json or .html), or give a single --out with --format",
                        path.display()
                    )));
                }
            };
            Ok((path.clone(), format))
        })
        .collect()
}

async fn compare(
    cli: &Cli,
    args: &DriftArgs,
    config: &entrata_recon::config::Config,
    state: &StateFile,
    mappings: &Arc<entrata_recon::mapping::MappingSet>,
) -> Result<entrata_recon::drift::DriftReport, CliError> {
    if args.pull {
        pull_quietly(cli, config, state).await?;
    }
    let request = DriftRequest {
        period: args.period,
        properties: args.properties.clone(),
        full: args.full,
        pause: Pause::real(),
        targets: args.target.map(|t| vec![t.kind()]).unwrap_or_default(),
        books: args.books.clone(),
    };
    Ok(drift(config, state, mappings, &request).await?)
}

/// `--pull`: a pull exactly as `pull` makes it (recorded as a run), its summary left out of the
/// report's output.
async fn pull_quietly(
    cli: &Cli,
    config: &entrata_recon::config::Config,
    state: &StateFile,
) -> Result<(), CliError> {
    let entrata = |e: &dyn std::fmt::Display| DriftError::Entrata(format!("the pull failed: {e}"));
    let client = entrata_recon::source::Source::from_config(config).map_err(|e| entrata(&e))?;
    let run = state.begin_run("pull").await?;
    let progress = Progress::new("pull", cli.progress_enabled());
    let result = entrata_recon::run::pull::pull(config, &client, state, &Default::default(), &progress).await;
    progress.finish();
    match result {
        Ok(summary) => {
            let total = summary.total();
            let json = serde_json::json!({"properties": summary.properties, "new": total.new, "changed": total.changed,
                "requests": summary.client.requests, "for": "drift --pull"});
            state.finish_run(run, RunOutcome::Ok, &json.to_string()).await?;
            tracing::info!(new = total.new, changed = total.changed, "pulled before comparing");
            Ok(())
        }
        Err(e) => {
            let text = serde_json::json!({ "error": e.to_string() }).to_string();
            state.finish_run(run, RunOutcome::Failed, &text).await?;
            Err(entrata(&e).into())
        }
    }
}

/// `--out FILE`: written beside itself first, then renamed over it, so that a reader never sees
/// half a report.
fn write_replacing(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    use std::io::Write as _;
    let failed = |e: std::io::Error| CliError::Other(format!("cannot write {}: {e}", path.display()));
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut file = tempfile::NamedTempFile::new_in(dir).map_err(failed)?;
    file.write_all(bytes).map_err(failed)?;
    file.persist(path).map_err(|e| failed(e.error))?;
    Ok(())
}

/// `run`'s last step: the HTML and CSV drift reports in the reports folder, and the lines that
/// say where they are (printed after the run's screen). Drift found makes a run that needed no
/// person need one; a comparison that cannot be made is said, and does too; neither undoes what
/// the run did. What waits for a person without drift (exceptions, postings not done) adds no
/// line: the run's screen lists it already. A dry run writes none.
pub async fn run_reports(
    config: &entrata_recon::config::Config,
    state: &StateFile,
    mappings: &Arc<entrata_recon::mapping::MappingSet>,
    outcome: Outcome,
    dry_run: bool,
    (targets, books): (&[entrata_recon::targets::TargetKind], &[entrata_recon::domain::BookName]),
) -> (Outcome, String, Option<String>) {
    if dry_run {
        return (outcome, "Drift report: none on a dry run.\n".to_owned(), None);
    }
    if entrata_recon::interrupt::requested() {
        return (outcome, "Drift report: not made (interrupted).\n".to_owned(), None);
    }
    let needs_person = |outcome| match outcome {
        Outcome::Done => Outcome::NeedsAttention,
        other => other,
    };
    match entrata_recon::run::drift::write_run_reports(
        config,
        state,
        mappings,
        &Pause::real(),
        targets,
        books,
    )
    .await
    {
        Ok(written) => {
            let text = format!(
                "Drift report: {}:\n  {}\n  {}\n",
                entrata_recon::report::drift::verdict(&written.report),
                written.html.display(),
                written.csv.display()
            );
            if written.report.drift_found() {
                let person = format!(
                    "the drift report found drift ({}): {}",
                    entrata_recon::report::drift::drift_text(&written.report),
                    written.html.display()
                );
                (needs_person(outcome), text, Some(person))
            } else {
                (outcome, text, None)
            }
        }
        Err(e) => (
            needs_person(outcome),
            format!("Drift report not written: {e}\n"),
            Some(format!("the drift report could not be written: {e}")),
        ),
    }
}
