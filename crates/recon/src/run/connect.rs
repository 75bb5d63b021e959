//! `connect qbo|xero` and `disconnect qbo|xero` (PRODUCT.md §2): the OAuth authorization-code flow
//! (PKCE for Xero) or, for a Xero custom connection, the client-credentials grant; the company
//! (QuickBooks realm, Xero tenant) the grant reaches; the tokens stored in the state file.

use chrono::{DateTime, Utc};
use secrecy::SecretString;

use super::company::{CompanyChange, OtherCompany, holds_unknown_documents, settle};
use crate::config::{Config, ConfigError, TargetAuth, TargetConfig};
use crate::domain::BookName;
use crate::state::{StateError, StateFile};
use crate::targets::TargetKind;
use crate::targets::identity::{IdentityError, Tenant, qbo_company_name, revoke, xero_tenants};
use crate::targets::oauth::{OAuthError, OAuthSettings, authorization, client_credentials, exchange_code};
use crate::targets::redirect::{RedirectError, wait_for_redirect};

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("{0} is not configured: add [targets.{0}] to the config")]
    NotConfigured(TargetKind),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    OAuth(#[from] OAuthError),
    #[error(transparent)]
    Redirect(#[from] RedirectError),
    #[error(transparent)]
    Identity(#[from] IdentityError),
    #[error(transparent)]
    State(#[from] StateError),
    #[error(
        "the redirect's state does not match this request (a stale or forged redirect); run connect again"
    )]
    StateMismatch,
    #[error("{target} did not grant access: {error}{}", description.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    Denied { target: TargetKind, error: String, description: Option<String> },
    #[error("the redirect has no `{0}` parameter")]
    MissingParam(&'static str),
    #[error("{0}")]
    Tenant(String),
    #[error(transparent)]
    Book(#[from] crate::run::books::BookError),
    #[error(
        "the consent chose QuickBooks company {chosen}, and the config's book says {wanted} ([books.<name>] \
         qbo.realm_id): nothing was kept; run connect again and choose that company"
    )]
    WrongRealm { chosen: String, wanted: String },
    #[error(
        "this state file's {postings} postings to {} went to company {}, and this grant reaches company {}: \
         nothing was changed and the new grant is not kept. If the books now belong in {}, run `entrata-recon \
         connect {} --switch-company`: the postings to {} stay recorded as that company's (status lists them), \
         every entry is posted afresh to {} (what it already holds from this connector is looked up and \
         adopted, never posted twice)",
        .0.target.name(), .0.holding, .0.reached, .0.reached, .0.target,
        .0.holding, .0.reached, postings = .0.postings
    )]
    OtherCompany(OtherCompany),
}

#[derive(Debug, Clone)]
pub struct ConnectOptions {
    /// Open the authorization URL in a browser.
    pub browser: bool,
    /// The Xero organisation to use when the grant reaches several.
    pub tenant: Option<String>,
    /// Also take the redirected address pasted on standard input (with a loopback redirect the
    /// listener takes it either way).
    pub paste_prompt: bool,
    /// Connect to another company than the one this state file's postings went to
    /// (`--switch-company`; see `run::company`).
    pub switch_company: bool,
    /// Ask a company this state file never posted to whether it already holds documents
    /// (`connect` itself, not the connection `post` makes for a Xero custom connection, whose
    /// first post asks anyway).
    pub ask_holdings: bool,
    /// Revoke the grant this connection replaces at the vendor, before the consent
    /// (`--revoke-previous`). Both vendors end the app's connection to the company when a grant
    /// is revoked, so a grant revoked after the consent would take the new one with it.
    pub revoke_previous: bool,
    /// The book to connect (`--books`); the one book posting to the target when `None`.
    pub book: Option<BookName>,
}

impl Default for ConnectOptions {
    fn default() -> ConnectOptions {
        ConnectOptions {
            book: None,
            browser: false,
            tenant: None,
            paste_prompt: true,
            switch_company: false,
            ask_holdings: false,
            revoke_previous: false,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Connected {
    pub target: TargetKind,
    pub book: BookName,
    pub company_id: String,
    pub company_name: Option<String>,
    pub access_expires_at: DateTime<Utc>,
    /// What became of the target's postings (`run::company::settle`).
    pub change: CompanyChange,
    /// `Some(true)`: the company already holds documents this state file did not post (asked only
    /// of a company it never posted to, with `ask_holdings`).
    pub holds_documents: Option<bool>,
    /// The grant this connection replaced, and what became of it at the vendor.
    pub previous: PreviousGrant,
}

/// The grant a `connect` replaced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PreviousGrant {
    /// There was none (or it had no refresh token: a Xero custom connection).
    None,
    /// Left live at the vendor until it expires (no `--revoke-previous`).
    Kept,
    /// Revoked at the vendor before the consent.
    Revoked,
    /// `--revoke-previous` asked, and the vendor could not be told: why.
    NotRevoked(String),
}

/// The OAuth settings of one book's connection to `kind`.
pub fn oauth_settings_for(
    config: &Config,
    kind: TargetKind,
    book: BookName,
) -> Result<(&TargetConfig, OAuthSettings), ConnectError> {
    let target = config.targets.get(&kind).ok_or(ConnectError::NotConfigured(kind))?;
    let (client_id, client_secret) = target.client_credentials(config.env(), kind)?;
    let settings = OAuthSettings {
        target: kind,
        book,
        client_id,
        client_secret,
        auth_url: target.auth_url.clone(),
        token_url: target.token_url.clone(),
        redirect_uri: Some(target.redirect_uri.clone()),
        scopes: target.scopes.clone(),
        pkce: kind == TargetKind::Xero,
        pause: crate::http::Pause::real(),
    };
    Ok((target, settings))
}

/// Runs the consent flow and stores the connection. `announce` receives the authorization URL (a
/// line of its own) and what to do with it.
pub async fn connect(
    config: &Config,
    state: &StateFile,
    kind: TargetKind,
    options: &ConnectOptions,
    announce: &mut dyn FnMut(&str),
) -> Result<Connected, ConnectError> {
    let book = crate::run::books::book_for(config, kind, options.book.as_ref())?;
    // The company the book must be (QuickBooks) or prefers (Xero), when recon.toml names it.
    let wanted = config.books.get(&book).and_then(|b| b.targets.get(&kind).cloned().flatten());
    let (target, settings) = oauth_settings_for(config, kind, book)?;
    if target.auth == TargetAuth::ClientCredentials {
        let tokens = client_credentials(&settings).await?;
        let tenant = choose_tenant(
            xero_tenants(&target.api_base, &tokens.access_token).await?,
            options,
            wanted.as_deref(),
        )?;
        return store(state, kind, target, settings, options, &tokens, tenant.tenant_id, tenant.tenant_name)
            .await;
    }

    let previous = previous_grant(state, kind, target, &settings, options).await?;
    let request = authorization(&settings)?;
    announce(&request.url);
    if options.browser {
        open_browser(&request.url);
    }
    let params = wait_for_redirect(&target.redirect_uri, options.paste_prompt, &request.state).await?;
    // First: a refusal is believed only from the redirect this request asked for.
    if params.get("state") != Some(&request.state) {
        return Err(ConnectError::StateMismatch);
    }
    if let Some(error) = params.get("error") {
        return Err(ConnectError::Denied {
            target: kind,
            error: error.clone(),
            description: params.get("error_description").cloned(),
        });
    }
    let code = params.get("code").ok_or(ConnectError::MissingParam("code"))?;
    // The book's company, checked before the code is exchanged: no tokens for another company.
    if kind == TargetKind::Qbo
        && let (Some(wanted), Some(chosen)) = (&wanted, params.get("realmId"))
        && wanted != chosen
    {
        return Err(ConnectError::WrongRealm { chosen: chosen.clone(), wanted: wanted.clone() });
    }
    let tokens = exchange_code(&settings, code, request.pkce_verifier).await?;
    let (company_id, company_name) = match kind {
        TargetKind::Qbo => {
            let realm = params.get("realmId").ok_or(ConnectError::MissingParam("realmId"))?.clone();
            // The name is for people; a company whose info cannot be read is still connected.
            let name =
                qbo_company_name(&target.api_base, &realm, &tokens.access_token).await.unwrap_or_else(|e| {
                    tracing::warn!(error = %e, "cannot read the QuickBooks company's name");
                    None
                });
            (realm, name)
        }
        TargetKind::Xero => {
            let tenant = choose_tenant(
                xero_tenants(&target.api_base, &tokens.access_token).await?,
                options,
                wanted.as_deref(),
            )?;
            (tenant.tenant_id, tenant.tenant_name)
        }
    };
    let mut connected =
        store(state, kind, target, settings, options, &tokens, company_id, company_name).await?;
    connected.previous = previous;
    Ok(connected)
}

/// The grant the consent about to start replaces: revoked first with `--revoke-previous` (its
/// connection is then marked refused until the consent finishes, so `status` says to connect
/// again if it does not), otherwise kept.
async fn previous_grant(
    state: &StateFile,
    kind: TargetKind,
    target: &TargetConfig,
    settings: &OAuthSettings,
    options: &ConnectOptions,
) -> Result<PreviousGrant, ConnectError> {
    let Some(refresh) = state.connection(kind, &settings.book).await?.and_then(|c| c.refresh_token) else {
        return Ok(PreviousGrant::None);
    };
    if !options.revoke_previous {
        return Ok(PreviousGrant::Kept);
    }
    match revoke(kind, &target.revoke_url, &settings.client_id, &settings.client_secret, &refresh).await {
        Ok(()) => {
            let (lock, _) = state.lock_connection(kind, &settings.book).await?;
            lock.refused(
                "its grant was revoked by `connect --revoke-previous`; the new consent did not finish",
            )
            .await?;
            Ok(PreviousGrant::Revoked)
        }
        Err(e) => Ok(PreviousGrant::NotRevoked(e.to_string())),
    }
}

/// Settles the postings' company (refusing another one without `--switch-company`), stores the
/// connection, then asks a company this state file never posted to what it holds.
#[allow(clippy::too_many_arguments)]
async fn store(
    state: &StateFile,
    kind: TargetKind,
    target: &TargetConfig,
    settings: OAuthSettings,
    options: &ConnectOptions,
    tokens: &crate::state::TokenUpdate,
    company_id: String,
    company_name: Option<String>,
) -> Result<Connected, ConnectError> {
    let book = settings.book.clone();
    if let Some(other) = crate::run::books::company_of_another_book(state, kind, &book, &company_id).await? {
        return Err(crate::run::books::BookError::CompanyOfAnotherBook {
            target: kind,
            company: company_id,
            other,
        }
        .into());
    }
    let change = settle(state, kind, &book, &company_id, options.switch_company)
        .await?
        .map_err(ConnectError::OtherCompany)?;
    state.save_connection(kind, &book, tokens, &company_id, company_name.as_deref()).await?;
    let holds_documents = if options.ask_holdings {
        holds_unknown_documents(state, kind, target, settings, &company_id).await?
    } else {
        None
    };
    Ok(Connected {
        target: kind,
        book,
        company_id,
        company_name,
        access_expires_at: tokens.access_expires_at,
        change,
        holds_documents,
        previous: PreviousGrant::None,
    })
}

/// The one tenant, or the one `--tenant` / the book's `tenant_id` names (by id or name).
fn choose_tenant(
    tenants: Vec<Tenant>,
    options: &ConnectOptions,
    book_tenant: Option<&str>,
) -> Result<Tenant, ConnectError> {
    let wanted = options.tenant.as_deref().or(book_tenant);
    let list = |tenants: &[Tenant]| {
        tenants
            .iter()
            .map(|t| format!("{} ({})", t.tenant_name.as_deref().unwrap_or("unnamed"), t.tenant_id))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match wanted {
        Some(wanted) => tenants
            .iter()
            .find(|t| t.tenant_id == wanted || t.tenant_name.as_deref() == Some(wanted))
            .cloned()
            .ok_or_else(|| {
                ConnectError::Tenant(format!(
                    "the grant does not reach the organisation `{wanted}`; it reaches {}",
                    list(&tenants)
                ))
            }),
        None => match <[Tenant; 1]>::try_from(tenants) {
            Ok([only]) => Ok(only),
            Err(tenants) if tenants.is_empty() => Err(ConnectError::Tenant(
                "the grant reaches no Xero organisation; connect again and choose one".into(),
            )),
            Err(tenants) => Err(ConnectError::Tenant(format!(
                "the grant reaches several Xero organisations: {}; choose one with --tenant (or tenant_id in [targets.xero])",
                list(&tenants)
            ))),
        },
    }
}

fn open_browser(url: &str) {
    let opener = if cfg!(target_os = "macos") { "open" } else { "xdg-open" };
    if let Err(e) = std::process::Command::new(opener).arg(url).spawn() {
        tracing::warn!(error = %e, opener, "cannot open a browser; open the URL by hand");
    }
}

/// What `disconnect` did.
#[derive(Debug, Clone)]
pub struct Disconnected {
    pub was_connected: bool,
    /// Why the vendor could not be told (the tokens are forgotten here all the same).
    pub revoke_failed: Option<String>,
}

/// Revokes the grant at the vendor and forgets the tokens.
pub async fn disconnect(
    config: &Config,
    state: &StateFile,
    kind: TargetKind,
    book: Option<&BookName>,
) -> Result<Disconnected, ConnectError> {
    let book = crate::run::books::book_for(config, kind, book)?;
    let Some(connection) = state.connection(kind, &book).await? else {
        return Ok(Disconnected { was_connected: false, revoke_failed: None });
    };
    let (target, settings) = oauth_settings_for(config, kind, book.clone())?;
    // The refresh token revokes the whole grant; a custom connection has only its access token.
    let token: SecretString =
        connection.refresh_token.clone().unwrap_or_else(|| connection.access_token.clone());
    let revoke_failed =
        revoke(kind, &target.revoke_url, &settings.client_id, &settings.client_secret, &token)
            .await
            .err()
            .map(|e| e.to_string());
    state.delete_connection(kind, &book).await?;
    Ok(Disconnected { was_connected: true, revoke_failed })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tenant(id: &str, name: &str) -> Tenant {
        Tenant { id: None, tenant_id: id.into(), tenant_name: Some(name.into()), tenant_type: None }
    }

    fn choose(tenants: Vec<Tenant>, wanted: Option<&str>) -> Result<String, String> {
        let options = ConnectOptions { tenant: wanted.map(str::to_owned), ..ConnectOptions::default() };
        choose_tenant(tenants, &options, None).map(|t| t.tenant_id).map_err(|e| e.to_string())
    }

    #[test]
    fn the_one_organisation_is_taken_and_several_or_none_are_refused_with_what_to_do() {
        assert_eq!(choose(vec![tenant("t1", "Demo")], None), Ok("t1".into()));
        let none = choose(Vec::new(), None).unwrap_err();
        assert!(none.contains("reaches no Xero organisation"), "{none}");
        let two = || vec![tenant("t1", "Demo"), tenant("t2", "Other")];
        let several = choose(two(), None).unwrap_err();
        assert!(several.contains("Demo (t1), Other (t2); choose one with --tenant"), "{several}");
        assert_eq!(choose(two(), Some("Other")), Ok("t2".into()));
        assert_eq!(choose(two(), Some("t1")), Ok("t1".into()));
        assert!(choose(two(), Some("t9")).unwrap_err().contains("does not reach the organisation `t9`"));
    }
}
