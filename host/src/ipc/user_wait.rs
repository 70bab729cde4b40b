//! Time main spends waiting on its user. While a native dialog of main's is
//! open, main answers nothing (it waits in the dialog call, as Electron's
//! synchronous dialogs do), and every invoke waiting for main waits on the
//! user too: that time does not count toward the invoke's
//! `invoke-timeout-ms`, which bounds a slow or stuck handler, not a person
//! reading a dialog.

use std::time::Duration;

use tokio::sync::watch;
// Tokio's clock, so that tests can run it paused.
use tokio::time::Instant;

/// Main's dialogs: how many are open, since when, and how long earlier
/// ones were.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct UserWaits {
    open: u32,
    since: Option<Instant>,
    before: Duration,
}

impl UserWaits {
    /// Whether main is waiting on its user now.
    pub(crate) fn waiting(&self) -> bool {
        self.open > 0
    }

    /// All the time main has waited on its user, up to `now`.
    pub(crate) fn waited(&self, now: Instant) -> Duration {
        self.before + self.since.map_or(Duration::ZERO, |since| now - since)
    }
}

/// The clock of [`UserWaits`], shared by main's dialogs (which start and
/// end waits) and the invokes waiting for main (which read it).
#[derive(Debug)]
pub(crate) struct UserWaitClock(watch::Sender<UserWaits>);

impl Default for UserWaitClock {
    fn default() -> Self {
        UserWaitClock(watch::Sender::new(UserWaits::default()))
    }
}

impl UserWaitClock {
    /// Main waits on its user until the returned guard is dropped.
    pub(crate) fn begin(&self) -> UserWait<'_> {
        self.0.send_modify(|waits| {
            if waits.open == 0 {
                waits.since = Some(Instant::now());
            }
            waits.open += 1;
        });
        UserWait(self)
    }

    pub(crate) fn watch(&self) -> watch::Receiver<UserWaits> {
        self.0.subscribe()
    }
}

/// One wait of main's on its user (a dialog on screen).
#[derive(Debug)]
pub(crate) struct UserWait<'a>(&'a UserWaitClock);

impl Drop for UserWait<'_> {
    fn drop(&mut self) {
        self.0.0.send_modify(|waits| {
            waits.open = waits.open.saturating_sub(1);
            if waits.open == 0
                && let Some(since) = waits.since.take()
            {
                waits.before += since.elapsed();
            }
        });
    }
}

/// Runs `call` with `bound` as its timeout, not counting the time main
/// waits on its user meanwhile; `held` is called once, as soon as such a
/// wait begins (to tell a worker that its own timer should stand down).
/// `None` when the bound passed.
pub(crate) async fn within<T>(
    bound: Duration,
    mut waits: watch::Receiver<UserWaits>,
    call: impl Future<Output = T>,
    held: impl FnOnce(),
) -> Option<T> {
    let start = Instant::now();
    let waited_before = waits.borrow_and_update().waited(start);
    let mut held = Some(held);
    let mut clock_gone = false;
    let mut call = std::pin::pin!(call);
    loop {
        let now = *waits.borrow_and_update();
        if now.waiting()
            && let Some(held) = held.take()
        {
            held();
        }
        // While the user is waited on, no deadline; after, the bound
        // moves by the time the waits took.
        let deadline =
            (!now.waiting()).then(|| start + bound + (now.waited(Instant::now()) - waited_before));
        let expire = async {
            match deadline {
                Some(deadline) => tokio::time::sleep_until(deadline).await,
                None => std::future::pending().await,
            }
        };
        // A call that is done wins over a deadline that passed with it: its
        // answer may hold ports that nobody would close.
        tokio::select! {
            biased;
            done = &mut call => return Some(done),
            changed = waits.changed(), if !clock_gone => clock_gone = changed.is_err(),
            () = expire => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_wait_on_the_user_moves_the_deadline_by_its_length() {
        let clock = UserWaitClock::default();
        let told = std::sync::atomic::AtomicBool::new(false);
        let call = async {
            tokio::time::sleep(Duration::from_millis(100)).await;
            let wait = clock.begin();
            tokio::time::sleep(Duration::from_millis(5_000)).await;
            drop(wait);
            tokio::time::sleep(Duration::from_millis(150)).await;
            "answered"
        };
        let result = within(Duration::from_millis(300), clock.watch(), call, || {
            told.store(true, std::sync::atomic::Ordering::Relaxed);
        })
        .await;
        assert_eq!(result, Some("answered"));
        assert!(told.load(std::sync::atomic::Ordering::Relaxed));
    }

    #[tokio::test(start_paused = true)]
    async fn without_a_wait_the_bound_holds() {
        let clock = UserWaitClock::default();
        let call = async {
            tokio::time::sleep(Duration::from_millis(301)).await;
            "late"
        };
        let result = within(Duration::from_millis(300), clock.watch(), call, || {
            panic!("nobody waited on the user")
        })
        .await;
        assert_eq!(result, None);
    }

    #[tokio::test(start_paused = true)]
    async fn time_before_and_after_a_wait_adds_up_to_the_bound() {
        let clock = UserWaitClock::default();
        let call = async {
            tokio::time::sleep(Duration::from_millis(200)).await;
            let wait = clock.begin();
            tokio::time::sleep(Duration::from_millis(1_000)).await;
            drop(wait);
            // 200 before and 101 after: past the 300 bound.
            tokio::time::sleep(Duration::from_millis(101)).await;
            "late"
        };
        let result = within(Duration::from_millis(300), clock.watch(), call, || {}).await;
        assert_eq!(result, None);
    }
}
