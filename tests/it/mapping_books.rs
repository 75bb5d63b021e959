//! Several sets of books in the mapping files (issue 18): `book = "..."` routes a property, a
//! book's file is laid between portfolio.toml and the property's, and a book recon.toml does not
//! name is a mistake at its line.

use std::path::Path;

use entrata_recon::domain::{AccountName, BookName, PropertyId};
use entrata_recon::mapping::{CheckReport, load, load_routed};

const DIR: &str = "tests/data/mappings/books";

fn books(names: &[&str]) -> Vec<BookName> {
    names.iter().map(BookName::new).collect()
}

fn rental(set: &entrata_recon::mapping::MappingSet, property: &str) -> (Option<String>, Option<String>) {
    let mapping = set.for_property(&PropertyId::new(property));
    let account = &mapping.accounts[&AccountName::new("rental_income")];
    (account.qbo.clone(), account.xero.clone())
}

fn owned(qbo: &str, xero: &str) -> (Option<String>, Option<String>) {
    (Some(qbo.to_owned()), Some(xero.to_owned()))
}

#[test]
fn a_property_posts_to_its_book_under_that_books_layer() {
    let set = load_routed(Path::new(DIR), &books(&["owner-a", "owner-b"])).expect("valid");
    assert_eq!(set.book_files(), [Path::new(DIR).join("books/owner-b.toml")]);
    assert_eq!(set.property_files().len(), 2);

    // No file of its own: portfolio.toml's book, portfolio.toml's accounts.
    let other = set.for_property(&PropertyId::new("prop_other"));
    assert_eq!(other.book.as_str(), "owner-a");
    assert_eq!(rental(&set, "prop_other"), owned("4000", "4000"));
    assert_eq!(other.dimensions.qbo_class, None);

    // Its own file names no book: portfolio.toml's, and its own override of Xero's number.
    assert_eq!(set.for_property(&PropertyId::new("prop_lakeview")).book.as_str(), "owner-a");
    assert_eq!(rental(&set, "prop_lakeview"), owned("4000", "4001"));

    // Routed to owner-b: owner-b's file, then its own (which keeps owner-b's class and numbers).
    let ridge = set.for_property(&PropertyId::new("prop_ridge"));
    assert_eq!(ridge.book.as_str(), "owner-b");
    assert_eq!(rental(&set, "prop_ridge"), owned("4100", "410"));
    assert_eq!(ridge.dimensions.qbo_class.as_deref(), Some("Owner B"));
    assert_eq!(ridge.journal.doc_prefix, "RG", "the property's own file still wins");
}

#[test]
fn without_books_every_property_is_in_the_default_book() {
    let set = load(Path::new("tests/data/mappings/full")).expect("valid");
    for property in ["prop_lakeview", "prop_ridge", "prop_other"] {
        assert_eq!(set.for_property(&PropertyId::new(property)).book.as_str(), "default");
    }
    assert!(set.book_files().is_empty());
}

#[test]
fn a_book_recon_toml_does_not_name_is_a_mistake_at_its_line() {
    let errors =
        load_routed(Path::new(DIR), &books(&["owner-a", "owner-c"])).expect_err("owner-b is unknown");
    assert!(CheckReport::invalid(errors).to_string().starts_with(
        "tests/data/mappings/books/books/owner-b.toml:1:1: book `owner-b` is not one of recon.toml's books; did you mean `owner-a`?\n\
         tests/data/mappings/books/properties/prop_ridge.toml:2:8: book `owner-b` is not one of recon.toml's books; did you mean `owner-a`?\n\n\
         2 mistakes in 2 files."
    ));
    // A config without [books] has the one book `default`.
    let errors = load_routed(Path::new(DIR), &books(&["default"])).expect_err("no books");
    let text = CheckReport::invalid(errors).to_string();
    assert!(
        text.contains(
            "tests/data/mappings/books/portfolio.toml:2:8: book `owner-a` is not one of recon.toml's books; \
             expected no `book` (recon.toml has no [books]: every property posts to its one company per target)"
        ),
        "{text}"
    );
}

#[test]
fn book_files_are_checked_on_their_own() {
    let dir = tempfile::tempdir().expect("temp dir");
    let copy = |from: &str, to: &str| {
        std::fs::create_dir_all(dir.path().join(to).parent().expect("parent")).expect("dir");
        std::fs::copy(Path::new(DIR).join(from), dir.path().join(to)).expect("copy");
    };
    copy("portfolio.toml", "portfolio.toml");
    std::fs::create_dir(dir.path().join("books")).expect("books folder");
    let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).expect("write");
    write("books/owner-b.toml", "book = \"owner-a\"\n[codes.RENT]\naccount = \"rental_incme\"\n");
    write("books/Owner B.toml", "[journal]\ngroup_by = \"day\"\n");
    let errors = load(dir.path()).expect_err("three mistakes");
    let text = CheckReport::invalid(errors).to_string();
    for expected in [
        "Owner B.toml: the file name is not a book's name; expected `<book>.toml`, the book's name in recon.toml's `[books]`",
        "owner-b.toml:1:8: `book` in a book's own file; expected `book = \"...\"` in portfolio.toml or in a property's file",
        "owner-b.toml:3:11: unknown account `rental_incme`",
    ] {
        assert!(text.contains(expected), "{expected}\n---\n{text}");
    }
}

/// Two books through the real binary: `plan` routes each property's entries to its book, `post`
/// says which book is not connected, and `drift` which book it cannot compare.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_books_are_planned_apart_and_never_posted_into_one_company() {
    let h = crate::common::Harness::start(crate::common::generated("properties=2,months=1,seed=5")).await;
    h.write_mappings();
    h.pull().await;
    let config = std::fs::read_to_string(h.config_path()).expect("config");
    let books = "\n[books.owner-a]\nqbo = {}\n\n[books.owner-b]\nxero = {}\n";
    std::fs::write(h.config_path(), config + books).expect("config written");
    let (ridge, _) = crate::books_connect::route(&h, "owner-a", "owner-b");

    let plan = h.run(&["plan", "--format", "json"]).await;
    let json: serde_json::Value =
        serde_json::from_str(&plan.stdout).unwrap_or_else(|e| panic!("{e}: {}", plan.stderr));
    let entries = json["entries"].as_array().expect("entries");
    assert!(!entries.is_empty());
    for entry in entries {
        let expected = if entry["propertyId"] == "prop_0002" { "owner-b" } else { "owner-a" };
        assert_eq!(entry["book"], expected, "{}", entry["key"]);
    }
    assert!(entries.iter().any(|e| e["book"] == "owner-b") && entries.iter().any(|e| e["book"] == "owner-a"));
    // `--books` narrows the plan to the properties routed there.
    let narrowed = h.run(&["plan", "--format", "json", "--books", "owner-b"]).await;
    let json: serde_json::Value = serde_json::from_str(&narrowed.stdout).expect("plan JSON");
    let only_b = json["entries"].as_array().expect("entries");
    assert!(!only_b.is_empty() && only_b.iter().all(|e| e["book"] == "owner-b"), "{}", narrowed.stdout);
    let unknown = h.run(&["plan", "--books", "owner-z"]).await;
    assert_eq!(unknown.code, Some(2), "{}", unknown.all_output());
    assert!(unknown.stderr.contains("recon.toml names no book `owner-z` (it names owner-a, owner-b)"));

    // Neither book is connected: `drift` has nothing to compare with, and says which book.
    let refused = h.run(&["drift"]).await;
    assert_eq!(refused.code, Some(2), "{}", refused.all_output());
    assert!(
        refused.stderr.contains(
            "could not compare QuickBooks Online: book owner-a: not connected: run `entrata-recon connect qbo --books owner-a` first"
        ),
        "{}",
        refused.stderr
    );
    let post = h.run(&["post"]).await;
    assert_eq!(post.code, Some(2), "{}", post.all_output());
    for (name, book, target) in [("QuickBooks Online", "owner-a", "qbo"), ("Xero", "owner-b", "xero")] {
        let line = format!(
            "{target} is not connected for book {book}: run `entrata-recon connect {target} --books {book}` first"
        );
        assert!(post.stdout.contains(&line), "{name}: {}", post.stdout);
    }
    let books = crate::post_qbo::support::books(&h).await;
    assert!(crate::post_qbo::support::entries(&books).is_empty(), "nothing posted");

    // A property routed to a book recon.toml does not name: plan says where.
    std::fs::write(&ridge, "book = \"owner-c\"\n").expect("written");
    let plan = h.run(&["plan"]).await;
    assert_eq!(plan.code, Some(2), "{}", plan.all_output());
    assert!(
        plan.all_output().contains("prop_0002.toml:1:8: book `owner-c` is not one of recon.toml's books"),
        "{}",
        plan.all_output()
    );
}

/// One book that names its QuickBooks company: a consent that chose another company is refused
/// before its code is exchanged, and nothing is kept; the right company connects.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_book_connects_only_the_company_it_names() {
    use crate::post_qbo::support::{connect_with, world};
    let h = world("properties=1,months=1,seed=5").await;
    let config = std::fs::read_to_string(h.config_path()).expect("config");
    std::fs::write(h.config_path(), format!("{config}\n[books.owner-a]\nqbo = {{ realm_id = \"999\" }}\n"))
        .expect("config written");
    let refused = connect_with(&h, true, &[]).await;
    assert_eq!(refused.code, Some(2), "{}", refused.all_output());
    let output = refused.all_output();
    let (_, chosen) =
        output.split_once("the consent chose QuickBooks company ").expect("the refusal says why");
    let realm = chosen.split(',').next().expect("realm").to_owned();
    assert!(chosen.starts_with(&format!("{realm}, and the config's book says 999")), "{output}");
    let status = h.run(&["status", "--format", "json"]).await;
    let status: serde_json::Value = serde_json::from_str(&status.stdout).expect("status JSON");
    let targets = status["targets"].as_array().expect("targets");
    assert!(targets.iter().all(|t| t["connected"] != true), "nothing kept: {status}");

    std::fs::write(
        h.config_path(),
        format!("{config}\n[books.owner-a]\nqbo = {{ realm_id = \"{realm}\" }}\n"),
    )
    .expect("config written");
    let connected = connect_with(&h, true, &[]).await;
    assert_eq!(connected.code, Some(0), "{}", connected.all_output());
}
