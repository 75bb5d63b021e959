//! `demo`: the nightly job end to end with no set-up and nothing beyond loopback. The three
//! sandboxes start in this process; a generated portfolio, a config and the example mappings go
//! into a fresh folder; QuickBooks and Xero are connected through their OAuth consent flows (the
//! demo plays the browser); the nightly job runs, runs again (nothing new is posted), one charge is
//! edited in Entrata, and it runs a third time (one adjustment per target). The folder is kept.
//!
//! With two properties or more there are two owners (issue 18): each its own QuickBooks company and
//! Xero organisation, the second property the second owner's, connected book by book; before the
//! third night that property moves to the first owner and gains a charge, so the third night shows
//! the adjustment going where the corrected entry is and the new entry to the new book.

use std::sync::Arc;

use super::args::DemoArgs;
use super::{Cli, CliError, Outcome};
use crate::demo;
use entrata_recon::config::Config;
use entrata_recon::http::Pause;
use entrata_recon::report::progress::Progress;
use entrata_recon::run::connect::{ConnectOptions, connect};
use entrata_recon::run::nightly::{NightlyReport, NightlyRequest, nightly};
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
    // Two owners (issue 18) when there are two properties to deal: each its own company in each
    // target, the second property the second owner's until it moves on the third night.
    let owners = demo::two_owners(&generated.json);
    let (dataset, edit) = match &owners {
        Some((json, _)) => (Dataset::from_json(json), demo::charge_of(json, demo::MOVED)),
        None => (Dataset::from_json(&generated.json), demo::charge_to_edit(&generated.json)),
    };
    let dataset = dataset.map_err(|e| other("generated dataset refused", &e))?;
    let owners = owners.map(|(_, owners)| owners);
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
    let result = demo_with(cli, &sandbox, &folder, edit, owners.as_ref(), args.source).await;
    sandbox.shutdown().await;
    result
}

async fn demo_with(
    cli: &Cli,
    sandbox: &Sandbox,
    folder: &std::path::Path,
    edit: Option<serde_json::Value>,
    owners: Option<&[demo::Owner; 2]>,
    source: super::args::SourceChoice,
) -> Result<Outcome, CliError> {
    let config_path = folder.join("recon.toml");
    entrata_recon::mapping::examples::write_example_mappings(&folder.join("mappings"))
        .map_err(|e| other("cannot write mappings", &e))?;
    match source {
        super::args::SourceChoice::Rest => sandbox.write_config(&config_path),
        super::args::SourceChoice::Entrata => sandbox.write_config_entrata_api(&config_path),
    }
    .map_err(|e| other("cannot write the config", &e))?;
    demo::use_free_redirect_port(&config_path).map_err(|e| other("cannot write the config", &e))?;
    if let Some(owners) = owners {
        demo::route_owners(&config_path, &folder.join("mappings"), owners)
            .map_err(|e| other("cannot write the owners' books", &e))?;
    }
    // Only the sandbox's env file: real ENTRATA_* variables must not leak into the demo.
    let text = std::fs::read_to_string(&config_path).map_err(|e| other("cannot read the config", &e))?;
    let config = Config::parse(&config_path, &text, entrata_recon::config::Env::default())?;
    let mappings = Arc::new(
        entrata_recon::mapping::load_routed(&config.mappings_dir, config.books.keys())
            .map_err(CliError::Mappings)?,
    );

    let lock = StateLock::acquire(&config.state_path, "demo", Create::IfMissing)?;
    let state = StateFile::open(&config.state_path).await?;
    let outcome = nights(cli, &config, &state, mappings, sandbox, edit, owners).await;
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
    mut mappings: Arc<entrata_recon::mapping::MappingSet>,
    sandbox: &Sandbox,
    edit: Option<serde_json::Value>,
    owners: Option<&[demo::Owner; 2]>,
) -> Result<(), CliError> {
    connect_all(config, state, sandbox, owners).await?;
    let client = entrata_recon::source::Source::from_config(config)?;
    let request =
        NightlyRequest { targets: Vec::new(), books: Vec::new(), dry_run: false, pause: Pause::real() };
    let night = |title: &'static str, mappings: Arc<entrata_recon::mapping::MappingSet>| {
        let client = &client;
        let request = &request;
        async move {
            let mappings = &mappings;
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
    night("3. The nightly job", Arc::clone(&mappings)).await?;
    let again = night("4. The nightly job again: nothing new to post", Arc::clone(&mappings)).await?;
    let posted_again: usize = again.post.targets.iter().map(|t| t.summary.posted.len()).sum();
    if posted_again > 0 {
        return Err(other("the second run posted again", &posted_again));
    }
    if let Some(mut charge) = edit {
        let id = charge["chargeId"].as_str().unwrap_or("?").to_owned();
        demo::add_to_amount(&mut charge, 25);
        demo::upsert(sandbox, "charges", &charge).await.map_err(|e| other("cannot edit a charge", &e))?;
        println!("\n5. Charge {id} is edited in Entrata (+25.00) after it was posted");
        let title = match owners {
            None => "6. The nightly job: one adjustment per target, the posted entry untouched",
            Some(owners) => {
                mappings = move_property(config, sandbox, &charge, owners).await?;
                "6. The nightly job: the adjustment goes to owner-b's books, where the posted entry is; the new \
                 charge to owner-a's"
            }
        };
        let third = night(title, Arc::clone(&mappings)).await?;
        println!("   adjustments recorded: {}", third.post.record.drifts.len());
    }
    // Where the drift report went, as `run` ends with it.
    let (_, drift, _) =
        super::drift::run_reports(config, state, &mappings, Outcome::Done, false, (&[], &[])).await;
    print!("\n{drift}");
    Ok(())
}

/// Steps 1 and 2: each target connected (for each owner's book when there are two), the demo
/// playing the browser on the consent page (on Intuit's, picking the owner's company).
async fn connect_all(
    config: &Config,
    state: &StateFile,
    sandbox: &Sandbox,
    owners: Option<&[demo::Owner; 2]>,
) -> Result<(), CliError> {
    let books: Vec<Option<&demo::Owner>> = match owners {
        None => vec![None],
        Some(owners) => owners.iter().map(Some).collect(),
    };
    for (step, target) in [(1, TargetKind::Qbo), (2, TargetKind::Xero)] {
        let how = match (owners, target) {
            (None, _) => "",
            (Some(_), TargetKind::Qbo) => " for each owner, picking the owner's company on Intuit's page",
            (Some(_), TargetKind::Xero) => " for each owner: one consent covers both organisations",
        };
        println!("\n{step}. Connect {}{how} (the demo plays the browser on its consent page)", target.name());
        for owner in &books {
            // On Intuit's page the demo picks the owner's company.
            let company = match (owner, target) {
                (Some(owner), TargetKind::Qbo) => Some((sandbox.base_url(), owner.realm.clone())),
                _ => None,
            };
            let book = owner.map(|o| entrata_recon::domain::BookName::new(o.name));
            let options = ConnectOptions { paste_prompt: false, book, ..ConnectOptions::default() };
            let mut announce = |url: &str| {
                println!("   {}", url.split('?').next().unwrap_or(url));
                demo::consent_choosing_in_background(url.to_owned(), company.clone());
            };
            let connected = connect(config, state, target, &options, &mut announce).await?;
            let whose = owner.map(|o| format!("{}: ", o.name)).unwrap_or_default();
            println!(
                "   {whose}connected to {} ({})",
                connected.company_name.as_deref().unwrap_or("the company"),
                connected.company_id
            );
        }
    }
    Ok(())
}

/// Before the third night with two owners: `demo::MOVED` moves from owner-b to owner-a (its
/// mapping file's `book`), and Entrata gains a new 40.00 charge of it; the mapping files as now.
async fn move_property(
    config: &Config,
    sandbox: &Sandbox,
    edited: &serde_json::Value,
    owners: &[demo::Owner; 2],
) -> Result<Arc<entrata_recon::mapping::MappingSet>, CliError> {
    let file = config.mappings_dir.join(format!("properties/{}.toml", demo::MOVED));
    demo::route(&file, owners[0].name).map_err(|e| other("cannot move the property", &e))?;
    let mut charge = edited.clone();
    charge["chargeId"] = "chg_demo_after_the_move".into();
    charge["arCode"] = "PARK".into();
    charge["description"] = "Parking".into();
    charge["amount"] = "40.00".into();
    for field in ["scheduledChargeId", "servicePeriodStart", "servicePeriodEnd"] {
        charge[field] = serde_json::Value::Null;
    }
    demo::upsert(sandbox, "charges", &charge).await.map_err(|e| other("cannot add a charge", &e))?;
    println!(
        "   {} moves from {} to {} (its mapping file's `book`), and Entrata has a new 40.00 parking charge of it",
        demo::MOVED,
        owners[1].name,
        owners[0].name
    );
    let mappings = entrata_recon::mapping::load_routed(&config.mappings_dir, config.books.keys())
        .map_err(CliError::Mappings)?;
    Ok(Arc::new(mappings))
}
