//! Finding and reading the mapping files: the only part of `mapping` that does IO.

use std::collections::BTreeSet;
use std::io;
use std::path::{Path, PathBuf};

use crate::domain::BookName;
use crate::mapping::diagnostic::{Diagnostic, MappingErrors};
use crate::mapping::set::{MappingSet, SourceFile, build};

pub const PORTFOLIO_FILE: &str = "portfolio.toml";
pub const PROPERTIES_DIR: &str = "properties";
/// A book's own layer (issue 18): `books/<name>.toml`, between portfolio.toml and a property file.
pub const BOOKS_DIR: &str = "books";
/// Mapping files are written by hand; anything larger is not one, and is not read into memory.
pub const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// Reads `<dir>/portfolio.toml`, every `<dir>/books/<book>.toml` and every
/// `<dir>/properties/<propertyId>.toml`, merges and checks them. Files in those folders that do
/// not end in `.toml`, and hidden files (editor locks and backups), are ignored.
pub fn load(dir: &Path) -> Result<MappingSet, MappingErrors> {
    load_files(dir, None)
}

/// `load`, and every book the files route to (or have a file for) is one of `books`, the books
/// recon.toml names.
pub fn load_routed<'a>(
    dir: &Path,
    books: impl IntoIterator<Item = &'a BookName>,
) -> Result<MappingSet, MappingErrors> {
    load_files(dir, Some(&books.into_iter().cloned().collect()))
}

fn load_files(dir: &Path, known_books: Option<&BTreeSet<BookName>>) -> Result<MappingSet, MappingErrors> {
    if !dir.is_dir() {
        return Err(MappingErrors::single(file_problem(
            dir,
            "the mappings directory does not exist",
            "a directory holding `portfolio.toml` (set `[mappings] dir` in recon.toml)",
        )));
    }
    let portfolio_path = dir.join(PORTFOLIO_FILE);
    let expected = "the portfolio-wide mapping: `version = 1`, `[accounts]`, `[posting]` and `[codes]`";
    let portfolio = match read(&portfolio_path, expected) {
        Ok(portfolio) => portfolio,
        Err(diagnostic) => return Err(MappingErrors::single(diagnostic)),
    };
    let mut diagnostics = Vec::new();
    let mut read_all = |folder: &str, expected: &str| {
        let mut sources = Vec::new();
        for path in toml_paths(&dir.join(folder), &mut diagnostics) {
            match read(&path, expected) {
                Ok(source) => sources.push(source),
                Err(diagnostic) => diagnostics.push(diagnostic),
            }
        }
        sources
    };
    let books = read_all(BOOKS_DIR, "a book's mapping file");
    let properties = read_all(PROPERTIES_DIR, "a property's mapping file");
    build(portfolio, books, properties, diagnostics, known_books)
}

/// The `.toml` files in a folder, sorted by name; none when the folder does not exist.
fn toml_paths(dir: &Path, diagnostics: &mut Vec<Diagnostic>) -> Vec<PathBuf> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Vec::new(),
        Err(error) => {
            diagnostics.push(file_problem(
                dir,
                &format!("cannot list the directory: {error}"),
                "a readable directory",
            ));
            return Vec::new();
        }
    };
    let mut paths = Vec::new();
    for entry in entries {
        let entry = match entry {
            Ok(entry) => entry,
            Err(error) => {
                let message = format!("cannot list the directory: {error}");
                diagnostics.push(file_problem(dir, &message, "a readable directory"));
                continue;
            }
        };
        let path = entry.path();
        let hidden = entry.file_name().to_string_lossy().starts_with('.');
        let is_toml = path.extension().is_some_and(|extension| extension == "toml");
        if is_toml && !hidden && path.is_file() {
            paths.push(path);
        }
    }
    paths.sort();
    paths
}

fn read(path: &Path, expected_when_missing: &str) -> Result<SourceFile, Diagnostic> {
    if let Ok(metadata) = std::fs::metadata(path)
        && metadata.len() > MAX_FILE_BYTES
    {
        let message = format!("the file is {} bytes long", metadata.len());
        return Err(file_problem(
            path,
            &message,
            &format!("a mapping file of at most {MAX_FILE_BYTES} bytes"),
        ));
    }
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(SourceFile { path: path.to_owned(), text }),
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            Err(file_problem(path, "the file does not exist", expected_when_missing))
        }
        Err(error) if error.kind() == io::ErrorKind::InvalidData => {
            Err(file_problem(path, "the file is not UTF-8 text", "a TOML file saved as UTF-8"))
        }
        Err(error) => Err(file_problem(path, &format!("cannot read the file: {error}"), "a readable file")),
    }
}

fn file_problem(path: &Path, message: &str, expected: &str) -> Diagnostic {
    Diagnostic {
        file: path.to_owned(),
        position: None,
        message: message.to_owned(),
        expected: Some(expected.to_owned()),
        suggestion: None,
    }
}
