//! A lock that serves its waiters in the order they came.
//!
//! `std::sync::Mutex` is not fair: a thread that releases it and asks
//! again at once usually wins it back before a sleeping waiter wakes. The
//! embedding model is such a case: an ingest embeds batch after batch,
//! and a search waiting for one query's turn waited for the whole ingest
//! (13 s behind a 256 KiB upload in `twinlake bench serve`). [`InTurn`]
//! hands out tickets, so a waiter is served after at most the turns asked
//! for before its own. Background work (an ingest's batches) takes its
//! ticket only when no one urgent (a query) waits, or after
//! [`URGENT_STREAK`] urgent turns in a row, so it is never starved either.

use std::ops::{Deref, DerefMut};
use std::sync::{Condvar, Mutex, MutexGuard};

/// A value used by one thread at a time, in the order the threads asked.
#[derive(Debug, Default)]
pub struct InTurn<T> {
    queue: Mutex<Queue>,
    served: Condvar,
    value: Mutex<T>,
}

/// Urgent turns served in a row while background work waits, at most.
pub const URGENT_STREAK: u32 = 4;

/// Tickets handed out and the one being served.
#[derive(Debug, Default)]
struct Queue {
    next: u64,
    serving: u64,
    /// Urgent callers waiting for their turn.
    urgent_waiting: usize,
    /// Urgent turns since the last background one.
    urgent_streak: u32,
}

impl<T> InTurn<T> {
    /// Wraps `value`.
    pub fn new(value: T) -> Self {
        InTurn {
            queue: Mutex::new(Queue::default()),
            served: Condvar::new(),
            value: Mutex::new(value),
        }
    }

    /// Waits for this caller's turn, then gives the value until the
    /// returned guard is dropped.
    pub fn turn(&self) -> Turn<'_, T> {
        self.take(true)
    }

    /// [`Self::turn`] for background work: it lets urgent callers go first.
    pub fn turn_in_background(&self) -> Turn<'_, T> {
        self.take(false)
    }

    fn take(&self, urgent: bool) -> Turn<'_, T> {
        let wait = |queue| self.served.wait(queue).unwrap_or_else(|p| p.into_inner());
        let mut queue = self.queue.lock().unwrap_or_else(|p| p.into_inner());
        if urgent {
            queue.urgent_waiting += 1;
        } else {
            while queue.urgent_waiting > 0 && queue.urgent_streak < URGENT_STREAK {
                queue = wait(queue);
            }
        }
        let ticket = queue.next;
        queue.next += 1;
        while queue.serving != ticket {
            queue = wait(queue);
        }
        if urgent {
            queue.urgent_waiting -= 1;
            queue.urgent_streak = queue.urgent_streak.saturating_add(1);
        } else {
            queue.urgent_streak = 0;
        }
        drop(queue);
        // Only the ticket being served locks the value: never contended.
        let value = self.value.lock().unwrap_or_else(|p| p.into_inner());
        Turn {
            owner: self,
            value: Some(value),
        }
    }
}

/// One caller's turn at an [`InTurn`] value; the next ticket is served
/// when it is dropped.
pub struct Turn<'a, T> {
    owner: &'a InTurn<T>,
    value: Option<MutexGuard<'a, T>>,
}

impl<T> Deref for Turn<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.value.as_ref().expect("held until drop")
    }
}

impl<T> DerefMut for Turn<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        self.value.as_mut().expect("held until drop")
    }
}

impl<T> Drop for Turn<'_, T> {
    fn drop(&mut self) {
        self.value.take();
        let mut queue = self.owner.queue.lock().unwrap_or_else(|p| p.into_inner());
        queue.serving += 1;
        drop(queue);
        self.owner.served.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

    #[test]
    fn a_waiter_is_served_before_a_busy_thread_takes_its_next_turns() {
        let shared = Arc::new(InTurn::new(0u32));
        let (busy_turns, stop) = (
            Arc::new(AtomicUsize::new(0)),
            Arc::new(AtomicBool::new(false)),
        );
        // A thread taking turn after turn, as an ingest embedding batches.
        let busy = {
            let (shared, turns, stop) = (shared.clone(), busy_turns.clone(), stop.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let mut value = shared.turn();
                    *value += 1;
                    turns.fetch_add(1, Ordering::Relaxed);
                    std::thread::sleep(std::time::Duration::from_millis(2));
                }
            })
        };
        while busy_turns.load(Ordering::Relaxed) < 3 {
            std::thread::yield_now();
        }
        for _ in 0..20 {
            let asked = busy_turns.load(Ordering::Relaxed);
            let turn = shared.turn();
            let waited = busy_turns.load(Ordering::Relaxed) - asked;
            drop(turn);
            // The busy thread's turn in progress, and perhaps the one it had
            // asked for by then: never more.
            assert!(waited <= 2, "waited {waited} turns of the busy thread");
        }
        stop.store(true, Ordering::Relaxed);
        busy.join().unwrap();
        assert_eq!(*shared.turn() as usize, busy_turns.load(Ordering::Relaxed));
    }

    #[test]
    fn background_work_lets_the_urgent_go_first_but_is_not_starved() {
        let shared = Arc::new(InTurn::new(Vec::<&str>::new()));
        // Hold the value so that everyone below queues up behind it.
        let holding = shared.turn();
        let spawn = |who: &'static str, urgent: bool| {
            let shared = shared.clone();
            std::thread::spawn(move || {
                let mut order = if urgent {
                    shared.turn()
                } else {
                    shared.turn_in_background()
                };
                order.push(who);
            })
        };
        let waiting = |n: usize| {
            while shared.queue.lock().unwrap().urgent_waiting < n {
                std::thread::yield_now();
            }
        };
        let mut urgent: Vec<_> = (0..2).map(|_| spawn("urgent", true)).collect();
        waiting(2);
        let background = spawn("background", false);
        std::thread::sleep(std::time::Duration::from_millis(50));
        // Two more come while the background waits: they go before it, as
        // first come, first served would not have it.
        urgent.extend((0..2).map(|_| spawn("urgent", true)));
        waiting(4);
        drop(holding);
        background.join().unwrap();
        for u in urgent {
            u.join().unwrap();
        }
        let order = shared.turn().clone();
        assert_eq!(
            order,
            ["urgent", "urgent", "urgent", "urgent", "background"]
        );
    }
}
