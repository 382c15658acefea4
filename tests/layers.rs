//! The layer check: no module in src/ uses one on its own or a higher layer of docs/architecture.md, and the library never talks to the terminal.
//!
//! The layers are the table in docs/architecture.md, read here, so the
//! document and the check cannot drift apart. A module may use its own
//! submodules and any module on a lower layer; every `crate::`,
//! `$crate::`, `super::` (resolved) and, in the binary, `newsidx::` path is
//! found, in `use` lines, in code and in strings (serde's `serialize_with`
//! names a path in one), but not in comments.

use std::collections::BTreeMap;
use std::path::Path;

/// Where the layer table is.
const ARCHITECTURE: &str = "docs/architecture.md";

/// What only a program that talks to a terminal writes: the library hands
/// values to the binary and prints nothing itself.
const TERMINAL: [&str; 10] = [
    "is_terminal",
    "IsTerminal",
    "print!",
    "println!",
    "eprint!",
    "eprintln!",
    "stdout()",
    "stderr()",
    "\\x1b[",
    "\\u{1b}[",
];

#[test]
fn no_module_uses_one_on_its_own_or_a_higher_layer() {
    let sources = Sources::read(Path::new(env!("CARGO_MANIFEST_DIR")));
    let layers = parse_layers(&sources.architecture).unwrap_or_else(|e| panic!("{ARCHITECTURE}: {e}"));
    let problems = check(&layers, &sources.files);
    assert!(
        problems.is_empty(),
        "the layers of {ARCHITECTURE} are broken:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_library_never_talks_to_the_terminal() {
    let sources = Sources::read(Path::new(env!("CARGO_MANIFEST_DIR")));
    let problems = terminal_use(&sources.files);
    assert!(
        problems.is_empty(),
        "the library knows nothing of the terminal (src/lib.rs); the binary prints:\n{}",
        problems.join("\n")
    );
}

#[test]
fn exit_codes_are_made_in_exit_codes_rs_only() {
    let sources = Sources::read(Path::new(env!("CARGO_MANIFEST_DIR")));
    let mut problems = Vec::new();
    for (name, text) in &sources.files {
        if name == "exit_codes.rs" {
            continue;
        }
        let code = lex(text);
        for word in [
            "ExitCode::from(",
            "ExitCode::SUCCESS",
            "ExitCode::FAILURE",
            "process::exit(",
        ] {
            for (at, _) in code.text.match_indices(word) {
                problems.push(format!("src/{name}:{}: `{word}`", line_of(text, at)));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "exit codes come from src/exit_codes.rs, where each says what it means:\n{}",
        problems.join("\n")
    );
}

/// docs/architecture.md and every `.rs` file under src/, by its path
/// relative to src/ with `/` between folders.
struct Sources {
    architecture: String,
    files: Vec<(String, String)>,
}

impl Sources {
    fn read(root: &Path) -> Sources {
        let architecture = std::fs::read_to_string(root.join(ARCHITECTURE)).expect("read the architecture");
        let mut files = Vec::new();
        let src = root.join("src");
        let mut folders = vec![src.clone()];
        while let Some(folder) = folders.pop() {
            for entry in std::fs::read_dir(&folder).expect("list src") {
                let path = entry.expect("list src").path();
                if path.is_dir() {
                    folders.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let name = path.strip_prefix(&src).expect("under src");
                    let name = name.to_string_lossy().replace('\\', "/");
                    files.push((name, std::fs::read_to_string(&path).expect("read a source file")));
                }
            }
        }
        files.sort();
        Sources { architecture, files }
    }
}

/// Layer of each top-level module: the rows `| N | `module` | ... |` of the
/// document's table.
fn parse_layers(doc: &str) -> Result<BTreeMap<String, u32>, String> {
    let mut layers = BTreeMap::new();
    for line in doc.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let (Some(layer), Some(module)) = (cells.get(1), cells.get(2)) else {
            continue;
        };
        let (Ok(layer), Some(module)) = (
            layer.parse::<u32>(),
            module.strip_prefix('`').and_then(|m| m.strip_suffix('`')),
        ) else {
            continue;
        };
        if layers.insert(module.to_string(), layer).is_some() {
            return Err(format!("`{module}` is in the layer table twice"));
        }
    }
    if layers.is_empty() {
        return Err("no layer table (rows `| N | `module` | what it owns |`)".into());
    }
    Ok(layers)
}

/// Which crate a file of src/ belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Crate {
    Library,
    Binary,
}

/// Every way a module of `files` breaks the layers of `layers`, as
/// `src/FILE:LINE: ...`.
fn check(layers: &BTreeMap<String, u32>, files: &[(String, String)]) -> Vec<String> {
    let source = |name: &str| files.iter().find(|(n, _)| n == name).map(|(_, t)| t.as_str());
    let library = source("lib.rs").map(declared_modules).unwrap_or_default();
    let binary = source("main.rs").map(declared_modules).unwrap_or_default();
    let reexports = source("lib.rs").map(reexports).unwrap_or_default();
    let mut problems = Vec::new();
    for module in library.iter().chain(&binary) {
        if !layers.contains_key(module) {
            problems.push(format!(
                "src/{}: module `{module}` has no layer in {ARCHITECTURE}",
                if binary.contains(module) {
                    "main.rs"
                } else {
                    "lib.rs"
                }
            ));
        }
    }
    for module in layers.keys() {
        if module != "main" && !library.contains(module) && !binary.contains(module) {
            problems.push(format!(
                "{ARCHITECTURE}: `{module}` is in the layer table but neither src/lib.rs nor src/main.rs declares it"
            ));
        }
    }
    for (name, text) in files {
        if name == "lib.rs" {
            // The root declares the modules and re-exports; it is no layer.
            continue;
        }
        let path = module_path(name);
        let top = &path[0];
        let krate = if top == "main" || binary.contains(top) {
            Crate::Binary
        } else {
            Crate::Library
        };
        let Some(&own) = layers.get(top) else {
            // Said above, for a declared module; an undeclared file is no
            // part of the build.
            continue;
        };
        for used in uses(text, &path) {
            let (target, target_crate) = match used.target {
                Target::Crate(m) => (m, krate),
                Target::Library(m) => (m, Crate::Library),
                Target::Invalid(why) => {
                    problems.push(format!("src/{name}:{}: {why}", used.line));
                    continue;
                }
            };
            let target = reexports
                .get(&target)
                .filter(|_| target_crate == Crate::Library)
                .cloned()
                .unwrap_or(target);
            if &target == top && target_crate == krate {
                continue;
            }
            let known = match target_crate {
                Crate::Library => library.contains(&target),
                Crate::Binary => binary.contains(&target),
            };
            let Some(&layer) = layers.get(&target).filter(|_| known) else {
                problems.push(format!(
                    "src/{name}:{}: `{top}` (layer {own}) uses `{target}`, which is no module of the {}",
                    used.line,
                    if target_crate == Crate::Library {
                        "library"
                    } else {
                        "binary"
                    }
                ));
                continue;
            };
            if layer >= own {
                let place = if layer == own {
                    "its own layer".to_string()
                } else {
                    "a higher layer".to_string()
                };
                problems.push(format!(
                    "src/{name}:{}: `{top}` (layer {own}) uses `{target}` (layer {layer}), on {place}",
                    used.line
                ));
            }
        }
    }
    problems.sort();
    problems
}

/// The library's code (tests aside) that talks to the terminal.
fn terminal_use(files: &[(String, String)]) -> Vec<String> {
    let source = |name: &str| files.iter().find(|(n, _)| n == name).map(|(_, t)| t.as_str());
    let binary = source("main.rs").map(declared_modules).unwrap_or_default();
    let test_only = source("lib.rs").map(test_modules).unwrap_or_default();
    let mut problems = Vec::new();
    for (name, text) in files {
        let top = &module_path(name)[0];
        if top == "main" || binary.contains(top) || test_only.contains(top) {
            continue;
        }
        let code = lex(text);
        let tests: Vec<_> = inline_modules(&code).into_iter().filter(|m| m.test).collect();
        for word in TERMINAL {
            for (at, _) in code.text.match_indices(word) {
                if !tests.iter().any(|m| m.span.contains(&at)) {
                    problems.push(format!("src/{name}:{}: `{word}`", line_of(text, at)));
                }
            }
        }
    }
    problems
}

/// `a/b.rs` and `a/b/mod.rs` are `["a", "b"]`; `main.rs` is `["main"]`.
fn module_path(file: &str) -> Vec<String> {
    let file = file.strip_suffix(".rs").unwrap_or(file);
    let file = file.strip_suffix("/mod").unwrap_or(file);
    file.split('/').map(String::from).collect()
}

/// The modules a crate root declares: `mod x;`, `pub mod x;`,
/// `pub(crate) mod x;`, with attributes or not.
fn declared_modules(root: &str) -> Vec<String> {
    declarations(root).into_iter().map(|(name, _)| name).collect()
}

/// The modules a crate root declares for tests only (`#[cfg(test)]`).
fn test_modules(root: &str) -> Vec<String> {
    declarations(root)
        .into_iter()
        .filter(|(_, test)| *test)
        .map(|(name, _)| name)
        .collect()
}

fn declarations(root: &str) -> Vec<(String, bool)> {
    let code = lex(root);
    let mut out = Vec::new();
    let mut test = false;
    for line in code.text.lines().map(str::trim) {
        let rest = line
            .strip_prefix("pub(crate) ")
            .or_else(|| line.strip_prefix("pub "))
            .unwrap_or(line);
        if let Some(name) = rest.strip_prefix("mod ").and_then(|r| r.strip_suffix(';')) {
            out.push((name.trim().to_string(), test));
        }
        test = line == "#[cfg(test)]";
    }
    out
}

/// The names the library root re-exports (`pub use error::{Error,
/// Result};`), each with the module it comes from.
fn reexports(root: &str) -> BTreeMap<String, String> {
    let code = lex(root);
    let mut out = BTreeMap::new();
    for line in code.text.lines().map(str::trim) {
        let Some(rest) = line.strip_prefix("pub use ").and_then(|r| r.strip_suffix(';')) else {
            continue;
        };
        let Some((module, names)) = rest.split_once("::") else {
            continue;
        };
        let names = names.trim_start_matches('{').trim_end_matches('}');
        for name in names.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let name = name.rsplit(" as ").next().unwrap_or(name);
            out.insert(name.to_string(), module.to_string());
        }
    }
    out
}

/// One path that leaves a module, and the line it is on.
#[derive(Debug, PartialEq)]
struct Use {
    line: usize,
    target: Target,
}

#[derive(Debug, PartialEq)]
enum Target {
    /// A top-level module of the file's own crate.
    Crate(String),
    /// A top-level module of the library, named from the binary.
    Library(String),
    /// A path the check cannot follow, and why.
    Invalid(String),
}

/// Every path in `text` (the file of the module `path`) that names a
/// top-level module: `crate::x`, `crate::{x, y::z}`, `$crate::x`,
/// `newsidx::x`, and `super::` chains that reach the crate root. A
/// `super::` chain that stays inside the file's top-level module is left
/// out: it cannot leave it.
fn uses(text: &str, path: &[String]) -> Vec<Use> {
    let code = lex(text);
    let bytes = code.text.as_bytes();
    let modules = inline_modules(&code);
    let mut out = Vec::new();
    let mut push = |at: usize, target: Target| {
        out.push(Use {
            line: line_of(text, at),
            target,
        })
    };
    let mut at = 0;
    while at < bytes.len() {
        let starts_word = at == 0 || !(is_ident(bytes[at - 1]) || bytes[at - 1] == b':');
        if !starts_word || !code.text.is_char_boundary(at) {
            at += 1;
            continue;
        }
        let rest = &code.text[at..];
        if let Some(after) = rest.strip_prefix("crate::") {
            for (offset, module) in first_segments(after) {
                push(at + 7 + offset, Target::Crate(module));
            }
            at += 7;
        } else if let Some(after) = rest.strip_prefix("newsidx::") {
            for (offset, module) in first_segments(after) {
                push(at + 9 + offset, Target::Library(module));
            }
            at += 9;
        } else if rest.starts_with("super::") {
            let mut ups = 0;
            let mut after = rest;
            while let Some(r) = after.strip_prefix("super::") {
                ups += 1;
                after = r.trim_start();
            }
            let skipped = rest.len() - after.len();
            // The module at this place: the file's, then the inline
            // modules (`mod tests { ... }`) around it.
            let mut around: Vec<&InlineModule> = modules.iter().filter(|m| m.span.contains(&at)).collect();
            around.sort_by_key(|m| m.span.start);
            let mut here: Vec<String> = path.to_vec();
            here.extend(around.iter().map(|m| m.name.clone()));
            if path[0] == "main" {
                here.clear();
            }
            if ups > here.len() {
                push(
                    at,
                    Target::Invalid(format!("`super::` {ups} times from a module {} deep", here.len())),
                );
            } else if ups == here.len() {
                for (offset, module) in first_segments(after) {
                    push(at + skipped + offset, Target::Crate(module));
                }
            }
            at += skipped;
        } else {
            at += 1;
        }
    }
    out
}

/// The first segment of the path at the start of `text`, or of each path of
/// a `{...}` group, with its byte offset in `text`.
fn first_segments(text: &str) -> Vec<(usize, String)> {
    let bytes = text.as_bytes();
    let ident_at = |from: usize| {
        let start = from
            + bytes[from..]
                .iter()
                .take_while(|b| b.is_ascii_whitespace())
                .count();
        let len = bytes[start..].iter().take_while(|&&b| is_ident(b)).count();
        (start, text[start..start + len].to_string())
    };
    if bytes.first() != Some(&b'{') {
        let (start, name) = ident_at(0);
        return if name.is_empty() {
            Vec::new()
        } else {
            vec![(start, name)]
        };
    }
    let mut out = Vec::new();
    let mut depth = 0;
    let mut item_start = true;
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'{' => {
                depth += 1;
                if depth == 1 {
                    item_start = true;
                    continue;
                }
            }
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            b',' if depth == 1 => {
                item_start = true;
                continue;
            }
            _ => {}
        }
        if item_start && depth == 1 && !b.is_ascii_whitespace() {
            item_start = false;
            let (start, name) = ident_at(i);
            // `crate::{self, ...}` names the root, no module.
            if !name.is_empty() && name != "self" {
                out.push((start, name));
            }
        }
    }
    out
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn line_of(text: &str, at: usize) -> usize {
    text[..at].bytes().filter(|&b| b == b'\n').count() + 1
}

/// A file's text with its comments blanked (same length, same lines), and
/// which bytes are inside string or character literals.
struct Code {
    text: String,
    literal: Vec<bool>,
}

fn lex(src: &str) -> Code {
    let b = src.as_bytes();
    let mut text = b.to_vec();
    let mut literal = vec![false; b.len()];
    let blank = |text: &mut Vec<u8>, i: usize| {
        if text[i] != b'\n' {
            text[i] = b' ';
        }
    };
    let mut i = 0;
    while i < b.len() {
        let prev_ident = i > 0 && is_ident(b[i - 1]);
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    blank(&mut text, i);
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let mut depth = 0;
                while i < b.len() {
                    if b[i..].starts_with(b"/*") {
                        depth += 1;
                        blank(&mut text, i);
                        blank(&mut text, i + 1);
                        i += 2;
                    } else if b[i..].starts_with(b"*/") {
                        depth -= 1;
                        blank(&mut text, i);
                        blank(&mut text, i + 1);
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        blank(&mut text, i);
                        i += 1;
                    }
                }
            }
            b'r' if !prev_ident
                || (i == 1 && b[0] == b'b')
                || (i > 1 && b[i - 1] == b'b' && !is_ident(b[i - 2])) =>
            {
                let hashes = b[i + 1..].iter().take_while(|&&c| c == b'#').count();
                if b.get(i + 1 + hashes) != Some(&b'"') {
                    i += 1;
                    continue;
                }
                let mut close = vec![b'"'];
                close.extend(std::iter::repeat_n(b'#', hashes));
                let start = i + 2 + hashes;
                let end = b[start..]
                    .windows(close.len())
                    .position(|w| w == close.as_slice())
                    .map_or(b.len(), |p| start + p);
                literal[start..end].fill(true);
                i = end + close.len();
            }
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    literal[i] = true;
                    if b[i] == b'\\' && i + 1 < b.len() {
                        literal[i + 1] = true;
                        i += 1;
                    }
                    i += 1;
                }
                i += 1;
            }
            b'\'' => {
                // A character literal, or a lifetime (`'a`), left alone.
                let end = if b.get(i + 1) == Some(&b'\\') {
                    // Past the escaped character: `'\''` ends at its third quote.
                    b.get(i + 3..)
                        .and_then(|r| r.iter().position(|&c| c == b'\''))
                        .map(|p| i + 3 + p)
                } else {
                    src[i + 1..]
                        .chars()
                        .next()
                        .map(|c| i + 1 + c.len_utf8())
                        .filter(|&e| b.get(e) == Some(&b'\''))
                };
                match end {
                    Some(end) => {
                        literal[i + 1..end].fill(true);
                        i = end + 1;
                    }
                    None => i += 1,
                }
            }
            _ => i += 1,
        }
    }
    let text = String::from_utf8(text).expect("comments blanked whole");
    Code { text, literal }
}

/// A `mod NAME { ... }` inside a file.
struct InlineModule {
    name: String,
    span: std::ops::Range<usize>,
    /// Under `#[cfg(test)]`.
    test: bool,
}

fn inline_modules(code: &Code) -> Vec<InlineModule> {
    let bytes = code.text.as_bytes();
    let mut found = Vec::new();
    // Open modules: name, brace depth inside them, start, test.
    let mut open: Vec<(String, usize, usize, bool)> = Vec::new();
    let mut depth = 0;
    let mut pending: Option<(String, bool)> = None;
    let mut i = 0;
    while i < bytes.len() {
        if code.literal[i] {
            i += 1;
            continue;
        }
        match bytes[i] {
            b'{' => {
                depth += 1;
                if let Some((name, test)) = pending.take() {
                    open.push((name, depth, i, test));
                }
            }
            b'}' => {
                if open.last().is_some_and(|m| m.1 == depth) {
                    let (name, _, start, test) = open.pop().expect("an open module");
                    found.push(InlineModule {
                        name,
                        span: start..i,
                        test,
                    });
                }
                depth = depth.saturating_sub(1);
            }
            b';' => pending = None,
            b'm' if (i == 0 || !is_ident(bytes[i - 1])) && code.text[i..].starts_with("mod ") => {
                let rest = &code.text[i + 4..];
                let name: String = rest
                    .trim_start()
                    .bytes()
                    .take_while(|&b| is_ident(b))
                    .map(char::from)
                    .collect();
                let before = code.text[..i].trim_end();
                let before = before
                    .strip_suffix("pub(crate)")
                    .or_else(|| before.strip_suffix("pub"))
                    .unwrap_or(before)
                    .trim_end();
                pending = Some((name, before.ends_with("#[cfg(test)]")));
                i += 4;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    found
}

// The checker's own tests: it must see an upward path in each form it can
// take, or it would pass on anything.

fn table() -> BTreeMap<String, u32> {
    parse_layers(
        "| layer | module | owns |\n|---|---|---|\n\
         | 0 | `error` | errors |\n| 1 | `schema` | fields |\n| 1 | `entities` | names |\n\
         | 2 | `index` | the index |\n| 3 | `search` | queries |\n\
         | 4 | `printer` | output |\n| 5 | `main` | the binary |",
    )
    .expect("a table")
}

fn tree(files: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut all = vec![
        (
            "lib.rs".to_string(),
            "pub mod entities;\npub mod error;\npub mod index;\npub mod schema;\npub mod search;\n\
             pub use error::{Error, Result};\n"
                .to_string(),
        ),
        ("main.rs".to_string(), "mod printer;\n".to_string()),
    ];
    all.extend(files.iter().map(|(n, t)| (n.to_string(), t.to_string())));
    all
}

#[test]
fn an_upward_use_line_is_found_with_its_place_and_layers() {
    let files = tree(&[("error.rs", "//! Errors.\n\nuse crate::search::QueryError;\n")]);
    assert_eq!(
        check(&table(), &files),
        ["src/error.rs:3: `error` (layer 0) uses `search` (layer 3), on a higher layer"]
    );
}

#[test]
fn each_form_of_an_upward_path_is_found() {
    let files = tree(&[
        // A group, over lines.
        (
            "schema.rs",
            "use crate::{\n    error::Error,\n    index::ENTITY_TOKENIZER,\n};\n",
        ),
        // A path in code, and one in a string (serde's serialize_with).
        (
            "index.rs",
            "fn f() { crate::search::run(); }\n#[serde(serialize_with = \"crate::printer::x\")]\n",
        ),
        // `super::super` out of a submodule, and `$crate` in a macro.
        (
            "index/stats.rs",
            "use super::super::search::tally;\nmacro_rules! m { () => { $crate::search::x() } }\n",
        ),
        // A sibling on the same layer.
        ("entities/mod.rs", "use crate::schema::Role;\n"),
    ]);
    let found = check(&table(), &files);
    assert_eq!(
        found,
        [
            "src/entities/mod.rs:1: `entities` (layer 1) uses `schema` (layer 1), on its own layer",
            "src/index.rs:1: `index` (layer 2) uses `search` (layer 3), on a higher layer",
            "src/index.rs:2: `index` (layer 2) uses `printer`, which is no module of the library",
            "src/index/stats.rs:1: `index` (layer 2) uses `search` (layer 3), on a higher layer",
            "src/index/stats.rs:2: `index` (layer 2) uses `search` (layer 3), on a higher layer",
            "src/schema.rs:3: `schema` (layer 1) uses `index` (layer 2), on a higher layer",
        ]
    );
}

#[test]
fn downward_and_inner_paths_and_comments_pass() {
    let files = tree(&[
        (
            "search/mod.rs",
            "//! Uses crate::printer in a comment only.\nuse crate::index::NewsIndex;\nuse crate::Error;\n\
             /* crate::printer */ mod query;\n#[cfg(test)]\nmod tests {\n    use super::*;\n    \
             use crate::search::query;\n    fn f() { let _ = '{'; let _ = \"}\"; super::super::error::x(); }\n}\n",
        ),
        ("search/query.rs", "use super::super::index::NewsIndex;\nuse super::Node;\n"),
        ("error.rs", "#[cfg(test)]\nmod tests {\n    use super::*;\n}\n"),
    ]);
    assert_eq!(check(&table(), &files), Vec::<String>::new());
}

#[test]
fn a_module_without_a_layer_is_a_failure() {
    let mut files = tree(&[]);
    files[0].1.push_str("mod ingest;\n");
    assert_eq!(
        check(&table(), &files),
        ["src/lib.rs: module `ingest` has no layer in docs/architecture.md"]
    );
}

#[test]
fn terminal_code_in_the_library_is_found_outside_its_tests() {
    let files = tree(&[
        (
            "search/mod.rs",
            "fn f() { if std::io::stdout().is_terminal() { print!(\"\\x1b[1m\"); } }\n\
             #[cfg(test)]\nmod tests {\n    fn g() { println!(\"ok\"); }\n}\n",
        ),
        ("printer.rs", "fn f() { println!(\"\\x1b[1m\"); }\n"),
    ]);
    assert_eq!(
        terminal_use(&files),
        [
            "src/search/mod.rs:1: `is_terminal`",
            "src/search/mod.rs:1: `print!`",
            "src/search/mod.rs:1: `stdout()`",
            "src/search/mod.rs:1: `\\x1b[`",
        ]
    );
}
