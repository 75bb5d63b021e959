//! `recon.toml` (PRODUCT.md §3): parsed strictly (unknown keys are errors with `file:line:col`),
//! then resolved into one settled configuration before any work starts.
//!
//! Secrets never live in the file: it names environment variables, which come from the real
//! environment or, when `env_file` is set, from that file (the real environment wins).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use secrecy::SecretString;
use serde::Deserialize;

use crate::domain::BookName;
use crate::targets::TargetKind;

mod books;
mod posting;
mod source_api;
use source_api::FileApiSource;
pub use source_api::{ApiAuth, ApiSource, ArCodeKey, DepositSource};
mod targets;
pub use books::BookConfig;
pub use posting::PostingConfig;
use posting::{FilePosting, settle_posting};
mod urls;
use targets::FileTargets;
pub use targets::{TargetAuth, TargetConfig};

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{path}:{line}:{col}: {message}")]
    Syntax { path: PathBuf, line: usize, col: usize, message: String },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
    #[error("cannot read env_file {path}: {source}")]
    EnvFileRead { path: PathBuf, source: std::io::Error },
    #[error(
        "{path}:{line}: expected NAME=value (values may be 'single-quoted', taken as written, or \"double-quoted\" with \\ escapes)"
    )]
    EnvFileSyntax { path: PathBuf, line: usize },
    #[error(
        "environment variable {name} is not set (needed for {purpose}; set it or put it in the env_file)"
    )]
    MissingEnv { name: String, purpose: &'static str },
    #[error("mfa_code_command `{command}` failed: {reason}")]
    MfaCommand { command: String, reason: String },
}

// ---- the file as written ----

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    env_file: Option<String>,
    source: FileSource,
    state: Option<FileState>,
    mappings: Option<FileMappings>,
    targets: Option<FileTargets>,
    books: Option<BTreeMap<String, books::FileBook>>,
    reports: Option<FileReports>,
    posting: Option<FilePosting>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSource {
    kind: String,
    base_url: Option<toml::Spanned<String>>,
    integration_token_env: Option<String>,
    username_env: Option<String>,
    password_env: Option<String>,
    totp_secret_env: Option<String>,
    mfa_code_command: Option<String>,
    page_size: Option<u32>,
    overlap_seconds: Option<u32>,
    concurrency: Option<u32>,
    request_timeout_seconds: Option<u32>,
    max_attempts: Option<u32>,
    // kind = "entrata" (config/source_api.rs)
    org: Option<String>,
    subdomain: Option<String>,
    auth: Option<String>,
    api_key_env: Option<String>,
    deposits: Option<String>,
    ledger_reread_months: Option<u32>,
    overlap_days: Option<u32>,
    timezone: Option<String>,
    currency: Option<String>,
    ar_code_key: Option<String>,
    payment_batch: Option<u32>,
    min_interval_ms: Option<u64>,
    limit_reserve_percent: Option<u64>,
    mark_exported: Option<bool>,
    gl_split_at: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileState {
    path: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileMappings {
    dir: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileReports {
    dir: Option<String>,
}

// ---- the settled configuration ----

/// Limits on the source side (TigerBeetle: put a limit on everything).
pub const PAGE_SIZE_MAX: u32 = 1000;
pub const CONCURRENCY_MAX: u32 = 16;

#[derive(Debug, Clone)]
pub struct Config {
    /// The config file, for messages; relative paths inside it are relative to its folder.
    pub path: PathBuf,
    pub source: SourceConfig,
    pub state_path: PathBuf,
    pub mappings_dir: PathBuf,
    pub targets: BTreeMap<TargetKind, TargetConfig>,
    /// The sets of books (`[books]`; without it, the one book `default` posting to every target).
    pub books: BTreeMap<BookName, BookConfig>,
    /// Where `run` writes its drift reports (`[reports] dir`, default `reports` beside the config).
    pub reports_dir: PathBuf,
    pub posting: PostingConfig,
    env: Env,
}

#[derive(Debug, Clone)]
pub struct SourceConfig {
    pub base_url: String,
    /// `kind = "entrata"`: Entrata's own API, with its settings; `None`: the provider's REST API.
    pub api: Option<ApiSource>,
    pub integration_token_env: String,
    pub username_env: String,
    pub password_env: String,
    pub totp_secret_env: Option<String>,
    pub mfa_code_command: Option<String>,
    /// Items per list request (1..=1000).
    pub page_size: u32,
    /// How far before the last watermark an incremental pull starts again, so that items written
    /// late with an earlier `updatedAt` are not missed.
    pub overlap_seconds: u32,
    /// Properties pulled at once.
    pub concurrency: u32,
    pub request_timeout_seconds: u32,
    /// Attempts per request before a transient failure becomes an error.
    pub max_attempts: u32,
}

/// The credentials of Entrata's own API, resolved from the environment when a command needs them.
pub enum ApiCredentials {
    ApiKey(SecretString),
    Basic { username: SecretString, password: SecretString },
}

/// Entrata credentials, resolved from the environment only when a command needs them.
pub struct EntrataCredentials {
    pub integration_token: SecretString,
    pub username: SecretString,
    pub password: SecretString,
    pub totp_secret: Option<SecretString>,
    pub mfa_code_command: Option<String>,
}

impl Config {
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| ConfigError::Read { path: path.to_owned(), source })?;
        Config::parse(path, &text, Env::from_process())
    }

    /// Parses `text` as the config at `path`; `process_env` is the real environment.
    pub fn parse(path: &Path, text: &str, process_env: Env) -> Result<Config, ConfigError> {
        let file: FileConfig = toml::from_str(text).map_err(|e| {
            let (line, col) = e.span().map(|s| line_col(text, s.start)).unwrap_or((1, 1));
            ConfigError::Syntax { path: path.to_owned(), line, col, message: e.message().to_owned() }
        })?;
        let invalid = |message: String| ConfigError::Invalid { path: path.to_owned(), message };
        let dir = path.parent().map(Path::to_owned).unwrap_or_default();
        let resolve = |p: &str| if Path::new(p).is_absolute() { PathBuf::from(p) } else { dir.join(p) };

        let mut env = process_env;
        if let Some(env_file) = &file.env_file {
            env = env.with_file_fallback(&resolve(env_file))?;
        }

        let s = file.source;
        let api_file = FileApiSource {
            org: s.org,
            subdomain: s.subdomain,
            auth: s.auth,
            api_key_env: s.api_key_env,
            deposits: s.deposits,
            ledger_reread_months: s.ledger_reread_months,
            overlap_days: s.overlap_days,
            timezone: s.timezone,
            currency: s.currency,
            ar_code_key: s.ar_code_key,
            payment_batch: s.payment_batch,
            min_interval_ms: s.min_interval_ms,
            limit_reserve_percent: s.limit_reserve_percent,
            mark_exported: s.mark_exported,
            gl_split_at: s.gl_split_at,
        };
        let (base_url, api) = match s.kind.as_str() {
            "rest" => {
                if let Some(key) = api_file.keys_set().first() {
                    return Err(invalid(format!(
                        "source.{key} is a setting of kind = \"entrata\" (Entrata's own API), but source.kind is `rest`"
                    )));
                }
                for (key, set) in [
                    ("base_url", s.base_url.is_some()),
                    ("integration_token_env", s.integration_token_env.is_some()),
                    ("username_env", s.username_env.is_some()),
                    ("password_env", s.password_env.is_some()),
                ] {
                    if !set {
                        return Err(invalid(format!("source.{key} is required when source.kind is `rest`")));
                    }
                }
                let base_url = s.base_url.as_ref().map(|u| urls::checked(path, text, "source.base_url", u));
                (base_url.expect("checked above")?, None)
            }
            "entrata" => {
                for (key, set) in [
                    ("integration_token_env", s.integration_token_env.is_some()),
                    ("totp_secret_env", s.totp_secret_env.is_some()),
                    ("mfa_code_command", s.mfa_code_command.is_some()),
                    ("overlap_seconds", s.overlap_seconds.is_some()),
                ] {
                    if set {
                        return Err(invalid(format!(
                            "source.{key} is a setting of kind = \"rest\", but source.kind is `entrata` (Entrata's own API)"
                        )));
                    }
                }
                let base_url = match &s.base_url {
                    Some(url) => urls::checked(path, text, "source.base_url", url)?,
                    None => {
                        ApiSource::base_url_for(api_file.org.as_deref(), api_file.subdomain.as_deref())
                            .ok_or_else(|| {
                                invalid(
                                    "source.kind `entrata` needs source.org (the API gateway), source.subdomain (the legacy host) or source.base_url"
                                        .to_owned(),
                                )
                            })?
                    }
                };
                let api = ApiSource::settle(api_file).map_err(invalid)?;
                if api.auth == ApiAuth::Basic && (s.username_env.is_none() || s.password_env.is_none()) {
                    return Err(invalid(
                        "source.auth = \"basic\" needs source.username_env and source.password_env"
                            .to_owned(),
                    ));
                }
                (base_url, Some(api))
            }
            other => {
                return Err(invalid(format!(
                    "source.kind `{other}` is not supported (expected `rest`, the provider's API, or `entrata`, Entrata's own API)"
                )));
            }
        };
        let page_size = s.page_size.unwrap_or(PAGE_SIZE_MAX);
        if !(1..=PAGE_SIZE_MAX).contains(&page_size) {
            return Err(invalid(format!("source.page_size {page_size} must be 1 to {PAGE_SIZE_MAX}")));
        }
        let concurrency = s.concurrency.unwrap_or(4);
        if !(1..=CONCURRENCY_MAX).contains(&concurrency) {
            return Err(invalid(format!("source.concurrency {concurrency} must be 1 to {CONCURRENCY_MAX}")));
        }
        let max_attempts = s.max_attempts.unwrap_or(8);
        if !(1..=20).contains(&max_attempts) {
            return Err(invalid(format!("source.max_attempts {max_attempts} must be 1 to 20")));
        }
        let source = SourceConfig {
            base_url,
            api,
            integration_token_env: s.integration_token_env.unwrap_or_default(),
            username_env: s.username_env.unwrap_or_default(),
            password_env: s.password_env.unwrap_or_default(),
            totp_secret_env: s.totp_secret_env,
            mfa_code_command: s.mfa_code_command,
            page_size,
            overlap_seconds: s.overlap_seconds.unwrap_or(300),
            concurrency,
            request_timeout_seconds: s.request_timeout_seconds.unwrap_or(60).clamp(1, 600),
            max_attempts,
        };

        let targets = match file.targets {
            Some(file_targets) => targets::settle(file_targets, path, text)?,
            None => BTreeMap::new(),
        };

        let mut targets = targets;
        let books = books::settle(file.books, &targets, path)?;
        books::fold_one_book(&books, &mut targets);
        let posting = settle_posting(file.posting, &invalid)?;

        Ok(Config {
            path: path.to_owned(),
            posting,
            source,
            state_path: resolve(file.state.and_then(|s| s.path).as_deref().unwrap_or("recon.sqlite")),
            mappings_dir: resolve(file.mappings.and_then(|m| m.dir).as_deref().unwrap_or("mappings")),
            targets,
            books,
            reports_dir: resolve(file.reports.and_then(|r| r.dir).as_deref().unwrap_or("reports")),
            env,
        })
    }

    pub fn env(&self) -> &Env {
        &self.env
    }

    /// The credentials of Entrata's own API (`kind = "entrata"`): the API key, or Basic.
    pub fn entrata_api_credentials(&self) -> Result<ApiCredentials, ConfigError> {
        let s = &self.source;
        let Some(api) = &s.api else {
            return Err(ConfigError::Invalid {
                path: self.path.clone(),
                message: "source.kind is not `entrata`".to_owned(),
            });
        };
        Ok(match api.auth {
            ApiAuth::ApiKey => {
                ApiCredentials::ApiKey(self.env.secret(&api.api_key_env, "the Entrata API key")?)
            }
            ApiAuth::Basic => ApiCredentials::Basic {
                username: self.env.secret(&s.username_env, "the Entrata API user")?,
                password: self.env.secret(&s.password_env, "the Entrata API user's password")?,
            },
        })
    }

    pub fn entrata_credentials(&self) -> Result<EntrataCredentials, ConfigError> {
        let s = &self.source;
        let need = |name: &str, purpose| self.env.secret(name, purpose);
        Ok(EntrataCredentials {
            integration_token: need(&s.integration_token_env, "the Entrata integration token")?,
            username: need(&s.username_env, "the Entrata username")?,
            password: need(&s.password_env, "the Entrata password")?,
            totp_secret: match &s.totp_secret_env {
                Some(name) => self.env.get(name).map(SecretString::from),
                None => None,
            },
            mfa_code_command: s.mfa_code_command.clone(),
        })
    }
}

/// Environment lookups: the real environment first, then the `env_file`.
#[derive(Clone, Default)]
pub struct Env {
    process: BTreeMap<String, String>,
    file: BTreeMap<String, String>,
}

impl std::fmt::Debug for Env {
    // Values are secrets: only the names may be shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Env").field("file_names", &self.file.keys().collect::<Vec<_>>()).finish()
    }
}

impl Env {
    pub fn from_process() -> Env {
        Env { process: std::env::vars().collect(), file: BTreeMap::new() }
    }

    pub fn from_pairs<I, K, V>(pairs: I) -> Env
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        Env { process: pairs.into_iter().map(|(k, v)| (k.into(), v.into())).collect(), file: BTreeMap::new() }
    }

    fn with_file_fallback(mut self, path: &Path) -> Result<Env, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| ConfigError::EnvFileRead { path: path.to_owned(), source })?;
        self.file = parse_env_file(path, &text)?;
        Ok(self)
    }

    pub fn get(&self, name: &str) -> Option<String> {
        self.process.get(name).or_else(|| self.file.get(name)).filter(|v| !v.is_empty()).cloned()
    }

    pub fn secret(&self, name: &str, purpose: &'static str) -> Result<SecretString, ConfigError> {
        self.get(name)
            .map(SecretString::from)
            .ok_or_else(|| ConfigError::MissingEnv { name: name.to_owned(), purpose })
    }
}

/// The env file, read by `dotenvy` (the de-facto `.env` format): `NAME=value` lines, `#`
/// comments, `export ` allowed; `'single quotes'` keep a value exactly as written; in `"double
/// quotes"` `\"`, `\\`, `\$` and `\n` are escapes and `$NAME` / `${NAME}` expand, as they do
/// unquoted. Nothing is set in the process environment.
fn parse_env_file(path: &Path, text: &str) -> Result<BTreeMap<String, String>, ConfigError> {
    let mut vars = BTreeMap::new();
    for pair in dotenvy::from_read_iter(text.as_bytes()) {
        match pair {
            Ok((name, value)) => {
                vars.insert(name, value);
            }
            Err(dotenvy::Error::LineParse(part, _)) => {
                // dotenvy names the line (or the value) it could not read, not its number.
                let line = text.lines().position(|line| line.contains(part.trim())).map_or(1, |i| i + 1);
                return Err(ConfigError::EnvFileSyntax { path: path.to_owned(), line });
            }
            Err(dotenvy::Error::Io(source)) => {
                return Err(ConfigError::EnvFileRead { path: path.to_owned(), source });
            }
            Err(other) => {
                let source = std::io::Error::new(std::io::ErrorKind::InvalidData, other.to_string());
                return Err(ConfigError::EnvFileRead { path: path.to_owned(), source });
            }
        }
    }
    Ok(vars)
}

/// One env file line that `parse_env_file` reads back as exactly `value`: single-quoted when
/// it holds no `'`, else double-quoted with `\`, `"`, `$` and line breaks escaped.
pub fn env_file_line(name: &str, value: &str) -> String {
    if !value.contains('\'') && !value.contains(['\n', '\r']) {
        return format!("{name}='{value}'\n");
    }
    let mut quoted = String::with_capacity(value.len() + 2);
    for c in value.chars() {
        match c {
            '\\' | '"' | '$' | '\'' => {
                quoted.push('\\');
                quoted.push(c);
            }
            '\n' => quoted.push_str("\\n"),
            other => quoted.push(other),
        }
    }
    format!("{name}=\"{quoted}\"\n")
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map(|l| l.chars().count()).unwrap_or(0) + 1;
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    const MINIMAL: &str = r#"
[source]
kind = "rest"
base_url = "http://127.0.0.1:9/entrata/integrations/int_demo/"
integration_token_env = "T"
username_env = "U"
password_env = "P"
totp_secret_env = "S"
"#;

    #[test]
    fn minimal_config_resolves_defaults_relative_to_its_folder() {
        let c = Config::parse(Path::new("/etc/recon/recon.toml"), MINIMAL, Env::default()).unwrap();
        assert_eq!(c.source.base_url, "http://127.0.0.1:9/entrata/integrations/int_demo");
        assert_eq!(c.state_path, Path::new("/etc/recon/recon.sqlite"));
        assert_eq!(c.mappings_dir, Path::new("/etc/recon/mappings"));
        assert_eq!(c.reports_dir, Path::new("/etc/recon/reports"));
        assert_eq!(c.source.page_size, 1000);
        assert!(c.targets.is_empty());
    }

    #[test]
    fn unknown_key_names_file_line_and_column() {
        let text = MINIMAL.replace("password_env = \"P\"", "password_env = \"P\"\npasword = 1");
        let err = Config::parse(Path::new("recon.toml"), &text, Env::default()).unwrap_err().to_string();
        assert!(err.starts_with("recon.toml:8:1: unknown field `pasword`"), "{err}");
    }

    #[test]
    fn plain_http_to_a_host_not_loopback_is_refused_where_it_is_written() {
        let check = |text: &str, expected: &str| {
            let err = Config::parse(Path::new("recon.toml"), text, Env::default()).unwrap_err().to_string();
            assert!(err.starts_with(expected), "{err}");
            assert!(err.contains("must be https://"), "{err}");
        };
        let remote = MINIMAL.replace("http://127.0.0.1:9/", "http://entrata.example.com/");
        check(&remote, "recon.toml:4:12: source.base_url = \"http://entrata.example.com/");
        let target = |key: &str, url: &str| {
            format!(
                "{MINIMAL}\n[targets.xero]\napi_base = \"https://api.xero.com\"\n{key} = \"{url}\"\n\
                 client_id_env = \"I\"\nclient_secret_env = \"S\"\n"
            )
        };
        check(
            &target("token_url", "http://identity.xero.com/connect/token"),
            "recon.toml:12:13: [targets.xero] token_url",
        );
        check(&target("auth_url", "http://10.1.2.3/authorize"), "recon.toml:12:12: [targets.xero] auth_url");
        check(&target("revoke_url", "http://[::2]/revoke"), "recon.toml:12:14: [targets.xero] revoke_url");
        let api = target("auth_url", "https://login.xero.com/a")
            .replace("https://api.xero.com", "http://api.xero.com");
        check(&api, "recon.toml:11:12: [targets.xero] api_base");
        // The sandboxes: loopback over plain http is fine.
        let local = target("token_url", "http://localhost:8080/xero/identity/connect/token")
            .replace("https://api.xero.com", "http://[::1]:8080/xero");
        let config = Config::parse(Path::new("recon.toml"), &local, Env::default()).unwrap();
        assert_eq!(config.targets[&TargetKind::Xero].api_base, "http://[::1]:8080/xero");
    }

    #[test]
    fn env_file_fills_in_and_real_environment_wins() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("recon.env"), "# secrets\nT=from-file\nU='user'\nP=\"pw\"\n").unwrap();
        let text = format!("env_file = \"recon.env\"\n{MINIMAL}");
        let path = dir.path().join("recon.toml");
        let c = Config::parse(&path, &text, Env::from_pairs([("T", "from-env")])).unwrap();
        let creds = c.entrata_credentials().unwrap();
        assert_eq!(creds.integration_token.expose_secret(), "from-env");
        assert_eq!(creds.username.expose_secret(), "user");
        assert_eq!(creds.password.expose_secret(), "pw");
        assert!(creds.totp_secret.is_none());
    }

    #[test]
    fn missing_secret_names_the_variable_not_a_value() {
        let c = Config::parse(Path::new("recon.toml"), MINIMAL, Env::from_pairs([("T", "tok")])).unwrap();
        let err = c.entrata_credentials().err().unwrap().to_string();
        assert_eq!(
            err,
            "environment variable U is not set (needed for the Entrata username; set it or put it in the env_file)"
        );
        assert!(!format!("{:?}", c.env()).contains("tok"));
    }

    #[test]
    fn bad_env_file_line_is_reported_with_its_number() {
        let err = parse_env_file(Path::new("x.env"), "A=1\nnot a pair\n").unwrap_err().to_string();
        assert!(err.starts_with("x.env:2: expected NAME=value"), "{err}");
        let err = parse_env_file(Path::new("x.env"), "A=1\nB=2\nC=\"open\n").unwrap_err().to_string();
        assert!(err.starts_with("x.env:3: expected NAME=value"), "{err}");
    }

    #[test]
    fn env_file_quotes_and_escapes_are_exact() {
        let text = r#"
# comments and blank lines are skipped
export A=plain
B='single $NOT_EXPANDED "as written"'
C="say \"hi\" \\ back"
D="two\nlines"
E="costs \$5"
F=
G=value # a comment
"#;
        let vars = parse_env_file(Path::new("x.env"), text).unwrap();
        let get = |name: &str| vars.get(name).map(String::as_str);
        assert_eq!(get("A"), Some("plain"));
        assert_eq!(get("B"), Some("single $NOT_EXPANDED \"as written\""));
        assert_eq!(get("C"), Some("say \"hi\" \\ back"));
        assert_eq!(get("D"), Some("two\nlines"));
        assert_eq!(get("E"), Some("costs $5"));
        assert_eq!(get("F"), Some(""));
        assert_eq!(get("G"), Some("value"));
    }

    #[test]
    fn written_env_lines_read_back_exactly() {
        for value in [
            "plain",
            "p@ss w0rd",
            "it's",
            "$HOME",
            "back\\slash",
            "quote\"d",
            "a'b\"c$d\\e",
            "two\nlines",
            "",
        ] {
            let line = env_file_line("SECRET", value);
            let vars = parse_env_file(Path::new("x.env"), &line).unwrap();
            assert_eq!(vars.get("SECRET").map(String::as_str), Some(value), "{line}");
        }
    }
}
