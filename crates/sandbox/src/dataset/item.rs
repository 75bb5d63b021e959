//! One served item: its raw JSON text plus what the server needs to order, index and filter it.

use chrono::{DateTime, SecondsFormat, Utc};

use super::check::Checked;
use super::raw::as_str;
use super::schema::EntrataKind;

/// An Entrata item as the sandbox serves it. `raw` is the exact JSON text the client receives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub kind: EntrataKind,
    pub id: Box<str>,
    /// The property the item is listed under: its own id for a property, empty for an AR code.
    pub property_id: Box<str>,
    /// The `updatedAt` instant that orders the item, in nanoseconds since the Unix epoch.
    pub updated_ns: i64,
    pub raw: Box<str>,
    /// `status` and `postMonth` when they are strings, for list filters.
    pub status: Option<Box<str>>,
    pub post_month: Option<Box<str>>,
}

/// Where an item's `updatedAt` comes from.
#[derive(Debug, Clone, Copy)]
pub enum UpdatedAt {
    /// Loading a dataset: keep the item's own `updatedAt`. An item without one gets the load
    /// time written into it; an item whose `updatedAt` is null or not ISO 8601 is served as
    /// written and ordered as if updated at the load time.
    AsWritten { load_time: DateTime<Utc> },
    /// An upsert or a create: `updatedAt` is set to this instant, in place or appended.
    Bump(DateTime<Utc>),
}

impl Item {
    /// Builds the served item from a checked object whose `id` is known to be present.
    pub(crate) fn from_checked(
        kind: EntrataKind,
        checked: &Checked<'_>,
        text: &str,
        id: String,
        updated: UpdatedAt,
    ) -> Item {
        let property_id = match kind {
            EntrataKind::Properties => id.clone(),
            EntrataKind::ArCodes => String::new(),
            _ => checked.text("propertyId").unwrap_or_default(),
        };
        let (raw, updated_ns) = match updated {
            UpdatedAt::Bump(now) => {
                (checked.object.with_field("updatedAt", &timestamp_json(now)), nanos(now))
            }
            UpdatedAt::AsWritten { load_time } => match checked.object.get("updatedAt") {
                None => {
                    (checked.object.with_field("updatedAt", &timestamp_json(load_time)), nanos(load_time))
                }
                Some(value) => {
                    let parsed = as_str(value).and_then(|s| parse_instant(&s));
                    (text.trim().to_owned(), parsed.unwrap_or_else(|| nanos(load_time)))
                }
            },
        };
        Item {
            kind,
            id: id.into(),
            property_id: property_id.into(),
            updated_ns,
            raw: raw.into(),
            status: checked.text("status").map(Into::into),
            post_month: checked.text("postMonth").map(Into::into),
        }
    }

    /// The key items are listed in: `updatedAt` as an instant, then id.
    pub fn sort_key(&self) -> (i64, &str) {
        (self.updated_ns, &self.id)
    }
}

/// An ISO 8601 timestamp with offset (fractional seconds allowed) as nanoseconds since the epoch.
pub fn parse_instant(text: &str) -> Option<i64> {
    DateTime::parse_from_rfc3339(text).ok().and_then(|t| t.timestamp_nanos_opt())
}

pub fn nanos(at: DateTime<Utc>) -> i64 {
    // Out of range only after the year 2262.
    at.timestamp_nanos_opt().unwrap_or(i64::MAX)
}

/// The sandbox's own timestamps: UTC, millisecond precision (`2026-02-01T10:00:00.123Z`).
pub fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn timestamp_json(at: DateTime<Utc>) -> String {
    format!("\"{}\"", timestamp(at))
}

/// Truncates to the precision `timestamp` writes, so an item's order key equals its served text.
pub fn truncate_to_millis(at: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(at.timestamp_millis()).unwrap_or(at)
}
