//! The newsidx binary: parses arguments, runs the command, maps the outcome to an exit code.

// Ingest allocates many small, short-lived values on every busy thread
// (parser workers and tantivy's indexing threads); mimalloc's per-thread free
// lists make that cheaper in CPU than glibc's malloc (figures in
// docs/performance.md, "Speed").
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod cli;
mod commands;
mod exit_codes;
mod printer;

use std::io;
use std::process;

use clap::Parser;

use crate::exit_codes::ExitCode;

fn main() -> process::ExitCode {
    commands::quiet_panics();
    let cli = cli::Cli::parse();
    let code = match commands::run(cli) {
        Ok(code) => code,
        Err(err) => {
            // A closed pipe (`newsidx search ... | head`) is not an error.
            if err.chain().any(|e| {
                e.downcast_ref::<io::Error>()
                    .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::Success.into();
            }
            eprintln!("newsidx: {}", message(&err));
            match err.downcast_ref::<newsidx::Error>() {
                Some(newsidx::Error::Locked { .. } | newsidx::Error::ExportLocked { .. }) => ExitCode::Locked,
                _ => ExitCode::Error,
            }
        }
    };
    code.into()
}

/// Gives the memory the process has freed back to the system (the
/// ingest's, before the entity table), and with `from_now_on`, what it
/// frees from here on too, at once rather than after mimalloc's delay.
/// The table's build frees large structures (its grouping's maps) before
/// it makes others (the groups); at a million articles, with the delay, the
/// freed pages were still the process's when the new ones were touched,
/// and the two added up to the run's peak. On a small table the immediate
/// returns cost more time than they save memory (docs/performance.md).
pub(crate) fn return_freed_memory(from_now_on: bool) {
    // SAFETY: mi_collect gives back freed memory and reads nothing of
    // ours; mi_option_set only stores an option's value, and any value is
    // valid for this one.
    unsafe {
        libmimalloc_sys::mi_collect(true);
        if from_now_on {
            libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0);
        }
    }
}

/// `mi_option_purge_delay` in mimalloc.h's `mi_option_e`, for which
/// libmimalloc-sys names no constant (a test checks its default).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// The error and its causes, joined by ": ". The library's errors already
/// say their cause in their own words, so the chain stops at the first one
/// (else "no such file or directory: No such file or directory (os error 2)").
fn message(err: &anyhow::Error) -> String {
    let mut parts = Vec::new();
    for cause in err.chain() {
        parts.push(cause.to_string());
        if cause.downcast_ref::<newsidx::Error>().is_some() {
            break;
        }
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_purge_delay_option_is_mimalloc_s() {
        // mimalloc's default purge delay is 10 ms; another option at this
        // place in its enumeration would have another default.
        // SAFETY: reads an option's value.
        let delay = unsafe { libmimalloc_sys::mi_option_get(super::MI_OPTION_PURGE_DELAY) };
        assert_eq!(delay, 10);
    }
}
