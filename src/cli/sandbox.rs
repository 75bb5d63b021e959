//! `sandbox`: serve the sandbox until Ctrl-C, and with `--write-config` leave a ready-to-use folder
//! beside the config: `recon.toml`, its env file and the example mapping files, so that `pull`
//! and then `plan` work against it at once.

use std::path::{Path, PathBuf};

use super::args::SandboxArgs;
use super::{CliError, Outcome};
use entrata_recon::mapping::examples::{EXAMPLE_MAPPINGS, write_example_mappings};
use entrata_recon_sandbox::generate::generate;
use entrata_recon_sandbox::{Dataset, SandboxOptions, env_path, parse_fault_file, start};

/// What `--write-config FILE` writes: the config, its env file, and the mapping folder the config
/// names (`mappings/` beside it).
pub struct ConfigFiles {
    pub config: PathBuf,
    pub env: PathBuf,
    pub mappings_dir: PathBuf,
}

impl ConfigFiles {
    pub fn for_config(config: &Path) -> ConfigFiles {
        let dir = config.parent().unwrap_or(Path::new(""));
        ConfigFiles { config: config.to_owned(), env: env_path(config), mappings_dir: dir.join("mappings") }
    }

    /// Every file that would be written, in the order they are listed to a person.
    fn all(&self) -> Vec<PathBuf> {
        let mut files = vec![self.config.clone(), self.env.clone()];
        files.extend(EXAMPLE_MAPPINGS.iter().map(|(name, _)| self.mappings_dir.join(name)));
        files
    }

    /// Refuses when any of the files exists, unless `force`: a user's real `recon.env` holds real
    /// secrets, and their mapping files are their work.
    pub fn check_free(&self, force: bool) -> Result<(), CliError> {
        if force {
            return Ok(());
        }
        let existing: Vec<String> =
            self.all().into_iter().filter(|p| p.exists()).map(|p| p.display().to_string()).collect();
        if existing.is_empty() {
            return Ok(());
        }
        const SHOWN: usize = 4;
        let mut list = existing.iter().take(SHOWN).cloned().collect::<Vec<_>>().join(", ");
        if existing.len() > SHOWN {
            list.push_str(&format!(" and {} more", existing.len() - SHOWN));
        }
        Err(CliError::Usage(format!(
            "--write-config would overwrite {list}; choose another place, or pass --force to replace {}",
            if existing.len() == 1 { "it" } else { "them" }
        )))
    }

    /// Creates the folders, then writes the mapping files and the config (with its env file).
    fn write(
        &self,
        sandbox: &entrata_recon_sandbox::Sandbox,
        source: super::args::SourceChoice,
    ) -> Result<(), CliError> {
        let cannot = |what: &Path, e: &dyn std::fmt::Display| {
            CliError::Other(format!("cannot write {}: {e}", what.display()))
        };
        if let Some(dir) = self.config.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| cannot(dir, &e))?;
        }
        write_example_mappings(&self.mappings_dir).map_err(|e| cannot(&self.mappings_dir, &e))?;
        match source {
            super::args::SourceChoice::Rest => sandbox.write_config(&self.config),
            super::args::SourceChoice::Entrata => sandbox.write_config_entrata_api(&self.config),
        }
        .map_err(|e| CliError::Other(e.to_string()))
    }
}

pub(super) async fn cmd_sandbox(args: &SandboxArgs) -> Result<Outcome, CliError> {
    let files = args.write_config.as_deref().map(ConfigFiles::for_config);
    // Before anything starts: a refusal must leave nothing behind.
    if let Some(files) = &files {
        files.check_free(args.force)?;
    }
    let read = |path: &PathBuf| {
        std::fs::read(path).map_err(|e| CliError::Other(format!("cannot read {}: {e}", path.display())))
    };
    let faults = match &args.faults {
        Some(path) => Some(
            parse_fault_file(&read(path)?)
                .map_err(|e| CliError::Usage(format!("{}: {e}", path.display())))?,
        ),
        None => None,
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
    if let Some(faults) = faults {
        options.faults = faults;
    }
    let sandbox = start(options).await.map_err(|e| CliError::Other(e.to_string()))?;
    println!("Sandbox listening on {}", sandbox.base_url());
    println!("  Entrata:    {} (the integration provider's REST API)", sandbox.entrata_base_url());
    println!("              {} (Entrata's own API)", sandbox.entrata_api_base_url());
    println!("  QuickBooks: {}", sandbox.qbo_base_url());
    println!("  Xero:       {}", sandbox.xero_base_url());
    if let Some(files) = &files {
        files.write(&sandbox, args.source)?;
        println!("  Config:     {} (secrets in {})", files.config.display(), files.env.display());
        println!("  Mappings:   {}", files.mappings_dir.display());
        let state = files.config.with_file_name("recon.sqlite");
        if state.exists() {
            println!(
                "  Note: {} is left from an earlier run; delete it to pull this sandbox afresh.",
                state.display()
            );
        }
        println!("Then, in another terminal: {} --config {} pull", super::program(), files.config.display());
    }
    println!("Press Ctrl-C to stop.");
    tokio::signal::ctrl_c().await.map_err(|e| CliError::Other(format!("cannot wait for Ctrl-C: {e}")))?;
    sandbox.shutdown().await;
    Ok(Outcome::Done)
}
