//! No import circle among a crate's files other than a parent module and its children (issue 17,
//! ARCHITECTURE.md "Cross-cutting invariants"). A file's edges are the modules its `crate::`,
//! `super::` and `self::` paths name (in `use` trees and inline), resolved to the deepest module
//! file the path reaches; an edge between a module and one of its ancestors is the parent and its
//! children, and is allowed. Comments and `#[cfg(test)] mod tests` blocks at a file's end are not
//! read: tests may reach anywhere.
//!
//! The check reads text, as a person would: a path through a re-export is charged to the module
//! that re-exports it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type Module = Vec<String>;

#[test]
fn no_crate_has_an_import_circle() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut found = Vec::new();
    for src in ["src", "crates/recon/src", "crates/sandbox/src"] {
        for circle in circles(&root.join(src)) {
            let names: Vec<String> = circle.iter().map(|m| format!("{src}/{}", m.join("/"))).collect();
            found.push(names.join(" <-> "));
        }
    }
    assert!(
        found.is_empty(),
        "import circles (move what both sides use into a third file):\n{}",
        found.join("\n")
    );
}

/// A circle among three files is found (the check can fail).
#[test]
fn a_circle_is_found() {
    let dir = tempfile::tempdir().expect("dir");
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("dir");
        std::fs::write(path, text).expect("write");
    };
    write("lib.rs", "mod a;\nmod b;\nmod c;\n");
    write("a.rs", "use crate::b::Thing;\n");
    write("b.rs", "use super::{c::{self, Other}};\n// use crate::a::Nothing;\n");
    write("c.rs", "pub fn f() { crate::a::g() }\n#[cfg(test)]\nmod tests {\n    use crate::b::X;\n}\n");
    let found = circles(dir.path());
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].len(), 3, "{found:?}");
    // Without the inline path back, no circle; a parent and its child never make one.
    write("c.rs", "pub fn f() {}\n");
    write("b.rs", "use super::c::Other;\n");
    write("lib.rs", "mod a;\nmod b;\nmod c;\nuse a::Thing;\n");
    write("a.rs", "use crate::b::Thing;\nuse super::X;\n");
    assert!(circles(dir.path()).is_empty());
}

/// The strongly connected components of more than one file.
fn circles(src: &Path) -> Vec<Vec<Module>> {
    let files = module_files(src);
    let modules: BTreeSet<Module> = files.keys().cloned().collect();
    let mut edges: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
    for (module, path) in &files {
        let text = without_tests(&without_comments(&std::fs::read_to_string(path).expect("source")));
        for reference in references(&tokens(&text)) {
            let absolute = match reference.first().map(String::as_str) {
                Some("crate") => reference[1..].to_vec(),
                _ => {
                    let mut here = module.clone();
                    let mut rest = reference.as_slice();
                    while let Some(first) = rest.first() {
                        match first.as_str() {
                            "super" => {
                                here.pop();
                            }
                            "self" => {}
                            _ => break,
                        }
                        rest = &rest[1..];
                    }
                    here.extend(rest.iter().cloned());
                    here
                }
            };
            let Some(target) =
                (1..=absolute.len()).rev().map(|n| absolute[..n].to_vec()).find(|m| modules.contains(m))
            else {
                continue;
            };
            if target.starts_with(module) || module.starts_with(&target) {
                continue;
            }
            edges.entry(module.clone()).or_default().insert(target);
        }
    }
    strongly_connected(&modules, &edges).into_iter().filter(|c| c.len() > 1).collect()
}

/// Every `.rs` file under `src` by its module path (`a/mod.rs` and `a.rs` are `a`; `lib.rs` is the root).
fn module_files(src: &Path) -> BTreeMap<Module, PathBuf> {
    let mut out = BTreeMap::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("dir").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let relative = path.strip_prefix(src).expect("under src").with_extension("");
                let mut module: Module =
                    relative.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
                if matches!(module.last().map(String::as_str), Some("mod" | "lib" | "main")) {
                    module.pop();
                }
                out.insert(module, path);
            }
        }
    }
    out
}

fn without_comments(text: &str) -> String {
    text.lines().map(|line| line.split("//").next().unwrap_or_default()).collect::<Vec<_>>().join("\n")
}

fn without_tests(text: &str) -> String {
    match text.find("#[cfg(test)]\nmod tests") {
        Some(at) => text[..at].to_owned(),
        None => text.to_owned(),
    }
}

/// Identifiers, `::`, and single punctuation characters.
fn tokens(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_alphanumeric() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push(chars[start..i].iter().collect());
        } else if c == ':' && chars.get(i + 1) == Some(&':') {
            out.push("::".into());
            i += 2;
        } else {
            if !c.is_whitespace() {
                out.push(c.to_string());
            }
            i += 1;
        }
    }
    out
}

/// The paths starting at `crate`, `super` or `self`: inline ones, and every leaf of a `use` tree.
fn references(tokens: &[String]) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        if tokens[i] == "use" {
            let end = tokens[i..].iter().position(|t| t == ";").map_or(tokens.len(), |p| i + p);
            use_tree(&tokens[i + 1..end], &[], &mut out);
            i = end;
            continue;
        }
        let starts_path = matches!(tokens[i].as_str(), "crate" | "super" | "self")
            && (i == 0 || tokens[i - 1] != "::")
            && tokens.get(i + 1).is_some_and(|t| t == "::");
        if starts_path {
            let mut path = vec![tokens[i].clone()];
            let mut j = i + 1;
            while j + 1 < tokens.len() && tokens[j] == "::" && is_ident(&tokens[j + 1]) {
                path.push(tokens[j + 1].clone());
                j += 2;
            }
            out.push(path);
            i = j;
            continue;
        }
        i += 1;
    }
    out.retain(|p| matches!(p.first().map(String::as_str), Some("crate" | "super" | "self")));
    out
}

/// Expands a `use` tree (`a::{b, c::{d as e, self}}`) into its leaves, each prefixed by `prefix`.
fn use_tree(tokens: &[String], prefix: &[String], out: &mut Vec<Vec<String>>) {
    // Split the top level on commas outside braces.
    let mut depth = 0;
    let mut start = 0;
    let mut parts = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        match t.as_str() {
            "{" => depth += 1,
            "}" => depth -= 1,
            "," if depth == 0 => {
                parts.push(&tokens[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&tokens[start..]);
    for part in parts {
        let mut path = prefix.to_vec();
        let mut i = 0;
        while i < part.len() {
            let t = &part[i];
            if t == "{" {
                // Not a use tree (the word `use` in a string): nothing to expand.
                let Some(close) = part.iter().rposition(|t| t == "}").filter(|c| *c > i) else {
                    path.clear();
                    break;
                };
                use_tree(&part[i + 1..close], &path, out);
                path.clear();
                break;
            } else if t == "as" {
                break;
            } else if is_ident(t) && t != "self" || (t == "self" && path.is_empty()) {
                path.push(t.clone());
            }
            i += 1;
        }
        if !path.is_empty() {
            out.push(path);
        }
    }
}

fn is_ident(token: &str) -> bool {
    token.chars().next().is_some_and(|c| c.is_alphabetic() || c == '_')
}

/// Tarjan's algorithm, iteratively deep enough for a crate's files.
fn strongly_connected(
    nodes: &BTreeSet<Module>,
    edges: &BTreeMap<Module, BTreeSet<Module>>,
) -> Vec<Vec<Module>> {
    struct State<'a> {
        edges: &'a BTreeMap<Module, BTreeSet<Module>>,
        index: BTreeMap<Module, usize>,
        low: BTreeMap<Module, usize>,
        stack: Vec<Module>,
        on: BTreeSet<Module>,
        out: Vec<Vec<Module>>,
    }
    fn visit(s: &mut State<'_>, v: &Module) {
        let n = s.index.len();
        s.index.insert(v.clone(), n);
        s.low.insert(v.clone(), n);
        s.stack.push(v.clone());
        s.on.insert(v.clone());
        let next: Vec<Module> = s.edges.get(v).map(|e| e.iter().cloned().collect()).unwrap_or_default();
        for w in next {
            if !s.index.contains_key(&w) {
                visit(s, &w);
                let low = s.low[v].min(s.low[&w]);
                s.low.insert(v.clone(), low);
            } else if s.on.contains(&w) {
                let low = s.low[v].min(s.index[&w]);
                s.low.insert(v.clone(), low);
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on.remove(&w);
                let done = &w == v;
                component.push(w);
                if done {
                    break;
                }
            }
            s.out.push(component);
        }
    }
    let mut s = State {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on: BTreeSet::new(),
        out: Vec::new(),
    };
    for v in nodes {
        if !s.index.contains_key(v) {
            visit(&mut s, v);
        }
    }
    s.out
}
