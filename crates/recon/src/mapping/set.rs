//! The portfolio mapping and every property's merged mapping, built from the files' text.
//!
//! Every file is read and every merge checked before anything is returned, so that one run shows
//! every mistake in every file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::domain::PropertyId;
use crate::mapping::diagnostic::{Diagnostic, LineIndex, MappingErrors};
use crate::mapping::layer::{FileId, Problem};
use crate::mapping::model::PropertyMapping;
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappingSet {
    portfolio: PropertyMapping,
    properties: BTreeMap<PropertyId, PropertyMapping>,
    files: Vec<PathBuf>,
}

impl MappingSet {
    /// The property's merged mapping; the portfolio's when it has no file of its own.
    pub fn for_property(&self, id: &PropertyId) -> &PropertyMapping {
        self.properties.get(id).unwrap_or(&self.portfolio)
    }

    pub fn portfolio(&self) -> &PropertyMapping {
        &self.portfolio
    }

    /// Properties with a file in `properties/`, in id order.
    pub fn overridden_properties(&self) -> impl Iterator<Item = &PropertyId> {
        self.properties.keys()
    }

    /// The files read: portfolio.toml first, then the property files in name order.
    pub fn files(&self) -> &[PathBuf] {
        &self.files
    }
}

/// Builds the set from files already read. Property ids come from the file stems
/// (`properties/prop_21a91f0.toml`).
pub fn from_sources(portfolio: SourceFile, properties: Vec<SourceFile>) -> Result<MappingSet, MappingErrors> {
    build(portfolio, properties, Vec::new())
}

/// `earlier` holds mistakes already found while finding and reading the files.
pub(crate) fn build(
    portfolio: SourceFile,
    properties: Vec<SourceFile>,
    earlier: Vec<Diagnostic>,
) -> Result<MappingSet, MappingErrors> {
    let mut diagnostics = earlier;
    let mut files = vec![portfolio];
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
    let property_layers: Vec<_> = (1..files.len())
        .map(|index| parse_layer(FileId(index), &files[index].text, Role::Property, &mut problems))
        .collect();

    // Without a readable portfolio.toml no merge can be checked; each property file has still
    // been checked on its own above.
    let mut resolved = None;
    if let Some(portfolio_layer) = &portfolio_layer {
        let portfolio_mapping = resolve(portfolio_layer, portfolio_id, &mut problems);
        let mut by_property = BTreeMap::new();
        for (id, layer) in ids.iter().zip(&property_layers) {
            let Some(layer) = layer else { continue };
            let mut merged = portfolio_layer.clone();
            merged.overlay(layer);
            if let Some(mapping) = resolve(&merged, portfolio_id, &mut problems) {
                by_property.insert(id.clone(), mapping);
            }
        }
        resolved = portfolio_mapping.map(|portfolio| (portfolio, by_property));
    }

    diagnostics.extend(locate(&files, problems));
    if let Some(errors) = MappingErrors::from_diagnostics(diagnostics) {
        return Err(errors);
    }
    match resolved {
        Some((portfolio, properties)) => Ok(MappingSet {
            portfolio,
            properties,
            files: files.into_iter().map(|source| source.path).collect(),
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

fn second_file(path: &Path, id: &PropertyId) -> Diagnostic {
    Diagnostic {
        file: path.to_owned(),
        position: None,
        message: format!("a second mapping file for property `{id}`"),
        expected: Some("one file per property".to_owned()),
        suggestion: None,
    }
}
