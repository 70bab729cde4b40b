//! A token bucket: the one rate a component's messages, its output and its
//! refusals' log lines are each held to; and an allowance, a bucket that
//! counts what it turns away.

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

/// A token bucket that counts what it turns away, so that the next thing
/// it lets through can be preceded by word of what was lost.
#[derive(Debug)]
pub(crate) struct Allowance {
    bucket: TokenBucket,
    dropped: Dropped,
}

/// What an [`Allowance`] turned away since it last let something through:
/// how many things, and their size all told.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Dropped {
    pub count: u64,
    pub size: u64,
}

impl Allowance {
    /// A full allowance of `per_second` tokens a second.
    pub(crate) fn new(per_second: f64) -> Self {
        Allowance {
            bucket: TokenBucket::new(per_second),
            dropped: Dropped::default(),
        }
    }

    /// Takes `cost` tokens for something of `size`: `Ok` with what was
    /// turned away before it (to be told first), or `Err` when it is
    /// turned away too (and counted).
    pub(crate) fn take(&mut self, cost: f64, size: u64) -> Result<Option<Dropped>, ()> {
        if !self.bucket.take(cost) {
            self.dropped.count += 1;
            self.dropped.size += size;
            return Err(());
        }
        let dropped = std::mem::take(&mut self.dropped);
        Ok((dropped.count > 0).then_some(dropped))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_allowance_tells_what_it_turned_away_once_with_the_next_it_lets_through() {
        let mut allowance = Allowance::new(2.0);
        assert_eq!(allowance.take(1.0, 10), Ok(None));
        assert_eq!(allowance.take(1.0, 10), Ok(None));
        assert_eq!(allowance.take(1.0, 7), Err(()));
        assert_eq!(allowance.take(1.0, 5), Err(()));
        std::thread::sleep(std::time::Duration::from_millis(600));
        assert_eq!(
            allowance.take(1.0, 1),
            Ok(Some(Dropped { count: 2, size: 12 }))
        );
        std::thread::sleep(std::time::Duration::from_millis(600));
        assert_eq!(allowance.take(1.0, 1), Ok(None));
    }
}
