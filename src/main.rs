use std::process::ExitCode;

use clap::Parser;

/// mimalloc instead of the system allocator: planning decodes and drops millions of small
/// strings, and glibc's malloc/free was about a fifth of its CPU (BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    entrata_recon::cli::main_with_args(entrata_recon::cli::Cli::parse())
}
