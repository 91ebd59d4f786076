//! A circuit breaker per model: after a few calls in a row fail, the
//! model is skipped for a while instead of making every chat wait out its
//! timeout; when the while is over, one call tries it again.

use std::time::{Duration, Instant};

/// What a breaker lets through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BreakerState {
    /// Calls go through.
    Closed,
    /// Calls are refused until the cooldown ends.
    Open,
    /// The cooldown ended: the next call is a trial; it closes the breaker
    /// if it succeeds and opens it again if it fails.
    HalfOpen,
}

impl BreakerState {
    /// The state's name, as metrics and logs show it.
    pub fn as_str(&self) -> &'static str {
        match self {
            BreakerState::Closed => "closed",
            BreakerState::Open => "open",
            BreakerState::HalfOpen => "half_open",
        }
    }
}

/// One model's breaker.
#[derive(Clone, Debug)]
pub struct Breaker {
    failures_to_open: u32,
    cooldown: Duration,
    failures: u32,
    open_until: Option<Instant>,
}

impl Breaker {
    /// A closed breaker that opens after `failures_to_open` failures in a
    /// row (at least 1) for `cooldown`.
    pub fn new(failures_to_open: u32, cooldown: Duration) -> Self {
        Breaker {
            failures_to_open: failures_to_open.max(1),
            cooldown,
            failures: 0,
            open_until: None,
        }
    }

    /// Its state at `now`.
    pub fn state(&self, now: Instant) -> BreakerState {
        match self.open_until {
            None => BreakerState::Closed,
            Some(until) if now < until => BreakerState::Open,
            Some(_) => BreakerState::HalfOpen,
        }
    }

    /// Whether a call may go through at `now`. A half-open breaker lets
    /// one trial through and stays open for others until it reports.
    pub fn allow(&mut self, now: Instant) -> bool {
        match self.state(now) {
            BreakerState::Closed => true,
            BreakerState::Open => false,
            BreakerState::HalfOpen => {
                self.open_until = Some(now + self.cooldown);
                true
            }
        }
    }

    /// Records how a call that went through ended.
    pub fn record(&mut self, succeeded: bool, now: Instant) {
        if succeeded {
            self.failures = 0;
            self.open_until = None;
        } else {
            self.failures += 1;
            if self.failures >= self.failures_to_open {
                self.open_until = Some(now + self.cooldown);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_after_failures_in_a_row_and_a_trial_after_the_cooldown_decides() {
        let start = Instant::now();
        let cooldown = Duration::from_secs(10);
        let mut b = Breaker::new(3, cooldown);
        for _ in 0..2 {
            assert!(b.allow(start));
            b.record(false, start);
        }
        // A success in between resets the count.
        b.record(true, start);
        for _ in 0..3 {
            assert!(b.allow(start));
            b.record(false, start);
        }
        assert_eq!(b.state(start), BreakerState::Open);
        assert!(!b.allow(start + Duration::from_secs(9)));
        let later = start + cooldown;
        assert_eq!(b.state(later), BreakerState::HalfOpen);
        assert!(b.allow(later), "the trial goes through");
        assert!(!b.allow(later), "one trial at a time");
        b.record(false, later);
        assert_eq!(b.state(later), BreakerState::Open);
        let again = later + cooldown;
        assert!(b.allow(again));
        b.record(true, again);
        assert_eq!(b.state(again), BreakerState::Closed);
    }
}
