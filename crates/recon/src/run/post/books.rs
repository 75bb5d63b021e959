//! Where a post sends (issue 18): one destination per book posting to a target, its connection,
//! and, where several books post to one target, each company's share of the outbox.

use std::sync::Arc;

use super::PostRunError;
use crate::config::Config;
use crate::domain::BookName;
use crate::mapping::MappingSet;
use crate::state::{BookScope, StateFile};
use crate::targets::TargetKind;

/// The company a target posts to (id, name), connecting a Xero custom connection on first use;
/// `None` when the target needs `connect` first.
pub(super) async fn connection_for(
    config: &Config,
    state: &StateFile,
    target: TargetKind,
    book: &BookName,
    dry_run: bool,
) -> Result<Option<(String, Option<String>)>, PostRunError> {
    let uses_credentials =
        config.targets.get(&target).is_some_and(|t| t.auth == crate::config::TargetAuth::ClientCredentials);
    Ok(match state.connection(target, book).await? {
        Some(connection) => Some((connection.company_id, connection.company_name)),
        // A Xero custom connection needs no `connect`: its client credentials are enough.
        None if uses_credentials && dry_run => Some((String::new(), None)),
        None if uses_credentials => {
            let options =
                crate::run::connect::ConnectOptions { book: Some(book.clone()), ..Default::default() };
            let made = crate::run::connect::connect(config, state, target, &options, &mut |_| {}).await?;
            Some((made.company_id, made.company_name))
        }
        None => None,
    })
}

/// One book's company in one target: where a post sends (issue 18).
#[derive(Debug, Clone)]
pub(super) struct Destination {
    pub(super) target: TargetKind,
    pub(super) book: BookName,
    pub(super) company_id: String,
    pub(super) company_name: Option<String>,
    /// The book's share of the target's outbox, when the config names several books.
    pub(super) scope: Option<Arc<BookScope>>,
}

impl Destination {
    pub(super) fn key(&self) -> (TargetKind, BookName) {
        (self.target, self.book.clone())
    }

    pub(super) fn label(&self) -> String {
        label(self.target, &self.book)
    }
}

/// The target's name, with the book's when it is not the default (`QuickBooks Online (owner-a)`).
pub(super) fn label(target: TargetKind, book: &BookName) -> String {
    if book.is_default() { target.name().to_owned() } else { format!("{} ({book})", target.name()) }
}

/// Whether `a` and `b` could be sent the same entry, so that what one company is found holding
/// could change what the other is sent (an adoption). Two companies of one target never are: an
/// entry goes to one company per target. Companies of two targets are when one posts every
/// property (the config's one book), when they are one book's, or when their books' routed
/// properties meet.
pub(super) fn may_share(a: &Destination, b: &Destination) -> bool {
    if a.target == b.target {
        return false;
    }
    match (&a.scope, &b.scope) {
        (None, _) | (_, None) => true,
        _ if a.book == b.book => true,
        (Some(x), Some(y)) => x.properties.iter().any(|p| y.properties.contains(p)),
    }
}

/// With several books, each destination's share of its target's outbox: the properties the
/// mapping files route to its book (a book that is the target's only one still gets only its
/// own), and the companies of the target's other books.
pub(super) async fn scope_books(
    config: &Config,
    state: &StateFile,
    mappings: &MappingSet,
    connections: &mut [Destination],
) -> Result<(), PostRunError> {
    // With several books, a property posts only to its own book's companies, even where one book
    // is the only one posting to the target.
    if config.books.len() < 2 {
        return Ok(());
    }
    for to in connections.iter_mut() {
        let routed = |p: &str| mappings.for_property(&crate::domain::PropertyId::new(p)).book == to.book;
        to.scope = Some(Arc::new(state.book_scope(to.target, &to.book, routed).await?));
    }
    Ok(())
}

/// With several books, each book (of those asked for) that names no company in one of `targets`
/// and has properties with recorded entries: nothing of theirs is posted to that target.
pub(super) async fn posted_nowhere(
    config: &Config,
    state: &StateFile,
    mappings: &MappingSet,
    targets: &[TargetKind],
    chosen: &dyn Fn(&BookName) -> bool,
) -> Result<Vec<super::PostedNowhere>, PostRunError> {
    let mut out = Vec::new();
    if config.books.len() < 2 {
        return Ok(out);
    }
    let recorded = state.recorded_properties().await?;
    // A target no book posts to is reported stopped already.
    for target in targets.iter().filter(|t| config.books.values().any(|b| b.posts_to(**t))) {
        for book in config.books.values().filter(|b| !b.posts_to(*target) && chosen(&b.name)) {
            let routed = |p: &&String| {
                mappings.for_property(&crate::domain::PropertyId::new(p.as_str())).book == book.name
            };
            let properties: Vec<String> = recorded.iter().filter(routed).cloned().collect();
            if !properties.is_empty() {
                out.push(super::PostedNowhere { target: *target, book: book.name.clone(), properties });
            }
        }
    }
    Ok(out)
}

pub(super) fn for_book(book: &BookName) -> String {
    if book.is_default() { String::new() } else { format!(" for book {book}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn to(target: TargetKind, book: &str, properties: Option<&[&str]>) -> Destination {
        Destination {
            target,
            book: BookName::new(book),
            company_id: format!("{target}-{book}"),
            company_name: None,
            scope: properties.map(|p| {
                Arc::new(BookScope {
                    properties: p.iter().map(|s| (*s).to_owned()).collect(),
                    other_companies: Vec::new(),
                })
            }),
        }
    }

    #[test]
    fn only_companies_that_could_be_sent_one_entry_wait_for_each_other() {
        use TargetKind::{Qbo, Xero};
        // Two companies of one target never share an entry.
        assert!(!may_share(&to(Qbo, "a", Some(&["p1"])), &to(Qbo, "b", Some(&["p2"]))));
        assert!(!may_share(&to(Qbo, "a", None), &to(Qbo, "a", None)));
        // One book's QuickBooks and Xero do; so does a target's only book with every other.
        assert!(may_share(&to(Qbo, "a", Some(&["p1"])), &to(Xero, "a", Some(&["p1"]))));
        assert!(may_share(&to(Qbo, "a", Some(&["p1"])), &to(Xero, "only", None)));
        // Two books' companies of two targets, only where their properties meet.
        assert!(!may_share(&to(Qbo, "a", Some(&["p1"])), &to(Xero, "b", Some(&["p2"]))));
        assert!(may_share(&to(Qbo, "a", Some(&["p1", "p2"])), &to(Xero, "b", Some(&["p2"]))));
    }
}
