//! The portfolio mapping and every property's merged mapping, built from the files' text.
//!
//! Every file is read and every merge checked before anything is returned, so that one run shows
//! every mistake in every file.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::domain::AccountName;
use crate::domain::{BookName, PropertyId};
use crate::mapping::diagnostic::nearest;
use crate::mapping::diagnostic::{Diagnostic, LineIndex, MappingErrors};
use crate::mapping::layer::{FileId, Layer, Origin, Problem};
use crate::mapping::model::{PropertyMapping, TargetAccounts};
use crate::mapping::resolve::resolve;
use crate::mapping::schema::{Role, parse_layer};

/// A mapping file's path (as it should appear in messages) and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    pub path: PathBuf,
    pub text: String,
}

/// The portfolio mapping plus one merged mapping per property file. Every mapping in it is
/// consistent (see `model`).
///
/// With book files (`books/<name>.toml`, issue 18), a property's mapping is portfolio.toml, then
/// its book's file, then its own file: the book is the property file's `book`, else
/// portfolio.toml's, else `default`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappingSet {
    /// portfolio.toml with its own book's file laid over it: the mapping of every property
    /// without a file of its own.
    portfolio: PropertyMapping,
    properties: BTreeMap<PropertyId, PropertyMapping>,
    /// portfolio.toml, the book files, then the property files.
    files: Vec<PathBuf>,
    book_files: usize,
    /// A property's mapping were it another book's (its file laid over that book's file instead
    /// of its own book's), where that changes anything: the chart and dimensions of that book's
    /// company, which an entry posted there before the property moved (and an adjustment of it)
    /// is booked on. Its `book` stays the property's own (routing never changes). `None` is a
    /// property without a file.
    elsewhere: BTreeMap<(Option<PropertyId>, BookName), PropertyMapping>,
}

impl MappingSet {
    /// The property's merged mapping; the portfolio's when it has no file of its own.
    pub fn for_property(&self, id: &PropertyId) -> &PropertyMapping {
        self.properties.get(id).unwrap_or(&self.portfolio)
    }

    pub fn portfolio(&self) -> &PropertyMapping {
        &self.portfolio
    }

    /// The mappings that post to `book` (every one with `None`): the portfolio's when it routes
    /// there, and each property file's that does (`None` is the portfolio).
    pub fn of_book(&self, book: Option<&BookName>) -> Vec<(Option<PropertyId>, &PropertyMapping)> {
        let keep = |m: &PropertyMapping| book.is_none_or(|b| &m.book == b);
        let portfolio = keep(&self.portfolio).then_some((None, &self.portfolio));
        let properties = self.properties.iter().filter(|(_, m)| keep(m)).map(|(id, m)| (Some(id.clone()), m));
        portfolio.into_iter().chain(properties).collect()
    }

    /// The property's mapping in `book`'s company (`elsewhere`): its own when that is its book,
    /// or when `book`'s files change nothing of it.
    pub fn for_property_in(&self, id: &PropertyId, book: &BookName) -> &PropertyMapping {
        let file = self.properties.contains_key(id).then(|| id.clone());
        self.elsewhere.get(&(file, book.clone())).unwrap_or_else(|| self.for_property(id))
    }

    /// The property's accounts in `book`'s company.
    pub fn accounts_in(&self, id: &PropertyId, book: &BookName) -> &BTreeMap<AccountName, TargetAccounts> {
        &self.for_property_in(id, book).accounts
    }

    /// The set as `book`'s company sees it: every property's mapping in that book's chart and
    /// dimensions (`for_property_in`), its routing unchanged. What a post to that company builds
    /// its documents from, an adjustment of a moved property's entry included.
    pub fn as_book(&self, book: &BookName) -> MappingSet {
        let mut view = self.clone();
        for ((file, other), mapping) in &self.elsewhere {
            if other != book {
                continue;
            }
            match file {
                Some(id) => {
                    view.properties.insert(id.clone(), mapping.clone());
                }
                None => view.portfolio = mapping.clone(),
            }
        }
        view.elsewhere.clear();
        view
    }

    /// Properties with a file in `properties/`, in id order.
    pub fn overridden_properties(&self) -> impl Iterator<Item = &PropertyId> {
        self.properties.keys()
    }

    /// The files read: portfolio.toml first, then the book files, then the property files, each
    /// in name order.
    pub fn files(&self) -> &[PathBuf] {
        &self.files
    }

    /// `books/<name>.toml`, in name order.
    pub fn book_files(&self) -> &[PathBuf] {
        &self.files[1..1 + self.book_files]
    }

    /// `properties/<propertyId>.toml`, in name order.
    pub fn property_files(&self) -> &[PathBuf] {
        &self.files[1 + self.book_files..]
    }
}

/// Builds the set from files already read. Property ids come from the file stems
/// (`properties/prop_21a91f0.toml`).
pub fn from_sources(portfolio: SourceFile, properties: Vec<SourceFile>) -> Result<MappingSet, MappingErrors> {
    build(portfolio, Vec::new(), properties, Vec::new(), None)
}

/// `earlier` holds mistakes already found while finding and reading the files; book names come
/// from the book files' stems (`books/owner-a.toml`). `known_books`, when given, are the books
/// recon.toml names: a `book` or a book file naming another is a mistake.
pub(crate) fn build(
    portfolio: SourceFile,
    books: Vec<SourceFile>,
    properties: Vec<SourceFile>,
    earlier: Vec<Diagnostic>,
    known_books: Option<&BTreeSet<BookName>>,
) -> Result<MappingSet, MappingErrors> {
    let mut diagnostics = earlier;
    let mut files = vec![portfolio];
    let mut book_names: Vec<BookName> = Vec::with_capacity(books.len());
    for source in books {
        match source.path.file_stem().and_then(|s| s.to_str()).and_then(BookName::parse) {
            Some(name) => {
                book_names.push(name);
                files.push(source);
            }
            None => diagnostics.push(bad_book_file_name(&source.path)),
        }
    }
    let first_property = files.len();
    let mut ids: Vec<PropertyId> = Vec::with_capacity(properties.len());
    for source in properties {
        match property_id(&source.path) {
            Some(id) if ids.contains(&id) => diagnostics.push(second_file(&source.path, &id)),
            Some(id) => {
                ids.push(id);
                files.push(source);
            }
            None => diagnostics.push(bad_file_name(&source.path)),
        }
    }

    let portfolio_id = FileId(0);
    let mut problems = Vec::new();
    let portfolio_layer = parse_layer(portfolio_id, &files[0].text, Role::Portfolio, &mut problems);
    let book_layers: BTreeMap<BookName, Option<Layer>> = (1..first_property)
        .map(|index| {
            let layer = parse_layer(FileId(index), &files[index].text, Role::Book, &mut problems);
            (book_names[index - 1].clone(), layer)
        })
        .collect();
    let property_layers: Vec<_> = (first_property..files.len())
        .map(|index| parse_layer(FileId(index), &files[index].text, Role::Property, &mut problems))
        .collect();

    if let Some(known) = known_books {
        let routes =
            portfolio_layer.iter().chain(property_layers.iter().flatten()).filter_map(|l| l.book.as_ref());
        for book in routes.filter(|book| !known.contains(&book.value)) {
            problems.push(unknown_book(book.origin, &book.value, known));
        }
        for (index, name) in book_names.iter().enumerate().filter(|(_, name)| !known.contains(*name)) {
            problems.push(unknown_book(Origin::file_start(FileId(index + 1)), name, known));
        }
    }

    // Without a readable portfolio.toml no merge can be checked; each book and property file has
    // still been checked on its own above.
    let mut resolved = None;
    if let Some(portfolio_layer) = &portfolio_layer {
        // Portfolio, then the book's file, then `top` (a property's file, or nothing).
        let merged = |top: Option<&Layer>| {
            let book = top.and_then(|top| top.book.as_ref()).or(portfolio_layer.book.as_ref());
            let mut merged = portfolio_layer.clone();
            if let Some(Some(book_layer)) = book.and_then(|book| book_layers.get(&book.value)) {
                merged.overlay(book_layer);
            }
            if let Some(top) = top {
                merged.overlay(top);
            }
            merged
        };
        let portfolio_mapping = resolve(&merged(None), portfolio_id, &mut problems);
        // A book's file is checked over portfolio.toml even when no property uses it yet.
        for (name, layer) in &book_layers {
            let uses_it = portfolio_layer.book.as_ref().is_some_and(|book| &book.value == name);
            if let (Some(layer), false) = (layer, uses_it) {
                let mut alone = portfolio_layer.clone();
                alone.overlay(layer);
                resolve(&alone, portfolio_id, &mut problems);
            }
        }
        let mut by_property = BTreeMap::new();
        for (id, layer) in ids.iter().zip(&property_layers) {
            let Some(layer) = layer else { continue };
            if let Some(mapping) = resolve(&merged(Some(layer)), portfolio_id, &mut problems) {
                by_property.insert(id.clone(), mapping);
            }
        }
        // Each mapping under every other book, kept where its accounts differ.
        let mut elsewhere = BTreeMap::new();
        let names: BTreeSet<&BookName> =
            book_layers.keys().chain(known_books.into_iter().flatten()).collect();
        if names.len() > 1 {
            let tops = std::iter::once((None, None)).chain(
                ids.iter()
                    .zip(&property_layers)
                    .filter_map(|(id, l)| Some((Some(id.clone()), l.as_ref()?)))
                    .map(|(id, l)| (id, Some(l))),
            );
            for (id, top) in tops {
                let own = match &id {
                    Some(id) => by_property.get(id),
                    None => portfolio_mapping.as_ref(),
                };
                let Some(own) = own else { continue };
                for book in names.iter().filter(|b| ***b != own.book) {
                    let mut under = portfolio_layer.clone();
                    if let Some(Some(layer)) = book_layers.get(*book) {
                        under.overlay(layer);
                    }
                    if let Some(top) = top {
                        under.overlay(top);
                    }
                    // Not its book now: a mistake in that combination is not one of the files'.
                    let mut scratch = Vec::new();
                    if let Some(mut mapping) = resolve(&under, portfolio_id, &mut scratch) {
                        mapping.book = own.book.clone();
                        if &mapping != own {
                            elsewhere.insert((id.clone(), (*book).clone()), mapping);
                        }
                    }
                }
            }
        }
        resolved = portfolio_mapping.map(|portfolio| (portfolio, by_property, elsewhere));
    }

    diagnostics.extend(locate(&files, problems));
    if let Some(errors) = MappingErrors::from_diagnostics(diagnostics) {
        return Err(errors);
    }
    match resolved {
        Some((portfolio, properties, elsewhere)) => Ok(MappingSet {
            portfolio,
            properties,
            elsewhere,
            files: files.into_iter().map(|source| source.path).collect(),
            book_files: first_property - 1,
        }),
        // Every path to here without a mapping reported why; this keeps that a promise.
        None => Err(MappingErrors::single(Diagnostic {
            file: files[0].path.clone(),
            position: None,
            message: "the mapping files could not be read".to_owned(),
            expected: None,
            suggestion: None,
        })),
    }
}

/// Problems with byte offsets to diagnostics with lines and columns.
fn locate(files: &[SourceFile], problems: Vec<Problem>) -> Vec<Diagnostic> {
    let mut indexes: BTreeMap<usize, LineIndex<'_>> = BTreeMap::new();
    problems
        .into_iter()
        .map(|problem| {
            let file_index = problem.origin.map_or(0, |origin| origin.file.0);
            let position = problem.origin.map(|origin| {
                indexes
                    .entry(file_index)
                    .or_insert_with(|| LineIndex::new(&files[file_index].text))
                    .position(origin.start)
            });
            Diagnostic {
                file: files[file_index].path.clone(),
                position,
                message: problem.message,
                expected: problem.expected,
                suggestion: problem.suggestion,
            }
        })
        .collect()
}

/// Longest property id accepted in a file name; Entrata's ids are far shorter.
const PROPERTY_ID_MAX_CHARS: usize = 64;

/// The property id a file is for: its stem, when that looks like an Entrata property id
/// (`prop_21a91f0`, or the numeric `1150907` of Entrata's RPC API).
pub(crate) fn property_id(path: &Path) -> Option<PropertyId> {
    let stem = path.file_stem()?.to_str()?;
    let shaped = !stem.is_empty()
        && stem.len() <= PROPERTY_ID_MAX_CHARS
        && stem.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    shaped.then(|| PropertyId::new(stem))
}

fn bad_file_name(path: &Path) -> Diagnostic {
    Diagnostic {
        file: path.to_owned(),
        position: None,
        message: "the file name is not a property id".to_owned(),
        expected: Some(format!(
            "`<propertyId>.toml`, such as `prop_21a91f0.toml`: letters, digits, `_` or `-`, at most {PROPERTY_ID_MAX_CHARS}"
        )),
        suggestion: None,
    }
}

fn unknown_book(origin: Origin, name: &BookName, known: &BTreeSet<BookName>) -> Problem {
    let names: Vec<&str> = known.iter().map(BookName::as_str).collect();
    Problem::at(origin, format!("book `{name}` is not one of recon.toml's books"))
        .expected(match names.as_slice() {
            [only] if *only == BookName::DEFAULT => {
                "no `book` (recon.toml has no [books]: every property posts to its one company per target)"
                    .to_owned()
            }
            _ => format!("one of {}, as `[books.<name>]` in recon.toml names them", names.join(", ")),
        })
        .suggestion(nearest(name.as_str(), names.iter().copied()))
}

fn bad_book_file_name(path: &Path) -> Diagnostic {
    Diagnostic {
        file: path.to_owned(),
        position: None,
        message: "the file name is not a book's name".to_owned(),
        expected: Some(format!(
            "`<book>.toml`, the book's name in recon.toml's `[books]`: {}",
            BookName::EXPECTED
        )),
        suggestion: None,
    }
}

fn second_file(path: &Path, id: &PropertyId) -> Diagnostic {
    Diagnostic {
        file: path.to_owned(),
        position: None,
        message: format!("a second mapping file for property `{id}`"),
        expected: Some("one file per property".to_owned()),
        suggestion: None,
    }
}
