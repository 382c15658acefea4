//! The library's error type: what went wrong, with the path or value it concerns.

use std::fmt;
use std::io;
use std::path::PathBuf;

/// Everything the library can fail with. Messages are lowercase, start with
/// the path they concern, and never show Debug output, so the binary can print
/// them as `newsidx: {err}`.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{}: {}", path.display(), io_reason(source))]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },

    #[error("no index at {} (build one with `newsidx --index {} index ARCHIVE_DIR`)", dir.display(), dir.display())]
    NoIndex { dir: PathBuf },

    #[error("{}: exists but is not a newsidx index; choose another --index or remove it", dir.display())]
    NotAnIndex { dir: PathBuf },

    #[error(
        "{}: the index was built with different fields ({detail}); rebuild it: remove {} and run `newsidx --index {} index ARCHIVE_DIR...` again",
        dir.display(), dir.display(), dir.display()
    )]
    SchemaMismatch { dir: PathBuf, detail: String },

    #[error("{origin}: bad field mapping: {reason}")]
    Mapping { origin: String, reason: String },

    #[error("another index run holds the lock on {}", dir.display())]
    Locked { dir: PathBuf },

    #[error("another `export --changes` to the same --name holds the lock on {}", path.display())]
    ExportLocked { path: PathBuf },

    #[error("{}: {what}: {message}", dir.display())]
    Index {
        dir: PathBuf,
        what: &'static str,
        message: String,
    },

    #[error(
        "{}: the index is damaged ({detail}); rebuild it from the archive: `newsidx --index {} index --full ARCHIVE_DIR...`",
        dir.display(), dir.display()
    )]
    Damaged { dir: PathBuf, detail: String },

    #[error("archive folder {}: {reason}", path.display())]
    Archive { path: PathBuf, reason: String },

    #[error("bad query: {0}")]
    Query(#[from] QueryError),

    #[error("{0}")]
    Invalid(String),
}

impl Error {
    pub fn io(path: impl Into<PathBuf>, source: io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// A tantivy failure while working on the index in `dir`. tantivy's own
    /// Display output carries Debug formatting, so the message is built from
    /// its parts where that matters.
    pub(crate) fn tantivy(dir: impl Into<PathBuf>, what: &'static str, err: tantivy::TantivyError) -> Self {
        let dir = dir.into();
        use tantivy::directory::error::{OpenReadError, OpenWriteError};
        let file = |p: &std::path::Path| {
            p.file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
        };
        match err {
            tantivy::TantivyError::LockFailure(..) => Error::Locked { dir },
            // What tantivy finds missing or not as it wrote it: a file of
            // the index damaged or removed behind its back.
            tantivy::TantivyError::DataCorruption(c) => Error::Damaged {
                dir,
                // Only Debug says what (`Data corruption (in file
                // `"meta.json"`): Meta file cannot be deserialized. ...`):
                // its first sentence, without the quoting.
                detail: {
                    let text = format!("{c:?}").replace(['`', '"'], "");
                    let first = text.split(". ").next().unwrap_or(&text).trim_end_matches('.');
                    tidy_message(first)
                },
            },
            tantivy::TantivyError::OpenReadError(OpenReadError::FileDoesNotExist(p)) => Error::Damaged {
                dir,
                detail: format!("{} is missing", file(&p)),
            },
            tantivy::TantivyError::OpenReadError(OpenReadError::IoError { io_error, filepath })
                if matches!(
                    io_error.kind(),
                    io::ErrorKind::InvalidData | io::ErrorKind::UnexpectedEof
                ) =>
            {
                let reason = io_reason(&io_error);
                let first = reason.split(". ").next().unwrap_or(&reason).to_string();
                Error::Damaged {
                    dir,
                    detail: format!("{}: {first}", file(&filepath)),
                }
            }
            tantivy::TantivyError::IoError(e)
            | tantivy::TantivyError::OpenWriteError(OpenWriteError::IoError { io_error: e, .. }) => {
                Error::Index {
                    dir,
                    what,
                    message: io_reason(&e),
                }
            }
            // tantivy's segment plugins hand a failed write on as an
            // internal error with the io error's text (a full disk while a
            // segment is serialised); it reads as the io error it is.
            other => {
                let text = other.to_string();
                let message = os_error_in(&text).unwrap_or_else(|| tidy_message(&text));
                Error::Index { dir, what, message }
            }
        }
    }

    /// Whether this error is the user's input (bad query, bad arguments) as
    /// opposed to the environment.
    pub fn is_usage(&self) -> bool {
        matches!(self, Error::Query(_) | Error::Invalid(_))
    }
}

/// An io::Error's message without the "(os error N)" tail, lower-cased, to
/// read like the rest of newsidx's messages.
pub fn io_reason(e: &io::Error) -> String {
    let msg = e.to_string();
    let msg = msg.split(" (os error").next().unwrap_or(&msg);
    tidy_message(msg)
}

/// The operating system's message inside a tantivy error's text, as
/// io::Error shows it (`No space left on device (os error 28)`) or as its
/// Debug does (`Os { code: 28, kind: StorageFull, message: "No space..." }`).
fn os_error_in(text: &str) -> Option<String> {
    let message = if let Some(end) = text.find(" (os error ") {
        // The message runs back to the quote or colon tantivy put before it.
        let head = &text[..end];
        let start = head.rfind(['\'', ':']).map_or(0, |i| i + 1);
        head[start..].trim()
    } else {
        let start = text.find("Os {")?;
        let rest = &text[start..];
        let from = rest.find("message: \"")? + "message: \"".len();
        let rest = &rest[from..];
        &rest[..rest.find('"')?]
    };
    (!message.is_empty()).then(|| tidy_message(message))
}

/// Lower-cases the first letter (of a word, not an acronym) and drops the
/// quoting tantivy puts around values, so its messages read like ours.
pub(crate) fn tidy_message(msg: &str) -> String {
    let msg = msg.replace(['\'', '"'], "");
    let mut chars = msg.chars();
    match (chars.next(), chars.clone().next()) {
        // An acronym ("EOF while parsing") keeps its capitals.
        (Some(_), Some(second)) if second.is_uppercase() => msg,
        (Some(first), _) => first.to_lowercase().chain(chars).collect(),
        (None, _) => msg,
    }
}

/// A query the user typed that cannot be run: what is wrong and where
/// (1-based character column). Here, below search, so that `Error` can
/// hold it without this module importing the layer above.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryError {
    pub message: String,
    pub column: Option<usize>,
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.column {
            Some(col) => write!(f, "{} (column {col})", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for QueryError {}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_that_fails_inside_tantivy_reads_as_the_io_error() {
        let plugin = tantivy::TantivyError::InternalError("No space left on device (os error 28)".into());
        let err = Error::tantivy("/idx", "cannot commit", plugin).to_string();
        assert_eq!(err, "/idx: cannot commit: no space left on device");
        let thread = tantivy::TantivyError::ErrorInThread(
            "IoError(Os { code: 27, kind: FileTooLarge, message: \"File too large\" })".into(),
        );
        let err = Error::tantivy("/idx", "cannot commit", thread).to_string();
        assert_eq!(err, "/idx: cannot commit: file too large");
        let open = tantivy::directory::error::OpenWriteError::wrap_io_error(
            io::Error::from_raw_os_error(28),
            "x.idx".into(),
        );
        let err = Error::tantivy("/idx", "cannot commit", open.into()).to_string();
        assert_eq!(err, "/idx: cannot commit: no space left on device");
        let other = tantivy::TantivyError::InternalError("dummy impl".into());
        let err = Error::tantivy("/idx", "cannot commit", other).to_string();
        assert_eq!(err, "/idx: cannot commit: internal error: dummy impl");
    }
}
