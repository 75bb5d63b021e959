//! How the pull from Entrata's own API writes what it read: an item keeps its stored text while its
//! content is the same, and a charge or deposit a window read to its end no longer lists is written
//! again as deleted.

use std::collections::BTreeMap;

use chrono::{NaiveDate, SecondsFormat};

use super::{Ctx, PullError, StateSink};
use crate::domain::ItemKind;
use crate::source::convert::classify;
use crate::source::entrata_api::translate::Draft;
use crate::source::pager::PageItems;
use crate::state::PageOutcome;

/// What the state file holds of one kind for one property: each item's raw text by id.
pub(super) type Stored = BTreeMap<String, String>;

/// The part of one of our raw items before its `updatedAt`.
fn content_of(raw: &str) -> Option<&str> {
    raw.rfind(",\"updatedAt\":\"").map(|at| &raw[..at])
}

pub(super) fn field(raw: &str, name: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(raw).ok()?;
    value.get(name)?.as_str().map(str::to_owned)
}

impl Ctx<'_> {
    /// Writes one kind's items for a scope: an item whose content is what the state file holds
    /// keeps its stored text (and `updatedAt`); a new or changed one is stamped with this pull's
    /// time; each id in `deleted` is written again with `status: deleted`.
    pub(super) async fn write(
        &self,
        kind: ItemKind,
        property: Option<&str>,
        stored: &Stored,
        drafts: Vec<Draft>,
        deleted: &[(String, String)],
    ) -> Result<PageOutcome, PullError> {
        let stamp = format!(",\"updatedAt\":\"{}\"}}", self.now.to_rfc3339_opts(SecondsFormat::Millis, true));
        let mut texts: Vec<String> = drafts
            .into_iter()
            .map(|d| match stored.get(&d.id) {
                Some(raw) if content_of(raw) == Some(d.body.as_str()) => raw.clone(),
                _ => format!("{}{stamp}", d.body),
            })
            .collect();
        for (_, raw) in deleted {
            if let Some(content) = content_of(raw) {
                texts.push(format!(
                    "{}{stamp}",
                    content.replace("\"status\":\"posted\"", "\"status\":\"deleted\"")
                ));
            }
        }
        let items = texts
            .into_iter()
            .map(|raw| {
                let classified = classify(kind, &raw, property);
                (raw, classified)
            })
            .collect();
        let mut sink = StateSink {
            writer: self.writer,
            state: self.state,
            kind,
            scope: property.unwrap_or("*").to_owned(),
            outcome: PageOutcome::default(),
            progress: self.progress,
        };
        use crate::source::pager::PageSink as _;
        sink.accept(PageItems { items, watermark: Some(self.now), total: None }).await?;
        Ok(sink.outcome)
    }
}

/// The `paymentIds` of one of our stored deposits.
pub(super) fn listed_payments(raw: &str) -> Vec<String> {
    let value: serde_json::Value = serde_json::from_str(raw).unwrap_or_default();
    value["paymentIds"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p.as_str().map(str::to_owned))
        .collect()
}

/// The stored items (still posted) that a window read to its end no longer lists: those dated
/// on or after `start` (all of them when the whole history was read).
pub(super) fn gone(
    stored: &Stored,
    listed: impl Fn(&str) -> bool,
    start: Option<NaiveDate>,
    date_field: &str,
    fallback_field: &str,
) -> Vec<(String, String)> {
    stored
        .iter()
        .filter(|(id, raw)| !listed(id.as_str()) && raw.contains("\"status\":\"posted\""))
        .filter(|(_, raw)| match start {
            None => true,
            Some(start) => field(raw, date_field)
                .or_else(|| field(raw, fallback_field))
                .and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok())
                .is_some_and(|d| d >= start),
        })
        .map(|(id, raw)| (id.clone(), raw.clone()))
        .collect()
}
