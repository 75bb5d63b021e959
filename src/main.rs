use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    match entrata_recon_cli::cli::Cli::try_parse() {
        Ok(cli) => entrata_recon_cli::cli::main_with_args(cli),
        Err(error) => entrata_recon_cli::cli::usage_error(error),
    }
}
