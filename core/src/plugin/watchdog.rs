//! A time budget for plugin calls. A plugin runs in the host's process, and a thread stuck in
//! foreign code cannot be stopped or abandoned safely: it may still be writing into buffers the
//! host would free. So a call that outlives its budget ends the run: one line on stderr naming
//! the plugin, the call and the budget, then exit code 1 — rather than a run that hangs forever
//! without a word.
//!
//! The budget is `SLANT_PLUGIN_TIMEOUT_SECS` seconds per call (one call handles one batch),
//! [`DEFAULT_BUDGET_SECS`] when unset; `0` turns the watchdog off.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use super::loader::Plugin;

/// Budget of one plugin call when `SLANT_PLUGIN_TIMEOUT_SECS` is unset. A batch takes
/// milliseconds; minutes mean the plugin is stuck.
pub const DEFAULT_BUDGET_SECS: u64 = 600;

/// Exit code when a plugin call outlives its budget (the code of a refused plugin).
pub const EXIT_CODE: i32 = 1;

/// A call in flight.
struct Call {
    what: String,
    since: Instant,
}

struct Watchdog {
    budget: Duration,
    calls: Mutex<HashMap<u64, Call>>,
    next_id: AtomicU64,
}

/// Marks one plugin call as in flight until dropped.
pub struct Guard {
    id: Option<u64>,
}

impl Drop for Guard {
    fn drop(&mut self) {
        if let (Some(id), Some(dog)) = (self.id, watchdog()) {
            dog.calls
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(&id);
        }
    }
}

/// Starts watching a call of `op` on `plugin`.
pub fn enter(plugin: &Plugin, op: &str) -> Guard {
    let Some(dog) = watchdog() else {
        return Guard { id: None };
    };
    let id = dog.next_id.fetch_add(1, Ordering::Relaxed);
    let what = format!(
        "plugin {} (stage `{}`) has not returned from {op}",
        plugin.path().display(),
        plugin.name()
    );
    dog.calls.lock().unwrap_or_else(|e| e.into_inner()).insert(
        id,
        Call {
            what,
            since: Instant::now(),
        },
    );
    Guard { id: Some(id) }
}

/// The budget from the environment: `None` when the watchdog is off.
fn budget_from_env() -> Option<Duration> {
    // Under Miri (which runs the host's in-process tests) no thread is left running at exit.
    if cfg!(miri) {
        return None;
    }
    let secs = match std::env::var("SLANT_PLUGIN_TIMEOUT_SECS") {
        Ok(v) => v.trim().parse::<u64>().unwrap_or(DEFAULT_BUDGET_SECS),
        Err(_) => DEFAULT_BUDGET_SECS,
    };
    (secs > 0).then(|| Duration::from_secs(secs))
}

/// The process-wide watchdog, started on first use (its thread sleeps between checks).
fn watchdog() -> Option<&'static Watchdog> {
    static DOG: OnceLock<Option<&'static Watchdog>> = OnceLock::new();
    *DOG.get_or_init(|| {
        let budget = budget_from_env()?;
        let dog: &'static Watchdog = Box::leak(Box::new(Watchdog {
            budget,
            calls: Mutex::new(HashMap::new()),
            next_id: AtomicU64::new(0),
        }));
        let tick = (budget / 4).clamp(Duration::from_millis(50), Duration::from_secs(1));
        let spawned = std::thread::Builder::new()
            .name("slant-plugin-watchdog".into())
            .spawn(move || loop {
                std::thread::sleep(tick);
                dog.check();
            });
        // Without the thread there is no watchdog, and calls run unwatched as before.
        spawned.ok().map(|_| dog)
    })
}

impl Watchdog {
    fn check(&self) {
        let calls = self.calls.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(late) = calls.values().find(|c| c.since.elapsed() > self.budget) {
            eprintln!(
                "slant: {} after {} s (the budget, SLANT_PLUGIN_TIMEOUT_SECS={}); stopping the run, as a call stuck inside a plugin cannot be abandoned safely",
                late.what,
                late.since.elapsed().as_secs(),
                self.budget.as_secs()
            );
            std::process::exit(EXIT_CODE);
        }
    }
}
