//! `[books.<name>]` (issue 18): the sets of books properties post to, each one owner's company in
//! QuickBooks Online and/or organisation in Xero. `[targets.*]` stays the app (endpoints, client
//! credentials, scopes), shared by every book; a book says which targets it posts to and, where
//! known, which company each must be. Mapping files route a property to a book (`book = "..."`).
//!
//! A config without `[books]` has one book, `default`, posting to every configured target, with
//! `[targets.xero] tenant_id` as its Xero organisation: a single-company config keeps working as
//! it is.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::{ConfigError, TargetConfig};
use crate::domain::BookName;
use crate::targets::TargetKind;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileBook {
    qbo: Option<FileBookQbo>,
    xero: Option<FileBookXero>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileBookQbo {
    /// The company `connect` must choose (its realmId); any when absent.
    realm_id: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileBookXero {
    /// The organisation to post to when a consent covers several.
    tenant_id: Option<String>,
}

/// One set of books: the targets it posts to, each with the company it must be when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookConfig {
    pub name: BookName,
    /// The targets this book posts to; the value is the company (QuickBooks realmId, Xero
    /// tenantId) it must be, when the config names it.
    pub targets: BTreeMap<TargetKind, Option<String>>,
}

impl BookConfig {
    pub fn posts_to(&self, target: TargetKind) -> bool {
        self.targets.contains_key(&target)
    }
}

/// The books, checked against `[targets]`. `xero_tenant` is `[targets.xero] tenant_id`.
pub(super) fn settle(
    file: Option<BTreeMap<String, FileBook>>,
    targets: &BTreeMap<TargetKind, TargetConfig>,
    path: &Path,
) -> Result<BTreeMap<BookName, BookConfig>, ConfigError> {
    let invalid = |message: String| ConfigError::Invalid { path: path.to_owned(), message };
    let Some(file) = file else {
        let name = BookName::default_book();
        let targets = targets.iter().map(|(kind, target)| (*kind, target.tenant_id.clone())).collect();
        return Ok(BTreeMap::from([(name.clone(), BookConfig { name, targets })]));
    };
    if file.is_empty() {
        return Err(invalid(
            "[books] names no book: add `[books.<name>]` with `qbo = {}` and/or `xero = {}`, or remove [books]"
                .into(),
        ));
    }
    if let Some(tenant) = targets.get(&TargetKind::Xero).and_then(|t| t.tenant_id.as_ref()) {
        return Err(invalid(format!(
            "[targets.xero] tenant_id = \"{tenant}\" with [books]: each book names its own organisation; \
             move it to the book's `xero = {{ tenant_id = \"{tenant}\" }}`"
        )));
    }
    let mut books = BTreeMap::new();
    let mut companies: BTreeMap<(TargetKind, String), BookName> = BTreeMap::new();
    for (written, book) in file {
        let Some(name) = BookName::parse(&written) else {
            return Err(invalid(format!("[books.{written}]: the name is not {}", BookName::EXPECTED)));
        };
        let mut book_targets = BTreeMap::new();
        if let Some(qbo) = book.qbo {
            book_targets.insert(TargetKind::Qbo, qbo.realm_id);
        }
        if let Some(xero) = book.xero {
            book_targets.insert(TargetKind::Xero, xero.tenant_id);
        }
        if book_targets.is_empty() {
            return Err(invalid(format!(
                "[books.{name}] posts to no target: add `qbo = {{}}` and/or `xero = {{}}`"
            )));
        }
        for (kind, company) in &book_targets {
            if !targets.contains_key(kind) {
                return Err(invalid(format!(
                    "[books.{name}] {kind}: [targets.{kind}] is not configured (the app every book's \
                     {} connects through)",
                    kind.name()
                )));
            }
            let Some(company) = company else { continue };
            let company = company.trim();
            if company.is_empty() {
                let key = if *kind == TargetKind::Qbo { "realm_id" } else { "tenant_id" };
                return Err(invalid(format!("[books.{name}] {kind}.{key} is empty")));
            }
            if let Some(other) = companies.insert((*kind, company.to_owned()), name.clone()) {
                return Err(invalid(format!(
                    "[books.{name}] and [books.{other}] name the same {} company `{company}`: a company \
                     can be one book only",
                    kind.name()
                )));
            }
        }
        books.insert(name.clone(), BookConfig { name, targets: book_targets });
    }
    Ok(books)
}

/// With one book, the targets it does not post to are turned off; its
/// companies are read from the book itself (`connect`).
pub(super) fn fold_one_book(
    books: &BTreeMap<BookName, BookConfig>,
    targets: &mut BTreeMap<TargetKind, TargetConfig>,
) {
    let [(_, book)] = books.iter().collect::<Vec<_>>()[..] else { return };
    for (kind, target) in targets.iter_mut() {
        if !book.posts_to(*kind) {
            target.enabled = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::super::{Config, Env};
    use super::BookConfig;
    use crate::domain::BookName;
    use crate::targets::TargetKind;

    const BASE: &str = r#"
[source]
kind = "rest"
base_url = "http://127.0.0.1:9/entrata/integrations/int_demo/"
integration_token_env = "T"
username_env = "U"
password_env = "P"

[targets.qbo]
api_base = "http://127.0.0.1:9/qbo"
client_id_env = "QI"
client_secret_env = "QS"

[targets.xero]
api_base = "http://127.0.0.1:9/xero"
client_id_env = "XI"
client_secret_env = "XS"
"#;

    fn parse(extra: &str) -> Result<Config, String> {
        Config::parse(Path::new("recon.toml"), &format!("{BASE}{extra}"), Env::default())
            .map_err(|e| e.to_string())
    }

    fn book(name: &str) -> BookName {
        BookName::new(name)
    }

    fn only(config: &Config) -> &BookConfig {
        let books: Vec<&BookConfig> = config.books.values().collect();
        assert_eq!(books.len(), 1, "one book");
        books[0]
    }

    #[test]
    fn without_books_the_one_book_posts_to_every_target() {
        let config = parse("").unwrap();
        let book_of = only(&config);
        assert_eq!(book_of.name, book("default"));
        assert_eq!(book_of.targets.keys().copied().collect::<Vec<_>>(), [TargetKind::Qbo, TargetKind::Xero]);
        let with_tenant =
            BASE.replace("client_secret_env = \"XS\"", "client_secret_env = \"XS\"\ntenant_id = \"Org\"");
        let config = Config::parse(Path::new("recon.toml"), &with_tenant, Env::default()).unwrap();
        assert_eq!(only(&config).targets[&TargetKind::Xero].as_deref(), Some("Org"));
    }

    #[test]
    fn several_books_each_post_to_their_targets() {
        let config = parse(
            "[books.owner-a]\nqbo = { realm_id = \"111\" }\n[books.owner-b]\nxero = { tenant_id = \"Org B\" }\n",
        )
        .unwrap();
        assert_eq!(config.books.keys().cloned().collect::<Vec<_>>(), [book("owner-a"), book("owner-b")]);
        assert!(config.books[&book("owner-a")].posts_to(TargetKind::Qbo));
        assert!(!config.books[&book("owner-a")].posts_to(TargetKind::Xero));
        assert_eq!(config.books[&book("owner-b")].targets[&TargetKind::Xero].as_deref(), Some("Org B"));
        // Both targets stay enabled: each serves one of the books.
        assert!(config.targets.values().all(|t| t.enabled));
    }

    #[test]
    fn one_book_is_the_targets_settings() {
        let config = parse("[books.owner-a]\nxero = { tenant_id = \"Org A\" }\n").unwrap();
        assert_eq!(only(&config).name, book("owner-a"));
        assert!(!config.targets[&TargetKind::Qbo].enabled, "a target the book does not name is left out");
        assert_eq!(only(&config).targets[&TargetKind::Xero].as_deref(), Some("Org A"));
        let config = parse("[books.owner-a]\nqbo = { realm_id = \"111\" }\n").unwrap();
        assert_eq!(only(&config).targets[&TargetKind::Qbo].as_deref(), Some("111"));
        assert!(!config.targets[&TargetKind::Xero].enabled);
    }

    #[test]
    fn books_that_cannot_be_are_refused_with_what_to_do() {
        let cases = [
            ("[books]\n", "[books] names no book"),
            ("[books.\"owner a\"]\nqbo = {}\n", "[books.owner a]: the name is not 1 to 40 letters"),
            ("[books.owner-a]\n", "[books.owner-a] posts to no target: add `qbo = {}` and/or `xero = {}`"),
            ("[books.owner-a]\nqbo = { tenant_id = \"x\" }\n", "unknown field `tenant_id`"),
            (
                "[books.a]\nxero = { tenant_id = \"Org\" }\n[books.b]\nxero = { tenant_id = \"Org\" }\n",
                "[books.b] and [books.a] name the same Xero company `Org`: a company can be one book only",
            ),
            ("[books.a]\nqbo = { realm_id = \" \" }\n", "[books.a] qbo.realm_id is empty"),
        ];
        for (extra, expected) in cases {
            let error = parse(extra).unwrap_err();
            assert!(error.contains(expected), "{extra}: {error}");
        }
        let no_xero_app = BASE.split("[targets.xero]").next().unwrap().to_owned() + "[books.a]\nxero = {}\n";
        let error =
            Config::parse(Path::new("recon.toml"), &no_xero_app, Env::default()).unwrap_err().to_string();
        assert!(error.contains("[books.a] xero: [targets.xero] is not configured"), "{error}");
        let tenant_too = BASE
            .replace("client_secret_env = \"XS\"", "client_secret_env = \"XS\"\ntenant_id = \"Org\"")
            + "[books.a]\nxero = {}\n";
        let error =
            Config::parse(Path::new("recon.toml"), &tenant_too, Env::default()).unwrap_err().to_string();
        assert!(error.contains("move it to the book's `xero = { tenant_id = \"Org\" }`"), "{error}");
    }
}
