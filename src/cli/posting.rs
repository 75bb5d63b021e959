//! The posting side's commands: `connect`, `disconnect`, `post`.

use std::sync::Arc;

use super::args::{ConnectArgs, DisconnectArgs, PostArgs, RunArgs};
use super::{Cli, CliError, Outcome};
use entrata_recon::http::Pause;
use entrata_recon::report::progress::Progress;
use entrata_recon::run::connect::{ConnectOptions, PreviousGrant, connect, disconnect};
use entrata_recon::run::post::{PostRequest, post};
use entrata_recon::state::{Create, RunOutcome, StateFile, StateLock};

pub(super) async fn cmd_connect(cli: &Cli, args: &ConnectArgs) -> Result<Outcome, CliError> {
    let config = cli.load_config()?;
    let target = args.target.kind();
    let state = StateFile::open(&config.state_path).await?;
    let options = ConnectOptions {
        browser: args.browser,
        tenant: args.tenant.clone(),
        paste_prompt: true,
        switch_company: args.switch_company,
        ask_holdings: true,
        revoke_previous: args.revoke_previous,
        book: args.book.clone(),
    };
    let mut announce = |url: &str| {
        println!("Open this address in a browser to connect {}:", target.name());
        println!("{url}");
        println!(
            "Waiting for the consent (or paste here the address the browser ends up on, then press Enter)..."
        );
    };
    let result = connect(&config, &state, target, &options, &mut announce).await;
    state.close().await;
    let connected = result?;
    let book =
        if connected.book.is_default() { String::new() } else { format!(" for book {}", connected.book) };
    println!(
        "Connected{book} to {} {}{}; the tokens are kept in {}.",
        target.name(),
        connected.company_name.as_deref().map(|n| format!("\"{n}\" ")).unwrap_or_default(),
        format_args!("({})", connected.company_id),
        config.state_path.display()
    );
    let name = target.name();
    match &connected.previous {
        PreviousGrant::None => {}
        PreviousGrant::Kept => println!(
            "The grant this connection replaces stays live at {name} until it expires: revoking it now can end \
             this connection too (revoking a grant ends the app's connection to the company). To end it, connect \
             with `--revoke-previous` (it is revoked before the consent) or run `entrata-recon disconnect {target}` \
             first."
        ),
        PreviousGrant::Revoked => println!("The grant this connection replaces was revoked at {name}."),
        PreviousGrant::NotRevoked(why) => println!(
            "The grant this connection replaces could not be revoked at {name} ({why}): it stays live until it \
             expires; remove it in {name}'s connected apps to end it now."
        ),
    }
    if let Some((old, postings)) = &connected.change.switched_from {
        println!(
            "Switched company: the {postings} postings to {old} stay recorded as that company's (`status` lists \
             them; those whose outcome is not known are never looked up or sent again elsewhere); every entry \
             is posted afresh to {}.",
            connected.company_id
        );
    }
    if connected.change.claimed > 0 {
        println!(
            "{} postings recorded before this version kept companies are taken as {}'s; if they went to another \
             company, run `entrata-recon connect {target} --switch-company` to that one instead.",
            connected.change.claimed, connected.company_id
        );
    }
    if connected.holds_documents == Some(true) {
        println!(
            "{name} {} already holds documents that this state file did not post: the first post looks up each \
             entry in it and adopts the ones this connector made (by document number and the [entrata-recon \
             <key>] memo) instead of posting them again.",
            connected.company_id
        );
    }
    Ok(Outcome::Done)
}

pub(super) async fn cmd_disconnect(cli: &Cli, args: &DisconnectArgs) -> Result<Outcome, CliError> {
    let config = cli.load_config()?;
    let target = args.target.kind();
    let state = StateFile::open_existing(&config.state_path).await?;
    let result = disconnect(&config, &state, target, args.book.as_ref()).await;
    state.close().await;
    let done = result?;
    let name = target.name();
    if !done.was_connected {
        println!("{name} was not connected.");
        return Ok(Outcome::Done);
    }
    match done.revoke_failed {
        None => {
            println!("Disconnected from {name}: the grant is revoked and the tokens are forgotten.");
            Ok(Outcome::Done)
        }
        Some(why) => {
            println!(
                "The tokens are forgotten here, but {name} could not be told ({why}); remove the app's connection in {name}'s settings."
            );
            Ok(Outcome::NeedsAttention)
        }
    }
}

pub(super) async fn cmd_post(cli: &Cli, args: &PostArgs) -> Result<Outcome, CliError> {
    let config = cli.load_config()?;
    let mappings = Arc::new(
        entrata_recon::mapping::load_routed(&config.mappings_dir, config.books.keys())
            .map_err(CliError::Mappings)?,
    );
    let _lock = StateLock::acquire(&config.state_path, "post", Create::Never)?;
    let state = StateFile::open_existing(&config.state_path).await?;
    let run = state.begin_run("post").await?;
    let request = PostRequest {
        targets: args.target.map(|t| vec![t.kind()]).unwrap_or_default(),
        dry_run: args.dry_run,
        pause: Pause::real(),
        reclass: args.reclass,
        books: args.books.clone(),
    };
    let progress = Progress::new("post", cli.progress_enabled());
    let result = post(&config, &state, &mappings, &request, &progress).await;
    progress.finish();
    let report = match result {
        Ok(report) => report,
        Err(e) => {
            let text = serde_json::json!({ "error": e.to_string() }).to_string();
            state.finish_run(run, RunOutcome::Failed, &text).await?;
            state.close().await;
            return Err(e.into());
        }
    };
    print!("{}", entrata_recon::report::post::to_text(&report));
    let outcome = outcome_of(report.auth_failed(), report.needs_attention());
    let summary = post_summary(&report);
    state.finish_run(run, run_outcome(outcome), &serde_json::Value::Object(summary).to_string()).await?;
    state.close().await;
    Ok(outcome)
}

pub(super) async fn cmd_run(cli: &Cli, args: &RunArgs) -> Result<Outcome, CliError> {
    let config = cli.load_config()?;
    let source = entrata_recon::source::Source::from_config(&config)?;
    let mappings = Arc::new(
        entrata_recon::mapping::load_routed(&config.mappings_dir, config.books.keys())
            .map_err(CliError::Mappings)?,
    );
    let _lock = StateLock::acquire(&config.state_path, "run", Create::IfMissing)?;
    let state = StateFile::open(&config.state_path).await?;
    let client = source;
    let run = state.begin_run("run").await?;
    let request_targets: Vec<entrata_recon::targets::TargetKind> =
        args.target.map(|t| vec![t.kind()]).unwrap_or_default();
    let request = entrata_recon::run::nightly::NightlyRequest {
        targets: request_targets.clone(),
        books: args.books.clone(),
        dry_run: args.dry_run,
        pause: Pause::real(),
    };
    let progress = Progress::new("run", cli.progress_enabled());
    let result =
        entrata_recon::run::nightly::nightly(&config, &client, &state, &mappings, &request, &progress).await;
    progress.finish();
    let report = match result {
        Ok(report) => report,
        Err(e) => {
            let text = serde_json::json!({ "error": e.to_string() }).to_string();
            state.finish_run(run, RunOutcome::Failed, &text).await?;
            state.close().await;
            return Err(e.into());
        }
    };
    let outcome = outcome_of(report.post.auth_failed(), report.needs_attention());
    let (outcome, drift, drift_person) = super::drift::run_reports(
        &config,
        &state,
        &mappings,
        outcome,
        args.dry_run,
        (&request_targets, &args.books),
    )
    .await;
    print!("{}", entrata_recon::report::nightly::to_text(&report, outcome.code(), drift_person.as_deref()));
    print!("{drift}");
    let mut summary = post_summary(&report.post);
    let pulled = report.pull.total();
    summary.insert("pulled".into(), (pulled.new + pulled.changed).into());
    summary.insert("quarantined".into(), report.quarantined.into());
    summary.insert("exceptions".into(), report.post.record.exceptions.len().into());
    state.finish_run(run, run_outcome(outcome), &serde_json::Value::Object(summary).to_string()).await?;
    state.close().await;
    Ok(outcome)
}

/// Exit 2 when a target refused the connection, else whether a person is needed.
pub(super) fn outcome_of(auth_failed: bool, needs_attention: bool) -> Outcome {
    if auth_failed {
        Outcome::Refused
    } else if needs_attention {
        Outcome::NeedsAttention
    } else {
        Outcome::Done
    }
}

fn run_outcome(outcome: Outcome) -> RunOutcome {
    match outcome {
        Outcome::Done => RunOutcome::Ok,
        Outcome::NeedsAttention => RunOutcome::NeedsAttention,
        Outcome::Refused => RunOutcome::Failed,
    }
}

/// What a posting did, for its run row (`status` shows it).
fn post_summary(report: &entrata_recon::run::post::PostReport) -> serde_json::Map<String, serde_json::Value> {
    let targets = report.targets.iter().map(|t| {
        serde_json::json!({
            "target": t.target.as_str(),
            "posted": t.summary.posted.len(),
            "failed": t.summary.failed.len(),
            "uncertain": t.summary.uncertain.len(),
            "held": t.summary.held.len(),
            "stopped": t.summary.stopped,
        })
    });
    let mut summary = serde_json::Map::new();
    summary.insert("recorded".into(), report.record.recorded.into());
    summary.insert("pendingAdjustments".into(), report.record.drifts.len().into());
    summary.insert("targets".into(), targets.collect::<Vec<_>>().into());
    summary
}

/// `mappings check --target`: asks each book's connected company about every name its mappings
/// use and prints what it says; how many findings. Nothing for a book not connected.
pub(super) async fn check_target(
    config: &entrata_recon::config::Config,
    mappings: Arc<entrata_recon::mapping::MappingSet>,
    target: entrata_recon::targets::TargetKind,
    only: &[entrata_recon::domain::BookName],
) -> Result<usize, CliError> {
    for name in only {
        entrata_recon::run::books::book_for(config, target, Some(name))
            .map_err(|e| CliError::Other(e.to_string()))?;
    }
    // Writable only for a refreshed access token; the mappings and entries are not touched.
    let state = StateFile::open_existing(&config.state_path).await?;
    let mut found = 0;
    let asked = |name: &entrata_recon::domain::BookName| only.is_empty() || only.contains(name);
    for book in config.books.values().filter(|b| b.posts_to(target) && asked(&b.name)) {
        let result = check_book(config, &state, &mappings, target, &book.name).await;
        match result {
            Ok(n) => found += n,
            Err(e) => {
                state.close().await;
                return Err(e);
            }
        }
    }
    state.close().await;
    Ok(found)
}

/// `check_target` of one book's company.
async fn check_book(
    config: &entrata_recon::config::Config,
    state: &StateFile,
    mappings: &Arc<entrata_recon::mapping::MappingSet>,
    target: entrata_recon::targets::TargetKind,
    book: &entrata_recon::domain::BookName,
) -> Result<usize, CliError> {
    let result = entrata_recon::run::target_check::check(config, state, mappings, target, book).await;
    let name = match book.is_default() {
        true => target.name().to_owned(),
        false => format!("{} ({book})", target.name()),
    };
    let Some(findings) = result.map_err(|e| CliError::Other(e.to_string()))? else {
        let command = entrata_recon::report::targets::connect_command(target, book);
        println!(
            "\n{name} is not connected: the mappings were not checked against its company (`entrata-recon {command}`)."
        );
        return Ok(0);
    };
    if findings.is_empty() {
        println!("\n{name}: every account and name the mappings use exists and is active in the company.");
        return Ok(0);
    }
    println!(
        "\n{name}: {} problem{} in the company:",
        findings.len(),
        if findings.len() == 1 { "" } else { "s" }
    );
    for finding in &findings {
        let place = match (&finding.location, &finding.property_id) {
            (Some(location), _) => location.clone(),
            (None, Some(property)) => format!("property {property}"),
            (None, None) => "portfolio".to_owned(),
        };
        println!("  {place}: {}", finding.message);
    }
    Ok(findings.len())
}
