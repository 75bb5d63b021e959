//! What went wrong in the mapping files, where (`file:line:col`), what was expected, and the
//! nearest known name. Every problem found is kept: a finance team fixes them all in one pass.

use std::fmt;
use std::path::PathBuf;

/// A place in a file, both 1-based. `col` counts characters, as editors show them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Position {
    pub line: u32,
    pub col: u32,
}

/// One mistake in the mapping files.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Diagnostic {
    pub file: PathBuf,
    /// `None` when the problem is the file itself (missing, unreadable, misnamed).
    pub position: Option<Position>,
    /// What is wrong: "unknown account `rental_incme`".
    pub message: String,
    /// What would be right: "one of `day`, `post_month`, `item`".
    pub expected: Option<String>,
    /// The nearest known name, when one is close enough to be what was meant.
    pub suggestion: Option<String>,
}

impl fmt::Display for Diagnostic {
    /// `mappings/portfolio.toml:12:11: unknown account `rental_incme`; did you mean `rental_income`?`
    ///
    /// A close suggestion says more than the list of what was expected, so only one is shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(Position { line, col }) = self.position {
            write!(f, ":{line}:{col}")?;
        }
        write!(f, ": {}", self.message)?;
        match (&self.suggestion, &self.expected) {
            (Some(suggestion), _) => write!(f, "; did you mean `{suggestion}`?"),
            (None, Some(expected)) => write!(f, "; expected {expected}"),
            (None, None) => Ok(()),
        }
    }
}

/// Every mistake found in the mapping files, sorted by file, line and column, without duplicates.
/// Never empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappingErrors {
    diagnostics: Vec<Diagnostic>,
}

impl MappingErrors {
    /// `None` when there is nothing to report.
    pub(crate) fn from_diagnostics(mut diagnostics: Vec<Diagnostic>) -> Option<MappingErrors> {
        if diagnostics.is_empty() {
            return None;
        }
        // A mistake in portfolio.toml is found again while checking every property merged with
        // it; the user needs to read it once, even when a property's accounts would suggest
        // another name.
        diagnostics.sort();
        diagnostics.dedup_by(|later, earlier| {
            (&later.file, later.position, &later.message)
                == (&earlier.file, earlier.position, &earlier.message)
        });
        Some(MappingErrors { diagnostics })
    }

    pub(crate) fn single(diagnostic: Diagnostic) -> MappingErrors {
        MappingErrors { diagnostics: vec![diagnostic] }
    }

    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// How many distinct files have at least one mistake.
    pub fn files_with_errors(&self) -> usize {
        let mut files: Vec<&PathBuf> = self.diagnostics.iter().map(|d| &d.file).collect();
        files.dedup(); // sorted by file first
        files.len()
    }
}

impl fmt::Display for MappingErrors {
    /// One line per diagnostic.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, diagnostic) in self.diagnostics.iter().enumerate() {
            if index > 0 {
                writeln!(f)?;
            }
            write!(f, "{diagnostic}")?;
        }
        Ok(())
    }
}

impl std::error::Error for MappingErrors {}

/// Byte offsets to line and column, for one file's text.
pub(crate) struct LineIndex<'t> {
    text: &'t str,
    /// Byte offset where each line starts; the first is 0.
    line_starts: Vec<usize>,
}

impl<'t> LineIndex<'t> {
    pub(crate) fn new(text: &'t str) -> LineIndex<'t> {
        let newlines = text.match_indices('\n').map(|(at, _)| at + 1);
        LineIndex { text, line_starts: std::iter::once(0).chain(newlines).collect() }
    }

    pub(crate) fn position(&self, offset: usize) -> Position {
        let offset = offset.min(self.text.len());
        // `line_starts[0] == 0`, so the partition point is at least 1.
        let line_index = self.line_starts.partition_point(|&start| start <= offset) - 1;
        let line_start = self.line_starts[line_index];
        let col = self.text.get(line_start..offset).map_or(offset - line_start, |s| s.chars().count());
        Position { line: saturating_u32(line_index + 1), col: saturating_u32(col + 1) }
    }
}

fn saturating_u32(value: usize) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

/// The candidate closest to `word`, when it is close enough to be what was meant.
///
/// Close means a normalized Damerau-Levenshtein similarity of at least 0.7, or at most two edits
/// when that is under half the word (so `daily` finds `day`, but `foo` finds nothing). Case is
/// ignored when comparing, so `Rent` finds `rent`.
pub(crate) fn nearest<'c>(word: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
    let word_lower = word.to_lowercase();
    let mut best: Option<(f64, &'c str)> = None;
    for candidate in candidates {
        if candidate == word {
            continue;
        }
        let candidate_lower = candidate.to_lowercase();
        let edits = strsim::damerau_levenshtein(&word_lower, &candidate_lower);
        let longest = word_lower.chars().count().max(candidate_lower.chars().count());
        // Similarity is only used to rank and to compare with a threshold, never as money.
        let similarity = strsim::normalized_damerau_levenshtein(&word_lower, &candidate_lower);
        let close = similarity >= 0.7 || (edits <= 2 && edits * 2 < longest);
        if !close {
            continue;
        }
        let better = match best {
            None => true,
            Some((best_similarity, best_candidate)) => {
                similarity > best_similarity || (similarity == best_similarity && candidate < best_candidate)
            }
        };
        if better {
            best = Some((similarity, candidate));
        }
    }
    best.map(|(_, candidate)| candidate)
}

/// "`a`, `b` or `c`", for the expected part of a message.
pub(crate) fn one_of(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|name| format!("`{name}`")).collect();
    match quoted.as_slice() {
        [] => "nothing here".to_owned(),
        [only] => only.clone(),
        [init @ .., last] => format!("one of {}, {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_suggests_only_close_names() {
        let accounts = ["receivables", "rental_income", "tax_payable", "undeposited_funds"];
        let cases: &[(&str, &[&str], Option<&str>)] = &[
            ("rental_incme", &accounts, Some("rental_income")),
            ("Rental_Income", &accounts, Some("rental_income")),
            ("recievables", &accounts, Some("receivables")),
            ("income", &accounts, None),
            ("foo", &accounts, None),
            ("gruop_by", &["group_by", "doc_prefix", "doc_property"], Some("group_by")),
            ("doc_prefx", &["group_by", "doc_prefix", "doc_property"], Some("doc_prefix")),
            ("daily", &["day", "post_month", "item"], Some("day")),
            ("weekly", &["day", "post_month", "item"], None),
            ("crad", &["ach", "card", "check", "cash", "money_order", "other"], Some("card")),
            ("cheque", &["ach", "card", "check", "cash", "money_order", "other"], None),
            ("x", &["ach"], None),
        ];
        for (word, candidates, want) in cases {
            assert_eq!(nearest(word, candidates.iter().copied()), *want, "{word}");
        }
    }

    #[test]
    fn positions_are_one_based_and_count_characters() {
        let text = "a = 1\n\n[é]\nbé = \"x\"";
        let index = LineIndex::new(text);
        let at = |needle: &str| index.position(text.find(needle).expect("needle in text"));
        assert_eq!(at("a ="), Position { line: 1, col: 1 });
        assert_eq!(at("1"), Position { line: 1, col: 5 });
        assert_eq!(at("[é]"), Position { line: 3, col: 1 });
        assert_eq!(at("\"x\""), Position { line: 4, col: 6 });
        assert_eq!(index.position(text.len()), Position { line: 4, col: 9 });
    }

    #[test]
    fn one_of_reads_naturally() {
        assert_eq!(one_of(&["day"]), "`day`");
        assert_eq!(one_of(&["day", "item"]), "one of `day`, `item`");
        assert_eq!(one_of(&["day", "post_month", "item"]), "one of `day`, `post_month`, `item`");
    }
}
