//! Starting, watching and ending workers.
//!
//! A [`Transport`] decides where a worker runs: on a thread of the host
//! ([`InProcess`]) or in a child process of its own ([`Process`]). Either
//! way the host holds a [`Worker`]: its lifecycle state, the way to post and
//! invoke, and the way to kill it. When a worker ends, for any reason, its
//! pending invokes fail with `target-gone` at once and the supervisor's
//! owner hears a [`WorkerExit`] with the reason.

mod in_process;
pub(crate) mod metrics;
mod process;

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::mpsc::UnboundedSender;
use tokio::sync::oneshot;

pub(crate) use in_process::InProcess;
pub(crate) use process::Process;

use crate::ipc::{IpcError, Router, WorkerPeer, serve_worker};
use crate::manifest::Limits;
use crate::wire::{ExitReason, HostToWorker};
use crate::worker::{HostLink, WorkerSpec};

/// What kind of process an entry of the metrics is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ProcessKind {
    /// The host process: windows, IPC and the main component.
    Host,
    Renderer,
    Utility,
}

impl ProcessKind {
    /// The WIT name.
    pub fn as_str(self) -> &'static str {
        match self {
            ProcessKind::Host => "host",
            ProcessKind::Renderer => "renderer",
            ProcessKind::Utility => "utility",
        }
    }
}

/// Where a worker is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ProcessState {
    /// Started; the component is loading.
    Creating,
    /// The component is instantiated and taking events.
    Running,
    /// Asked to stop or killed; not yet reaped.
    Exiting,
    /// Gone.
    Exited,
}

impl ProcessState {
    /// The WIT name.
    pub fn as_str(self) -> &'static str {
        match self {
            ProcessState::Creating => "creating",
            ProcessState::Running => "running",
            ProcessState::Exiting => "exiting",
            ProcessState::Exited => "exited",
        }
    }
}

/// One row of [`App::metrics`](crate::App::metrics), read from the OS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessMetric {
    pub pid: u32,
    pub kind: ProcessKind,
    /// The window label, utility instance name, or app name for the host.
    pub name: String,
    pub state: ProcessState,
    /// User plus system CPU time.
    pub cpu_time: Duration,
    pub resident_bytes: u64,
}

/// A worker that ended (Electron's `render-process-gone` and
/// `child-process-gone`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerExit {
    pub kind: ProcessKind,
    pub name: String,
    pub pid: Option<u32>,
    pub reason: ExitReason,
}

/// Why a worker could not be started.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub(crate) enum LaunchError {
    #[error("cannot start worker `{name}`: {reason}")]
    Spawn { name: String, reason: String },
}

/// How the OS ended a worker process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OsExit {
    Code(i32),
    Signal(i32),
}

/// Control over a started worker that does not go through its link.
pub(crate) trait WorkerControl: Send + Sync + fmt::Debug {
    /// Ends the worker now (SIGKILL for a process).
    fn kill(&self);
}

/// A started worker, as its transport hands it over.
pub(crate) struct Launched {
    pub link: HostLink,
    /// The worker's process id, when it has its own process.
    pub pid: Option<u32>,
    pub control: Box<dyn WorkerControl>,
    /// Fires with the OS's account of the exit, for worker processes.
    pub os_exit: Option<oneshot::Receiver<OsExit>>,
}

/// Where workers run.
pub(crate) trait Transport: Send + Sync + fmt::Debug + 'static {
    /// Starts a worker for `spec`. Instantiating the component happens in
    /// the worker; a failure there arrives as an `Exited { launch-failed }`
    /// message.
    ///
    /// # Errors
    /// [`LaunchError`] when the worker itself cannot be started.
    fn launch(
        &self,
        spec: WorkerSpec,
        runtime: &tokio::runtime::Handle,
    ) -> Result<Launched, LaunchError>;
}

/// Host → worker invokes waiting for their reply, by id.
type WaiterMap = HashMap<u64, oneshot::Sender<Result<Vec<u8>, IpcError>>>;
type Waiters = Mutex<WaiterMap>;

/// The host's handle on one worker.
#[derive(Debug)]
pub(crate) struct Worker {
    pub kind: ProcessKind,
    pub name: String,
    pub pid: Option<u32>,
    limits: Limits,
    state: Mutex<ProcessState>,
    to_worker: UnboundedSender<HostToWorker>,
    /// Host → worker invokes waiting for their reply.
    waiters: Waiters,
    next_invoke: AtomicU64,
    control: Box<dyn WorkerControl>,
    /// Set when the host killed the worker: an in-process worker can only
    /// be asked to stop, and still counts as killed.
    killed: std::sync::atomic::AtomicBool,
    /// Ends the host's side of the connection at once on a kill, so that
    /// waiting invokes fail now even if the worker (a thread, in-process)
    /// cannot be stopped.
    kill_signal: tokio::sync::Notify,
}

impl Worker {
    fn lock_state(&self) -> MutexGuard<'_, ProcessState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn state(&self) -> ProcessState {
        *self.lock_state()
    }

    fn set_state(&self, next: ProcessState) {
        let mut state = self.lock_state();
        // States only move forward.
        let rank = |s: ProcessState| s as u8;
        if rank(next) > rank(*state) {
            *state = next;
        }
    }

    pub(crate) fn mark_running(&self) {
        self.set_state(ProcessState::Running);
    }

    fn gone(&self) -> IpcError {
        IpcError::target_gone(&format!("{} `{}`", self.kind.as_str(), self.name))
    }

    /// Queues a message for the worker.
    ///
    /// # Errors
    /// `target-gone` once the worker has exited or is exiting.
    pub(crate) fn post(&self, message: HostToWorker) -> Result<(), IpcError> {
        if matches!(self.state(), ProcessState::Exiting | ProcessState::Exited) {
            return Err(self.gone());
        }
        self.to_worker.send(message).map_err(|_| self.gone())
    }

    /// Invokes a handler the worker exports and waits for the reply, at
    /// most the invoke timeout. Fails with `target-gone` the moment the
    /// worker ends.
    pub(crate) async fn invoke(
        &self,
        channel: String,
        payload: Vec<u8>,
    ) -> Result<Vec<u8>, IpcError> {
        let limit = self.limits.max_message_bytes;
        if payload.len() > limit {
            return Err(IpcError::too_large("the payload", payload.len(), limit));
        }
        let id = self.next_invoke.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        self.lock_waiters().insert(id, tx);
        if let Err(err) = self.post(HostToWorker::Invoke {
            id,
            channel,
            payload,
        }) {
            self.lock_waiters().remove(&id);
            return Err(err);
        }
        let bound = Duration::from_millis(self.limits.invoke_timeout_ms);
        match tokio::time::timeout(bound, rx).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(self.gone()),
            Err(_) => {
                self.lock_waiters().remove(&id);
                Err(IpcError::new(
                    crate::ipc::ErrorCode::Timeout,
                    format!("no reply within {} ms", self.limits.invoke_timeout_ms),
                ))
            }
        }
    }

    fn lock_waiters(&self) -> MutexGuard<'_, WaiterMap> {
        self.waiters.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Delivers the worker's reply to a host invoke. Replies to unknown ids
    /// (late, or forged) are dropped.
    pub(crate) fn reply(&self, id: u64, result: Result<Vec<u8>, IpcError>) {
        if let Some(waiter) = self.lock_waiters().remove(&id) {
            let _ = waiter.send(result);
        }
    }

    /// Fails every waiting invoke with `target-gone`.
    fn reject_waiting(&self) {
        let waiting: Vec<_> = self.lock_waiters().drain().collect();
        for (_, waiter) in waiting {
            let _ = waiter.send(Err(self.gone()));
        }
    }

    /// Sends a reply or other message that must reach the worker even
    /// while it is stopping.
    pub(crate) fn answer(&self, message: HostToWorker) {
        let _ = self.to_worker.send(message);
    }

    /// Asks the worker to finish its current call and exit.
    pub(crate) fn stop(&self) {
        let _ = self.to_worker.send(HostToWorker::Stop);
        self.set_state(ProcessState::Exiting);
    }

    /// Ends the worker now. False when it had already exited.
    pub(crate) fn kill(&self) -> bool {
        if self.state() == ProcessState::Exited {
            return false;
        }
        self.set_state(ProcessState::Exiting);
        self.killed.store(true, Ordering::Relaxed);
        self.control.kill();
        self.kill_signal.notify_one();
        true
    }
}

/// Called once per worker with how it ended.
pub(crate) type ExitHook = Box<dyn FnOnce(WorkerExit) + Send>;

/// Starts workers and keeps the table of live ones.
pub(crate) struct Supervisor {
    transport: Arc<dyn Transport>,
    router: Arc<Router>,
    runtime: tokio::runtime::Handle,
    workers: Mutex<HashMap<u64, Arc<Worker>>>,
    next_id: AtomicU64,
}

impl fmt::Debug for Supervisor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Supervisor")
            .field("transport", &self.transport)
            .finish_non_exhaustive()
    }
}

impl Supervisor {
    pub(crate) fn new(
        transport: Arc<dyn Transport>,
        router: Arc<Router>,
        runtime: tokio::runtime::Handle,
    ) -> Self {
        Supervisor {
            transport,
            router,
            runtime,
            workers: Mutex::default(),
            next_id: AtomicU64::new(1),
        }
    }

    fn lock_workers(&self) -> MutexGuard<'_, HashMap<u64, Arc<Worker>>> {
        self.workers.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Starts a worker and serves its connection until it ends; `on_exit`
    /// then hears why.
    ///
    /// # Errors
    /// [`LaunchError`] when the worker cannot be started at all.
    pub(crate) fn launch(
        self: &Arc<Self>,
        kind: ProcessKind,
        spec: WorkerSpec,
        peer: WorkerPeer,
        on_exit: ExitHook,
    ) -> Result<Arc<Worker>, LaunchError> {
        let limits = spec.limits;
        let name = spec.name.clone();
        let launched = self.transport.launch(spec, &self.runtime)?;
        let Launched {
            link,
            pid,
            control,
            os_exit,
        } = launched;
        let worker = Arc::new(Worker {
            kind,
            name,
            pid,
            limits,
            state: Mutex::new(ProcessState::Creating),
            to_worker: link.to_worker,
            waiters: Mutex::default(),
            next_invoke: AtomicU64::new(1),
            control,
            killed: std::sync::atomic::AtomicBool::new(false),
            kill_signal: tokio::sync::Notify::new(),
        });
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        self.lock_workers().insert(id, worker.clone());
        let supervisor = self.clone();
        let served = worker.clone();
        let router = self.router.clone();
        let from_worker = link.from_worker;
        self.runtime.spawn(async move {
            let reported = tokio::select! {
                reported = serve_worker(peer, &served, router, from_worker) => reported,
                () = served.kill_signal.notified() => None,
            };
            // The connection is over: nobody will answer what is waiting.
            served.set_state(ProcessState::Exiting);
            served.reject_waiting();
            let os = match os_exit {
                Some(exit) => exit.await.ok(),
                None => None,
            };
            let killed = served.killed.load(Ordering::Relaxed);
            let reason = match final_reason(reported, os) {
                // An in-process worker has no OS account to give; one the
                // host killed counts as killed whatever it said.
                ExitReason::CleanExit | ExitReason::Crashed { .. } if killed && os.is_none() => {
                    ExitReason::Killed { signal: 9 }
                }
                reason => reason,
            };
            served.set_state(ProcessState::Exited);
            supervisor.lock_workers().remove(&id);
            tracing::info!(
                kind = served.kind.as_str(),
                name = %served.name,
                pid = ?served.pid,
                "worker ended: {reason}"
            );
            on_exit(WorkerExit {
                kind: served.kind,
                name: served.name.clone(),
                pid: served.pid,
                reason,
            });
        });
        Ok(worker)
    }

    /// The host and every live worker, with usage read from the OS.
    pub(crate) fn metrics(&self, app_name: &str) -> Vec<ProcessMetric> {
        let host_pid = std::process::id();
        let usage = |pid: u32| metrics::read(pid).unwrap_or_default();
        let host = usage(host_pid);
        let mut rows = vec![ProcessMetric {
            pid: host_pid,
            kind: ProcessKind::Host,
            name: app_name.to_owned(),
            state: ProcessState::Running,
            cpu_time: host.cpu_time,
            resident_bytes: host.resident_bytes,
        }];
        let mut workers: Vec<(u64, Arc<Worker>)> = self
            .lock_workers()
            .iter()
            .map(|(id, w)| (*id, w.clone()))
            .collect();
        workers.sort_by_key(|(id, _)| *id);
        for (_, worker) in workers {
            // In-process workers share the host's process and its figures.
            let pid = worker.pid.unwrap_or(host_pid);
            let used = if worker.pid.is_some() {
                usage(pid)
            } else {
                host.clone()
            };
            rows.push(ProcessMetric {
                pid,
                kind: worker.kind,
                name: worker.name.clone(),
                state: worker.state(),
                cpu_time: used.cpu_time,
                resident_bytes: used.resident_bytes,
            });
        }
        rows
    }

    /// Every live worker.
    pub(crate) fn live(&self) -> Vec<Arc<Worker>> {
        self.lock_workers().values().cloned().collect()
    }
}

/// Combines what the worker said about its end with what the OS saw. The
/// OS wins where the worker could not have known or might lie: a signal is
/// always `killed`, and a process that died without saying why exited
/// abnormally.
fn final_reason(reported: Option<ExitReason>, os: Option<OsExit>) -> ExitReason {
    match (reported, os) {
        (Some(reason @ ExitReason::ProtocolError { .. }), _) => reason,
        (_, Some(OsExit::Signal(signal))) => ExitReason::Killed { signal },
        (Some(reason), _) => reason,
        (None, Some(OsExit::Code(code))) => ExitReason::AbnormalExit { code },
        (None, None) => ExitReason::Crashed {
            message: "the worker's connection closed without an exit message".into(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_os_decides_signals_and_silent_deaths() {
        let crashed = ExitReason::Crashed {
            message: "trap".into(),
        };
        assert_eq!(
            final_reason(Some(crashed.clone()), Some(OsExit::Code(0))),
            crashed
        );
        assert_eq!(
            final_reason(None, Some(OsExit::Signal(9))),
            ExitReason::Killed { signal: 9 }
        );
        assert_eq!(
            final_reason(Some(ExitReason::CleanExit), Some(OsExit::Signal(9))),
            ExitReason::Killed { signal: 9 }
        );
        assert_eq!(
            final_reason(None, Some(OsExit::Code(3))),
            ExitReason::AbnormalExit { code: 3 }
        );
        let protocol = ExitReason::ProtocolError {
            message: "bad frame".into(),
        };
        assert_eq!(
            final_reason(Some(protocol.clone()), Some(OsExit::Signal(9))),
            protocol
        );
    }
}
