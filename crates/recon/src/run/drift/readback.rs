//! Each target's side: what it holds from the connector now, read at the cost of what changed.
//!
//! The state file keeps what the target held at the last comparison (`drift_held`) and when, in
//! the target's clock (`drift_reads`). The next comparison asks only for what changed since then,
//! less a margin (a document saved while the last read was answered carries a time just before
//! it), and lays the changes over the snapshot. A full read replaces the snapshot: on `--full`,
//! the first comparison, another company, a last comparison past QuickBooks' 30-day look-back,
//! when the target cannot answer with changes, and when a confirmed entry was never seen (a
//! snapshot that cannot be trusted is rebuilt, never guessed from).
//!
//! After a full read, a confirmed document the target no longer shows is kept as deleted, so that
//! later reads of changes need not look for it again.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, TimeDelta, Utc};

use super::DriftError;
use crate::config::Config;
use crate::domain::BookName;
use crate::drift::held::ReadBack;
use crate::drift::{HeldEntry, ReadMode, TargetRead};
use crate::http::Pause;
use crate::posting::TargetError;
use crate::run::connect::oauth_settings_for;
use crate::state::StateFile;
use crate::targets::TargetKind;
use crate::targets::oauth::TokenSource;
use crate::targets::qbo::client::QboClient;
use crate::targets::qbo::readback::CDC_LOOK_BACK;
use crate::targets::xero::client::XeroClient;

/// How far before the last comparison a read of changes starts.
pub const MARGIN: TimeDelta = TimeDelta::minutes(5);

/// A connected target to read.
pub struct Connected {
    pub target: TargetKind,
    pub book: BookName,
    pub company_id: String,
    pub company_name: Option<String>,
}

enum Client {
    Qbo(QboClient),
    Xero(XeroClient),
}

impl Client {
    async fn read(
        &self,
        since: Option<DateTime<Utc>>,
        keep: &dyn Fn(&str, Option<&str>) -> bool,
    ) -> Result<ReadBack, TargetError> {
        match self {
            Client::Qbo(client) => crate::targets::qbo::readback::read_back(client, since, keep).await,
            Client::Xero(client) => crate::targets::xero::readback::read_back(client, since, keep).await,
        }
    }
}

/// Reads `connected` back, keeps the snapshot, and returns what it holds by target id.
pub(super) async fn read_target(
    config: &Config,
    state: &StateFile,
    connected: &Connected,
    full: bool,
    pause: &Pause,
) -> Result<(TargetRead, HashMap<String, HeldEntry>), DriftError> {
    let target = connected.target;
    let failed = |e: TargetError| DriftError::Target { target, message: e.to_string() };
    let (target_config, mut settings) = oauth_settings_for(config, target, connected.book.clone())
        .map_err(|e| DriftError::Target { target, message: e.to_string() })?;
    settings.pause = pause.clone();
    let tokens = TokenSource::new(settings, state.clone());
    let client = match target {
        TargetKind::Qbo => Client::Qbo(
            QboClient::new(&target_config.api_base, &connected.company_id, tokens, pause.clone())
                .map_err(failed)?,
        ),
        TargetKind::Xero => Client::Xero(
            XeroClient::new(&target_config.api_base, connected.company_id.clone(), tokens, pause.clone())
                .map_err(failed)?,
        ),
    };

    let company = connected.company_id.as_str();
    let previous = state.drift_read(target, company).await?;
    let mut held = match previous {
        Some(_) => state.drift_held(target, company).await?,
        None => HashMap::new(),
    };
    let confirmed = state.confirmed_target_ids(target, company).await?;
    let (since, mut reason) = match &previous {
        _ if full => (None, Some("asked for (--full)".to_owned())),
        None => (None, Some("first comparison with this company".to_owned())),
        Some(p) => {
            let since = p.compared_at - MARGIN;
            if target == TargetKind::Qbo && Utc::now() - since > CDC_LOOK_BACK {
                (None, Some("the last comparison is older than Change Data Capture's 30 days".to_owned()))
            } else {
                (Some(since), None)
            }
        }
    };
    let known: HashSet<String> = confirmed.iter().chain(held.keys()).cloned().collect();
    let keep = |id: &str, key: Option<&str>| key.is_some() || known.contains(id);
    let mut read = client.read(since, &keep).await.map_err(failed)?;
    reason = read.reason.clone().or(reason);
    let mut calls = read.calls;
    if !read.full {
        for doc in read.documents.iter().cloned() {
            held.insert(doc.target_id.clone(), doc);
        }
        let unseen = confirmed.iter().filter(|id| !held.contains_key(*id)).count();
        if unseen > 0 {
            tracing::info!(%target, unseen, "confirmed entries the last comparison never saw; reading everything");
            read = client.read(None, &keep).await.map_err(failed)?;
            calls += read.calls;
            reason = Some(format!("{unseen} confirmed entries were never seen by a comparison"));
        }
    }
    let documents_read = read.documents_read;
    let to_save: Vec<HeldEntry> = if read.full {
        held = read.documents.into_iter().map(|d| (d.target_id.clone(), d)).collect();
        for id in &confirmed {
            held.entry(id.clone()).or_insert_with(|| HeldEntry::deleted(id.clone(), None));
        }
        held.values().cloned().collect()
    } else {
        read.documents
    };
    state.save_drift_read(target, &connected.company_id, read.compared_at, read.full, &to_save).await?;
    let info = TargetRead {
        target,
        book: connected.book.clone(),
        company_id: connected.company_id.clone(),
        company_name: connected.company_name.clone(),
        mode: if read.full { ReadMode::Full } else { ReadMode::Changes },
        reason: if read.full { reason } else { None },
        since: if read.full { None } else { since },
        compared_at: read.compared_at,
        documents_read,
        documents_held: held.len(),
        calls,
    };
    tracing::info!(%target, book = %connected.book, mode = info.mode.as_str(), calls, documents_read, "read back");
    Ok((info, held))
}
