//! The top-level modules of `domain/src` use each other one way only (the layers are
//! listed in `src/lib.rs`): a module that reaches another, directly or around a loop,
//! is never reached back by it, so each can be read knowing only the ones below it.
//!
//! An arrow from `a` to `b` is any `crate::b` path in a file of `a` outside
//! `#[cfg(test)]` items, in code or in comments (doc links), including the names of
//! `use crate::{b, c::d}` groups. Root re-exports (`crate::Ctx`, `crate::Result`) name
//! no module and draw no arrow.
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// The arrows between top-level modules, each with the files that draw it.
type Graph = BTreeMap<String, BTreeMap<String, BTreeSet<String>>>;

#[test]
fn top_level_modules_form_no_loop() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let graph = module_graph(&src);
    // A reader that found nothing would pass any layout: it must see the known arrows.
    assert!(
        arrow(&graph, "orders", "ledger") && arrow(&graph, "campaigns", "messaging"),
        "the module graph misses arrows it must have: {graph:?}"
    );
    let loops = loops(&graph);
    assert!(
        loops.is_empty(),
        "import loops between top-level modules of domain/src:\n{}",
        loops.join("\n")
    );
}

fn arrow(graph: &Graph, from: &str, to: &str) -> bool {
    graph.get(from).is_some_and(|t| t.contains_key(to))
}

/// Reads every `.rs` file under `src` and draws the arrows between top-level modules.
fn module_graph(src: &Path) -> Graph {
    let modules = top_level_modules(src);
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut excluded = BTreeSet::new();
    let mut sources = Vec::new();
    for path in files {
        let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let scan = scan(&text);
        for name in &scan.test_modules {
            // `#[cfg(test)] mod name;` in `dir/x.rs` or `dir/mod.rs`: the file is test code.
            let dir = children_dir(&path);
            excluded.insert(dir.join(format!("{name}.rs")));
            excluded.insert(dir.join(name));
        }
        sources.push((path, scan));
    }
    let mut graph = Graph::new();
    for (path, scan) in sources {
        if scan.whole_file_is_test || excluded.iter().any(|x| path.starts_with(x)) {
            continue;
        }
        let rel = path.strip_prefix(src).unwrap_or(&path);
        let Some(from) = module_of(rel) else { continue };
        for to in scan.paths {
            if to != from && modules.contains(&to) {
                graph
                    .entry(from.clone())
                    .or_default()
                    .entry(to)
                    .or_default()
                    .insert(rel.display().to_string());
            }
        }
    }
    graph
}

/// Names of the top-level modules: `src/x.rs` and `src/x/mod.rs`, lib.rs aside.
fn top_level_modules(src: &Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for entry in fs::read_dir(src).unwrap_or_else(|e| panic!("{}: {e}", src.display())) {
        let path = entry.map(|e| e.path()).unwrap_or_default();
        let name = path.file_stem().map(|s| s.to_string_lossy().into_owned());
        match name {
            Some(n) if path.is_dir() && path.join("mod.rs").exists() => {
                out.insert(n);
            }
            Some(n) if n != "lib" && path.extension().is_some_and(|e| e == "rs") => {
                out.insert(n);
            }
            _ => {}
        }
    }
    out
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The directory holding the files of the modules that `path` declares.
fn children_dir(path: &Path) -> PathBuf {
    let parent = path.parent().map(Path::to_path_buf).unwrap_or_default();
    match path.file_stem().and_then(|s| s.to_str()) {
        Some("mod" | "lib" | "main") | None => parent,
        Some(stem) => parent.join(stem),
    }
}

/// The top-level module a file (relative to `src`) belongs to; `None` for lib.rs.
fn module_of(rel: &Path) -> Option<String> {
    let first = rel
        .components()
        .next()?
        .as_os_str()
        .to_string_lossy()
        .into_owned();
    match first.strip_suffix(".rs") {
        Some("lib") => None,
        Some(stem) => Some(stem.to_owned()),
        None => Some(first),
    }
}

/// What one file says about the modules it uses.
#[derive(Debug, Default)]
struct Scan {
    /// First segments after `crate::`, outside test items.
    paths: BTreeSet<String>,
    /// `#[cfg(test)] mod x;`: modules whose files are test code.
    test_modules: Vec<String>,
    /// `#![cfg(test)]`.
    whole_file_is_test: bool,
}

fn scan(text: &str) -> Scan {
    let (code, notes) = split(text);
    let tests = test_items(&code);
    let outside = |i: usize| !tests.iter().any(|(a, b, _)| (*a..*b).contains(&i));
    let mut paths = BTreeSet::new();
    for chars in [&code, &notes] {
        for (at, names) in crate_paths(chars) {
            if outside(at) {
                paths.extend(names);
            }
        }
    }
    Scan {
        paths,
        test_modules: tests.into_iter().filter_map(|(_, _, m)| m).collect(),
        whole_file_is_test: code.iter().collect::<String>().contains("#![cfg(test)]"),
    }
}

/// Two views of the source, char for char the same length: `code` with comments and the
/// insides of string and char literals blanked, `notes` with only the comments kept.
fn split(text: &str) -> (Vec<char>, Vec<char>) {
    let s: Vec<char> = text.chars().collect();
    let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
    let mut code: Vec<char> = s.clone();
    let mut notes: Vec<char> = s.iter().map(|&c| blank(c)).collect();
    let mut i = 0;
    let at = |i: usize, pat: &str| {
        pat.chars()
            .enumerate()
            .all(|(k, p)| s.get(i + k) == Some(&p))
    };
    let ident = |c: Option<&char>| c.is_some_and(|c| c.is_alphanumeric() || *c == '_');
    while i < s.len() {
        let start = i;
        if at(i, "//") {
            while i < s.len() && s[i] != '\n' {
                i += 1;
            }
            for k in start..i {
                notes[k] = s[k];
                code[k] = ' ';
            }
            continue;
        }
        if at(i, "/*") {
            let mut depth = 0;
            while i < s.len() {
                if at(i, "/*") {
                    depth += 1;
                    i += 2;
                } else if at(i, "*/") {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            for k in start..i.min(s.len()) {
                notes[k] = s[k];
                code[k] = blank(s[k]);
            }
            continue;
        }
        // Raw strings: r"..", r#".."#, br#".."#.
        let raw_at = if s[i] == 'b' && s.get(i + 1) == Some(&'r') {
            i + 1
        } else {
            i
        };
        if s[raw_at] == 'r' && !ident(i.checked_sub(1).and_then(|p| s.get(p))) {
            let mut j = raw_at + 1;
            while s.get(j) == Some(&'#') {
                j += 1;
            }
            if s.get(j) == Some(&'"') {
                let hashes = j - raw_at - 1;
                let close: String = std::iter::once('"')
                    .chain(std::iter::repeat_n('#', hashes))
                    .collect();
                let mut k = j + 1;
                while k < s.len() && !at(k, &close) {
                    k += 1;
                }
                for c in &mut code[j + 1..k.min(s.len())] {
                    *c = blank(*c);
                }
                i = k + close.chars().count();
                continue;
            }
        }
        if s[i] == '"' {
            let mut k = i + 1;
            while k < s.len() && s[k] != '"' {
                k += if s[k] == '\\' { 2 } else { 1 };
            }
            for c in &mut code[i + 1..k.min(s.len())] {
                *c = blank(*c);
            }
            i = k + 1;
            continue;
        }
        if s[i] == '\'' {
            // A char literal ('x', '\n', '\u{7f}'); otherwise a lifetime.
            let end = if s.get(i + 1) == Some(&'\\') {
                (i + 3..s.len().min(i + 12)).find(|&k| s[k] == '\'')
            } else if s.get(i + 2) == Some(&'\'') {
                Some(i + 2)
            } else {
                None
            };
            if let Some(end) = end {
                for c in &mut code[i + 1..end] {
                    *c = ' ';
                }
                i = end + 1;
                continue;
            }
        }
        i += 1;
    }
    (code, notes)
}

/// The spans of `#[cfg(test)]` items (attribute to closing brace or semicolon), with
/// the name of an out-of-line `mod name;`.
fn test_items(code: &[char]) -> Vec<(usize, usize, Option<String>)> {
    let text: String = code.iter().collect();
    let offsets: Vec<usize> = text.char_indices().map(|(b, _)| b).collect();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(found) = text[from..].find("#[cfg(test)]") {
        let byte = from + found;
        let start = offsets.partition_point(|&b| b < byte);
        let mut i = start + "#[cfg(test)]".len();
        while i < code.len() && code[i] != '{' && code[i] != ';' {
            i += 1;
        }
        let item: String = code[start + "#[cfg(test)]".len()..i.min(code.len())]
            .iter()
            .collect();
        let mut module = None;
        if code.get(i) == Some(&';') {
            let words: Vec<&str> = item.split_whitespace().collect();
            if let Some(p) = words.iter().position(|w| *w == "mod") {
                module = words.get(p + 1).map(|w| (*w).to_owned());
            }
        } else {
            let mut depth = 0;
            while i < code.len() {
                match code[i] {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
        }
        let end = (i + 1).min(code.len());
        out.push((start, end, module));
        from = offsets.get(end).copied().unwrap_or(text.len());
    }
    out
}

/// Each `crate::` path's position and the modules it names: `crate::a::..` names `a`,
/// `crate::{a, b::c}` names `a` and `b`.
fn crate_paths(chars: &[char]) -> Vec<(usize, Vec<String>)> {
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    let skip_space = |mut i: usize| {
        while i < chars.len() && chars[i].is_whitespace() {
            i += 1;
        }
        i
    };
    let word = |i: usize| -> (String, usize) {
        let mut j = i;
        while j < chars.len() && ident(chars[j]) {
            j += 1;
        }
        (chars[i..j].iter().collect(), j)
    };
    let mut out = Vec::new();
    let mut i = 0;
    while i + 5 <= chars.len() {
        let before = i.checked_sub(1).map(|p| chars[p]);
        if chars[i..i + 5] != ['c', 'r', 'a', 't', 'e']
            || before.is_some_and(|c| ident(c) || c == '$')
            || chars.get(i + 5).is_some_and(|&c| ident(c))
        {
            i += 1;
            continue;
        }
        let at = i;
        let mut j = skip_space(i + 5);
        if chars.get(j) != Some(&':') || chars.get(j + 1) != Some(&':') {
            i += 5;
            continue;
        }
        j = skip_space(j + 2);
        let mut names = Vec::new();
        if chars.get(j) == Some(&'{') {
            // Top-level entries of the group: the first word of each.
            let mut depth = 0;
            let mut expect = true;
            while j < chars.len() {
                let c = chars[j];
                match c {
                    '{' => {
                        depth += 1;
                        expect = depth == 1;
                    }
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    ',' if depth == 1 => expect = true,
                    c if expect && depth == 1 && ident(c) => {
                        let (w, end) = word(j);
                        names.push(w);
                        expect = false;
                        j = end;
                        continue;
                    }
                    _ => {}
                }
                j += 1;
            }
        } else {
            let (w, end) = word(j);
            names.push(w);
            j = end;
        }
        out.push((at, names));
        i = j.max(at + 5);
    }
    out
}

/// Every loop, as its modules and one cycle through them with the files of each arrow.
fn loops(graph: &Graph) -> Vec<String> {
    let nodes: BTreeSet<&String> = graph
        .keys()
        .chain(graph.values().flat_map(|t| t.keys()))
        .collect();
    let reach = |from: &String| -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut todo = vec![from.clone()];
        while let Some(n) = todo.pop() {
            for next in graph.get(&n).into_iter().flat_map(|t| t.keys()) {
                if seen.insert(next.clone()) {
                    todo.push(next.clone());
                }
            }
        }
        seen
    };
    let reached: BTreeMap<&String, BTreeSet<String>> =
        nodes.iter().map(|n| (*n, reach(n))).collect();
    let mut done = BTreeSet::new();
    let mut out = Vec::new();
    for n in &nodes {
        if done.contains(*n) || !reached[n].contains(*n) {
            continue;
        }
        let members: BTreeSet<String> = reached[n]
            .iter()
            .filter(|m| reached.get(m).is_some_and(|r| r.contains(*n)))
            .cloned()
            .collect();
        done.extend(members.iter().cloned());
        let inside: Vec<String> = members
            .iter()
            .flat_map(|a| {
                graph
                    .get(a)
                    .into_iter()
                    .flatten()
                    .map(move |(b, files)| (a, b, files))
            })
            .filter(|(_, b, _)| members.contains(*b))
            .map(|(a, b, files)| {
                let files: Vec<&str> = files.iter().map(String::as_str).collect();
                format!("    {a} -> {b}: {}", files.join(", "))
            })
            .collect();
        out.push(format!(
            "  {{{}}}, around {}; every arrow inside it:\n{}",
            members.iter().cloned().collect::<Vec<_>>().join(", "),
            cycle(graph, n, &members),
            inside.join("\n")
        ));
    }
    out
}

/// A shortest cycle from `start` back to it within `members`.
fn cycle(graph: &Graph, start: &String, members: &BTreeSet<String>) -> String {
    let mut prev: BTreeMap<String, String> = BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([start.clone()]);
    'search: while let Some(n) = queue.pop_front() {
        for next in graph.get(&n).into_iter().flat_map(|t| t.keys()) {
            if !members.contains(next) || prev.contains_key(next) {
                continue;
            }
            prev.insert(next.clone(), n.clone());
            if next == start {
                break 'search;
            }
            queue.push_back(next.clone());
        }
    }
    let mut path = vec![start.clone()];
    let mut at = start.clone();
    while let Some(p) = prev.get(&at) {
        path.push(p.clone());
        at = p.clone();
        if at == *start {
            break;
        }
    }
    path.reverse();
    path.join(" -> ")
}

#[test]
fn reads_paths_groups_and_skips_tests_strings_and_comments_of_code() {
    let text = r##"
use crate::{ledger::{self, lots}, Ctx, members};
use crate :: shops::Shop;
/// See [`crate::program::Policy`].
fn f() -> &'static str { let c = '{'; let s = "crate::vouchers::x {"; r#"crate::offers"# }
#[cfg(test)]
mod tests {
    use crate::orders::x;
    fn g() { let b = '}'; }
}
#[cfg(test)]
mod slow;
pub(crate) fn h() { $crate::jobs::run(); crate::tiers::list(); }
"##;
    let scan = scan(text);
    let found: Vec<&str> = scan.paths.iter().map(String::as_str).collect();
    assert_eq!(
        found,
        ["Ctx", "ledger", "members", "program", "shops", "tiers"]
    );
    assert_eq!(scan.test_modules, ["slow"]);
}

#[test]
fn names_the_loop() {
    let mut graph = Graph::new();
    for (a, b) in [("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")] {
        graph
            .entry(a.into())
            .or_default()
            .entry(b.into())
            .or_default()
            .insert(format!("{a}.rs"));
    }
    assert_eq!(
        loops(&graph),
        [
            "  {a, b, c}, around a -> b -> c -> a; every arrow inside it:\n    a -> b: a.rs\n    b -> c: b.rs\n    c -> a: c.rs"
        ]
    );
}
