//! `--write-config FILE`: a `recon.toml` (PRODUCT.md §3) pointing at the running sandbox, and a
//! sibling env file (`recon.env`) with its secrets. Secrets go only in the env file. The `[source]`
//! is the normalized REST API (`write_config`) or Entrata's own API (`write_config_entrata_api`);
//! the rest of the two files is the same.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::SandboxError;
use super::paths;
use super::shared::Shared;
use entrata_recon::config::env_file_line;

pub const ENTRATA_INTEGRATION_TOKEN: &str = "ENTRATA_INTEGRATION_TOKEN";
pub const ENTRATA_USERNAME: &str = "ENTRATA_USERNAME";
pub const ENTRATA_PASSWORD: &str = "ENTRATA_PASSWORD";
pub const ENTRATA_TOTP_SECRET: &str = "ENTRATA_TOTP_SECRET";
pub const ENTRATA_API_KEY: &str = "ENTRATA_API_KEY";
pub const QBO_CLIENT_ID: &str = "QBO_CLIENT_ID";
pub const QBO_CLIENT_SECRET: &str = "QBO_CLIENT_SECRET";
pub const XERO_CLIENT_ID: &str = "XERO_CLIENT_ID";
pub const XERO_CLIENT_SECRET: &str = "XERO_CLIENT_SECRET";

#[derive(Serialize)]
struct ConfigFile {
    env_file: String,
    source: Source,
    state: StateSection,
    mappings: Mappings,
    targets: Targets,
    posting: Posting,
}

/// The sandboxes answer on loopback in milliseconds: a request that takes 5 s has gone wrong, and a
/// lookup 6 s after a send whose outcome is unknown is late enough (the real services' defaults
/// are 60 s and 90 s).
#[derive(Serialize)]
struct Posting {
    request_timeout_seconds: u32,
    settle_seconds: u32,
}

/// Which Entrata the config's `[source]` reads.
pub enum SourceChoice {
    /// The normalized REST API (`kind = "rest"`) at this base URL.
    Rest { base_url: String },
    /// Entrata's own API through its gateway (`kind = "entrata"`, `auth = "apikey"`).
    EntrataApi { base_url: String },
}

#[derive(Serialize)]
#[serde(untagged)]
enum Source {
    Rest {
        kind: &'static str,
        base_url: String,
        integration_token_env: &'static str,
        username_env: &'static str,
        password_env: &'static str,
        #[serde(skip_serializing_if = "Option::is_none")]
        totp_secret_env: Option<&'static str>,
    },
    EntrataApi {
        kind: &'static str,
        base_url: String,
        auth: &'static str,
        api_key_env: &'static str,
    },
}

#[derive(Serialize)]
struct StateSection {
    path: &'static str,
}

#[derive(Serialize)]
struct Mappings {
    dir: &'static str,
}

#[derive(Serialize)]
struct Targets {
    qbo: Target,
    xero: Target,
}

#[derive(Serialize)]
struct Target {
    /// False when the dataset has no section for this target: there is no company to post to.
    enabled: bool,
    api_base: String,
    auth_url: String,
    token_url: String,
    revoke_url: String,
    client_id_env: &'static str,
    client_secret_env: &'static str,
}

/// The env file next to `config`: `recon.toml` -> `recon.env`.
pub fn env_path(config: &Path) -> PathBuf {
    let stem = config.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "recon".into());
    config.with_file_name(format!("{stem}.env"))
}

/// Writes `path` and its env file for the sandbox at `base_url`, its `[source]` as `choice` says.
pub fn write_config_for(
    shared: &Shared,
    base_url: &str,
    choice: SourceChoice,
    path: &Path,
) -> Result<(), SandboxError> {
    let env = env_path(path);
    let env_name =
        env.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "recon.env".into());

    let mut secrets: Vec<(&str, &str)> = Vec::new();
    let source = match choice {
        SourceChoice::Rest { base_url } => {
            let entrata = &shared.entrata;
            let user = entrata
                .users
                .iter()
                .find(|u| u.has_entitlement("financials"))
                .ok_or(SandboxError::NoFinancialsUser)?;
            secrets.extend([
                (ENTRATA_INTEGRATION_TOKEN, entrata.integration_token.as_str()),
                (ENTRATA_USERNAME, user.username.as_str()),
                (ENTRATA_PASSWORD, user.password.as_str()),
            ]);
            if let Some(secret) = &user.totp_secret_text {
                secrets.push((ENTRATA_TOTP_SECRET, secret));
            }
            Source::Rest {
                kind: "rest",
                base_url,
                integration_token_env: ENTRATA_INTEGRATION_TOKEN,
                username_env: ENTRATA_USERNAME,
                password_env: ENTRATA_PASSWORD,
                totp_secret_env: user.totp.is_some().then_some(ENTRATA_TOTP_SECRET),
            }
        }
        SourceChoice::EntrataApi { base_url } => {
            secrets.push((ENTRATA_API_KEY, shared.entrata_api.config.api_key()));
            Source::EntrataApi { kind: "entrata", base_url, auth: "apikey", api_key_env: ENTRATA_API_KEY }
        }
    };
    if let Some(qbo) = shared.qbo.first() {
        secrets.extend([
            (QBO_CLIENT_ID, qbo.client_id.as_str()),
            (QBO_CLIENT_SECRET, qbo.client_secret.as_str()),
        ]);
    }
    if let Some(xero) = shared.xero.first() {
        secrets.extend([
            (XERO_CLIENT_ID, xero.client_id.as_str()),
            (XERO_CLIENT_SECRET, xero.client_secret.as_str()),
        ]);
    }
    let mut env_text = String::new();
    for (name, value) in secrets {
        // A carriage return does not survive a line-based env file, even quoted.
        if value.contains('\r') {
            return Err(SandboxError::UnwritableSecret { name: name.to_owned() });
        }
        env_text.push_str(&env_file_line(name, value));
    }

    let target =
        |enabled: bool, api: &str, auth: &str, token: &str, revoke: &str, id_env, secret_env| Target {
            enabled,
            api_base: format!("{base_url}{api}"),
            auth_url: format!("{base_url}{auth}"),
            token_url: format!("{base_url}{token}"),
            revoke_url: format!("{base_url}{revoke}"),
            client_id_env: id_env,
            client_secret_env: secret_env,
        };
    let config = ConfigFile {
        env_file: env_name.clone(),
        source,
        state: StateSection { path: "recon.sqlite" },
        mappings: Mappings { dir: "mappings" },
        targets: Targets {
            qbo: target(
                !shared.qbo.is_empty(),
                paths::QBO_API_BASE,
                paths::QBO_AUTH_PATH,
                paths::QBO_TOKEN_PATH,
                paths::QBO_REVOKE_PATH,
                QBO_CLIENT_ID,
                QBO_CLIENT_SECRET,
            ),
            xero: target(
                !shared.xero.is_empty(),
                paths::XERO_API_BASE,
                paths::XERO_AUTH_PATH,
                paths::XERO_TOKEN_PATH,
                paths::XERO_REVOKE_PATH,
                XERO_CLIENT_ID,
                XERO_CLIENT_SECRET,
            ),
        },
        posting: Posting { request_timeout_seconds: 5, settle_seconds: 6 },
    };
    let body = toml::to_string(&config).map_err(|e| SandboxError::RenderConfig(e.to_string()))?;
    let toml_text = format!(
        "# Written by `entrata-recon sandbox` for the sandbox at {base_url}.\n\
         # Secrets are in {env_name}, not here.\n\n{body}"
    );
    // The env file first: a config that names a missing env file would fail at its first use.
    write_atomically(&env, env_text.as_bytes())?;
    write_atomically(path, toml_text.as_bytes())?;
    tracing::info!(config = %path.display(), env_file = %env.display(), "sandbox config written");
    Ok(())
}

/// Writes through a temporary file in the same directory and renames it into place, so a reader
/// never sees half a file. The temporary file is created owner-only (0600), which suits secrets.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), SandboxError> {
    let error = |source| SandboxError::WriteConfig { path: path.to_owned(), source };
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut file = tempfile::NamedTempFile::new_in(dir).map_err(error)?;
    file.write_all(bytes).map_err(error)?;
    file.as_file().sync_all().map_err(error)?;
    file.persist(path).map_err(|e| error(e.error))?;
    Ok(())
}
