//! The allocator: mimalloc, and when the memory it is given back goes back to the system.

// Ingest allocates many small, short-lived values on every busy thread
// (parser workers and tantivy's indexing threads); mimalloc's per-thread free
// lists make that cheaper in CPU than glibc's malloc (figures in
// docs/performance.md, "Speed").
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Gives the memory the process has freed back to the system (the
/// ingest's, before the entity table), and with `from_now_on`, what it
/// frees from here on too, at once rather than after mimalloc's delay.
/// The table's build frees large structures (its grouping's maps) before
/// it makes others (the groups); at a million articles, with the delay, the
/// freed pages were still the process's when the new ones were touched,
/// and the two added up to the run's peak. On a small table the immediate
/// returns cost more time than they save memory (docs/performance.md).
pub fn return_freed_memory(from_now_on: bool) {
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

#[cfg(test)]
mod tests {
    use super::MI_OPTION_PURGE_DELAY;

    #[test]
    fn the_purge_delay_option_is_mimalloc_s() {
        // mimalloc's default purge delay is 10 ms; another option at this
        // place in its enumeration would have another default.
        // SAFETY: reads an option's value.
        let delay = unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) };
        assert_eq!(delay, 10);
    }
}
