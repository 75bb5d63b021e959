//! Which company a target's postings belong to, as `connect` sees it (issue 15, items 6 and 7).
//!
//! Every posting records the company it was sent to or found in. `connect` to another company than
//! the one the postings went to is refused unless told `--switch-company`; with it, the postings to
//! the old company stay recorded as that company's (`status` lists them apart, and those whose
//! outcome is not known are never looked up in, or sent again to, the new one), every entry is
//! posted afresh to the new company, and the new company is asked first what it already holds of
//! ours (adopted, never sent twice). After connecting, `connect` says when the company already
//! holds documents that this state file did not post.

use crate::config::TargetConfig;
use crate::domain::BookName;
use crate::http::Pause;
use crate::posting::TargetError;
use crate::state::{StateError, StateFile};
use crate::targets::TargetKind;
use crate::targets::oauth::{OAuthSettings, TokenSource};

/// What connecting to a company did to the postings of its target.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CompanyChange {
    /// `--switch-company` from this company, which holds this many postings.
    pub switched_from: Option<(String, u64)>,
    /// Postings whose company was not known (older than the company column), now this company's.
    pub claimed: u64,
}

/// Another company than the one the postings went to, without `--switch-company`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OtherCompany {
    pub target: TargetKind,
    pub holding: String,
    pub postings: u64,
    pub reached: String,
}

/// Decides, before the connection to `company` is stored, what becomes of the target's postings:
/// refused (`Err`) when they went to another company and `switch` is not given.
///
/// A book other than `default` (issue 18) shares its target's postings with the other books'
/// companies, so only its own connection counts: another company than the one it was connected to
/// needs `--switch-company`; postings of no known company are not claimed by it.
pub async fn settle(
    state: &StateFile,
    target: TargetKind,
    book: &BookName,
    company: &str,
    switch: bool,
) -> Result<Result<CompanyChange, OtherCompany>, StateError> {
    let connected = state.connection(target, book).await?.map(|c| c.company_id);
    let companies = state.posting_companies(target).await?;
    if book.as_str() != BookName::DEFAULT {
        let mut change = CompanyChange::default();
        if let Some(holding) = connected.filter(|c| c != company) {
            let postings = companies.iter().find(|c| c.company_id == holding).map_or(0, |c| c.postings);
            if !switch {
                return Ok(Err(OtherCompany { target, holding, postings, reached: company.to_owned() }));
            }
            change.switched_from = Some((holding, postings));
        }
        return Ok(Ok(change));
    }
    let known: Vec<_> = companies.iter().filter(|c| !c.company_id.is_empty()).collect();
    // The company the postings go to: the connected one if it holds any, else the one written last.
    let holding = known
        .iter()
        .find(|c| Some(&c.company_id) == connected.as_ref())
        .or_else(|| known.first())
        .map(|c| (c.company_id.clone(), c.postings));
    let mut change = CompanyChange::default();
    match holding {
        Some((holding, postings)) if holding != company && connected.as_deref() != Some(company) => {
            if !switch {
                return Ok(Err(OtherCompany { target, holding, postings, reached: company.to_owned() }));
            }
            state.clear_adopted(target).await?;
            change.switched_from = Some((holding, postings));
        }
        // Postings older than the company column, and no company known to hold any: they went to
        // this company unless the user says otherwise (`--switch-company`).
        None if !switch => change.claimed = state.claim_unknown_postings(target, company).await?,
        _ => {}
    }
    Ok(Ok(change))
}

/// Whether `company` holds documents this state file did not post: asked only when this state file
/// has never posted to it nor asked it before (`None` otherwise, or when it cannot be asked; the
/// first post asks again either way).
pub async fn holds_unknown_documents(
    state: &StateFile,
    target: TargetKind,
    config: &TargetConfig,
    settings: OAuthSettings,
    company: &str,
) -> Result<Option<bool>, StateError> {
    if !state.adoption_due(target, company).await? {
        return Ok(None);
    }
    let tokens = TokenSource::new(settings, state.clone());
    let asked: Result<bool, TargetError> = match target {
        TargetKind::Qbo => {
            match crate::targets::qbo::client::QboClient::new(
                &config.api_base,
                company,
                tokens,
                Pause::real(),
            ) {
                Ok(client) => crate::targets::qbo::holds_journal_entries(&client).await,
                Err(e) => Err(e),
            }
        }
        TargetKind::Xero => {
            match crate::targets::xero::client::XeroClient::new(
                &config.api_base,
                company.to_owned(),
                tokens,
                Pause::real(),
            ) {
                Ok(client) => crate::targets::xero::lookup::holds_any(&client).await,
                Err(e) => Err(e),
            }
        }
    };
    match asked {
        Ok(holds) => Ok(Some(holds)),
        Err(e) => {
            tracing::warn!(target = %target, error = %e, "cannot ask the company whether it holds documents");
            Ok(None)
        }
    }
}
