//! The crate's shape: no import circles between the files of `src/`, nor between its top-level
//! modules (`pdf`, `xml`, `cms`, `pki`, `crypto`, …).
//!
//! DESIGN.md has data flow one way — format modules → `cms` → `pki` → `crypto` — with
//! `error`, `policy` and `report` as plain data used by all. A circle means two files (or two
//! layers) can only be understood, tested and changed together; this test keeps them apart.
//!
//! How the graph is built: every `.rs` file under `src/` is a node, named by its module path
//! (`src/xml/dsig/verify.rs` is `xml::dsig::verify`; inline `mod name { … }` blocks belong to
//! their file). Comments and string literals are dropped, then every path that names a module
//! of the crate — `use` trees (`use super::{a, b::C}`), and paths in code (`crate::pki::x()`,
//! `super::f`, `child::g`) — is resolved to the module it ends in. A name that a module only
//! re-exports (`pub use inner::Thing;`) is followed to the module that defines it, so
//! `crate::pki::Certificate` counts as `pki::certificate`, not `pki/mod.rs`; a `pub use` line is
//! an edge of its own only when the file also uses the name it re-exports. Declaring a child
//! (`mod x;`) is not an edge.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// One lexical token of Rust source, with the line it starts on.
#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    PathSep,
    Punct(char),
}

/// Splits Rust source into identifiers, `::` and single punctuation, dropping comments,
/// string, byte-string, raw-string and character literals, numbers and lifetimes.
fn tokenize(src: &str) -> Vec<(Tok, usize)> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let mut line = 1;
    let at = |i: usize| chars.get(i).copied().unwrap_or('\0');
    while i < chars.len() {
        let c = chars[i];
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
        } else if c == '/' && at(i + 1) == '/' {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && at(i + 1) == '*' {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && at(i + 1) == '*' {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && at(i + 1) == '/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    if chars[i] == '\n' {
                        line += 1;
                    }
                    i += 1;
                }
            }
        } else if let Some(end) = raw_string_end(&chars, i) {
            line += chars[i..end].iter().filter(|&&c| c == '\n').count();
            i = end;
        } else if c == '"' || ((c == 'b' || c == 'c') && at(i + 1) == '"') {
            i += if c == '"' { 1 } else { 2 };
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    i += 1;
                }
                if at(i) == '\n' {
                    line += 1;
                }
                i += 1;
            }
            i += 1;
        } else if c == '\'' || (c == 'b' && at(i + 1) == '\'') {
            let q = if c == '\'' { i } else { i + 1 };
            if at(q + 1) == '\\' {
                // An escaped character literal: skip to its closing quote.
                i = q + 2;
                while i < chars.len() && chars[i] != '\'' {
                    i += 1;
                }
                i += 1;
            } else if at(q + 2) == '\'' {
                i = q + 3;
            } else {
                // A lifetime or label: drop the quote and the name after it.
                i = q + 1;
                while at(i).is_alphanumeric() || at(i) == '_' {
                    i += 1;
                }
            }
        } else if c.is_ascii_digit() {
            while at(i).is_alphanumeric() || at(i) == '_' || at(i) == '.' && at(i + 1) != '.' {
                i += 1;
            }
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while at(i).is_alphanumeric() || at(i) == '_' {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            // `r#ident` is the identifier itself.
            let word = word.strip_prefix("r#").map(str::to_owned).unwrap_or(word);
            out.push((Tok::Ident(word), line));
        } else if c == ':' && at(i + 1) == ':' {
            out.push((Tok::PathSep, line));
            i += 2;
        } else {
            out.push((Tok::Punct(c), line));
            i += 1;
        }
    }
    out
}

/// Where a raw string literal (`r"…"`, `r#"…"#`, `br#"…"#`, `cr"…"`) starting at `i` ends.
fn raw_string_end(chars: &[char], i: usize) -> Option<usize> {
    let mut j = i;
    if matches!(chars.get(j), Some('b' | 'c')) {
        j += 1;
    }
    if chars.get(j) != Some(&'r') {
        return None;
    }
    j += 1;
    let mut hashes = 0;
    while chars.get(j) == Some(&'#') {
        hashes += 1;
        j += 1;
    }
    if chars.get(j) != Some(&'"') {
        return None;
    }
    j += 1;
    while j < chars.len() {
        if chars[j] == '"' && (0..hashes).all(|k| chars.get(j + 1 + k) == Some(&'#')) {
            return Some(j + 1 + hashes);
        }
        j += 1;
    }
    Some(chars.len())
}

/// A module path inside the crate, e.g. `["xml", "dsig", "verify"]`; the crate root is `[]`.
type ModPath = Vec<String>;

/// A path found in a file, before resolution: the module it appears in, its segments (already
/// made absolute from `crate`/`super`/`self`), and the line.
#[derive(Debug, Clone)]
struct Mention {
    segments: Vec<String>,
    line: usize,
}

/// What one module (a file or an inline `mod { … }` block) says.
#[derive(Debug, Default)]
struct ModuleInfo {
    /// The file the module lives in, relative to `src/`.
    file: String,
    /// Children declared with `mod x;` or `mod x { … }`.
    children: BTreeSet<String>,
    /// Names re-exported with `pub use`: bound name → absolute path of the original.
    reexports: BTreeMap<String, Vec<String>>,
}

/// The whole crate as far as imports go.
#[derive(Debug, Default)]
struct Crate {
    modules: BTreeMap<ModPath, ModuleInfo>,
    /// Per file: the paths it uses (re-export-only `pub use` lines excluded).
    mentions: BTreeMap<String, Vec<Mention>>,
}

/// The module path of a file below `src/`: `lib.rs` is the root, `a/mod.rs` is `a`.
fn file_module(rel: &str) -> ModPath {
    let stem = rel.strip_suffix(".rs").unwrap_or(rel);
    let mut parts: Vec<String> = stem.split('/').map(str::to_owned).collect();
    if parts
        .last()
        .is_some_and(|p| p == "mod" || p == "lib" || p == "main")
    {
        parts.pop();
    }
    parts
}

/// Makes a path absolute: `crate::a` → `[a]`, `super::b` from `[x, y]` → `[x, b]`,
/// `self::c` → `[x, y, c]`, `child::d` (a declared child) → `[x, y, child, d]`.
/// `None` for paths outside the crate (`std::…`, `der::…`).
fn absolute(here: &[String], children: &BTreeSet<String>, segs: &[String]) -> Option<Vec<String>> {
    let first = segs.first()?;
    match first.as_str() {
        "crate" => Some(segs[1..].to_vec()),
        "self" => {
            let mut p = here.to_vec();
            p.extend_from_slice(&segs[1..]);
            Some(p)
        }
        "super" => {
            let mut p = here.to_vec();
            let mut rest = segs;
            while rest.first().is_some_and(|s| s == "super") {
                p.pop()?;
                rest = &rest[1..];
            }
            p.extend_from_slice(rest);
            Some(p)
        }
        name if children.contains(name) => {
            let mut p = here.to_vec();
            p.extend_from_slice(segs);
            Some(p)
        }
        _ => None,
    }
}

/// One leaf of a `use` tree: the path, the name it binds (`None` for a glob), the line.
struct UseLeaf {
    path: Vec<String>,
    binds: Option<String>,
    line: usize,
}

/// Expands a `use` tree (tokens after `use`, up to `;`) into its leaves.
fn expand_use(toks: &[(Tok, usize)], prefix: &[String], out: &mut Vec<UseLeaf>) {
    let mut i = 0;
    let mut path = prefix.to_vec();
    let mut line = toks.first().map_or(0, |t| t.1);
    while i < toks.len() {
        match &toks[i].0 {
            Tok::Ident(w) if w == "as" => {
                if let Some((Tok::Ident(alias), _)) = toks.get(i + 1) {
                    let binds = (alias != "_").then(|| alias.clone());
                    out.push(UseLeaf {
                        path: std::mem::take(&mut path),
                        binds,
                        line,
                    });
                }
                i += 2;
            }
            Tok::Ident(w) => {
                line = toks[i].1;
                path.push(w.clone());
                i += 1;
            }
            Tok::PathSep => i += 1,
            Tok::Punct('*') => {
                out.push(UseLeaf {
                    path: std::mem::take(&mut path),
                    binds: None,
                    line,
                });
                i += 1;
            }
            Tok::Punct('{') => {
                // Split the group at top-level commas and expand each part under `path`.
                let mut depth = 0;
                let mut start = i + 1;
                let mut j = i;
                while j < toks.len() {
                    match toks[j].0 {
                        Tok::Punct('{') => depth += 1,
                        Tok::Punct('}') => {
                            depth -= 1;
                            if depth == 0 {
                                expand_use(&toks[start..j], &path, out);
                                break;
                            }
                        }
                        Tok::Punct(',') if depth == 1 => {
                            expand_use(&toks[start..j], &path, out);
                            start = j + 1;
                        }
                        _ => {}
                    }
                    j += 1;
                }
                path.clear();
                i = j + 1;
            }
            Tok::Punct(',') => {
                flush(&mut path, line, out);
                path = prefix.to_vec();
                i += 1;
            }
            Tok::Punct(_) => i += 1,
        }
    }
    flush(&mut path, line, out);

    fn flush(path: &mut Vec<String>, line: usize, out: &mut Vec<UseLeaf>) {
        if path.is_empty() {
            return;
        }
        let mut p = std::mem::take(path);
        // `use a::b::{self}` binds `b`.
        if p.last().is_some_and(|s| s == "self") && p.len() > 1 {
            p.pop();
        }
        let binds = p.last().cloned();
        out.push(UseLeaf {
            path: p,
            binds,
            line,
        });
    }
}

/// Reads one file's tokens into `krate`: its inline modules, child declarations, re-exports
/// and the paths it uses.
fn read_file(krate: &mut Crate, rel: &str, toks: &[(Tok, usize)]) {
    let file_mod = file_module(rel);
    // First pass: the modules this file declares, so that `child::x` paths resolve.
    let mut scopes: Vec<(ModPath, usize)> = vec![(file_mod.clone(), 0)];
    let mut depth = 0usize;
    krate.modules.entry(file_mod.clone()).or_default().file = rel.to_owned();
    let mut i = 0;
    while i < toks.len() {
        match &toks[i].0 {
            Tok::Punct('{') => depth += 1,
            Tok::Punct('}') => {
                depth = depth.saturating_sub(1);
                if scopes.len() > 1 && scopes.last().is_some_and(|s| s.1 == depth) {
                    scopes.pop();
                }
            }
            Tok::Ident(w) if w == "mod" => {
                if let Some((Tok::Ident(name), _)) = toks.get(i + 1) {
                    let here = scopes.last().map(|s| s.0.clone()).unwrap_or_default();
                    if let Some(info) = krate.modules.get_mut(&here) {
                        info.children.insert(name.clone());
                    }
                    if toks.get(i + 2).is_some_and(|t| t.0 == Tok::Punct('{')) {
                        let mut inner = here.clone();
                        inner.push(name.clone());
                        krate.modules.entry(inner.clone()).or_default().file = rel.to_owned();
                        // The scope ends when the depth falls back to where it opened.
                        scopes.push((inner, depth));
                        depth += 1;
                        i += 3;
                        continue;
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }

    // Second pass: `use` trees and paths in code, per scope.
    let mut scopes: Vec<(ModPath, usize)> = vec![(file_mod, 0)];
    let mut depth = 0usize;
    let mut mentions = Vec::new();
    let mut reexported: Vec<(String, Vec<String>, usize)> = Vec::new();
    let mut names_used: BTreeSet<String> = BTreeSet::new();
    let mut i = 0;
    while i < toks.len() {
        let here = scopes.last().map(|s| s.0.clone()).unwrap_or_default();
        let children = krate
            .modules
            .get(&here)
            .map(|m| m.children.clone())
            .unwrap_or_default();
        match &toks[i].0 {
            Tok::Punct('{') => {
                depth += 1;
                i += 1;
            }
            Tok::Punct('}') => {
                depth = depth.saturating_sub(1);
                if scopes.len() > 1 && scopes.last().is_some_and(|s| s.1 == depth) {
                    scopes.pop();
                }
                i += 1;
            }
            Tok::Ident(w) if w == "mod" => {
                if let (Some((Tok::Ident(name), _)), Some((Tok::Punct('{'), _))) =
                    (toks.get(i + 1), toks.get(i + 2))
                {
                    let mut inner = here.clone();
                    inner.push(name.clone());
                    scopes.push((inner, depth));
                    depth += 1;
                    i += 3;
                } else {
                    i += 2;
                }
            }
            Tok::Ident(w) if w == "use" => {
                let is_pub = is_pub_before(toks, i);
                let end = (i..toks.len())
                    .find(|&j| toks[j].0 == Tok::Punct(';'))
                    .unwrap_or(toks.len());
                let mut leaves = Vec::new();
                expand_use(&toks[i + 1..end], &[], &mut leaves);
                for leaf in leaves {
                    let Some(abs) = absolute(&here, &children, &leaf.path) else {
                        continue;
                    };
                    if is_pub {
                        let info = krate.modules.entry(here.clone()).or_default();
                        // A glob re-export (`pub use x::*`) names no item; kyso has none.
                        if let Some(name) = &leaf.binds {
                            info.reexports.insert(name.clone(), abs.clone());
                            reexported.push((name.clone(), abs, leaf.line));
                        }
                    } else {
                        mentions.push(Mention {
                            segments: abs,
                            line: leaf.line,
                        });
                    }
                }
                i = end + 1;
            }
            Tok::Ident(w) => {
                names_used.insert(w.clone());
                // A path in code: `crate::…`, `super::…`, `self::…` or `child::…`, not the
                // tail of a longer path (`x::crate` cannot occur; `foo::child::` is foreign).
                let after_sep = i > 0 && toks[i - 1].0 == Tok::PathSep;
                let starts =
                    matches!(w.as_str(), "crate" | "super" | "self") || children.contains(w);
                if starts && !after_sep && toks.get(i + 1).is_some_and(|t| t.0 == Tok::PathSep) {
                    let line = toks[i].1;
                    let mut segs = vec![w.clone()];
                    let mut j = i + 1;
                    while toks.get(j).is_some_and(|t| t.0 == Tok::PathSep) {
                        match toks.get(j + 1) {
                            Some((Tok::Ident(s), _)) => {
                                segs.push(s.clone());
                                j += 2;
                            }
                            _ => break,
                        }
                    }
                    if let Some(abs) = absolute(&here, &children, &segs) {
                        mentions.push(Mention {
                            segments: abs,
                            line,
                        });
                    }
                    i = j;
                } else {
                    i += 1;
                }
            }
            _ => i += 1,
        }
    }
    // A `pub use` is an edge when the file itself uses the name too.
    for (name, path, line) in reexported {
        if names_used.contains(&name) {
            mentions.push(Mention {
                segments: path,
                line,
            });
        }
    }
    krate
        .mentions
        .entry(rel.to_owned())
        .or_default()
        .extend(mentions);
}

/// Whether the `use` at `i` is preceded by `pub`, `pub(crate)`, `pub(super)` or `pub(in …)`.
fn is_pub_before(toks: &[(Tok, usize)], i: usize) -> bool {
    let word = |k: usize| match toks.get(k) {
        Some((Tok::Ident(w), _)) => Some(w.as_str()),
        _ => None,
    };
    if i >= 1 && word(i - 1) == Some("pub") {
        return true;
    }
    if i >= 1 && toks[i - 1].0 == Tok::Punct(')') {
        // Walk back over `( … )` to `pub`.
        let mut k = i - 1;
        while k > 0 && toks[k].0 != Tok::Punct('(') {
            k -= 1;
        }
        return k >= 1 && word(k - 1) == Some("pub");
    }
    false
}

impl Crate {
    /// Reads every `.rs` file below `root`.
    fn from_dir(root: &Path) -> Crate {
        let mut files = Vec::new();
        collect(root, root, &mut files);
        Crate::from_sources(&files)
    }

    /// Builds the crate from `(path relative to src/, source)` pairs.
    fn from_sources(files: &[(String, String)]) -> Crate {
        let mut krate = Crate::default();
        let tokens: Vec<(String, Vec<(Tok, usize)>)> = files
            .iter()
            .map(|(rel, src)| (rel.clone(), tokenize(src)))
            .collect();
        // Register every file's module first so children resolve in any order.
        for (rel, _) in &tokens {
            krate.modules.entry(file_module(rel)).or_default().file = rel.clone();
        }
        for (rel, toks) in &tokens {
            read_file(&mut krate, rel, toks);
        }
        krate
    }

    /// The module a path ends in, following re-exports to the defining module.
    fn resolve(&self, segments: &[String], hops: usize) -> Option<&ModPath> {
        if hops > 16 {
            return None;
        }
        let mut k = segments.len();
        while k > 0 && !self.modules.contains_key(&segments[..k]) {
            k -= 1;
        }
        let (module, info) = self.modules.get_key_value(&segments[..k])?;
        if let Some(next) = segments.get(k)
            && let Some(target) = info.reexports.get(next)
        {
            let mut path = target.clone();
            path.extend_from_slice(&segments[k + 1..]);
            return self.resolve(&path, hops + 1).or(Some(module));
        }
        Some(module)
    }

    /// File → file edges, each with the line of its first mention.
    fn file_edges(&self) -> BTreeMap<(String, String), usize> {
        let mut edges = BTreeMap::new();
        for (file, mentions) in &self.mentions {
            for m in mentions {
                let Some(target) = self.resolve(&m.segments, 0) else {
                    continue;
                };
                let Some(info) = self.modules.get(target) else {
                    continue;
                };
                if info.file != *file && !info.file.is_empty() {
                    edges
                        .entry((file.clone(), info.file.clone()))
                        .or_insert(m.line);
                }
            }
        }
        edges
    }

    /// Top-level module → top-level module edges (the crate root and its own files, such as
    /// `lib.rs`, are left out: the root only re-exports).
    fn top_level_edges(&self) -> BTreeMap<(String, String), (String, usize)> {
        let top = |file: &str| file_module(file).first().cloned();
        let mut edges = BTreeMap::new();
        for ((from, to), line) in self.file_edges() {
            if let (Some(a), Some(b)) = (top(&from), top(&to))
                && a != b
            {
                edges
                    .entry((a, b))
                    .or_insert_with(|| (format!("{from}:{line} → {to}"), line));
            }
        }
        edges
    }
}

/// Every `.rs` file below `dir`, as paths relative to `root` with `/` separators.
fn collect(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("read src")
        .map(|e| e.expect("dir entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect(root, &path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let rel = path
                .strip_prefix(root)
                .expect("below root")
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            let src = std::fs::read_to_string(&path).expect("read source");
            out.push((rel, src));
        }
    }
}

/// The circles of a directed graph: its strongly connected components with more than one
/// node (Tarjan), each sorted, in sorted order.
fn circles(edges: &BTreeSet<(String, String)>) -> Vec<Vec<String>> {
    let mut nodes: BTreeSet<&String> = BTreeSet::new();
    let mut next: BTreeMap<&String, Vec<&String>> = BTreeMap::new();
    for (a, b) in edges {
        nodes.insert(a);
        nodes.insert(b);
        next.entry(a).or_default().push(b);
    }
    struct State<'a> {
        index: BTreeMap<&'a String, usize>,
        low: BTreeMap<&'a String, usize>,
        stack: Vec<&'a String>,
        on_stack: BTreeSet<&'a String>,
        found: Vec<Vec<String>>,
    }
    fn visit<'a>(v: &'a String, next: &BTreeMap<&'a String, Vec<&'a String>>, s: &mut State<'a>) {
        let n = s.index.len();
        s.index.insert(v, n);
        s.low.insert(v, n);
        s.stack.push(v);
        s.on_stack.insert(v);
        for &w in next.get(v).map(Vec::as_slice).unwrap_or(&[]) {
            if !s.index.contains_key(w) {
                visit(w, next, s);
                let lw = s.low[w];
                let lv = s.low.get_mut(v).expect("visited");
                *lv = (*lv).min(lw);
            } else if s.on_stack.contains(w) {
                let iw = s.index[w];
                let lv = s.low.get_mut(v).expect("visited");
                *lv = (*lv).min(iw);
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                component.push(w.clone());
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                component.sort();
                s.found.push(component);
            }
        }
    }
    let mut state = State {
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for v in nodes {
        if !state.index.contains_key(v) {
            visit(v, &next, &mut state);
        }
    }
    state.found.sort();
    state.found
}

/// A readable account of each circle: its members and the edges between them, with lines.
fn describe<V: std::fmt::Display>(
    found: &[Vec<String>],
    edges: &BTreeMap<(String, String), V>,
) -> String {
    let mut text = String::new();
    for circle in found {
        text.push_str(&format!("circle: {}\n", circle.join(" ⇄ ")));
        for ((a, b), at) in edges {
            if circle.contains(a) && circle.contains(b) {
                text.push_str(&format!("    {a} → {b}  ({at})\n"));
            }
        }
    }
    text
}

fn file_circles(krate: &Crate) -> (Vec<Vec<String>>, String) {
    let edges = krate.file_edges();
    let found = circles(&edges.keys().cloned().collect());
    let lines: BTreeMap<_, _> = edges
        .into_iter()
        .map(|(k, line)| (k.clone(), format!("{}:{line}", k.0)))
        .collect();
    let text = describe(&found, &lines);
    (found, text)
}

fn module_circles(krate: &Crate) -> (Vec<Vec<String>>, String) {
    let edges = krate.top_level_edges();
    let found = circles(&edges.keys().cloned().collect());
    let first: BTreeMap<_, _> = edges.into_iter().map(|(k, (at, _))| (k, at)).collect();
    let text = describe(&found, &first);
    (found, text)
}

fn src_crate() -> Crate {
    Crate::from_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"))
}

#[test]
fn no_circles_between_files() {
    let (found, text) = file_circles(&src_crate());
    assert!(found.is_empty(), "import circles between files:\n{text}");
}

#[test]
fn no_circles_between_top_level_modules() {
    let (found, text) = module_circles(&src_crate());
    assert!(
        found.is_empty(),
        "import circles between top-level modules:\n{text}"
    );
}

/// The graph really is built from `src/`: well-known edges are found, so an empty circle list
/// is not an empty graph.
#[test]
fn the_graph_sees_the_crate() {
    let krate = src_crate();
    let files = krate.file_edges();
    assert!(files.len() > 100, "only {} file edges", files.len());
    let top = krate.top_level_edges();
    for (a, b) in [
        ("pdf", "cms"),
        ("cms", "crypto"),
        ("pki", "crypto"),
        ("xml", "pki"),
    ] {
        assert!(
            top.contains_key(&(a.to_owned(), b.to_owned())),
            "{a} → {b} not seen"
        );
    }
}

fn synthetic(files: &[(&str, &str)]) -> Crate {
    let owned: Vec<(String, String)> = files
        .iter()
        .map(|(p, s)| (p.to_string(), s.to_string()))
        .collect();
    Crate::from_sources(&owned)
}

#[test]
fn a_circle_through_use_trees_is_found() {
    let krate = synthetic(&[
        ("lib.rs", "mod a;"),
        ("a/mod.rs", "mod x; mod y;"),
        ("a/x.rs", "use super::{y::{self, Thing}, other};"),
        ("a/y.rs", "use crate::a::x::Other as O;"),
    ]);
    let (found, _) = file_circles(&krate);
    assert_eq!(found, vec![vec!["a/x.rs".to_owned(), "a/y.rs".to_owned()]]);
}

#[test]
fn a_circle_through_paths_in_code_is_found() {
    let krate = synthetic(&[
        ("lib.rs", "mod a; mod b;"),
        ("a.rs", "fn f() { crate::b::g(); }"),
        ("b.rs", "fn g() { let _ = super::a::f(); }"),
    ]);
    assert_eq!(file_circles(&krate).0.len(), 1);
    assert_eq!(
        module_circles(&krate).0,
        vec![vec!["a".to_owned(), "b".to_owned()]]
    );
}

#[test]
fn re_exports_are_followed_to_the_defining_file() {
    // `crate::p::T` is `p::inner::T`: `inner` uses `q`, `q` uses `p::T` — a circle between
    // the two files, while `p/mod.rs` only forwards.
    let krate = synthetic(&[
        ("lib.rs", "mod p; mod q;"),
        ("p/mod.rs", "mod inner; pub use inner::T;"),
        ("p/inner.rs", "use crate::q::f; pub struct T;"),
        ("q.rs", "use crate::p::T; pub fn f() {}"),
    ]);
    assert_eq!(
        file_circles(&krate).0,
        vec![vec!["p/inner.rs".to_owned(), "q.rs".to_owned()]]
    );
}

#[test]
fn comments_strings_and_test_modules_are_read_correctly() {
    // The paths inside comments and strings are no edges; `super::` inside an inline
    // `mod tests` names the file itself, not its parent.
    let krate = synthetic(&[
        ("lib.rs", "mod a; mod b;"),
        (
            "a.rs",
            "// crate::b::g\n/* crate::b::g */ const S: &str = \"crate::b::g\"; \
             const R: &str = r#\"crate::b::g\"#; fn f<'a>(c: &'a char) -> char { '\"' }\n\
             #[cfg(test)] mod tests { use super::f; }",
        ),
        ("b.rs", "use crate::a::f;"),
    ]);
    assert!(file_circles(&krate).0.is_empty());
    assert!(
        krate
            .file_edges()
            .contains_key(&("b.rs".into(), "a.rs".into()))
    );
    assert_eq!(krate.file_edges().len(), 1);
}

#[test]
fn a_pub_use_counts_when_the_file_uses_the_name() {
    let krate = synthetic(&[
        ("lib.rs", "mod m;"),
        (
            "m/mod.rs",
            "mod c; pub use c::Thing; const N: usize = c::SIZE;",
        ),
        (
            "m/c.rs",
            "pub struct Thing; pub const SIZE: usize = super::helper();",
        ),
    ]);
    let (found, _) = file_circles(&krate);
    assert_eq!(
        found.len(),
        1,
        "m/mod.rs uses c::SIZE and c uses super::helper"
    );
    let quiet = synthetic(&[
        ("lib.rs", "mod m;"),
        (
            "m/mod.rs",
            "mod c; pub use c::Thing; pub(crate) fn helper() {}",
        ),
        ("m/c.rs", "pub struct Thing; fn f() { super::helper() }"),
    ]);
    assert!(file_circles(&quiet).0.is_empty());
}
