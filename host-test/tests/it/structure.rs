//! The repository's shape (issue 20): no two source files import each
//! other, directly or through a loop.
//!
//! The check reads every hand-written and generated `.rs` file of every
//! crate (the workspace's and p3's), starting from each crate root
//! (`src/lib.rs`, `src/main.rs`, `build.rs`, `tests/`, `benches/`,
//! `examples/`) and following `mod x;` declarations (with `#[path]`), and
//! builds the graph of file-level imports: an edge A -> B when file A names
//! an item of the module file B through a `use` declaration or a path in
//! code (`crate::x::y`, `super::y`, `self::child::y`, or a child module's
//! `child::y`). A path is resolved to the deepest module it walks through,
//! so `crate::http::outcome::Outcome` points at `http/outcome.rs` and
//! `crate::http::Outcome` at `http/mod.rs`.
//!
//! What is not an edge: a `mod child;` declaration alone (declaring is not
//! importing), and a path that stays in its own file (`use super::*` in an
//! inline `#[cfg(test)] mod tests` names the file around it). What is one: a
//! facade's re-export, `pub use child::X` in a `mod.rs`, is an import of the
//! child like any other. So a child that imports something back from its
//! facade (`use super::Shared`) closes a circle even when the facade
//! defines `Shared` itself: the fix is to move the shared item into a leaf
//! file both import (and re-export it from the facade, so its public path
//! stays).
//!
//! It fails when the graph has a strongly connected component of more than
//! one file, listing each with the lines that make its edges. Every `.rs`
//! file of the repository (outside `target/`) must be reached from some
//! crate root, so a new file is never left out unseen.
//!
//! The reader is a small tokenizer (comments, strings, chars and lifetimes
//! skipped), not a Rust parser: macros' bodies are read as code and
//! `$crate` paths are ignored. No dependency, no build: it runs in
//! milliseconds.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    Colons,
    Punct(char),
}

/// The tokens of `src`, each with its line.
fn tokens(src: &str) -> Vec<(Tok, usize)> {
    let c: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let (mut i, mut line) = (0, 1);
    let ident_start = |ch: char| ch.is_alphabetic() || ch == '_';
    let ident_char = |ch: char| ch.is_alphanumeric() || ch == '_';
    while i < c.len() {
        let ch = c[i];
        let next = c.get(i + 1).copied().unwrap_or('\0');
        if ch == '\n' {
            line += 1;
            i += 1;
        } else if ch.is_whitespace() {
            i += 1;
        } else if ch == '/' && next == '/' {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if ch == '/' && next == '*' {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && c.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    if c[i] == '\n' {
                        line += 1;
                    }
                    i += 1;
                }
            }
        } else if ident_start(ch) {
            let start = i;
            while i < c.len() && ident_char(c[i]) {
                i += 1;
            }
            let word: String = c[start..i].iter().collect();
            let quote = c.get(i).copied().unwrap_or('\0');
            let raw_prefix = matches!(word.as_str(), "r" | "br" | "cr");
            if raw_prefix && (quote == '#' || quote == '"') {
                // r"..." / r#"..."# (or r#ident, a raw identifier).
                let mut hashes = 0;
                while c.get(i + hashes) == Some(&'#') {
                    hashes += 1;
                }
                if c.get(i + hashes) == Some(&'"') {
                    i += hashes + 1;
                    let s = i;
                    loop {
                        if i >= c.len() {
                            break;
                        }
                        if c[i] == '"' && (0..hashes).all(|h| c.get(i + 1 + h) == Some(&'#')) {
                            break;
                        }
                        if c[i] == '\n' {
                            line += 1;
                        }
                        i += 1;
                    }
                    out.push((Tok::Str(c[s..i.min(c.len())].iter().collect()), line));
                    i += 1 + hashes;
                } else {
                    // A raw identifier.
                    i += 1;
                    let s = i;
                    while i < c.len() && ident_char(c[i]) {
                        i += 1;
                    }
                    out.push((Tok::Ident(c[s..i].iter().collect()), line));
                }
            } else if matches!(word.as_str(), "b" | "c") && quote == '"' {
                i = string(&c, i, &mut line, &mut out);
            } else if word == "b" && quote == '\'' {
                i = char_or_lifetime(&c, i);
            } else {
                out.push((Tok::Ident(word), line));
            }
        } else if ch.is_ascii_digit() {
            while i < c.len() && ident_char(c[i]) {
                i += 1;
            }
        } else if ch == '"' {
            i = string(&c, i, &mut line, &mut out);
        } else if ch == '\'' {
            i = char_or_lifetime(&c, i);
        } else if ch == ':' && next == ':' {
            out.push((Tok::Colons, line));
            i += 2;
        } else {
            out.push((Tok::Punct(ch), line));
            i += 1;
        }
    }
    out
}

/// Reads the string literal opening at `c[i]` (a `"`), returning the index
/// after it.
fn string(c: &[char], mut i: usize, line: &mut usize, out: &mut Vec<(Tok, usize)>) -> usize {
    i += 1;
    let mut s = String::new();
    while i < c.len() && c[i] != '"' {
        if c[i] == '\\' {
            i += 1;
        }
        if c.get(i) == Some(&'\n') {
            *line += 1;
        }
        if let Some(&ch) = c.get(i) {
            s.push(ch);
        }
        i += 1;
    }
    out.push((Tok::Str(s), *line));
    i + 1
}

/// Skips the char literal or the lifetime starting at `c[i]` (a `'`).
fn char_or_lifetime(c: &[char], i: usize) -> usize {
    if c.get(i + 1) == Some(&'\\') {
        let mut j = i + 2;
        while j < c.len() && c[j] != '\'' {
            j += 1;
        }
        j + 1
    } else if c.get(i + 2) == Some(&'\'') {
        i + 3
    } else {
        // A lifetime or a label: its name is skipped too.
        let mut j = i + 1;
        while j < c.len() && (c[j].is_alphanumeric() || c[j] == '_') {
            j += 1;
        }
        j
    }
}

/// What a file says that matters here.
#[derive(Debug)]
enum Item {
    /// `mod name;` (with its `#[path]`), inside the inline modules `inline`.
    FileMod { inline: Vec<String>, name: String, path: Option<String> },
    /// `mod name { ... }`.
    InlineMod { inline: Vec<String>, name: String },
    /// A path naming something, from a `use` or from code.
    Path { inline: Vec<String>, segs: Vec<String>, line: usize, from_use: bool },
}

fn ident(t: Option<&(Tok, usize)>) -> Option<&str> {
    match t {
        Some((Tok::Ident(s), _)) => Some(s),
        _ => None,
    }
}

/// The items of one file's source.
fn items(src: &str) -> Vec<Item> {
    let t = tokens(src);
    let mut out = Vec::new();
    // The inline modules open around the cursor: (name, brace depth inside).
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut depth = 0usize;
    let mut path_attr: Option<String> = None;
    let mut i = 0;
    let names = |inl: &Vec<(String, usize)>| inl.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    while i < t.len() {
        match &t[i].0 {
            Tok::Punct('{') => {
                depth += 1;
                i += 1;
            }
            Tok::Punct('}') => {
                if inline.last().is_some_and(|(_, d)| *d == depth) {
                    inline.pop();
                }
                depth = depth.saturating_sub(1);
                i += 1;
            }
            Tok::Punct('#') => {
                // #[path = "x"]
                if matches!(t.get(i + 1), Some((Tok::Punct('['), _)))
                    && ident(t.get(i + 2)) == Some("path")
                    && matches!(t.get(i + 3), Some((Tok::Punct('='), _)))
                {
                    if let Some((Tok::Str(s), _)) = t.get(i + 4) {
                        path_attr = Some(s.clone());
                    }
                }
                i += 1;
            }
            Tok::Ident(w)
                if matches!(w.as_str(), "quote" | "quote_spanned" | "parse_quote" | "parse_quote_spanned")
                    && matches!(t.get(i + 1), Some((Tok::Punct('!'), _))) =>
            {
                // Code generated for another crate (codegen's quote!): its
                // paths are not this crate's.
                i += 2;
                let mut open = 0usize;
                while let Some((tok, _)) = t.get(i) {
                    i += 1;
                    match tok {
                        Tok::Punct('(' | '[' | '{') => open += 1,
                        Tok::Punct(')' | ']' | '}') => {
                            open -= 1;
                            if open == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                }
            }
            Tok::Ident(w) if w == "mod" && i > 0 && matches!(t[i - 1].0, Tok::Punct('$')) => i += 1,
            Tok::Ident(w) if w == "mod" => {
                let name = ident(t.get(i + 1)).unwrap_or_default().to_string();
                match t.get(i + 2) {
                    Some((Tok::Punct(';'), _)) => {
                        out.push(Item::FileMod { inline: names(&inline), name, path: path_attr.take() });
                    }
                    Some((Tok::Punct('{'), _)) => {
                        out.push(Item::InlineMod { inline: names(&inline), name: name.clone() });
                        path_attr = None;
                        depth += 1;
                        inline.push((name, depth));
                        i += 1;
                    }
                    _ => {}
                }
                i += 2;
            }
            Tok::Ident(w) if w == "use" => {
                let line = t[i].1;
                let mut j = i + 1;
                let mut paths = Vec::new();
                use_tree(&t, &mut j, Vec::new(), &mut paths);
                for segs in paths {
                    out.push(Item::Path { inline: names(&inline), segs, line, from_use: true });
                }
                i = j;
            }
            Tok::Ident(w)
                if w == "in"
                    && i >= 2
                    && matches!(t[i - 1].0, Tok::Punct('('))
                    && ident(t.get(i - 2)) == Some("pub") =>
            {
                // pub(in crate::x): a visibility, not a use.
                i += 1;
                while matches!(t.get(i), Some((Tok::Ident(_), _)) | Some((Tok::Colons, _))) {
                    i += 1;
                }
            }
            Tok::Ident(first)
                if matches!(t.get(i + 1), Some((Tok::Colons, _)))
                    && !(i > 0 && matches!(t[i - 1].0, Tok::Colons | Tok::Punct('$'))) =>
            {
                let line = t[i].1;
                let mut segs = vec![first.clone()];
                let mut j = i + 1;
                while matches!(t.get(j), Some((Tok::Colons, _))) {
                    match ident(t.get(j + 1)) {
                        Some(s) => segs.push(s.to_string()),
                        None => break,
                    }
                    j += 2;
                }
                out.push(Item::Path { inline: names(&inline), segs, line, from_use: false });
                i = j;
            }
            _ => i += 1,
        }
    }
    out
}

/// Expands the use tree at `t[*j]` (after `use` or a `{`/`,`) into full
/// paths, moving `*j` past it (past the `;` at the top level).
fn use_tree(t: &[(Tok, usize)], j: &mut usize, prefix: Vec<String>, out: &mut Vec<Vec<String>>) {
    let top = prefix.is_empty();
    let mut segs = prefix;
    if top && matches!(t.get(*j), Some((Tok::Colons, _))) {
        // `use ::extern_crate::...`: outside the crate.
        while *j < t.len() && !matches!(t[*j].0, Tok::Punct(';')) {
            *j += 1;
        }
        *j += 1;
        return;
    }
    loop {
        match t.get(*j).map(|x| &x.0) {
            Some(Tok::Ident(s)) if s == "as" => {
                *j += 2;
            }
            Some(Tok::Ident(s)) => {
                if s != "self" || segs.is_empty() {
                    segs.push(s.clone());
                }
                *j += 1;
            }
            Some(Tok::Colons) => *j += 1,
            Some(Tok::Punct('*')) => *j += 1,
            Some(Tok::Punct('{')) => {
                *j += 1;
                loop {
                    use_tree(t, j, segs.clone(), out);
                    match t.get(*j).map(|x| &x.0) {
                        Some(Tok::Punct(',')) => *j += 1,
                        _ => break,
                    }
                    if matches!(t.get(*j).map(|x| &x.0), Some(Tok::Punct('}'))) {
                        break;
                    }
                }
                *j += 1; // the `}`
                if top {
                    *j += 1; // the `;`
                }
                return;
            }
            _ => {
                if !segs.is_empty() {
                    out.push(segs);
                }
                if top {
                    *j += 1; // the `;`
                }
                return;
            }
        }
    }
}

/// A module of one crate: the file it lives in (an inline module lives in
/// its parent's file).
type Modules = BTreeMap<Vec<String>, PathBuf>;

/// An edge's evidence: the importing file's line and the path it names.
type Edges = BTreeMap<(PathBuf, PathBuf), Vec<String>>;

/// Reads the crate rooted at `root` into `edges`, returning the files read.
fn read_crate(root: &Path, edges: &mut Edges) -> BTreeSet<PathBuf> {
    let mut modules = Modules::new();
    let mut parsed: Vec<(PathBuf, Vec<String>, Vec<Item>)> = Vec::new();
    // (file, module path, whether the file owns a directory: lib/main/mod.rs)
    let mut todo = vec![(root.to_path_buf(), Vec::<String>::new(), true)];
    while let Some((file, module, owns_dir)) = todo.pop() {
        let src = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        modules.insert(module.clone(), file.clone());
        let its = items(&src);
        let dir = file.parent().unwrap().to_path_buf();
        let base = if owns_dir { dir.clone() } else { dir.join(file.file_stem().unwrap()) };
        for it in &its {
            match it {
                Item::InlineMod { inline, name } => {
                    let mut m = module.clone();
                    m.extend(inline.iter().cloned());
                    m.push(name.clone());
                    modules.insert(m, file.clone());
                }
                Item::FileMod { inline, name, path } => {
                    let mut m = module.clone();
                    m.extend(inline.iter().cloned());
                    m.push(name.clone());
                    let (child, owns) = match path {
                        Some(p) => {
                            let p =
                                dir.join(p).canonicalize().unwrap_or_else(|e| panic!("{}: {p}: {e}", file.display()));
                            let owns = p.file_name().is_some_and(|n| n == "mod.rs");
                            (p, owns)
                        }
                        None => {
                            let mut d = base.clone();
                            d.extend(inline.iter());
                            let flat = d.join(format!("{name}.rs"));
                            if flat.exists() {
                                (flat, false)
                            } else {
                                (d.join(name).join("mod.rs"), true)
                            }
                        }
                    };
                    todo.push((child, m, owns));
                }
                Item::Path { .. } => {}
            }
        }
        parsed.push((file, module, its));
    }
    for (file, module, its) in &parsed {
        for it in its {
            let Item::Path { inline, segs, line, from_use } = it else { continue };
            let mut here = module.clone();
            here.extend(inline.iter().cloned());
            let mut abs = here.clone();
            let mut rest = segs.as_slice();
            let mut anchored = false;
            while let Some((s, tail)) = rest.split_first() {
                match s.as_str() {
                    "crate" if !anchored => abs.clear(),
                    "super" => {
                        abs.pop();
                    }
                    "self" => {}
                    _ => break,
                }
                anchored = true;
                rest = tail;
            }
            // Unanchored: a child module of here, or nothing of this crate.
            if !anchored {
                let Some(first) = rest.first() else { continue };
                let mut m = abs.clone();
                m.push(first.clone());
                if !modules.contains_key(&m) {
                    continue;
                }
            }
            for s in rest {
                let mut m = abs.clone();
                m.push(s.clone());
                if !modules.contains_key(&m) {
                    break;
                }
                abs = m;
            }
            let Some(target) = modules.get(&abs) else { continue };
            if target != file {
                let how = if *from_use { "use " } else { "" };
                edges.entry((file.clone(), target.clone())).or_default().push(format!(
                    "{}:{line}: {how}{}",
                    file.display(),
                    segs.join("::")
                ));
            }
        }
    }
    modules.into_values().collect()
}

/// The strongly connected components of more than one file.
fn cycles(edges: &Edges) -> Vec<BTreeSet<PathBuf>> {
    let mut next: BTreeMap<&PathBuf, Vec<&PathBuf>> = BTreeMap::new();
    for (a, b) in edges.keys() {
        next.entry(a).or_default().push(b);
    }
    let reach = |from: &PathBuf| {
        let mut seen = BTreeSet::new();
        let mut todo = vec![from];
        while let Some(n) = todo.pop() {
            for m in next.get(n).into_iter().flatten() {
                if seen.insert(*m) {
                    todo.push(m);
                }
            }
        }
        seen
    };
    let reaches: BTreeMap<&PathBuf, BTreeSet<&PathBuf>> = next.keys().map(|n| (*n, reach(n))).collect();
    let mut done = BTreeSet::new();
    let mut out = Vec::new();
    for (n, r) in &reaches {
        if done.contains(*n) || !r.contains(*n) {
            continue;
        }
        let scc: BTreeSet<PathBuf> =
            r.iter().filter(|m| reaches.get(*m).is_some_and(|rm| rm.contains(*n))).map(|m| (*m).clone()).collect();
        done.extend(scc.iter().cloned());
        if scc.len() > 1 {
            out.push(scc);
        }
    }
    out
}

/// The report of `cycles`, with the lines behind each edge inside them.
fn report(edges: &Edges, found: &[BTreeSet<PathBuf>], strip: &Path) -> String {
    let mut s = String::new();
    for scc in found {
        let names: Vec<_> = scc.iter().map(|p| p.strip_prefix(strip).unwrap_or(p).display().to_string()).collect();
        s += &format!("cycle: {}\n", names.join(", "));
        for ((a, b), why) in edges {
            if scc.contains(a) && scc.contains(b) {
                let (a, b) = (a.strip_prefix(strip).unwrap_or(a), b.strip_prefix(strip).unwrap_or(b));
                s += &format!("  {} -> {}\n", a.display(), b.display());
                for w in why {
                    s += &format!("      {}\n", w.strip_prefix(&format!("{}/", strip.display())).unwrap_or(w));
                }
            }
        }
    }
    s
}

/// Every `.rs` file under `dir`, outside `target/` and hidden directories.
fn rust_files(dir: &Path, out: &mut BTreeSet<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        let name = e.file_name().to_string_lossy().to_string();
        if p.is_dir() {
            if name != "target" && name != "node_modules" && !name.starts_with('.') {
                rust_files(&p, out);
            }
        } else if name.ends_with(".rs") {
            out.insert(p);
        }
    }
}

/// The crate roots under `repo`: of every directory with a Cargo.toml.
fn roots(repo: &Path) -> Vec<PathBuf> {
    let mut manifests = BTreeSet::new();
    let mut all = BTreeSet::new();
    rust_files(repo, &mut all);
    fn find(dir: &Path, out: &mut BTreeSet<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            let name = e.file_name().to_string_lossy().to_string();
            if p.is_dir() && name != "target" && name != "node_modules" && !name.starts_with('.') {
                find(&p, out);
            } else if name == "Cargo.toml" {
                out.insert(dir.to_path_buf());
            }
        }
    }
    find(repo, &mut manifests);
    let mut out = Vec::new();
    for m in manifests {
        for f in ["src/lib.rs", "src/main.rs", "build.rs"] {
            if m.join(f).exists() {
                out.push(m.join(f));
            }
        }
        for d in ["tests", "benches", "examples", "src/bin"] {
            let Ok(rd) = std::fs::read_dir(m.join(d)) else { continue };
            for e in rd.flatten() {
                let p = e.path();
                if p.extension().is_some_and(|x| x == "rs") {
                    out.push(p);
                } else if p.join("main.rs").exists() {
                    out.push(p.join("main.rs"));
                }
            }
        }
    }
    out
}

/// The import graph of every crate under `repo`, and the files it read.
fn graph(repo: &Path) -> (Edges, BTreeSet<PathBuf>) {
    let mut edges = Edges::new();
    let mut seen = BTreeSet::new();
    for root in roots(repo) {
        seen.extend(read_crate(&root, &mut edges));
    }
    (edges, seen)
}

#[test]
fn no_two_files_import_each_other() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().canonicalize().unwrap();
    let (edges, seen) = graph(&repo);
    let mut all = BTreeSet::new();
    rust_files(&repo, &mut all);
    let unread: Vec<_> = all.difference(&seen).map(|p| p.strip_prefix(&repo).unwrap().display().to_string()).collect();
    assert!(unread.is_empty(), "files no crate root reaches (the check would not see them): {unread:?}");
    assert!(seen.len() > 100, "only {} files read", seen.len());
    let found = cycles(&edges);
    assert!(found.is_empty(), "files that import each other (issue 20):\n{}", report(&edges, &found, &repo));
}

/// The checker itself, on a synthetic tree.
#[test]
fn the_checker_finds_a_loop() {
    let dir = std::env::temp_dir().join(format!("pbx-structure-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let dir = dir.canonicalize().unwrap();
    let write = |p: &str, s: &str| {
        let p = dir.join(p);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, s).unwrap();
    };
    write("Cargo.toml", "");
    write(
        "src/lib.rs",
        "mod a;\nmod b;\nmod types;\n#[path = \"other/c.rs\"]\nmod c;\nmod prelude { pub use alloc::vec::Vec; }\n",
    );
    // A facade re-exporting its child, the child using the facade: a loop.
    write("src/a/mod.rs", "mod child;\npub use child::Thing;\npub const SHARED: u8 = 1;\n");
    write(
        "src/a/child.rs",
        "use super::SHARED; // \"crate::b\" in a comment\npub struct Thing<'a>(&'a u8);\n\
         #[cfg(test)]\nmod tests {\n    use super::*;\n    fn f() { let _ = \"b::x\"; let _ = '{'; }\n}\n",
    );
    // b -> types only; c -> b through an expression path: no loop.
    write("src/b.rs", "use crate::{types::{self, X as Y}, prelude::*};\npub fn f() -> Vec<u8> { types::g() }\n");
    write("src/types.rs", "pub struct X;\npub fn g() -> alloc::vec::Vec<u8> { todo!() }\n");
    write("src/other/c.rs", "pub fn h() { crate::b::f(); let _ = r#\"crate::a::x\"#; quote!(crate::a::y); }\n");
    let (edges, seen) = graph(&dir);
    let key = |a: &str, b: &str| (dir.join(a), dir.join(b));
    assert_eq!(seen.len(), 6, "{seen:?}");
    let mut want = BTreeSet::from([
        key("src/a/mod.rs", "src/a/child.rs"),
        key("src/a/child.rs", "src/a/mod.rs"),
        key("src/b.rs", "src/types.rs"),
        key("src/b.rs", "src/lib.rs"),
        key("src/other/c.rs", "src/b.rs"),
    ]);
    assert_eq!(edges.keys().cloned().collect::<BTreeSet<_>>(), want);
    let found = cycles(&edges);
    assert_eq!(found, vec![BTreeSet::from([dir.join("src/a/mod.rs"), dir.join("src/a/child.rs")])]);
    assert!(report(&edges, &found, &dir).contains("src/a/child.rs:1: use super::SHARED"));

    // The fix: the shared item in a leaf both import.
    write("src/a/mod.rs", "mod child;\nmod shared;\npub use child::Thing;\npub use shared::SHARED;\n");
    write("src/a/shared.rs", "pub const SHARED: u8 = 1;\n");
    write("src/a/child.rs", "use super::shared::SHARED;\npub struct Thing;\n");
    let (edges, _) = graph(&dir);
    want.remove(&key("src/a/child.rs", "src/a/mod.rs"));
    want.insert(key("src/a/child.rs", "src/a/shared.rs"));
    want.insert(key("src/a/mod.rs", "src/a/shared.rs"));
    assert_eq!(edges.keys().cloned().collect::<BTreeSet<_>>(), want);
    assert!(cycles(&edges).is_empty());
    // A loop through three files.
    write("src/types.rs", "pub struct X;\npub fn g() { crate::c::h() }\n");
    let (edges, _) = graph(&dir);
    let three = BTreeSet::from([dir.join("src/b.rs"), dir.join("src/types.rs"), dir.join("src/other/c.rs")]);
    assert_eq!(cycles(&edges), vec![three]);
    let _ = std::fs::remove_dir_all(&dir);
}
