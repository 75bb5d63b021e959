//! The command line's shape: every command, flag and `--help` text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use entrata_recon::domain::{BookName, PostMonth};
use entrata_recon::targets::TargetKind;
use entrata_recon_sandbox::generate::GenerateSpec;

/// What the connector does today. Kept to one sentence per capability so that each new command
/// (posting, drift) changes one line.
const ABOUT: &str = "Pulls Entrata resident ledgers into a local state file, maps them through your mapping files \
into balanced journal entries, posts them exactly once to QuickBooks Online and Xero, and says in the drift report where \
Entrata, the state file and the targets disagree.";

const EXIT_CODES: &str = "Exit codes: 0 all done, nothing needs a person; 1 finished, but something needs a person \
(exceptions held, drift, uncertain postings); 2 could not run (bad config or mapping file, auth failure, state \
file locked or unreadable).";

#[derive(Debug, Parser)]
#[command(name = "entrata-recon", version, about = ABOUT, after_help = EXIT_CODES)]
pub struct Cli {
    /// The configuration file, every key of which is in docs/configuration.md [default: recon.toml].
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The state file (overrides `[state] path` in the config).
    #[arg(long, global = true, value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// How log lines are written to stderr.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// More detail in the logs: -v each list pulled, -vv each HTTP request (method, URL, status, time).
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
    /// The nightly job on a generated portfolio, with no set-up: starts the sandboxes in-process,
    /// writes a config and the example mappings into a fresh folder, connects QuickBooks and Xero
    /// (playing the browser), runs the nightly job twice (the second posts nothing), edits a posted
    /// charge and runs it again (one adjustment per target), and writes the drift report.
    #[command(
        after_help = "It writes its own config and state file.\n\nExamples:\n  entrata-recon demo\n  entrata-recon demo --generate properties=5,months=2,seed=7"
    )]
    Demo(DemoArgs),
    /// Serves the Entrata, QuickBooks Online and Xero sandboxes on loopback until interrupted.
    #[command(
        after_help = "--write-config FILE writes FILE, its env file (recon.env beside it) and the example mapping \
files (mappings/ beside it), creating folders as needed; it refuses to replace files that exist unless --force is \
given. Fault rules are described in fixtures/README.md.\n\nExamples:\n  entrata-recon sandbox --generate properties=3,months=3,seed=1 --write-config recon.toml\n  entrata-recon sandbox --data fixtures/one-of-each.json --listen 127.0.0.1:8080\n  entrata-recon sandbox --faults fixtures/faults-example.json --write-config faulty/recon.toml\n  entrata-recon sandbox --source entrata --write-config own-api/recon.toml"
    )]
    Sandbox(SandboxArgs),
    /// Incremental pull from Entrata into the state file.
    #[command(
        after_help = "Examples:\n  entrata-recon pull\n  entrata-recon pull --property prop_0001 --since 2026-02-01T00:00:00Z\n  entrata-recon --config faulty/recon.toml pull --full"
    )]
    Pull(PullArgs),
    /// The journal entries that would be posted now, and the exceptions, without posting.
    #[command(
        after_help = "Formats: table (120 columns), json (docs/plan-json.md), csv (an entry row, its line rows, then the\nexception rows).\n\nExamples:\n  entrata-recon plan\n  entrata-recon plan --format json --period 2026-02 > plan.json\n  entrata-recon plan --property prop_0001 --target qbo --format csv > plan.csv"
    )]
    Plan(PlanArgs),
    /// Mapping files: check them, and the AR codes seen in the state file.
    Mappings {
        #[command(subcommand)]
        command: MappingsCommand,
    },
    /// Connects a target: the vendor's consent page (or a Xero custom connection), then the tokens
    /// are kept in the state file.
    #[command(
        after_help = "The authorization URL is printed on a line of its own. With a loopback redirect_uri (the default,\nhttp://127.0.0.1:8765/callback) the browser's redirect comes back by itself; on a server without a\nbrowser, open the URL anywhere and paste the address the browser ends up on.\n\nA company other than the one this state file's postings went to is refused unless --switch-company:\nthen those postings stay recorded as the old company's (status lists them) and every entry is posted\nafresh to the new company, after what it already holds from this connector is looked up and adopted.\n\nExamples:\n  entrata-recon connect qbo\n  entrata-recon connect xero --browser\n  entrata-recon connect xero --tenant \"Demo Property Holdings\""
    )]
    Connect(ConnectArgs),
    /// Posts what `plan` shows to each enabled target, exactly once.
    #[command(
        after_help = "Every entry is recorded with a document number it keeps for ever, then sent once per target; an\nentry whose outcome was not known is looked up in the target before anything is sent again.\n\nExamples:\n  entrata-recon post\n  entrata-recon post --target qbo\n  entrata-recon post --dry-run\n  entrata-recon post --reclass 2026-02"
    )]
    Post(PostArgs),
    /// The nightly job: pull, record and post to every enabled target, and one screen saying what
    /// happened and what needs a person.
    #[command(
        after_help = "Exit codes: 0 all done, nothing needs a person; 1 done, but something needs a person (exceptions\nheld, entries refused, held or uncertain); 2 could not run (config, mapping files,\nauthentication, state file locked).\n\nExamples:\n  entrata-recon run\n  entrata-recon run --dry-run\n  entrata-recon --log-format json run --target qbo"
    )]
    Run(RunArgs),
    /// The drift report: Entrata (the last pull), the state file and each enabled target (read
    /// back) compared, per property and post month, with totals that tie out.
    #[command(
        after_help = "It only reads Entrata's last pull (--pull pulls first, as `pull` does) and each target; it writes\nnothing but its comparison snapshot in the state file (what each target had, so that the next\ncomparison reads only what changed) and the files --out names. Formats: table (120 columns), csv\n(one row per finding, then the tie-out rows), json (docs/drift-json.md), html (one self-contained\npage). --out may be given once per format: one comparison writes them all, each file's format from\nits extension (.txt, .csv, .json, .html); a single --out takes --format when it is given.\n\nExit codes: 0 no drift and nothing waits for a person; 1 drift found, or something waits for a\nperson (exceptions, postings not done; the verdict line says which); 2 could not compare (the\nmessage names the side that failed).\n\nExamples:\n  entrata-recon drift\n  entrata-recon drift --period 2026-02 --format html --out drift.html\n  entrata-recon drift --pull --full --format json\n  entrata-recon drift --out drift.html --out drift.csv --out drift.json"
    )]
    Drift(DriftArgs),
    /// Revokes a target's connection at the vendor and forgets its tokens.
    #[command(after_help = "Examples:\n  entrata-recon disconnect qbo")]
    Disconnect(DisconnectArgs),
    /// What needs a person (open exceptions by kind, with the money waiting; a connection to make
    /// again; what the last post held back), the last pull, what the state file holds, and each
    /// target's postings.
    #[command(
        after_help = "Exit codes: 0 nothing needs a person; 1 exceptions are open, the last pull failed, a target needs \
`connect` again, or postings need a person (refused, uncertain, held); 2 the state file cannot be read.\n\nExamples:\n  entrata-recon status\n  entrata-recon status --format json > status.json"
    )]
    Status(StatusArgs),
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// The portfolio to generate (default properties=3,months=3,seed=1).
    #[arg(long, value_name = "SPEC")]
    pub generate: Option<GenerateSpec>,
    /// Which Entrata API the demo reads: the integration provider's REST API, or Entrata's own.
    #[arg(long, value_enum, default_value_t = SourceChoice::Rest)]
    pub source: SourceChoice,
    #[command(flatten)]
    pub not_taken: NotTaken,
}

/// `[source] kind` for the config `demo` and `sandbox --write-config` write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SourceChoice {
    /// The integration provider's normalized REST API (`kind = "rest"`).
    Rest,
    /// Entrata's own API (`kind = "entrata"`), served by the sandbox under /entrata-api.
    Entrata,
}

/// The global `--config` and `--state`, shadowed in `demo` and `sandbox`, which write their own:
/// clap propagates a global argument only to a subcommand without one of the same id, so these
/// keep them out of those commands' help, while the value still reaches `Cli` and is refused
/// there with a message saying what to do instead.
#[derive(Debug, Args)]
pub struct NotTaken {
    #[arg(long, hide = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[arg(long, hide = true, value_name = "FILE")]
    pub state: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct SandboxArgs {
    /// Serve this dataset (its format is in docs/source-api.md).
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
    /// Write a recon.toml pointing at the sandbox, a sibling .env with its secrets, and the example
    /// mapping files beside it.
    #[arg(long, value_name = "FILE")]
    pub write_config: Option<PathBuf>,
    /// With --write-config: replace the config, env file and mapping files if they exist.
    #[arg(long, requires = "write_config")]
    pub force: bool,
    /// With --write-config: which of the sandbox's Entrata APIs the config reads.
    #[arg(long, value_enum, default_value_t = SourceChoice::Rest, requires = "write_config")]
    pub source: SourceChoice,
    #[command(flatten)]
    pub not_taken: NotTaken,
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
    /// Only the properties routed to this book (repeatable), as `[books.<name>]` in the config names it.
    #[arg(long = "books", visible_alias = "book", value_name = "NAME", value_parser = parse_book)]
    pub books: Vec<BookName>,
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
    /// Check that every account in use has an account in this target (default: the enabled
    /// targets); with a connected company, ask the company itself about every account, customer,
    /// class, location, tracking option and contact the mappings name (the one write: a refreshed
    /// access token).
    #[arg(long, value_enum)]
    pub target: Option<TargetArg>,
    /// With `--target`: ask only this book's company (repeatable; every book posting to the
    /// target by default), as `[books.<name>]` in the config names it.
    #[arg(long = "books", visible_alias = "book", value_name = "NAME", value_parser = parse_book, requires = "target")]
    pub books: Vec<BookName>,
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
pub struct ConnectArgs {
    #[arg(value_enum)]
    pub target: TargetArg,
    /// Open the authorization URL in the default browser.
    #[arg(long)]
    pub browser: bool,
    /// Xero: the organisation (tenant id or name) when the consent covers several.
    #[arg(long, value_name = "TENANT")]
    pub tenant: Option<String>,
    /// Connect to another company (QuickBooks realm, Xero organisation) than the one this state
    /// file's postings went to. Those postings stay recorded as the old company's (`status` lists
    /// them; an outcome not known there is never looked up or resent elsewhere) and every entry is
    /// posted afresh to the new company, after looking up and adopting what it already holds from
    /// this connector. Without it, connecting to another company is refused and nothing changes.
    #[arg(long)]
    pub switch_company: bool,
    /// Revoke, at the vendor, the grant this connection replaces, before the consent starts.
    /// Without it that grant stays live until it expires: QuickBooks and Xero end the app's
    /// connection to the company when a grant is revoked, so revoking it after the consent would
    /// end the new one too. If the consent then does not finish, `status` says to connect again.
    #[arg(long)]
    pub revoke_previous: bool,
    /// The book to connect, as `[books.<name>]` in the config names it (needed when several books
    /// post to the target).
    #[arg(long = "books", visible_alias = "book", value_name = "NAME", value_parser = parse_book)]
    pub book: Option<BookName>,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Only this target (every enabled one by default).
    #[arg(long, value_enum)]
    pub target: Option<TargetArg>,
    /// Pull and plan, record nothing, post nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Only this book (repeatable; every book by default), as `[books.<name>]` in the config names it.
    #[arg(long = "books", visible_alias = "book", value_name = "NAME", value_parser = parse_book)]
    pub books: Vec<BookName>,
}

#[derive(Debug, Args)]
pub struct DriftArgs {
    /// Only findings and totals of this post month (YYYY-MM).
    #[arg(long, value_name = "YYYY-MM", value_parser = parse_month)]
    pub period: Option<PostMonth>,
    /// Only this property (repeatable).
    #[arg(long = "property", value_name = "ID")]
    pub properties: Vec<String>,
    /// The format on standard output (or of a single --out) [default: table].
    #[arg(long, value_enum)]
    pub format: Option<DriftFormat>,
    /// Write the report to FILE (replacing it) instead of standard output; repeat it to write
    /// several formats from one comparison (each file's format from its extension).
    #[arg(long, value_name = "FILE")]
    pub out: Vec<PathBuf>,
    /// Pull from Entrata first (as `pull` does), then compare.
    #[arg(long)]
    pub pull: bool,
    /// Read every document back from each target, not only what changed since the last comparison.
    #[arg(long)]
    pub full: bool,
    /// Compare with this target only (every enabled one by default).
    #[arg(long, value_enum)]
    pub target: Option<TargetArg>,
    /// Compare this book's companies only (repeatable; every book by default), as `[books.<name>]`
    /// in the config names it.
    #[arg(long = "books", visible_alias = "book", value_name = "NAME", value_parser = parse_book)]
    pub books: Vec<BookName>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DriftFormat {
    Table,
    Csv,
    Json,
    Html,
}

#[derive(Debug, Args)]
pub struct DisconnectArgs {
    #[arg(value_enum)]
    pub target: TargetArg,
    /// The book to disconnect (needed when several books post to the target).
    #[arg(long = "books", visible_alias = "book", value_name = "NAME", value_parser = parse_book)]
    pub book: Option<BookName>,
}

fn parse_book(text: &str) -> Result<BookName, String> {
    BookName::parse(text).ok_or_else(|| format!("expected {}", BookName::EXPECTED))
}

#[derive(Debug, Args)]
pub struct PostArgs {
    /// Only this target (every enabled one by default).
    #[arg(long, value_enum)]
    pub target: Option<TargetArg>,
    /// Show what would be recorded and posted; change nothing and call no target.
    #[arg(long)]
    pub dry_run: bool,
    /// Also post reclassification entries for this month's posted entries that the current
    /// mapping books to other accounts (a mapping edit never changes what was posted otherwise).
    #[arg(long, value_name = "YYYY-MM", value_parser = parse_month)]
    pub reclass: Option<PostMonth>,
    /// Only this book (repeatable; every book by default), as `[books.<name>]` in the config names it.
    #[arg(long = "books", visible_alias = "book", value_name = "NAME", value_parser = parse_book)]
    pub books: Vec<BookName>,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    #[arg(long, value_enum, default_value_t = StatusFormat::Text)]
    pub format: StatusFormat,
    /// Only this book's connections and postings (repeatable; every book by default), as
    /// `[books.<name>]` in the config names it.
    #[arg(long = "books", visible_alias = "book", value_name = "NAME", value_parser = parse_book)]
    pub books: Vec<BookName>,
}

fn parse_timestamp(text: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|_| format!("`{text}` is not an RFC 3339 timestamp (e.g. 2026-02-01T00:00:00Z)"))
}
