//! Panics inside parsers, caught and turned into the file's error.
//!
//! A parser (ours or a library's, like the PDF extractor) may panic on a
//! hostile or broken file. [`quietly`] catches that panic, and while it
//! runs the process's panic hook stays silent on this thread: the failure
//! is reported once, as the file's error, not as a backtrace in the log.
//! Panics anywhere else still reach the previous hook unchanged.

use std::cell::{Cell, RefCell};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Once;

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
            if QUIET.with(Cell::get) {
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
    result.map_err(|panic| {
        let message = panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "it panicked".into());
        match WHERE.with(|w| w.borrow_mut().take()) {
            Some(at) => format!("{message} (at {at})"),
            None => message,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_is_an_error_with_its_message_and_work_that_returns_is_kept() {
        assert_eq!(quietly(|| 7), Ok(7));
        let err = quietly(|| -> u8 { panic!("bad table at offset {}", 12) }).unwrap_err();
        assert!(err.starts_with("bad table at offset 12 (at "), "{err}");
        assert!(err.contains("quiet.rs"), "{err}");
        // Nested: the inner panic is caught, the outer work goes on.
        let outer = quietly(|| quietly(|| panic!("inner")).unwrap_err());
        assert!(outer.unwrap().starts_with("inner"));
    }
}
