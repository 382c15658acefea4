//! `newsidx completions SHELL` and `newsidx man`: made from the parser's own definition, naming every command, with no index.

mod common;

use std::io::Write;
use std::process::{Command, Output, Stdio};

use common::{bare_cmd, stderr, stdout};

/// The commands `newsidx --help` lists, but clap's `help`; checked
/// against the help itself, so a new command cannot be forgotten here.
const COMMANDS: &[&str] = &[
    "index",
    "search",
    "show",
    "stats",
    "check",
    "entities",
    "evaluate",
    "extract",
    "export",
    "serve",
    "completions",
    "man",
];

/// Options of several commands, global and not.
const FLAGS: &[&str] = &[
    "index",
    "json",
    "sort",
    "section",
    "commit-every",
    "full",
    "format",
    "listen",
];

/// `newsidx ARGS` with no index anywhere: neither command needs one.
fn run(args: &[&str]) -> Output {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = bare_cmd()
        .current_dir(dir.path())
        .args(args)
        .output()
        .expect("run newsidx");
    assert_eq!(
        std::fs::read_dir(dir.path()).expect("dir").count(),
        0,
        "{args:?} wrote nothing (no index folder)"
    );
    out
}

fn ok(args: &[&str]) -> String {
    let out = run(args);
    assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
    assert!(out.stderr.is_empty(), "{args:?}: {}", stderr(&out));
    stdout(&out)
}

/// Whether `tool` runs here. With CI set a missing tool fails the test
/// rather than skipping it (.ci/run installs groff).
fn have(tool: &str) -> bool {
    let found = Command::new(tool)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "{tool} is not installed, and CI is set"
        );
        eprintln!("skipped: {tool} is not installed");
    }
    found
}

/// `tool ARGS` with `input` on standard input.
fn pipe(tool: &str, args: &[&str], input: &str) -> Output {
    let mut child = Command::new(tool)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write");
    child.wait_with_output().expect("wait")
}

#[test]
fn the_commands_listed_here_are_those_of_the_help() {
    let help = ok(&["--help"]);
    let listed: Vec<&str> = help
        .lines()
        .skip_while(|l| *l != "Commands:")
        .skip(1)
        .take_while(|l| !l.is_empty())
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .collect();
    assert_eq!(listed, COMMANDS, "{help}");
}

#[test]
fn every_shell_completes_every_command_and_their_options() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let script = ok(&["completions", shell]);
        assert!(script.len() > 1000, "{shell}: {script}");
        for command in COMMANDS {
            // How each shell's script names a command it completes.
            let named = match shell {
                "bash" => format!("newsidx,{command})"),
                "zsh" => format!("({command})"),
                "fish" => format!("-a \"{command}\""),
                "powershell" => format!("'newsidx;{command}'"),
                _ => format!("&'newsidx;{command}'="),
            };
            assert!(script.contains(&named), "{shell} lacks {command}: {named}");
        }
        for flag in FLAGS {
            let named = match shell {
                "fish" => format!("-l {flag} "),
                _ => format!("--{flag}"),
            };
            assert!(script.contains(&named), "{shell} lacks --{flag}: {named}");
        }
    }
}

#[test]
fn the_bash_script_parses_and_completes() {
    if !have("bash") {
        return;
    }
    let script = ok(&["completions", "bash"]);
    let out = pipe("bash", &["-n"], &script);
    assert_eq!(out.status.code(), Some(0), "bash -n: {}", stderr(&out));
    // Completing as bash does: the words so far, the one being completed,
    // and what _newsidx offers for it.
    let complete = |words: &[&str]| -> String {
        let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
        let cword = words.len() - 1;
        let prev = if cword > 0 { words[cword - 1] } else { "" };
        let program = format!(
            "{script}\nCOMP_WORDS=({}); COMP_CWORD={cword}; _newsidx newsidx '{}' '{prev}'; \
             printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            quoted.join(" "),
            words[cword]
        );
        let out = pipe("bash", &[], &program);
        assert_eq!(out.status.code(), Some(0), "{words:?}: {}", stderr(&out));
        stdout(&out)
    };
    assert_eq!(complete(&["newsidx", "sea"]), "search\n");
    assert_eq!(complete(&["newsidx", "search", "--so"]), "--sort\n");
    assert_eq!(
        complete(&["newsidx", "search", "--sort", ""]),
        "relevance\nnewest\noldest\n"
    );
    let shells = complete(&["newsidx", "completions", ""]);
    for shell in ["bash", "elvish", "fish", "powershell", "zsh"] {
        assert!(shells.lines().any(|l| l == shell), "{shells}");
    }
}

#[test]
fn a_shell_it_does_not_know_is_a_usage_error() {
    let out = run(&["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("invalid value 'tcsh' for '<SHELL>'"), "{err}");
    assert!(out.stdout.is_empty());
    let out = run(&["completions"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("<SHELL>"), "{}", stderr(&out));
}

#[test]
fn the_man_page_names_every_command_and_the_global_options() {
    let page = ok(&["man"]);
    assert!(
        page.lines().any(|l| l.starts_with(".TH newsidx 1 ")),
        "no .TH: {page}"
    );
    for section in ["NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "SUBCOMMANDS"] {
        assert!(page.contains(&format!("\n.SH {section}\n")), "no {section}");
    }
    for command in COMMANDS {
        // roff writes a hyphen as \-.
        assert!(
            page.contains(&format!("newsidx\\-{command}(1)")),
            "{command} missing"
        );
    }
    assert!(!page.contains("newsidx\\-help(1)"), "clap's help has no page");
    for flag in ["index", "schema", "entities", "quiet", "color"] {
        assert!(
            page.contains(&format!("\\fB\\-\\-{flag}\\fR")),
            "--{flag} missing"
        );
    }
    // The variables that set them, by name; never the value they have on
    // the machine that made the page.
    for var in ["NEWSIDX_INDEX", "NEWSIDX_SCHEMA", "NEWSIDX_ENTITIES"] {
        assert!(page.contains(&format!("\\fB{var}\\fR")), "{var} missing");
    }
    let out = bare_cmd()
        .env("NEWSIDX_INDEX", "/srv/private-index")
        .arg("man")
        .output()
        .expect("run");
    assert_eq!(stdout(&out), page, "the page does not depend on the environment");
    assert!(page.contains("Exit codes: 0 success"), "the exit codes");
    if have("groff") {
        assert_renders(&page, "newsidx");
    }
}

#[test]
fn man_out_writes_a_page_for_each_command() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = bare_cmd()
        .args(["man", "--out"])
        .arg(dir.path())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let mut names: Vec<String> = std::iter::once("newsidx.1".to_string())
        .chain(COMMANDS.iter().map(|c| format!("newsidx-{c}.1")))
        .collect();
    let printed: Vec<String> = stdout(&out).lines().map(str::to_string).collect();
    let expected: Vec<String> = names
        .iter()
        .map(|n| dir.path().join(n).display().to_string())
        .collect();
    assert_eq!(printed, expected, "the paths written, one a line");
    let mut found: Vec<String> = std::fs::read_dir(dir.path())
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    found.sort();
    names.sort();
    assert_eq!(found, names);
    let search = std::fs::read_to_string(dir.path().join("newsidx-search.1")).expect("page");
    // Under newsidx's name and version, as the main page.
    let title = format!(".TH newsidx-search 1  \"newsidx {}\" ", env!("CARGO_PKG_VERSION"));
    assert!(search.lines().any(|l| l == title), "{search}");
    for flag in ["sort", "section", "limit", "json", "index"] {
        assert!(
            search.contains(&format!("\\fB\\-\\-{flag}\\fR")),
            "--{flag} missing"
        );
    }
    if have("groff") {
        for name in &names {
            let page = std::fs::read_to_string(dir.path().join(name)).expect("page");
            assert_renders(&page, name.trim_end_matches(".1"));
        }
    }

    // A folder that cannot be written to is one line naming it.
    let missing = dir.path().join("no/such/folder");
    let out = bare_cmd()
        .args(["man", "--out"])
        .arg(&missing)
        .output()
        .expect("run");
    common::one_line_error(
        &out,
        2,
        &format!("newsidx: {}: no such file or directory", missing.display()),
    );
}

/// groff reads `page` without a warning and prints it under its title.
fn assert_renders(page: &str, title: &str) {
    let out = pipe("groff", &["-man", "-Tutf8", "-ww", "-P-cbou"], page);
    assert_eq!(out.status.code(), Some(0), "{title}: {}", stderr(&out));
    assert!(out.stderr.is_empty(), "{title}: groff warns: {}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with(&format!("{title}(1)")), "{title}: {text}");
    assert!(text.contains("SYNOPSIS"), "{title}: {text}");
}

#[test]
fn neither_needs_nor_opens_an_index() {
    // An --index that is a file would be an error to any command that opens it.
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("not-an-index");
    std::fs::write(&file, "x").expect("write");
    for args in [&["completions", "bash"][..], &["man"][..]] {
        let out = bare_cmd()
            .arg("--index")
            .arg(&file)
            .args(args)
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
    }
    assert_eq!(std::fs::read_to_string(&file).expect("read"), "x");
}
