use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    match entrata_recon::cli::Cli::try_parse() {
        Ok(cli) => entrata_recon::cli::main_with_args(cli),
        Err(error) => entrata_recon::cli::usage_error(error),
    }
}
