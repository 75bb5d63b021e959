//! Which book a command works on (issue 18): `--books <name>`, or the one book that posts to the
//! target; and the rule that a company is one book's only.

use crate::config::Config;
use crate::domain::BookName;
use crate::state::{StateError, StateFile};
use crate::targets::TargetKind;

#[derive(Debug, thiserror::Error)]
pub enum BookError {
    #[error("recon.toml names no book `{name}` (it names {})", names(.known))]
    Unknown { name: BookName, known: Vec<BookName> },
    #[error("book `{name}` does not post to {target}: [books.{name}] has no `{target} = {{ ... }}`")]
    NotPosting { name: BookName, target: TargetKind },
    #[error("no book posts to {target}: add `{target} = {{}}` to a [books.<name>] in recon.toml")]
    NoneFor { target: TargetKind },
    #[error("several books post to {}: {}; name one with `--books <name>`", .target.name(), names(.books))]
    Several { target: TargetKind, books: Vec<BookName> },
    #[error(
        "{} company {company} is already book `{other}`'s: a company can be one book only \
         (disconnect it there first: `entrata-recon disconnect {target} --books {other}`)",
        .target.name()
    )]
    CompanyOfAnotherBook { target: TargetKind, company: String, other: BookName },
}

fn names(books: &[BookName]) -> String {
    books.iter().map(BookName::as_str).collect::<Vec<_>>().join(", ")
}

/// Refuses a `--books` name recon.toml does not name (`known`: the books it names).
pub fn check_named<'a>(
    known: impl IntoIterator<Item = &'a BookName> + Clone,
    named: &[BookName],
) -> Result<(), BookError> {
    match named.iter().find(|n| !known.clone().into_iter().any(|k| k == *n)) {
        Some(name) => {
            Err(BookError::Unknown { name: name.clone(), known: known.into_iter().cloned().collect() })
        }
        None => Ok(()),
    }
}

/// The book `wanted` names, or, with none named, the one book posting to `target`.
pub fn book_for(
    config: &Config,
    target: TargetKind,
    wanted: Option<&BookName>,
) -> Result<BookName, BookError> {
    if let Some(name) = wanted {
        let Some(book) = config.books.get(name) else {
            return Err(BookError::Unknown {
                name: name.clone(),
                known: config.books.keys().cloned().collect(),
            });
        };
        if !book.posts_to(target) {
            return Err(BookError::NotPosting { name: name.clone(), target });
        }
        return Ok(name.clone());
    }
    let posting: Vec<BookName> =
        config.books.values().filter(|b| b.posts_to(target)).map(|b| b.name.clone()).collect();
    match <[BookName; 1]>::try_from(posting) {
        Ok([only]) => Ok(only),
        Err(none) if none.is_empty() => Err(BookError::NoneFor { target }),
        Err(books) => Err(BookError::Several { target, books }),
    }
}

/// The book other than `book` that is connected to `company` in `target`, if any.
pub async fn company_of_another_book(
    state: &StateFile,
    target: TargetKind,
    book: &BookName,
    company: &str,
) -> Result<Option<BookName>, StateError> {
    Ok(state
        .connected_books()
        .await?
        .into_iter()
        .find(|(t, b, c)| *t == target && b != book && c == company)
        .map(|(_, other, _)| other))
}
