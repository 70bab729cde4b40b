//! A token bucket: the one rate a component's messages and its output are
//! each held to.

use std::time::Instant;

/// `per_second` tokens a second, in bursts of as many.
#[derive(Debug)]
pub(crate) struct TokenBucket {
    per_second: f64,
    tokens: f64,
    refilled: Instant,
}

impl TokenBucket {
    /// A full bucket.
    pub(crate) fn new(per_second: f64) -> Self {
        TokenBucket {
            per_second,
            tokens: per_second,
            refilled: Instant::now(),
        }
    }

    pub(crate) fn per_second(&self) -> f64 {
        self.per_second
    }

    /// Takes `cost` tokens, refilled for the time since the last take;
    /// false (nothing taken) when there are not as many.
    pub(crate) fn take(&mut self, cost: f64) -> bool {
        let now = Instant::now();
        let earned = now.duration_since(self.refilled).as_secs_f64() * self.per_second;
        self.tokens = (self.tokens + earned).min(self.per_second);
        self.refilled = now;
        if self.tokens < cost {
            return false;
        }
        self.tokens -= cost;
        true
    }
}
