//! What the `ManualJournals` and `BankTransactions` handlers share (issue 17: they were near
//! copies): the three ways a write names its document (`Mode`), the read lag a fault rule put on
//! it, the `PUT`/`POST` handlers, and reading the list or one document back (`list`, `get_one`),
//! which differ only in the list's name, where its documents are kept and how one is shown.

use std::sync::Arc;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde::ser::SerializeMap;

use super::books::Books;
use super::filter::Record;
use super::lists::ListQuery;
use super::wire::{envelope, not_found, to_json};
use super::{InTenant, Organisation, XeroShared};
use crate::faults::{EditFirstListed, ReadLag};
use crate::locks::lock;

/// How a write names the document each element writes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode<'a> {
    /// `PUT`: every element is a new document.
    Create,
    /// `POST` to the list: an element carrying an id updates that document, else it is new.
    CreateOrUpdate,
    /// `POST` to one document's path.
    Update(&'a str),
}

impl<'a> Mode<'a> {
    /// The document an element writes to, given the id it carries: none (a new one), that id, or
    /// the path's.
    pub(super) fn target(self, element_id: Option<&'a str>) -> Option<&'a str> {
        match self {
            Mode::Create => None,
            Mode::CreateOrUpdate => element_id.filter(|id| !id.trim().is_empty()),
            Mode::Update(id) => Some(id),
        }
    }
}

/// The read lag a `visible_after_ms` fault rule put on the request.
type Lag = Option<Extension<ReadLag>>;

/// An `edit_first_listed` fault rule's mark on the request.
type EditListed = Option<Extension<EditFirstListed>>;

/// A list of documents the connector writes and reads back.
pub(super) trait Listed: Record + Sized + 'static {
    /// The list's name in paths and answers (`ManualJournals`).
    const LIST: &'static str;
    type View<'a>: Serialize;

    /// Checks and saves a write's elements in the organisation's books, and answers it.
    fn write(
        shared: &XeroShared,
        organisation: &Organisation,
        uri: &Uri,
        body: &[u8],
        mode: Mode<'_>,
        lag: Option<ReadLag>,
    ) -> Response;
    /// The documents a read may see now (a lagging write is not yet visible).
    fn visible(books: &Books, now: DateTime<Utc>) -> Vec<&Self>;
    fn find<'b>(books: &'b Books, id: &str) -> Option<&'b Self>;
    fn find_mut<'b>(books: &'b mut Books, id: &str) -> Option<&'b mut Self>;
    fn id(&self) -> &str;
    fn updated_at(&self) -> DateTime<Utc>;
    fn set_updated_at(&mut self, at: DateTime<Utc>);
    /// The document as a read shows it, with its lines or not.
    fn saved_view(&self, with_lines: bool) -> Self::View<'_>;
}

pub async fn put<D: Listed>(
    State(shared): State<Arc<XeroShared>>,
    Extension(organisation): InTenant,
    uri: Uri,
    lag: Lag,
    body: Bytes,
) -> Response {
    D::write(&shared, &organisation, &uri, &body, Mode::Create, lag.map(|Extension(lag)| lag))
}

pub async fn post<D: Listed>(
    State(shared): State<Arc<XeroShared>>,
    Extension(organisation): InTenant,
    uri: Uri,
    lag: Lag,
    body: Bytes,
) -> Response {
    D::write(&shared, &organisation, &uri, &body, Mode::CreateOrUpdate, lag.map(|Extension(lag)| lag))
}

pub async fn post_one<D: Listed>(
    State(shared): State<Arc<XeroShared>>,
    Extension(organisation): InTenant,
    Path(id): Path<String>,
    uri: Uri,
    lag: Lag,
    body: Bytes,
) -> Response {
    D::write(&shared, &organisation, &uri, &body, Mode::Update(&id), lag.map(|Extension(lag)| lag))
}

/// `{"ManualJournals": [...]}`: a list's documents under its name, beside the envelope's members.
pub(super) struct Listing<T> {
    pub name: &'static str,
    pub items: Vec<T>,
}

impl<T: Serialize> Serialize for Listing<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(1))?;
        map.serialize_entry(self.name, &self.items)?;
        map.end()
    }
}

pub async fn list<D: Listed>(
    State(shared): State<Arc<XeroShared>>,
    Extension(organisation): InTenant,
    headers: HeaderMap,
    uri: Uri,
    edit: EditListed,
) -> Response {
    let query = match ListQuery::read(&headers, &uri, "UpdatedDateUTC ASC") {
        Ok(query) => query,
        Err(failure) => return failure.into_response(),
    };
    let mut books = lock(&organisation.books);
    let (selected, pagination) =
        match query.apply(D::visible(&books, shared.clock.now()).into_iter(), D::updated_at) {
            Ok(selected) => selected,
            Err(failure) => return failure.into_response(),
        };
    let first = selected.first().map(|r| r.id().to_owned());
    let with_lines = query.page.is_some();
    let items = selected.into_iter().map(|d| d.saved_view(with_lines)).collect();
    let answer =
        to_json(StatusCode::OK, &envelope(shared.clock.now(), pagination, Listing { name: D::LIST, items }));
    // Someone else saves the first record listed before the client asks for its next page.
    if let (Some(_), Some(id)) = (edit, first) {
        let now = shared.clock.bump_time();
        if let Some(record) = D::find_mut(&mut books, &id) {
            record.set_updated_at(now);
            tracing::info!(id = %id, "Xero record edited by someone else between two list requests");
        }
    }
    answer
}

pub async fn get_one<D: Listed>(
    State(shared): State<Arc<XeroShared>>,
    Extension(organisation): InTenant,
    Path(id): Path<String>,
) -> Response {
    let books = lock(&organisation.books);
    match D::find(&books, &id).filter(|found| books.is_visible(found.id(), shared.clock.now())) {
        Some(found) => {
            let items = vec![found.saved_view(true)];
            to_json(StatusCode::OK, &envelope(shared.clock.now(), None, Listing { name: D::LIST, items }))
        }
        None => not_found(),
    }
}
