//! Which book answers for each recorded entry in each target (issue 18), by the rules `post`
//! sends by (`state::BookScope`): an entry posted (or being posted, or refused) at a book's
//! company is that book's; a catch-up is the book of the company it is for; where one book posts
//! to the target it answers for everything; otherwise an adjustment goes with the entry it
//! corrects, and anything else to the book the mapping files route the property to now. So a
//! property moved between books leaves what was posted with the old book (compared with the old
//! company), and its new entries are the new book's.
//!
//! Pure: the caller reads the postings (every company's) and the connections.

use std::collections::{BTreeMap, HashMap};

use super::compare::{PostingRow, RecordedBody};
use crate::domain::BookName;
use crate::posting::outbox::PostingState;
use crate::targets::TargetKind;

/// A recorded entry's posting at one company of a target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompanyPosting {
    pub entry_key: String,
    pub target: TargetKind,
    /// QBO realm id, Xero tenant id; '' when not known.
    pub company_id: String,
    pub row: PostingRow,
}

/// The config's books.
#[derive(Debug, Clone, Default)]
pub struct Books {
    /// Per target, the books posting to it, with the company each is connected to (`None`: not
    /// connected).
    pub by_target: BTreeMap<TargetKind, Vec<(BookName, Option<String>)>>,
    /// The config names more than one book: each property posts only to its own book's
    /// companies (one book posting to a target is not every property's book).
    pub several: bool,
}

/// Per target, the book `routed` property's new entries go to: with one book, that book; with
/// several, the book the mapping files route it to if that book posts there, else none.
pub fn new_entries_to(books: &Books, routed: &BookName) -> BTreeMap<TargetKind, Option<BookName>> {
    books
        .by_target
        .iter()
        .map(|(target, of_target)| {
            let book = match (books.several, of_target.as_slice()) {
                (false, [(only, _)]) => Some(only.clone()),
                _ => of_target.iter().find(|(b, _)| b == routed).map(|(b, _)| b.clone()),
            };
            (*target, book)
        })
        .collect()
}

/// Sets each entry's `owners` and, per target, `postings` to its posting at the owner's company
/// (or, where no book answers for it, any posting, so that an entry a target may hold is never
/// taken for one no target does).
pub fn settle(
    entries: &mut [RecordedBody],
    postings: Vec<CompanyPosting>,
    books: &Books,
    new_entries_to: &BTreeMap<TargetKind, Option<BookName>>,
) {
    let mut by_entry: HashMap<String, Vec<CompanyPosting>> = HashMap::new();
    for posting in postings {
        by_entry.entry(posting.entry_key.clone()).or_default().push(posting);
    }
    let mut order: Vec<usize> = (0..entries.len()).collect();
    order.sort_by_key(|at| entries[*at].order);
    let mut settled: HashMap<String, BTreeMap<TargetKind, BookName>> = HashMap::new();
    for at in order {
        let entry = &mut entries[at];
        let own = by_entry.remove(&entry.key).unwrap_or_default();
        entry.owners.clear();
        entry.postings.clear();
        for (target, of_target) in &books.by_target {
            let at_target: Vec<&CompanyPosting> = own.iter().filter(|p| p.target == *target).collect();
            let company_book = |company: &str| {
                of_target.iter().find(|(_, c)| c.as_deref() == Some(company)).map(|(b, _)| b.clone())
            };
            let (owner, posting) = if !entry.for_target(*target) {
                (None, None)
            } else if let Some(company) = &entry.only_company {
                (company_book(company), best(at_target.iter().copied().filter(|p| &p.company_id == company)))
            } else if let Some(posting) =
                best(at_target.iter().copied().filter(|p| company_book(&p.company_id).is_some()))
            {
                (company_book(&posting.company_id), Some(posting))
            } else if let Some(corrected) = entry.corrects.as_ref().and_then(|k| settled.get(k)) {
                (corrected.get(target).cloned(), None)
            } else {
                (new_entries_to.get(target).cloned().flatten(), None)
            };
            let posting =
                posting.or_else(|| owner.is_none().then(|| best(at_target.iter().copied())).flatten());
            if let Some(owner) = owner {
                entry.owners.insert(*target, owner);
            }
            if let Some(posting) = posting {
                entry.postings.insert(*target, posting.row.clone());
            }
        }
        settled.insert(entry.key.clone(), entry.owners.clone());
    }
}

/// The posting that says most of where an entry is: confirmed, then one that may be held, then a
/// refused one.
fn best<'a>(postings: impl Iterator<Item = &'a CompanyPosting>) -> Option<&'a CompanyPosting> {
    postings.min_by_key(|p| match p.row.state {
        PostingState::Confirmed => 0,
        PostingState::Pending | PostingState::Uncertain => 1,
        PostingState::Failed => 2,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::drift::compare::tests::recorded_at;

    fn book(name: &str) -> BookName {
        BookName::new(name)
    }

    fn posting(key: &str, company: &str, state: PostingState) -> CompanyPosting {
        CompanyPosting {
            entry_key: key.into(),
            target: TargetKind::Qbo,
            company_id: company.into(),
            row: PostingRow {
                state,
                target_id: Some(format!("{company}-{key}")),
                target_date: None,
                error: None,
                held_lines: None,
            },
        }
    }

    fn two_books() -> Books {
        let qbo = vec![(book("owner-a"), Some("A".into())), (book("owner-b"), Some("B".into()))];
        Books { by_target: [(TargetKind::Qbo, qbo)].into_iter().collect(), several: true }
    }

    #[test]
    fn posted_entries_stay_with_their_company_and_new_ones_follow_the_route() {
        // prop moved from owner-a to owner-b: its posted entry and the adjustment correcting it
        // are owner-a's; an entry never sent is owner-b's.
        let books = two_books();
        let to = new_entries_to(&books, &book("owner-b"));
        let mut entries = vec![recorded_at("posted", 1), recorded_at("adjustment", 2), recorded_at("new", 3)];
        entries[1].corrects = Some("posted".into());
        settle(&mut entries, vec![posting("posted", "A", PostingState::Confirmed)], &books, &to);
        let owner = |e: &RecordedBody| e.owners.get(&TargetKind::Qbo).map(|b| b.to_string());
        assert_eq!(owner(&entries[0]).as_deref(), Some("owner-a"));
        assert_eq!(entries[0].confirmed_id(TargetKind::Qbo), Some("A-posted"));
        assert_eq!(owner(&entries[1]).as_deref(), Some("owner-a"), "the adjustment goes with its entry");
        assert_eq!(owner(&entries[2]).as_deref(), Some("owner-b"));
        assert!(entries[2].postings.is_empty());
    }

    #[test]
    fn a_posting_at_a_company_no_book_has_is_no_book_s_but_still_frozen() {
        let books = two_books();
        let to = new_entries_to(&books, &book("owner-c"));
        let mut entries = vec![recorded_at("old", 1)];
        settle(&mut entries, vec![posting("old", "Z", PostingState::Confirmed)], &books, &to);
        assert!(entries[0].owners.is_empty(), "no book answers for it");
        assert!(entries[0].frozen(), "a target holds it: never rewritten");
    }

    #[test]
    fn the_only_book_of_a_target_answers_only_for_its_own_properties() {
        // owner-b is the one book posting to Xero; owner-a's property is not its.
        let xero = vec![(book("owner-b"), Some("B".into()))];
        let books = Books { by_target: [(TargetKind::Xero, xero)].into_iter().collect(), several: true };
        assert_eq!(new_entries_to(&books, &book("owner-a"))[&TargetKind::Xero], None);
        assert_eq!(new_entries_to(&books, &book("owner-b"))[&TargetKind::Xero], Some(book("owner-b")));
    }

    #[test]
    fn one_book_answers_for_everything_of_its_target() {
        let qbo = vec![(book("default"), Some("A".into()))];
        let books = Books { by_target: [(TargetKind::Qbo, qbo)].into_iter().collect(), several: false };
        let to = new_entries_to(&books, &book("elsewhere"));
        let mut entries = vec![recorded_at("e", 1)];
        // A posting to an earlier company (before `connect --switch-company`) is not this one's.
        settle(&mut entries, vec![posting("e", "OLD", PostingState::Confirmed)], &books, &to);
        assert_eq!(entries[0].owners.get(&TargetKind::Qbo), Some(&book("default")));
        assert_eq!(entries[0].confirmed_id(TargetKind::Qbo), None, "not sent to this company");
    }
}
