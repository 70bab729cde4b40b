//! CPU time per call. Compiled code checks the engine's epoch at loop heads
//! and function entries; a ticker thread advances the epoch while some call
//! is running, and at each tick the store's callback compares the CPU time
//! its thread has spent in the call with the component's budget. Time spent
//! waiting (for a reply, for a message) costs nothing: it is the thread's
//! own CPU clock that is read, not the wall clock.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use wasmtime::{Store, UpdateDeadline};

/// How often a running call's budget is checked.
pub const TICK: Duration = Duration::from_millis(10);

/// The engines whose epochs the ticker advances.
static ENGINES: Mutex<Vec<wasmtime::EngineWeak>> = Mutex::new(Vec::new());

/// Calls running now, in every store of the process.
static RUNNING: AtomicUsize = AtomicUsize::new(0);

/// The ticker thread. It starts with the first call, so that in a worker
/// process it starts inside the OS sandbox (and is confined like the
/// rest), and it sleeps while no call is running, so that idle workers wake
/// no thread.
fn ticker() -> &'static std::thread::Thread {
    static TICKER: OnceLock<std::thread::Thread> = OnceLock::new();
    TICKER.get_or_init(|| {
        std::thread::Builder::new()
            .name("wasmtron-epoch".into())
            .spawn(tick)
            .map(|handle| handle.thread().clone())
            // Without a ticker no deadline fires: calls run unbounded, and
            // the host says so.
            .unwrap_or_else(|err| {
                tracing::error!("cannot start the CPU-time ticker ({err}); calls are not bounded");
                std::thread::current()
            })
    })
}

fn tick() {
    loop {
        if RUNNING.load(Ordering::Acquire) == 0 {
            std::thread::park();
            continue;
        }
        std::thread::sleep(TICK);
        let mut engines = ENGINES.lock().unwrap_or_else(|p| p.into_inner());
        engines.retain(|weak| match weak.upgrade() {
            Some(engine) => {
                engine.increment_epoch();
                true
            }
            None => false,
        });
    }
}

/// Has the ticker advance `engine`'s epoch (configured with
/// `epoch_interruption`).
pub fn register(engine: &wasmtime::Engine) {
    ENGINES
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .push(engine.weak());
}

/// The CPU time the calling thread has used.
fn thread_cpu() -> Duration {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid timespec for the call to fill in.
    #[allow(unsafe_code)]
    let status = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
    if status != 0 {
        return Duration::ZERO;
    }
    Duration::new(
        u64::try_from(now.tv_sec).unwrap_or(0),
        u32::try_from(now.tv_nsec).unwrap_or(0),
    )
}

/// Why a component's call was stopped by its [`CpuBudget`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stopped {
    /// The call used more CPU time than the budget.
    OverBudget { used: Duration },
    /// The host asked the component to end (a kill of a thread worker).
    Interrupted,
}

/// A component's CPU time per call, kept in its store's data.
#[derive(Debug)]
pub struct CpuBudget {
    limit: Duration,
    /// The thread's CPU clock when the running call began.
    began: Option<Duration>,
    interrupt: Arc<AtomicBool>,
    /// Set when a call was stopped; the trap that follows is this.
    pub stopped: Option<Stopped>,
}

impl CpuBudget {
    /// `limit_ms` per call; setting `interrupt` stops the running call at
    /// the next tick (and every later one).
    pub fn new(limit_ms: u64, interrupt: Arc<AtomicBool>) -> Self {
        CpuBudget {
            limit: Duration::from_millis(limit_ms),
            began: None,
            interrupt,
            stopped: None,
        }
    }

    /// The budget per call.
    pub fn limit(&self) -> Duration {
        self.limit
    }

    /// A call into the component begins on this thread.
    pub fn begin(&mut self) {
        if self.began.is_none() && RUNNING.fetch_add(1, Ordering::AcqRel) == 0 {
            ticker().unpark();
        }
        self.began = Some(thread_cpu());
    }

    /// The call has returned (or trapped).
    pub fn end(&mut self) {
        if self.began.take().is_some() {
            RUNNING.fetch_sub(1, Ordering::AcqRel);
        }
    }

    fn check(&mut self) -> UpdateDeadline {
        if self.interrupt.load(Ordering::Acquire) {
            self.stopped = Some(Stopped::Interrupted);
            return UpdateDeadline::Interrupt;
        }
        if let Some(began) = self.began {
            let used = thread_cpu().saturating_sub(began);
            if used > self.limit {
                self.stopped = Some(Stopped::OverBudget { used });
                return UpdateDeadline::Interrupt;
            }
        }
        UpdateDeadline::Continue(1)
    }

    /// Has `store` check its budget at every tick; `budget` finds it in the
    /// store's data.
    pub fn install<T: 'static>(
        store: &mut Store<T>,
        budget: impl Fn(&mut T) -> &mut CpuBudget + Send + Sync + 'static,
    ) {
        store.set_epoch_deadline(1);
        store.epoch_deadline_callback(move |mut ctx| Ok(budget(ctx.data_mut()).check()));
    }
}

impl Drop for CpuBudget {
    fn drop(&mut self) {
        self.end();
    }
}
