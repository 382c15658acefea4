//! Every exit code newsidx ends with, in one place: what each means and which commands give it.
//!
//! Users read them in README.md ("Exit codes") and `newsidx --help`; a
//! change here is a change there. clap ends a run with bad arguments
//! itself, before any command, with 2, the code of `Error`.

use std::process;

/// How a run of newsidx ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    /// 0: done as asked; for `search`, at least one hit. `extract` and
    /// `evaluate` end so whenever they ran, even with no mention found,
    /// and so does a write into a closed pipe (`newsidx search x | head`).
    Success,
    /// 1: the command ran and found nothing: `search` no hit, `entities`
    /// nothing to list, `show` no article with that id.
    NothingFound,
    /// 1: the command finished but left something out, listed on standard
    /// error: `index` skipped files or records, `export` left documents out.
    SomeLeftOut,
    /// 2: an error, told in one line `newsidx: ...` on standard error: a bad
    /// query or argument, a missing, damaged or incompatible index, a full
    /// disk, an unreadable archive folder.
    Error,
    /// 75 (EX_TEMPFAIL, try again later): another run holds the lock, an
    /// `index` run on the index, an `export --changes` on its export point.
    Locked,
    /// 130 (128 + SIGINT): `index` stopped by SIGINT (Ctrl-C); the work
    /// done is committed.
    Interrupted,
    /// 143 (128 + SIGTERM): `index` stopped by SIGTERM; the work done is
    /// committed.
    Terminated,
}

impl ExitCode {
    /// The process's exit status.
    pub const fn code(self) -> u8 {
        match self {
            ExitCode::Success => 0,
            ExitCode::NothingFound | ExitCode::SomeLeftOut => 1,
            ExitCode::Error => 2,
            ExitCode::Locked => 75,
            ExitCode::Interrupted => 130,
            ExitCode::Terminated => 143,
        }
    }
}

impl From<ExitCode> for process::ExitCode {
    fn from(code: ExitCode) -> process::ExitCode {
        process::ExitCode::from(code.code())
    }
}
