//! Walks one Entrata list from a start time to its end without skipping or repeating items,
//! although Entrata computes pages at request time (an item updated while we page moves to the
//! end, so plain offset paging can skip or repeat).
//!
//! The walk is keyset paging emulated with the `updatedFrom` filter: always ask for page 1 of
//! "updated at or after the cursor", skip what was already seen at the cursor's instant, move the
//! cursor to the last item's `updatedAt`. An updated item gets a later `updatedAt`, so it reappears
//! ahead of the cursor instead of shifting what we have not read yet. When more items share one
//! instant than fit a page, the walk pages by offset inside the closed window
//! `[instant, instant + 1 µs)`, which items can only leave (their `updatedAt` moves on); when the
//! window's `total` shrinks, the window is read again from its first page.

use std::collections::HashSet;

use chrono::{DateTime, Duration as ChronoDuration, SecondsFormat, Utc};

use super::client::{EntrataClient, SourceError};
use super::convert::{Classified, classify};
use super::wire::ListPage;
use crate::domain::ItemKind;

/// Pages one list may take before we stop and say so (1,000 per page: a billion items).
const PAGES_MAX: u64 = 1_000_000;
/// Times one page is asked for while it comes back as something other than a list page.
const MALFORMED_ATTEMPTS: u32 = 3;
const MALFORMED_PAUSE: std::time::Duration = std::time::Duration::from_millis(500);

#[derive(Debug, Clone)]
pub struct ListRequest {
    pub kind: ItemKind,
    /// Path under the base URL, e.g. `/properties/prop_1/charges`.
    pub path: String,
    /// The property the list belongs to, for per-property kinds.
    pub property_id: Option<String>,
    /// Items updated at or after this instant; `None`: the whole list.
    pub start: Option<DateTime<Utc>>,
    pub page_size: u32,
}

/// One page's worth of items, in list order, and how far the list is now covered.
#[derive(Debug)]
pub struct PageItems {
    /// Each item's raw JSON and what it converts to.
    pub items: Vec<(String, Classified)>,
    /// Every item updated before this instant has been delivered.
    pub watermark: Option<DateTime<Utc>>,
    /// The list's `total` for the current query, for progress.
    pub total: Option<u64>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListStats {
    pub requests: u64,
    pub delivered: u64,
    /// Items the list sent again that this walk had already delivered.
    pub repeats_skipped: u64,
}

/// Sink for pages; returning `Err` stops the walk (the writer failed).
pub trait PageSink {
    type Error;
    fn accept(
        &mut self,
        page: PageItems,
    ) -> impl std::future::Future<Output = Result<(), Self::Error>> + Send;
}

#[derive(Debug, thiserror::Error)]
pub enum WalkError<E> {
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error("{0}")]
    Sink(E),
}

enum Mode {
    /// Page 1 of `updatedFrom = cursor`.
    Keyset,
    /// Offset paging inside `[cursor, cursor + 1 µs)`.
    Tie { page: u64, total: Option<u64> },
}

pub async fn walk<S: PageSink + Send>(
    client: &EntrataClient,
    request: &ListRequest,
    sink: &mut S,
) -> Result<ListStats, WalkError<S::Error>> {
    let mut stats = ListStats::default();
    let mut cursor = request.start;
    // Ids delivered whose updatedAt equals the cursor: the next page 1 starts with them again.
    let mut seen_at_cursor: HashSet<String> = HashSet::new();
    let mut mode = Mode::Keyset;
    let mut malformed_in_a_row = 0;
    let page_size = u64::from(request.page_size);
    loop {
        if stats.requests >= PAGES_MAX {
            return Err(SourceError::Malformed {
                path: request.path.clone(),
                message: format!("still paging after {PAGES_MAX} pages; stopping"),
            }
            .into());
        }
        let mut query = vec![("pageSize", request.page_size.to_string())];
        let page_number = match &mode {
            Mode::Keyset => 1,
            Mode::Tie { page, .. } => *page,
        };
        query.push(("page", page_number.to_string()));
        if let Some(from) = cursor {
            query.push(("updatedFrom", format_instant(from)));
            if let Mode::Tie { .. } = mode {
                query.push(("updatedTo", format_instant(from + ChronoDuration::microseconds(1))));
            }
        }
        let body = client.get(&request.path, &query).await?;
        stats.requests += 1;
        let page = match parse_page(body, request, page_number).await {
            Ok(page) => {
                malformed_in_a_row = 0;
                page
            }
            // A proxy's error page or a cut-off body: ask again a few times before giving up.
            Err(SourceError::Malformed { message, .. }) if malformed_in_a_row + 1 < MALFORMED_ATTEMPTS => {
                malformed_in_a_row += 1;
                tracing::warn!(path = %request.path, %message, "malformed list page; asking again");
                tokio::time::sleep(MALFORMED_PAUSE * malformed_in_a_row).await;
                continue;
            }
            Err(SourceError::Malformed { path, message }) => {
                return Err(SourceError::Malformed {
                    path,
                    message: format!(
                        "page {page_number} is not a list page after {MALFORMED_ATTEMPTS} attempts ({message})"
                    ),
                }
                .into());
            }
            Err(e) => return Err(e.into()),
        };
        let n_items = page.items.len() as u64;
        let full = n_items >= page_size;

        if let Mode::Tie { total: Some(before), .. } = mode
            && page.total.is_some_and(|now| now < before)
        {
            // Something left the window while we paged it: offsets shifted. Read it again.
            mode = Mode::Tie { page: 1, total: page.total };
            continue;
        }

        let mut delivered = Vec::with_capacity(page.items.len());
        let mut last_instant: Option<DateTime<Utc>> = None;
        for (raw, classified) in page.items {
            if let Some(at) = classified.updated_at {
                last_instant = Some(last_instant.map_or(at, |l| l.max(at)));
                if Some(at) == cursor && seen_at_cursor.contains(&classified.item_id) {
                    stats.repeats_skipped += 1;
                    continue;
                }
            }
            delivered.push((raw, classified));
        }

        // Where the walk goes next.
        let advanced = match (last_instant, cursor) {
            (Some(last), Some(c)) => last > c,
            (Some(_), None) => true,
            (None, _) => false,
        };
        let done = if let (true, Some(last)) = (advanced, last_instant) {
            seen_at_cursor.clear();
            seen_at_cursor.extend(
                delivered.iter().filter(|(_, c)| c.updated_at == Some(last)).map(|(_, c)| c.item_id.clone()),
            );
            cursor = Some(last);
            mode = Mode::Keyset;
            !full
        } else {
            seen_at_cursor.extend(
                delivered
                    .iter()
                    .filter(|(_, c)| c.updated_at.is_some() && c.updated_at == cursor)
                    .map(|(_, c)| c.item_id.clone()),
            );
            match (&mode, full) {
                // A full page that did not move the cursor: more items share this instant than fit
                // a page (or none carry a usable updatedAt). Page through the instant's window.
                (Mode::Keyset, true) => {
                    mode = Mode::Tie { page: 1, total: None };
                    false
                }
                (Mode::Keyset, false) => true,
                (Mode::Tie { page: number, .. }, true) => {
                    mode = Mode::Tie { page: number + 1, total: page.total };
                    false
                }
                // The window is exhausted: continue after it (without a cursor there is no window,
                // the whole list was offset-paged and is done).
                (Mode::Tie { .. }, false) => match cursor {
                    Some(c) => {
                        cursor = Some(c + ChronoDuration::microseconds(1));
                        seen_at_cursor.clear();
                        mode = Mode::Keyset;
                        false
                    }
                    None => true,
                },
            }
        };

        stats.delivered += delivered.len() as u64;
        // Items at the cursor may continue on the next page, so the watermark is the cursor itself
        // (inclusive restarts re-read them; the content hash makes that harmless).
        let watermark = cursor;
        sink.accept(PageItems { items: delivered, watermark, total: page.total })
            .await
            .map_err(WalkError::Sink)?;
        if done {
            return Ok(stats);
        }
    }
}

/// A page's items, raw and classified, and the list's `total`.
struct ParsedPage {
    items: Vec<(String, Classified)>,
    total: Option<u64>,
}

/// Parses and classifies one page on the blocking pool. Hashing and converting a thousand items
/// is milliseconds of CPU: done inline, it would run on the one task that polls every list of the
/// pull (`buffer_unordered` does not spawn), which then also stalls their requests and writes.
async fn parse_page(
    body: Vec<u8>,
    request: &ListRequest,
    page_number: u64,
) -> Result<ParsedPage, SourceError> {
    let kind = request.kind;
    let listed_under = request.property_id.clone();
    let parsed = crate::blocking::run(move || {
        let page: ListPage<'_> = serde_json::from_slice(&body)?;
        let items = page
            .items
            .iter()
            .map(|raw| (raw.get().to_owned(), classify(kind, raw.get(), listed_under.as_deref())))
            .collect();
        Ok::<_, serde_json::Error>(ParsedPage { items, total: page.total })
    })
    .await;
    let malformed = |message: String| SourceError::Malformed { path: request.path.clone(), message };
    match parsed {
        Ok(Ok(page)) => Ok(page),
        Ok(Err(e)) => Err(malformed(format!("page {page_number}: {e}"))),
        Err(e) => Err(malformed(format!("page {page_number}: not classified: {e}"))),
    }
}

/// RFC 3339 UTC with microseconds, as sent in `updatedFrom`/`updatedTo`.
pub fn format_instant(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}
