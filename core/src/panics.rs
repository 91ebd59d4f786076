//! Panics inside libraries reading untrusted bytes, caught and turned into
//! errors.
//!
//! A parser (ours or a library's, like the PDF extractor) may panic on a
//! hostile or broken file, and so may a Parquet reader on a corrupt lake
//! object. [`quietly`] (for blocking work) and [`quietly_async`] (for a
//! future) catch that panic, and while they run the process's panic hook
//! stays silent for that work: the failure is reported once, as the
//! file's or object's error, not as a backtrace in the log. Panics anywhere
//! else still reach the previous hook unchanged.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Once;

use futures::FutureExt;

tokio::task_local! {
    /// Set while a future inside [`quietly_async`] is polled.
    static QUIET_TASK: ();
}

thread_local! {
    /// Whether this thread is inside [`quietly`].
    static QUIET: Cell<bool> = const { Cell::new(false) };
    /// Where the last quiet panic happened.
    static WHERE: RefCell<Option<String>> = const { RefCell::new(None) };
}

static HOOK: Once = Once::new();

/// Wraps the process's panic hook once, so quiet threads skip it.
fn install() {
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if QUIET.with(Cell::get) || QUIET_TASK.try_with(|_| ()).is_ok() {
                let at = info
                    .location()
                    .map(|l| format!("{}:{}", l.file(), l.line()));
                WHERE.with(|w| *w.borrow_mut() = at);
            } else {
                previous(info);
            }
        }));
    });
}

/// Runs `work`; a panic becomes `Err` with its message and place.
pub fn quietly<T>(work: impl FnOnce() -> T) -> Result<T, String> {
    install();
    let was = QUIET.with(|q| q.replace(true));
    let result = catch_unwind(AssertUnwindSafe(work));
    QUIET.with(|q| q.set(was));
    result.map_err(describe)
}

/// Runs `work` to completion; a panic while it is polled becomes `Err`
/// with its message and place. Tasks `work` spawns are not covered, but a
/// panic they hand back to it when joined is.
pub async fn quietly_async<F: Future>(work: F) -> Result<F::Output, String> {
    install();
    QUIET_TASK
        .scope((), AssertUnwindSafe(work).catch_unwind())
        .await
        .map_err(describe)
}

/// A caught panic's message, with where it happened when the hook saw it.
fn describe(panic: Box<dyn std::any::Any + Send>) -> String {
    let message = panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "it panicked".into());
    match WHERE.with(|w| w.borrow_mut().take()) {
        Some(at) => format!("{message} (at {at})"),
        None => message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_is_an_error_with_its_message_and_work_that_returns_is_kept() {
        assert_eq!(quietly(|| 7), Ok(7));
        let err = quietly(|| -> u8 { panic!("bad table at offset {}", 12) }).unwrap_err();
        assert!(err.starts_with("bad table at offset 12 (at "), "{err}");
        assert!(err.contains("panics.rs"), "{err}");
        // Nested: the inner panic is caught, the outer work goes on.
        let outer = quietly(|| quietly(|| panic!("inner")).unwrap_err());
        assert!(outer.unwrap().starts_with("inner"));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_panicking_future_is_an_error_and_one_that_finishes_is_kept() {
        assert_eq!(quietly_async(async { 7 }).await, Ok(7));
        let err = quietly_async(async {
            tokio::task::yield_now().await;
            panic!("corrupt footer: {} bytes", 40)
        })
        .await
        .unwrap_err();
        assert!(err.starts_with("corrupt footer: 40 bytes (at "), "{err}");
    }
}
