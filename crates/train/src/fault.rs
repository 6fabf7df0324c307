//! Crash points for testing crash safety: `SPILLOVER_FAULT=NAME[@N]` makes the N-th (default:
//! first) pass through [`point`]`(NAME)` SIGKILL the whole process group, as a `kill -9` of a
//! sweep would, at exactly the moment a test wants to prove harmless (between a checkpoint's
//! files, halfway through the predictions, between a state file's write and its rename).
//!
//! Unset (always, outside tests) it costs one `OnceLock` read per call.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

/// Crash points the code passes through, for `SPILLOVER_FAULT`.
pub const POINTS: &[&str] = &[
    "checkpoint-partial",
    "predictions-written",
    "factors-written",
    "state-write",
    "done-write",
];

fn target() -> Option<&'static (String, u64)> {
    static TARGET: OnceLock<Option<(String, u64)>> = OnceLock::new();
    TARGET
        .get_or_init(|| {
            let spec = std::env::var("SPILLOVER_FAULT").ok()?;
            let (name, n) = match spec.split_once('@') {
                Some((name, n)) => (name.to_string(), n.parse().unwrap_or(1)),
                None => (spec, 1),
            };
            Some((name, n))
        })
        .as_ref()
}

/// Passes crash point `name`: kills the process group when `SPILLOVER_FAULT` names it.
pub fn point(name: &str) {
    static HITS: AtomicU64 = AtomicU64::new(0);
    let Some((want, n)) = target() else {
        return;
    };
    if want != name {
        return;
    }
    if HITS.fetch_add(1, Ordering::SeqCst) + 1 == *n {
        eprintln!("SPILLOVER_FAULT: killing the process group at {name}");
        // SAFETY: kill(2) with pid 0 signals our own process group; no memory is involved.
        unsafe {
            libc::kill(0, libc::SIGKILL);
        }
    }
}

/// Panics when `SPILLOVER_FAULT=panic:NAME` names `name` (a sweep cell): for tests that a
/// panicking cell is reported as failed, with its message, while the others finish.
pub fn panic_point(name: &str) {
    if let Ok(spec) = std::env::var("SPILLOVER_FAULT")
        && spec.strip_prefix("panic:") == Some(name)
    {
        panic!("injected panic (SPILLOVER_FAULT={spec})");
    }
}
