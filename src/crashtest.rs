//! Test-only crash points: `NEWSIDX_CRASH_AT=EVENT:N` kills the process (SIGKILL) the Nth time EVENT happens.
//!
//! The kill tests use it to stop `index` at exact places (after the Nth
//! document, between writing the catalog and committing, right after a
//! commit) that random timing would rarely hit. `EVENT:N:stop` freezes the
//! process instead (SIGSTOP), holding its lock, for tests of what other
//! processes see meanwhile and of signals, and `EVENT:N:panic` panics there,
//! for tests of what a bug costs. Unset, it costs one lookup per event.
//!
//! Only a build with the `crashtest` feature reads the variable (`cargo
//! test` turns it on); in any other build `point` does nothing, so a stray
//! variable can never make a scheduled run kill itself while it holds the
//! lock.

#[cfg(feature = "crashtest")]
use std::sync::atomic::{AtomicU64, Ordering};
#[cfg(feature = "crashtest")]
use std::sync::OnceLock;

/// The variable's name.
pub const VAR: &str = "NEWSIDX_CRASH_AT";

#[cfg(feature = "crashtest")]
struct Target {
    event: String,
    at: u64,
    /// The signal to raise, or 0 to panic.
    signal: libc::c_int,
    seen: AtomicU64,
}

#[cfg(feature = "crashtest")]
fn target() -> Option<&'static Target> {
    static TARGET: OnceLock<Option<Target>> = OnceLock::new();
    TARGET
        .get_or_init(|| {
            let value = std::env::var(VAR).ok()?;
            let mut parts = value.split(':');
            let event = parts.next()?.to_string();
            let at = parts.next()?.parse().ok()?;
            let signal = match parts.next() {
                None => libc::SIGKILL,
                Some("stop") => libc::SIGSTOP,
                Some("panic") => 0,
                Some(_) => return None,
            };
            Some(Target {
                event,
                at,
                signal,
                seen: AtomicU64::new(0),
            })
        })
        .as_ref()
}

/// Marks that `event` happened ("doc", "catalog", "commit", "delete").
#[cfg(feature = "crashtest")]
pub fn point(event: &str) {
    let Some(target) = target() else { return };
    if target.event == event && target.seen.fetch_add(1, Ordering::Relaxed) + 1 == target.at {
        if target.signal == 0 {
            panic!("crash point {event}");
        }
        // SAFETY: raising a signal at ourselves; SIGKILL and SIGSTOP cannot
        // be caught, which is the point: no destructor, flush or commit runs.
        unsafe {
            libc::kill(libc::getpid(), target.signal);
        }
    }
}

/// Without the `crashtest` feature: nothing.
#[cfg(not(feature = "crashtest"))]
#[inline(always)]
pub fn point(_event: &str) {}
