//! The command line: arguments are parsed here, resolved into a settled configuration, and handed
//! to the library. Errors become one message and exit code 2; "needs a person" becomes exit 1.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::config::{Config, ConfigError};
use std::sync::Arc;

use crate::domain::{PostMonth, PropertyId};
use crate::mapping::{CheckReport, MappingErrors};
use crate::report::plan::PlanView;
use crate::report::progress::Progress;
use crate::report::status::StatusReport;
use crate::run::demo;
use crate::run::plan::{PlanRequest, PlanRunError, plan};
use crate::run::pull::{PullError, PullOptions, pull};
use crate::sandbox::generate::{GenerateSpec, generate, generate_with_summary};
use crate::sandbox::{Dataset, SandboxOptions, env_path, parse_faults, start};
use crate::source::client::{EntrataClient, SourceError};
use crate::state::{LockError, RunOutcome, StateError, StateFile, StateLock};
use crate::targets::TargetKind;

const ABOUT: &str = "Pulls Entrata resident ledgers, maps them into balanced journal entries, posts them exactly \
once to QuickBooks Online and Xero, and reports drift.";

const EXIT_CODES: &str = "Exit codes: 0 all done, nothing needs a person; 1 finished, but something needs a person \
(exceptions held, drift, uncertain postings); 2 could not run (bad config or mapping file, auth failure, state \
file locked or unreadable).";

#[derive(Debug, Parser)]
#[command(name = "entrata-recon", version, about = ABOUT, after_help = EXIT_CODES)]
pub struct Cli {
    /// The configuration file.
    #[arg(long, global = true, value_name = "FILE", default_value = "recon.toml")]
    pub config: PathBuf,
    /// The state file (overrides `[state] path` in the config).
    #[arg(long, global = true, value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// How log lines are written to stderr.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// More detail in the logs (-v, -vv).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Only warnings and errors (-q), or only errors (-qq); no progress bars.
    #[arg(short, long, global = true, action = clap::ArgAction::Count, conflicts_with = "verbose")]
    pub quiet: u8,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatusFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// The nightly job on a generated portfolio, with no set-up: starts the sandbox in-process, writes
    /// a config and the example mappings into a fresh folder, pulls, plans and prints a summary.
    #[command(
        after_help = "Examples:\n  entrata-recon demo\n  entrata-recon demo --generate properties=10,months=6,seed=7"
    )]
    Demo(DemoArgs),
    /// Serves the Entrata sandbox (QuickBooks and Xero come later) on loopback until interrupted.
    #[command(
        after_help = "Examples:\n  entrata-recon sandbox --generate properties=3,months=3,seed=1 --write-config recon.toml\n  entrata-recon sandbox --data fixtures/one-of-each.json --listen 127.0.0.1:8080\n  entrata-recon sandbox --faults faults.json --write-config /tmp/try/recon.toml"
    )]
    Sandbox(SandboxArgs),
    /// Incremental pull from Entrata into the state file.
    #[command(
        after_help = "Examples:\n  entrata-recon pull\n  entrata-recon pull --property prop_0001 --since 2026-02-01T00:00:00Z\n  entrata-recon --config /etc/recon/recon.toml pull --full"
    )]
    Pull(PullArgs),
    /// The journal entries that would be posted now, and the exceptions, without posting.
    #[command(
        after_help = "Examples:\n  entrata-recon plan\n  entrata-recon plan --format json --period 2026-02 > plan.json\n  entrata-recon plan --property prop_0001 --target qbo --format csv > plan.csv"
    )]
    Plan(PlanArgs),
    /// Mapping files: check them, and the AR codes seen in the state file.
    Mappings {
        #[command(subcommand)]
        command: MappingsCommand,
    },
    /// What the state file holds: items per property and kind, watermarks, exceptions, last runs.
    #[command(
        after_help = "Examples:\n  entrata-recon status\n  entrata-recon status --format json | jq .items"
    )]
    Status(StatusArgs),
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// The portfolio to generate (default properties=3,months=3,seed=1).
    #[arg(long, value_name = "SPEC")]
    pub generate: Option<GenerateSpec>,
}

#[derive(Debug, Args)]
pub struct SandboxArgs {
    /// Serve this dataset (spec/source-api.md §6).
    #[arg(long, value_name = "FILE", conflicts_with = "generate")]
    pub data: Option<PathBuf>,
    /// Generate a portfolio: properties=N,months=M,seed=S (default properties=3,months=3,seed=1).
    #[arg(long, value_name = "SPEC")]
    pub generate: Option<GenerateSpec>,
    /// Where to listen (loopback only; port 0 picks a free one).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
    pub listen: std::net::SocketAddr,
    /// Fault rules (JSON), e.g. 429s and dropped connections to try the connector against.
    #[arg(long, value_name = "FILE")]
    pub faults: Option<PathBuf>,
    /// Write a recon.toml pointing at the sandbox (and a sibling .env with its secrets).
    #[arg(long, value_name = "FILE")]
    pub write_config: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct PullArgs {
    /// Only this property's ledger (repeatable). Properties and AR codes are always pulled.
    #[arg(long = "property", value_name = "ID")]
    pub properties: Vec<String>,
    /// Start every list at this instant (RFC 3339) instead of at its watermark.
    #[arg(long, value_name = "TIMESTAMP", conflicts_with = "full", value_parser = parse_timestamp)]
    pub since: Option<chrono::DateTime<chrono::Utc>>,
    /// Pull every list from its beginning (nothing is lost or duplicated: unchanged items are recognized).
    #[arg(long)]
    pub full: bool,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Show this target's account references only (both by default).
    #[arg(long, value_enum)]
    pub target: Option<TargetArg>,
    #[arg(long, value_enum, default_value_t = PlanFormat::Table)]
    pub format: PlanFormat,
    /// Only this property (repeatable).
    #[arg(long = "property", value_name = "ID")]
    pub properties: Vec<String>,
    /// Only entries of this post month (YYYY-MM), and exceptions about its items.
    #[arg(long, value_name = "YYYY-MM", value_parser = parse_month)]
    pub period: Option<PostMonth>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlanFormat {
    Table,
    Json,
    Csv,
}

fn parse_month(text: &str) -> Result<PostMonth, String> {
    text.parse::<PostMonth>().map_err(|e| e.to_string())
}

#[derive(Debug, Subcommand)]
pub enum MappingsCommand {
    /// Validates the mapping files (syntax, types, unknown keys and accounts, splits) and lists AR
    /// codes in the state file that no rule maps, with the money waiting on them.
    #[command(
        after_help = "Exit codes: 2 when the files have mistakes; 1 when codes have no rule (2 with --strict); 0 when all is well.\n\nExamples:\n  entrata-recon mappings check\n  entrata-recon mappings check --strict --target qbo\n  entrata-recon mappings check --dir ./mappings --state recon.sqlite"
    )]
    Check(MappingsCheckArgs),
}

#[derive(Debug, Args)]
pub struct MappingsCheckArgs {
    /// Unmapped codes and accounts missing in a target exit 2 instead of 1.
    #[arg(long)]
    pub strict: bool,
    /// Check that every account in use has an account in this target (default: the enabled targets).
    #[arg(long, value_enum)]
    pub target: Option<TargetArg>,
    /// The mapping folder (default: `[mappings] dir` of the config, else `./mappings`).
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TargetArg {
    Qbo,
    Xero,
}

impl TargetArg {
    pub fn kind(self) -> TargetKind {
        match self {
            TargetArg::Qbo => TargetKind::Qbo,
            TargetArg::Xero => TargetKind::Xero,
        }
    }
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    #[arg(long, value_enum, default_value_t = StatusFormat::Text)]
    pub format: StatusFormat,
}

fn parse_timestamp(text: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|_| format!("`{text}` is not an RFC 3339 timestamp (e.g. 2026-02-01T00:00:00Z)"))
}

/// What a command came to, as the exit code says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Exit 0.
    Done,
    /// Exit 1: finished, but something needs a person.
    NeedsAttention,
    /// Exit 2, with the reason already printed (a report that is itself the error).
    Refused,
}

/// Anything that stops a command: exit 2.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Lock(#[from] LockError),
    #[error(transparent)]
    State(#[from] StateError),
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error(transparent)]
    Pull(#[from] PullError),
    #[error(transparent)]
    Plan(#[from] PlanRunError),
    #[error("{0}")]
    Mappings(MappingErrors),
    #[error("{0}")]
    Other(String),
}

impl Cli {
    fn load_config(&self) -> Result<Config, CliError> {
        let mut config = Config::load(&self.config)?;
        if let Some(state) = &self.state {
            config.state_path = state.clone();
        }
        Ok(config)
    }

    fn state_path(&self) -> Result<PathBuf, CliError> {
        // Read-only commands work from `--state` alone, without a config.
        match &self.state {
            Some(state) => Ok(state.clone()),
            None => Ok(self.load_config()?.state_path),
        }
    }

    fn progress_enabled(&self) -> bool {
        self.quiet == 0
    }
}

pub fn main_with_args(cli: Cli) -> ExitCode {
    init_logging(&cli);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(dispatch(&cli)) {
        Ok(Outcome::Done) => ExitCode::SUCCESS,
        Ok(Outcome::NeedsAttention) => ExitCode::from(1),
        Ok(Outcome::Refused) => ExitCode::from(2),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

async fn dispatch(cli: &Cli) -> Result<Outcome, CliError> {
    match &cli.command {
        Command::Demo(args) => cmd_demo(cli, args).await,
        Command::Sandbox(args) => cmd_sandbox(args).await,
        Command::Pull(args) => cmd_pull(cli, args).await,
        Command::Status(args) => cmd_status(cli, args).await,
        Command::Plan(args) => cmd_plan(cli, args).await,
        Command::Mappings { command: MappingsCommand::Check(args) } => cmd_mappings_check(cli, args).await,
    }
}

async fn cmd_demo(cli: &Cli, args: &DemoArgs) -> Result<Outcome, CliError> {
    let other = |what: &str, e: &dyn std::fmt::Display| CliError::Other(format!("demo: {what}: {e}"));
    let spec = args.generate.unwrap_or_default();
    let folder = demo::demo_folder().map_err(|e| other("cannot create a folder", &e))?;
    let generated = generate_with_summary(&spec);
    let dataset = Dataset::from_json(&generated.json).map_err(|e| other("generated dataset refused", &e))?;
    drop(generated.json);
    let sandbox =
        start(SandboxOptions::new(dataset)).await.map_err(|e| other("cannot start the sandbox", &e))?;
    println!(
        "Demo: a generated portfolio ({spec}: {} ledger items) served by the Entrata sandbox at {}",
        generated.summary.ledger_items(),
        sandbox.base_url()
    );
    let config_path = folder.join("recon.toml");
    demo::write_example_mappings(&folder.join("mappings")).map_err(|e| other("cannot write mappings", &e))?;
    sandbox.write_config(&config_path).map_err(|e| other("cannot write the config", &e))?;
    // Only the sandbox's env file: real ENTRATA_* variables must not leak into the demo.
    let text = std::fs::read_to_string(&config_path).map_err(|e| other("cannot read the config", &e))?;
    let config = Config::parse(&config_path, &text, crate::config::Env::default())?;

    let lock = StateLock::acquire(&config.state_path, "demo")?;
    let state = StateFile::open(&config.state_path).await?;
    let client = EntrataClient::new(&config.source, config.entrata_credentials()?)?;
    println!("\n1. Pull");
    let pulled = run_pull(&config, &client, &state, &PullOptions::default(), cli.progress_enabled()).await;
    sandbox.shutdown().await;
    pulled?;
    println!("\n2. Plan (mapping files in {})", config.mappings_dir.display());
    let mappings = Arc::new(crate::mapping::load(&config.mappings_dir).map_err(CliError::Mappings)?);
    let plan = plan(&state, &mappings, &PlanRequest::default()).await;
    state.close().await;
    drop(lock);
    let plan = plan?;
    println!(
        "Read {} items (leases, charges, payments, deposits) of {} properties.\n",
        plan.items_read, plan.properties
    );
    print!("{}", demo::summary(&plan));
    println!("\nThe demo's files are kept in {}:", folder.display());
    println!("  recon.toml, recon.env (sandbox secrets), recon.sqlite (the state file), mappings/");
    println!("Look further with:");
    println!("  entrata-recon --config {} plan --format json", config_path.display());
    println!("  entrata-recon --config {} status", config_path.display());
    println!(
        "  entrata-recon mappings check --dir {} --state {}",
        config.mappings_dir.display(),
        config.state_path.display()
    );
    if !plan.exceptions.is_empty() {
        println!(
            "\nThe exceptions above are planted in the generated data to show how they are reported; a nightly \
             `plan` or `run` with exceptions exits 1 so that someone looks."
        );
    }
    Ok(Outcome::Done)
}

async fn cmd_sandbox(args: &SandboxArgs) -> Result<Outcome, CliError> {
    let read = |path: &PathBuf| {
        std::fs::read(path).map_err(|e| CliError::Other(format!("cannot read {}: {e}", path.display())))
    };
    let bytes = match &args.data {
        Some(path) => read(path)?,
        None => generate(&args.generate.unwrap_or_default()),
    };
    let dataset =
        Dataset::from_json(&bytes).map_err(|e| CliError::Other(format!("the dataset is refused:\n{e}")))?;
    drop(bytes);
    let mut options = SandboxOptions::new(dataset);
    options.listen = args.listen;
    if let Some(path) = &args.faults {
        options.faults =
            parse_faults(&read(path)?).map_err(|e| CliError::Other(format!("{}: {e}", path.display())))?;
    }
    let sandbox = start(options).await.map_err(|e| CliError::Other(e.to_string()))?;
    println!("Sandbox listening on {}", sandbox.base_url());
    println!("  Entrata: {}", sandbox.entrata_base_url());
    if let Some(path) = &args.write_config {
        sandbox.write_config(path).map_err(|e| CliError::Other(e.to_string()))?;
        println!("  Config:  {} (secrets in {})", path.display(), env_path(path).display());
    }
    println!("Press Ctrl-C to stop.");
    tokio::signal::ctrl_c().await.map_err(|e| CliError::Other(format!("cannot wait for Ctrl-C: {e}")))?;
    sandbox.shutdown().await;
    Ok(Outcome::Done)
}

async fn cmd_pull(cli: &Cli, args: &PullArgs) -> Result<Outcome, CliError> {
    let config = cli.load_config()?;
    let credentials = config.entrata_credentials()?;
    let _lock = StateLock::acquire(&config.state_path, "pull")?;
    let state = StateFile::open(&config.state_path).await?;
    let client = EntrataClient::new(&config.source, credentials)?;
    let options = PullOptions {
        properties: args.properties.iter().map(PropertyId::new).collect(),
        since: args.since,
        full: args.full,
    };
    let outcome = run_pull(&config, &client, &state, &options, cli.progress_enabled()).await;
    state.close().await;
    outcome
}

/// A pull recorded as a run, with its summary printed; shared by `pull` and the demo.
pub async fn run_pull(
    config: &Config,
    client: &EntrataClient,
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

async fn cmd_status(cli: &Cli, args: &StatusArgs) -> Result<Outcome, CliError> {
    let path = cli.state_path()?;
    let state = StateFile::open_existing(&path).await?;
    let report = StatusReport::gather(&state).await?;
    state.close().await;
    match args.format {
        StatusFormat::Text => print!("{}", report.to_text()),
        StatusFormat::Json => println!("{}", report.to_json()),
    }
    Ok(if report.quarantined.is_empty() { Outcome::Done } else { Outcome::NeedsAttention })
}

async fn cmd_plan(cli: &Cli, args: &PlanArgs) -> Result<Outcome, CliError> {
    let config = cli.load_config()?;
    let mappings = Arc::new(crate::mapping::load(&config.mappings_dir).map_err(CliError::Mappings)?);
    let state = StateFile::open_existing(&config.state_path).await?;
    let request = PlanRequest {
        properties: args.properties.iter().map(PropertyId::new).collect(),
        period: args.period,
    };
    let plan = plan(&state, &mappings, &request).await;
    state.close().await;
    let plan = plan?;
    let mapping_for = |id: &PropertyId| mappings.for_property(id);
    let view = PlanView {
        entries: &plan.entries,
        exceptions: &plan.exceptions,
        mapping_for: &mapping_for,
        target: args.target.map(TargetArg::kind),
    };
    match args.format {
        PlanFormat::Table => print!("{}", view.to_table()),
        PlanFormat::Json => println!("{}", view.to_json()),
        PlanFormat::Csv => {
            print!("{}", view.to_csv().map_err(|e| CliError::Other(format!("cannot write CSV: {e}")))?)
        }
    }
    Ok(if plan.exceptions.is_empty() { Outcome::Done } else { Outcome::NeedsAttention })
}

async fn cmd_mappings_check(cli: &Cli, args: &MappingsCheckArgs) -> Result<Outcome, CliError> {
    // The config is optional here: an accountant may check a mapping folder on its own.
    let config = if cli.config.exists() { Some(cli.load_config()?) } else { None };
    let dir = match (&args.dir, &config) {
        (Some(dir), _) => dir.clone(),
        (None, Some(config)) => config.mappings_dir.clone(),
        (None, None) => PathBuf::from("mappings"),
    };
    let set = match crate::mapping::load(&dir) {
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
    let usage = match state_path.filter(|p| p.exists()) {
        Some(path) => {
            let state = StateFile::open_existing(&path).await?;
            let usage = crate::run::mappings::code_usage(&state).await?;
            state.close().await;
            usage
        }
        None => Vec::new(),
    };
    let report = CheckReport::checked(&set, usage, &targets);
    print!("{report}");
    Ok(match report.exit_code(args.strict) {
        0 => Outcome::Done,
        1 => Outcome::NeedsAttention,
        _ => Outcome::Refused,
    })
}

fn init_logging(cli: &Cli) {
    use tracing_subscriber::EnvFilter;
    let level = match (cli.quiet, cli.verbose) {
        (q, _) if q >= 2 => "error",
        (1, _) => "warn",
        (_, 0) => "info",
        (_, 1) => "debug",
        _ => "trace",
    };
    // Our crate at the chosen level; dependencies stay at warn unless RUST_LOG says otherwise.
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new(format!("warn,entrata_recon={level}")));
    use std::io::IsTerminal;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    let _ = match cli.log_format {
        LogFormat::Text => builder.with_target(false).try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}
