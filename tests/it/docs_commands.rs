//! Every command line in the READMEs' `sh` blocks, and every example in `--help`, runs as
//! written, against sandboxes, on this build. Found generically (fenced `sh` blocks; the lines
//! under `Examples:` in each command's help, walking clap's command tree), so commands added later
//! are covered without touching this file.
//!
//! The substitutions and conventions, the only ones:
//! - `entrata-recon ARGS` is this build's binary (on `PATH` for `sh`); `cargo run --release --
//!   ARGS` is the same binary; `cargo test ...` lines are skipped (they are this suite).
//! - `/tmp/try` becomes a fresh scratch folder's `try/`; a fixed port (`127.0.0.1:8080`) becomes
//!   a free one.
//! - Each README's lines run in order with `sh -c`, in a fresh scratch folder holding copies of the
//!   repository's `fixtures/` and `mappings/` (as in a checkout); the `--help` examples run in the
//!   order `--help` shows them, in one scratch folder holding `fixtures/`.
//! - `sandbox` lines run in the background until they print that they are ready, and serve until
//!   the test ends (the README says "in another terminal").
//! - `connect` lines are answered as a person with a browser would: the authorization URL they
//!   print is opened (its redirects followed, back to `connect`'s loopback listener).
//! - A command must exit 0 or 1 (done, or done and something needs a person: the sandboxes'
//!   portfolios have planted exceptions); one with `--strict` may exit 2, which is what `--strict`
//!   does with such findings.
//!
//! It also checks that every document the READMEs, the pages in `docs/` and `--help` name is in the
//! repository (`every_document_the_readmes_and_help_name_exists`).

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Command;

use clap::CommandFactory;
use common::cli::{BIN, Background};

const READMES: [&str; 3] = ["README.md", "fixtures/README.md", "mappings/README.md"];

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The lines of the fenced `sh` blocks of a Markdown file, comments and blank lines left out.
fn sh_lines(markdown: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut in_sh = false;
    for line in markdown.lines() {
        let fence = line.trim_start();
        if fence.starts_with("```") {
            in_sh = !in_sh && fence.trim_start_matches('`').trim() == "sh";
            continue;
        }
        let command = line.trim();
        if in_sh && !command.is_empty() && !command.starts_with('#') {
            lines.push(command.to_owned());
        }
    }
    lines
}

/// The examples of every command's help, in the order `--help` shows the commands.
fn help_examples(command: &clap::Command, out: &mut Vec<String>) {
    for help in [command.get_after_help(), command.get_after_long_help()].into_iter().flatten() {
        let text = help.to_string();
        let mut in_examples = false;
        for line in text.lines() {
            if line.trim_end().ends_with("Examples:") {
                in_examples = true;
            } else if in_examples && line.trim_start().starts_with("entrata-recon ") {
                out.push(line.trim().to_owned());
            } else if in_examples && !line.trim().is_empty() {
                in_examples = false;
            }
        }
    }
    for sub in command.get_subcommands() {
        help_examples(sub, out);
    }
}

/// A scratch folder with `entrata-recon` on a PATH of its own.
struct Scratch {
    dir: tempfile::TempDir,
    bin: PathBuf,
    background: Vec<Background>,
}

impl Scratch {
    fn new(copies: &[&str]) -> Scratch {
        let dir = tempfile::tempdir().expect("scratch folder");
        for folder in copies {
            copy_dir(&repo().join(folder), &dir.path().join(folder));
        }
        let bin = dir.path().join(".bin");
        std::fs::create_dir(&bin).expect("mkdir");
        std::os::unix::fs::symlink(BIN, bin.join("entrata-recon")).expect("symlink");
        Scratch { dir, bin, background: Vec::new() }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The command line as it will run: the conventions above applied. `None`: skipped.
    fn resolve(&self, line: &str) -> Option<String> {
        let line = if let Some(rest) = line.strip_prefix("cargo run --release -- ") {
            format!("entrata-recon {rest}")
        } else if line.starts_with("cargo test") {
            return None;
        } else {
            assert!(
                line.starts_with("entrata-recon "),
                "no convention covers `{line}`: extend tests/it/docs_commands.rs"
            );
            line.to_owned()
        };
        let line = line.replace("/tmp/try", &self.path().join("try").display().to_string());
        Some(free_ports(&line))
    }

    fn sh(&self, line: &str) -> Command {
        let mut command = Command::new("sh");
        let path = format!("{}:{}", self.bin.display(), std::env::var("PATH").unwrap_or_default());
        command
            .arg("-c")
            .arg(line)
            .env_clear()
            .env("PATH", path)
            .env("TMPDIR", self.path())
            .env("HOME", self.path())
            .current_dir(self.path())
            .stdin(std::process::Stdio::null());
        command
    }

    fn run(&mut self, written: &str) {
        let Some(line) = self.resolve(written) else { return };
        if line.starts_with("entrata-recon sandbox") {
            // `exec`: the sandbox itself is the child, and is stopped with it.
            self.background.push(Background::start(self.sh(&format!("exec {line}"))));
            eprintln!("serving: {line}");
            return;
        }
        let output = if line.contains(" connect ") {
            // A connect listens on its config's loopback redirect (127.0.0.1:8765 by default):
            // one at a time across this binary's tests.
            let _one = CONNECTING.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            consent(self.sh(&line))
        } else {
            self.sh(&line).output().expect("sh runs")
        };
        let code = output.status.code();
        eprintln!("exit {code:?}: {line}");
        let strict_refusal = code == Some(2) && line.contains("--strict");
        assert!(
            matches!(code, Some(0 | 1)) || strict_refusal,
            "`{written}` (run as `{line}`) exited {code:?}\nstdout:\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

static CONNECTING: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Runs a `connect` and opens the URL it prints as a browser would (following the redirects back
/// to its loopback listener).
fn consent(mut command: Command) -> std::process::Output {
    use std::io::BufRead;
    let mut child = command
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("sh runs");
    let stdout = child.stdout.take().expect("stdout");
    let mut reader = std::io::BufReader::new(stdout);
    let mut printed = String::new();
    let mut url = None;
    let mut line = String::new();
    while reader.read_line(&mut line).expect("read") > 0 {
        printed.push_str(&line);
        if line.starts_with("http") {
            url = Some(line.trim().to_owned());
            break;
        }
        line.clear();
    }
    if let Some(url) = url {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        runtime.block_on(async {
            let browser = reqwest::Client::builder().no_proxy().build().expect("client");
            for _ in 0..50 {
                if browser.get(&url).send().await.is_ok() {
                    return;
                }
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            panic!("the consent URL {url} never answered");
        });
    }
    let mut rest = String::new();
    let _ = std::io::Read::read_to_string(&mut reader, &mut rest);
    printed.push_str(&rest);
    let mut output = child.wait_with_output().expect("connect ends");
    output.stdout = printed.into_bytes();
    output
}

/// `127.0.0.1:PORT` with a fixed port becomes a free port.
fn free_ports(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(at) = rest.find("127.0.0.1:") {
        let (head, tail) = rest.split_at(at + "127.0.0.1:".len());
        out.push_str(head);
        let digits: String = tail.chars().take_while(char::is_ascii_digit).collect();
        if digits.is_empty() || digits == "0" {
            out.push_str(&digits);
        } else {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
            out.push_str(&listener.local_addr().expect("addr").port().to_string());
        }
        rest = &tail[digits.len()..];
    }
    out.push_str(rest);
    out
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

#[test]
fn every_readme_command_runs_as_written() {
    let mut ran = 0;
    for readme in READMES {
        let text = std::fs::read_to_string(repo().join(readme)).expect("README");
        let mut scratch = Scratch::new(&["fixtures", "mappings"]);
        for line in sh_lines(&text) {
            scratch.run(&line);
            ran += 1;
        }
    }
    assert!(ran >= 8, "only {ran} README commands found");
}

#[test]
fn every_help_example_runs_as_written() {
    let mut examples = Vec::new();
    help_examples(&entrata_recon_cli::cli::Cli::command(), &mut examples);
    assert!(examples.len() >= 12, "{examples:#?}");
    let mut scratch = Scratch::new(&["fixtures"]);
    for example in &examples {
        scratch.run(example);
    }
}

#[test]
fn the_conventions_find_and_resolve_commands() {
    let markdown = "text\n```sh\ncargo run --release -- demo   # a comment\n\n# a comment line\ncargo test --locked\n```\n```toml\nx = 1\n```\n";
    assert_eq!(sh_lines(markdown), ["cargo run --release -- demo   # a comment", "cargo test --locked"]);
    let scratch = Scratch::new(&[]);
    assert_eq!(scratch.resolve("cargo test --locked"), None);
    let resolved = scratch.resolve("cargo run --release -- --config /tmp/try/recon.toml plan").expect("run");
    assert_eq!(resolved, format!("entrata-recon --config {}/try/recon.toml plan", scratch.path().display()));
    let ported = free_ports("entrata-recon sandbox --listen 127.0.0.1:8080 --x 127.0.0.1:0");
    assert!(!ported.contains(":8080") && ported.ends_with("127.0.0.1:0"), "{ported}");
}

/// What a text names as a document: the targets of its Markdown links (`[text](target)`), and the
/// paths written in it that end in `.md`, start with `docs/` or climb out of their folder (`../`).
/// Web addresses and in-page anchors are left out; a link's `#anchor` is dropped.
#[derive(Debug, Default)]
struct Named {
    /// Relative to the folder of the file that holds the link (as a Markdown viewer resolves it).
    links: Vec<String>,
    /// Relative to the repository root, or to the folder of the file that names it.
    paths: Vec<String>,
}

fn named_documents(text: &str) -> Named {
    let mut named = Named::default();
    // Link targets first, blanked out so that their text is not read again as a path.
    let mut rest = text.to_owned();
    let mut from = 0;
    while let Some(at) = rest[from..].find("](").map(|i| from + i + 2) {
        let Some(len) = rest[at..].find(')') else { break };
        let target = rest[at..at + len].to_owned();
        rest.replace_range(at..at + len, &" ".repeat(len));
        from = at + len;
        let target = target.split('#').next().unwrap_or_default().trim();
        if !target.is_empty() && !target.contains("://") && !target.starts_with("mailto:") {
            named.links.push(target.to_owned());
        }
    }
    let path_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '/' | '-');
    for token in rest.split(|c: char| !path_char(c)) {
        // A sentence may end right after a path.
        let token = token.trim_end_matches('.');
        // What is left of `https://host/a.md` once `:` splits it.
        if token.starts_with("//") {
            continue;
        }
        if (token.ends_with(".md") && token.len() > ".md".len())
            || token.starts_with("docs/")
            || token.starts_with("../")
        {
            named.paths.push(token.to_owned());
        }
    }
    named
}

/// Why `path` (as named in a file in `base`) is not a document of this repository, if it is not.
fn missing(path: &str, bases: &[&Path]) -> Option<String> {
    let root = repo().canonicalize().expect("repository");
    let found = bases.iter().map(|base| base.join(path)).find(|p| p.exists());
    match found {
        None => Some(format!("`{path}` does not exist (looked in {bases:?})")),
        Some(p) => {
            let real = p.canonicalize().expect("canonical path");
            (!real.starts_with(&root))
                .then(|| format!("`{path}` is outside the repository ({})", real.display()))
        }
    }
}

/// Every full `--help` text: the top level and every command, as `entrata-recon <command> --help`
/// prints it.
fn every_help(command: &mut clap::Command, out: &mut Vec<(String, String)>) {
    let name = command.get_name().to_owned();
    out.push((name, command.render_long_help().to_string()));
    for sub in command.get_subcommands_mut() {
        every_help(sub, out);
    }
}

/// A section sign points into a document, so the line names that document before it: `docs/x.md`
/// §6, never "spec §5" or "the §6 document".
fn sections_without_their_document(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|line| {
            let before = &line[..line.find('§')?];
            (!named_documents(before).paths.iter().any(|p| p.ends_with(".md")))
                .then(|| line.trim().to_owned())
        })
        .collect()
}

#[test]
fn every_document_the_readmes_and_help_name_exists() {
    let root = repo();
    let mut texts: Vec<(String, PathBuf, String)> = Vec::new();
    for readme in READMES {
        let path = root.join(readme);
        let text = std::fs::read_to_string(&path).expect("README");
        texts.push((readme.to_owned(), path.parent().expect("folder").to_owned(), text));
    }
    let mut pages: Vec<PathBuf> = std::fs::read_dir(root.join("docs"))
        .expect("docs/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    pages.sort();
    for page in &pages {
        let text = std::fs::read_to_string(page).expect("page");
        let name = page.strip_prefix(root).expect("in the repository").display().to_string();
        texts.push((name, root.join("docs"), text));
    }
    let mut cli = entrata_recon_cli::cli::Cli::command();
    cli.build();
    let mut helps = Vec::new();
    every_help(&mut cli, &mut helps);
    assert!(helps.len() >= 12, "{:?}", helps.iter().map(|(name, _)| name).collect::<Vec<_>>());
    for (command, help) in helps {
        texts.push((format!("`{command} --help`"), root.to_owned(), help));
    }

    let mut problems = Vec::new();
    let mut checked = 0;
    for (source, base, text) in &texts {
        let named = named_documents(text);
        for link in &named.links {
            checked += 1;
            if let Some(why) = missing(link, &[base.as_path()]) {
                problems.push(format!("{source}: link {why}"));
            }
        }
        for path in &named.paths {
            checked += 1;
            if let Some(why) = missing(path, &[root, base.as_path()]) {
                problems.push(format!("{source}: {why}"));
            }
        }
        for line in sections_without_their_document(text) {
            problems.push(format!("{source}: a § with no document before it: {line}"));
        }
    }
    assert!(problems.is_empty(), "documents named but not in the repository:\n{}", problems.join("\n"));
    assert!(checked >= 20, "only {checked} document references found");

    // And every page in docs/ is one the README names.
    let readme = named_documents(&texts[0].2);
    for page in &pages {
        let name = page.strip_prefix(root).expect("in the repository").display().to_string();
        assert!(readme.paths.contains(&name) || readme.links.contains(&name), "README.md names no {name}");
    }
}

#[test]
fn the_document_check_finds_what_is_missing() {
    let text = "See PRODUCT.md §3, [the spec](spec/source-api.md#sessions), `docs/drift-json.md`,\n\
                the files beside it (`../shared/`), https://example.com/x.md and README.md.\n\
                A dataset in the format of the §6 document.";
    let named = named_documents(text);
    assert_eq!(named.links, ["spec/source-api.md"]);
    assert_eq!(named.paths, ["PRODUCT.md", "docs/drift-json.md", "../shared/", "README.md"]);
    let root = repo();
    assert!(missing("PRODUCT.md", &[root]).is_some());
    assert!(missing("spec/source-api.md", &[root]).is_some());
    assert!(missing("../shared/", &[root]).is_some(), "outside the repository");
    assert_eq!(missing("docs/drift-json.md", &[root]), None);
    assert_eq!(missing("../docs/drift-json.md", &[root.join("fixtures").as_path()]), None);
    assert_eq!(missing("README.md", &[root]), None);
    assert_eq!(sections_without_their_document(text), ["A dataset in the format of the §6 document."]);
}
