//! Test-only crash points: `NEWSIDX_CRASH_AT=EVENT:N` kills the process (SIGKILL) the Nth time EVENT happens.
//!
//! The kill tests use it to stop `index` at exact places (after the Nth
//! document, between writing the catalog and committing, right after a
//! commit) that random timing would rarely hit. `EVENT:N:stop` freezes the
//! process instead (SIGSTOP), holding its lock, for tests of what other
//! processes see meanwhile and of signals, and `EVENT:N:panic` panics there,
//! for tests of what a bug costs, and `EVENT:N:sleepMS` sleeps MS
//! milliseconds there, for tests of what a slow step does to others (a
//! busy server). Unset, it costs one lookup per event.
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
    action: Action,
    seen: AtomicU64,
}

#[cfg(feature = "crashtest")]
enum Action {
    Signal(libc::c_int),
    Panic,
    Sleep(std::time::Duration),
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
            let action = match parts.next() {
                None => Action::Signal(libc::SIGKILL),
                Some("stop") => Action::Signal(libc::SIGSTOP),
                Some("panic") => Action::Panic,
                Some(other) => {
                    let ms = other.strip_prefix("sleep")?.parse().ok()?;
                    Action::Sleep(std::time::Duration::from_millis(ms))
                }
            };
            Some(Target {
                event,
                at,
                action,
                seen: AtomicU64::new(0),
            })
        })
        .as_ref()
}

/// Marks that `event` happened ("doc", "catalog", "commit", "delete", "serve": an API call on its thread).
#[cfg(feature = "crashtest")]
pub fn point(event: &str) {
    let Some(target) = target() else { return };
    if target.event == event && target.seen.fetch_add(1, Ordering::Relaxed) + 1 == target.at {
        match target.action {
            Action::Panic => panic!("crash point {event}"),
            Action::Sleep(time) => std::thread::sleep(time),
            // SAFETY: raising a signal at ourselves; SIGKILL and SIGSTOP
            // cannot be caught, which is the point: no destructor, flush or
            // commit runs.
            Action::Signal(signal) => unsafe {
                libc::kill(libc::getpid(), signal);
            },
        }
    }
}

/// Without the `crashtest` feature: nothing.
#[cfg(not(feature = "crashtest"))]
#[inline(always)]
pub fn point(_event: &str) {}

#[cfg(test)]
mod tests {
    /// A stray NEWSIDX_CRASH_AT must not make a user's build kill itself.
    /// `cargo test` cannot build newsidx without the feature (the
    /// dev-dependency turns it on for every test binary), so what decides
    /// it is checked where it is written: the feature exists, no default
    /// turns it on, and only the dev-dependency asks for it.
    #[test]
    fn crash_points_are_only_in_builds_that_ask_for_them() {
        let manifest: toml::Table = include_str!("../Cargo.toml").parse().expect("Cargo.toml");
        let features = manifest["features"].as_table().expect("[features]");
        assert!(features.contains_key("crashtest"), "no crashtest feature");
        let default = features.get("default").and_then(|d| d.as_array());
        assert!(
            default.is_none_or(|d| d.iter().all(|f| f.as_str() != Some("crashtest"))),
            "crashtest is a default feature"
        );
        let asks = |section: &str| {
            manifest
                .get(section)
                .and_then(|deps| deps.get("newsidx"))
                .and_then(|dep| dep.get("features"))
                .and_then(|f| f.as_array())
                .is_some_and(|f| f.iter().any(|f| f.as_str() == Some("crashtest")))
        };
        assert!(!asks("dependencies"), "a normal dependency turns crashtest on");
        assert!(asks("dev-dependencies"), "the tests' builds lack crashtest");
        // And the feature gates the one place the variable is read.
        let source = include_str!("crashtest.rs");
        let read = source.find("std::env::var(VAR)").expect("the variable is read");
        let gate = source[..read].rfind("#[cfg(").expect("a cfg before the read");
        assert!(source[gate..].starts_with("#[cfg(feature = \"crashtest\")]"));
    }
}
