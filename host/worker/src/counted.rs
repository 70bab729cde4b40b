//! One of a bounded number of things in flight (a message waiting in
//! main's mailbox, an invoke or request waiting for its answer), counted
//! while it lives.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A place in `count`, given back when dropped.
#[derive(Debug)]
pub struct Counted(Arc<AtomicUsize>);

impl Counted {
    /// Counts one more in `count`, unless `limit` are counted already.
    #[must_use]
    pub fn take(count: &Arc<AtomicUsize>, limit: usize) -> Option<Self> {
        count
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < limit).then_some(n + 1)
            })
            .ok()
            .map(|_| Counted(count.clone()))
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}
