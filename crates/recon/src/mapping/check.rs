//! `mappings check`: mistakes in the files, and AR codes seen in the state file that no rule maps
//! (their items are held). Renders the text a controller reads and decides the exit code.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::PathBuf;

use rust_decimal::Decimal;

use crate::domain::ArCodeDef;
use crate::domain::{ArCode, Currency, PropertyId, format_amount};
use crate::mapping::diagnostic::{MappingErrors, nearest};
use crate::mapping::entrata_gl::{self, GlComparison};
use crate::mapping::set::{MappingSet, property_id};
use crate::mapping::target_accounts::{MissingTargetAccount, missing_target_accounts};
pub use crate::mapping::usage::CodeUsage;
use crate::mapping::usage::plural;
use crate::targets::TargetKind;

/// The usages whose code has no rule in their property's merged mapping, sorted by property, code
/// and currency; usages of the same property, code and currency are added up.
pub fn unmapped_codes(set: &MappingSet, usage: impl IntoIterator<Item = CodeUsage>) -> Vec<CodeUsage> {
    let mut unmapped: Vec<CodeUsage> = usage
        .into_iter()
        .filter(|usage| !set.for_property(&usage.property_id).codes.contains_key(&usage.code))
        .collect();
    unmapped.sort_by(|a, b| sort_key(a).cmp(&sort_key(b)));
    let mut combined: Vec<CodeUsage> = Vec::with_capacity(unmapped.len());
    for usage in unmapped {
        if let Some(last) = combined.last_mut()
            && same_line(last, &usage)
            && let (Some(items), Ok(amount)) =
                (last.items.checked_add(usage.items), last.amount.checked_add(usage.amount))
        {
            last.items = items;
            last.amount = amount;
            continue;
        }
        combined.push(usage);
    }
    combined
}

fn sort_key(usage: &CodeUsage) -> (&PropertyId, &ArCode, Currency, Decimal) {
    (&usage.property_id, &usage.code, usage.amount.currency(), usage.amount.amount())
}

fn same_line(a: &CodeUsage, b: &CodeUsage) -> bool {
    a.property_id == b.property_id && a.code == b.code && a.amount.currency() == b.amount.currency()
}

/// A property file whose name is no property Entrata knows: its settings apply to nothing (a
/// misnamed `prop_001.toml` for `prop_0001` silently drops that property's dimensions).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownPropertyFile {
    pub path: PathBuf,
    pub property_id: PropertyId,
    /// The known property id closest to the file's name, when one is close.
    pub nearest: Option<PropertyId>,
}

impl fmt::Display for UnknownPropertyFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} matches no property Entrata knows, so its settings apply to nothing",
            self.path.display()
        )?;
        match &self.nearest {
            Some(nearest) => write!(f, "; did you mean {nearest} (rename it to {nearest}.toml)?"),
            None => write!(f, "; a property file is named after the property's id (`<propertyId>.toml`)."),
        }
    }
}

/// The property files of `set` named after no property in `known` (the properties the state file
/// holds). None when nothing is known yet: before the first pull every file would be "unknown".
pub fn unknown_property_files(set: &MappingSet, known: &[PropertyId]) -> Vec<UnknownPropertyFile> {
    if known.is_empty() {
        return Vec::new();
    }
    let known_set: BTreeSet<&PropertyId> = known.iter().collect();
    set.property_files()
        .iter()
        .filter_map(|path| Some((path, property_id(path)?)))
        .filter(|(_, id)| !known_set.contains(id))
        .map(|(path, id)| UnknownPropertyFile {
            path: path.clone(),
            nearest: nearest(id.as_str(), known.iter().map(PropertyId::as_str)).map(PropertyId::new),
            property_id: id,
        })
        .collect()
}

/// An unmapped code, with a rule of a similar code when the property's mapping has one (`Rent`
/// for `RENT`: AR codes are matched exactly).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnmappedCode {
    pub usage: CodeUsage,
    pub similar_rule: Option<ArCode>,
}

/// What `mappings check` found, ready to print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckReport {
    /// The files themselves are wrong; nothing else was checked.
    Invalid(MappingErrors),
    Checked(Checked),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub files: Vec<PathBuf>,
    /// How many of `files` are book files (after portfolio.toml, before the property files).
    pub book_files: usize,
    /// Distinct AR codes seen in the state file.
    pub codes_seen: usize,
    pub properties_seen: usize,
    pub unmapped: Vec<UnmappedCode>,
    /// Property files named after no property the state file knows.
    pub unknown_property_files: Vec<UnknownPropertyFile>,
    /// Properties the state file knows that no property file names: they post with the
    /// portfolio's settings only (no class, location or tracking unless the portfolio sets one).
    pub properties_without_file: Vec<PropertyId>,
    /// What the portfolio's own dimensions lack, as a controller reads it (`no QuickBooks class`).
    pub portfolio_lacks: Vec<&'static str>,
    /// Logical accounts in use with no account in a target being checked.
    pub missing_target_accounts: Vec<MissingTargetAccount>,
    /// Where the mapping books an AR code elsewhere than Entrata's own GL does: shown, not
    /// counted among the findings (`entrata_gl`).
    pub entrata_gl: GlComparison,
}

impl CheckReport {
    pub fn invalid(errors: MappingErrors) -> CheckReport {
        CheckReport::Invalid(errors)
    }

    /// `usage`: every AR code seen in the state file, per property, mapped or not. `known`: the
    /// properties the state file holds. `targets`: the targets to check that every account in use
    /// has an account in (`--target`, or those enabled).
    pub fn checked(
        set: &MappingSet,
        usage: impl IntoIterator<Item = CodeUsage>,
        known: &[PropertyId],
        targets: &[TargetKind],
    ) -> CheckReport {
        let usage: Vec<CodeUsage> = usage.into_iter().collect();
        let codes: BTreeSet<&ArCode> = usage.iter().map(|u| &u.code).collect();
        let properties: BTreeSet<&PropertyId> = usage.iter().map(|u| &u.property_id).collect();
        let (codes_seen, properties_seen) = (codes.len(), properties.len());
        let unmapped = unmapped_codes(set, usage.iter().cloned())
            .into_iter()
            .map(|usage| {
                let rules = set.for_property(&usage.property_id).codes.keys().map(ArCode::as_str);
                let similar_rule = nearest(usage.code.as_str(), rules).map(ArCode::new);
                UnmappedCode { usage, similar_rule }
            })
            .collect();
        CheckReport::Checked(Checked {
            files: set.files().to_vec(),
            book_files: set.book_files().len(),
            codes_seen,
            properties_seen,
            unmapped,
            unknown_property_files: unknown_property_files(set, known),
            properties_without_file: {
                let with_file: BTreeSet<&PropertyId> = set.overridden_properties().collect();
                let mut without: Vec<PropertyId> =
                    known.iter().filter(|id| !with_file.contains(id)).cloned().collect();
                without.sort();
                without.dedup();
                without
            },
            portfolio_lacks: {
                let dimensions = &set.portfolio().dimensions;
                let mut lacks = Vec::new();
                if dimensions.qbo_class.is_none() {
                    lacks.push("no QuickBooks class");
                }
                if dimensions.qbo_location.is_none() {
                    lacks.push("no QuickBooks location");
                }
                if dimensions.xero_tracking.is_empty() {
                    lacks.push("no Xero tracking");
                }
                lacks
            },
            missing_target_accounts: targets
                .iter()
                .flat_map(|target| missing_target_accounts(set, *target))
                .collect(),
            entrata_gl: GlComparison::default(),
        })
    }

    /// The report with Entrata's own GL mapping of each AR code compared (`entrata_gl`).
    pub fn with_entrata_gl(self, set: &MappingSet, codes: &[ArCodeDef], usage: &[CodeUsage]) -> CheckReport {
        match self {
            CheckReport::Checked(mut checked) => {
                checked.entrata_gl = entrata_gl::compare(set, codes, usage);
                CheckReport::Checked(checked)
            }
            invalid => invalid,
        }
    }

    /// 2 when the files are wrong; 1 when codes have no rule, accounts in use have no account in
    /// a target (items wait for a person), a property file is named after no known property or a
    /// known property has no file, 2 for those under `--strict`; 0 otherwise.
    pub fn exit_code(&self, strict: bool) -> u8 {
        match self {
            CheckReport::Invalid(_) => 2,
            CheckReport::Checked(checked) if checked.findings() == 0 => 0,
            CheckReport::Checked(_) if strict => 2,
            CheckReport::Checked(_) => 1,
        }
    }
}

impl Checked {
    /// What needs a person: each unmapped code line, account in use with no target account,
    /// misnamed property file and property with no file.
    pub fn findings(&self) -> usize {
        self.unmapped.len()
            + self.missing_target_accounts.len()
            + self.unknown_property_files.len()
            + self.properties_without_file.len()
    }
}

impl fmt::Display for CheckReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CheckReport::Invalid(errors) => render_invalid(f, errors),
            CheckReport::Checked(checked) => render_checked(f, checked),
        }
    }
}

fn render_invalid(f: &mut fmt::Formatter<'_>, errors: &MappingErrors) -> fmt::Result {
    writeln!(f, "{errors}")?;
    writeln!(f)?;
    let count = errors.diagnostics().len();
    let files = errors.files_with_errors();
    writeln!(
        f,
        "{} in {}. Nothing else was checked: fix {} and run `entrata-recon mappings check` again.",
        plural(count, "mistake", "mistakes"),
        plural(files, "file", "files"),
        if count == 1 { "it" } else { "them" },
    )
}

fn render_checked(f: &mut fmt::Formatter<'_>, checked: &Checked) -> fmt::Result {
    let property_files = checked.files.len().saturating_sub(1 + checked.book_files);
    let books = match checked.book_files {
        0 => String::new(),
        n => format!(", {}", plural(n, "book file", "book files")),
    };
    let read = match checked.files.first() {
        Some(portfolio) => format!(
            "{}{books} and {}",
            portfolio.display(),
            plural(property_files, "property file", "property files")
        ),
        None => "no files".to_owned(),
    };
    match checked.findings() {
        0 => writeln!(f, "Mapping files OK: {read}.")?,
        n => writeln!(
            f,
            "Mapping files read ({read}): {} for a person, below.",
            plural(n, "finding", "findings")
        )?,
    }
    render_property_files(f, checked)?;
    // `render_unmapped` opens with its own blank line.
    let about_files =
        !checked.properties_without_file.is_empty() || !checked.unknown_property_files.is_empty();
    if about_files && (checked.codes_seen == 0 || checked.unmapped.is_empty()) {
        writeln!(f)?;
    }
    if checked.codes_seen == 0 {
        writeln!(f, "The state file has no items yet: AR codes are checked once something is pulled.")?;
    } else if checked.unmapped.is_empty() {
        writeln!(
            f,
            "Every AR code in the state file has a rule ({} across {}).",
            plural(checked.codes_seen, "code", "codes"),
            plural(checked.properties_seen, "property", "properties")
        )?;
    } else {
        render_unmapped(f, &checked.unmapped)?;
    }
    if !checked.missing_target_accounts.is_empty() {
        render_missing_target_accounts(f, &checked.missing_target_accounts)?;
    }
    entrata_gl::render(f, &checked.entrata_gl)
}

/// Properties with no file, and files named after no property: what each property posts with.
fn render_property_files(f: &mut fmt::Formatter<'_>, checked: &Checked) -> fmt::Result {
    let without = &checked.properties_without_file;
    if !without.is_empty() {
        let shown: Vec<&str> = without.iter().take(CODES_NAMED).map(PropertyId::as_str).collect();
        let more = without.len().saturating_sub(CODES_NAMED);
        let more = if more > 0 { format!(" and {more} more") } else { String::new() };
        let lacks = match checked.portfolio_lacks.as_slice() {
            [] => String::new(),
            lacks => format!(" ({})", lacks.join(", ")),
        };
        writeln!(f)?;
        writeln!(
            f,
            "{} Entrata knows {} no property file ({}{more}): {} entries post with portfolio.toml's settings only{lacks}. Add properties/<propertyId>.toml for each (copy another property's file and change its names).",
            plural(without.len(), "property", "properties"),
            if without.len() == 1 { "has" } else { "have" },
            shown.join(", "),
            if without.len() == 1 { "its" } else { "their" },
        )?;
    }
    if !checked.unknown_property_files.is_empty() {
        writeln!(f)?;
    }
    for file in &checked.unknown_property_files {
        writeln!(f, "{file}")?;
    }
    Ok(())
}

/// Codes named in the headline before "and N more".
const CODES_NAMED: usize = 5;

fn render_unmapped(f: &mut fmt::Formatter<'_>, unmapped: &[UnmappedCode]) -> fmt::Result {
    let codes: BTreeSet<&ArCode> = unmapped.iter().map(|line| &line.usage.code).collect();
    let properties: BTreeSet<&PropertyId> = unmapped.iter().map(|line| &line.usage.property_id).collect();
    let mut named = codes.iter().take(CODES_NAMED).map(|c| c.as_str()).collect::<Vec<_>>().join(", ");
    if codes.len() > CODES_NAMED {
        named.push_str(&format!(" and {} more", codes.len() - CODES_NAMED));
    }
    let all = totals(unmapped);
    let items: u64 = all.values().map(|(items, _)| *items).sum();
    let waiting: Vec<String> = all
        .iter()
        .map(|(currency, (_, amount))| {
            amount.map_or_else(|| format!("too much to add up in {currency}"), |a| money_text(a, *currency))
        })
        .collect();
    writeln!(f)?;
    writeln!(
        f,
        "{} ({named}) {} no rule: {} across {}, {} waiting; held, not posted:",
        plural(codes.len(), "AR code", "AR codes"),
        if codes.len() == 1 { "has" } else { "have" },
        plural(usize::try_from(items).unwrap_or(usize::MAX), "item", "items"),
        plural(properties.len(), "property", "properties"),
        waiting.join(" and "),
    )?;
    writeln!(f)?;
    let mut rows = vec![["property".to_owned(), "code".to_owned(), "items".to_owned(), "waiting".to_owned()]];
    for line in unmapped {
        let usage = &line.usage;
        rows.push([
            usage.property_id.to_string(),
            usage.code.to_string(),
            usage.items.to_string(),
            money_text(usage.amount.amount(), usage.amount.currency()),
        ]);
    }
    for (currency, (items, amount)) in totals(unmapped) {
        let waiting =
            amount.map_or_else(|| "too large to add".to_owned(), |amount| money_text(amount, currency));
        rows.push(["total".to_owned(), String::new(), items.to_string(), waiting]);
    }
    let width = |column: usize| rows.iter().map(|row| row[column].chars().count()).max().unwrap_or(0);
    let widths = [width(0), width(1), width(2), width(3)];
    for (index, row) in rows.iter().enumerate() {
        let hint = index
            .checked_sub(1)
            .and_then(|line| unmapped.get(line))
            .and_then(|line| line.similar_rule.as_ref())
            .map(|similar| format!("  (a rule exists for `{similar}`; codes must match exactly)"))
            .unwrap_or_default();
        let text = format!(
            "  {:<w0$}  {:<w1$}  {:>w2$}  {:>w3$}{hint}",
            row[0],
            row[1],
            row[2],
            row[3],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2],
            w3 = widths[3],
        );
        writeln!(f, "{}", text.trim_end())?;
    }
    writeln!(f)?;
    writeln!(
        f,
        "Add a `[codes.<CODE>]` rule to portfolio.toml, or to the property's file, and run the check again."
    )
}

fn render_missing_target_accounts(
    f: &mut fmt::Formatter<'_>,
    missing: &[MissingTargetAccount],
) -> fmt::Result {
    writeln!(f)?;
    writeln!(
        f,
        "{} in use {} no account in a target; entries that use {} are held for that target:",
        plural(missing.len(), "logical account", "logical accounts"),
        if missing.len() == 1 { "has" } else { "have" },
        if missing.len() == 1 { "it" } else { "them" },
    )?;
    writeln!(f)?;
    let rows: Vec<[String; 3]> = missing
        .iter()
        .map(|gap| {
            let scope =
                gap.property_id.as_ref().map_or_else(|| "portfolio".to_owned(), PropertyId::to_string);
            [gap.target.short_name().to_owned(), scope, gap.account.to_string()]
        })
        .collect();
    let width = |column: usize| rows.iter().map(|row| row[column].chars().count()).max().unwrap_or(0);
    let (w0, w1) = (width(0), width(1));
    for [target, scope, account] in &rows {
        writeln!(f, "  {target:<w0$}  {scope:<w1$}  {account}")?;
    }
    writeln!(f)?;
    writeln!(
        f,
        "Add the target's account (`qbo = \"...\"` or `xero = \"...\"`) to these accounts in `[accounts]`."
    )
}

/// Items and money per currency; the money is `None` if it overflows.
fn totals(unmapped: &[UnmappedCode]) -> BTreeMap<Currency, (u64, Option<Decimal>)> {
    let mut totals: BTreeMap<Currency, (u64, Option<Decimal>)> = BTreeMap::new();
    for line in unmapped {
        let amount = line.usage.amount;
        let total = totals.entry(amount.currency()).or_insert((0, Some(Decimal::ZERO)));
        total.0 = total.0.saturating_add(line.usage.items);
        total.1 = total.1.and_then(|sum| sum.checked_add(amount.amount()));
    }
    totals
}

fn money_text(amount: Decimal, currency: Currency) -> String {
    format!("{} {currency}", format_amount(amount))
}
