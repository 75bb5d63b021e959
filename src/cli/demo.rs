//! `demo`: the nightly job end to end with no set-up and nothing beyond loopback. The three
//! sandboxes start in this process; a generated portfolio, a config and the example mappings go
//! into a fresh folder; QuickBooks and Xero are connected through their OAuth consent flows (the
//! demo plays the browser); the nightly job runs, runs again (nothing new is posted), one charge is
//! edited in Entrata, and it runs a third time (one adjustment per target). The folder is kept.

use std::sync::Arc;

use super::args::DemoArgs;
use super::{Cli, CliError, Outcome};
use crate::demo;
use entrata_recon::config::Config;
use entrata_recon::http::Pause;
use entrata_recon::report::progress::Progress;
use entrata_recon::run::connect::{ConnectOptions, connect};
use entrata_recon::run::nightly::{NightlyReport, NightlyRequest, nightly};
use entrata_recon::source::client::EntrataClient;
use entrata_recon::state::{Create, StateFile, StateLock};
use entrata_recon::targets::TargetKind;
use entrata_recon_sandbox::generate::generate_with_summary;
use entrata_recon_sandbox::{Dataset, Sandbox, SandboxOptions, start};

fn other(what: &str, e: &dyn std::fmt::Display) -> CliError {
    CliError::Other(format!("demo: {what}: {e}"))
}

pub(super) async fn cmd_demo(cli: &Cli, args: &DemoArgs) -> Result<Outcome, CliError> {
    let spec = args.generate.unwrap_or_default();
    let folder = demo::demo_folder().map_err(|e| other("cannot create a folder", &e))?;
    let generated = generate_with_summary(&spec);
    let dataset = Dataset::from_json(&generated.json).map_err(|e| other("generated dataset refused", &e))?;
    let edit = demo::charge_to_edit(&generated.json);
    drop(generated.json);
    let sandbox =
        start(SandboxOptions::new(dataset)).await.map_err(|e| other("cannot start the sandboxes", &e))?;
    // Not one "items" total: the pull counts every kind it pulls (units, leases, residents, AR
    // codes too), so a total here would differ from the pull's.
    let summary = &generated.summary;
    println!(
        "Demo: a generated portfolio ({spec}: {} properties, {} leases, {} charges, {} payments, {} deposits); Entrata, QuickBooks Online and Xero sandboxes at {}",
        summary.properties,
        summary.leases,
        summary.charges,
        summary.payments,
        summary.deposits,
        sandbox.base_url()
    );
    let result = demo_with(cli, &sandbox, &folder, edit).await;
    sandbox.shutdown().await;
    result
}

async fn demo_with(
    cli: &Cli,
    sandbox: &Sandbox,
    folder: &std::path::Path,
    edit: Option<serde_json::Value>,
) -> Result<Outcome, CliError> {
    let config_path = folder.join("recon.toml");
    entrata_recon::mapping::examples::write_example_mappings(&folder.join("mappings"))
        .map_err(|e| other("cannot write mappings", &e))?;
    sandbox.write_config(&config_path).map_err(|e| other("cannot write the config", &e))?;
    demo::use_free_redirect_port(&config_path).map_err(|e| other("cannot write the config", &e))?;
    // Only the sandbox's env file: real ENTRATA_* variables must not leak into the demo.
    let text = std::fs::read_to_string(&config_path).map_err(|e| other("cannot read the config", &e))?;
    let config = Config::parse(&config_path, &text, entrata_recon::config::Env::default())?;
    let mappings = Arc::new(
        entrata_recon::mapping::load_routed(&config.mappings_dir, config.books.keys())
            .map_err(CliError::Mappings)?,
    );

    let lock = StateLock::acquire(&config.state_path, "demo", Create::IfMissing)?;
    let state = StateFile::open(&config.state_path).await?;
    let outcome = nights(cli, &config, &state, &mappings, sandbox, edit).await;
    state.close().await;
    drop(lock);
    outcome?;

    println!("\nThe demo's files are kept in {}:", folder.display());
    println!("  recon.toml, recon.env (sandbox secrets), recon.sqlite (the state file), mappings/");
    println!(
        "Look further with (the sandboxes stopped with the demo; `status` and `plan` read the state file):"
    );
    let program = super::program();
    println!("  {program} --config {} status", config_path.display());
    println!("  {program} --config {} plan --format json", config_path.display());
    println!(
        "\nThe exceptions above are planted in the generated data to show how they are reported; a nightly `run` \
         with exceptions exits 1 so that someone looks."
    );
    Ok(Outcome::Done)
}

async fn nights(
    cli: &Cli,
    config: &Config,
    state: &StateFile,
    mappings: &Arc<entrata_recon::mapping::MappingSet>,
    sandbox: &Sandbox,
    edit: Option<serde_json::Value>,
) -> Result<(), CliError> {
    for (step, target) in [(1, TargetKind::Qbo), (2, TargetKind::Xero)] {
        println!("\n{step}. Connect {} (the demo plays the browser on its consent page)", target.name());
        let options = ConnectOptions { paste_prompt: false, ..ConnectOptions::default() };
        let mut announce = |url: &str| {
            println!("   {}", url.split('?').next().unwrap_or(url));
            demo::consent_in_background(url.to_owned());
        };
        let connected = connect(config, state, target, &options, &mut announce).await?;
        println!(
            "   connected to {} ({})",
            connected.company_name.as_deref().unwrap_or("the company"),
            connected.company_id
        );
    }
    let client = EntrataClient::new(&config.source, config.entrata_credentials()?)?;
    let request =
        NightlyRequest { targets: Vec::new(), books: Vec::new(), dry_run: false, pause: Pause::real() };
    let night = |title: &'static str| {
        let client = &client;
        let request = &request;
        async move {
            println!("\n{title}");
            let progress = Progress::new("run", cli.progress_enabled());
            let report = nightly(config, client, state, mappings, request, &progress).await;
            progress.finish();
            let report = report?;
            let exit = super::posting::outcome_of(report.post.auth_failed(), report.needs_attention()).code();
            print!("{}", entrata_recon::report::nightly::to_text(&report, exit, None));
            Ok::<NightlyReport, CliError>(report)
        }
    };
    night("3. The nightly job").await?;
    let again = night("4. The nightly job again: nothing new to post").await?;
    let posted_again: usize = again.post.targets.iter().map(|t| t.summary.posted.len()).sum();
    if posted_again > 0 {
        return Err(other("the second run posted again", &posted_again));
    }
    if let Some(mut charge) = edit {
        let id = charge["chargeId"].as_str().unwrap_or("?").to_owned();
        demo::add_to_amount(&mut charge, 25);
        demo::upsert(sandbox, "charges", &charge).await.map_err(|e| other("cannot edit a charge", &e))?;
        println!("\n5. Charge {id} is edited in Entrata (+25.00) after it was posted");
        let third =
            night("6. The nightly job: one adjustment per target, the posted entry untouched").await?;
        println!("   adjustments recorded: {}", third.post.record.drifts.len());
    }
    // Where the drift report went, as `run` ends with it.
    let (_, drift, _) =
        super::drift::run_reports(config, state, mappings, Outcome::Done, false, (&[], &[])).await;
    print!("\n{drift}");
    Ok(())
}
