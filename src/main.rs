use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    entrata_recon::cli::main_with_args(entrata_recon::cli::Cli::parse())
}
