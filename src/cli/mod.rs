//! The command line: arguments are parsed here, resolved into a settled configuration, and handed
//! to the library. Errors become one message and exit code 2; "needs a person" becomes exit 1.

mod args;
mod commands;
mod demo;
mod drift;
mod posting;
mod sandbox;

use std::path::PathBuf;
use std::process::ExitCode;

pub use args::*;
pub use commands::run_pull;

use entrata_recon::config::{Config, ConfigError};
use entrata_recon::mapping::MappingErrors;
use entrata_recon::run::plan::PlanRunError;
use entrata_recon::run::pull::PullError;
use entrata_recon::source::client::SourceError;
use entrata_recon::state::{LockError, StateError};

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

impl Outcome {
    pub fn code(self) -> u8 {
        match self {
            Outcome::Done => 0,
            Outcome::NeedsAttention => 1,
            Outcome::Refused => 2,
        }
    }
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
    SourceSetup(#[from] entrata_recon::source::SourceSetupError),
    #[error(transparent)]
    Plan(#[from] PlanRunError),
    #[error("{0}")]
    Mappings(MappingErrors),
    #[error(transparent)]
    Connect(#[from] entrata_recon::run::connect::ConnectError),
    #[error(transparent)]
    Post(#[from] entrata_recon::run::post::PostRunError),
    #[error(transparent)]
    Nightly(#[from] entrata_recon::run::nightly::NightlyError),
    #[error(transparent)]
    Drift(#[from] entrata_recon::run::drift::DriftError),
    /// A command line that asks for something the command does not do.
    #[error("{0}")]
    Usage(String),
    #[error("{0}")]
    Other(String),
}

/// How to run this program again from where it was started, for the commands a message suggests:
/// the path it was run by (`target/release/entrata-recon` under `cargo run`), or `entrata-recon`
/// when it was found on the PATH.
pub fn program() -> String {
    const NAME: &str = "entrata-recon";
    match std::env::args().next() {
        Some(arg0) if arg0.contains(std::path::MAIN_SEPARATOR) && arg0.ends_with(NAME) => arg0,
        _ => NAME.to_owned(),
    }
}

/// The config file used when `--config` is not given.
pub const DEFAULT_CONFIG: &str = "recon.toml";

impl Cli {
    /// `--config`, or `./recon.toml`.
    pub fn config_path(&self) -> PathBuf {
        self.config.clone().unwrap_or_else(|| PathBuf::from(DEFAULT_CONFIG))
    }

    fn load_config(&self) -> Result<Config, CliError> {
        let mut config = Config::load(&self.config_path())?;
        if let Some(state) = &self.state {
            config.state_path = state.clone();
        }
        Ok(config)
    }

    /// The config when one was named or `./recon.toml` exists: `status` and `mappings check` work
    /// without one.
    fn optional_config(&self) -> Result<Option<Config>, CliError> {
        if self.config.is_some() || self.config_path().exists() {
            Ok(Some(self.load_config()?))
        } else {
            Ok(None)
        }
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
    let result = runtime.block_on(async {
        match &cli.command {
            Command::Sandbox(_) => {}
            Command::Pull(_) | Command::Post(_) | Command::Run(_) | Command::Demo(_) => {
                entrata_recon::interrupt::listen(entrata_recon::interrupt::Mode::Graceful)
            }
            _ => entrata_recon::interrupt::listen(entrata_recon::interrupt::Mode::AtOnce),
        }
        dispatch(&cli).await
    });
    // The work is done; a read of standard input still blocking (`connect`'s paste prompt, when the
    // browser's redirect answered first) must not keep the process alive.
    runtime.shutdown_timeout(std::time::Duration::from_millis(500));
    if entrata_recon::interrupt::requested() {
        if let Err(e) = &result {
            eprintln!("error: {e}");
        }
        println!("{}", entrata_recon::interrupt::closing_line());
        return ExitCode::from(entrata_recon::interrupt::EXIT_CODE);
    }
    match result {
        Ok(outcome) => ExitCode::from(outcome.code()),
        Err(e) => fatal(cli.log_format, &e.to_string()),
    }
}

/// Says why the command could not run, as the log is written (`error: ...`, or one JSON object a
/// log shipper can read, shaped like the log's own lines), and returns exit code 2.
fn fatal(format: LogFormat, message: &str) -> ExitCode {
    match format {
        LogFormat::Text => eprintln!("error: {message}"),
        LogFormat::Json => {
            let line = serde_json::json!({
                "timestamp": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
                "level": "ERROR",
                "fields": {"message": message, "exit_code": 2},
                "target": "entrata_recon",
            });
            eprintln!("{line}");
        }
    }
    ExitCode::from(2)
}

/// A command line clap refused (or `--help`/`--version`, which clap prints itself). With
/// `--log-format json` among the arguments, the refusal is written as JSON like any fatal error.
pub fn usage_error(error: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    let informational = matches!(
        error.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    );
    let args: Vec<String> = std::env::args().collect();
    let json = args.windows(2).any(|w| w[0] == "--log-format" && w[1] == "json")
        || args.iter().any(|a| a == "--log-format=json");
    if informational || !json {
        error.exit();
    }
    fatal(LogFormat::Json, error.render().to_string().trim())
}

async fn dispatch(cli: &Cli) -> Result<Outcome, CliError> {
    refuse_unused_globals(cli)?;
    match &cli.command {
        Command::Demo(args) => demo::cmd_demo(cli, args).await,
        Command::Sandbox(args) => sandbox::cmd_sandbox(args).await,
        Command::Pull(args) => commands::cmd_pull(cli, args).await,
        Command::Status(args) => commands::cmd_status(cli, args).await,
        Command::Connect(args) => posting::cmd_connect(cli, args).await,
        Command::Disconnect(args) => posting::cmd_disconnect(cli, args).await,
        Command::Post(args) => posting::cmd_post(cli, args).await,
        Command::Run(args) => posting::cmd_run(cli, args).await,
        Command::Drift(args) => drift::cmd_drift(cli, args).await,
        Command::Plan(args) => commands::cmd_plan(cli, args).await,
        Command::Mappings { command: MappingsCommand::Check(args) } => {
            commands::cmd_mappings_check(cli, args).await
        }
    }
}

/// `demo` and `sandbox` make their own config and state file: a `--config` or `--state` given to
/// them would be silently ignored, so it is refused instead.
fn refuse_unused_globals(cli: &Cli) -> Result<(), CliError> {
    let (command, instead) = match &cli.command {
        Command::Demo(_) => {
            ("demo", "it writes its own config and state file into a fresh folder and prints where")
        }
        Command::Sandbox(_) => (
            "sandbox",
            "it reads no config; --write-config FILE writes one for the other commands to use with --config FILE",
        ),
        _ => return Ok(()),
    };
    let given: Vec<&str> = [("--config", cli.config.is_some()), ("--state", cli.state.is_some())]
        .into_iter()
        .filter_map(|(flag, given)| given.then_some(flag))
        .collect();
    if given.is_empty() {
        return Ok(());
    }
    Err(CliError::Usage(format!("`{command}` does not take {}: {instead}", given.join(" or "))))
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
        // Written with any progress bar suspended, so a line never lands on the bar's row.
        .with_writer(entrata_recon::report::progress::LogWriter)
        .with_ansi(std::io::stderr().is_terminal());
    let _ = match cli.log_format {
        LogFormat::Text => builder.with_target(false).try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}
